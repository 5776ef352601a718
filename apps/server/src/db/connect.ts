import type Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { ResolvedOptions } from "../options.js";
import { PgStore } from "../store/pg/store.js";
import { SqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/store.js";
import { DbLease } from "./lease.js";
import { openDb } from "./open.js";

/**
 * The server's store: PostgreSQL when a URL is given (shared; runs are claimed with row locks), else
 * the SQLite file under an exclusive lease (taken before anything reads or migrates the file, so a
 * second server never touches a live one's runs).
 */
export async function openStore(opts: ResolvedOptions): Promise<{ store: Store; sqlite?: Database.Database; release: () => void }> {
  if (opts.dbUrl) return { store: await PgStore.connect(opts.dbUrl), release: () => {} };
  if (opts.dbPath !== ":memory:") mkdirSync(dirname(opts.dbPath), { recursive: true });
  const lease = opts.dbPath === ":memory:" ? undefined : DbLease.acquire(opts.dbPath);
  try {
    const sqlite = openDb(opts.dbPath);
    return { store: new SqliteStore(sqlite), sqlite, release: () => lease?.release() };
  } catch (e) {
    lease?.release();
    throw e;
  }
}
