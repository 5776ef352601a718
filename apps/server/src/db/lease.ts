import Database from "better-sqlite3";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";

/** Thrown when another live server holds the database's lease. */
export class DatabaseInUseError extends Error {}

/** What the holder writes beside the lock, so a refused server can say who holds it. */
interface Holder {
  pid: number;
  host: string;
  since: string;
}

/**
 * An exclusive lease on a database file, held for the life of this process: an SQLite file
 * (`<db>.lease`) locked in exclusive mode. The lock is the OS's (a POSIX record lock), so it dies
 * with the process however the process ends, and a second server, in this process or another, is
 * refused instead of running the first one's queue. `<db>.lease.json` names the holder.
 */
export class DbLease {
  private constructor(
    private readonly lock: Database.Database,
    private readonly infoPath: string,
  ) {}

  static acquire(dbPath: string): DbLease {
    const lockPath = `${dbPath}.lease`;
    const infoPath = `${lockPath}.json`;
    const lock = new Database(lockPath, { timeout: 0 });
    try {
      lock.pragma("locking_mode = EXCLUSIVE");
      lock.pragma("journal_mode = DELETE");
      // The first write takes the exclusive lock; in exclusive mode it is kept until close.
      lock.exec("CREATE TABLE IF NOT EXISTS lease (id INTEGER PRIMARY KEY, at INTEGER)");
      lock.prepare("INSERT OR REPLACE INTO lease (id, at) VALUES (1, ?)").run(Date.now());
    } catch (e) {
      lock.close();
      if ((e as { code?: string }).code !== "SQLITE_BUSY") throw e;
      throw new DatabaseInUseError(
        `the database ${dbPath} is in use by another ws2s server (${describe(infoPath)}); stop that server, or give this one another database with --db`,
      );
    }
    const holder: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    writeFileSync(infoPath, `${JSON.stringify(holder)}\n`);
    return new DbLease(lock, infoPath);
  }

  release(): void {
    if (!this.lock.open) return;
    rmSync(this.infoPath, { force: true });
    this.lock.close();
  }
}

function describe(infoPath: string): string {
  try {
    const h = JSON.parse(readFileSync(infoPath, "utf8")) as Holder;
    return `process ${h.pid} on ${h.host}, since ${h.since}`;
  } catch {
    return "a process that is still starting";
  }
}
