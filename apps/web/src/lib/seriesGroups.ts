// Metric series as a researcher reads them: one group per model (method, weak member, ceiling), its
// seeds drawn faint around their mean with a band, each group one colour, each metric on its own x.
// Pure functions on the series the server returns, so they are tested without a browser.

export interface RawSeries {
  key: string;
  points: { step: number; value: number }[];
}

/** How a metric's x axis counts: optimizer steps, epochs (validation), or seeds (test scores). */
export type XKind = "step" | "epoch" | "seed";

export interface SeedSeries {
  seed: number | null;
  x: number[];
  y: number[];
}

export interface Group {
  /** What the legend says: "edl", "weak bow", "ceiling". */
  label: string;
  seeds: SeedSeries[];
}

export interface Chart {
  /** The metric: "train_loss", "val_agreement", "test accuracy". */
  name: string;
  x: XKind;
  groups: Group[];
}

const SEED = /^seed(\d+)$/;

/**
 * "student/edl/seed0/train_loss" → chart "train_loss", group "edl", seed 0;
 * "test/edl/accuracy" (step = seed index) → chart "test accuracy", group "edl", one point per seed.
 */
export function parseKey(key: string): { chart: string; group: string; seed: number | null; x: XKind } {
  const parts = key.split("/");
  const metric = parts.pop() ?? key;
  if (parts[0] === "test") return { chart: `test ${metric}`, group: parts.slice(1).join(" ") || "test", seed: null, x: "seed" };
  let seed: number | null = null;
  const rest = parts.filter((p) => {
    const m = SEED.exec(p);
    if (m) seed = Number(m[1]);
    return !m;
  });
  if (rest[0] === "student") rest.shift();
  return { chart: metric, group: rest.join(" ") || metric, seed, x: metric.startsWith("val_") ? "epoch" : "step" };
}

/** Series grouped into charts (losses first, then by name; test scores last) and groups (in order of first appearance). */
export function groupSeries(series: readonly RawSeries[]): Chart[] {
  const charts = new Map<string, Chart>();
  for (const s of series) {
    const k = parseKey(s.key);
    const chart = charts.get(k.chart) ?? { name: k.chart, x: k.x, groups: [] };
    charts.set(k.chart, chart);
    let group = chart.groups.find((g) => g.label === k.group);
    if (!group) chart.groups.push((group = { label: k.group, seeds: [] }));
    group.seeds.push({ seed: k.seed, x: s.points.map((p) => p.step), y: s.points.map((p) => p.value) });
  }
  const rank = (c: Chart) => (c.x === "seed" ? 2 : c.name.includes("loss") ? 0 : 1);
  return [...charts.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** Exponential moving average (TensorBoard's smoothing): weight 0 leaves the values as they are. */
export function smooth(y: readonly number[], weight: number): number[] {
  if (weight <= 0) return [...y];
  let s: number | null = null;
  return y.map((v) => (s = s === null ? v : weight * s + (1 - weight) * v));
}

export interface Summary {
  x: number[];
  mean: number[];
  /** mean ± one standard deviation over the seeds that have a value at x (equal to the mean with one seed). */
  low: number[];
  high: number[];
}

/** Mean and ±1 s.d. band over seeds, at every x any seed has. */
export function summarise(seeds: readonly SeedSeries[]): Summary {
  const at = new Map<number, number[]>();
  for (const s of seeds) s.x.forEach((x, i) => at.set(x, [...(at.get(x) ?? []), s.y[i] as number]));
  const xs = [...at.keys()].sort((a, b) => a - b);
  const out: Summary = { x: xs, mean: [], low: [], high: [] };
  for (const x of xs) {
    const v = at.get(x)!;
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
    out.mean.push(mean);
    out.low.push(mean - sd);
    out.high.push(mean + sd);
  }
  return out;
}

// Tableau 10, then hues a golden angle apart: colours stay distinct past ten groups instead of repeating.
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** The i-th categorical colour, as an `hsl()`/hex string; `alpha` < 1 gives its translucent form. */
export function groupColor(i: number, alpha = 1): string {
  if (i < PALETTE.length) {
    const hex = PALETTE[i] as string;
    if (alpha >= 1) return hex;
    const [r, g, b] = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const hue = Math.round(((i - PALETTE.length) * 137.508 + 20) % 360);
  return `hsla(${hue}, 62%, 46%, ${alpha})`;
}

/** Dash patterns that tell overlaid runs apart (with the run's name in the legend). */
export const RUN_DASH: (number[] | undefined)[] = [undefined, [7, 4], [2, 3], [10, 3, 2, 3], [4, 2, 4, 6]];
