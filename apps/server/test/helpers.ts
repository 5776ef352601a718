import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Ws2sServer } from "../src/app.js";
import type { ServerOptions } from "../src/options.js";

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

export async function server(sb: Sandbox, opts: ServerOptions & { jobs?: JobTable } = {}): Promise<Ws2sServer> {
  const { jobs, ...rest } = opts;
  return createServer({
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
}

export interface TrpcReply<T = unknown> {
  status: number;
  data: T;
  error: { message: string; code: number; data: { code: string; httpStatus: number; issues: { path: (string | number)[]; message: string }[] | null } } | undefined;
}

/** Calls a tRPC procedure through app.inject (mutations POST a JSON body; queries GET ?input=). */
export async function call<T = any>(
  s: Ws2sServer,
  path: string,
  input: unknown,
  kind: "query" | "mutation" = path.match(/\.(create|clone|archive|start|cancel|retry)$/) ? "mutation" : "query",
  headers: Record<string, string> = {},
): Promise<TrpcReply<T>> {
  const res =
    kind === "mutation"
      ? await s.app.inject({ method: "POST", url: `/trpc/${path}`, payload: JSON.stringify(input), headers: { "content-type": "application/json", ...headers } })
      : await s.app.inject({ method: "GET", url: `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, headers });
  const body = res.json() as { result?: { data: T }; error?: TrpcReply["error"] };
  return { status: res.statusCode, data: body.result?.data as T, error: body.error };
}

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

export async function waitForStatus(s: Ws2sServer, id: string, statuses: string[], ms = 30_000): Promise<any> {
  return until(async () => {
    const r = await call(s, "run.get", { id });
    return statuses.includes(r.data?.status) ? r.data : undefined;
  }, ms, `run ${id} to be ${statuses.join("|")}`);
}

export async function createAndStart(s: Ws2sServer, config: unknown, sweep?: Record<string, unknown[]>): Promise<{ experimentId: string; runId: string; childIds: string[] }> {
  const created = await call<{ id: string }>(s, "experiment.create", { config });
  if (created.status !== 200) throw new Error(`create failed: ${JSON.stringify(created.error)}`);
  const started = await call<{ id: string; childIds: string[] }>(s, "run.start", { experimentId: created.data.id, ...(sweep ? { sweep } : {}) });
  if (started.status !== 200) throw new Error(`start failed: ${JSON.stringify(started.error)}`);
  return { experimentId: created.data.id, runId: started.data.id, childIds: started.data.childIds };
}
