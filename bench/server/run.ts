// Server benchmarks: `npx tsx bench/server/run.ts` (add --quick for a smaller, faster pass).
// experiment.list over 10,000 runs, run.metrics over a 1,000,000-point series downsampled to 1,000
// points, and metric ingest (events + raw points + rollups, in the queue's batch size), through
// app.inject so HTTP parsing and tRPC are included.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MetricEvent } from "@ws2s/schema";
import { createServer } from "../../apps/server/src/app.js";
import { IngestWriter } from "../../apps/server/src/store/ingest.js";
import { summaryWriter } from "../../apps/server/src/store/summaries.js";

const quick = process.argv.includes("--quick");
const RUNS = 10_000;
const POINTS = quick ? 200_000 : 1_000_000;
const BATCH = 2000;
const REPS = quick ? 20 : 50;

const dir = mkdtempSync(join(tmpdir(), "ws2s-bench-"));
const server = await createServer({ dbPath: join(dir, "bench.db"), runsRoot: join(dir, "runs"), concurrency: 0, gpus: [] });
const { sqlite } = server.services;

function seed(): void {
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
}

async function timeInject(url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < REPS + 3; i++) {
    const t0 = performance.now();
    const res = await server.app.inject({ url });
    const dt = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    if (i >= 3) times.push(dt);
  }
  return times.sort((a, b) => a - b);
}

const q = (path: string, input: unknown) => `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] as number;
const rows: [string, string, string, string][] = [];

seed();
for (const [label, input] of [
  ["experiment.list (newest first, 50)", {}],
  ["experiment.list (sort by pgr/edl, 50)", { sortBy: "pgr/edl" }],
  ["experiment.list (text + status filter)", { text: "point 5", status: "succeeded" }],
  ["experiment.list (tag filter, sort by pgr/naive asc)", { tag: "tag3", sortBy: "pgr/naive", order: "asc" }],
] as const) {
  const t = await timeInject(q("experiment.list", input));
  rows.push([`${label}, ${RUNS} runs`, `${pct(t, 50).toFixed(2)} ms`, `${pct(t, 95).toFixed(2)} ms`, "p50 ≤ 20 ms"]);
}

const writer = new IngestWriter(sqlite);
sqlite.prepare("INSERT INTO runs (id, seq, experiment_id, status, job, config, created_at) VALUES ('run_m', ?, 'exp_0', 'running', 'x', '{}', 0)").run(RUNS + 1);
let batch: MetricEvent[] = [];
const t0 = performance.now();
for (let i = 0; i < POINTS; i++) {
  batch.push({ type: "metric", seq: i, t: i / 1000, key: "train/loss", step: i, value: Math.sin(i / 5000) + Math.random() * 0.1 });
  if (batch.length === BATCH) {
    writer.append("run_m", batch);
    batch = [];
  }
}
writer.append("run_m", batch);
const ingestS = (performance.now() - t0) / 1000;
rows.push([`metric ingest (${POINTS.toLocaleString("en")} points, batches of ${BATCH})`, `${Math.round(POINTS / ingestS).toLocaleString("en")} points/s`, "", "≥ 50,000 points/s"]);

const tm = await timeInject(q("run.metrics", { id: "run_m", keys: ["train/loss"], maxPoints: 1000 }));
rows.push([`run.metrics (${POINTS.toLocaleString("en")} points → ≤ 1,000)`, `${pct(tm, 50).toFixed(2)} ms`, `${pct(tm, 95).toFixed(2)} ms`, "p50 ≤ 100 ms"]);
const tz = await timeInject(q("run.metrics", { id: "run_m", keys: ["train/loss"], maxPoints: 1000, fromStep: 100_000, toStep: 130_000 }));
rows.push(["run.metrics (zoomed: 30,000-step window → ≤ 1,000)", `${pct(tz, 50).toFixed(2)} ms`, `${pct(tz, 95).toFixed(2)} ms`, ""]);

await server.close();
rmSync(dir, { recursive: true, force: true });

const head: [string, string, string, string] = ["benchmark", "p50 / rate", "p95", "target"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(line(head));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
console.log(`(node ${process.version}, ${quick ? "quick" : "full"} run)`);
