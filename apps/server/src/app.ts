import Fastify, { type FastifyInstance } from "fastify";
import { RunBus } from "./bus.js";
import { openStore } from "./db/connect.js";
import { createExecutor } from "./executors/index.js";
import { allowLoopbackHosts, requireToken } from "./http/auth.js";
import { registerRunFiles } from "./http/files.js";
import { refuseCrossOrigin } from "./http/origin.js";
import { registerTrpc } from "./http/trpc.js";
import { loadWebHandler, mountWeb } from "./http/web.js";
import { resolveOptions, type ResolvedOptions, type ServerOptions } from "./options.js";
import { RunQueue } from "./queue/queue.js";
import type { Services } from "./trpc.js";

export interface Ws2sServer {
  app: FastifyInstance;
  services: Services;
  options: ResolvedOptions;
  /** Whether the web app is mounted. */
  web: boolean;
  /**
   * Listens on options.host:options.port (0 = any free port), then starts the run queue; returns the
   * base URL. The queue starts only once the port is bound, so a server that cannot listen runs nothing.
   */
  listen(): Promise<string>;
  /** Starts the run queue without listening (for app.inject() and embedding); listen() does it too. */
  start(): Promise<void>;
  /**
   * Stops the queue (running runs become interrupted), ends every open event stream, then stops the
   * HTTP server, the database and its lease.
   */
  close(): Promise<void>;
}

/**
 * Builds the ws2s server: the store (SQLite under an exclusive lease, one server per file; or a
 * PostgreSQL database that several servers share), the run queue on its executor, tRPC under /trpc,
 * the web app at /.
 */
export async function createServer(options: ServerOptions = {}): Promise<Ws2sServer> {
  const opts = resolveOptions(options);
  const executor = createExecutor(opts);
  await executor.check(); // before the database: a server that cannot run jobs does not start
  const { store, sqlite, release } = await openStore(opts);
  const bus = new RunBus();
  const queue = new RunQueue(store, opts, bus, executor);
  const shutdown = new AbortController();
  const services: Services = { store, ...(sqlite ? { sqlite } : {}), opts, queue, bus, shutdown: shutdown.signal };

  const app = Fastify({ logger: opts.logger, bodyLimit: opts.bodyLimit, routerOptions: { maxParamLength: 5000 } });
  if (opts.token) requireToken(app, opts.token);
  else allowLoopbackHosts(app, opts.host);
  refuseCrossOrigin(app);
  // Event streams go out unbuffered: no proxy buffering, no compression.
  app.addHook("onSend", async (_req, reply, payload) => {
    if (String(reply.getHeader("content-type") ?? "").startsWith("text/event-stream")) {
      reply.header("X-Accel-Buffering", "no");
      reply.header("Cache-Control", "no-cache, no-transform");
    }
    return payload;
  });
  await registerTrpc(app, services);
  registerRunFiles(app, services);
  app.get("/api/health", async () => ({ ok: true, running: queue.running().size, concurrency: opts.concurrency, gpus: opts.gpus, executor: executor.name, store: store.dialect }));
  const handler = opts.web === false ? null : await (opts.web === true ? loadWebHandler() : opts.web());
  const runExists = async (id: string) => {
    try {
      await store.runs.get(id);
      return true;
    } catch {
      return false;
    }
  };
  const web = handler ? (mountWeb(app, handler, runExists), true) : false;

  let started: Promise<void> | undefined;
  let closed = false;
  const start = () => {
    if (closed) return Promise.resolve();
    started ??= queue.start();
    return started;
  };
  return {
    app,
    services,
    options: opts,
    web,
    start,
    async listen() {
      const url = await app.listen({ host: opts.host, port: opts.port });
      await start();
      return url;
    },
    async close() {
      if (closed) return;
      closed = true;
      await started?.catch(() => undefined);
      await queue.close(); // running runs end with their terminal event first
      shutdown.abort(); // then every other open stream (e.g. of a queued run) ends
      await app.close();
      await store.close();
      release();
    },
  };
}
