import type { Ws2sEvent } from "@ws2s/schema";
import { describe, expect, it } from "vitest";
import { InvalidEventError, startJob } from "../src/index.js";
import { collect, rejection } from "./helpers.js";

const SCRIPTED = [
  { type: "log", level: "info", message: "starting" },
  { type: "progress", stage: "weak", current: 0, total: 2 },
  { type: "metric", key: "weak/bow/val_acc", value: 0.5, step: 1 },
  { type: "artifact", name: "weak-0", path: "/tmp/weak-0.safetensors", kind: "model", bytes: 12 },
  { type: "progress", stage: "weak", current: 2, total: 2, message: "done" },
];

describe("events", () => {
  it("arrive in order, stamped with seq and t, validated, and end with done carrying the result", async () => {
    const seen: Ws2sEvent[] = [];
    const before = Date.now() / 1000;
    const handle = startJob({ job: "echo", params: { events: SCRIPTED, result: { answer: 42 } }, onEvent: (e) => seen.push(e) });
    expect(await handle.result).toEqual({ answer: 42 });
    const events = await collect(handle);
    expect(events).toEqual(seen);
    expect(events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.map((e) => e.type)).toEqual(["log", "progress", "metric", "artifact", "progress", "done"]);
    expect(events.slice(0, 5)).toMatchObject(SCRIPTED);
    expect(events[5]).toMatchObject({ type: "done", result: { answer: 42 } });
    for (const e of events) expect(e.t).toBeGreaterThanOrEqual(before - 1);
  });

  it("replays the whole stream to every events() iterator, even one started after the end", async () => {
    const handle = startJob({ job: "flood", params: { n: 3 } });
    const early = collect(handle);
    await handle.result;
    expect((await collect(handle)).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    expect(await early).toEqual(await collect(handle));
  });

  it("rejects an event that does not match the schema, saying which field is wrong", async () => {
    const bad = { type: "metric", key: "x", value: "not a number", step: 0 };
    const handle = startJob({ job: "echo", params: { events: [SCRIPTED[0], bad] } });
    const err = await rejection(handle.result);
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/invalid event.*"not a number"/s);
    expect(err.message).toMatch(/value/);
    const events = await collect(handle);
    expect(events.map((e) => e.type)).toEqual(["log", "error"]);
    expect(events[1]).toMatchObject({ error_type: "InvalidEvent", seq: 1 });
  });

  it("delivers all 10,000 metric events of a flood, in order", async () => {
    const handle = startJob({ job: "flood", params: { n: 10_000 } });
    expect(await handle.result).toEqual({ emitted: 10_000 });
    const events = await collect(handle);
    expect(events).toHaveLength(10_001);
    events.slice(0, -1).forEach((e, i) => {
      expect(e.seq).toBe(i);
      if (e.type !== "metric" || e.step !== i || e.value !== i) throw new Error(`event ${i} is ${JSON.stringify(e)}`);
    });
    expect(events.at(-1)?.type).toBe("done");
  });

  it("runs two jobs at once without mixing their events", async () => {
    const a = startJob({ job: "flood", params: { n: 3000, key: "a/x" } });
    const b = startJob({ job: "flood", params: { n: 2000, key: "b/x" } });
    expect(a.pid).not.toBe(b.pid);
    const [ra, rb, ea, eb] = await Promise.all([a.result, b.result, collect(a), collect(b)]);
    expect([ra, rb]).toEqual([{ emitted: 3000 }, { emitted: 2000 }]);
    for (const [events, key, n] of [[ea, "a/x", 3000], [eb, "b/x", 2000]] as const) {
      expect(events.map((e) => e.seq)).toEqual([...Array(n + 1).keys()]);
      expect(new Set(events.slice(0, -1).map((e) => e.type === "metric" && e.key))).toEqual(new Set([key]));
    }
  });
});
