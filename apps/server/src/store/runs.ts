import type { RunStatus } from "@ws2s/schema";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type { RunRow } from "../db/schema.js";
import { notFound } from "../errors.js";
import { newId } from "../ids.js";
import { Statements } from "./statements.js";
import type { ExecutionInfo } from "./store.js";

export interface NewRun {
  experimentId: string;
  parentId?: string | null;
  retryOf?: string | null;
  /** True for a sweep's parent, which runs no job and only groups its children. */
  sweep?: boolean;
  /** The Python job; null for a sweep's parent. */
  job: string | null;
  config: Record<string, unknown>;
  overrides?: Record<string, unknown>;
  /** The output directory, or a function of the new run's id that gives it. */
  outDir: string | ((id: string) => string) | null;
}

export interface StatusChange extends ExecutionInfo {
  status: RunStatus;
  gpu?: string | null;
  pid?: number | null;
  reason?: string | null;
  errorType?: string | null;
  traceback?: string | null;
  result?: unknown;
  repro?: Record<string, unknown> | null;
}

export interface RunFilter {
  experimentId?: string | undefined;
  parentId?: string | undefined;
  status?: RunStatus | undefined;
  limit: number;
  cursor?: string | null | undefined;
}

/** A fresh run with `run`'s config (a retry), its output directory `dir`/<new id>. */
export function retryOf(run: RunRow, dir: string): NewRun {
  return {
    experimentId: run.experimentId,
    parentId: run.parentId,
    retryOf: run.id,
    job: run.job,
    config: run.config,
    overrides: run.overrides,
    outDir: (id) => join(dir, id),
  };
}

/** The row a new run starts as: queued, nothing recorded yet. */
export function newRunRow(r: NewRun, id: string, seq: number): RunRow {
  return {
    id,
    seq,
    experimentId: r.experimentId,
    parentId: r.parentId ?? null,
    retryOf: r.retryOf ?? null,
    status: "queued",
    sweep: r.sweep ?? false,
    job: r.job,
    config: r.config,
    overrides: r.overrides ?? {},
    outDir: typeof r.outDir === "function" ? r.outDir(id) : r.outDir,
    gpu: null,
    pid: null,
    progress: null,
    reason: null,
    errorType: null,
    traceback: null,
    result: null,
    repro: null,
    createdAt: Date.now(),
    startedAt: null,
    finishedAt: null,
    executor: null,
    jobId: null,
    jobState: null,
    owner: null,
  };
}

/** A run row with the experiment's name, for listings (`ws2s ls`). */
export type NamedRun = RunRow & { experimentName: string };

/** A run's columns under their RunRow names (quoted: PostgreSQL folds unquoted names to lower case). */
export const RUN_COLUMNS = `r.id, r.seq, r.experiment_id AS "experimentId", r.parent_id AS "parentId", r.retry_of AS "retryOf", r.status,
  r.sweep, r.job, r.config, r.overrides, r.out_dir AS "outDir", r.gpu, r.pid, r.progress, r.reason,
  r.error_type AS "errorType", r.traceback, r.result, r.repro, r.created_at AS "createdAt",
  r.started_at AS "startedAt", r.finished_at AS "finishedAt", r.executor, r.job_id AS "jobId", r.job_state AS "jobState", r.owner`;
const COLUMNS = RUN_COLUMNS;

export type RawRun = Omit<RunRow, "sweep" | "config" | "overrides" | "progress" | "result" | "repro"> & {
  sweep: number;
  config: string;
  overrides: string;
  progress: string | null;
  result: string | null;
  repro: string | null;
};

const parse = (s: string | null): any => (s === null ? null : JSON.parse(s));
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export function toRow<T extends RawRun>(r: T): Omit<T, keyof RawRun> & RunRow {
  return { ...r, sweep: r.sweep === 1, config: parse(r.config), overrides: parse(r.overrides), progress: parse(r.progress), result: parse(r.result), repro: parse(r.repro) };
}

