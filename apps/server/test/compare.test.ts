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
});
