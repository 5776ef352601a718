import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareRuns, parseResults, pgrByMethod } from "../src/compare.js";

// results.json as the Python pipelines write them (packages/schema/fixtures/README.md says how they were made).
const results = (name: string) => JSON.parse(readFileSync(new URL(`../../../packages/schema/fixtures/${name}.results.json`, import.meta.url), "utf8"));
const run = (id: string, result: unknown) => ({ id, experimentId: "exp_1", name: "smoke", status: "succeeded", config: (result as { config?: unknown } | null)?.config ?? {}, result });

describe("compare", () => {
  it("reads each method's PGR vs the mean weak model and its interval from summary.methods", () => {
    const raw = results("classification-2seeds");
    const cells = pgrByMethod(raw);
    expect([...cells.keys()]).toEqual(["naive", "edl"]);
    const naive = raw.summary.methods.naive.pgr;
    expect(cells.get("naive")).toEqual({ pgr: naive.pgr, ciLow: naive.low, ciHigh: naive.high });
    expect(naive.low).toBeLessThan(naive.high); // two seeds: a real interval, not a point
  });

  it("puts runs side by side, a method missing from one run as null, and diffs their configs", () => {
    const one = results("classification");
    const two = results("classification-2seeds");
    delete one.summary.methods.edl;
    one.config.methods = one.config.methods.filter((m: { name: string }) => m.name !== "edl");
    const table = compareRuns([run("run_1", one), run("run_2", two)]);
    expect(table.pgr.map((r) => r.method)).toEqual(["naive", "edl"]);
    expect(table.pgr[0]!.cells[0]).toEqual({ pgr: one.summary.methods.naive.pgr.pgr, ciLow: one.summary.methods.naive.pgr.low, ciHigh: one.summary.methods.naive.pgr.high });
    expect(table.pgr[1]!.cells[0]).toBeNull();
    expect(table.configDiff.map((d) => d.path)).toEqual(expect.arrayContaining(["name", "seeds"]));
  });

  it("gives no cell for a method whose PGR is undefined (ceiling not above weak) or that failed", () => {
    const gen = results("generation");
    expect(gen.summary.methods.naive.pgr.pgr).toBeNull(); // the tiny generation smoke run: every F1 is 0
    expect(pgrByMethod(gen).size).toBe(0);
    const raw = results("classification-2seeds");
    raw.summary.methods.edl = { status: "failed", loss: "edl", reason: "non-finite loss at step 3" };
    expect([...pgrByMethod(raw).keys()]).toEqual(["naive"]);
  });

  it("reads nothing from a result that breaks the results contract, instead of guessing its fields", () => {
    const raw = results("classification");
    raw.summary.methods.naive.pgr = { mean: 0.4, ci: [0.2, 0.6] };
    expect(parseResults(raw)).toBeNull();
    expect(pgrByMethod(raw).size).toBe(0);
    expect(pgrByMethod({ methods: [{ name: "naive", pgr: 0.5 }] }).size).toBe(0);
    expect(pgrByMethod(null).size).toBe(0);
  });

  it("compares every score a run has, per model, baselines included, and lists unknown ids apart", () => {
    const one = results("classification");
    const two = results("classification-2seeds");
    const table = compareRuns([run("run_1", one), run("run_2", two)], [{ id: "nope", error: 'run "nope" does not exist' }]);
    expect(Object.keys(table.metrics)).toEqual(expect.arrayContaining(["pgr", "accuracy", "auroc", "ece"]));
    const acc = table.metrics.accuracy!;
    expect(acc.map((r) => r.model)).toEqual(["naive", "edl", "weak mean", "ensemble", "ceiling"]);
    expect(acc.find((r) => r.model === "ceiling")!.cells[1]).toEqual({ value: two.summary.ceiling.mean, low: two.summary.ceiling.low, high: two.summary.ceiling.high, perSeed: two.summary.ceiling.per_seed });
    expect(table.metrics.pgr!.find((r) => r.model === "naive")!.cells[1]!.perSeed).toEqual(two.summary.methods.naive.pgr.per_seed.map((p: { pgr: number }) => p.pgr));
    expect(table.runs[1]!.seeds).toEqual(two.seeds);
    expect(table.missing).toEqual([{ id: "nope", error: 'run "nope" does not exist' }]);
  });

  it("diffs methods and weak members by name, field by field", () => {
    const a = { methods: [{ name: "naive", loss: "xent" }, { name: "edl", loss: "edl", params: { kl_coef: 1 } }] };
    const b = { methods: [{ name: "naive", loss: "xent" }, { name: "edl", loss: "edl", params: { kl_coef: 0.5 } }, { name: "aux", loss: "logconf" }] };
    const table = compareRuns([{ ...run("a", null), config: a }, { ...run("b", null), config: b }]);
    expect(table.configDiff).toEqual([
      { path: "methods[edl].params.kl_coef", values: [1, 0.5] },
      { path: "methods[aux]", values: [undefined, { name: "aux", loss: "logconf" }], absent: [0] },
    ]);
  });
});
