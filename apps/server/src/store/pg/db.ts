import pg from "pg";
import { OptionsError } from "../../options.js";
import { redactUrl } from "../../redact.js";
import { migrations, SCHEMA_VERSION_TABLE, toPostgres } from "../../db/open.js";

/** A connection or the pool: whatever runs a query (inside a transaction, its client). */
export type Queryable = Pick<pg.PoolClient, "query">;

/** int8 (counts, BIGINT columns) as a JS number: every value ws2s stores fits in 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** Opens a pool on `url` and checks that the database answers; a failure says what to fix, without the password. */
export async function connectPool(url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000, types });
  // An idle client whose server went away must not crash the process; the next query fails instead.
  pool.on("error", (e) => process.stderr.write(`ws2s: PostgreSQL connection lost: ${redactUrl(e.message)}\n`));
  try {
    await pool.query("SELECT 1");
  } catch (e) {
    await pool.end().catch(() => undefined);
    const err = e as Error & { code?: string };
    const why = redactUrl(err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message);
    throw new OptionsError(`cannot connect to the PostgreSQL database ${redactUrl(url)} (${why}); start it, or fix the URL given to --db`);
  }
  return pool;
}

/** Runs `fn` in a transaction on one client of the pool. */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const out = await fn(c);
    await c.query("COMMIT");
    return out;
  } catch (e) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/** Lock ids for pg_advisory_xact_lock: migrating, and numbering new runs. */
export const LOCKS = { migrate: 0x7773_3273_01, runSeq: 0x7773_3273_02 } as const;

/**
 * Applies the migrations (the same files as SQLite's, in PostgreSQL's dialect) under an advisory
 * lock, so servers starting together on one database migrate it once.
 */
export async function migratePg(pool: pg.Pool): Promise<number> {
  return transaction(pool, async (c) => {
    await c.query("SELECT pg_advisory_xact_lock($1)", [LOCKS.migrate]);
    await c.query(toPostgres(SCHEMA_VERSION_TABLE));
    let current = Number((await c.query("SELECT coalesce(max(version), 0) AS v FROM schema_version")).rows[0].v);
    for (const { version, sql } of migrations()) {
      if (version <= current) continue;
      await c.query(toPostgres(sql));
      await c.query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", [version, Date.now()]);
      current = version;
    }
    return current;
  });
}
