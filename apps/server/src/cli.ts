import { JobCancelledError, PythonError, RunnerCrashedError, startJob } from "@ws2s/bridge";
import { ExperimentConfig, type Ws2sEvent } from "@ws2s/schema";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createServer } from "./app.js";
import { pgrByMethod } from "./compare.js";
import { DatabaseInUseError } from "./db/lease.js";
import { openDb } from "./db/open.js";
import { OptionsError, REPO_ROOT } from "./options.js";
import { isPostgresUrl, redactUrl } from "./redact.js";
import { PgStore } from "./store/pg/store.js";
import { SqliteStore } from "./store/sqlite.js";

const USAGE = `usage:
  ws2s run CONFIG.json [--out DIR]        run one experiment headless (no server), printing progress
  ws2s serve [--port 8787] [--host 127.0.0.1] [--db PATH|postgres://...] [--runs DIR] [--data DIR]...
             [--concurrency N] [--executor local|slurm] [--partition P] [--account A]
             [--allow-remote-code] [--no-web]
                                          start the API (and the web app when built); a host other than
                                          127.0.0.1 needs WS2S_TOKEN. --db postgres://… (or WS2S_DB) keeps the
                                          store in PostgreSQL (several servers may share it); --executor slurm
                                          runs each job with sbatch (--concurrency: jobs at once)
  ws2s ls [--db PATH|postgres://...] [--limit 50]
                                          list runs stored in the database`;

const DEFAULT_DB = resolve(REPO_ROOT, ".ws2s/ws2s.db");

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function formatEvent(e: Ws2sEvent): string | null {
  switch (e.type) {
    case "progress":
      return `[${e.stage}] ${e.current}/${e.total}${e.message ? ` ${e.message}` : ""}`;
    case "log":
      return e.level === "debug" ? null : `${e.level}: ${e.message}`;
    case "artifact":
      return `artifact ${e.name}: ${e.path}`;
    case "metric":
      return null;
    case "done":
    case "error":
      return null;
  }
}

async function runCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: "string" } } });
  const file = positionals[0] ?? fail(USAGE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    fail(`cannot read ${file}: ${(e as Error).message}`);
  }
  const parsed = ExperimentConfig.safeParse(raw);
  if (!parsed.success) {
    fail(`${file} is not a valid experiment config:\n${parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}`);
  }
  const config = parsed.data;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const outDir = resolve(values.out ?? resolve(REPO_ROOT, "runs", `${config.name.replace(/[^\w.-]+/g, "_")}-${stamp}`));
  process.stdout.write(`running ${config.name} → ${outDir}\n`);
  const lastMetric = new Map<string, number>();
  const handle = startJob({
    job: "run_experiment",
    params: { config, out_dir: outDir },
    onEvent: (e) => {
      if (e.type === "metric") lastMetric.set(e.key, e.value);
      const line = formatEvent(e);
      if (line) process.stdout.write(`${line}\n`);
    },
  });
  process.once("SIGINT", () => void handle.cancel());
  try {
    const result = await handle.result;
    const pgr = pgrByMethod(result);
    process.stdout.write(`\nsucceeded; results in ${outDir}/results.json\n`);
    for (const [method, c] of pgr) {
      const ci = c.ciLow !== null && c.ciHigh !== null ? ` [${c.ciLow.toFixed(3)}, ${c.ciHigh.toFixed(3)}]` : "";
      process.stdout.write(`  PGR ${method.padEnd(24)} ${c.pgr.toFixed(3)}${ci}\n`);
    }
  } catch (e) {
    if (e instanceof JobCancelledError) fail("cancelled", 130);
    if (e instanceof PythonError) fail(`failed: ${e.pythonType}: ${e.message}\n${e.traceback}`, 1);
    if (e instanceof RunnerCrashedError) fail(`runner crashed (exit ${e.exitCode ?? e.signal}):\n${e.stderrTail}`, 1);
    throw e;
  }
}

