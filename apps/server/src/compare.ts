import { ExperimentResults } from "@ws2s/schema";
import { diffConfigs, type ConfigDifference } from "./config-paths.js";

export interface PgrCell {
  pgr: number;
  ciLow: number | null;
  ciHigh: number | null;
}

/** A score over seeds: its mean and 95% interval (null bounds with one seed). */
export interface ScoreCell {
  value: number;
  low: number | null;
  high: number | null;
  /** The score of each seed, in the order of the run's `seeds` (null where undefined). */
  perSeed: (number | null)[];
}

/** Scores a comparison can show, by the name results.json gives them. */
export const COMPARED_METRICS = ["pgr", "accuracy", "auroc", "ece", "f1", "slu_f1", "exact_match"] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

export interface CompareTable {
  runs: { id: string; experimentId: string; name: string; status: string; overrides: Record<string, unknown> | null; seeds: number[] }[];
  /** One row per method found in any run's results; cells follow `runs` (null: no PGR for the method in that run). */
  pgr: { method: string; cells: (PgrCell | null)[] }[];
  /**
   * Every score the runs have, by metric: one row per model (each method, then "weak mean",
   * "ensemble", "ceiling"), cells following `runs`. Metrics no run has are left out.
   */
  metrics: Partial<Record<ComparedMetric, { model: string; cells: (ScoreCell | null)[] }[]>>;
  configDiff: ConfigDifference[];
  /** Runs asked for that could not be compared (an unknown id), each with why. */
  missing: { id: string; error: string }[];
}

export interface ComparedRun {
  id: string;
  experimentId: string;
  name: string;
  status: string;
  config: unknown;
  result: unknown;
  overrides?: Record<string, unknown> | null;
}

/** Scores of every method across runs, side by side with their confidence intervals, plus config differences. */
export function compareRuns(runs: readonly ComparedRun[], missing: { id: string; error: string }[] = []): CompareTable {
  const perRun = runs.map((r) => pgrByMethod(r.result));
  const methods = [...new Set(perRun.flatMap((m) => [...m.keys()]))];
  const scores = runs.map((r) => scoresByModel(r.result));
  const metrics: CompareTable["metrics"] = {};
  for (const metric of COMPARED_METRICS) {
    const models = [...new Set(scores.flatMap((s) => [...(s.get(metric)?.keys() ?? [])]))];
    if (models.length > 0) metrics[metric] = models.map((model) => ({ model, cells: scores.map((s) => s.get(metric)?.get(model) ?? null) }));
  }
  return {
    runs: runs.map(({ id, experimentId, name, status, overrides, result }) => ({ id, experimentId, name, status, overrides: overrides ?? null, seeds: parseResults(result)?.seeds ?? [] })),
    pgr: methods.map((method) => ({ method, cells: perRun.map((m) => m.get(method) ?? null) })),
    metrics,
    configDiff: diffConfigs(runs.map((r) => r.config)),
    missing,
  };
}

const BASELINES = [
  ["weak mean", "weak_mean"],
  ["ensemble", "ensemble"],
  ["ceiling", "ceiling"],
] as const;

/** metric → model → score, from a run's results (the baselines carry the PGR metric only). */
function scoresByModel(result: unknown): Map<ComparedMetric, Map<string, ScoreCell>> {
  const out = new Map<ComparedMetric, Map<string, ScoreCell>>();
  const r = parseResults(result);
  if (!r) return out;
  type Scored = { mean?: number | null; pgr?: number | null; low: number | null; high: number | null; per_seed: (number | null | { pgr: number | null })[] };
  const put = (metric: ComparedMetric, model: string, c: Scored | undefined) => {
    const value = c ? (c.mean ?? c.pgr ?? null) : null;
    if (value === null || value === undefined) return;
    if (!out.has(metric)) out.set(metric, new Map());
    const perSeed = c!.per_seed.map((v) => (v !== null && typeof v === "object" ? v.pgr : v));
    out.get(metric)!.set(model, { value, low: c!.low, high: c!.high, perSeed });
  };
  for (const [name, m] of Object.entries(r.summary.methods)) {
    if (m.status === "failed") continue;
    put("pgr", name, m.pgr);
    for (const metric of COMPARED_METRICS.slice(1)) put(metric, name, (m as Record<string, unknown>)[metric] as never);
  }
  for (const [model, key] of BASELINES) put(r.summary.metric as ComparedMetric, model, r.summary[key]);
  return out;
}

/** A run's stored result as the results contract types it; null when absent or not a results.json (a failed run, a test job). */
export function parseResults(result: unknown): ExperimentResults | null {
  if (result === null || result === undefined) return null;
  const parsed = ExperimentResults.safeParse(result);
  return parsed.success ? parsed.data : null;
}

/**
 * PGR per method (`summary.methods.<name>.pgr`: PGR vs the mean weak model with its interval over
 * seeds). A method that failed, or whose PGR is undefined (ceiling not above weak), has no cell.
 */
export function pgrByMethod(result: unknown): Map<string, PgrCell> {
  const out = new Map<string, PgrCell>();
  const r = parseResults(result);
  if (!r) return out;
  for (const [name, m] of Object.entries(r.summary.methods)) {
    if (m.status === "failed" || m.pgr.pgr === null) continue;
    out.set(name, { pgr: m.pgr.pgr, ciLow: m.pgr.low, ciHigh: m.pgr.high });
  }
  return out;
}
