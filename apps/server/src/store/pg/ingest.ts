import type { Ws2sEvent } from "@ws2s/schema";
import type pg from "pg";
import { addToSeries, RollupBatch, type SeriesDelta } from "../ingest.js";
import { transaction } from "./db.js";

/**
 * store/ingest.ts for PostgreSQL: one transaction per batch, each table written with one statement
 * over arrays (unnest), so a batch of thousands of points is a handful of round trips.
 */
export async function appendPg(pool: pg.Pool, runId: string, events: readonly Ws2sEvent[]): Promise<void> {
  if (events.length === 0) return;
  const series = new Map<string, SeriesDelta>();
  const rollups = new RollupBatch();
  // ON CONFLICT DO UPDATE may touch a row once per statement: the last point of a (key, step) wins, as in SQLite's INSERT OR REPLACE.
  const points = new Map<string, [string, number, number, number]>();
  const artifacts = new Map<string, [string, string, string | null, number | null]>();
  let progress: Ws2sEvent | undefined;
  for (const e of events) {
    if (e.type === "metric") {
      points.set(`${e.key}\u0000${e.step}`, [e.key, e.step, e.value, e.t]);
      addToSeries(series, e.key, e.step, e.value);
      rollups.add(e.key, e.step, e.value);
    } else if (e.type === "artifact") {
      artifacts.set(e.name, [e.name, e.path, e.kind ?? null, e.bytes ?? null]);
    } else if (e.type === "progress") {
      progress = e;
    }
  }
  const col = <T>(rows: T[][], i: number) => rows.map((r) => r[i]);
  await transaction(pool, async (c) => {
    await c.query(
      `INSERT INTO events (run_id, seq, type, data) SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
      [runId, events.map((e) => e.seq), events.map((e) => e.type), events.map((e) => JSON.stringify(e))],
    );
    if (points.size > 0) {
      const p = [...points.values()];
      await c.query(
        `INSERT INTO metrics (run_id, key, step, value, t) SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::float8[], $5::float8[])
         ON CONFLICT (run_id, key, step) DO UPDATE SET value = excluded.value, t = excluded.t`,
        [runId, col(p, 0), col(p, 1), col(p, 2), col(p, 3)],
      );
      const s = [...series].map(([key, d]) => [key, d.n, d.minStep, d.maxStep, d.lastStep, d.lastValue] as const);
      await c.query(
        `INSERT INTO metric_series (run_id, key, n, min_step, max_step, last_step, last_value)
         SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::float8[])
         ON CONFLICT (run_id, key) DO UPDATE SET n = metric_series.n + excluded.n, min_step = LEAST(metric_series.min_step, excluded.min_step),
           max_step = GREATEST(metric_series.max_step, excluded.max_step), last_step = excluded.last_step, last_value = excluded.last_value`,
        [runId, ...[0, 1, 2, 3, 4, 5].map((i) => s.map((r) => r[i]))],
      );
      const r = rollups.all();
      await c.query(
        `INSERT INTO metric_rollups (run_id, key, level, bucket, n, min_step, min_value, max_step, max_value)
         SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::float8[], $8::bigint[], $9::float8[])
         ON CONFLICT (run_id, key, level, bucket) DO UPDATE SET n = metric_rollups.n + excluded.n,
           min_step = CASE WHEN excluded.min_value < metric_rollups.min_value THEN excluded.min_step ELSE metric_rollups.min_step END,
           min_value = LEAST(metric_rollups.min_value, excluded.min_value),
           max_step = CASE WHEN excluded.max_value > metric_rollups.max_value THEN excluded.max_step ELSE metric_rollups.max_step END,
           max_value = GREATEST(metric_rollups.max_value, excluded.max_value)`,
        [runId, r.map((x) => x.key), r.map((x) => x.level), r.map((x) => x.bucket), r.map((x) => x.n), r.map((x) => x.minStep), r.map((x) => x.minValue), r.map((x) => x.maxStep), r.map((x) => x.maxValue)],
      );
    }
    if (artifacts.size > 0) {
      const a = [...artifacts.values()];
      await c.query(
        `INSERT INTO artifacts (run_id, name, path, kind, bytes, created_at) SELECT $1, n, p, k, b, $6 FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(n, p, k, b)
         ON CONFLICT (run_id, name) DO UPDATE SET path = excluded.path, kind = excluded.kind, bytes = excluded.bytes, created_at = excluded.created_at`,
        [runId, col(a, 0), col(a, 1), col(a, 2), col(a, 3), Date.now()],
      );
    }
    if (progress?.type === "progress") {
      const { stage, current, total, message } = progress;
      await c.query("UPDATE runs SET progress = $1 WHERE id = $2", [JSON.stringify({ stage, current, total, message }), runId]);
    }
  });
}
