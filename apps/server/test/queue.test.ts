import { readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Ws2sServer } from "../src/app.js";
import { readFileSync } from "node:fs";
import { createServer } from "../src/app.js";
import { REPO_ROOT } from "../src/options.js";
import { api, createAndStart, http, rejection, sandbox, server, TINY_CONFIG, until, waitForStatus, type JobTable, type Sandbox } from "./helpers.js";

// These tests run the bridge's diagnostics jobs in real runner processes (Python + pythonia).

const config = (name: string) => ({ ...TINY_CONFIG, name });
// A results.json as the classification pipeline writes it (packages/schema/fixtures).
const ECHO_RESULT = JSON.parse(readFileSync(new URL("../../../packages/schema/fixtures/classification.results.json", import.meta.url), "utf8"));
const JOBS: JobTable = {
  hang: { job: "hang", params: {} },
  hang2: { job: "hang", params: {} },
  echo: {
    job: "echo",
    params: {
      events: [
        { type: "progress", stage: "weak", current: 1, total: 2 },
        { type: "metric", key: "loss", value: 0.5, step: 0 },
        { type: "metric", key: "loss", value: 0.25, step: 1 },
      ],
      result: ECHO_RESULT,
    },
  },
  raise: { job: "raise_error", params: { message: "bad weak model" } },
  leak: { job: "raise_error", params: { message: "cannot open /opt/private/weights.bin" } },
};

let sb: Sandbox;
let s: Ws2sServer;
beforeEach(() => {
  sb = sandbox();
});
afterEach(async () => {
  await s?.close();
  sb.cleanup();
});

async function runningPid(id: string): Promise<number> {
  return until(async () => {
    const r = await api(s).run.get({ id });
    return r.status === "running" && r.pid ? r.pid : undefined;
  }, 30_000, `run ${id} to have a runner`);
}

