import type { Ws2sEvent } from "@ws2s/schema";
import type Database from "better-sqlite3";
import { EventStore } from "./events.js";
import { ExperimentStore } from "./experiments.js";
import { IngestWriter } from "./ingest.js";
import { MetricReader } from "./metrics.js";
import { RunStore } from "./runs.js";
import { summaryWriter } from "./summaries.js";

export const INTERRUPTED = "the server stopped while this run was executing; retry it";

/**
 * Every SQL statement of the server lives under store/, written one way: better-sqlite3 prepared
 * statements (prepared once per connection), with rows typed by db/schema.ts. Routers, the queue and
 * the CLI reach the database only through this.
 */
export class Store {
  readonly experiments: ExperimentStore;
  readonly runs: RunStore;
  readonly events: EventStore;
  readonly metrics: MetricReader;
  readonly ingest: IngestWriter;
  readonly writeSummaries: (runId: string, experimentId: string, values: [string, number][]) => void;

  constructor(readonly sqlite: Database.Database) {
    this.experiments = new ExperimentStore(sqlite);
    this.runs = new RunStore(sqlite);
    this.events = new EventStore(sqlite);
    this.metrics = new MetricReader(sqlite);
    this.ingest = new IngestWriter(sqlite);
    this.writeSummaries = summaryWriter(sqlite);
  }

  /**
   * After a restart: runs recorded as running lost their runner with the previous server. Each is
   * marked interrupted (retryable) and its event stream ends with a terminal error event, so a
   * client watching it stops waiting. Returns their ids.
   */
  interruptOrphans(): string[] {
    const ids = this.runs.runningIds();
    for (const id of ids) {
      if (!this.runs.transition(id, ["running"], { status: "interrupted", reason: INTERRUPTED, pid: null })) continue;
      const last = this.events.lastOf(id);
      if (last?.type === "done" || last?.type === "error") continue;
      const end: Ws2sEvent = { type: "error", seq: (last?.seq ?? -1) + 1, t: Date.now() / 1000, error_type: "Interrupted", message: INTERRUPTED, traceback: "" };
      this.ingest.append(id, [end]);
    }
    return ids;
  }
}
