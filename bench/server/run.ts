// Server benchmarks: `npx tsx bench/server/run.ts` (add --quick for a smaller, faster pass).
// `--postgres` runs the same against a throwaway PostgreSQL cluster (Debian's postgresql, started as
// the postgres user, as the tests do), seeded with INSERT … SELECT generate_series; `--runs N` sets
// how many experiments/runs are seeded there (default 10,000; e.g. 1000000), and it adds two servers
// claiming queued runs from one database.
// experiment.list over 10,000 runs — in the store alone, through the typed tRPC caller, and over HTTP
// on a real socket one call at a time and 200 at once (the client is another process, so its work
// does not share the server's event loop; "server CPU per call" is this process's CPU time over the
// concurrent calls, divided by their number) —, run.metrics over a 1,000,000-point series
// downsampled to 1,000 points, and metric ingest (events + raw points + rollups, in the queue's
// batch size).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import type { MetricEvent } from "@ws2s/schema";
import { createServer } from "../../apps/server/src/app.js";
import { appRouter } from "../../apps/server/src/router.js";
import { summaryWriter } from "../../apps/server/src/store/summaries.js";
import { createCallerFactory } from "../../apps/server/src/trpc.js";
import type { PgStore } from "../../apps/server/src/store/pg/store.js";
import { startPostgres } from "../../apps/server/test/daemons/postgres.js";
import { seedPg, twoServersClaim } from "./postgres.js";

const quick = process.argv.includes("--quick");
const onPg = process.argv.includes("--postgres");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10_000;
if (!onPg && RUNS !== 10_000) throw new Error("--runs is for --postgres (the SQLite seed is fixed at 10,000)");
const POINTS = quick ? 200_000 : 1_000_000;
const BATCH = 2000;
const REPS = quick ? 100 : 300;
const CONCURRENT = 200;
const ROUNDS = quick ? 3 : 10;

const dir = mkdtempSync(join(tmpdir(), "ws2s-bench-"));
const cluster = onPg ? await startPostgres() : undefined;
if (typeof cluster === "string") throw new Error(`PostgreSQL is not available: ${cluster}`);
const dbUrl = cluster ? await cluster.createDb("bench") : undefined;
const server = await createServer({ ...(dbUrl ? { dbUrl } : { dbPath: join(dir, "bench.db") }), runsRoot: join(dir, "runs"), concurrency: 0, gpus: [] });
const { store } = server.services;
const caller = createCallerFactory(appRouter)(server.services);

function seed(): void {
  const sqlite = server.services.sqlite!;
  const config = JSON.stringify({ name: "bench", kind: "classification" });
  const insExp = sqlite.prepare(
    "INSERT INTO experiments (id, name, kind, description, tags, config, archived, last_run_id, last_status, created_at, updated_at) VALUES (?, ?, 'classification', ?, ?, ?, 0, ?, ?, ?, ?)",
  );
  const insRun = sqlite.prepare("INSERT INTO runs (id, seq, experiment_id, status, job, config, created_at) VALUES (?, ?, ?, ?, 'run_experiment', ?, ?)");
  const record = summaryWriter(sqlite);
  const statuses = ["succeeded", "failed", "cancelled", "succeeded"];
  sqlite.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      const exp = `exp_${i}`;
      const run = `run_${i}`;
      const status = statuses[i % statuses.length] as string;
      insExp.run(exp, `experiment ${i}`, `sweep point ${i % 97}`, JSON.stringify([`tag${i % 10}`]), config, run, status, i, i);
      insRun.run(run, i + 1, exp, status, config, i);
      record(run, exp, ["naive", "edl", "logconf"].map((m) => [`pgr/${m}`, Math.random()]));
    }
  })();
  sqlite.exec("ANALYZE");
}

