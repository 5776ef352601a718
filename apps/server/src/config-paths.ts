// Dotted-path access into plain JSON configs, the cartesian product behind sweeps, and config diffs.

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A deep copy of `config` with `value` at the dotted `path` (intermediate objects created). */
export function setAt(config: Json, path: string, value: Json): Json {
  const [head, ...rest] = path.split(".");
  const key = head as string;
  const base: Json = Array.isArray(config) ? [...config] : isObject(config) ? { ...config } : {};
  const container = base as Record<string, Json>;
  const child = container[key];
  container[key] = rest.length === 0 ? structuredClone(value) : setAt(child, rest.join("."), value);
  return base;
}

/** Applies every dotted-path override in order. */
export function applyOverrides(config: Json, overrides: Record<string, Json>): Json {
  return Object.entries(overrides).reduce((c, [path, value]) => setAt(c, path, value), config);
}

/** The cartesian product of a sweep: {a: [1, 2], b: [x]} → [{a: 1, b: x}, {a: 2, b: x}]. */
export function cartesian(sweep: Record<string, readonly Json[]>): Record<string, Json>[] {
  return Object.entries(sweep).reduce<Record<string, Json>[]>(
    (acc, [path, values]) => acc.flatMap((point) => values.map((v) => ({ ...point, [path]: v }))),
    [{}],
  );
}

export interface ConfigDifference {
  path: string;
  /** The value in each compared config, in order (undefined where absent). */
  values: Json[];
  /** Indices of the configs that lack the path (JSON turns undefined into null, which may be a real value). */
  absent?: number[];
}

/** The leaf paths where the configs differ (arrays of objects compared element by element). */
export function diffConfigs(configs: readonly Json[]): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  walk(configs, "", out);
  return out;
}

/** A list whose items are all objects with a string `name` (methods, weak members): diffed item by item, by name. */
function isNamedList(v: Json): v is Record<string, Json>[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => isObject(x) && typeof x.name === "string");
}

function walk(values: readonly Json[], path: string, out: ConfigDifference[]): void {
  if (values.every(isNamedList)) {
    // "methods[edl].params.kl_coef" rather than the whole methods list as one value
    const names = [...new Set(values.flatMap((v) => v.map((x) => x.name as string)))];
    for (const n of names) walk(values.map((v) => v.find((x) => x.name === n)), `${path}[${n}]`, out);
    return;
  }
  if (values.every(isObject)) {
    const keys = [...new Set(values.flatMap((v) => Object.keys(v as object)))].sort();
    for (const k of keys) walk(values.map((v) => (v as Record<string, Json>)[k]), path ? `${path}.${k}` : k, out);
    return;
  }
  const first = JSON.stringify(values[0]);
  if (values.some((v) => JSON.stringify(v) !== first)) {
    const absent = values.flatMap((v, i) => (v === undefined ? [i] : []));
    out.push({ path, values: [...values], ...(absent.length ? { absent } : {}) });
  }
}
