import type { RunStatus } from "@ws2s/schema";
import type pg from "pg";
import type { RunRow } from "../../db/schema.js";
import { notFound } from "../../errors.js";
import { newId } from "../../ids.js";
import { newRunRow, parentStatus, pickExecution, RUN_COLUMNS, startedAt, toRow, type NamedRun, type NewRun, type RawRun, type RunFilter, type StatusChange } from "../runs.js";
import type { ExecutionInfo } from "../store.js";
import { LOCKS, transaction, type Queryable } from "./db.js";

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** Runs in PostgreSQL: the same operations as store/runs.ts; a queued run is claimed with FOR UPDATE SKIP LOCKED. */
export class PgRunStore {
  constructor(private readonly pool: pg.Pool) {}

  async get(id: string, db: Queryable = this.pool, lock = ""): Promise<RunRow> {
    const row = (await db.query(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = $1 ${lock}`, [id])).rows[0] as RawRun | undefined;
    if (!row) throw notFound("run", id);
    return toRow(row);
  }

  async getMany(ids: readonly string[]): Promise<RunRow[]> {
    const out: RunRow[] = [];
    for (const id of ids) out.push(await this.get(id));
    return out;
  }

  async list(f: RunFilter): Promise<{ items: RunRow[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => where.push(sql.replace("?", `$${params.push(v)}`));
    if (f.experimentId) add("r.experiment_id = ?", f.experimentId);
    if (f.parentId) add("r.parent_id = ?", f.parentId);
    if (f.status) add("r.status = ?", f.status);
    const offset = Math.max(0, Number.parseInt(f.cursor ?? "0", 10) || 0);
    params.push(f.limit + 1, offset);
    const sql = `SELECT ${RUN_COLUMNS} FROM runs r ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY r.seq DESC
      LIMIT $${params.length - 1} OFFSET $${params.length}`;
    const rows = ((await this.pool.query(sql, params)).rows as RawRun[]).map(toRow);
    return { items: rows.slice(0, f.limit), nextCursor: rows.length > f.limit ? String(offset + f.limit) : null };
  }

  async listNamed(limit: number): Promise<NamedRun[]> {
    const sql = `SELECT ${RUN_COLUMNS}, e.name AS "experimentName" FROM runs r JOIN experiments e ON e.id = r.experiment_id ORDER BY r.seq DESC LIMIT $1`;
    return ((await this.pool.query(sql, [limit])).rows as (RawRun & { experimentName: string })[]).map(toRow);
  }

  insertRun(r: NewRun): Promise<RunRow> {
    return transaction(this.pool, async (c) => {
      // Runs are numbered in creation order across every server on the database.
      await c.query("SELECT pg_advisory_xact_lock($1)", [LOCKS.runSeq]);
      const seq = Number((await c.query("SELECT coalesce(max(seq), 0) + 1 AS seq FROM runs")).rows[0].seq);
      const row = newRunRow(r, newId("run"), seq);
      const id = row.id;
      await c.query(
        `INSERT INTO runs (id, seq, experiment_id, parent_id, retry_of, status, sweep, job, config, overrides, out_dir, created_at)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10, $11)`,
        [id, seq, row.experimentId, row.parentId, row.retryOf, row.sweep ? 1 : 0, row.job, JSON.stringify(row.config), JSON.stringify(row.overrides), row.outDir, row.createdAt],
      );
      if (!row.parentId) {
        await c.query("UPDATE experiments SET last_run_id = $1, last_status = 'queued', updated_at = $2 WHERE id = $3", [id, row.createdAt, r.experimentId]);
      }
      return row;
    });
  }

  transition(id: string, from: readonly RunStatus[], change: StatusChange): Promise<boolean> {
    return transaction(this.pool, (c) => this.move(c, id, from, change));
  }

  claimNext(owner: string, fits?: (run: RunRow) => boolean): Promise<RunRow | undefined> {
    return transaction(this.pool, async (c) => {
      // Another server's claim holds its row locked until it commits: skip it and take the next.
      const sql = `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.status = 'queued' AND r.sweep = 0 AND r.job_id IS NULL ORDER BY r.seq LIMIT 1 FOR UPDATE SKIP LOCKED`;
      const found = (await c.query(sql)).rows[0] as RawRun | undefined;
      const next = found && toRow(found);
      if (!next || (fits && !fits(next)) || !(await this.move(c, next.id, ["queued"], { status: "running", owner }))) return undefined;
      return this.get(next.id, c);
    });
  }

  async runningIds(executor?: string): Promise<string[]> {
    const rows = (await this.pool.query("SELECT id, executor FROM runs WHERE status = 'running' AND sweep = 0 ORDER BY seq")).rows as { id: string; executor: string | null }[];
    return rows.filter((r) => executor === undefined || (r.executor ?? "local") === executor).map((r) => r.id);
  }

  async orphans(me: string, staleBefore: number): Promise<{ id: string; owner: string | null }[]> {
    const stale = Number.isFinite(staleBefore) ? staleBefore : Number.MAX_SAFE_INTEGER;
    const sql = `SELECT id, owner FROM runs r WHERE (r.status = 'running' OR (r.status = 'queued' AND r.job_id IS NOT NULL)) AND r.sweep = 0 AND (r.owner IS NULL OR r.owner <> $1)
      AND NOT EXISTS (SELECT 1 FROM servers s WHERE s.id = r.owner AND s.heartbeat_at >= $2) ORDER BY r.seq`;
    return (await this.pool.query(sql, [me, stale])).rows as { id: string; owner: string | null }[];
  }

  async adopt(id: string, from: string | null, to: string): Promise<boolean> {
    const r = await this.pool.query("UPDATE runs SET owner = $3 WHERE id = $1 AND (status = 'running' OR (status = 'queued' AND job_id IS NOT NULL)) AND owner IS NOT DISTINCT FROM $2", [id, from, to]);
    return r.rowCount === 1;
  }

  async setExecution(id: string, e: ExecutionInfo): Promise<void> {
    await transaction(this.pool, async (c) => {
      const x = pickExecution(await this.get(id, c, "FOR UPDATE OF r"), e);
      await c.query("UPDATE runs SET executor = $2, job_id = $3, job_state = $4, owner = $5 WHERE id = $1", [id, x.executor, x.jobId, x.jobState, x.owner]);
    });
  }

  /** store/runs.ts's move, with the run's row locked for the transaction (and its sweep parent's, before counting). */
  private async move(c: pg.PoolClient, id: string, from: readonly RunStatus[], change: StatusChange): Promise<boolean> {
    const found = (await c.query(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = $1 FOR UPDATE`, [id])).rows[0] as RawRun | undefined;
    if (!found || !from.includes(found.status as RunStatus)) return false;
    const run = toRow(found);
    const now = Date.now();
    const terminal = change.status !== "queued" && change.status !== "running";
    const next = { ...run, ...change };
    const x = pickExecution(run, change);
    await c.query(
      `UPDATE runs SET status = $2, gpu = $3, pid = $4, reason = $5, error_type = $6, traceback = $7, result = $8, repro = $9,
         started_at = $10, finished_at = $11, executor = $12, job_id = $13, job_state = $14, owner = $15 WHERE id = $1`,
      [id, next.status, next.gpu, next.pid, next.reason, next.errorType, next.traceback, json(next.result), json(next.repro),
        startedAt(run, change.status, now), terminal ? now : null, x.executor, x.jobId, x.jobState, x.owner],
    );
    if (run.parentId) {
      // Locking the parent first makes concurrent children count one after another, each seeing the others' commits.
      await c.query("SELECT id FROM runs WHERE id = $1 FOR UPDATE", [run.parentId]);
      const counts = (await c.query("SELECT status, count(*) AS n FROM runs WHERE parent_id = $1 GROUP BY status", [run.parentId])).rows as { status: RunStatus; n: number }[];
      const status = parentStatus(counts);
      const done = status !== "queued" && status !== "running";
      await c.query("UPDATE runs SET status = $1, finished_at = $2 WHERE id = $3", [status, done ? now : null, run.parentId]);
    }
    await c.query(
      `UPDATE experiments SET last_status = (SELECT status FROM runs WHERE id = $1), updated_at = $2 WHERE id = $3 AND last_run_id = $1`,
      [run.parentId ?? id, now, run.experimentId],
    );
    return true;
  }
}
