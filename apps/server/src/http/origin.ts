import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** JSON nesting allowed in a request (configs nest a handful of levels; 64 leaves room). */
export const MAX_JSON_DEPTH = 64;

/**
 * Cross-site request forgery: a page on another site can make the browser POST to this server (with
 * its cookie, or to a token-less loopback server) as long as the request is "simple", e.g.
 * `text/plain`. So every state-changing request to the API must come from this server's own
 * origin (browsers always send Origin on POST) and carry a JSON body, token or not. Requests
 * without an Origin (curl, scripts) pass the origin check; the content type is checked for all.
 */
export function refuseCrossOrigin(app: FastifyInstance): void {
  app.addHook("onRequest", async (req, reply) => {
    if (SAFE_METHODS.has(req.method) || !/^\/(api|trpc)(\/|$)/.test(req.url)) return;
    const origin = req.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, req)) {
      return refuse(reply, 403, `cross-origin ${req.method} refused: Origin "${origin}" is not this server (${req.headers.host ?? "no Host"})`);
    }
    if (req.headers["sec-fetch-site"] === "cross-site") return refuse(reply, 403, `cross-site ${req.method} refused`);
    const type = String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const hasBody = Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
    if (hasBody && type !== "application/json") {
      return refuse(reply, 415, `a ${req.method} body must be application/json (got "${type || "no content type"}")`);
    }
  });
}

function refuse(reply: FastifyReply, code: number, error: string) {
  return reply.code(code).send({ error });
}

/**
 * Whether an Origin header names the host the request was sent to: the Host header, or the host a
 * reverse proxy says it received (X-Forwarded-Host; a page cannot set that header on a cross-origin
 * request without a preflight this server never allows).
 */
function sameOrigin(origin: string, req: FastifyRequest): boolean {
  if (origin === "null") return false;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  const forwarded = String(req.headers["x-forwarded-host"] ?? "").split(",")[0]!.trim().toLowerCase();
  return host === String(req.headers.host ?? "").toLowerCase() || (forwarded !== "" && host === forwarded);
}

/**
 * The deepest nesting of arrays and objects in a JSON text, found by scanning (no parse, no
 * recursion): a config nested 100,000 levels deep must answer 400, not overflow the stack in a
 * recursive validator. Brackets inside strings do not count.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** The error body for input nested deeper than MAX_JSON_DEPTH, or undefined when it is within. */
export function tooDeep(text: string | undefined): string | undefined {
  if (text === undefined || text.length < 2 * MAX_JSON_DEPTH) return undefined;
  const depth = jsonDepth(text);
  return depth > MAX_JSON_DEPTH ? `the input nests ${depth} levels deep; at most ${MAX_JSON_DEPTH} are allowed` : undefined;
}
