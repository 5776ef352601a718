// The PostgreSQL side of the server benchmarks: seeding N experiments (one run and three summary
// metrics each) with INSERT … SELECT generate_series, and two servers claiming queued runs from one
// database. Used by bench/server/run.ts --postgres.
import type pg from "pg";
import { PgStore } from "../../apps/server/src/store/pg/store.js";

const STATUSES = "(ARRAY['succeeded','failed','cancelled','succeeded'])[i % 4 + 1]";

/** N experiments, each with one run and pgr/{naive,edl,logconf} summaries, as run.ts's SQLite seed. */
export async function seedPg(pool: pg.Pool, n: number): Promise<void> {
  const config = JSON.stringify({ name: "bench", kind: "classification" });
  await pool.query(
    `INSERT INTO experiments (id, name, kind, description, tags, config, archived, last_run_id, last_status, created_at, updated_at)
     SELECT 'exp_' || i, 'experiment ' || i, 'classification', 'sweep point ' || (i % 97), '["tag' || (i % 10) || '"]', $1, 0,
       'run_' || i, ${STATUSES}, i, i FROM generate_series(0, $2::int - 1) i`,
    [config, n],
  );
  await pool.query(
    `INSERT INTO runs (id, seq, experiment_id, status, job, config, created_at)
     SELECT 'run_' || i, i + 1, 'exp_' || i, ${STATUSES}, 'run_experiment', $1, i FROM generate_series(0, $2::int - 1) i`,
    [config, n],
  );
  await pool.query(
    `INSERT INTO summaries (run_id, experiment_id, key, value)
     SELECT 'run_' || i, 'exp_' || i, 'pgr/' || m, random() FROM generate_series(0, $1::int - 1) i, unnest(ARRAY['naive', 'edl', 'logconf']) m`,
    [n],
  );
  await pool.query("INSERT INTO experiment_metrics (experiment_id, key, max_value, min_value) SELECT experiment_id, key, value, value FROM summaries");
  await pool.query("VACUUM ANALYZE");
}

/**
 * Two servers' stores (a pool each) on one database claim `runs` queued runs, `perServer` claims in
 * flight each, until none is left: claims per second, how many each got, and how many were claimed
 * twice (must be 0). This is the queue's claim (FOR UPDATE SKIP LOCKED) alone; starting a run also
 * records it as running and captures its repro information.
 */
export async function twoServersClaim(dbUrl: string, runs: number, perServer = 4): Promise<{ perSecond: number; a: number; b: number; duplicates: number }> {
  const [a, b] = [await PgStore.connect(dbUrl), await PgStore.connect(dbUrl)];
  const exp = await a.experiments.create({ name: "claims", kind: "classification", description: "", tags: [] } as never);
  await a.pool.query(
    `INSERT INTO runs (id, seq, experiment_id, status, job, config, created_at)
     SELECT 'claim_' || i, 1000000000 + i, $1, 'queued', 'x', '{}', i FROM generate_series(1, $2::int) i`,
    [exp.id, runs],
  );
  const claimed = new Map<PgStore, string[]>([[a, []], [b, []]]);
  const drain = async (store: PgStore, owner: string) => {
    for (let r = await store.runs.claimNext(owner); r; r = await store.runs.claimNext(owner)) claimed.get(store)!.push(r.id);
  };
  const t0 = performance.now();
  await Promise.all([a, b].flatMap((store, i) => Array.from({ length: perServer }, () => drain(store, `srv_${i}`))));
  const secs = (performance.now() - t0) / 1000;
  const all = [...claimed.get(a)!, ...claimed.get(b)!];
  await Promise.all([a.close(), b.close()]);
  return { perSecond: runs / secs, a: claimed.get(a)!.length, b: claimed.get(b)!.length, duplicates: all.length - new Set(all).size };
}
