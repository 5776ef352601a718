import type Database from "better-sqlite3";

/** Records a run's final numbers and keeps each experiment's best value per key current. */
export function summaryWriter(sqlite: Database.Database): (runId: string, experimentId: string, values: [string, number][]) => void {
  const insert = sqlite.prepare("INSERT OR REPLACE INTO summaries (run_id, experiment_id, key, value) VALUES (?, ?, ?, ?)");
  const best = sqlite.prepare(`INSERT INTO experiment_metrics (experiment_id, key, max_value, min_value) VALUES (@experimentId, @key, @value, @value)
    ON CONFLICT (experiment_id, key) DO UPDATE SET max_value = max(max_value, excluded.max_value), min_value = min(min_value, excluded.min_value)`);
  return sqlite.transaction((runId: string, experimentId: string, values: [string, number][]) => {
    for (const [key, value] of values) {
      insert.run(runId, experimentId, key, value);
      best.run({ experimentId, key, value });
    }
  });
}
