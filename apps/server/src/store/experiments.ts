import type { ExperimentConfig, ExperimentListInput } from "@ws2s/schema";
import { eq } from "drizzle-orm";
import type Database from "better-sqlite3";
import type { Db } from "../db/open.js";
import { experiments, type ExperimentRow } from "../db/schema.js";
import { notFound } from "../errors.js";
import { newId } from "../ids.js";

export function createExperiment(db: Db, config: ExperimentConfig, clonedFrom: string | null = null): ExperimentRow {
  const now = Date.now();
  const row: ExperimentRow = {
    id: newId("exp"),
    name: config.name,
    kind: config.kind,
    description: config.description,
    tags: config.tags,
    config: config as unknown as Record<string, unknown>,
    archived: false,
    clonedFrom,
    lastRunId: null,
    lastStatus: null,
    createdAt: now,
    updatedAt: now,
  };
  db.insert(experiments).values(row).run();
  return row;
}

export function getExperiment(db: Db, id: string): ExperimentRow {
  const row = db.select().from(experiments).where(eq(experiments.id, id)).get();
  if (!row) throw notFound("experiment", id);
  return row;
}

export function setArchived(db: Db, id: string, archived: boolean): ExperimentRow {
  getExperiment(db, id);
  db.update(experiments).set({ archived, updatedAt: Date.now() }).where(eq(experiments.id, id)).run();
  return getExperiment(db, id);
}

export interface ExperimentListItem {
  id: string;
  name: string;
  kind: string;
  description: string;
  tags: string[];
  archived: boolean;
  lastRunId: string | null;
  lastStatus: string | null;
  runCount: number;
  createdAt: number;
  /** The sort metric's best value over the experiment's runs (null when sorting by creation). */
  sortValue: number | null;
}

type Row = Omit<ExperimentListItem, "tags" | "archived" | "sortValue"> & { tags: string; archived: number; sort_value: number | null };

type ListInput = Required<Pick<ExperimentListInput, "includeArchived" | "sortBy" | "order" | "limit">> &
  Pick<ExperimentListInput, "text" | "tag" | "status" | "cursor">;

/**
 * Lists experiments, filtered by text, tag and latest-run status, sorted by creation time or by a
 * stored summary metric (e.g. "pgr/edl": best value over the experiment's runs; missing sorts last).
 * The cursor is the offset of the next page.
 */
export function listExperiments(sqlite: Database.Database, input: ListInput): { items: ExperimentListItem[]; nextCursor: string | null } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (!input.includeArchived) where.push("e.archived = 0");
  if (input.text) {
    where.push("(e.name LIKE @text ESCAPE '\\' OR e.description LIKE @text ESCAPE '\\')");
    params.text = `%${input.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  if (input.tag) {
    where.push("EXISTS (SELECT 1 FROM json_each(e.tags) WHERE json_each.value = @tag)");
    params.tag = input.tag;
  }
  if (input.status) {
    where.push("e.last_status = @status");
    params.status = input.status;
  }
  const dir = input.order === "asc" ? "ASC" : "DESC";
  const offset = Math.max(0, Number.parseInt(input.cursor ?? "0", 10) || 0);
  const filter = where.length ? `AND ${where.join(" AND ")}` : "";
  const columns = `e.id, e.name, e.kind, e.description, e.tags, e.archived, e.last_run_id AS lastRunId,
      e.last_status AS lastStatus, e.created_at AS createdAt,
      (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS runCount`;
  const want = input.limit + 1;
  let rows: Row[];
  if (input.sortBy === "created") {
    rows = sqlite
      .prepare(`SELECT ${columns}, NULL AS sort_value FROM experiments e WHERE 1 ${filter} ORDER BY e.created_at ${dir}, e.id ${dir} LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: want, offset }) as Row[];
  } else {
    // Experiments with the metric come first, best first (walking the (key, value) index); the rest follow, newest first.
    const col = input.order === "asc" ? "min_value" : "max_value";
    const p = { ...params, sortKey: input.sortBy };
    rows = sqlite
      .prepare(
        `SELECT ${columns}, m.${col} AS sort_value FROM experiment_metrics m JOIN experiments e ON e.id = m.experiment_id
         WHERE m.key = @sortKey ${filter} ORDER BY m.${col} ${dir}, e.id LIMIT @limit OFFSET @offset`,
      )
      .all({ ...p, limit: want, offset }) as Row[];
    if (rows.length < want) {
      const ranked = sqlite
        .prepare(`SELECT count(*) FROM experiment_metrics m JOIN experiments e ON e.id = m.experiment_id WHERE m.key = @sortKey ${filter}`)
        .pluck()
        .get(p) as number;
      const rest = sqlite
        .prepare(
          `SELECT ${columns}, NULL AS sort_value FROM experiments e
           WHERE NOT EXISTS (SELECT 1 FROM experiment_metrics m WHERE m.experiment_id = e.id AND m.key = @sortKey) ${filter}
           ORDER BY e.created_at DESC, e.id DESC LIMIT @limit OFFSET @offset`,
        )
        .all({ ...p, limit: want - rows.length, offset: Math.max(0, offset - ranked) }) as Row[];
      rows = [...rows, ...rest];
    }
  }
  const page = rows.slice(0, input.limit).map(({ sort_value, ...r }) => ({
    ...r,
    tags: JSON.parse(r.tags) as string[],
    archived: r.archived === 1,
    sortValue: sort_value,
  }));
  return { items: page, nextCursor: rows.length > input.limit ? String(offset + input.limit) : null };
}
