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
export function mountWeb(app: FastifyInstance, handler: WebHandler): void {
  app.route({
    method: ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
    url: "/*",
    handler: async (req, reply) => {
      if (/^\/(api|trpc)(\/|$)/.test(req.url)) return reply.code(404).send({ error: `no API route ${req.method} ${req.url}` });
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value as string | number | string[]);
      }
      reply.hijack();
      await handler(req.raw, reply.raw);
    },
  });
}
