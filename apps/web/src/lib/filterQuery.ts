// The runs table's filter language: `pgr>0.3 tag:demo loss:edl status:failed free words`.
// Each term narrows the rows (all must hold); a term that is not field-op-value is a free word,
// matched case-insensitively against every column.
import type { RunRowView } from "./runRow";

type Op = ":" | "=" | ">" | ">=" | "<" | "<=";
export interface Term {
  field: string | null;
  op: Op | null;
  value: string;
}

const TERM = /^([a-z_]+)(>=|<=|:|=|>|<)(.+)$/i;

/** Fields a term may name, each read from a row (numbers compare numerically, text by substring). */
const FIELDS: Record<string, (r: RunRowView) => string | number | null> = {
  pgr: (r) => r.pgr,
  weak: (r) => r.weak,
  ceiling: (r) => r.ceiling,
  acc: (r) => r.bestAcc,
  tag: (r) => r.tags,
  loss: (r) => r.losses,
  method: (r) => r.methods,
  status: (r) => r.status,
  name: (r) => r.name,
  task: (r) => r.task,
  kind: (r) => r.kind,
  id: (r) => r.id,
};

export function parseFilter(text: string): Term[] {
  return text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => {
      const m = TERM.exec(word);
      if (m && (m[1] as string).toLowerCase() in FIELDS) return { field: (m[1] as string).toLowerCase(), op: m[2] as Op, value: m[3] as string };
      return { field: null, op: null, value: word };
    });
}

/** Terms whose field is unknown are free words, so a typo narrows instead of being ignored silently. */
export function matches(row: RunRowView, terms: Term[], everything: (r: RunRowView) => string): boolean {
  return terms.every((t) => {
    if (t.field === null) return everything(row).toLowerCase().includes(t.value.toLowerCase());
    const v = FIELDS[t.field]!(row);
    if (v === null || v === undefined) return false;
    const n = Number(t.value);
    if (typeof v === "number" && Number.isFinite(n)) {
      if (t.op === ">") return v > n;
      if (t.op === ">=") return v >= n;
      if (t.op === "<") return v < n;
      if (t.op === "<=") return v <= n;
      return v === n;
    }
    const hay = String(v).toLowerCase();
    const needle = t.value.toLowerCase();
    if (t.op === "=") return hay.split(/,\s*/).includes(needle) || hay === needle;
    return hay.includes(needle);
  });
}
