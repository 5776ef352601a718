import { z } from "zod";
import { ClassificationExperimentConfig } from "./config/classification.js";

export * from "./config/common.js";
export * from "./config/classification.js";

// Every experiment kind, discriminated by `kind`. Generation joins this union in config/generation.ts.
export const ExperimentConfig = z.discriminatedUnion("kind", [ClassificationExperimentConfig]);

export type ExperimentConfig = z.infer<typeof ExperimentConfig>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfig>;
