import type Database from "better-sqlite3";
import { widen, type Envelope } from "./envelope.js";
import { ROLLUP_LEVELS } from "./ingest.js";

export interface Point {
  step: number;
  value: number;
}

export interface SeriesView {
  key: string;
  /** Raw points stored for the whole series. */
  total: number;
  /** True when `points` are min/max bucket envelopes rather than every raw point. */
  downsampled: boolean;
  points: Point[];
}


export interface SeriesQuery {
  maxPoints: number;
  fromStep?: number | undefined;
  toStep?: number | undefined;
}

/** Where downsampling reads a series from: its summary, raw points, and rollup rows, by step range. */
export interface SeriesSource {
  meta(): SeriesMeta | undefined | Promise<SeriesMeta | undefined>;
  raw(lo: number, hi: number): [number, number][] | Promise<[number, number][]>;
  /** [bucket, min_step, min_value, max_step, max_value] rows of one level, buckets b0..b1. */
  rollups(level: number, b0: number, b1: number): [number, number, number, number, number][] | Promise<[number, number, number, number, number][]>;
}

export interface SeriesMeta {
  n: number;
  min_step: number;
  max_step: number;
}

/**
 * A metric series with server-side downsampling: at most `maxPoints` points, as the minimum and
 * maximum of each of maxPoints/2 equal step buckets (peaks survive, unlike averaging). Long series
 * are bucketed from the precomputed rollups, so cost grows with maxPoints, not length.
 */
export async function downsample(key: string, src: SeriesSource, q: SeriesQuery): Promise<SeriesView> {
  const meta = await src.meta();
  if (!meta) return { key, total: 0, downsampled: false, points: [] };
  const lo = Math.max(q.fromStep ?? meta.min_step, meta.min_step);
  const hi = Math.min(q.toStep ?? meta.max_step, meta.max_step);
  const whole = lo === meta.min_step && hi === meta.max_step;
  if (hi < lo) return { key, total: meta.n, downsampled: false, points: [] };
  if ((whole && meta.n <= q.maxPoints) || hi - lo + 1 <= q.maxPoints) {
    return { key, total: meta.n, downsampled: false, points: (await src.raw(lo, hi)).map(([step, value]) => ({ step, value })) };
  }
  const buckets = Math.max(1, Math.floor(q.maxPoints / 2));
  const width = Math.ceil((hi - lo + 1) / buckets);
  const envelopes: (Envelope | undefined)[] = new Array(buckets);
  const level = [...ROLLUP_LEVELS].reverse().find((l) => 2 ** l * 2 <= width);
  if (level === undefined) {
    for (const [step, value] of await src.raw(lo, hi)) merge(envelopes, Math.floor((step - lo) / width), step, value, step, value);
  } else {
    const size = 2 ** level;
    for (const [bucket, minStep, minValue, maxStep, maxValue] of await src.rollups(level, Math.floor(lo / size), Math.floor(hi / size))) {
      const b = Math.min(buckets - 1, Math.max(0, Math.floor((bucket * size - lo) / width)));
      if (minStep >= lo && minStep <= hi) merge(envelopes, b, minStep, minValue, minStep, minValue);
      if (maxStep >= lo && maxStep <= hi) merge(envelopes, b, maxStep, maxValue, maxStep, maxValue);
    }
  }
  return { key, total: meta.n, downsampled: true, points: flatten(envelopes) };
}

/** Reads metric series from SQLite (see downsample). */
export class MetricReader {
  private readonly keysStmt: Database.Statement;
  private readonly metaStmt: Database.Statement;
  private readonly rawStmt: Database.Statement;
  private readonly rollupStmt: Database.Statement;

  constructor(sqlite: Database.Database) {
    this.keysStmt = sqlite.prepare("SELECT key FROM metric_series WHERE run_id = ? ORDER BY key").pluck();
    this.metaStmt = sqlite.prepare("SELECT n, min_step, max_step FROM metric_series WHERE run_id = ? AND key = ?");
    this.rawStmt = sqlite
      .prepare("SELECT step, value FROM metrics WHERE run_id = ? AND key = ? AND step BETWEEN ? AND ? ORDER BY step")
      .raw();
    this.rollupStmt = sqlite
      .prepare(
        `SELECT bucket, min_step, min_value, max_step, max_value FROM metric_rollups
         WHERE run_id = ? AND key = ? AND level = ? AND bucket BETWEEN ? AND ? ORDER BY bucket`,
      )
      .raw();
  }

  keys(runId: string): string[] {
    return this.keysStmt.all(runId) as string[];
  }

  series(runId: string, key: string, q: SeriesQuery): Promise<SeriesView> {
    return downsample(key, {
      meta: () => this.metaStmt.get(runId, key) as SeriesMeta | undefined,
      raw: (lo, hi) => this.rawStmt.all(runId, key, lo, hi) as [number, number][],
      rollups: (level, b0, b1) => this.rollupStmt.all(runId, key, level, b0, b1) as [number, number, number, number, number][],
    }, q);
  }
}

function merge(envelopes: (Envelope | undefined)[], b: number, minStep: number, minValue: number, maxStep: number, maxValue: number): void {
  const e = envelopes[b];
  if (e) widen(e, minStep, minValue, maxStep, maxValue);
  else envelopes[b] = { minStep, minValue, maxStep, maxValue };
}

/** Each bucket's min and max point, in step order (one point when both are the same step). */
function flatten(envelopes: (Envelope | undefined)[]): Point[] {
  const points: Point[] = [];
  for (const e of envelopes) {
    if (!e) continue;
    const a = { step: e.minStep, value: e.minValue };
    const b = { step: e.maxStep, value: e.maxValue };
    if (a.step === b.step) points.push(a);
    else if (a.step < b.step) points.push(a, b);
    else points.push(b, a);
  }
  return points;
}
