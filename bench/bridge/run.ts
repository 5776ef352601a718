// Bridge benchmark: cold start of a job, event throughput, and the overhead of running a Python
// function through the bridge versus plain Python. Prints a table.
// Usage: npx tsx bench/bridge/run.ts [--quick]
import { spawn } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import { pythonBin, startJob } from "../../packages/bridge/src/index.js";

const QUICK = process.argv.includes("--quick");
const COLD_RUNS = 10;
const FLOOD_EVENTS = QUICK ? 20_000 : 100_000;
const REPEATS = QUICK ? 1 : 3;
const WORK_PAIRS = QUICK ? 2 : 5;
/** cpu_work params: ~2.5 s of float64 matmuls on one idle core, with a metric every 10 iterations. */
// One BLAS thread in both ways of running it, so that the comparison does not hinge on thread scheduling.
const WORK_ENV = { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
const WORK = { size: 192, iterations: QUICK ? 400 : 8000, metric_every: 10 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

/** Start → result of a job that does nothing (runner + Python + ws2s.jobs import + bridge close). */
async function coldStart(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) times.push((await timed(() => startJob({ job: "echo", params: {} }).result))[1]);
  return times;
}

/** Events per second from the first event to done, as the parent receives them. */
async function throughput(): Promise<number> {
  let first = 0;
  let last = 0;
  const handle = startJob({
    job: "flood",
    params: { n: FLOOD_EVENTS },
    onEvent: () => {
      last = performance.now();
      first ||= last;
    },
  });
  await handle.result;
  return (FLOOD_EVENTS / (last - first)) * 1000;
}

interface WorkRun {
  wallMs: number;
  functionMs: number;
  cpuMs: number;
}
type WorkResult = { seconds: number; cpu_seconds: number };

const workRun = (wallMs: number, r: WorkResult): WorkRun => ({ wallMs, functionMs: r.seconds * 1000, cpuMs: r.cpu_seconds * 1000 });

async function workThroughBridge(): Promise<WorkRun> {
  const [result, wallMs] = await timed(() => startJob({ job: "cpu_work", params: WORK, env: WORK_ENV }).result);
  return workRun(wallMs, result as WorkResult);
}

/** The same function from `python -c`, in its own session like a runner (the kernel's autogroup
 * scheduler gives every session a fair share of the CPU, so this keeps the comparison even under load). */
async function workInPlainPython(): Promise<WorkRun> {
  const code = [
    "import json, sys",
    "from ws2s.events import null_emit",
    "from ws2s.testing.diagnostics import cpu_work",
    "print(json.dumps(cpu_work(json.loads(sys.argv[1]), null_emit)))",
  ].join("\n");
  const t0 = performance.now();
  const child = spawn(pythonBin(), ["-c", code, JSON.stringify(WORK)], {
    env: { ...process.env, ...WORK_ENV },
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const [exitCode] = (await once(child, "close")) as [number | null];
  const wallMs = performance.now() - t0;
  if (exitCode !== 0) throw new Error(`plain Python exited with ${exitCode}`);
  return workRun(wallMs, JSON.parse(stdout) as WorkResult);
}

async function main(): Promise<void> {
  const load = os.loadavg()[0]!.toFixed(2);
  console.log(`bridge benchmark on ${os.cpus().length} CPUs (load ${load}), ${pythonBin()}\n`);
  const cold = await coldStart();
  const rates: number[] = [];
  for (let i = 0; i < REPEATS; i++) rates.push(await throughput());
  // Pairs in alternating order, so that load from other processes hits both ways alike; the ratios
  // are medians over pairs.
  const pairs: [WorkRun, WorkRun][] = [];
  for (let i = 0; i < WORK_PAIRS; i++) {
    if (i % 2) {
      const bridge = await workThroughBridge();
      pairs.push([bridge, await workInPlainPython()]);
    } else {
      const plain = await workInPlainPython();
      pairs.push([await workThroughBridge(), plain]);
    }
  }
  const ms = (key: keyof WorkRun, side: 0 | 1) => median(pairs.map((p) => p[side][key])).toFixed(0);
  const plainMs = pairs.map(([, plain]) => plain.functionMs);
  const spread = Math.max(...plainMs) / Math.min(...plainMs);
  const ratio = (key: keyof WorkRun) => median(pairs.map(([bridge, plain]) => bridge[key] / plain[key])).toFixed(3);
  const rows: [string, string][] = [
    [`cold start of a job, ms (median of ${COLD_RUNS}; min ${Math.min(...cold).toFixed(0)}, max ${Math.max(...cold).toFixed(0)})`, median(cold).toFixed(0)],
    [`event throughput, events/s (${FLOOD_EVENTS} metrics, median of ${REPEATS})`, median(rates).toFixed(0)],
    [`cpu_work (${WORK.iterations}x ${WORK.size}² matmul) in the function, ms: bridge / plain`, `${ms("functionMs", 0)} / ${ms("functionMs", 1)}`],
    [`overhead ratio, function wall time (median of ${WORK_PAIRS} pairs; target <= 1.03)`, ratio("functionMs")],
    [`overhead ratio, function CPU time`, ratio("cpuMs")],
    [`cpu_work end to end, ms: startJob→result / python -c`, `${ms("wallMs", 0)} / ${ms("wallMs", 1)}`],
    [`overhead ratio, end to end incl. process start`, ratio("wallMs")],
    [`noise floor: max/min function wall time of the plain runs`, spread.toFixed(3)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`${"measure".padEnd(width)} | value`);
  console.log(`${"-".repeat(width)}-|-${"-".repeat(12)}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);
}

await main();