async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "8787" },
      host: { type: "string", default: "127.0.0.1" },
      // WS2S_DB keeps a PostgreSQL password out of the process list.
      db: { type: "string", default: process.env.WS2S_DB || DEFAULT_DB },
      runs: { type: "string" },
      data: { type: "string", multiple: true },
      concurrency: { type: "string" },
      executor: { type: "string", default: "local" },
      partition: { type: "string" },
      account: { type: "string" },
      "allow-remote-code": { type: "boolean", default: false },
      "no-web": { type: "boolean", default: false },
    },
  });
  const executor = values.executor;
  if (executor !== "local" && executor !== "slurm") fail(`unknown --executor "${executor}"; use local or slurm`);
  if ((values.partition || values.account) && values.executor !== "slurm") fail("--partition and --account are for --executor slurm");
  const server = await createServer({
    port: Number(values.port),
    host: values.host,
    ...(isPostgresUrl(values.db) ? { dbUrl: values.db } : { dbPath: resolve(values.db) }),
    executor,
    slurm: { ...(values.partition ? { partition: values.partition } : {}), ...(values.account ? { account: values.account } : {}) },
    ...(values.runs ? { runsRoot: resolve(values.runs) } : {}),
    ...(values.data ? { dataRoots: values.data.map((d) => resolve(d)) } : {}),
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
    allowRemoteCode: values["allow-remote-code"],
    web: !values["no-web"],
  }).catch((e: unknown) => {
    if (e instanceof OptionsError || e instanceof DatabaseInUseError) fail(redactUrl(e.message), 1);
    throw e;
  });
  let url: string;
  try {
    url = await server.listen();
  } catch (e) {
    await server.close();
    const code = (e as { code?: string }).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      fail(`cannot listen on ${values.host}:${values.port} (${code}); choose another --port or --host`, 1);
    }
    throw e;
  }
  process.stdout.write(`ws2s serving ${url} (API at ${url}/trpc${server.web ? ", web app at /" : "; web app not built"}); db ${server.options.dbUrl ? redactUrl(server.options.dbUrl) : server.options.dbPath}; executor ${executor}\n`);
  // Open event streams end and running runs are recorded as interrupted; a second signal, or 5 s
  // without finishing, exits at once.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    setTimeout(() => {
      process.stderr.write(`ws2s: still stopping after ${signal}; exiting now\n`);
      process.exit(1);
    }, 5000).unref();
    void server.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.on("SIGHUP", stop);
}

async function lsCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { db: { type: "string", default: process.env.WS2S_DB || DEFAULT_DB }, limit: { type: "string", default: "50" } } });
  const store = isPostgresUrl(values.db)
    ? await PgStore.connect(values.db).catch((e: unknown) => fail(redactUrl((e as Error).message), 1))
    : new SqliteStore(openDb(resolve(values.db)));
  const rows = await store.runs.listNamed(Number(values.limit));
  if (rows.length === 0) process.stdout.write("no runs\n");
  for (const r of rows) {
    const when = new Date(r.createdAt).toISOString().slice(0, 19).replace("T", " ");
    const note = r.reason ? `  ${r.reason.split("\n")[0]?.slice(0, 80)}` : "";
    const where = r.jobId ? `  [${r.executor} ${r.jobId}${r.jobState ? ` ${r.jobState}` : ""}]` : "";
    process.stdout.write(`${r.id}  ${r.status.padEnd(11)} ${when}  ${r.parentId ? "  " : ""}${r.experimentName}${where}${note}\n`);
  }
  await store.close();
}

const COMMANDS: Record<string, (args: string[]) => void | Promise<void>> = { run: runCommand, serve: serveCommand, ls: lsCommand };

// Started by bin/ws2s.mjs (an IPC channel to it): when the launcher goes away, even by SIGKILL,
// stop as if signalled, so no server is left holding the port and the database lease.
// The channel itself must not keep a finished command (ls, run) alive.
if (process.connected) {
  process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
  process.channel?.unref();
}

const [command, ...rest] = process.argv.slice(2);
const fn = command ? COMMANDS[command] : undefined;
if (!fn) fail(USAGE, command === "--help" || command === "-h" ? 0 : 2);
await fn(rest);
