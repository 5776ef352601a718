import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyInstance } from "fastify";
import { RunBus } from "./bus.js";
import { openDb } from "./db/open.js";
import { requireToken } from "./http/auth.js";
import { registerRunFiles } from "./http/files.js";
import { mountWeb } from "./http/web.js";
import { resolveOptions, type ResolvedOptions, type ServerOptions } from "./options.js";
import { RunQueue } from "./queue/queue.js";
import { appRouter, type AppRouter } from "./router.js";
import { IngestWriter } from "./store/ingest.js";
import { MetricReader } from "./store/metrics.js";
import { summaryWriter } from "./store/summaries.js";
import type { Services } from "./trpc.js";

export interface Ws2sServer {
  app: FastifyInstance;
  services: Services;
  options: ResolvedOptions;
  /** Whether the web app is mounted. */
  web: boolean;
  /** Listens on options.host:options.port (0 = any free port); returns the base URL. */
  listen(): Promise<string>;
  /** Stops the queue (running runs become interrupted), the HTTP server and the database. */
  close(): Promise<void>;
}

/** Builds the ws2s server: SQLite storage, the run queue, tRPC under /trpc, the web app at /. */
export async function createServer(options: ServerOptions = {}): Promise<Ws2sServer> {
  const opts = resolveOptions(options);
  const db = openDb(opts.dbPath);
  const sqlite = db.$client;
  const bus = new RunBus();
  const writer = new IngestWriter(sqlite);
  const queue = new RunQueue(db, opts, bus, writer, summaryWriter(sqlite));
  const services: Services = { db, sqlite, opts, queue, bus, metrics: new MetricReader(sqlite) };

  const app = Fastify({ logger: opts.logger, bodyLimit: opts.bodyLimit, routerOptions: { maxParamLength: 5000 } });
  if (opts.token) requireToken(app, opts.token);
  // Event streams go out unbuffered: no proxy buffering, no compression.
  app.addHook("onSend", async (_req, reply, payload) => {
    if (String(reply.getHeader("content-type") ?? "").startsWith("text/event-stream")) {
      reply.header("X-Accel-Buffering", "no");
      reply.header("Cache-Control", "no-cache, no-transform");
    }
    return payload;
  });
  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: { router: appRouter, createContext: () => services } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"],
  });
  registerRunFiles(app, services);
  app.get("/api/health", async () => ({ ok: true, running: queue.running().size, concurrency: opts.concurrency, gpus: opts.gpus }));
  const web = opts.web ? await mountWeb(app) : false;

  queue.start();
  let closed = false;
  return {
    app,
    services,
    options: opts,
    web,
    async listen() {
      return app.listen({ host: opts.host, port: opts.port });
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue.close();
      await app.close();
      sqlite.close();
    },
  };
}
