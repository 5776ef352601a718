import type { ExperimentConfig, RunStatus, Ws2sEvent } from "@ws2s/schema";
import type { ExperimentRow, RunRow } from "../db/schema.js";
import type { ExperimentListQuery, ExperimentListItem } from "./experiments.js";
import type { SeriesQuery, SeriesView } from "./metrics.js";
import type { NamedRun, NewRun, RunFilter, StatusChange } from "./runs.js";

export const INTERRUPTED = "the server stopped while this run was executing; retry it";

export interface ReportedArtifact {
  runId: string;
  name: string;
  path: string;
  kind: string | null;
  bytes: number | null;
  createdAt: number;
}

/**
 * The server's storage, as routers, the queue and the CLI see it: one async interface with two
 * implementations, SQLite (store/sqlite.ts, the embedded default) and PostgreSQL (store/pg/), so
 * nothing above this knows which database it talks to.
 */
export interface Store {
  /** "sqlite" or "postgres". */
  readonly dialect: "sqlite" | "postgres";
  /**
   * True when one server at a time uses the database (SQLite, under db/lease.ts): any run recorded as
   * running by another server is an orphan. False when servers share it (PostgreSQL): a run is an
   * orphan only once its server stops heartbeating.
   */
  readonly exclusive: boolean;
  readonly servers: {
    /** Records that a server is alive now. */
    beat(s: { id: string; host: string; pid: number }): Promise<void>;
    remove(id: string): Promise<void>;
  };
  readonly experiments: {
    create(config: ExperimentConfig, clonedFrom?: string | null): Promise<ExperimentRow>;
    get(id: string): Promise<ExperimentRow>;
    setArchived(id: string, archived: boolean): Promise<ExperimentRow>;
    list(input: ExperimentListQuery): Promise<{ items: ExperimentListItem[]; nextCursor: string | null }>;
  };
  readonly runs: {
    get(id: string): Promise<RunRow>;
    getMany(ids: readonly string[]): Promise<RunRow[]>;
    list(f: RunFilter): Promise<{ items: RunRow[]; nextCursor: string | null }>;
    listNamed(limit: number): Promise<NamedRun[]>;
    insertRun(r: NewRun): Promise<RunRow>;
    /** Moves a run to `change.status` only from one of `from`; false when it was not in one. */
    transition(id: string, from: readonly RunStatus[], change: StatusChange): Promise<boolean>;
    /**
     * Claims the oldest queued run that executes a job: moves it to running (by `owner`) and returns
     * it, atomically, so that no two servers on one database ever start the same run. When `fits`
     * says the oldest run cannot start here yet, nothing is claimed (no younger run overtakes it).
     */
    claimNext(owner: string, fits?: (run: RunRow) => boolean): Promise<RunRow | undefined>;
    /** Ids of runs recorded as running a job, optionally only those of one executor. */
    runningIds(executor?: string): Promise<string[]>;
    /**
     * Running runs (that execute a job) whose owner is not `me` and has not heartbeaten since
     * `staleBefore` (ms since the epoch; +Infinity: any other owner).
     */
    orphans(me: string, staleBefore: number): Promise<{ id: string; owner: string | null }[]>;
    /** Makes `to` the owner of a running run still owned by `from`; false when another server was first. */
    adopt(id: string, from: string | null, to: string): Promise<boolean>;
    /** Records where a run executes (executor, its job id there, the engine's state) without changing its status. */
    setExecution(id: string, e: ExecutionInfo): Promise<void>;
  };
  readonly events: {
    /** A run's stored events with seq > after, oldest first. */
    after(runId: string, after: number): AsyncIterable<Ws2sEvent>;
    lastOf(runId: string): Promise<Ws2sEvent | undefined>;
    reportedArtifacts(runId: string): Promise<ReportedArtifact[]>;
  };
  readonly metrics: {
    keys(runId: string): Promise<string[]>;
    series(runId: string, key: string, q: SeriesQuery): Promise<SeriesView>;
  };
  readonly ingest: {
    /** Stores a batch of one run's events (and their metrics, artifacts, progress) in one transaction. */
    append(runId: string, events: readonly Ws2sEvent[]): Promise<void>;
  };
  /** Records a run's final numbers and keeps each experiment's best value per key current. */
  writeSummaries(runId: string, experimentId: string, values: [string, number][]): Promise<void>;
  close(): Promise<void>;
}

/** Where a run executes: its executor, the job id the engine gave it, and the engine's state. */
export interface ExecutionInfo {
  executor?: string | null;
  jobId?: string | null;
  jobState?: string | null;
  /** The server that started it (several servers may share a PostgreSQL database). */
  owner?: string | null;
}

/**
 * Marks a run interrupted (retryable) and ends its event stream with a terminal error event, so a
 * client watching it stops waiting. False when the run was no longer running.
 */
export async function interrupt(store: Store, id: string, reason = INTERRUPTED): Promise<boolean> {
  if (!(await store.runs.transition(id, ["running", "queued"], { status: "interrupted", reason, pid: null }))) return false;
  const last = await store.events.lastOf(id);
  if (last?.type === "done" || last?.type === "error") return true;
  const end: Ws2sEvent = { type: "error", seq: (last?.seq ?? -1) + 1, t: Date.now() / 1000, error_type: "Interrupted", message: reason, traceback: "" };
  await store.ingest.append(id, [end]);
  return true;
}
