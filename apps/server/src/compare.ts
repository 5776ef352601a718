import { ExperimentResults } from "@ws2s/schema";
import { diffConfigs, type ConfigDifference } from "./config-paths.js";

export interface PgrCell {
  pgr: number;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface CompareTable {
  runs: { id: string; experimentId: string; name: string; status: string }[];
  /** One row per method found in any run's results; cells follow `runs` (null: no PGR for the method in that run). */
  pgr: { method: string; cells: (PgrCell | null)[] }[];
  configDiff: ConfigDifference[];
}

interface ComparedRun {
  id: string;
  experimentId: string;
  name: string;
  status: string;
  config: unknown;
  result: unknown;
}

/** PGR of every method across runs, side by side with their confidence intervals, plus config differences. */
export function compareRuns(runs: readonly ComparedRun[]): CompareTable {
  const perRun = runs.map((r) => pgrByMethod(r.result));
  const methods = [...new Set(perRun.flatMap((m) => [...m.keys()]))];
  return {
    runs: runs.map(({ id, experimentId, name, status }) => ({ id, experimentId, name, status })),
    pgr: methods.map((method) => ({ method, cells: perRun.map((m) => m.get(method) ?? null) })),
    configDiff: diffConfigs(runs.map((r) => r.config)),
  };
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
