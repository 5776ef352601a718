import { describe, expect, it } from "vitest";
import { groupColor, groupSeries, parseKey, smooth, summarise } from "../src/lib/seriesGroups";

const pts = (ys: number[], x0 = 0) => ys.map((value, i) => ({ step: x0 + i, value }));

describe("metric series grouping", () => {
  it("reads the chart, the model and the seed from a metric key, and the x each metric counts", () => {
    expect(parseKey("student/edl/seed2/train_loss")).toEqual({ chart: "train_loss", group: "edl", seed: 2, x: "step" });
    expect(parseKey("weak/bow/seed0/val_accuracy")).toEqual({ chart: "val_accuracy", group: "weak bow", seed: 0, x: "epoch" });
    expect(parseKey("ceiling/seed1/train_loss")).toEqual({ chart: "train_loss", group: "ceiling", seed: 1, x: "step" });
    expect(parseKey("test/naive/accuracy")).toEqual({ chart: "test accuracy", group: "naive", seed: null, x: "seed" });
  });

  it("puts every seed of a model into one group per chart, losses first and test scores last", () => {
    const charts = groupSeries([
      { key: "test/edl/accuracy", points: pts([0.8, 0.82, 0.81]) },
      { key: "student/edl/seed0/val_agreement", points: pts([0.5]) },
      { key: "student/edl/seed0/train_loss", points: pts([1, 0.5]) },
      { key: "student/edl/seed1/train_loss", points: pts([1.2, 0.7]) },
      { key: "student/naive/seed0/train_loss", points: pts([1, 0.9]) },
    ]);
    expect(charts.map((c) => c.name)).toEqual(["train_loss", "val_agreement", "test accuracy"]);
    expect(charts[0]!.groups.map((g) => [g.label, g.seeds.map((s) => s.seed)])).toEqual([["edl", [0, 1]], ["naive", [0]]]);
  });

  it("averages seeds at each x with a ±1 s.d. band (worked by hand)", () => {
    const m = summarise([
      { seed: 0, x: [0, 1], y: [1, 2] },
      { seed: 1, x: [0, 1], y: [3, 2] },
    ]);
    expect(m.x).toEqual([0, 1]);
    expect(m.mean).toEqual([2, 2]);
    expect(m.high[0]).toBeCloseTo(2 + Math.SQRT2); // s.d. of {1, 3} = √2
    expect(m.low[1]).toBe(2);
  });

  it("smooths by an exponential moving average and leaves values alone at weight 0", () => {
    expect(smooth([1, 3], 0)).toEqual([1, 3]);
    expect(smooth([1, 3, 3], 0.5)).toEqual([1, 2, 2.5]);
  });

  it("gives distinct colours past the first ten", () => {
    const colors = Array.from({ length: 30 }, (_, i) => groupColor(i));
    expect(new Set(colors).size).toBe(30);
    expect(groupColor(0, 0.5)).toBe("rgba(31, 119, 180, 0.5)");
  });
});
