import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { PythonError, RunnerCrashedError, startJob } from "../src/index.js";
import { collect, liveProcesses, rejection, reportedPids } from "./helpers.js";

describe("failures", () => {
  it("turns a Python exception into a PythonError with its type, message and traceback", async () => {
    const handle = startJob({ job: "raise_error", params: { message: "weak model 2 diverged" } });
    const err = await rejection(handle.result);
    expect(err).toBeInstanceOf(PythonError);
    const py = err as PythonError;
    expect(py.pythonType).toBe("ValueError");
    expect(py.message).toBe("ValueError: weak model 2 diverged");
    expect(py.traceback).toMatch(/Traceback \(most recent call last\)/);
    expect(py.traceback).toMatch(/diagnostics\.py", line \d+, in _fail/);
    expect(py.traceback).toMatch(/ValueError: weak model 2 diverged\s*$/);
    const events = await collect(handle);
    expect(events.map((e) => e.type)).toEqual(["log", "error"]);
    expect(events[1]).toMatchObject({ error_type: "ValueError", message: "weak model 2 diverged" });
  });

  it("names the known jobs when asked for an unknown one", async () => {
    const err = await rejection(startJob({ job: "no_such_job", params: {} }).result);
    expect(err).toBeInstanceOf(PythonError);
    expect((err as PythonError).pythonType).toBe("ws2s.jobs.JobNotFoundError");
    expect(err.message).toMatch(/no job named 'no_such_job'; known jobs: .*echo/);
  });

  it.each([
    ["segfault", null, "SIGSEGV", /Fatal Python error: Segmentation fault/],
    ["exit", 3, null, /crash job: about to crash/],
    ["sigkill", null, "SIGKILL", /crash job: about to crash/], // what the OOM killer does
  ] as const)("detects a Python %s within 1 s and reports its stderr", async (how, exitCode, signal, tail) => {
    let crashingAt = 0;
    const handle = startJob({
      job: "crash",
      params: { how },
      onEvent: (e) => {
        if (e.type === "log" && e.message.startsWith("crashing now")) crashingAt = performance.now();
      },
    });
    const err = await rejection(handle.result);
    const detectedMs = performance.now() - crashingAt;
    expect(err).toBeInstanceOf(RunnerCrashedError);
    const crash = err as RunnerCrashedError;
    expect(crashingAt).toBeGreaterThan(0);
    expect(detectedMs).toBeLessThan(1000);
    expect(crash.exitCode).toBe(exitCode);
    expect(crash.signal).toBe(signal);
    expect(crash.stderrTail).toMatch(tail);
    expect(crash.message).toMatch(/before job 'crash' finished/);
    const events = await collect(handle);
    expect(events.map((e) => e.type)).toEqual(["log", "error"]);
    expect(events[1]).toMatchObject({ error_type: "RunnerCrashed" });
  });

  it("says which Python it could not start", async () => {
    const err = await rejection(startJob({ job: "echo", params: {}, env: { PYTHON_BIN: "/nonexistent/python" } }).result);
    expect(err).toBeInstanceOf(RunnerCrashedError);
    expect(err.message).toMatch(/could not start Python at \/nonexistent\/python .*set PYTHON_BIN/);
  });
});

describe("a runner that dies", () => {
  it("is reported within 1 s, and its Python and Python's children are killed", async () => {
    let pids: number[] = [];
    const handle = startJob({ job: "hang", params: { children: 1 }, onEvent: (e) => (pids = reportedPids(e)) });
    while (!pids.length) await sleep(20);
    const t0 = performance.now();
    process.kill(handle.pid, "SIGKILL");
    const err = await rejection(handle.result);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(RunnerCrashedError);
    expect(err.message).toMatch(/the runner was killed by SIGKILL before job 'hang' finished/);
    const live = liveProcesses();
    expect(pids.filter((pid) => live.has(pid))).toEqual([]);
  });
});

describe("an onEvent handler that throws", () => {
  it("fails the job with the handler's error and stops it", async () => {
    const handle = startJob({
      job: "hang",
      params: {},
      onEvent: (e) => {
        if (e.type === "log") throw new Error("handler bug");
      },
    });
    const err = await rejection(handle.result);
    expect(err.message).toBe("handler bug");
    const events = await collect(handle);
    expect(events.at(-1)).toMatchObject({ type: "error", error_type: "EventHandlerError", message: "handler bug" });
  });
});
