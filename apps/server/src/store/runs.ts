import type { RunStatus } from "@ws2s/schema";
import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/open.js";
import { experiments, runs, type RunRow } from "../db/schema.js";
import { notFound } from "../errors.js";
import { newId } from "../ids.js";

export interface NewRun {
  experimentId: string;
  parentId?: string | null;
  retryOf?: string | null;
  /** null for a sweep's parent, which only groups its children. */
  job: string | null;
  config: Record<string, unknown>;
  overrides?: Record<string, unknown>;
  /** The output directory, or a function of the new run's id that gives it. */
  outDir: string | ((id: string) => string) | null;
}

export function insertRun(db: Db, r: NewRun): RunRow {
  return db.transaction((tx) => {
    const next = tx.select({ s: sql<number>`coalesce(max(${runs.seq}), 0) + 1` }).from(runs).get()?.s ?? 1;
    const id = newId("run");
    const row: RunRow = {
      id,
      seq: next,
      experimentId: r.experimentId,
      parentId: r.parentId ?? null,
      retryOf: r.retryOf ?? null,
      status: "queued",
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
    };
    tx.insert(runs).values(row).run();
    if (!row.parentId) {
      tx.update(experiments).set({ lastRunId: row.id, lastStatus: "queued", updatedAt: row.createdAt }).where(eq(experiments.id, r.experimentId)).run();
    }
    return row;
  });
}

export function getRun(db: Db, id: string): RunRow {
  const row = db.select().from(runs).where(eq(runs.id, id)).get();
  if (!row) throw notFound("run", id);
  return row;
}

export function listRuns(
  db: Db,
  f: { experimentId?: string | undefined; parentId?: string | undefined; status?: RunStatus | undefined; limit: number; cursor?: string | null | undefined },
): { items: RunRow[]; nextCursor: string | null } {
  const conds: SQL[] = [];
  if (f.experimentId) conds.push(eq(runs.experimentId, f.experimentId));
  if (f.parentId) conds.push(eq(runs.parentId, f.parentId));
  if (f.status) conds.push(eq(runs.status, f.status));
  const offset = Math.max(0, Number.parseInt(f.cursor ?? "0", 10) || 0);
  const rows = db
    .select()
    .from(runs)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(runs.seq))
    .limit(f.limit + 1)
    .offset(offset)
    .all();
  return { items: rows.slice(0, f.limit), nextCursor: rows.length > f.limit ? String(offset + f.limit) : null };
}

/** The oldest queued run that has a job (sweep parents have none). */
export function nextQueued(db: Db): RunRow | undefined {
  return db
    .select()
    .from(runs)
    .where(and(eq(runs.status, "queued"), sql`${runs.job} IS NOT NULL`))
    .orderBy(asc(runs.seq))
    .limit(1)
    .get();
}

export interface StatusChange {
  status: RunStatus;
  gpu?: string | null;
  pid?: number | null;
  reason?: string | null;
  errorType?: string | null;
  traceback?: string | null;
  result?: unknown;
  repro?: Record<string, unknown> | null;
}

/**
 * Moves a run to a new status (only from `from`, so racing transitions cannot overwrite each
 * other), stamps start/finish times, and keeps the experiment's and sweep parent's status current.
 * Returns false when the run was not in an allowed `from` status.
 */
export function transition(db: Db, id: string, from: readonly RunStatus[], change: StatusChange): boolean {
  return db.transaction((tx) => {
    const run = tx.select().from(runs).where(eq(runs.id, id)).get();
    if (!run || !from.includes(run.status as RunStatus)) return false;
    const now = Date.now();
    const terminal = change.status !== "queued" && change.status !== "running";
    tx.update(runs)
      .set({
        ...change,
        startedAt: change.status === "running" ? now : run.startedAt,
        finishedAt: terminal ? now : null,
      })
      .where(eq(runs.id, id))
      .run();
    const top = run.parentId ?? id;
    if (run.parentId) refreshParent(db, run.parentId);
    const topRun = tx.select({ status: runs.status }).from(runs).where(eq(runs.id, top)).get();
    tx.update(experiments)
      .set({ lastStatus: topRun?.status ?? change.status, updatedAt: now })
      .where(and(eq(experiments.id, run.experimentId), eq(experiments.lastRunId, top)))
      .run();
    return true;
  });
}

/** A sweep parent's status follows its children: running while any runs, then the worst outcome. */
function refreshParent(db: Db, parentId: string): void {
  const counts = db
    .select({ status: runs.status, n: sql<number>`count(*)` })
    .from(runs)
    .where(eq(runs.parentId, parentId))
    .groupBy(runs.status)
    .all();
  const n = (s: RunStatus) => counts.find((c) => c.status === s)?.n ?? 0;
  const total = counts.reduce((a, c) => a + c.n, 0);
  let status: RunStatus;
  if (n("running") > 0 || (n("queued") > 0 && n("queued") < total)) status = "running";
  else if (n("queued") === total) status = "queued";
  else if (n("failed") > 0) status = "failed";
  else if (n("interrupted") > 0) status = "interrupted";
  else if (n("cancelled") > 0) status = "cancelled";
  else status = "succeeded";
  const terminal = status !== "queued" && status !== "running";
  db.update(runs)
    .set({ status, finishedAt: terminal ? Date.now() : null })
    .where(eq(runs.id, parentId))
    .run();
}

/** After a restart: runs that were executing have lost their runner; mark them retryable. */
export function interruptOrphans(db: Db): string[] {
  const orphans = db.select({ id: runs.id }).from(runs).where(and(eq(runs.status, "running"), sql`${runs.job} IS NOT NULL`)).all();
  for (const { id } of orphans) {
    transition(db, id, ["running"], { status: "interrupted", reason: "the server stopped while this run was executing; retry it", pid: null });
  }
  return orphans.map((o) => o.id);
}
