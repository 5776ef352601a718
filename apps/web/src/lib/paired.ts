// Paired differences between two runs, seed by seed: what compare shows beside the scores. With the
// same seeds the runs share their data splits and weak models, so the per-seed difference removes
// that shared variation; its mean gets a Student-t interval (none with fewer than two seeds).

/** Two-sided 95% Student-t quantiles t(0.975, df) for df = 1…30; beyond, the normal 1.96 (within 2%). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function t975(df: number): number {
  return df >= 1 && df <= 30 ? (T975[df - 1] as number) : 1.96;
}

export interface Paired {
  diff: number;
  low: number | null;
  high: number | null;
  /** Seeds both runs have a value for. */
  n: number;
}

/** other − base over the seeds both have (matched by seed number); null when they share none. */
export function pairedDiff(base: { seeds: number[]; perSeed: (number | null)[] }, other: { seeds: number[]; perSeed: (number | null)[] }): Paired | null {
  const d: number[] = [];
  base.seeds.forEach((seed, i) => {
    const j = other.seeds.indexOf(seed);
    const a = base.perSeed[i];
    const b = j < 0 ? null : other.perSeed[j];
    if (a !== null && a !== undefined && b !== null && b !== undefined) d.push(b - a);
  });
  if (d.length === 0) return null;
  const mean = d.reduce((x, y) => x + y, 0) / d.length;
  if (d.length < 2) return { diff: mean, low: null, high: null, n: 1 };
  const sd = Math.sqrt(d.reduce((x, y) => x + (y - mean) ** 2, 0) / (d.length - 1));
  const half = (t975(d.length - 1) * sd) / Math.sqrt(d.length);
  return { diff: mean, low: mean - half, high: mean + half, n: d.length };
}