/** The statements of RunStore, prepared once per connection. */
function prepare(sqlite: Database.Database) {
  return {
    byId: sqlite.prepare(`SELECT ${COLUMNS} FROM runs r WHERE r.id = ?`),
    nextSeq: sqlite.prepare("SELECT coalesce(max(seq), 0) + 1 FROM runs").pluck(),
    insert: sqlite.prepare(`INSERT INTO runs (id, seq, experiment_id, parent_id, retry_of, status, sweep, job, config, overrides, out_dir, created_at)
      VALUES (@id, @seq, @experimentId, @parentId, @retryOf, 'queued', @sweep, @job, @config, @overrides, @outDir, @createdAt)`),
    touchExperiment: sqlite.prepare("UPDATE experiments SET last_run_id = ?, last_status = 'queued', updated_at = ? WHERE id = ?"),
    update: sqlite.prepare(`UPDATE runs SET status = @status, gpu = @gpu, pid = @pid, reason = @reason, error_type = @errorType,
      traceback = @traceback, result = @result, repro = @repro, started_at = @startedAt, finished_at = @finishedAt,
      executor = @executor, job_id = @jobId, job_state = @jobState, owner = @owner WHERE id = @id`),
    orphans: sqlite.prepare(`SELECT id, owner FROM runs r WHERE (r.status = 'running' OR (r.status = 'queued' AND r.job_id IS NOT NULL)) AND r.sweep = 0 AND (r.owner IS NULL OR r.owner <> @me)
      AND NOT EXISTS (SELECT 1 FROM servers s WHERE s.id = r.owner AND s.heartbeat_at >= @staleBefore) ORDER BY r.seq`),
    adopt: sqlite.prepare("UPDATE runs SET owner = @to WHERE id = @id AND (status = 'running' OR (status = 'queued' AND job_id IS NOT NULL)) AND owner IS NOT DISTINCT FROM @from"),
    execution: sqlite.prepare("UPDATE runs SET executor = @executor, job_id = @jobId, job_state = @jobState, owner = @owner WHERE id = @id"),
    topStatus: sqlite.prepare(`UPDATE experiments SET last_status = (SELECT status FROM runs WHERE id = @top), updated_at = @now
      WHERE id = @experimentId AND last_run_id = @top`),
    childCounts: sqlite.prepare("SELECT status, count(*) AS n FROM runs WHERE parent_id = ? GROUP BY status"),
    setParent: sqlite.prepare("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?"),
    queued: sqlite.prepare(`SELECT ${COLUMNS} FROM runs r WHERE r.status = 'queued' AND r.sweep = 0 AND r.job_id IS NULL ORDER BY r.seq LIMIT 1`),
    runningJobs: sqlite.prepare("SELECT id FROM runs WHERE status = 'running' AND sweep = 0 ORDER BY seq").pluck(),
    named: sqlite.prepare(`SELECT ${COLUMNS}, e.name AS experimentName FROM runs r JOIN experiments e ON e.id = r.experiment_id ORDER BY r.seq DESC LIMIT ?`),
  };
}

/** Runs: creation, status transitions (which keep the experiment's and sweep parent's status current), queries. */
export class RunStore {
  private readonly q: ReturnType<typeof prepare>;
  private readonly statements: Statements;
  readonly transition: (id: string, from: readonly RunStatus[], change: StatusChange) => boolean;
  readonly insertRun: (r: NewRun) => RunRow;
  readonly claimNext: (owner: string, fits?: (run: RunRow) => boolean) => RunRow | undefined;

  constructor(sqlite: Database.Database) {
    this.statements = new Statements(sqlite);
    this.q = prepare(sqlite);
    this.insertRun = sqlite.transaction((r: NewRun) => this.create(r));
    this.transition = sqlite.transaction((id: string, from: readonly RunStatus[], change: StatusChange) => this.move(id, from, change));
    this.claimNext = sqlite.transaction((owner: string, fits?: (run: RunRow) => boolean) => {
      const next = this.nextQueued();
      if (!next || (fits && !fits(next)) || !this.move(next.id, ["queued"], { status: "running", owner })) return undefined;
      return this.get(next.id);
    });
  }

  get(id: string): RunRow {
    const row = this.q.byId.get(id) as RawRun | undefined;
    if (!row) throw notFound("run", id);
    return toRow(row);
  }

  /** Runs by id, in the order asked; a missing id throws NOT_FOUND. */
  getMany(ids: readonly string[]): RunRow[] {
    return ids.map((id) => this.get(id));
  }

  list(f: RunFilter): { items: RunRow[]; nextCursor: string | null } {
    const where: string[] = [];
    if (f.experimentId) where.push("r.experiment_id = @experimentId");
    if (f.parentId) where.push("r.parent_id = @parentId");
    if (f.status) where.push("r.status = @status");
    const offset = Math.max(0, Number.parseInt(f.cursor ?? "0", 10) || 0);
    const sql = `SELECT ${COLUMNS} FROM runs r ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY r.seq DESC LIMIT @limit OFFSET @offset`;
    const rows = (this.statements.get(sql).all({ experimentId: f.experimentId, parentId: f.parentId, status: f.status, limit: f.limit + 1, offset }) as RawRun[]).map(toRow);
    return { items: rows.slice(0, f.limit), nextCursor: rows.length > f.limit ? String(offset + f.limit) : null };
  }

