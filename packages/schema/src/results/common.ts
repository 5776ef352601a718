import { z } from "zod";

// Parts of results.json shared by every experiment kind. Python writes results.json and examples.jsonl
// (ws2s pipelines); these schemas are the one contract for them: `npm run -w @ws2s/schema gen` writes
// them as JSON Schema to python/src/ws2s/schema/results.schema.json, which Python's tests validate
// every written file against, and the server and the web read the inferred types. A field no schema
// names does not exist: objects are strict.
//
// Each reusable part carries a JSON Schema id (`.meta({ id })`), so it appears once under `$defs`.

/** A measured number; null where it is undefined (Python writes NaN and ±inf as null: JSON has neither). */
export const Num = z.number().nullable();
const count = z.number().int().nonnegative();

/** How an interval over seeds was computed: Student's t, or the percentile bootstrap. */
export const IntervalMethod = z.enum(["t", "bootstrap"]).meta({ id: "IntervalMethod" });

/** A score over seeds: its mean and 95% interval (low/high null when undefined, e.g. one seed), and the per-seed values. */
export const Interval = z
  .strictObject({
    mean: Num,
    low: Num,
    high: Num,
    per_seed: z.array(Num),
    method: IntervalMethod.optional(),
    n_seeds: count.optional(),
  })
  .meta({ id: "Interval" });

/** PGR of one seed: (student − weak) / (ceiling − weak); flagged (pgr null) when the ceiling does not beat weak. */
export const PgrReport = z
  .strictObject({ pgr: Num, flagged: z.boolean(), reason: z.string().nullable() })
  .meta({ id: "PgrReport" });

/** PGR over seeds: the PGR of the mean scores with its 95% interval, and each seed's report. */
export const PgrInterval = z
  .strictObject({
    pgr: Num,
    low: Num,
    high: Num,
    /** Confidence level of [low, high], e.g. 0.95. */
    level: z.number(),
    per_seed: z.array(PgrReport),
    mean_of_per_seed: Num,
    flagged: z.boolean(),
    reason: z.string().nullable(),
    n_seeds: count,
    /** Bootstrap resamples whose mean gap was ≤ 0 (bootstrap intervals only). */
    n_undefined_resamples: count.optional(),
    method: IntervalMethod.optional(),
  })
  .meta({ id: "PgrInterval" });

/** A paired difference over seeds (method − naive student, per seed), its mean and 95% interval (null with one seed). */
export const PairedDiff = z.strictObject({ diff: Num, low: Num, high: Num }).meta({ id: "PairedDiff" });

/** A method (student) that diverged or crashed in one seed: recorded instead of ending the experiment. */
export const Failure = z
  .strictObject({
    seed: z.number().int(),
    /** null when the seed failed in a shared stage (weak models, ceiling) before any method. */
    method: z.string().nullable(),
    /** The stage it failed in, e.g. "student" or "dpo". */
    stage: z.string(),
    reason: z.string(),
    /** Training step of the first non-finite loss; null when it did not fail in a training step. */
    step: count.nullable(),
  })
  .meta({ id: "Failure" });

/** A student of one seed that failed (see `failures`): no scores. */
export const FailedStudent = z
  .strictObject({ status: z.literal("failed"), reason: z.string(), step: count.nullable() })
  .meta({ id: "FailedStudent" });

/** A method that failed in every seed: no summary scores. */
export const FailedMethodSummary = z
  .strictObject({ status: z.literal("failed"), loss: z.string(), reason: z.string() })
  .meta({ id: "FailedMethodSummary" });

/** Marks a student or method summary that has numbers (absent means the same); "failed" ones are another shape. */
export const ok = z.literal("ok").optional();
type OkObject = z.ZodObject<{ status: typeof ok }>;

export const Timings = z
  .strictObject({ total_s: z.number().nonnegative(), stages_s: z.record(z.string(), z.number()) })
  .meta({ id: "Timings" });

export const CacheInfo = z
  .strictObject({
    dir: z.string(),
    enabled: z.boolean(),
    hits: count,
    misses: count,
    /** Seconds of computation the cache hits saved. */
    saved_s: z.number(),
    by_kind: z.record(z.string(), z.strictObject({ hits: count, misses: count })),
  })
  .meta({ id: "CacheInfo" });

/** Files of the run directory, relative to it. */
export const Artifacts = z.strictObject({ examples: z.string(), events: z.string() }).meta({ id: "Artifacts" });

/** Fields every results.json has. */
export const resultsBase = {
  name: z.string(),
  seeds: z.array(z.number().int().nonnegative()),
  /** Warnings about the run, e.g. a seed whose ceiling does not beat the weak models (PGR undefined). */
  flags: z.array(z.string()),
  timings: Timings,
  /** The torch device it ran on, e.g. "cpu" or "cuda:0". */
  device: z.string(),
  artifacts: Artifacts,
  /** Methods that failed, one entry per method and seed; the rest of the run went on. */
  failures: z.array(Failure).optional(),
  /** Run directories this one was merged from (`ws2s merge`), one per part, in seed order of `per_seed`. */
  merged_from: z.array(z.string()).optional(),
};

/** Fields of one seed's report, both kinds: every weak member, their mean, the ensemble, the ceiling, every student. */
export function seedFields<W extends z.ZodType, S extends z.ZodType, E extends z.ZodType, C extends z.ZodType, St extends OkObject>(p: {
  weak: W;
  scores: S;
  ensemble: E;
  ceiling: C;
  student: St;
}) {
  return {
    seed: z.number().int(),
    weak: z.record(z.string(), p.weak),
    /** Mean of the members' scores. */
    weak_mean: p.scores,
    ensemble: p.ensemble,
    /** The strong model trained on gold strong_train. */
    ceiling: p.ceiling,
    /** Every method (a failed one as FailedStudent). */
    students: z.record(z.string(), z.discriminatedUnion("status", [p.student, FailedStudent])),
    flags: z.array(z.string()),
  };
}

/** Fields of the summary over seeds, both kinds: intervals of the weak mean, ensemble and ceiling, every method. */
export function summaryFields<M extends OkObject>(method: M) {
  return {
    weak_mean: Interval,
    ensemble: Interval,
    ceiling: Interval,
    methods: z.record(z.string(), z.discriminatedUnion("status", [method, FailedMethodSummary])),
    /** The method with the highest finite PGR; null when none has one. */
    best_method: z.string().nullable(),
  };
}

/** A class label as the data has it. */
export const Label = z.union([z.string(), z.number()]);

export type Interval = z.infer<typeof Interval>;
export type PgrReport = z.infer<typeof PgrReport>;
export type PgrInterval = z.infer<typeof PgrInterval>;
export type PairedDiff = z.infer<typeof PairedDiff>;
export type Failure = z.infer<typeof Failure>;
