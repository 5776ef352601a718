import Database from "better-sqlite3";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { migrate } from "../src/db/open.js";
import * as schema from "../src/db/schema.js";

interface Column {
  type: string;
  notNull: boolean | "pk";
  pk: number;
}

/** Each table's columns as the migrations create them (PRAGMA table_info). */
function migrated(): Record<string, Record<string, Column>> {
  const sqlite = new Database(":memory:");
  migrate(sqlite);
  const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const out: Record<string, Record<string, Column>> = {};
  for (const t of tables) {
    const cols = sqlite.prepare(`PRAGMA table_info(${t})`).all() as { name: string; type: string; notnull: number; pk: number }[];
    // A primary key column is not null either way (SQLite only reports NOT NULL when it is written out).
    out[t] = Object.fromEntries(cols.map((c) => [c.name, { type: c.type.toLowerCase(), notNull: c.pk > 0 ? "pk" : c.notnull === 1, pk: c.pk }]));
  }
  sqlite.close();
  return out;
}

/** The same, as db/schema.ts declares them to drizzle. */
function declared(): Record<string, Record<string, Column>> {
  const out: Record<string, Record<string, Column>> = {};
  for (const value of Object.values(schema)) {
    if (typeof value !== "object" || value === null || !("getSQL" in value)) continue;
    const config = getTableConfig(value as SQLiteTable);
    const keys = config.primaryKeys[0]?.columns.map((c) => c.name) ?? config.columns.filter((c) => c.primary).map((c) => c.name);
    out[config.name] = Object.fromEntries(
      config.columns.map((c) => {
        const pk = keys.indexOf(c.name) + 1;
        return [c.name, { type: c.getSQLType().toLowerCase(), notNull: pk > 0 ? "pk" : c.notNull, pk }];
      }),
    );
  }
  return out;
}

describe("db/schema.ts", () => {
  it("declares every table, column, type, nullability and primary key the migrations create", () => {
    expect(declared()).toEqual(migrated());
  });
});
