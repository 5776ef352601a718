import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ws2sServer } from "../src/app.js";
import { REPO_ROOT } from "../src/options.js";
import { startSlurm, type SlurmCluster } from "./daemons/slurm.js";
import { api, createAndStart, sandbox, server, streamedEvents, TINY_CONFIG, until, waitForStatus, type Sandbox } from "./helpers.js";

// Runs on a real one-node SLURM cluster (slurmctld + slurmd 22.05 with munge, started here): the
// smoke experiment as a batch job, cancel, scancel from outside, the time limit, a server restart
// mid-job, a sweep's submission limit, and what `--executor slurm` refuses at start.

let cluster: SlurmCluster | undefined;
let skip: string | undefined;
const sandboxes: Sandbox[] = [];
const servers: Ws2sServer[] = [];

beforeAll(async () => {
  const c = await startSlurm();
  if (typeof c === "string") {
    skip = c;
    console.warn(`[slurm] skipping the SLURM tests: ${c}`);
    return;
  }
  cluster = c;
  process.env.SLURM_CONF = c.conf; // the servers' sbatch, squeue, scontrol and scancel find the cluster
}, 600_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  cluster?.stop();
  for (const sb of sandboxes) sb.cleanup();
}, 120_000);

/** Diagnostics jobs by experiment name; any other name runs the real experiment. */
const JOBS: Record<string, { job: string; params: unknown }> = {
  hang: { job: "hang", params: {} },
  // About 15 s of matrix products, a metric every 2,500 of them (40 in all).
  slow: { job: "cpu_work", params: { size: 96, iterations: 100_000, metric_every: 2500 } },
};

async function slurmServer(opts: { sb?: Sandbox; executor?: "local" | "slurm"; concurrency?: number } = {}): Promise<Ws2sServer> {
  const sb = opts.sb ?? sandbox();
  if (!opts.sb) sandboxes.push(sb);
  const s = await server(sb, {
    executor: opts.executor ?? "slurm",
    pollMs: 200,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    jobFor: (run) => JOBS[(run.config as { name: string }).name] ?? { job: "run_experiment", params: { config: run.config, out_dir: run.outDir } },
  });
  servers.push(s);
  return s;
}

const squeue = (jobId: string) => spawnSync("squeue", ["-h", "-j", jobId, "-o", "%T"], { encoding: "utf8" }).stdout.trim();
const where = () => cluster?.logs() ?? "";

async function runningJob(s: Ws2sServer, runId: string) {
  return until(async () => {
    const r = await api(s).run.get({ id: runId });
    return r.status === "running" && r.jobId ? r : undefined;
  }, 120_000, `run ${runId} to run as a SLURM job`);
}

