import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TRPCError } from "@trpc/server";
import type { Ws2sEvent } from "@ws2s/schema";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { createServer, type Ws2sServer } from "../src/app.js";
import { issuesOf } from "../src/errors.js";
import type { ServerOptions } from "../src/options.js";
import { appRouter } from "../src/router.js";
import { createCallerFactory } from "../src/trpc.js";

const createCaller = createCallerFactory(appRouter);

export const TINY_CONFIG = {
  name: "tiny",
  kind: "classification",
  tags: ["unit"],
  task: { source: "builtin", name: "synonyms", size: 100 },
  weak: [{ name: "bow", arch: "bow" }],
  methods: [{ name: "naive", loss: "xent" }],
};

export interface Sandbox {
  dir: string;
  dbPath: string;
  runsRoot: string;
  dataRoot: string;
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "ws2s-server-"));
  const s = { dir, dbPath: join(dir, "db", "ws2s.db"), runsRoot: join(dir, "runs"), dataRoot: join(dir, "data") };
  mkdirSync(s.dataRoot, { recursive: true });
  return { ...s, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Jobs by experiment name, so one test server can run diagnostics jobs side by side. */
export type JobTable = Record<string, { job: string; params: unknown }>;

/** A server on the sandbox's database, its queue started (`start: false` leaves it stopped). */
export async function server(sb: Sandbox, opts: ServerOptions & { jobs?: JobTable; start?: boolean } = {}): Promise<Ws2sServer> {
  const { jobs, start = true, ...rest } = opts;
  const s = await createServer({
    dbPath: sb.dbPath,
    runsRoot: sb.runsRoot,
    dataRoots: [sb.dataRoot],
    gpus: [],
    port: 0,
    ...(jobs
      ? {
          jobFor: (run) => {
            const name = (run.config as { name: string }).name;
            const spec = jobs[name];
            if (!spec) throw new Error(`test: no job for experiment "${name}"`);
            return spec;
          },
        }
      : {}),
    ...rest,
  });
  if (start) s.start();
  return s;
}

/** The typed tRPC caller of a test server: `api(s).run.get({ id })`, inputs and outputs checked by tsc. */
export function api(s: Ws2sServer) {
  return createCaller(s.services);
}

export interface Rejection {
  code: TRPCError["code"];
  httpStatus: number;
  message: string;
  /** Each issue's path, dotted ("config.weak.1.model"). */
  paths: string[];
}

/** What a call rejects with (a TRPCError, with its HTTP status and issue paths); fails when it resolves. */
export async function rejection(call: Promise<unknown>): Promise<Rejection> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    const paths = (issuesOf(e.cause) ?? []).map((i) => i.path.join("."));
    return { code: e.code, httpStatus: getHTTPStatusCodeFromError(e), message: e.message, paths };
  }
  throw new Error("expected the call to be rejected, but it succeeded");
}

/** Every event of a run's stream (run.events), until the stream ends. */
export async function streamedEvents(s: Ws2sServer, id: string, lastEventId?: string): Promise<Ws2sEvent[]> {
  const out: Ws2sEvent[] = [];
  // The caller hands over the tracked() envelopes the procedure yields: [id, event, marker].
  for await (const item of await api(s).run.events({ id, lastEventId })) out.push((item as unknown as [string, Ws2sEvent])[1]);
  return out;
}

/** A raw HTTP request through app.inject, for what only HTTP shows (status codes, headers, auth). */
export async function http(s: Ws2sServer, url: string, init: { method?: "GET" | "POST"; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await s.app.inject({
    method: init.method ?? "GET",
    url,
    headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
    ...(init.body !== undefined ? { payload: JSON.stringify(init.body) } : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body, json: () => res.json() as unknown };
}

/** URL of a tRPC query with its input, as a browser sends it. */
export const queryUrl = (path: string, input?: unknown) => `/trpc/${path}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`}`;

/** Polls until `check` returns a value (not undefined), or throws after `ms`. */
export async function until<T>(check: () => T | undefined | Promise<T | undefined>, ms = 20_000, what = "condition"): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitForStatus(s: Ws2sServer, id: string, statuses: string[], ms = 30_000): Promise<RunView> {
  return until(async () => {
    const run = await api(s).run.get({ id });
    return statuses.includes(run.status) ? run : undefined;
  }, ms, `run ${id} to be ${statuses.join("|")}`);
}

export type RunView = Awaited<ReturnType<ReturnType<typeof api>["run"]["get"]>>;

export async function createAndStart(s: Ws2sServer, config: unknown, sweep?: Record<string, unknown[]>): Promise<{ experimentId: string; runId: string; childIds: string[] }> {
  const created = await api(s).experiment.create({ config });
  const started = await api(s).run.start({ experimentId: created.id, ...(sweep ? { sweep } : {}) });
  return { experimentId: created.id, runId: started.id, childIds: started.childIds };
}
