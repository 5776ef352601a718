"use client";

export interface Bar {
  label: string;
  value: number | null;
  low?: number | null;
  high?: number | null;
  tone?: "weak" | "student" | "ceiling" | "neutral";
}

const TONE = { weak: "var(--warn)", student: "var(--accent)", ceiling: "var(--ok)", neutral: "var(--muted)" };

interface Props {
  bars: Bar[];
  title: string;
  /** Value range of the axis; defaults to [min(0, lowest), max(highest)]. */
  domain?: [number, number];
  height?: number;
  format?: (v: number) => string;
  tickFormat?: (v: number) => string;
  /** Draws y = x across the bars (the reliability diagram's perfect calibration). */
  diagonal?: boolean;
  showValues?: boolean;
}

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about five of them, 0 among them when in range. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 0.999; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** Vertical bars with CI whiskers, drawn as SVG (accessible: every bar has a <title>). */
export function Bars({ bars, title, domain, height = 220, format = (v) => v.toFixed(3), tickFormat = (v) => String(v), diagonal, showValues = true }: Props) {
  const W = Math.max(320, bars.length * 56 + 60);
  const H = height;
  const pad = { l: 44, r: 8, t: 34, b: 44 };
  const vals = bars.flatMap((b) => [b.value, b.low, b.high]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const ticks = niceTicks(...(domain ?? [Math.min(0, ...vals), Math.max(1e-9, ...vals)]));
  // the axis runs from tick to tick, so the ends are round numbers too (a given domain is kept)
  const [lo, hi] = domain ?? [ticks[0] as number, ticks[ticks.length - 1] as number];
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1));
  const bw = (W - pad.l - pad.r) / Math.max(1, bars.length);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" style={{ maxWidth: W }} role="img" aria-label={title}>
      <text x={pad.l} y={14} fontSize={12} fill="currentColor" fontWeight={600}>
        {title}
      </text>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} stroke="var(--border)" />
          <text x={pad.l - 4} y={y(t) + 4} fontSize={10} textAnchor="end" fill="var(--muted)">
            {tickFormat(t)}
          </text>
        </g>
      ))}
      {lo < 0 && hi > 0 && <line x1={pad.l} x2={W - pad.r} y1={y(0)} y2={y(0)} stroke="currentColor" strokeWidth={1.2} data-testid="zero-line" />}
      {diagonal && <line x1={pad.l} y1={y(lo)} x2={W - pad.r} y2={y(hi)} stroke="var(--muted)" strokeDasharray="4 3" />}
      {bars.map((b, i) => {
        const x = pad.l + i * bw;
        const v = b.value;
        const ok = typeof v === "number" && Number.isFinite(v);
        const base = y(Math.max(lo, Math.min(0, hi)));
        return (
          <g key={b.label + i}>
            <title>
              {b.label}: {ok ? format(v) : "n/a"}
              {b.low != null && b.high != null ? ` [${format(b.low)}, ${format(b.high)}]` : ""}
            </title>
            {ok && <rect x={x + bw * 0.15} width={bw * 0.7} y={Math.min(y(v), base)} height={Math.abs(base - y(v))} fill={TONE[b.tone ?? "student"]} opacity={0.8} />}
            {ok && b.low != null && b.high != null && (
              <g stroke="currentColor">
                <line x1={x + bw / 2} x2={x + bw / 2} y1={y(b.low)} y2={y(b.high)} />
                <line x1={x + bw * 0.35} x2={x + bw * 0.65} y1={y(b.low)} y2={y(b.low)} />
                <line x1={x + bw * 0.35} x2={x + bw * 0.65} y1={y(b.high)} y2={y(b.high)} />
              </g>
            )}
            {ok && showValues && (
              // above the whisker's top (or below a negative bar's), never across it
              <text x={x + bw / 2} y={v >= 0 ? Math.min(y(v), y(b.high ?? v)) - 4 : Math.max(y(v), y(b.low ?? v)) + 11} fontSize={10} textAnchor="middle" fill="currentColor">
                {format(v)}
              </text>
            )}
            <text x={x + bw / 2} y={H - pad.b + 14} fontSize={10.5} textAnchor="middle" fill="currentColor">
              {b.label.length > 12 ? `${b.label.slice(0, 11)}…` : b.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
