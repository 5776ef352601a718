// Helpers over the JSON Schema that zod emits for the experiment config (z.toJSONSchema, io "input").
// The form walks this schema, so a field added to @ws2s/schema appears in the form without UI code.

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  additionalProperties?: boolean | JsonSchema;
}

export type Path = (string | number)[];
export const pathKey = (p: readonly PropertyKey[]) => p.map(String).join(".");

/** The property whose `const` tells the branches of a oneOf apart ("kind", "source"), if any. */
export function discriminator(s: JsonSchema): string | null {
  const branches = s.oneOf ?? [];
  if (branches.length === 0) return null;
  const first = branches[0]?.properties ?? {};
  return Object.keys(first).find((k) => branches.every((b) => b.properties?.[k]?.const !== undefined)) ?? null;
}

/** A record of free-form values (params): edited as JSON. */
export const isRecord = (s: JsonSchema) => s.type === "object" && !s.properties && s.additionalProperties !== false;

/** A minimal valid-looking value for a new array item or branch: its consts and required fields. */
export function skeleton(s: JsonSchema): unknown {
  if (s.const !== undefined) return s.const;
  if (s.oneOf?.[0]) return skeleton(s.oneOf[0]);
  if (s.type === "object" && s.properties) {
    const out: Record<string, unknown> = {};
    for (const k of s.required ?? []) {
      const p = s.properties[k];
      if (!p) continue;
      if (p.const !== undefined) out[k] = p.const;
      else if (p.type === "string") out[k] = p.enum?.[0] ?? "";
      else if (p.type === "array") out[k] = [];
      else if (p.type === "object") out[k] = skeleton(p);
    }
    return out;
  }
  if (s.type === "array") return [];
  return undefined;
}

/** A short human hint from the schema's bounds and default. */
export function hint(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined && Math.abs(s.minimum) < 1e15) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined && Math.abs(s.maximum) < 1e15) parts.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  if (s.default !== undefined && typeof s.default !== "object") parts.push(`default ${JSON.stringify(s.default)}`);
  return parts.join(", ");
}

export function getIn(value: unknown, path: Path): unknown {
  let v = value;
  for (const k of path) v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** Returns a copy of `value` with `path` set (undefined removes the key: the schema default applies). */
export function setIn(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const [k, ...rest] = path as [string | number, ...Path];
  const base: Record<string | number, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : value && typeof value === "object"
      ? { ...(value as Record<string, unknown>) }
      : typeof k === "number"
        ? []
        : {};
  const child = setIn((base as Record<string | number, unknown>)[k], rest, next);
  if (child === undefined && !Array.isArray(base)) delete (base as Record<string | number, unknown>)[k];
  else (base as Record<string | number, unknown>)[k] = child;
  return base;
}
