-- Where a run executes: its executor ("local", "slurm"), the engine's job id and state (SLURM's
-- PENDING/RUNNING, with its reason), and the server that started it (several servers may share a
-- PostgreSQL database; a run whose server stopped heartbeating is recovered by another).
ALTER TABLE runs ADD COLUMN executor TEXT;
ALTER TABLE runs ADD COLUMN job_id TEXT;
ALTER TABLE runs ADD COLUMN job_state TEXT;
ALTER TABLE runs ADD COLUMN owner TEXT;

CREATE TABLE servers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
