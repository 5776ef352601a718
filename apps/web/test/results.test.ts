import { describe, expect, it } from "vitest";
import { asResults, reliability, summaryCsv, type ExampleRow } from "../src/lib/results";

const row = (label: string, gold: string, confidence: number): ExampleRow => ({
  seed: 0,
  index: 0,
  text: "t",
  gold,
  weak: {},
  ensemble: { label, confidence },
  students: { edl: { label, confidence } },
});

describe("results views", () => {
  it("bins reliability by confidence and computes the ECE by hand", () => {
    // Bin 8 ([0.533, 0.6)): one right, one wrong at 0.55 → acc 0.5; bin 14: two right at 0.95.
    const r = reliability([row("a", "a", 0.55), row("a", "b", 0.55), row("a", "a", 0.95), row("b", "b", 0.95)], "edl");
    expect(r.bins).toHaveLength(15);
    expect(r.bins[8]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(r.bins[8]!.confidence).toBeCloseTo(0.55);
    expect(r.bins[14]).toMatchObject({ count: 2, accuracy: 1 });
    expect(r.bins[0]).toMatchObject({ count: 0, accuracy: null });
    expect(r.ece).toBeCloseTo(0.5 * 0.05 + 0.5 * 0.05, 12);
  });

  it("writes a summary CSV with one row per model and PGR with its CI", () => {
    const ci = (m: number) => ({ mean: m, low: m - 0.1, high: m + 0.1 });
    const r = asResults({
      kind: "classification",
      summary: {
        weak_mean: ci(0.6),
        ensemble: ci(0.62),
        ceiling: ci(0.9),
        methods: { edl: { loss: "edl", accuracy: ci(0.8), auroc: ci(0.85), ece: ci(0.05), pgr: { pgr: 0.66, low: 0.5, high: 0.8 } } },
        best_method: "edl",
      },
    });
    expect(r).not.toBeNull();
    const lines = summaryCsv(r!).trim().split("\n");
    expect(lines[0]).toBe("model,loss,accuracy,accuracy_low,accuracy_high,auroc,ece,pgr,pgr_low,pgr_high");
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe("edl,edl,0.8,0.7000000000000001,0.9,0.85,0.05,0.66,0.5,0.8");
  });

  it("does not mistake a result without a summary for experiment results", () => {
    expect(asResults({ echo: 1 })).toBeNull();
    expect(asResults(null)).toBeNull();
  });
});