/** Milliseconds per call of `fn`, sorted (a few warm-up calls first). */
async function time(fn: () => unknown, reps = REPS): Promise<number[]> {
  for (let i = 0; i < 10; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

// The HTTP client, in a process of its own: `single` sends one request at a time, `concurrent` sends
// `concurrency` at once for `rounds` rounds; prints each request's latency in ms (JSON).
const CLIENT = `
const http = require("node:http");
const { url, mode, reps, concurrency, rounds } = JSON.parse(process.argv[1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const get = () => new Promise((resolve, reject) => {
  const t0 = performance.now();
  http.get(url, { agent }, (res) => {
    if (res.statusCode !== 200) reject(new Error(url + ": HTTP " + res.statusCode));
    res.resume();
    res.on("end", () => resolve(performance.now() - t0));
  }).on("error", reject);
});
(async () => {
  const out = [];
  for (let i = 0; i < 10; i++) await get();
  if (mode === "single") for (let i = 0; i < reps; i++) out.push(await get());
  else for (let r = 0; r < rounds; r++) out.push(...(await Promise.all(Array.from({ length: concurrency }, get))));
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

/** Latencies (ms, sorted) and this server process's CPU time per request while they ran. */
function client(url: string, mode: "single" | "concurrent"): Promise<{ latencies: number[]; cpuMs: number }> {
  const args = { url, mode, reps: REPS, concurrency: CONCURRENT, rounds: ROUNDS };
  const child = spawn(process.execPath, ["-e", CLIENT, JSON.stringify(args)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b));
  const cpu0 = process.cpuUsage();
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`the HTTP client exited with ${code}`));
      const latencies = (JSON.parse(out) as number[]).sort((a, b) => a - b);
      const cpu = process.cpuUsage(cpu0);
      // The 10 warm-up requests count in the CPU time too.
      resolve({ latencies, cpuMs: (cpu.user + cpu.system) / 1000 / (latencies.length + 10) });
    });
  });
}

const q = (path: string, input: unknown) => `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] as number;
const ms = (x: number) => `${x.toFixed(x < 1 ? 3 : 2)} ms`;
const rows: [string, string, string, string][] = [];

const t0seed = performance.now();
if (onPg) await seedPg((store as PgStore).pool, RUNS);
else seed();
const seedS = (performance.now() - t0seed) / 1000;
const base = await server.listen();
const cases = [
  ["newest first, 50", {}],
  ["sort by pgr/edl, 50", { sortBy: "pgr/edl" }],
  ["text + status filter", { text: "point 5", status: "succeeded" }],
  ["tag filter, sort by pgr/naive asc", { tag: "tag3", sortBy: "pgr/naive", order: "asc" }],
] as const;
for (const [label, input] of cases) {
  const parsed = { includeArchived: false, sortBy: "created", order: "desc", limit: 50, ...input } as const;
  const s = await time(() => store.experiments.list(parsed));
  rows.push([`experiment.list (${label}), ${RUNS} runs: store`, ms(pct(s, 50)), ms(pct(s, 95)), "p50 < 1 ms"]);
  const c = await time(() => caller.experiment.list(input));
  rows.push([`  … through the tRPC caller`, ms(pct(c, 50)), ms(pct(c, 95)), ""]);
  const h = (await client(base + q("experiment.list", input), "single")).latencies;
  rows.push([`  … over HTTP, one call at a time`, ms(pct(h, 50)), ms(pct(h, 95)), ""]);
  const cc = await client(base + q("experiment.list", input), "concurrent");
  rows.push([`  … over HTTP, ${CONCURRENT} concurrent (latency per call)`, ms(pct(cc.latencies, 50)), ms(pct(cc.latencies, 95)), ""]);
  rows.push([`  … server CPU per call at ${CONCURRENT} concurrent`, ms(cc.cpuMs), "", ""]);
}

const metricRun = await store.runs.insertRun({ experimentId: "exp_0", job: "x", config: {}, outDir: null });
let batch: MetricEvent[] = [];
const t0 = performance.now();
for (let i = 0; i < POINTS; i++) {
  batch.push({ type: "metric", seq: i, t: i / 1000, key: "train/loss", step: i, value: Math.sin(i / 5000) + Math.random() * 0.1 });
  if (batch.length === BATCH) {
    await store.ingest.append(metricRun.id, batch);
    batch = [];
  }
}
await store.ingest.append(metricRun.id, batch);
const ingestS = (performance.now() - t0) / 1000;
rows.push([`metric ingest (${POINTS.toLocaleString("en")} points, batches of ${BATCH})`, `${Math.round(POINTS / ingestS).toLocaleString("en")} points/s`, "", "≥ 50,000 points/s"]);

const tm = (await client(base + q("run.metrics", { id: metricRun.id, keys: ["train/loss"], maxPoints: 1000 }), "single")).latencies;
rows.push([`run.metrics over HTTP (${POINTS.toLocaleString("en")} points → ≤ 1,000)`, ms(pct(tm, 50)), ms(pct(tm, 95)), "p50 ≤ 100 ms"]);
const tz = (await client(base + q("run.metrics", { id: metricRun.id, keys: ["train/loss"], maxPoints: 1000, fromStep: 100_000, toStep: 130_000 }), "single")).latencies;
rows.push(["run.metrics over HTTP (zoomed: 30,000-step window → ≤ 1,000)", ms(pct(tz, 50)), ms(pct(tz, 95)), ""]);

if (cluster) {
  const claims = await twoServersClaim(await cluster.createDb("claims"), quick ? 500 : 2000);
  rows.push([`two servers' stores claiming queued runs (4 claims in flight each)`, `${Math.round(claims.perSecond).toLocaleString("en")} runs/s`, "",
    `${claims.a} + ${claims.b} started, ${claims.duplicates} twice`]);
}
await server.close();
cluster?.stop();
rmSync(dir, { recursive: true, force: true });

const head: [string, string, string, string] = ["benchmark", "p50 / rate", "p95", "target"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(line(head));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
console.log(`(node ${process.version}, ${quick ? "quick" : "full"} run, ${onPg ? "PostgreSQL" : "SQLite"}, ${RUNS.toLocaleString("en")} runs seeded in ${seedS.toFixed(1)} s)`);
