import { initTRPC } from "@trpc/server";
import type Database from "better-sqlite3";
import type { RunBus } from "./bus.js";
import type { Db } from "./db/open.js";
import { issuesOf } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import type { RunQueue } from "./queue/queue.js";
import type { MetricReader } from "./store/metrics.js";

/** What every procedure can reach: storage, the queue, live events, the server's options. */
export interface Services {
  db: Db;
  sqlite: Database.Database;
  opts: ResolvedOptions;
  queue: RunQueue;
  bus: RunBus;
  metrics: MetricReader;
}

export type Context = Services;

const t = initTRPC.context<Context>().create({
  // Validation failures carry their issues (path into the input + message) as `data.issues`.
  errorFormatter({ shape, error }) {
    const issues = error.code === "BAD_REQUEST" ? issuesOf(error.cause) : undefined;
    return { ...shape, data: { ...shape.data, stack: undefined, issues: issues ?? null } };
  },
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 20_000 },
  },
});

export const router = t.router;
export const procedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
