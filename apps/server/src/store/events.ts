import type Database from "better-sqlite3";
import type { Ws2sEvent } from "@ws2s/schema";

const PAGE = 500;

/** A run's stored events with seq > after, oldest first, read a page at a time. */
export function* storedEvents(sqlite: Database.Database, runId: string, after: number): Generator<Ws2sEvent> {
  const stmt = sqlite.prepare("SELECT data FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?").pluck();
  let cursor = after;
  for (;;) {
    const page = (stmt.all(runId, cursor, PAGE) as string[]).map((d) => JSON.parse(d) as Ws2sEvent);
    for (const e of page) {
      cursor = e.seq;
      yield e;
    }
    if (page.length < PAGE) return;
  }
}

export function isTerminalEvent(e: Ws2sEvent): boolean {
  return e.type === "done" || e.type === "error";
}
