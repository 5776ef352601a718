import { openDb } from "../../src/db/open.js";
import { PgStore } from "../../src/store/pg/store.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import type { Store } from "../../src/store/store.js";
import { startPostgres, type PgCluster } from "./postgres.js";

/**
 * The two store implementations for a suite that runs against both: SQLite in memory, and a
 * database of a throwaway PostgreSQL cluster (started on first use, stopped by `stop`). When
 * PostgreSQL cannot be installed, `postgresSkip` says why (the suite prints it and skips).
 */
export class StoreFixtures {
  private cluster: PgCluster | undefined;
  postgresSkip: string | undefined;
  private n = 0;

  async setup(): Promise<void> {
    const c = await startPostgres();
    if (typeof c === "string") {
      this.postgresSkip = c;
      console.warn(`[postgres] skipping the PostgreSQL tests: ${c}`);
    } else this.cluster = c;
  }

  /** A fresh empty database's URL. */
  async dbUrl(): Promise<string> {
    if (!this.cluster) throw new Error(this.postgresSkip ?? "setup() first");
    return this.cluster.createDb(`t${process.pid}_${++this.n}`);
  }

  async open(kind: "sqlite" | "postgres"): Promise<Store> {
    return kind === "sqlite" ? new SqliteStore(openDb(":memory:")) : PgStore.connect(await this.dbUrl());
  }

  stop(): void {
    this.cluster?.stop();
  }
}
