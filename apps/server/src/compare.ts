import { diffConfigs, type ConfigDifference } from "./config-paths.js";

export interface PgrCell {
  pgr: number;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface CompareTable {
  runs: { id: string; experimentId: string; name: string; status: string }[];
  /** One row per method found in any run's results; cells follow `runs` (null: method absent). */
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

/**
 * PGR per method from a results object. ws2s results carry `summary.methods.<name>.pgr` =
 * {pgr, low, high, ...} (PGR vs the mean weak model, bootstrap CI over seeds); other shapes are
 * searched for any object with a `pgr` field, named by its `name`/`method` field or else its key,
 * where `pgr` is a number or {pgr|mean|value|estimate, ci: [lo, hi] | low/high | lo/hi}.
 */
export function pgrByMethod(result: unknown): Map<string, PgrCell> {
  const out = new Map<string, PgrCell>();
  const methods = (result as { summary?: { methods?: unknown } } | null)?.summary?.methods;
  if (methods && typeof methods === "object" && !Array.isArray(methods)) {
    for (const [name, m] of Object.entries(methods as Record<string, { pgr?: unknown }>)) {
      const cell = toCell(m?.pgr, m ?? {});
      if (cell) out.set(name, cell);
    }
    return out;
  }
  const walk = (v: unknown, key: string) => {
    if (Array.isArray(v)) {
      v.forEach((x) => walk(x, key));
      return;
    }
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    if ("pgr" in o) {
      const cell = toCell(o.pgr, o);
      const name = typeof o.name === "string" ? o.name : typeof o.method === "string" ? o.method : key;
      if (cell && !out.has(name)) out.set(name, cell);
      return;
    }
    for (const [k, x] of Object.entries(o)) walk(x, k);
  };
  walk(result, "");
  return out;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function toCell(pgr: unknown, owner: Record<string, unknown>): PgrCell | null {
  if (typeof pgr === "number") {
    const ci = Array.isArray(owner.pgr_ci) ? owner.pgr_ci : null;
    return { pgr, ciLow: num(ci?.[0]), ciHigh: num(ci?.[1]) };
  }
  if (!pgr || typeof pgr !== "object") return null;
  const p = pgr as Record<string, unknown>;
  const value = num(p.pgr) ?? num(p.mean) ?? num(p.value) ?? num(p.estimate) ?? num(p.point);
  if (value === null) return null;
  const ci = Array.isArray(p.ci) ? p.ci : null;
  return {
    pgr: value,
    ciLow: num(ci?.[0]) ?? num(p.lo) ?? num(p.ci_low) ?? num(p.low) ?? num(p.lower),
    ciHigh: num(ci?.[1]) ?? num(p.hi) ?? num(p.ci_high) ?? num(p.high) ?? num(p.upper),
  };
}
