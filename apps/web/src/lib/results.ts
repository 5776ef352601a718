// Views of what a run returns (results.json) and writes (examples.jsonl). Their shapes are the results
// contract of @ws2s/schema (the Python pipelines' tests validate every file they write against it);
// nothing here guesses a field.
import {
  ClassificationExampleRow,
  ExperimentResults,
  GenerationExampleRow,
  pgrMetric,
  type Interval,
  type MethodSummary,
  type PairedDiff,
} from "@ws2s/schema";

export type { ClassificationExampleRow, ExperimentResults, GenerationExampleRow, MethodSummary, PairedDiff };
export type Ci = Interval;

/** The run's results, or null when the stored result is not a results.json (a failed run's, a test job's). */
export function asResults(result: unknown): ExperimentResults | null {
  const parsed = ExperimentResults.safeParse(result);
  return parsed.success ? parsed.data : null;
}

/** Why a stored result is not a results.json, for the page that shows it raw: the first issue's path and message. */
export function resultsProblem(result: unknown): string | null {
  const parsed = ExperimentResults.safeParse(result);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  return issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "not a results object";
}

/** The score PGR is computed on: "accuracy" (classification), "f1" or "slu_f1" (generation). */
export const metricOf = pgrMetric;

/** What a page calls each score a comparison can show. */
export const SCORE_LABEL: Record<string, string> = { pgr: "PGR", accuracy: "accuracy", auroc: "AUROC", ece: "ECE (lower is better)", f1: "F1", slu_f1: "SLU-F1", exact_match: "exact match" };

/** Scores a method summary may carry, each an interval over seeds. */
export type ScoreKey = "accuracy" | "auroc" | "ece" | "f1" | "exact_match" | "slu_f1" | "word_f1" | "char_f1";

/** A method's score with its interval (undefined when the method's kind has no such score). */
export function score(m: MethodSummary | undefined, key: ScoreKey): Ci | undefined {
  return (m as Partial<Record<ScoreKey, Ci>> | undefined)?.[key];
}

/** The scores shown beside the PGR metric: AUROC and ECE, or exact match and whichever SLU scores the run has. */
export function extraScores(r: ExperimentResults): ScoreKey[] {
  if (r.kind === "classification") return ["auroc", "ece"];
  const methods = okMethods(r).map(([, m]) => m);
  const extra: ScoreKey[] = ["f1", "exact_match", "slu_f1", "word_f1", "char_f1"];
  return extra.filter((k) => k !== r.summary.metric && methods.some((m) => score(m, k) !== undefined));
}

/** A method minus the naive student, per seed, in the PGR metric (undefined when the run has no paired comparison). */
export function vsNaive(m: MethodSummary, metric: ReturnType<typeof metricOf>): PairedDiff | undefined {
  const v = m.vs_naive;
  if (!v) return undefined;
  return "accuracy" in v ? v.accuracy : metric === "slu_f1" ? v.slu_f1 : v.f1;
}

/** Methods with numbers, in report order (failed ones are in `failedMethods`). */
export function okMethods(r: ExperimentResults): [string, MethodSummary][] {
  return Object.entries(r.summary.methods).flatMap(([n, m]) => (m.status === "failed" ? [] : [[n, m] as [string, MethodSummary]]));
}

/** The method with the highest PGR (null when no method has one). */
export function topMethod(r: ExperimentResults): [string, MethodSummary] | null {
  let top: [string, MethodSummary] | null = null;
  for (const e of okMethods(r)) if (e[1].pgr.pgr !== null && (top === null || e[1].pgr.pgr > (top[1].pgr.pgr as number))) top = e;
  return top;
}

/**
 * The best method only where the data say so: the top PGR whose interval lies wholly above every
 * other method's. null when intervals overlap, with one seed (no interval) or with one method.
 */
export function separatedBest(r: ExperimentResults): string | null {
  const top = topMethod(r);
  const others = okMethods(r).filter(([n, m]) => n !== top?.[0] && m.pgr.pgr !== null);
  if (!top || others.length === 0 || top[1].pgr.low === null) return null;
  const low = top[1].pgr.low;
  return others.every(([, m]) => m.pgr.high !== null && m.pgr.high < low) ? top[0] : null;
}

/** Bounded scores (accuracy, F1s, AUROC, ECE) live in [0, 1]: a t-interval that runs past is clipped for display. */
export function clip01(v: number | null | undefined): number | null | undefined {
  return v === null || v === undefined ? v : Math.min(1, Math.max(0, v));
}

/**
 * Names of "<source>+dpo" methods whose DPO never ran: every seed found no preference pair (the
 * student's candidates never differed), so the row would only repeat its source's numbers.
 */
export function skippedDpo(r: ExperimentResults): Set<string> {
  if (r.kind !== "generation") return new Set();
  const seeds = r.per_seed.map((s) => s.dpo);
  if (seeds.length === 0 || seeds.some((d) => d === null || d.pairs > 0)) return new Set();
  return new Set(seeds.map((d) => `${d!.from}+dpo`));
}

