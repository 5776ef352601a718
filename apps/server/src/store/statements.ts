import type Database from "better-sqlite3";

/**
 * Prepared statements by SQL text. Queries whose filters vary (list endpoints) build a handful of
 * distinct texts; each is prepared once instead of on every call (preparing costs more than running).
 */
export class Statements {
  private readonly byText = new Map<string, Database.Statement>();

  constructor(private readonly sqlite: Database.Database) {}

  get(sql: string): Database.Statement {
    let s = this.byText.get(sql);
    if (!s) this.byText.set(sql, (s = this.sqlite.prepare(sql)));
    return s;
  }
}
