import { z } from "zod";
import { ClassificationResults } from "./results/classification.js";
import { GenerationResults } from "./results/generation.js";

export * from "./results/common.js";
export * from "./results/classification.js";
export * from "./results/generation.js";
export * from "./results/examples.js";

/** What a run writes to results.json, discriminated by `kind`. */
export const ExperimentResults = z.discriminatedUnion("kind", [ClassificationResults, GenerationResults]).meta({ id: "ExperimentResults" });

export type ExperimentResults = z.infer<typeof ExperimentResults>;
/** A method's summary with numbers (a failed method's has `status: "failed"` and none). */
export type MethodSummary = Extract<ExperimentResults["summary"]["methods"][string], { pgr: unknown }>;
/** The name of the score PGR is computed on: "accuracy" (classification) or the generation summary's `metric`. */
export function pgrMetric(r: ExperimentResults): "accuracy" | "f1" | "slu_f1" {
  return r.kind === "classification" ? "accuracy" : r.summary.metric;
}
