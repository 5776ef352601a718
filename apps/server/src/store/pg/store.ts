import type { Ws2sEvent } from "@ws2s/schema";
import type pg from "pg";
import { downsample, type SeriesMeta, type SeriesQuery, type SeriesView } from "../metrics.js";
import type { ReportedArtifact, Store } from "../store.js";
import { connectPool, migratePg, transaction } from "./db.js";
import { PgExperimentStore } from "./experiments.js";
import { appendPg } from "./ingest.js";
import { PgRunStore } from "./runs.js";

const PAGE = 500;

/**
 * The shared store: PostgreSQL through node-postgres (a pool of 10 connections per server). Several
 * servers may use one database: runs are numbered under an advisory lock and claimed with row locks,
 * and each server heartbeats in `servers`.
 */
export class PgStore implements Store {
  readonly dialect = "postgres";
  readonly exclusive = false;
  readonly experiments: PgExperimentStore;
  readonly runs: PgRunStore;
  readonly events;
  readonly metrics;
  readonly ingest;
  readonly servers;

  private constructor(readonly pool: pg.Pool) {
    this.experiments = new PgExperimentStore(pool);
    this.runs = new PgRunStore(pool);
    const one = async <T>(sql: string, params: unknown[]) => (await pool.query(sql, params)).rows[0] as T | undefined;
    this.events = {
      async *after(runId: string, after: number): AsyncGenerator<Ws2sEvent> {
        let cursor = after;
        for (;;) {
          const rows = (await pool.query("SELECT data FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3", [runId, cursor, PAGE])).rows as { data: string }[];
          for (const { data } of rows) {
            const e = JSON.parse(data) as Ws2sEvent;
            cursor = e.seq;
            yield e;
          }
          if (rows.length < PAGE) return;
        }
      },
      lastOf: async (runId: string) => {
        const row = await one<{ data: string }>("SELECT data FROM events WHERE run_id = $1 ORDER BY seq DESC LIMIT 1", [runId]);
        return row && (JSON.parse(row.data) as Ws2sEvent);
      },
      reportedArtifacts: async (runId: string) =>
        (await pool.query(`SELECT run_id AS "runId", name, path, kind, bytes, created_at AS "createdAt" FROM artifacts WHERE run_id = $1 ORDER BY name`, [runId]))
          .rows as ReportedArtifact[],
    };
    this.metrics = {
      keys: async (runId: string) => ((await pool.query("SELECT key FROM metric_series WHERE run_id = $1 ORDER BY key", [runId])).rows as { key: string }[]).map((r) => r.key),
      series: (runId: string, key: string, q: SeriesQuery): Promise<SeriesView> =>
        downsample(key, {
          meta: () => one<SeriesMeta>("SELECT n, min_step, max_step FROM metric_series WHERE run_id = $1 AND key = $2", [runId, key]),
          raw: async (lo, hi) =>
            (await pool.query({ text: "SELECT step, value FROM metrics WHERE run_id = $1 AND key = $2 AND step BETWEEN $3 AND $4 ORDER BY step", values: [runId, key, lo, hi], rowMode: "array" })).rows as [number, number][],
          rollups: async (level, b0, b1) =>
            (await pool.query({
              text: `SELECT bucket, min_step, min_value, max_step, max_value FROM metric_rollups
                     WHERE run_id = $1 AND key = $2 AND level = $3 AND bucket BETWEEN $4 AND $5 ORDER BY bucket`,
              values: [runId, key, level, b0, b1],
              rowMode: "array",
            })).rows as [number, number, number, number, number][],
        }, q),
    };
    this.ingest = { append: (runId: string, events: readonly Ws2sEvent[]) => appendPg(pool, runId, events) };
    this.servers = {
      beat: async (s: { id: string; host: string; pid: number }) => {
        const now = Date.now();
        await pool.query(
          `INSERT INTO servers (id, host, pid, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
          [s.id, s.host, s.pid, now],
        );
      },
      remove: async (id: string) => void (await pool.query("DELETE FROM servers WHERE id = $1", [id])),
    };
  }

  /** Connects (failing with what to fix, never the password), and migrates the database. */
  static async connect(url: string): Promise<PgStore> {
    const pool = await connectPool(url);
    try {
      await migratePg(pool);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return new PgStore(pool);
  }

  writeSummaries(runId: string, experimentId: string, values: [string, number][]): Promise<void> {
    if (values.length === 0) return Promise.resolve();
    const keys = values.map(([k]) => k);
    const nums = values.map(([, v]) => v);
    return transaction(this.pool, async (c) => {
      await c.query(
        `INSERT INTO summaries (run_id, experiment_id, key, value) SELECT $1, $2, * FROM unnest($3::text[], $4::float8[])
         ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, experiment_id = excluded.experiment_id`,
        [runId, experimentId, keys, nums],
      );
      await c.query(
        `INSERT INTO experiment_metrics (experiment_id, key, max_value, min_value) SELECT $1, k, v, v FROM unnest($2::text[], $3::float8[]) AS u(k, v)
         ON CONFLICT (experiment_id, key) DO UPDATE SET max_value = GREATEST(experiment_metrics.max_value, excluded.max_value),
           min_value = LEAST(experiment_metrics.min_value, excluded.min_value)`,
        [experimentId, keys, nums],
      );
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
