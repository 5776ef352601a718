-- Experiments: a validated, defaults-resolved config plus what the list view filters and sorts on.
CREATE TABLE experiments (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  config TEXT NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  cloned_from TEXT,
  last_run_id TEXT,
  last_status TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX experiments_created ON experiments (created_at, id);
CREATE INDEX experiments_status ON experiments (last_status, created_at);

-- Runs: one execution of an experiment config. A sweep is a parent run (job NULL) with child runs.
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  experiment_id TEXT NOT NULL REFERENCES experiments(id),
  parent_id TEXT REFERENCES runs(id),
  retry_of TEXT REFERENCES runs(id),
  status TEXT NOT NULL,
  job TEXT,
  config TEXT NOT NULL,
  overrides TEXT NOT NULL DEFAULT '{}',
  out_dir TEXT,
  gpu TEXT,
  pid INTEGER,
  progress TEXT,
  reason TEXT,
  error_type TEXT,
  traceback TEXT,
  result TEXT,
  repro TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX runs_experiment ON runs (experiment_id, seq);
CREATE INDEX runs_parent ON runs (parent_id, seq);
CREATE INDEX runs_status ON runs (status, seq);

-- Raw metric points, clustered by (run, key, step) so a series is one contiguous range.
CREATE TABLE metrics (
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  t REAL NOT NULL,
  PRIMARY KEY (run_id, key, step)
) WITHOUT ROWID;

-- Every event a run's job emitted, by the job's own sequence number (the SSE event id).
CREATE TABLE events (
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE artifacts (
  run_id TEXT NOT NULL,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  kind TEXT,
  bytes INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

-- Final numbers per run (e.g. "pgr/edl", "acc/ceiling"), which experiment.list can sort by.
CREATE TABLE summaries (
  run_id TEXT NOT NULL,
  experiment_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX summaries_experiment_key ON summaries (experiment_id, key, value);

-- One row per metric series: its size and step range, kept up to date by ingest.
CREATE TABLE metric_series (
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  n INTEGER NOT NULL,
  min_step INTEGER NOT NULL,
  max_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  last_value REAL NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

-- Min/max envelopes of each series over step buckets of width 2^level, so downsampling a long
-- series reads a few thousand rows instead of every raw point (the raw points stay in metrics).
CREATE TABLE metric_rollups (
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  level INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  n INTEGER NOT NULL,
  min_step INTEGER NOT NULL,
  min_value REAL NOT NULL,
  max_step INTEGER NOT NULL,
  max_value REAL NOT NULL,
  PRIMARY KEY (run_id, key, level, bucket)
) WITHOUT ROWID;
