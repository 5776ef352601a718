// The PostgreSQL side of the server benchmarks: seeding N experiments (one run and three summary
// metrics each) with INSERT … SELECT generate_series, and two servers claiming queued runs from one
// database. Used by bench/server/run.ts --postgres.
import type pg from "pg";
import { createServer } from "../../apps/server/src/app.js";
import { FakeExecutor } from "../../apps/server/test/daemons/fake-executor.js";

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
 * Two servers on one database claim `runs` queued runs (jobs that finish at once, so the claim path
 * is what is measured); returns the claims per second and how many each server started.
 */
export async function twoServersClaim(dbUrl: string, runs: number, concurrency = 8): Promise<{ perSecond: number; a: number; b: number; duplicates: number }> {
  const ea = new FakeExecutor(0);
  const eb = new FakeExecutor(0);
  const opts = { dbUrl, concurrency, pollMs: 20, gpus: [] as string[] };
  const a = await createServer({ ...opts, executor: ea });
  const b = await createServer({ ...opts, executor: eb });
  const exp = await a.services.store.experiments.create({ name: "claims", kind: "classification", description: "", tags: [] } as never);
  for (let i = 0; i < runs; i++) await a.services.store.runs.insertRun({ experimentId: exp.id, job: "x", config: {}, outDir: `/tmp/ws2s-bench-claims/${i}` });
  const t0 = performance.now();
  await Promise.all([a.start(), b.start()]);
  for (;;) {
    const left = await a.services.store.runs.list({ experimentId: exp.id, status: "succeeded", limit: runs });
    if (left.items.length === runs) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const secs = (performance.now() - t0) / 1000;
  const started = [...ea.started, ...eb.started];
  await Promise.all([a.close(), b.close()]);
  return { perSecond: runs / secs, a: ea.started.length, b: eb.started.length, duplicates: started.length - new Set(started).size };
}
