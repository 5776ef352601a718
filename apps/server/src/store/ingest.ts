import type Database from "better-sqlite3";
import type { Ws2sEvent } from "@ws2s/schema";
import { widen, type Envelope } from "./envelope.js";

/** Bucket widths (log2 of steps) of the metric rollups; see metric_rollups in the migration. */
export const ROLLUP_LEVELS = [4, 8, 12] as const;

type Rollup = Envelope & { n: number; key: string; level: number; bucket: number };

export interface SeriesDelta {
  n: number;
  minStep: number;
  maxStep: number;
  lastStep: number;
  lastValue: number;
}

/**
 * Writes a run's events in batches: every event into `events`, metric points into `metrics` (plus
 * their series summary and rollups), artifacts into `artifacts`, the latest progress onto the run.
 * One transaction per batch keeps ingest fast (many thousand points per commit).
 */
export class IngestWriter {
  private readonly insertEvents: RowInserter;
  private readonly insertMetrics: RowInserter;
  private readonly upsertSeries: Database.Statement;
  private readonly upsertRollup: Database.Statement;
  private readonly insertArtifact: Database.Statement;
  private readonly setProgress: Database.Statement;
  private readonly writeBatch: (runId: string, events: readonly Ws2sEvent[]) => void;

  constructor(sqlite: Database.Database) {
    this.insertEvents = new RowInserter(sqlite, "INSERT OR IGNORE INTO events (run_id, seq, type, data) VALUES", 4);
    this.insertMetrics = new RowInserter(sqlite, "INSERT OR REPLACE INTO metrics (run_id, key, step, value, t) VALUES", 5);
    this.upsertSeries = sqlite.prepare(`INSERT INTO metric_series (run_id, key, n, min_step, max_step, last_step, last_value)
      VALUES (@runId, @key, @n, @minStep, @maxStep, @lastStep, @lastValue)
      ON CONFLICT (run_id, key) DO UPDATE SET n = n + excluded.n, min_step = min(min_step, excluded.min_step),
        max_step = max(max_step, excluded.max_step), last_step = excluded.last_step, last_value = excluded.last_value`);
    this.upsertRollup = sqlite.prepare(`INSERT INTO metric_rollups (run_id, key, level, bucket, n, min_step, min_value, max_step, max_value)
      VALUES (@runId, @key, @level, @bucket, @n, @minStep, @minValue, @maxStep, @maxValue)
      ON CONFLICT (run_id, key, level, bucket) DO UPDATE SET n = n + excluded.n,
        min_step = CASE WHEN excluded.min_value < min_value THEN excluded.min_step ELSE min_step END,
        min_value = min(min_value, excluded.min_value),
        max_step = CASE WHEN excluded.max_value > max_value THEN excluded.max_step ELSE max_step END,
        max_value = max(max_value, excluded.max_value)`);
    this.insertArtifact = sqlite.prepare(
      "INSERT OR REPLACE INTO artifacts (run_id, name, path, kind, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.setProgress = sqlite.prepare("UPDATE runs SET progress = ? WHERE id = ?");
    this.writeBatch = sqlite.transaction((runId: string, events: readonly Ws2sEvent[]) => this.write(runId, events));
  }

  /** Stores a batch of one run's events in one transaction. */
  append(runId: string, events: readonly Ws2sEvent[]): void {
    if (events.length > 0) this.writeBatch(runId, events);
  }

  private write(runId: string, events: readonly Ws2sEvent[]): void {
    const series = new Map<string, SeriesDelta>();
    const rollups = new RollupBatch();
    let progress: Ws2sEvent | undefined;
    const eventRows: unknown[] = [];
    const metricRows: unknown[] = [];
    for (const e of events) {
      eventRows.push(runId, e.seq, e.type, JSON.stringify(e));
      if (e.type === "metric") {
        metricRows.push(runId, e.key, e.step, e.value, e.t);
        addToSeries(series, e.key, e.step, e.value);
        rollups.add(e.key, e.step, e.value);
      } else if (e.type === "artifact") {
        this.insertArtifact.run(runId, e.name, e.path, e.kind ?? null, e.bytes ?? null, Date.now());
      } else if (e.type === "progress") {
        progress = e;
      }
    }
    this.insertEvents.run(eventRows);
    this.insertMetrics.run(metricRows);
    for (const [key, s] of series) this.upsertSeries.run({ runId, key, ...s });
    for (const r of rollups.all()) this.upsertRollup.run({ runId, ...r });
    if (progress?.type === "progress") {
      const { stage, current, total, message } = progress;
      this.setProgress.run(JSON.stringify({ stage, current, total, message }), runId);
    }
  }
}

/** Inserts many rows with few statement calls: flat values, `width` per row, 64 rows per call. */
class RowInserter {
  private static readonly ROWS = 64;
  private readonly many: Database.Statement;
  private readonly one: Database.Statement;

  constructor(
    sqlite: Database.Database,
    head: string,
    private readonly width: number,
  ) {
    const row = `(${Array(width).fill("?").join(", ")})`;
    this.many = sqlite.prepare(`${head} ${Array(RowInserter.ROWS).fill(row).join(", ")}`);
    this.one = sqlite.prepare(`${head} ${row}`);
  }

  run(values: unknown[]): void {
    const chunk = RowInserter.ROWS * this.width;
    let i = 0;
    for (; i + chunk <= values.length; i += chunk) this.many.run(values.slice(i, i + chunk));
    for (; i < values.length; i += this.width) this.one.run(values.slice(i, i + this.width));
  }
}

export function addToSeries(series: Map<string, SeriesDelta>, key: string, step: number, value: number): void {
  const s = series.get(key);
  if (!s) {
    series.set(key, { n: 1, minStep: step, maxStep: step, lastStep: step, lastValue: value });
    return;
  }
  s.n += 1;
  s.minStep = Math.min(s.minStep, step);
  s.maxStep = Math.max(s.maxStep, step);
  s.lastStep = step;
  s.lastValue = value;
}

/**
 * The rollup rows a batch touches. Steps mostly arrive in order, so each series keeps its open
 * bucket per level and only looks up a map when a point falls into another bucket.
 */
export class RollupBatch {
  private readonly open = new Map<string, Rollup[]>();
  private readonly closed = new Map<string, Rollup>();

  add(key: string, step: number, value: number): void {
    let levels = this.open.get(key);
    if (!levels) this.open.set(key, (levels = []));
    for (let i = 0; i < ROLLUP_LEVELS.length; i++) {
      const level = ROLLUP_LEVELS[i] as number;
      const bucket = Math.floor(step / 2 ** level);
      let r = levels[i];
      if (r?.bucket !== bucket) {
        if (r) this.closed.set(`${level}\u0000${r.bucket}\u0000${key}`, r);
        r = this.closed.get(`${level}\u0000${bucket}\u0000${key}`);
        if (r) this.closed.delete(`${level}\u0000${bucket}\u0000${key}`);
        else r = { key, level, bucket, n: 0, minStep: step, minValue: value, maxStep: step, maxValue: value };
        levels[i] = r;
      }
      r.n += 1;
      widen(r, step, value, step, value);
    }
  }

  all(): Rollup[] {
    return [...this.closed.values(), ...[...this.open.values()].flat()];
  }
}
