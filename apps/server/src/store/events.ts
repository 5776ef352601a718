import type Database from "better-sqlite3";
import type { Ws2sEvent } from "@ws2s/schema";

const PAGE = 500;

/** Reads a run's stored events (the SSE replay) and the artifacts its job reported. */
export class EventStore {
  private readonly page: Database.Statement;
  private readonly last: Database.Statement;
  private readonly artifacts: Database.Statement;

  constructor(sqlite: Database.Database) {
    this.page = sqlite.prepare("SELECT data FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?").pluck();
    this.last = sqlite.prepare("SELECT data FROM events WHERE run_id = ? ORDER BY seq DESC LIMIT 1").pluck();
    this.artifacts = sqlite.prepare("SELECT run_id AS runId, name, path, kind, bytes, created_at AS createdAt FROM artifacts WHERE run_id = ? ORDER BY name");
  }

  /** A run's stored events with seq > after, oldest first, read a page at a time. */
  *after(runId: string, after: number): Generator<Ws2sEvent> {
    let cursor = after;
    for (;;) {
      const page = (this.page.all(runId, cursor, PAGE) as string[]).map((d) => JSON.parse(d) as Ws2sEvent);
      for (const e of page) {
        cursor = e.seq;
        yield e;
      }
      if (page.length < PAGE) return;
    }
  }

  /** The run's last stored event, if any. */
  lastOf(runId: string): Ws2sEvent | undefined {
    const data = this.last.get(runId) as string | undefined;
    return data === undefined ? undefined : (JSON.parse(data) as Ws2sEvent);
  }

  reportedArtifacts(runId: string): { runId: string; name: string; path: string; kind: string | null; bytes: number | null; createdAt: number }[] {
    return this.artifacts.all(runId) as never;
  }
}

export function isTerminalEvent(e: Ws2sEvent): boolean {
  return e.type === "done" || e.type === "error";
}
