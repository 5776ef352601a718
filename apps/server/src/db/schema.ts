import { integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// The typed model of the tables the SQL files in ./migrations create (the migrations are the source
// of truth for DDL). Rows read by store/ have these types; test/schema.test.ts checks that every
// table, column, type, nullability and primary key here matches what the migrations create.

export const experiments = sqliteTable("experiments", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  kind: text("kind").notNull(),
  description: text("description").notNull(),
  tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
  config: text("config", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  archived: integer("archived", { mode: "boolean" }).notNull(),
  clonedFrom: text("cloned_from"),
  lastRunId: text("last_run_id"),
  lastStatus: text("last_status"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const runs = sqliteTable("runs", {
  id: text("id").primaryKey(),
  seq: integer("seq").notNull(),
  experimentId: text("experiment_id").notNull(),
  parentId: text("parent_id"),
  retryOf: text("retry_of"),
  status: text("status").notNull(),
  /** True for a sweep's parent, which runs no job and groups its child runs. */
  sweep: integer("sweep", { mode: "boolean" }).notNull(),
  /** The Python job the run executes; null for a sweep's parent. */
  job: text("job"),
  config: text("config", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  overrides: text("overrides", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  outDir: text("out_dir"),
  gpu: text("gpu"),
  pid: integer("pid"),
  progress: text("progress", { mode: "json" }).$type<RunProgress>(),
  reason: text("reason"),
  errorType: text("error_type"),
  traceback: text("traceback"),
  result: text("result", { mode: "json" }).$type<unknown>(),
  repro: text("repro", { mode: "json" }).$type<Record<string, unknown>>(),
  createdAt: integer("created_at").notNull(),
  startedAt: integer("started_at"),
  finishedAt: integer("finished_at"),
  /** "local" or "slurm"; null until the run starts. */
  executor: text("executor"),
  /** The engine's id for the run's job (SLURM's job id); null for local runs. */
  jobId: text("job_id"),
  /** The engine's state, e.g. "PENDING (Resources)" or "RUNNING". */
  jobState: text("job_state"),
  /** The server that started the run. */
  owner: text("owner"),
});

export const metrics = sqliteTable(
  "metrics",
  {
    runId: text("run_id").notNull(),
    key: text("key").notNull(),
    step: integer("step").notNull(),
    value: real("value").notNull(),
    t: real("t").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key, t.step] })],
);

export const events = sqliteTable(
  "events",
  {
    runId: text("run_id").notNull(),
    seq: integer("seq").notNull(),
    type: text("type").notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);

export const artifacts = sqliteTable(
  "artifacts",
  {
    runId: text("run_id").notNull(),
    name: text("name").notNull(),
    path: text("path").notNull(),
    kind: text("kind"),
    bytes: integer("bytes"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.name] })],
);

export const summaries = sqliteTable(
  "summaries",
  {
    runId: text("run_id").notNull(),
    experimentId: text("experiment_id").notNull(),
    key: text("key").notNull(),
    value: real("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] })],
);

export const metricSeries = sqliteTable(
  "metric_series",
  {
    runId: text("run_id").notNull(),
    key: text("key").notNull(),
    n: integer("n").notNull(),
    minStep: integer("min_step").notNull(),
    maxStep: integer("max_step").notNull(),
    lastStep: integer("last_step").notNull(),
    lastValue: real("last_value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] })],
);

export const metricRollups = sqliteTable(
  "metric_rollups",
  {
    runId: text("run_id").notNull(),
    key: text("key").notNull(),
    level: integer("level").notNull(),
    bucket: integer("bucket").notNull(),
    n: integer("n").notNull(),
    minStep: integer("min_step").notNull(),
    minValue: real("min_value").notNull(),
    maxStep: integer("max_step").notNull(),
    maxValue: real("max_value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key, t.level, t.bucket] })],
);

export const experimentMetrics = sqliteTable(
  "experiment_metrics",
  {
    experimentId: text("experiment_id").notNull(),
    key: text("key").notNull(),
    maxValue: real("max_value").notNull(),
    minValue: real("min_value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.experimentId, t.key] })],
);

export const servers = sqliteTable("servers", {
  id: text("id").primaryKey(),
  host: text("host").notNull(),
  pid: integer("pid").notNull(),
  startedAt: integer("started_at").notNull(),
  heartbeatAt: integer("heartbeat_at").notNull(),
});

export const schemaVersion = sqliteTable("schema_version", {
  version: integer("version").primaryKey(),
  appliedAt: integer("applied_at").notNull(),
});

export interface RunProgress {
  stage: string;
  current: number;
  total: number;
  message?: string;
}

export type ExperimentRow = typeof experiments.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
