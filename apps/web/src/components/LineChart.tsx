"use client";
import { useEffect, useRef, useState } from "react";
import uPlot from "uplot";

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number | null>;
  color: string;
  dash?: number[];
  width?: number;
  /** false: left out of the legend (a seed drawn faint around its mean, a band edge). */
  legend?: boolean;
  /** Points only, no line (e.g. one test score per seed). */
  points?: boolean;
}

/** A filled band between two series (indices into `series`), e.g. mean ± s.d. over seeds. */
export interface Band {
  upper: number;
  lower: number;
  fill: string;
}

/** Aligns series that have their own x values into uPlot's [x, y1, y2, …] table. */
export function alignSeries(series: Series[]): uPlot.AlignedData {
  if (series.length === 0) return [[]];
  const first = series[0]!;
  if (series.every((s) => s.x === first.x)) return [Array.from(first.x), ...series.map((s) => Array.from(s.y))] as uPlot.AlignedData;
  return uPlot.join(series.map((s) => [Array.from(s.x), Array.from(s.y)] as uPlot.AlignedData));
}

/** A number for a tick or the hover legend: 3 significant digits, no float noise. */
export function fmtValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

export interface PlotStyle {
  /** Text colour of axes (resolved: a canvas does not know CSS variables or currentColor). */
  fg: string;
  grid: string;
}

/** uPlot options shared by every chart of the app and by the chart benchmark (so the benchmark measures these). */
export function plotOptions(p: {
  width: number;
  height: number;
  series: Pick<Series, "label" | "color" | "dash" | "width" | "points">[];
  style: PlotStyle;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  legend?: boolean;
  bands?: Band[];
  logY?: boolean;
}): uPlot.Options {
  const axis = (label: string | undefined): uPlot.Axis => ({
    label,
    stroke: p.style.fg,
    labelFont: "600 12px system-ui, sans-serif",
    grid: { stroke: p.style.grid, width: 1 },
    ticks: { stroke: p.style.grid, width: 1 },
  });
  return {
    title: p.title,
    width: p.width,
    height: p.height,
    legend: { show: p.legend ?? true, live: true },
    cursor: { points: { size: 6 } },
    scales: { x: { time: false }, y: p.logY ? { distr: 3 } : {} },
    axes: [axis(p.xLabel), { ...axis(p.yLabel), values: (_u, ticks) => ticks.map(fmtValue), size: 56 }],
    bands: p.bands?.map((b) => ({ series: [b.upper + 1, b.lower + 1] as [number, number], fill: b.fill })),
    series: [
      { label: p.xLabel ?? "x", value: (_u, v) => fmtValue(v) },
      ...p.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: s.width ?? 1.5,
        spanGaps: true,
        dash: s.dash,
        value: (_u: uPlot, v: number | null) => fmtValue(v),
        ...(s.points ? { paths: () => null, points: { show: true, size: 8, fill: s.color } } : { points: { show: false } }),
      })),
    ],
  };
}

/** The page's text and grid colours, re-read when the theme changes (the toggle or the system's). */
export function usePlotStyle(el: React.RefObject<HTMLElement | null>): PlotStyle {
  const [style, setStyle] = useState<PlotStyle>({ fg: "#888", grid: "rgba(128,128,128,0.2)" });
  useEffect(() => {
    const read = () => {
      const fg = el.current ? getComputedStyle(el.current).color : "#888";
      setStyle((s) => (s.fg === fg ? s : { fg, grid: "rgba(128,128,128,0.2)" }));
    };
    read();
    const mo = new MutationObserver(read);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    const mq = window.matchMedia("(prefers-color-scheme: dark)");
    mq.addEventListener("change", read);
    return () => {
      mo.disconnect();
      mq.removeEventListener("change", read);
    };
  }, [el]);
  return style;
}

interface Props {
  series: Series[];
  bands?: Band[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  height?: number;
  logY?: boolean;
  legend?: boolean;
}

/**
 * A uPlot line chart that keeps one plot instance and only swaps data when the series stay the same
 * (live updates do not rebuild the canvas). Width follows the container; the legend shows the values
 * under the cursor; series marked legend: false stay out of it.
 */
export function LineChart({ series, bands, title, xLabel = "step", yLabel, height = 260, logY = false, legend = true }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const style = usePlotStyle(host);
  const shape = series.map((s) => `${s.label}\u0001${s.color}\u0001${s.legend ?? true}`).join("\u0000");
  const data = (s: Series[]) => {
    const d = alignSeries(s);
    // a log axis cannot show values ≤ 0: leave them out rather than break the scale
    return logY ? (d.map((col, i) => (i === 0 ? col : (col as (number | null)[]).map((v) => (v !== null && v > 0 ? v : null)))) as uPlot.AlignedData) : d;
  };

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = () => Math.max(200, el.clientWidth);
    const u = new uPlot(plotOptions({ width: width(), height, series, style, title, xLabel, yLabel, legend, bands, logY }), data(series), el);
    series.forEach((s, i) => {
      if (s.legend === false) (u.root.querySelectorAll(".u-legend .u-series")[i + 1] as HTMLElement | undefined)?.style.setProperty("display", "none");
    });
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: width(), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuild only when the set of series, the layout or the theme changes; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, title, height, xLabel, yLabel, legend, logY, style, bands?.length]);

  useEffect(() => {
    plot.current?.setData(data(series));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series]);

  return <div ref={host} className="chart" role="img" aria-label={title ?? "chart"} />;
}