describe.concurrent("the slurm executor", () => {
  it("runs the smoke experiment as a batch job, with the same results as a local run", async (t) => {
    if (skip) return t.skip();
    const config = JSON.parse(readFileSync(join(REPO_ROOT, "experiments/smoke-classification.json"), "utf8"));
    const [onSlurm, onLocal] = await Promise.all([slurmServer(), slurmServer({ executor: "local" })]);
    const [a, b] = await Promise.all([createAndStart(onSlurm, config), createAndStart(onLocal, config)]);
    const [ra, rb] = await Promise.all([waitForStatus(onSlurm, a.runId, ["succeeded", "failed"], 600_000), waitForStatus(onLocal, b.runId, ["succeeded", "failed"], 600_000)]);
    expect([ra.status, ra.reason, ra.executor], `${ra.traceback ?? ""}\n${where()}`).toEqual(["succeeded", null, "slurm"]);
    expect(rb.status).toBe("succeeded");
    expect(ra.jobId).toMatch(/^\d+$/);
    const [x, y] = [ra.result as Record<string, unknown>, rb.result as Record<string, unknown>];
    expect(x.summary).toEqual(y.summary);
    expect(x.per_seed).toEqual(y.per_seed);
    const events = await streamedEvents(onSlurm, a.runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.at(-1)?.type).toBe("done");
    expect((await api(onSlurm).run.metrics({ id: a.runId, maxPoints: 50 })).length).toBeGreaterThan(0);
    const script = readFileSync(join(ra.outDir as string, "slurm", "job.sh"), "utf8");
    expect(script).toContain(`#SBATCH --job-name=ws2s-${a.runId}`);
    expect(script).not.toContain("--gres"); // CPU: no GPU asked
  }, 900_000);

  it("cancels a running job with scancel", async (t) => {
    if (skip) return t.skip();
    const s = await slurmServer();
    const { runId } = await createAndStart(s, { ...TINY_CONFIG, name: "hang" });
    const { jobId } = await runningJob(s, runId);
    expect((await api(s).run.cancel({ id: runId })).status).toBe("cancelled");
    await until(() => (["", "CANCELLED", "COMPLETED"].includes(squeue(jobId!)) ? true : undefined), 60_000, `job ${jobId} to leave the queue`);
    const events = await streamedEvents(s, runId);
    expect(events.at(-1)).toMatchObject({ type: "error", error_type: "Cancelled" });
  }, 300_000);

  it("fails a run whose job was cancelled outside ws2s, with SLURM's reason", async (t) => {
    if (skip) return t.skip();
    const s = await slurmServer();
    const { runId } = await createAndStart(s, { ...TINY_CONFIG, name: "hang" });
    const { jobId } = await runningJob(s, runId);
    spawnSync("scancel", [jobId!]);
    const run = await waitForStatus(s, runId, ["failed"], 120_000);
    expect(run.errorType).toBe("CANCELLED");
    expect(run.reason).toMatch(new RegExp(`^SLURM ended job ${jobId}: CANCELLED.*cancelled outside ws2s`));
  }, 300_000);

  it("fails a job that runs past its time limit with TIMEOUT", async (t) => {
    if (skip) return t.skip();
    const s = await slurmServer();
    const { runId } = await createAndStart(s, { ...TINY_CONFIG, name: "hang", resources: { timeMinutes: 1 } });
    const { outDir } = await runningJob(s, runId);
    expect(readFileSync(join(outDir as string, "slurm", "job.sh"), "utf8")).toContain("#SBATCH --time=1\n");
    const run = await waitForStatus(s, runId, ["failed"], 300_000); // SLURM checks limits about every 30 s
    expect(run.errorType).toBe("TIMEOUT");
    expect(run.reason).toMatch(/TIMEOUT.*time limit; raise resources\.timeMinutes/);
  }, 400_000);

  it("re-attaches to a running job after a server restart; the run completes with every event once", async (t) => {
    if (skip) return t.skip();
    const sb = sandbox();
    sandboxes.push(sb);
    const first = await slurmServer({ sb });
    const { runId } = await createAndStart(first, { ...TINY_CONFIG, name: "slow" });
    await runningJob(first, runId);
    await until(async () => ((await api(first).run.metrics({ id: runId })).length > 0 ? true : undefined), 120_000, "the first events");
    await first.close(); // the job goes on in SLURM
    servers.splice(servers.indexOf(first), 1);
    expect((await api(await slurmServer({ sb })).run.get({ id: runId })).status).toMatch(/running|succeeded/);
    const second = servers.at(-1)!;
    const run = await waitForStatus(second, runId, ["succeeded", "failed"], 180_000);
    expect([run.status, run.reason]).toEqual(["succeeded", null]);
    const events = await streamedEvents(second, runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.type === "metric")).toHaveLength(40);
  }, 400_000);

  it("shows a pending job as queued with SLURM's reason, in the run's own partition, and cancels it", async (t) => {
    if (skip) return t.skip();
    const s = await slurmServer();
    const { runId } = await createAndStart(s, { ...TINY_CONFIG, name: "hang", resources: { partition: "held" } });
    const run = await until(async () => {
      const r = await api(s).run.get({ id: runId });
      return r.jobState?.startsWith("PENDING") ? r : undefined;
    }, 120_000, "the job to pend");
    expect([run.status, run.jobState, run.reason, run.executor]).toEqual(["queued", "PENDING (PartitionDown)", "waiting in SLURM's queue: PartitionDown", "slurm"]);
    expect(spawnSync("squeue", ["-h", "-j", run.jobId!, "-o", "%P"], { encoding: "utf8" }).stdout.trim()).toBe("held");
    expect((await api(s).run.cancel({ id: runId })).status).toBe("cancelled");
    expect(squeue(run.jobId!)).not.toBe("PENDING");
  }, 300_000);

  it("submits a sweep's points no more than `concurrency` at a time; the rest wait unsubmitted", async (t) => {
    if (skip) return t.skip();
    const s = await slurmServer({ concurrency: 2 });
    const { runId, childIds } = await createAndStart(s, { ...TINY_CONFIG, name: "hang" }, { seeds: [[0], [1], [2]] });
    const kids = await until(async () => {
      const k = await Promise.all(childIds.map((id) => api(s).run.get({ id })));
      return k.filter((r) => r.jobId !== null).length === 2 ? k : undefined;
    }, 120_000, "two submitted jobs");
    expect(spawnSync("squeue", ["-h", "-o", "%j"], { encoding: "utf8" }).stdout).not.toContain(kids.find((k) => k.jobId === null)!.id);
    expect(kids.find((k) => k.jobId === null)?.status).toBe("queued");
    await api(s).run.cancel({ id: runId });
    expect((await api(s).run.get({ id: runId })).status).toBe("cancelled");
  }, 300_000);

  it("refuses to start without sbatch on PATH, or with an unknown partition, in one sentence", async (t) => {
    if (skip) return t.skip();
    const bin = fileURLToPath(new URL("../bin/ws2s.mjs", import.meta.url));
    const serve = (args: string[], env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [bin, "serve", "--no-web", "--port", "0", "--executor", "slurm", ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });
    const noSbatch = serve([], { PATH: "/nonexistent" });
    expect(noSbatch.status).toBe(1);
    expect(noSbatch.stderr.trim()).toMatch(/^--executor slurm needs SLURM's commands \(sbatch, squeue, sinfo\) on PATH; .*$/);
    const badPartition = serve(["--partition", "nosuch"], {});
    expect(badPartition.status).toBe(1);
    expect(badPartition.stderr.trim()).toBe('SLURM has no partition "nosuch" (it has debug, held); pass one of those to --partition');
  }, 300_000);
});

