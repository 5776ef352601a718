import { initTRPC } from "@trpc/server";
import type Database from "better-sqlite3";
import type { RunBus } from "./bus.js";
import { issuesOf } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import type { RunQueue } from "./queue/queue.js";
import { scrubPaths } from "./redact.js";
import type { Store } from "./store/store.js";

/** What every procedure can reach: storage, the queue, live events, the server's options. */
export interface Services {
  store: Store;
  /** The SQLite connection under `store` (absent on PostgreSQL), for tests and benchmarks that seed rows directly. */
  sqlite?: Database.Database;
  opts: ResolvedOptions;
  queue: RunQueue;
  bus: RunBus;
  /** Aborted when the server closes: open event streams end. */
  shutdown: AbortSignal;
}

export type Context = Services;

const t = initTRPC.context<Context>().create({
  // Error shapes never carry a stack (and reading one through source maps costs milliseconds).
  isDev: false,
  // Validation failures carry their issues (path into the input + message) as `data.issues`;
  // no message shows where the server's own files are.
  errorFormatter({ shape, error, ctx }) {
    const issues = error.code === "BAD_REQUEST" ? issuesOf(error.cause) : undefined;
    const message = ctx ? scrubPaths(shape.message, ctx.opts) : shape.message;
    return { ...shape, message, data: { ...shape.data, stack: undefined, issues: issues ?? null } };
  },
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 20_000 },
  },
});

export const router = t.router;
export const procedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
