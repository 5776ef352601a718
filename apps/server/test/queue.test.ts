import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Ws2sServer } from "../src/app.js";
import { call, createAndStart, sandbox, server, TINY_CONFIG, until, waitForStatus, type JobTable, type Sandbox } from "./helpers.js";

// These tests run the bridge's diagnostics jobs in real runner processes (Python + pythonia).

const config = (name: string) => ({ ...TINY_CONFIG, name });
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
      result: { summary: { methods: { naive: { accuracy: { mean: 0.8 }, pgr: { pgr: 0.5, low: 0.25, high: 0.75 } } } } },
    },
  },
  raise: { job: "raise_error", params: { message: "bad weak model" } },
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
    const r = await call(s, "run.get", { id });
    return r.data.status === "running" && r.data.pid ? (r.data.pid as number) : undefined;
  }, 30_000, `run ${id} to have a runner`);
}

describe("run queue", () => {
  it("runs a job to success, storing metrics, results, summaries and reproducibility", async () => {
    s = await server(sb, { jobs: JOBS });
    const { runId, experimentId } = await createAndStart(s, config("echo"));
    const run = await waitForStatus(s, runId, ["succeeded", "failed"]);
    expect(run.status).toBe("succeeded");
    expect(run.progress).toMatchObject({ stage: "weak", current: 1, total: 2 });
    const metrics = await call(s, "run.metrics", { id: runId });
    expect(metrics.data).toEqual([{ key: "loss", total: 2, downsampled: false, points: [{ step: 0, value: 0.5 }, { step: 1, value: 0.25 }] }]);
    const results = await call(s, "run.results", { id: runId });
    expect(results.data.result.summary.methods.naive.pgr.pgr).toBe(0.5);
    expect(results.data.repro).toMatchObject({ seeds: [0], versions: { node: process.version }, hardware: { cudaVisibleDevices: null } });
    expect(results.data.repro.git.commit).toMatch(/^[0-9a-f]{40}$/);
    const list = await call(s, "experiment.list", { sortBy: "pgr/naive" });
    expect(list.data.items[0]).toMatchObject({ id: experimentId, lastStatus: "succeeded", sortValue: 0.5 });
    writeFileSync(join(run.outDir, "note.txt"), "hello");
    expect((await s.app.inject({ url: `/api/runs/${runId}/files/note.txt` })).body).toBe("hello");
    expect((await s.app.inject({ url: `/api/runs/${runId}/files/..%2F..%2Fdb%2Fws2s.db` })).statusCode).toBe(400);
    expect((await s.app.inject({ url: `/api/runs/${runId}/files/missing.txt` })).statusCode).toBe(404);
    expect((await call(s, "run.file", { id: runId, path: "note.txt" })).data).toEqual({ path: "note.txt", bytes: 5, text: "hello" });
    expect((await call(s, "run.file", { id: runId, path: "../../x" })).error?.data.issues?.[0]?.path).toEqual(["path"]);
    expect((await call(s, "run.file", { id: runId, path: "nope.txt" })).status).toBe(404);
    const byAccuracy = await call(s, "experiment.list", { sortBy: "summary/methods/naive/accuracy/mean" });
    expect(byAccuracy.data.items[0].sortValue).toBe(0.8);
  }, 60_000);

  it("records a Python error with its traceback", async () => {
    s = await server(sb, { jobs: JOBS });
    const { runId } = await createAndStart(s, config("raise"));
    const run = await waitForStatus(s, runId, ["succeeded", "failed"]);
    expect(run).toMatchObject({ status: "failed", errorType: "ValueError", reason: "ValueError: bad weak model" });
    expect(run.traceback).toContain("_fail");
  }, 60_000);

  it("cancels a running run, ending its runner", async () => {
    s = await server(sb, { jobs: JOBS });
    const { runId } = await createAndStart(s, config("hang"));
    const pid = await runningPid(runId);
    const r = await call(s, "run.cancel", { id: runId });
    expect(r.data.status).toBe("cancelled");
    expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);

  it("marks a run whose runner was killed as failed with the reason, and keeps serving", async () => {
    s = await server(sb, { jobs: JOBS });
    const { runId } = await createAndStart(s, config("hang"));
    process.kill(await runningPid(runId), "SIGKILL");
    const run = await waitForStatus(s, runId, ["failed"]);
    expect(run.reason).toMatch(/^runner crashed/);
    expect(run.errorType).toBe("RunnerCrashed");
    expect((await s.app.inject({ url: "/api/health" })).statusCode).toBe(200);
    expect((await call(s, "experiment.list", {})).status).toBe(200);
  }, 60_000);

  it("runs two runs at once with concurrency 2", async () => {
    s = await server(sb, { jobs: JOBS, concurrency: 2 });
    const a = await createAndStart(s, config("hang"));
    const b = await createAndStart(s, config("hang2"));
    await Promise.all([runningPid(a.runId), runningPid(b.runId)]);
    expect(s.services.queue.running().size).toBe(2);
    await Promise.all([call(s, "run.cancel", { id: a.runId }), call(s, "run.cancel", { id: b.runId })]);
  }, 60_000);

  it("gives a run with distributed.nproc 2 two GPUs at once; the next such run waits for them", async () => {
    s = await server(sb, { jobs: JOBS, gpus: ["0", "1", "2"] });
    const twoGpus = (name: string) => ({ ...config(name), distributed: { nproc: 2 } });
    const a = await createAndStart(s, twoGpus("hang"));
    await runningPid(a.runId);
    expect((await call(s, "run.get", { id: a.runId })).data.gpu).toBe("0,1");
    const b = await createAndStart(s, twoGpus("hang2"));
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(s, "run.get", { id: b.runId })).data.status).toBe("queued"); // one GPU free, two needed
    await call(s, "run.cancel", { id: a.runId });
    await runningPid(b.runId);
    expect((await call(s, "run.get", { id: b.runId })).data.gpu).toBe("0,1");
    await call(s, "run.cancel", { id: b.runId });
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
    const interrupted = (await call(s, "run.get", { id: hanging.runId })).data;
    expect(interrupted.status).toBe("interrupted");
    expect((await waitForStatus(s, queued.runId, ["succeeded", "failed"])).status).toBe("succeeded");
    const retry = await call(s, "run.retry", { id: hanging.runId });
    expect((await waitForStatus(s, retry.data.id, ["succeeded", "failed"])).status).toBe("succeeded");
  }, 90_000);
});
