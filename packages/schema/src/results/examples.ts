import { z } from "zod";
import { Label } from "./common.js";

// One line of examples.jsonl: a test example with what every model made of it, per seed.

/** A classifier's label for one example and its probability; evidential students add their uncertainty u. */
export const Prediction = z
  .strictObject({ label: Label, confidence: z.number(), uncertainty: z.number().optional() })
  .meta({ id: "Prediction" });

export const ClassificationExampleRow = z
  .strictObject({
    seed: z.number().int(),
    split: z.literal("test"),
    /** Index of the example in the data set. */
    index: z.number().int().nonnegative(),
    text: z.string(),
    gold: Label,
    weak: z.record(z.string(), Prediction),
    ensemble: Prediction,
    /** Every student that finished (a failed method has no entry). */
    students: z.record(z.string(), Prediction),
  })
  .meta({ id: "ClassificationExampleRow" });

export const GenerationExampleRow = z
  .strictObject({
    seed: z.number().int(),
    split: z.literal("test"),
    source: z.string(),
    /** The gold frame as text. */
    gold: z.string(),
    /** Joint decoding of the weak models. */
    joint: z.string(),
    /** Each student's decoded frame (a failed method has no entry). */
    students: z.record(z.string(), z.string()),
    /** "empty", "malformed" or "ok" for "joint" and each student's frame (see GenerationScores.malformed_frames). */
    frame_status: z.record(z.string(), z.enum(["ok", "empty", "malformed"])).optional(),
  })
  .meta({ id: "GenerationExampleRow" });

export const ExampleRow = z.union([ClassificationExampleRow, GenerationExampleRow]).meta({ id: "ExampleRow" });

export type Prediction = z.infer<typeof Prediction>;
export type ClassificationExampleRow = z.infer<typeof ClassificationExampleRow>;
export type GenerationExampleRow = z.infer<typeof GenerationExampleRow>;
export type ExampleRow = z.infer<typeof ExampleRow>;