/** Methods that failed in every seed: name, loss and why. */
export function failedMethods(r: ExperimentResults): { name: string; loss: string; reason: string }[] {
  return Object.entries(r.summary.methods).flatMap(([name, m]) => (m.status === "failed" ? [{ name, loss: m.loss, reason: m.reason }] : []));
}

/** How the intervals were computed, for captions: "95% t-interval", "95% bootstrap CI" (older runs say neither: bootstrap). */
export function intervalLabel(c: { method?: "t" | "bootstrap" | undefined; level?: number }): string {
  const level = `${Math.round((c.level ?? 0.95) * 100)}%`;
  return c.method === "t" ? `${level} t-interval` : `${level} bootstrap CI`;
}

export type Examples = { kind: "classification"; rows: ClassificationExampleRow[] } | { kind: "generation"; rows: GenerationExampleRow[] };

/** examples.jsonl as typed rows; throws naming the line that is not an example row of the run's kind. */
export function parseExamples(text: string): Examples {
  const lines = text.split("\n").filter((l) => l.trim());
  const generation = lines.length > 0 && GenerationExampleRow.safeParse(JSON.parse(lines[0]!)).success;
  const schema = generation ? GenerationExampleRow : ClassificationExampleRow;
  const rows = lines.map((l, i) => {
    const parsed = schema.safeParse(JSON.parse(l));
    if (!parsed.success) throw new Error(`examples.jsonl line ${i + 1} is not a ${generation ? "generation" : "classification"} example row: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  });
  return generation ? { kind: "generation", rows: rows as GenerationExampleRow[] } : { kind: "classification", rows: rows as ClassificationExampleRow[] };
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
export function reliability(rows: ClassificationExampleRow[], student: string, bins = 15): { bins: Bin[]; ece: number } {
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

export interface Selective {
  /** Fraction of test kept (most certain first) and the student's accuracy on it. */
  coverage: number[];
  accuracy: number[];
  /** AUROC of the uncertainty u for telling the student's errors from its right answers (0.5: no better than chance). */
  errorAuroc: number | null;
}

/** Selective accuracy by coverage and the error AUROC of an evidential student's uncertainty, from its example rows. */
export function selective(rows: ClassificationExampleRow[], student: string, steps = 20): Selective | null {
  const scored = rows.flatMap((r) => {
    const p = r.students[student];
    return p?.uncertainty === undefined ? [] : [{ u: p.uncertainty, right: String(p.label) === String(r.gold) }];
  });
  if (scored.length === 0) return null;
  scored.sort((a, b) => a.u - b.u);
  const coverage: number[] = [];
  const accuracy: number[] = [];
  for (let k = 1; k <= steps; k++) {
    const n = Math.max(1, Math.round((k / steps) * scored.length));
    coverage.push(n / scored.length);
    accuracy.push(scored.slice(0, n).filter((x) => x.right).length / n);
  }
  // Mann–Whitney: the chance that a wrong answer has higher u than a right one (ties count half)
  const wrong = scored.filter((x) => !x.right).map((x) => x.u);
  const right = scored.filter((x) => x.right).map((x) => x.u);
  let wins = 0;
  for (const w of wrong) for (const r of right) wins += w > r ? 1 : w === r ? 0.5 : 0;
  const errorAuroc = wrong.length && right.length ? wins / (wrong.length * right.length) : null;
  return { coverage, accuracy, errorAuroc };
}

/** A flat CSV of the summary: one row per model (weak mean, ensemble, ceiling, each method; a failed method's row is blank). */
export function summaryCsv(r: ExperimentResults): string {
  const metric = metricOf(r);
  const extra = extraScores(r);
  const head = ["model", "loss", metric, `${metric}_low`, `${metric}_high`, ...extra, "pgr", "pgr_low", "pgr_high", "status"];
  const f = (v: number | null | undefined) => (v === null || v === undefined ? "" : String(v));
  const blank = [...extra, "", "", ""].map(() => "");
  const base = (name: string, c: Ci) => [name, "", f(c.mean), f(c.low), f(c.high), ...blank, ""];
  const rows: string[][] = [
    base("weak_mean", r.summary.weak_mean),
    base("ensemble", r.summary.ensemble),
    base("ceiling", r.summary.ceiling),
    ...Object.entries(r.summary.methods).map(([name, m]) => {
      if (m.status === "failed") return [name, m.loss, "", "", "", ...blank, "failed"];
      const c = score(m, metric);
      return [name, m.loss, f(c?.mean), f(c?.low), f(c?.high), ...extra.map((k) => f(score(m, k)?.mean)), f(m.pgr.pgr), f(m.pgr.low), f(m.pgr.high), "ok"];
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
