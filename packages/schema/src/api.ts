import { z } from "zod";
import { name as plainName } from "./config/common.js";

// Inputs and shared shapes of the experiment server's API (apps/server). The web app and the CLI
// use the same schemas, so a request that validates here is a request the server accepts.

export const RunStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]);
export type RunStatus = z.infer<typeof RunStatus>;
/** Statuses a run never leaves. */
export const TERMINAL_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "cancelled", "interrupted"];

const id = z.string().min(1).max(64);
/** A dotted path into the experiment config, e.g. "strong.model" or "seeds". */
export const ConfigPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*$/, "a dotted config path such as strong.model");

export const ExperimentCreateInput = z.object({
  /** An ExperimentConfig (validated by the server, which fills in defaults). */
  config: z.unknown(),
});

export const ExperimentListInput = z.object({
  /** Case-insensitive substring of the name or description. */
  text: z.string().max(200).optional(),
  tag: z.string().max(64).optional(),
  /** Status of the experiment's latest run. */
  status: RunStatus.optional(),
  includeArchived: z.boolean().default(false),
  /** "created" or a stored metric key such as "pgr/edl" (best value over the experiment's runs). */
  sortBy: z.string().max(200).default("created"),
  order: z.enum(["asc", "desc"]).default("desc"),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).nullish(),
});

export const ExperimentCloneInput = z.object({
  id,
  name: plainName.optional(),
  /** Values to set, by dotted config path. */
  overrides: z.record(ConfigPath, z.unknown()).default({}),
});

export const ExperimentCompareInput = z.object({
  runIds: z.array(id).min(1).max(50),
});

export const RunStartInput = z.object({
  experimentId: id,
  /**
   * A sweep: dotted config path → list of values. The cartesian product of all lists becomes child
   * runs under one parent run, e.g. {"seeds": [[0], [1]], "strong.model": ["a", "b"]} → 4 runs.
   */
  sweep: z.record(ConfigPath, z.array(z.unknown()).min(1).max(256)).optional(),
  /** Output directory (inside the server's runs root); defaults to <runs root>/<run id>. */
  outDir: z.string().min(1).max(1000).optional(),
});

export const RunListInput = z.object({
  experimentId: id.optional(),
  parentId: id.optional(),
  status: RunStatus.optional(),
  limit: z.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).nullish(),
});

export const RunIdInput = z.object({ id });

export const RunMetricsInput = z.object({
  id,
  /** Series keys; all keys of the run when omitted. */
  keys: z.array(z.string().min(1).max(200)).max(100).optional(),
  /** At most this many points per series (min/max buckets keep peaks). */
  maxPoints: z.number().int().min(2).max(100_000).default(1000),
  /** Only points with step in [fromStep, toStep]. */
  fromStep: z.number().int().nonnegative().optional(),
  toStep: z.number().int().nonnegative().optional(),
});

export const RunEventsInput = z.object({
  id,
  /** Resume after this event id (sent by the SSE client as Last-Event-ID after a reconnect). */
  lastEventId: z.string().max(32).nullish(),
});

export const RunFileInput = z.object({
  id,
  /** A path inside the run's output directory, e.g. "examples.jsonl". */
  path: z.string().min(1).max(1000),
});

export type ExperimentListInput = z.input<typeof ExperimentListInput>;
export type RunStartInput = z.input<typeof RunStartInput>;
export type RunMetricsInput = z.input<typeof RunMetricsInput>;