/** Live child processes of `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("run queue", () => {
  it("runs a job to success, storing metrics, results, summaries and reproducibility", async () => {
    s = await server(sb, { jobs: JOBS });
    const { runId, experimentId } = await createAndStart(s, config("echo"));
    const run = await waitForStatus(s, runId, ["succeeded", "failed"]);
    expect(run.status).toBe("succeeded");
    expect(run.progress).toMatchObject({ stage: "weak", current: 1, total: 2 });
    const metrics = await api(s).run.metrics({ id: runId });
    expect(metrics).toEqual([{ key: "loss", total: 2, downsampled: false, points: [{ step: 0, value: 0.5 }, { step: 1, value: 0.25 }] }]);
    const results = await api(s).run.results({ id: runId });
    expect(results.result).toEqual(ECHO_RESULT);
    // The versions come from the repro_probe job, run through the bridge like every other Python call.
    expect(results.repro).toMatchObject({ seeds: [0], versions: { node: process.version, python: expect.stringMatching(/^3\./), ws2s: expect.any(String) }, hardware: { cudaVisibleDevices: null } });
    expect((results.repro as { git: { commit: string } }).git.commit).toMatch(/^[0-9a-f]{40}$/);
    const outDir = run.outDir!;
    writeFileSync(join(outDir, "note.txt"), "hello");
    expect((await http(s, `/api/runs/${runId}/files/note.txt`)).body).toBe("hello");
    expect((await http(s, `/api/runs/${runId}/files/..%2F..%2Fdb%2Fws2s.db`)).status).toBe(400);
    expect((await http(s, `/api/runs/${runId}/files/missing.txt`)).status).toBe(404);
    symlinkSync("/etc/passwd", join(outDir, "passwd.txt")); // a link in the run directory to a file outside it
    expect((await http(s, `/api/runs/${runId}/files/passwd.txt`)).status).toBe(400);
    expect((await rejection(api(s).run.file({ id: runId, path: "passwd.txt" }))).paths).toEqual(["path"]);
    expect(await api(s).run.file({ id: runId, path: "note.txt" })).toEqual({ path: "note.txt", bytes: 5, text: "hello" });
    expect((await rejection(api(s).run.file({ id: runId, path: "../../x" }))).paths).toEqual(["path"]);
    expect((await rejection(api(s).run.file({ id: runId, path: "nope.txt" }))).httpStatus).toBe(404);
    const byPgr = await api(s).experiment.list({ sortBy: "pgr/naive" });
    expect(byPgr.items[0]).toMatchObject({ id: experimentId, lastStatus: "succeeded", sortValue: ECHO_RESULT.summary.methods.naive.pgr.pgr });
    const byAccuracy = await api(s).experiment.list({ sortBy: "summary/methods/naive/accuracy/mean" });
    expect(byAccuracy.items[0]!.sortValue).toBe(ECHO_RESULT.summary.methods.naive.accuracy.mean);
  }, 60_000);

  it("records a Python error with its traceback", async () => {
    s = await server(sb, { jobs: JOBS });
    const { runId } = await createAndStart(s, config("raise"));
    const run = await waitForStatus(s, runId, ["succeeded", "failed"]);
    expect(run).toMatchObject({ status: "failed", errorType: "ValueError", reason: "ValueError: bad weak model" });
    expect(run.traceback).toContain("_fail");
  }, 60_000);

  it("shows no absolute server path outside the data and runs roots in a failure", async () => {
    s = await server(sb, { jobs: JOBS });
    const { runId } = await createAndStart(s, config("leak"));
    const run = await waitForStatus(s, runId, ["succeeded", "failed"]);
    expect(run.reason).toBe("ValueError: cannot open …/weights.bin");
    expect(run.traceback).toMatch(/<repo>\/python\/src\/ws2s\//);
    const events = s.services.sqlite!.prepare("SELECT data FROM events WHERE run_id = ?").pluck().all(runId) as string[];
    for (const text of [run.reason!, run.traceback!, ...events]) {
      expect(text).not.toContain(REPO_ROOT);
      expect(text).not.toContain("/opt/private");
    }
  }, 60_000);

  it("does not pass WS2S_TOKEN to the job's processes", async () => {
    const prev = process.env.WS2S_TOKEN;
    process.env.WS2S_TOKEN = "secret-token-123";
    try {
      s = await server(sb, { jobs: JOBS });
      const { runId } = await createAndStart(s, config("hang"));
      const runner = await runningPid(runId);
      const python = await until(() => childrenOf(runner)[0], 30_000, "the runner's Python");
      for (const pid of [runner, python]) expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain("WS2S_TOKEN");
      await api(s).run.cancel({ id: runId });
    } finally {
      if (prev === undefined) delete process.env.WS2S_TOKEN;
      else process.env.WS2S_TOKEN = prev;
    }
  }, 60_000);

  it("cancels a running run, ending its runner", async () => {
    s = await server(sb, { jobs: JOBS });
    const { runId } = await createAndStart(s, config("hang"));
    const pid = await runningPid(runId);
    expect((await api(s).run.cancel({ id: runId })).status).toBe("cancelled");
    expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);

  it("marks a run whose runner was killed as failed with the reason, and keeps serving", async () => {
    s = await server(sb, { jobs: JOBS });
    const { runId } = await createAndStart(s, config("hang"));
    process.kill(await runningPid(runId), "SIGKILL");
    const run = await waitForStatus(s, runId, ["failed"]);
    expect(run.reason).toMatch(/^runner crashed/);
    expect(run.errorType).toBe("RunnerCrashed");
    expect((await http(s, "/api/health")).status).toBe(200);
    expect((await api(s).experiment.list({})).items).toHaveLength(1);
  }, 60_000);

  it("runs two runs at once with concurrency 2", async () => {
    s = await server(sb, { jobs: JOBS, concurrency: 2 });
    const a = await createAndStart(s, config("hang"));
    const b = await createAndStart(s, config("hang2"));
    await Promise.all([runningPid(a.runId), runningPid(b.runId)]);
    expect(s.services.queue.running().size).toBe(2);
    await Promise.all([api(s).run.cancel({ id: a.runId }), api(s).run.cancel({ id: b.runId })]);
  }, 60_000);

  it("gives a run with distributed.nproc 2 two GPUs at once; the next such run waits for them", async () => {
    s = await server(sb, { jobs: JOBS, gpus: ["0", "1", "2"] });
    const twoGpus = (name: string) => ({ ...config(name), distributed: { nproc: 2 } });
    const a = await createAndStart(s, twoGpus("hang"));
    await runningPid(a.runId);
    expect((await api(s).run.get({ id: a.runId })).gpu).toBe("0,1");
    const b = await createAndStart(s, twoGpus("hang2"));
    await new Promise((r) => setTimeout(r, 300));
    expect((await api(s).run.get({ id: b.runId })).status).toBe("queued"); // one GPU free, two needed
    await api(s).run.cancel({ id: a.runId });
    await runningPid(b.runId);
    expect((await api(s).run.get({ id: b.runId })).gpu).toBe("0,1");
    await api(s).run.cancel({ id: b.runId });
  }, 60_000);

  it("fails a run that asks for more GPUs than the server has, saying so, and runs the next", async () => {
    s = await server(sb, { jobs: JOBS, gpus: ["0", "1"] });
    const big = await createAndStart(s, { ...config("hang"), distributed: { nproc: 4 } });
    const failed = await waitForStatus(s, big.runId, ["failed"]);
    expect(failed.reason).toMatch(/distributed.nproc 4 needs 4 GPUs.*2 GPU/);
    const next = await createAndStart(s, config("echo"));
    expect((await waitForStatus(s, next.runId, ["succeeded", "failed"])).status).toBe("succeeded");
  }, 60_000);

  it("after a restart, interrupts the running run, still runs the queued one, and retries", async () => {
    s = await server(sb, { jobs: JOBS, concurrency: 1 });
    const hanging = await createAndStart(s, config("hang"));
    await runningPid(hanging.runId);
    const queued = await createAndStart(s, config("echo"));
    await s.close();
    s = await server(sb, { jobs: { ...JOBS, hang: JOBS.echo! }, concurrency: 1 });
    expect((await api(s).run.get({ id: hanging.runId })).status).toBe("interrupted");
    expect((await waitForStatus(s, queued.runId, ["succeeded", "failed"])).status).toBe("succeeded");
    const retry = await api(s).run.retry({ id: hanging.runId });
    expect((await waitForStatus(s, retry.id, ["succeeded", "failed"])).status).toBe("succeeded");
  }, 90_000);

  it("refuses a second server on the same database, naming the holder, and leaves the first one's runs alone", async () => {
    s = await server(sb, { jobs: JOBS, concurrency: 1 });
    const running = await createAndStart(s, config("hang"));
    const pid = await runningPid(running.runId);
    const queued = await createAndStart(s, config("echo"));
    const second = createServer({ dbPath: sb.dbPath, runsRoot: sb.runsRoot, dataRoots: [sb.dataRoot], gpus: [], port: 0 });
    await expect(second).rejects.toThrow(new RegExp(`database .* is in use by another ws2s server \\(process ${process.pid} on .*\\); stop that server`));
    expect(await api(s).run.get({ id: running.runId })).toMatchObject({ status: "running", pid });
    expect((await api(s).run.get({ id: queued.runId })).status).toBe("queued");
    expect((await api(s).run.cancel({ id: running.runId })).status).toBe("cancelled");
    expect((await waitForStatus(s, queued.runId, ["succeeded", "failed"])).status).toBe("succeeded");
    await s.close();
    s = await server(sb, { jobs: JOBS }); // the lease ends with the server that held it
  }, 90_000);
});
