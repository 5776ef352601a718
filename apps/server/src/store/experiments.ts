import type { ExperimentConfig, ExperimentListInput } from "@ws2s/schema";
import type Database from "better-sqlite3";
import type { ExperimentRow } from "../db/schema.js";
import { notFound } from "../errors.js";
import { newId } from "../ids.js";
import { Statements } from "./statements.js";

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

export type ListRow = Omit<ExperimentListItem, "tags" | "archived" | "sortValue"> & { tags: string; archived: number; sort_value: number | null };

export type ExperimentListQuery = Required<Pick<ExperimentListInput, "includeArchived" | "sortBy" | "order" | "limit">> &
  Pick<ExperimentListInput, "text" | "tag" | "status" | "cursor">;

const COLUMNS = `id, name, kind, description, tags, config, archived, cloned_from AS clonedFrom, last_run_id AS lastRunId,
  last_status AS lastStatus, created_at AS createdAt, updated_at AS updatedAt`;

type RawExperiment = Omit<ExperimentRow, "tags" | "config" | "archived"> & { tags: string; config: string; archived: number };

/** The row a new experiment starts as. */
export function newExperimentRow(config: ExperimentConfig, clonedFrom: string | null): ExperimentRow {
  const now = Date.now();
  return {
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
}

/** A listed row as the API returns it (tags parsed, archived a boolean, the sort value named). */
export function toListItem({ sort_value, ...r }: ListRow): ExperimentListItem {
  return { ...r, tags: JSON.parse(r.tags) as string[], archived: r.archived === 1, sortValue: sort_value };
}

/** Experiments: creation, archiving, lookups and the filtered, sorted list. */
export class ExperimentStore {
  private readonly insert: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly archive: Database.Statement;
  private readonly statements: Statements;

  constructor(sqlite: Database.Database) {
    this.statements = new Statements(sqlite);
    this.insert = sqlite.prepare(`INSERT INTO experiments (id, name, kind, description, tags, config, archived, cloned_from, last_run_id, last_status, created_at, updated_at)
      VALUES (@id, @name, @kind, @description, @tags, @config, 0, @clonedFrom, NULL, NULL, @createdAt, @updatedAt)`);
    this.byId = sqlite.prepare(`SELECT ${COLUMNS} FROM experiments WHERE id = ?`);
    this.archive = sqlite.prepare("UPDATE experiments SET archived = ?, updated_at = ? WHERE id = ?");
  }

  create(config: ExperimentConfig, clonedFrom: string | null = null): ExperimentRow {
    const row = newExperimentRow(config, clonedFrom);
    this.insert.run({ ...row, tags: JSON.stringify(row.tags), config: JSON.stringify(row.config) });
    return row;
  }

  get(id: string): ExperimentRow {
    const r = this.byId.get(id) as RawExperiment | undefined;
    if (!r) throw notFound("experiment", id);
    return { ...r, tags: JSON.parse(r.tags) as string[], config: JSON.parse(r.config) as Record<string, unknown>, archived: r.archived === 1 };
  }

  setArchived(id: string, archived: boolean): ExperimentRow {
    this.get(id);
    this.archive.run(archived ? 1 : 0, Date.now(), id);
    return this.get(id);
  }

  /**
   * Lists experiments, filtered by text, tag and latest-run status, sorted by creation time or by a
   * stored summary metric (e.g. "pgr/edl": best value over the experiment's runs; missing sorts last).
   * The cursor is the offset of the next page.
   */
  list(input: ExperimentListQuery): { items: ExperimentListItem[]; nextCursor: string | null } {
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
    let rows: ListRow[];
    if (input.sortBy === "created") {
      rows = this.statements.get(`SELECT ${columns}, NULL AS sort_value FROM experiments e WHERE 1 ${filter} ORDER BY e.created_at ${dir}, e.id ${dir} LIMIT @limit OFFSET @offset`)
        .all({ ...params, limit: want, offset }) as ListRow[];
    } else {
      // Experiments with the metric come first, best first (walking the (key, value) index); the rest follow, newest first.
      const col = input.order === "asc" ? "min_value" : "max_value";
      const p = { ...params, sortKey: input.sortBy };
      rows = this.statements.get(
        `SELECT ${columns}, m.${col} AS sort_value FROM experiment_metrics m JOIN experiments e ON e.id = m.experiment_id
         WHERE m.key = @sortKey ${filter} ORDER BY m.${col} ${dir}, e.id LIMIT @limit OFFSET @offset`,
      ).all({ ...p, limit: want, offset }) as ListRow[];
      if (rows.length < want) {
        const ranked = this.statements.get(`SELECT count(*) FROM experiment_metrics m JOIN experiments e ON e.id = m.experiment_id WHERE m.key = @sortKey ${filter}`)
          .pluck()
          .get(p) as number;
        const rest = this.statements.get(
          `SELECT ${columns}, NULL AS sort_value FROM experiments e
           WHERE NOT EXISTS (SELECT 1 FROM experiment_metrics m WHERE m.experiment_id = e.id AND m.key = @sortKey) ${filter}
           ORDER BY e.created_at DESC, e.id DESC LIMIT @limit OFFSET @offset`,
        ).all({ ...p, limit: want - rows.length, offset: Math.max(0, offset - ranked) }) as ListRow[];
        rows = [...rows, ...rest];
      }
    }
    const page = rows.slice(0, input.limit).map(toListItem);
    return { items: page, nextCursor: rows.length > input.limit ? String(offset + input.limit) : null };
  }
}
