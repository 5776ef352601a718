import { describe, expect, it } from "vitest";
import { pairedDiff, t975 } from "../src/lib/paired";

describe("paired differences between runs", () => {
  it("pairs by seed number and gives a t-interval (worked by hand)", () => {
    // differences 0.1, 0.3 (seed 2 only in one run): mean 0.2, sd √0.02, t(0.975, 1) = 12.706
    const p = pairedDiff({ seeds: [0, 1, 2], perSeed: [0.5, 0.6, 0.9] }, { seeds: [1, 0], perSeed: [0.9, 0.6] })!;
    expect(p.n).toBe(2);
    expect(p.diff).toBeCloseTo(0.2);
    expect(p.high! - p.diff).toBeCloseTo((12.706 * Math.sqrt(0.02)) / Math.SQRT2);
  });

  it("has no interval with one shared seed, and nothing without one", () => {
    expect(pairedDiff({ seeds: [0], perSeed: [0.5] }, { seeds: [0], perSeed: [0.7] })).toEqual({ diff: expect.closeTo(0.2), low: null, high: null, n: 1 });
    expect(pairedDiff({ seeds: [0], perSeed: [0.5] }, { seeds: [1], perSeed: [0.7] })).toBeNull();
    expect(pairedDiff({ seeds: [0, 1], perSeed: [null, 0.5] }, { seeds: [0, 1], perSeed: [0.4, 0.7] })).toMatchObject({ n: 1 });
  });

  it("uses the t quantile for small samples and the normal one beyond 30", () => {
    expect(t975(2)).toBe(4.303);
    expect(t975(100)).toBe(1.96);
  });
});
