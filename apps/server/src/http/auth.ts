import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";

const COOKIE = "ws2s_token";

/**
 * The token a request carries: `Authorization: Bearer <t>`, `?token=<t>` (EventSource cannot set
 * headers), or the cookie set after a page was opened with ?token= (so the web app's own requests
 * pass). A cookie that is not valid percent-encoding carries no token.
 */
export function requestToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  const query = req.query as Record<string, unknown> | undefined;
  if (typeof query?.token === "string") return query.token;
  const cookie = req.headers.cookie?.split(";").map((c) => c.trim()).find((c) => c.startsWith(`${COOKIE}=`));
  if (!cookie) return undefined;
  try {
    return decodeURIComponent(cookie.slice(COOKIE.length + 1));
  } catch {
    return undefined;
  }
}

/** The request URL with its `token` query parameter removed ("/runs/x?token=t&a=1" → "/runs/x?a=1"). */
export function withoutToken(url: string): string {
  const u = new URL(url, "http://ws2s.invalid");
  u.searchParams.delete("token");
  return `${u.pathname}${u.search}${u.hash}`;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Rejects every request (API, streams, web app) without the server's token with 401. */
export function requireToken(app: FastifyInstance, token: string): void {
  app.addHook("onRequest", async (req, reply) => {
    const given = requestToken(req);
    if (given === undefined || !same(given, token)) {
      return reply.code(401).send({ error: "missing or wrong token: send Authorization: Bearer $WS2S_TOKEN (or ?token=)" });
    }
    if (typeof (req.query as Record<string, unknown> | undefined)?.token === "string") {
      reply.header("set-cookie", `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`);
      // A page opened with ?token= would keep the secret in the address bar, history and any
      // shared screenshot: once the cookie is set, send the browser to the same page without it.
      if ((req.method === "GET" || req.method === "HEAD") && !/^\/(api|trpc)(\/|$)/.test(req.url)) {
        return reply.redirect(withoutToken(req.url), 303);
      }
    }
  });
}

/** The host name of a Host header ("127.0.0.1:8787" → "127.0.0.1", "[::1]:80" → "::1"). */
export function hostName(header: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header) ?? /^([^:]+)(?::\d+)?$/.exec(header);
  return (m?.[1] ?? header).toLowerCase();
}

/**
 * Without a token the server trusts the loopback interface only. A web page elsewhere could still
 * reach it through DNS rebinding (its own name resolving to 127.0.0.1), so requests must name the
 * server by a loopback name or the host it was bound to; any other Host header answers 403.
 */
export function allowLoopbackHosts(app: FastifyInstance, boundHost: string): void {
  const allowed = new Set(["localhost", "127.0.0.1", "::1", boundHost.toLowerCase()]);
  app.addHook("onRequest", async (req, reply) => {
    const host = req.headers.host;
    if (host === undefined || allowed.has(hostName(host))) return;
    return reply.code(403).send({
      error: `Host "${host}" is not a name of this server; without WS2S_TOKEN it answers only ${[...allowed].join(", ")} (set WS2S_TOKEN to serve other names)`,
    });
  });
}
