import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";

/** The token a request carries: `Authorization: Bearer <t>` or `?token=<t>` (EventSource cannot set headers). */
export function requestToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  const query = req.query as Record<string, unknown> | undefined;
  return typeof query?.token === "string" ? query.token : undefined;
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
  });
}
