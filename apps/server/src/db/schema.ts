import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Drizzle's view of the tables created by the SQL files in ./migrations (the migrations are the
// source of truth for DDL; this file must match them).

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
});

export const metrics = sqliteTable("metrics", {
  runId: text("run_id").notNull(),
  key: text("key").notNull(),
  step: integer("step").notNull(),
  value: real("value").notNull(),
  t: real("t").notNull(),
});

export const events = sqliteTable("events", {
  runId: text("run_id").notNull(),
  seq: integer("seq").notNull(),
  type: text("type").notNull(),
  data: text("data").notNull(),
});

export const artifacts = sqliteTable("artifacts", {
  runId: text("run_id").notNull(),
  name: text("name").notNull(),
  path: text("path").notNull(),
  kind: text("kind"),
  bytes: integer("bytes"),
  createdAt: integer("created_at").notNull(),
});

export const summaries = sqliteTable("summaries", {
  runId: text("run_id").notNull(),
  experimentId: text("experiment_id").notNull(),
  key: text("key").notNull(),
  value: real("value").notNull(),
});

export interface RunProgress {
  stage: string;
  current: number;
  total: number;
  message?: string;
}

export type ExperimentRow = typeof experiments.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
