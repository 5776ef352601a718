import type { FastifyInstance } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../options.js";

type WebHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Serves the web app (apps/web/handler.ts, when the app is built) for every route outside /trpc and
 * /api, so one port carries UI and API. Returns false when there is no built web app.
 */
export async function mountWeb(app: FastifyInstance): Promise<boolean> {
  const file = resolve(REPO_ROOT, "apps/web/handler.ts");
  if (!existsSync(file)) return false;
  const mod = (await import(pathToFileURL(file).href)) as { createWebHandler?: () => Promise<WebHandler | null> };
  const handler = await mod.createWebHandler?.();
  if (!handler) return false;
  app.route({
    method: ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
    url: "/*",
    handler: async (req, reply) => {
      if (/^\/(api|trpc)(\/|$)/.test(req.url)) return reply.code(404).send({ error: `no API route ${req.method} ${req.url}` });
      reply.hijack();
      await handler(req.raw, reply.raw);
    },
  });
  return true;
}