// Alone (not beside the concurrent tests above): it sets secrets in this process's environment.
describe("the slurm executor's job environment", () => {
  it("keeps the server's secrets (token, database URL) out of the job's environment", async (t) => {
    if (skip) return t.skip();
    const secret = "postgres://ws2s:topsecret-db-pw@db.example:5432/ws2s";
    const saved = { WS2S_DB: process.env.WS2S_DB, WS2S_TOKEN: process.env.WS2S_TOKEN };
    Object.assign(process.env, { WS2S_DB: secret, WS2S_TOKEN: "topsecret-token" });
    try {
      const s = await slurmServer();
      const { runId } = await createAndStart(s, { ...TINY_CONFIG, name: "hang" });
      const { jobId } = await runningJob(s, runId);
      // The job's processes (proctrack/linuxproc knows them), once Python has started.
      const pids = await until(() => {
        const out = spawnSync("scontrol", ["listpids", jobId!], { encoding: "utf8" }).stdout;
        const found = [...out.matchAll(/^(\d+)\s/gm)].map((m) => m[1]!);
        return found.length > 0 ? found : undefined;
      }, 60_000, "the job's processes");
      for (const pid of pids) {
        const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
        expect(environ).toContain(`SLURM_JOB_ID=${jobId}`);
        expect(environ).not.toContain("topsecret");
      }
      await api(s).run.cancel({ id: runId });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 300_000);
});