  /** The newest runs with their experiment's name. */
  listNamed(limit: number): NamedRun[] {
    return (this.q.named.all(limit) as (RawRun & { experimentName: string })[]).map(toRow);
  }

  /** The oldest queued run that executes a job (sweep parents do not). */
  nextQueued(): RunRow | undefined {
    const row = this.q.queued.get() as RawRun | undefined;
    return row && toRow(row);
  }

  /** Ids of runs recorded as running a job (after a restart: orphans of the previous server). */
  runningIds(executor?: string): string[] {
    const ids = this.q.runningJobs.all() as string[];
    return executor === undefined ? ids : ids.filter((id) => (this.get(id).executor ?? "local") === executor);
  }

  orphans(me: string, staleBefore: number): { id: string; owner: string | null }[] {
    // SQLite compares +Infinity as a REAL above every integer.
    return this.q.orphans.all({ me, staleBefore }) as { id: string; owner: string | null }[];
  }

  adopt(id: string, from: string | null, to: string): boolean {
    return this.q.adopt.run({ id, from, to }).changes === 1;
  }

  /** Records where a run executes, keeping fields left out. */
  setExecution(id: string, e: ExecutionInfo): void {
    const run = this.get(id);
    this.q.execution.run({ id, ...pickExecution(run, e) });
  }


  private create(r: NewRun): RunRow {
    const row = newRunRow(r, newId("run"), this.q.nextSeq.get() as number);
    this.q.insert.run({ ...row, sweep: row.sweep ? 1 : 0, config: JSON.stringify(row.config), overrides: JSON.stringify(row.overrides) });
    if (!row.parentId) this.q.touchExperiment.run(row.id, row.createdAt, r.experimentId);
    return row;
  }

  /**
   * Moves a run to a new status (only from `from`, so racing transitions cannot overwrite each
   * other), stamps start/finish times, and keeps the experiment's and sweep parent's status current.
   * Returns false when the run was not in an allowed `from` status. Fields not in `change` are kept.
   */
  private move(id: string, from: readonly RunStatus[], change: StatusChange): boolean {
    const raw = this.q.byId.get(id) as RawRun | undefined;
    if (!raw || !from.includes(raw.status as RunStatus)) return false;
    const run = toRow(raw);
    const now = Date.now();
    const terminal = change.status !== "queued" && change.status !== "running";
    const next = { ...run, ...change };
    this.q.update.run({
      id,
      status: next.status,
      gpu: next.gpu,
      pid: next.pid,
      reason: next.reason,
      errorType: next.errorType,
      traceback: next.traceback,
      result: json(next.result),
      repro: json(next.repro),
      startedAt: startedAt(run, change.status, now),
      finishedAt: terminal ? now : null,
      ...pickExecution(run, change),
    });
    if (run.parentId) this.refreshParent(run.parentId, now);
    this.q.topStatus.run({ top: run.parentId ?? id, now, experimentId: run.experimentId });
    return true;
  }

  private refreshParent(parentId: string, now: number): void {
    const status = parentStatus(this.q.childCounts.all(parentId) as { status: RunStatus; n: number }[]);
    const terminal = status !== "queued" && status !== "running";
    this.q.setParent.run(status, terminal ? now : null, parentId);
  }
}

/** A sweep parent's status follows its children: running while any runs, then the worst outcome. */
export function parentStatus(counts: readonly { status: RunStatus; n: number }[]): RunStatus {
  const n = (s: RunStatus) => counts.find((c) => c.status === s)?.n ?? 0;
  const total = counts.reduce((a, c) => a + Number(c.n), 0);
  if (n("running") > 0 || (n("queued") > 0 && n("queued") < total)) return "running";
  if (n("queued") === total) return "queued";
  if (n("failed") > 0) return "failed";
  if (n("interrupted") > 0) return "interrupted";
  if (n("cancelled") > 0) return "cancelled";
  return "succeeded";
}

/** A run's start time after a move: stamped when it starts, cleared when it goes back to the queue. */
export function startedAt(run: RunRow, status: RunStatus, now: number): number | null {
  if (status === "queued") return null;
  return status === "running" ? now : run.startedAt;
}

/** The execution fields after a change: those it names, the run's own for the rest. */
export function pickExecution(run: RunRow, e: ExecutionInfo): Required<ExecutionInfo> {
  return {
    executor: e.executor !== undefined ? e.executor : run.executor,
    jobId: e.jobId !== undefined ? e.jobId : run.jobId,
    jobState: e.jobState !== undefined ? e.jobState : run.jobState,
    owner: e.owner !== undefined ? e.owner : run.owner,
  };
}
