import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { asResults, okMethods, parseExamples, reliability, resultsProblem, selective, skippedDpo, summaryCsv, vsNaive, type ClassificationExampleRow } from "../src/lib/results";

// Real outputs of the smoke runs (packages/schema/fixtures/README.md).
const fixture = (name: string) => readFileSync(new URL(`../../../packages/schema/fixtures/${name}`, import.meta.url), "utf8");
const results = (name: string) => JSON.parse(fixture(`${name}.results.json`));

const row = (label: string, gold: string, confidence: number): ClassificationExampleRow => ({
  seed: 0,
  split: "test",
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

  it("writes a summary CSV of a classification run: one row per model, PGR with its interval", () => {
    const raw = results("classification-2seeds");
    const r = asResults(raw)!;
    const lines = summaryCsv(r).trim().split("\n");
    expect(lines[0]).toBe("model,loss,accuracy,accuracy_low,accuracy_high,auroc,ece,pgr,pgr_low,pgr_high,status");
    expect(lines).toHaveLength(6); // header, weak mean, ensemble, ceiling, naive, edl
    const naive = raw.summary.methods.naive;
    expect(lines[4]).toBe(
      ["naive", "xent", naive.accuracy.mean, naive.accuracy.low, naive.accuracy.high, naive.auroc.mean, naive.ece.mean, naive.pgr.pgr, naive.pgr.low, naive.pgr.high, "ok"].join(","),
    );
  });

  it("writes a failed method's CSV row blank and leaves it out of the methods with numbers", () => {
    const raw = results("classification");
    raw.summary.methods.edl = { status: "failed", loss: "edl", reason: "non-finite loss at step 3" };
    const r = asResults(raw)!;
    expect(okMethods(r).map(([n]) => n)).toEqual(["naive"]);
    expect(summaryCsv(r).trim().split("\n")[5]).toBe("edl,edl,,,,,,,,,failed");
  });

  it("shows a generation run's exact F1 and reads its paired difference vs naive", () => {
    const raw = results("generation");
    raw.summary.methods.soft.vs_naive = { f1: { diff: 0.1, low: 0, high: 0.2 }, pgr: { diff: null, low: null, high: null }, n_seeds: 1 };
    const r = asResults(raw)!;
    expect(summaryCsv(r).split("\n")[0]).toBe("model,loss,f1,f1_low,f1_high,exact_match,pgr,pgr_low,pgr_high,status");
    const soft = okMethods(r).find(([n]) => n === "soft")![1];
    expect(vsNaive(soft, "f1")).toEqual({ diff: 0.1, low: 0, high: 0.2 });
  });

  it("does not take a result that breaks the contract for experiment results", () => {
    expect(asResults({ echo: 1 })).toBeNull();
    expect(asResults(null)).toBeNull();
    const raw = results("classification");
    raw.summary.methods.naive.pgr = { mean: 0.4, ci: [0.2, 0.6] };
    expect(asResults(raw)).toBeNull();
    expect(resultsProblem(raw)).toMatch(/^summary\.methods\.naive\.pgr/);
    expect(resultsProblem(results("classification"))).toBeNull();
  });

  it("parses examples.jsonl by kind and names a line that is not an example row", () => {
    const cls = parseExamples(fixture("classification.examples.jsonl"));
    expect(cls.kind).toBe("classification");
    expect(cls.rows).toHaveLength(3);
    const gen = parseExamples(fixture("generation.examples.jsonl"));
    expect(gen.kind).toBe("generation");
    const bad = fixture("classification.examples.jsonl") + JSON.stringify({ seed: 0, text: "x" }) + "\n";
    expect(() => parseExamples(bad)).toThrow(/line 4/);
  });
});

describe("selective accuracy of an evidential student", () => {
  it("keeps the most certain examples first and scores u's error AUROC (worked by hand)", () => {
    const ex = (label: string, gold: string, u: number): ClassificationExampleRow => ({ ...row(label, gold, 0.9), students: { edl: { label, confidence: 0.9, uncertainty: u } } });
    const s = selective([ex("a", "a", 0.1), ex("a", "b", 0.9), ex("b", "b", 0.2), ex("a", "b", 0.3)], "edl", 4)!;
    expect(s.coverage).toEqual([0.25, 0.5, 0.75, 1]);
    expect(s.accuracy).toEqual([1, 1, 2 / 3, 0.5]);
    expect(s.errorAuroc).toBe(1); // both wrong answers are less certain than both right ones
  });
});

describe("a DPO stage that never ran", () => {
  it("is named when no seed found a preference pair, and not otherwise", () => {
    const gen = results("generation");
    expect([...skippedDpo(asResults(gen)!)]).toEqual([]);
    for (const s of gen.per_seed) s.dpo.pairs = 0;
    expect([...skippedDpo(asResults(gen)!)]).toEqual(["naive+dpo"]);
    expect([...skippedDpo(asResults(results("classification"))!)]).toEqual([]);
  });
});
