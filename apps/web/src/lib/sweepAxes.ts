// A sweep's points as axes for a parallel-coordinates plot and a scatter: each swept config path is
// an axis (numbers on a linear scale, anything else as ordered categories), and so is a score.

export interface Axis {
  name: string;
  /** Position in [0, 1] of each point's value (null: the point has no value on this axis). */
  pos: (number | null)[];
  /** Tick labels with their positions. */
  ticks: { pos: number; label: string }[];
  numeric: boolean;
}

const label = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** An axis over `values`, one per point. */
export function makeAxis(name: string, values: unknown[]): Axis {
  const present = values.filter((v) => v !== undefined && v !== null);
  const numeric = present.length > 0 && present.every((v) => typeof v === "number" && Number.isFinite(v));
  if (numeric) {
    const nums = present as number[];
    // values spread over decades (learning rates) sit on a log scale; the ticks are the values swept
    const log = Math.min(...nums) > 0 && Math.max(...nums) / Math.min(...nums) >= 20;
    const f = (v: number) => (log ? Math.log10(v) : v);
    const lo = f(Math.min(...nums));
    const hi = f(Math.max(...nums));
    const at = (v: number) => (hi === lo ? 0.5 : (f(v) - lo) / (hi - lo));
    const distinct = [...new Set(nums)].sort((a, b) => a - b);
    const marks = distinct.length <= 6 ? distinct : [Math.min(...nums), log ? 10 ** ((lo + hi) / 2) : (lo + hi) / 2, Math.max(...nums)];
    const ticks = marks.map((v) => ({ pos: at(v), label: String(Number(v.toPrecision(3))) }));
    return { name: log ? `${name} (log)` : name, numeric, pos: values.map((v) => (typeof v === "number" ? at(v) : null)), ticks };
  }
  const cats = [...new Set(present.map(label))];
  const at = (v: unknown) => (cats.length === 1 ? 0.5 : cats.indexOf(label(v)) / (cats.length - 1));
  return {
    name,
    numeric,
    pos: values.map((v) => (v === undefined || v === null ? null : at(v))),
    ticks: cats.map((c, i) => ({ pos: cats.length === 1 ? 0.5 : i / (cats.length - 1), label: c })),
  };
}

/** The swept paths of a sweep's points, in the order they first appear. */
export function sweptPaths(points: { overrides: Record<string, unknown> }[]): string[] {
  return [...new Set(points.flatMap((p) => Object.keys(p.overrides)))];
}
