import { z } from "zod";

// Events a Python job emits, in order, through packages/bridge (and into events.jsonl).
// `seq` is assigned by the emitter: 0, 1, 2, … per job, so order and gaps are checkable.
const base = {
  seq: z.number().int().nonnegative(),
  /** Unix time in seconds (float) when Python emitted the event. */
  t: z.number(),
};

export const LogEvent = z.object({
  ...base,
  type: z.literal("log"),
  level: z.enum(["debug", "info", "warning", "error"]),
  message: z.string(),
});

export const ProgressEvent = z.object({
  ...base,
  type: z.literal("progress"),
  /** Pipeline stage, e.g. "weak", "weak_labels", "ceiling", "student", "dpo", "eval". */
  stage: z.string(),
  current: z.number().nonnegative(),
  total: z.number().nonnegative(),
  message: z.string().optional(),
});

export const MetricEvent = z.object({
  ...base,
  type: z.literal("metric"),
  /** Series key, e.g. "student/edl/train_loss" or "weak/bow/val_acc". */
  key: z.string().min(1),
  value: z.number(),
  step: z.number().int().nonnegative(),
});

export const ArtifactEvent = z.object({
  ...base,
  type: z.literal("artifact"),
  name: z.string(),
  path: z.string(),
  kind: z.string().optional(),
  bytes: z.number().int().nonnegative().optional(),
});

export const DoneEvent = z.object({
  ...base,
  type: z.literal("done"),
  /** The job's JSON-serialisable return value (results.json for experiment runs). */
  result: z.unknown(),
});

export const ErrorEvent = z.object({
  ...base,
  type: z.literal("error"),
  /** Python exception class, e.g. "ValueError", or "RunnerCrashed" / "Cancelled". */
  error_type: z.string(),
  message: z.string(),
  traceback: z.string(),
});

export const Ws2sEvent = z.discriminatedUnion("type", [
  LogEvent,
  ProgressEvent,
  MetricEvent,
  ArtifactEvent,
  DoneEvent,
  ErrorEvent,
]);

export type LogEvent = z.infer<typeof LogEvent>;
export type ProgressEvent = z.infer<typeof ProgressEvent>;
export type MetricEvent = z.infer<typeof MetricEvent>;
export type ArtifactEvent = z.infer<typeof ArtifactEvent>;
export type DoneEvent = z.infer<typeof DoneEvent>;
export type ErrorEvent = z.infer<typeof ErrorEvent>;
export type Ws2sEvent = z.infer<typeof Ws2sEvent>;
export type Ws2sEventType = Ws2sEvent["type"];
