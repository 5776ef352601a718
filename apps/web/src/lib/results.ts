// Typed views of what a run returns (results.json) and writes (examples.jsonl). The Python
// classification recipe owns these shapes (ws2s/classification/report.py); everything here reads
// defensively, because a failed or older run may lack parts.

export interface Ci {
  mean: number | null;
  low: number | null;
  high: number | null;
  per_seed?: (number | null)[];
}

export interface PgrCi {
  pgr: number | null;
  low: number | null;
  high: number | null;
  flagged?: boolean;
  reason?: string | null;
}

/** A method's aggregate: its loss, PGR, and scores (accuracy/auroc/ece or f1/exact_match) with CIs. */
export interface MethodSummary {
  loss: string;
  pgr: PgrCi;
  pgr_vs_ensemble?: PgrCi;
  [score: string]: Ci | PgrCi | string | undefined;
}

export interface ExperimentResults {
  name: string;
  kind: string;
  seeds: number[];
  /** `metric`: the score PGR is computed on ("f1" for generation; absent = "accuracy"). */
  summary: { metric?: string; weak_mean: Ci; ensemble: Ci; ceiling: Ci; methods: Record<string, MethodSummary>; best_method: string | null };
  flags: string[];
  timings?: { total_s: number };
}

export interface Prediction {
  label: string | number;
  confidence: number;
  uncertainty?: number;
}

export interface ExampleRow {
  seed: number;
  index: number;
  text: string;
  gold: string | number;
  weak: Record<string, Prediction>;
  ensemble: Prediction;
  students: Record<string, Prediction>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function asResults(result: unknown): ExperimentResults | null {
  if (!isObj(result) || !isObj(result.summary) || !isObj(result.summary.methods) || !isObj(result.summary.ceiling)) return null;
  return { flags: [], seeds: [], ...result } as unknown as ExperimentResults;
}

export const metricOf = (r: ExperimentResults) => r.summary.metric ?? "accuracy";

/** A method's score with CI by name (accuracy, f1, auroc, …), if it has one. */
export function score(m: MethodSummary | undefined, key: string): Ci | undefined {
  const v = m?.[key];
  return isObj(v) && "mean" in v ? (v as Ci) : undefined;
}

export function parseJsonl<T>(text: string): T[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Losses whose students are evidential (Dirichlet): they get the calibration plots. */
export const BAYESIAN_LOSSES = new Set(["edl", "edl_self"]);

export interface Bin {
  lo: number;
  hi: number;
  count: number;
  accuracy: number | null;
  confidence: number | null;
}

/** Reliability bins (equal-width on confidence, 15 like the ECE) of one student's predictions. */
export function reliability(rows: ExampleRow[], student: string, bins = 15): { bins: Bin[]; ece: number } {
  const out: Bin[] = Array.from({ length: bins }, (_, i) => ({ lo: i / bins, hi: (i + 1) / bins, count: 0, accuracy: 0, confidence: 0 }));
  let n = 0;
  for (const r of rows) {
    const p = r.students[student];
    if (!p) continue;
    const b = out[Math.min(bins - 1, Math.floor(p.confidence * bins))]!;
    b.count++;
    b.accuracy! += String(p.label) === String(r.gold) ? 1 : 0;
    b.confidence! += p.confidence;
    n++;
  }
  let ece = 0;
  for (const b of out) {
    if (b.count === 0) {
      b.accuracy = b.confidence = null;
      continue;
    }
    b.accuracy! /= b.count;
    b.confidence! /= b.count;
    ece += (b.count / Math.max(1, n)) * Math.abs(b.accuracy! - b.confidence!);
  }
  return { bins: out, ece };
}

/** A flat CSV of the summary: one row per model (weak mean, ensemble, ceiling, each method). */
export function summaryCsv(r: ExperimentResults): string {
  const metric = metricOf(r);
  const extra = metric === "accuracy" ? ["auroc", "ece"] : ["exact_match"];
  const head = ["model", "loss", metric, `${metric}_low`, `${metric}_high`, ...extra, "pgr", "pgr_low", "pgr_high"];
  const f = (v: number | null | undefined) => (v === null || v === undefined ? "" : String(v));
  const blank = [...extra, "", "", ""].map(() => "");
  const base = (name: string, c: Ci) => [name, "", f(c.mean), f(c.low), f(c.high), ...blank];
  const rows: string[][] = [
    base("weak_mean", r.summary.weak_mean),
    base("ensemble", r.summary.ensemble),
    base("ceiling", r.summary.ceiling),
    ...Object.entries(r.summary.methods).map(([name, m]) => {
      const c = score(m, metric);
      return [name, m.loss, f(c?.mean), f(c?.low), f(c?.high), ...extra.map((k) => f(score(m, k)?.mean)), f(m.pgr.pgr), f(m.pgr.low), f(m.pgr.high)];
    }),
  ];
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [head, ...rows].map((r) => r.map(esc).join(",")).join("\n") + "\n";
}

export function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
