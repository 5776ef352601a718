import { ExperimentConfig } from "@ws2s/schema";
import { z } from "zod";
import { pathKey, setIn, type JsonSchema, type Path } from "./jsonSchema";

/** The config's JSON Schema as the form sees it (input side: defaults optional). */
export const CONFIG_SCHEMA = z.toJSONSchema(ExperimentConfig, { io: "input", unrepresentable: "any" }) as JsonSchema;

/** Experiment kinds the schema knows ("classification", "generation", …). */
export const KINDS = new Set((CONFIG_SCHEMA.oneOf ?? []).map((b) => String(b.properties?.kind?.const)));

export interface Issue {
  path: PropertyKey[];
  message: string;
}

export function issuesToErrors(issues: readonly Issue[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const i of issues) {
    const k = pathKey(i.path);
    m.set(k, [...(m.get(k) ?? []), i.message]);
  }
  return m;
}

export type Checked = { ok: true; config: ExperimentConfig } | { ok: false; errors: Map<string, string[]>; issues: Issue[] };

export function checkConfig(value: unknown): Checked {
  const r = ExperimentConfig.safeParse(value);
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, errors: issuesToErrors(r.error.issues), issues: r.error.issues };
}

export interface SweepRow {
  path: string;
  values: string;
}

const PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*$/;

/** "a, b, 3" → ["a", "b", 3]; a JSON array is taken as is (e.g. [[0],[1]] for seeds). */
export function parseValues(text: string): unknown[] {
  const t = text.trim();
  if (t.startsWith("[")) {
    const v: unknown = JSON.parse(t);
    if (!Array.isArray(v)) throw new Error("expected a JSON array");
    return v;
  }
  return t
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => (x !== "" && Number.isFinite(Number(x)) ? Number(x) : x === "true" ? true : x === "false" ? false : x));
}

const toPath = (dotted: string): Path => dotted.split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k));

export type SweepCheck = { sweep: Record<string, unknown[]> | undefined; children: number; errors: Map<number, string> };

/**
 * Checks a sweep (dotted path → values): every path well-formed, every list non-empty, and every
 * combination a valid config, so a sweep with a bad child is refused before anything is sent.
 */
export function checkSweep(base: unknown, rows: SweepRow[]): SweepCheck {
  const errors = new Map<number, string>();
  const sweep: Record<string, unknown[]> = {};
  rows.forEach((r, i) => {
    if (!r.path.trim() && !r.values.trim()) return;
    if (!PATH_RE.test(r.path.trim())) return void errors.set(i, "path must be a dotted config path such as strong.model or seeds");
    try {
      const vals = parseValues(r.values);
      if (vals.length === 0) return void errors.set(i, "list at least one value");
      sweep[r.path.trim()] = vals;
    } catch (e) {
      errors.set(i, `values: ${(e as Error).message}`);
    }
  });
  const keys = Object.keys(sweep);
  const children = keys.length ? keys.reduce((n, k) => n * sweep[k]!.length, 1) : 0;
  if (errors.size === 0 && children > 0 && children <= 256) {
    // Validate each child config; report the first failing value on its row.
    for (const [i, r] of rows.entries()) {
      const vals = sweep[r.path.trim()];
      if (!vals) continue;
      for (const v of vals) {
        const c = checkConfig(setIn(base, toPath(r.path.trim()), v));
        if (!c.ok) {
          const first = c.issues[0];
          errors.set(i, `value ${JSON.stringify(v)}: ${first ? `${pathKey(first.path)}: ${first.message}` : "invalid"}`);
          break;
        }
      }
    }
  }
  if (children > 256) errors.set(0, `${children} child runs; at most 256`);
  return { sweep: keys.length ? sweep : undefined, children, errors };
}
