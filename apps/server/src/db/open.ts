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
  sqlite.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const row = sqlite.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number | null };
  let current = row.v ?? 0;
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort();
  for (const file of files) {
    const version = Number(file.slice(0, 4));
    if (version <= current) continue;
    const sql = readFileSync(join(MIGRATIONS_DIR, file), "utf8");
    sqlite.transaction(() => {
      sqlite.exec(sql);
      sqlite.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)").run(version, Date.now());
    })();
    current = version;
  }
  return current;
}
