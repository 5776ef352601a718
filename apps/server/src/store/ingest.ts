import type Database from "better-sqlite3";
import type { Ws2sEvent } from "@ws2s/schema";
import { widen, type Envelope } from "./envelope.js";

/** Bucket widths (log2 of steps) of the metric rollups; see metric_rollups in the migration. */
export const ROLLUP_LEVELS = [4, 7, 10, 13, 16] as const;

type Rollup = Envelope & { n: number; key: string; level: number; bucket: number };

interface SeriesDelta {
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
  private readonly insertEvent: Database.Statement;
  private readonly insertMetric: Database.Statement;
  private readonly upsertSeries: Database.Statement;
  private readonly upsertRollup: Database.Statement;
  private readonly insertArtifact: Database.Statement;
  private readonly setProgress: Database.Statement;
  private readonly writeBatch: (runId: string, events: readonly Ws2sEvent[]) => void;

  constructor(sqlite: Database.Database) {
    this.insertEvent = sqlite.prepare("INSERT OR IGNORE INTO events (run_id, seq, type, data) VALUES (?, ?, ?, ?)");
    this.insertMetric = sqlite.prepare("INSERT OR REPLACE INTO metrics (run_id, key, step, value, t) VALUES (?, ?, ?, ?, ?)");
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
    const rollups = new Map<string, Rollup>();
    let progress: Ws2sEvent | undefined;
    for (const e of events) {
      this.insertEvent.run(runId, e.seq, e.type, JSON.stringify(e));
      if (e.type === "metric") {
        this.insertMetric.run(runId, e.key, e.step, e.value, e.t);
        addToSeries(series, e.key, e.step, e.value);
        for (const level of ROLLUP_LEVELS) addToRollup(rollups, e.key, level, e.step, e.value);
      } else if (e.type === "artifact") {
        this.insertArtifact.run(runId, e.name, e.path, e.kind ?? null, e.bytes ?? null, Date.now());
      } else if (e.type === "progress") {
        progress = e;
      }
    }
    for (const [key, s] of series) this.upsertSeries.run({ runId, key, ...s });
    for (const r of rollups.values()) this.upsertRollup.run({ runId, ...r });
    if (progress?.type === "progress") {
      const { stage, current, total, message } = progress;
      this.setProgress.run(JSON.stringify({ stage, current, total, message }), runId);
    }
  }
}

function addToSeries(series: Map<string, SeriesDelta>, key: string, step: number, value: number): void {
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

function addToRollup(
  rollups: Map<string, Rollup>,
  key: string,
  level: number,
  step: number,
  value: number,
): void {
  const bucket = Math.floor(step / 2 ** level);
  const id = `${level}\u0000${bucket}\u0000${key}`;
  const r = rollups.get(id);
  if (!r) {
    rollups.set(id, { key, level, bucket, n: 1, minStep: step, minValue: value, maxStep: step, maxValue: value });
    return;
  }
  r.n += 1;
  widen(r, step, value, step, value);
}
