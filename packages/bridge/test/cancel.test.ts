import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Ws2sEvent } from "@ws2s/schema";
import { describe, expect, it } from "vitest";
import { JobCancelledError, startJob } from "../src/index.js";
import { collect, liveProcesses, rejection, reportedPids } from "./helpers.js";

/** Start a `hang` job and wait until it reports its pids (Python and its children). */
async function startHang(params: object) {
  let resolvePids: (pids: number[]) => void;
  const pids = new Promise<number[]>((resolve) => (resolvePids = resolve));
  const handle = startJob({
    job: "hang",
    params,
    onEvent: (e: Ws2sEvent) => {
      if (reportedPids(e).length) resolvePids(reportedPids(e));
    },
  });
  return { handle, pids: [handle.pid, ...(await pids)] };
}

describe("cancel", () => {
  it.each([
    ["a hung job and its child processes", { children: 2 }],
    ["a job that ignores SIGTERM", { children: 1, ignore_sigterm: true }],
  ])("ends %s within 2 s, leaving no orphan", async (_, params) => {
    const { handle, pids } = await startHang(params);
    expect(pids).toHaveLength(2 + params.children);
    const before = liveProcesses();
    for (const pid of pids) expect(before.get(pid)).toBe(handle.pid); // all in the job's process group

    const t0 = performance.now();
    await handle.cancel();
    expect(performance.now() - t0).toBeLessThan(2000);

    const after = liveProcesses();
    expect(pids.filter((pid) => after.has(pid))).toEqual([]);
    expect([...after].filter(([, pgid]) => pgid === handle.pid)).toEqual([]);
    expect(await rejection(handle.result)).toBeInstanceOf(JobCancelledError);
    const events = await collect(handle);
    expect(events.at(-1)).toMatchObject({ type: "error", error_type: "Cancelled", seq: events.length - 1 });
  });

  it("works right after the start, before Python is up", async () => {
    const handle = startJob({ job: "hang", params: {} });
    await handle.cancel();
    expect(await rejection(handle.result)).toBeInstanceOf(JobCancelledError);
    expect([...liveProcesses()].filter(([, pgid]) => pgid === handle.pid)).toEqual([]);
  });

  it("is a no-op on a finished job", async () => {
    const handle = startJob({ job: "echo", params: { result: 1 } });
    expect(await handle.result).toBe(1);
    await handle.cancel();
    expect(await handle.result).toBe(1);
  });

  it("leaves no process behind after a job finishes", async () => {
    const handle = startJob({ job: "flood", params: { n: 10 } });
    await handle.result;
    expect([...liveProcesses()].filter(([pid, pgid]) => pid === handle.pid || pgid === handle.pid)).toEqual([]);
  });
});

describe("a parent that dies", () => {
  it("takes its jobs' process trees with it", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/abandon-job.ts", import.meta.url));
    const parent = spawn(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "inherit"] });
    const [line] = (await once(createInterface({ input: parent.stdout! }), "line")) as [string];
    const pids = JSON.parse(line) as number[];
    expect(pids).toHaveLength(3);
    parent.kill("SIGKILL");
    const deadline = performance.now() + 2000;
    let alive = pids;
    while (alive.length && performance.now() < deadline) {
      await sleep(50);
      const live = liveProcesses();
      alive = pids.filter((pid) => live.has(pid));
    }
    expect(alive).toEqual([]);
  });
});
