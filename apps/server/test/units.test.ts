import Database from "better-sqlite3";
import type { MetricEvent } from "@ws2s/schema";
import { describe, expect, it } from "vitest";
import { applyOverrides, cartesian, diffConfigs } from "../src/config-paths.js";
import { confine } from "../src/confine.js";
import { migrate } from "../src/db/open.js";
import { parseNvidiaSmiList, parseVisibleDevices } from "../src/queue/gpus.js";
import { IngestWriter } from "../src/store/ingest.js";
import { MetricReader } from "../src/store/metrics.js";

function seriesDb(values: number[], key = "loss"): MetricReader {
  const sqlite = new Database(":memory:");
  migrate(sqlite);
  const writer = new IngestWriter(sqlite);
  const events: MetricEvent[] = values.map((value, step) => ({ type: "metric", seq: step, t: 0, key, step, value }));
  for (let i = 0; i < events.length; i += 5000) writer.append("r", events.slice(i, i + 5000));
  return new MetricReader(sqlite);
}

describe("metric downsampling", () => {
  const values = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 3000));
  values[12_345] = 9; // a spike that averaging would hide
  values[67_890] = -9;
  const reader = seriesDb(values);

  it("keeps at most maxPoints real points, in step order, including the extremes", async () => {
    const s = await reader.series("r", "loss", { maxPoints: 100 });
    expect(s).toMatchObject({ total: 100_000, downsampled: true });
    expect(s.points.length).toBeLessThanOrEqual(100);
    expect(s.points.length).toBeGreaterThan(80);
    for (const p of s.points) expect(values[p.step]).toBe(p.value);
    const steps = s.points.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(s.points).toContainEqual({ step: 12_345, value: 9 });
    expect(s.points).toContainEqual({ step: 67_890, value: -9 });
  });

  it("downsamples a step window from the raw points or rollups alike", async () => {
    for (const [fromStep, toStep] of [[12_000, 12_600], [10_000, 40_000]] as const) {
      const s = await reader.series("r", "loss", { maxPoints: 50, fromStep, toStep });
      expect(s.points.length).toBeLessThanOrEqual(50);
      expect(s.points.every((p) => p.step >= fromStep && p.step <= toStep)).toBe(true);
      expect(s.points).toContainEqual({ step: 12_345, value: 9 });
    }
  });

  it("returns a short series raw", async () => {
    const s = await seriesDb([3, 1, 2]).series("r", "loss", { maxPoints: 10 });
    expect(s).toEqual({ key: "loss", total: 3, downsampled: false, points: [{ step: 0, value: 3 }, { step: 1, value: 1 }, { step: 2, value: 2 }] });
  });
});

describe("config paths", () => {
  it("sets dotted paths without touching the original", () => {
    const base = { strong: { model: "a", max_length: 64 }, seeds: [0] };
    const out = applyOverrides(base, { "strong.model": "b", seeds: [1, 2], "weak.0.name": "x" });
    expect(out).toEqual({ strong: { model: "b", max_length: 64 }, seeds: [1, 2], weak: { 0: { name: "x" } } });
    expect(base.strong.model).toBe("a");
  });

  it("builds the cartesian product of a sweep", () => {
    expect(cartesian({ a: [1, 2], b: ["x", "y", "z"] })).toHaveLength(6);
    expect(cartesian({ a: [1], b: [[0], [1]] })).toEqual([{ a: 1, b: [0] }, { a: 1, b: [1] }]);
  });

  it("diffs configs leaf by leaf", () => {
    expect(diffConfigs([{ a: { b: 1, c: 2 }, d: [1] }, { a: { b: 1, c: 3 }, d: [2] }])).toEqual([
      { path: "a.c", values: [2, 3] },
      { path: "d", values: [[1], [2]] },
    ]);
  });
});

describe("confinement and GPUs", () => {
  it("confines paths to the roots", () => {
    expect(confine("a/b.jsonl", ["/data"])).toBe("/data/a/b.jsonl");
    expect(confine("/other/x", ["/data", "/other"])).toBe("/other/x");
    expect(() => confine("../x", ["/data"])).toThrow(/outside the allowed roots/);
    expect(() => confine("/data2/x", ["/data"])).toThrow(/outside/);
  });

  it("parses CUDA_VISIBLE_DEVICES and nvidia-smi -L", () => {
    expect(parseVisibleDevices("0,1, 3")).toEqual(["0", "1", "3"]);
    expect(parseVisibleDevices("")).toEqual([]);
    expect(parseVisibleDevices("1,-1,2")).toEqual(["1"]);
    expect(parseNvidiaSmiList("GPU 0: NVIDIA H100 (UUID: GPU-a)\nGPU 1: NVIDIA H100 (UUID: GPU-b)\n")).toEqual(["0", "1"]);
  });
});
