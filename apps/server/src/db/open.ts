import Database from "better-sqlite3";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/** Opens (creating if needed) the SQLite file in WAL mode and applies pending migrations. */
export function openDb(path: string): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  migrate(sqlite);
  return sqlite;
}

/**
 * Applies ./migrations/NNNN_*.sql in order, each in a transaction, recording the version in
 * schema_version. Plain SQL files instead of drizzle-kit, so migrating needs no extra tooling.
 */
export function migrate(sqlite: Database.Database): number {
  sqlite.exec(SCHEMA_VERSION_TABLE);
  const row = sqlite.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number | null };
  let current = row.v ?? 0;
  for (const { version, sql } of migrations()) {
    if (version <= current) continue;
    sqlite.transaction(() => {
      sqlite.exec(sql);
      sqlite.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)").run(version, Date.now());
    })();
    current = version;
  }
  return current;
}

export const SCHEMA_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";

/** The migrations, oldest first: ./migrations/NNNN_*.sql, written in SQLite's dialect. */
export function migrations(): { version: number; sql: string }[] {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort();
  return files.map((file) => ({ version: Number(file.slice(0, 4)), sql: readFileSync(join(MIGRATIONS_DIR, file), "utf8") }));
}

/**
 * A migration in PostgreSQL's dialect: the same files, with SQLite's storage words mapped (INTEGER
 * holds milliseconds since the epoch, so BIGINT; REAL is a double; WITHOUT ROWID has no meaning).
 */
export function toPostgres(sql: string): string {
  return sql
    .replace(/\)\s*WITHOUT ROWID/g, ")")
    .replace(/\bINTEGER\b/g, "BIGINT")
    .replace(/\bREAL\b/g, "DOUBLE PRECISION");
}
