-- Best value of each summary metric per experiment (max and min over its runs), indexed by
-- (key, value) so experiment.list sorted by a metric walks the index instead of every experiment.
CREATE TABLE experiment_metrics (
  experiment_id TEXT NOT NULL,
  key TEXT NOT NULL,
  max_value REAL NOT NULL,
  min_value REAL NOT NULL,
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
CREATE INDEX experiment_metrics_max ON experiment_metrics (key, max_value);
CREATE INDEX experiment_metrics_min ON experiment_metrics (key, min_value);

INSERT INTO experiment_metrics (experiment_id, key, max_value, min_value)
  SELECT experiment_id, key, max(value), min(value) FROM summaries GROUP BY experiment_id, key;
