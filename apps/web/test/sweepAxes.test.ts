import { describe, expect, it } from "vitest";
import { makeAxis, sweptPaths } from "../src/lib/sweepAxes";

describe("sweep axes", () => {
  it("puts values spread over decades on a log scale, ticked at the values swept", () => {
    const a = makeAxis("strong_train.lr", [0.0003, 0.003, 0.03]);
    expect(a.name).toBe("strong_train.lr (log)");
    expect(a.pos.map((p) => Number(p!.toFixed(6)))).toEqual([0, 0.5, 1]);
    expect(a.ticks.map((t) => t.label)).toEqual(["0.0003", "0.003", "0.03"]);
  });

  it("places other numbers linearly and anything else as ordered categories", () => {
    expect(makeAxis("epochs", [2, 4, 6]).pos).toEqual([0, 0.5, 1]);
    const c = makeAxis("seeds", [[0], [1], [0]]);
    expect(c.pos).toEqual([0, 1, 0]);
    expect(c.ticks).toEqual([{ pos: 0, label: "[0]" }, { pos: 1, label: "[1]" }]);
    expect(makeAxis("x", [1, undefined]).pos).toEqual([0.5, null]);
  });

  it("lists the swept paths of a sweep's points", () => {
    expect(sweptPaths([{ overrides: { a: 1, b: 2 } }, { overrides: { a: 2, c: 1 } }])).toEqual(["a", "b", "c"]);
  });
});
