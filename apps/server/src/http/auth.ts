import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";

const COOKIE = "ws2s_token";

/**
 * The token a request carries: `Authorization: Bearer <t>`, `?token=<t>` (EventSource cannot set
 * headers), or the cookie set after a page was opened with ?token= (so the web app's own requests pass).
 */
export function requestToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  const query = req.query as Record<string, unknown> | undefined;
  if (typeof query?.token === "string") return query.token;
  const cookie = req.headers.cookie?.split(";").map((c) => c.trim()).find((c) => c.startsWith(`${COOKIE}=`));
  return cookie ? decodeURIComponent(cookie.slice(COOKIE.length + 1)) : undefined;
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
    }
  });
}
