import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ClassificationExampleRow, ExampleRow, ExperimentResults, GenerationExampleRow, GenerationResults, pgrMetric } from "../src/index.js";
import { RESULTS_SCHEMA_PATH, resultsJsonSchema } from "../scripts/gen-jsonschema.js";
import { examplesFixture, resultsFixture } from "./fixtures.js";

const issuePaths = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  r.success ? [] : r.error!.issues.map((i) => i.path.join("."));

describe("results contract", () => {
  it("keeps the committed results JSON Schema in sync with zod (run `npm run -w @ws2s/schema gen` if this fails)", () => {
    expect(readFileSync(RESULTS_SCHEMA_PATH, "utf8")).toBe(resultsJsonSchema());
  });

  it("parses the results.json each pipeline writes", () => {
    for (const name of ["classification", "classification-2seeds", "generation"] as const) {
      const r = ExperimentResults.safeParse(resultsFixture(name));
      expect(issuePaths(r), name).toEqual([]);
    }
    const cls = ExperimentResults.parse(resultsFixture("classification-2seeds"));
    expect(cls.kind).toBe("classification");
    expect(pgrMetric(cls)).toBe("accuracy");
    expect(cls.per_seed).toHaveLength(2);
    const gen = ExperimentResults.parse(resultsFixture("generation"));
    expect(pgrMetric(gen)).toBe("f1");
  });

  it("parses the example rows each pipeline writes, each as its own kind", () => {
    for (const row of examplesFixture("classification")) {
      expect(ClassificationExampleRow.safeParse(row).success).toBe(true);
      expect(GenerationExampleRow.safeParse(row).success).toBe(false);
    }
    for (const row of examplesFixture("generation")) {
      expect(GenerationExampleRow.safeParse(row).success).toBe(true);
      expect(ExampleRow.safeParse(row).success).toBe(true);
    }
  });

  it("rejects a field no schema names, at its path", () => {
    const r = resultsFixture("classification");
    r.summary.methods.naive.pgr.estimate = 0.5;
    expect(issuePaths(ExperimentResults.safeParse(r))).toEqual(["summary.methods.naive.pgr"]);
    const row = { ...examplesFixture("generation")[0], weak: { word: [{ text: "x", score: -1 }] } };
    expect(GenerationExampleRow.safeParse(row).success).toBe(false);
  });

  it("accepts failed methods: a failures list, a failed student in a seed, a method failed in every seed", () => {
    const r = resultsFixture("classification-2seeds");
    r.failures = [{ seed: 1, method: "edl", stage: "student", reason: "non-finite loss (nan)", step: 12 }];
    r.per_seed[1].students.edl = { status: "failed", reason: "non-finite loss (nan)", step: 12 };
    r.summary.methods.naive.status = "ok";
    r.summary.methods.edl = { status: "failed", loss: "edl", reason: "failed in every seed" };
    expect(issuePaths(ExperimentResults.safeParse(r))).toEqual([]);
    r.per_seed[1].students.edl = { status: "failed", reason: "x" }; // step is required (null when none)
    expect(issuePaths(ExperimentResults.safeParse(r))).not.toEqual([]);
  });

  it("accepts t-intervals without bounds for one seed, paired differences vs naive and uncertainty metrics", () => {
    const r = resultsFixture("classification");
    const m = r.summary.methods.edl;
    m.accuracy = { ...m.accuracy, low: null, high: null, method: "t", n_seeds: 1 };
    m.pgr = { ...m.pgr, low: null, high: null, method: "t" };
    delete m.pgr.n_undefined_resamples;
    m.vs_naive = { accuracy: { diff: -0.08, low: null, high: null }, pgr: { diff: -0.2, low: null, high: null }, n_seeds: 1 };
    r.per_seed[0].students.edl.uncertainty = { mean: 0.4, when_right: 0.3, when_wrong: 0.5, error_auroc: 0.7, selective_accuracy: { "0.5": 0.8, "0.8": 0.7 } };
    expect(issuePaths(ExperimentResults.safeParse(r))).toEqual([]);
    m.vs_naive.f1 = m.vs_naive.accuracy; // generation's field in a classification result
    expect(issuePaths(ExperimentResults.safeParse(r))).toEqual(["summary.methods.edl.vs_naive"]);
  });

  it("accepts the generation fields to come: SLU scores, one eval beam, token uncertainty, DPO per epoch and its change", () => {
    const r = resultsFixture("generation");
    const slu = { slu_f1: 0.5, word_f1: 0.6, char_f1: 0.7 };
    const seed = r.per_seed[0];
    for (const part of [seed.weak.word, seed.weak_mean, seed.ensemble, seed.ceiling, seed.students.soft]) Object.assign(part, slu);
    seed.students.soft.token_uncertainty = { auroc: 0.6, mean: 0.1, std: 0.05 };
    seed.dpo = { ...seed.dpo, before_slu_f1: 0.4, after_slu_f1: 0.5, epochs: [{ epoch: 0, reward_accuracy: 0.6, reward_margin: 0.1, loss: 0.69 }] };
    r.eval_beam_size = 4;
    const interval = { mean: 0.5, low: 0.4, high: 0.6, per_seed: [0.5], method: "t", n_seeds: 1 };
    Object.assign(r.summary.methods.soft, { slu_f1: interval, word_f1: interval, char_f1: interval });
    r.summary.methods.soft.vs_naive = { f1: { diff: 0.1, low: 0, high: 0.2 }, slu_f1: { diff: 0.1, low: 0, high: 0.2 }, pgr: { diff: null, low: null, high: null }, n_seeds: 1 };
    r.summary.metric = "slu_f1";
    r.summary.dpo = { naive: { f1: { diff: 0.01, low: null, high: null }, slu_f1: { diff: 0.02, low: null, high: null }, n_seeds: 1 } };
    const parsed = GenerationResults.safeParse(r);
    expect(issuePaths(parsed)).toEqual([]);
  });
});
