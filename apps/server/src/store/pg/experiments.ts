import type { ExperimentConfig } from "@ws2s/schema";
import type pg from "pg";
import type { ExperimentRow } from "../../db/schema.js";
import { notFound } from "../../errors.js";
import { newExperimentRow, toListItem, type ExperimentListItem, type ExperimentListQuery, type ListRow } from "../experiments.js";

const COLUMNS = `id, name, kind, description, tags, config, archived, cloned_from AS "clonedFrom", last_run_id AS "lastRunId",
  last_status AS "lastStatus", created_at AS "createdAt", updated_at AS "updatedAt"`;

const LISTED = `e.id, e.name, e.kind, e.description, e.tags, e.archived, e.last_run_id AS "lastRunId",
  e.last_status AS "lastStatus", e.created_at AS "createdAt",
  (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS "runCount"`;

type Raw = Omit<ExperimentRow, "tags" | "config" | "archived"> & { tags: string; config: string; archived: number };

/** Experiments in PostgreSQL: the same operations and list semantics as store/experiments.ts. */
export class PgExperimentStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(config: ExperimentConfig, clonedFrom: string | null = null): Promise<ExperimentRow> {
    const row = newExperimentRow(config, clonedFrom);
    const now = row.createdAt;
    await this.pool.query(
      `INSERT INTO experiments (id, name, kind, description, tags, config, archived, cloned_from, last_run_id, last_status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 0, $7, NULL, NULL, $8, $8)`,
      [row.id, row.name, row.kind, row.description, JSON.stringify(row.tags), JSON.stringify(row.config), clonedFrom, now],
    );
    return row;
  }

  async get(id: string): Promise<ExperimentRow> {
    const r = (await this.pool.query(`SELECT ${COLUMNS} FROM experiments WHERE id = $1`, [id])).rows[0] as Raw | undefined;
    if (!r) throw notFound("experiment", id);
    return { ...r, tags: JSON.parse(r.tags) as string[], config: JSON.parse(r.config) as Record<string, unknown>, archived: r.archived === 1 };
  }

  async setArchived(id: string, archived: boolean): Promise<ExperimentRow> {
    await this.get(id);
    await this.pool.query("UPDATE experiments SET archived = $1, updated_at = $2 WHERE id = $3", [archived ? 1 : 0, Date.now(), id]);
    return this.get(id);
  }

  /** See ExperimentStore.list (text matches case-insensitively there, as SQLite's LIKE does: ILIKE here). */
  async list(input: ExperimentListQuery): Promise<{ items: ExperimentListItem[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (!input.includeArchived) where.push("e.archived = 0");
    if (input.text) {
      const text = p(`%${input.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(e.name ILIKE ${text} ESCAPE '\\' OR e.description ILIKE ${text} ESCAPE '\\')`);
    }
    if (input.tag) where.push(`EXISTS (SELECT 1 FROM json_array_elements_text(e.tags::json) t WHERE t = ${p(input.tag)})`);
    if (input.status) where.push(`e.last_status = ${p(input.status)}`);
    const dir = input.order === "asc" ? "ASC" : "DESC";
    const offset = Math.max(0, Number.parseInt(input.cursor ?? "0", 10) || 0);
    const filter = where.length ? `AND ${where.join(" AND ")}` : "";
    const want = input.limit + 1;
    const q = async (sql: string, extra: unknown[]) => (await this.pool.query(sql, [...params, ...extra])).rows as ListRow[];
    const n = params.length;
    let rows: ListRow[];
    if (input.sortBy === "created") {
      rows = await q(`SELECT ${LISTED}, NULL AS sort_value FROM experiments e WHERE TRUE ${filter}
        ORDER BY e.created_at ${dir}, e.id ${dir} LIMIT $${n + 1} OFFSET $${n + 2}`, [want, offset]);
    } else {
      const col = input.order === "asc" ? "min_value" : "max_value";
      rows = await q(`SELECT ${LISTED}, m.${col} AS sort_value FROM experiment_metrics m JOIN experiments e ON e.id = m.experiment_id
        WHERE m.key = $${n + 1} ${filter} ORDER BY m.${col} ${dir}, e.id LIMIT $${n + 2} OFFSET $${n + 3}`, [input.sortBy, want, offset]);
      if (rows.length < want) {
        const ranked = Number((await this.pool.query(`SELECT count(*) AS n FROM experiment_metrics m JOIN experiments e ON e.id = m.experiment_id
          WHERE m.key = $${n + 1} ${filter}`, [...params, input.sortBy])).rows[0].n);
        const rest = await q(`SELECT ${LISTED}, NULL AS sort_value FROM experiments e
          WHERE NOT EXISTS (SELECT 1 FROM experiment_metrics m WHERE m.experiment_id = e.id AND m.key = $${n + 1}) ${filter}
          ORDER BY e.created_at DESC, e.id DESC LIMIT $${n + 2} OFFSET $${n + 3}`, [input.sortBy, want - rows.length, Math.max(0, offset - ranked)]);
        rows = [...rows, ...rest];
      }
    }
    const page = rows.slice(0, input.limit).map(toListItem);
    return { items: page, nextCursor: rows.length > input.limit ? String(offset + input.limit) : null };
  }
}
