import type { FastifyInstance } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";

export type WebHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

// Named through a variable so that type-checking this package does not compile the web app's
// sources under this package's compiler settings (the web app checks them itself).
const WEB_HANDLER = "@ws2s/web/handler";

/**
 * The built web app's request handler from the @ws2s/web workspace package (a declared optional
 * peer dependency of this package), or null when it is not installed or not built.
 */
export async function loadWebHandler(): Promise<WebHandler | null> {
  let mod: { createWebHandler?: () => Promise<WebHandler | null> };
  try {
    mod = (await import(WEB_HANDLER)) as typeof mod;
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_MODULE_NOT_FOUND") return null;
    throw e;
  }
  return (await mod.createWebHandler?.()) ?? null;
}

/**
 * Serves the web app for every route outside /trpc and /api, so one port carries UI and API. The
 * handler writes to the raw response, so the headers hooks already set on the reply (the token
 * cookie) are copied onto it first.
 */
export function mountWeb(app: FastifyInstance, handler: WebHandler, runExists?: (id: string) => Promise<boolean>): void {
  app.route({
    method: ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
    url: "/*",
    handler: async (req, reply) => {
      if (/^\/(api|trpc)(\/|$)/.test(req.url)) return reply.code(404).send({ error: `no API route ${req.method} ${req.url}` });
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value as string | number | string[]);
      }
      // A run page is rendered in the browser, so the app would answer 200 for any id: the page of
      // a run that does not exist answers 404 (it still renders, and says so).
      const run = /^\/runs\/([^/?#]+)(?:\/examples)?\/?(?:\?|$)/.exec(req.url);
      const document = (req.method === "GET" || req.method === "HEAD") && req.headers.rsc === undefined;
      if (run && document && runExists && !(await runExists(decodeURIComponent(run[1] as string)))) forceStatus(reply.raw, 404);
      reply.hijack();
      await handler(req.raw, reply.raw);
    },
  });
}

/** Makes a response go out with `code` whatever status the handler writing it sets. */
function forceStatus(res: ServerResponse, code: number): void {
  Object.defineProperty(res, "statusCode", { get: () => code, set: () => {}, configurable: true });
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((_status: number, ...rest: unknown[]) => writeHead(code, ...rest)) as typeof res.writeHead;
}
