"use client";
import { useEffect, useRef } from "react";
import uPlot from "uplot";

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number | null>;
  dash?: boolean;
  /** Fixed colour (e.g. the same model across overlaid runs); else by position. */
  color?: string;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
export const color = (i: number) => PALETTE[i % PALETTE.length] as string;

/** Aligns series that have their own x values into uPlot's [x, y1, y2, …] table. */
export function alignSeries(series: Series[]): uPlot.AlignedData {
  if (series.length === 0) return [[]];
  const tables = series.map((s) => [Array.from(s.x), Array.from(s.y)] as uPlot.AlignedData);
  const first = series[0]!;
  const sameX = series.every((s) => s.x === first.x);
  if (sameX) return [Array.from(first.x), ...series.map((s) => Array.from(s.y))] as uPlot.AlignedData;
  return uPlot.join(tables);
}

interface Props {
  series: Series[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  height?: number;
  /** Pass pre-aligned data (skips alignSeries; for large benchmarks). */
  aligned?: uPlot.AlignedData;
  legend?: boolean;
  onReady?: (u: uPlot) => void;
}

/**
 * A uPlot line chart that keeps one plot instance and only swaps data when the series stay the same
 * (live updates do not rebuild the canvas). Width follows the container.
 */
export function LineChart({ series, title, xLabel = "step", yLabel, height = 260, aligned, legend = true, onReady }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join("\u0000");

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      title,
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: legend, live: false },
      scales: { x: { time: false } },
      axes: [
        { label: xLabel, stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.15)" } },
        { label: yLabel, stroke: "currentColor", grid: { stroke: "rgba(128,128,128,0.15)" } },
      ],
      series: [
        { label: xLabel },
        ...series.map((s, i) => ({ label: s.label, stroke: s.color ?? color(i), width: 1.5, spanGaps: true, dash: s.dash ? [6, 4] : undefined })),
      ],
    };
    const u = new uPlot(opts, aligned ?? alignSeries(series), el);
    plot.current = u;
    onReady?.(u);
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuild only when the set of series or the layout changes; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, title, height, xLabel, yLabel, legend]);

  useEffect(() => {
    plot.current?.setData(aligned ?? alignSeries(series));
  }, [series, aligned]);

  return <div ref={host} className="chart" role="img" aria-label={title ?? "chart"} />;
}
