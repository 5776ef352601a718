import type Database from "better-sqlite3";
import { EventStore } from "./events.js";
import { ExperimentStore } from "./experiments.js";
import { IngestWriter } from "./ingest.js";
import { MetricReader } from "./metrics.js";
import { RunStore } from "./runs.js";
import type { Store } from "./store.js";
import { summaryWriter } from "./summaries.js";

/**
 * The embedded store: SQLite through better-sqlite3, synchronous underneath (prepared once per
 * connection, one process per database under db/lease.ts), behind the async Store interface.
 * Every SQL statement for SQLite lives under store/, with rows typed by db/schema.ts.
 */
export class SqliteStore implements Store {
  readonly dialect = "sqlite";
  readonly exclusive = true;
  readonly servers;
  readonly experiments;
  readonly runs;
  readonly events;
  readonly metrics;
  readonly ingest;
  private readonly summaries: (runId: string, experimentId: string, values: [string, number][]) => void;

  constructor(readonly sqlite: Database.Database) {
    const experiments = new ExperimentStore(sqlite);
    const runs = new RunStore(sqlite);
    const events = new EventStore(sqlite);
    const metrics = new MetricReader(sqlite);
    const ingest = new IngestWriter(sqlite);
    this.summaries = summaryWriter(sqlite);
    const beat = sqlite.prepare(`INSERT INTO servers (id, host, pid, started_at, heartbeat_at) VALUES (@id, @host, @pid, @now, @now)
      ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`);
    const remove = sqlite.prepare("DELETE FROM servers WHERE id = ?");
    this.servers = {
      beat: async (s: { id: string; host: string; pid: number }) => void beat.run({ ...s, now: Date.now() }),
      remove: async (id: string) => void remove.run(id),
    };
    this.experiments = {
      create: async (...a: Parameters<ExperimentStore["create"]>) => experiments.create(...a),
      get: async (id: string) => experiments.get(id),
      setArchived: async (id: string, archived: boolean) => experiments.setArchived(id, archived),
      list: async (...a: Parameters<ExperimentStore["list"]>) => experiments.list(...a),
    };
    this.runs = {
      get: async (id: string) => runs.get(id),
      getMany: async (ids: readonly string[]) => runs.getMany(ids),
      list: async (...a: Parameters<RunStore["list"]>) => runs.list(...a),
      listNamed: async (limit: number) => runs.listNamed(limit),
      insertRun: async (...a: Parameters<RunStore["insertRun"]>) => runs.insertRun(...a),
      transition: async (...a: Parameters<RunStore["transition"]>) => runs.transition(...a),
      claimNext: async (...a: Parameters<RunStore["claimNext"]>) => runs.claimNext(...a),
      runningIds: async (executor?: string) => runs.runningIds(executor),
      orphans: async (me: string, staleBefore: number) => runs.orphans(me, staleBefore),
      adopt: async (id: string, from: string | null, to: string) => runs.adopt(id, from, to),
      setExecution: async (...a: Parameters<RunStore["setExecution"]>) => runs.setExecution(...a),
    };
    this.events = {
      async *after(runId: string, after: number) {
        yield* events.after(runId, after);
      },
      lastOf: async (runId: string) => events.lastOf(runId),
      reportedArtifacts: async (runId: string) => events.reportedArtifacts(runId),
    };
    this.metrics = {
      keys: async (runId: string) => metrics.keys(runId),
      series: (...a: Parameters<MetricReader["series"]>) => metrics.series(...a),
    };
    this.ingest = { append: async (runId: string, batch: Parameters<IngestWriter["append"]>[1]) => ingest.append(runId, batch) };
  }

  async writeSummaries(runId: string, experimentId: string, values: [string, number][]): Promise<void> {
    this.summaries(runId, experimentId, values);
  }

  async close(): Promise<void> {
    this.sqlite.close();
  }
}
