import { z } from "zod";
import { ClassificationExperimentConfig } from "./config/classification.js";
import { GenerationExperimentConfig } from "./config/generation.js";

export * from "./config/common.js";
export * from "./config/classification.js";
export * from "./config/generation.js";

// Every experiment kind, discriminated by `kind`. Generation joins this union in config/generation.ts.
export const ExperimentConfig = z.discriminatedUnion("kind", [ClassificationExperimentConfig, GenerationExperimentConfig]);

export type ExperimentConfig = z.infer<typeof ExperimentConfig>;
export type ExperimentConfigInput = z.input<typeof ExperimentConfig>;
