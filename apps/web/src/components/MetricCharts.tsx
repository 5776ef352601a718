"use client";
import { useQueries } from "@tanstack/react-query";
import { useMemo, useState, type ReactNode } from "react";
import { groupColor, groupSeries, RUN_DASH, smooth, summarise, type Chart, type XKind } from "../lib/seriesGroups";
import { useTRPC } from "../lib/trpc";
import { LineChart, type Band, type Series } from "./LineChart";
import { Empty, Failed, Loading } from "./States";

interface RunRef {
  id: string;
  label: string;
}

const X_LABEL: Record<XKind, string> = { step: "optimizer step", epoch: "epoch", seed: "seed" };

interface View {
  smoothing: number;
  logY: boolean;
  seeds: boolean;
}

/** One chart's series and bands: per group its mean (legend), ±1 s.d. band and faint seeds; overlaid runs by dash. */
function chartSeries(perRun: (Chart | undefined)[], runs: RunRef[], colorOf: (group: string) => number, view: View): { series: Series[]; bands: Band[]; maxSeeds: number } {
  const series: Series[] = [];
  const bands: Band[] = [];
  let maxSeeds = 0;
  perRun.forEach((chart, ri) => {
    if (!chart) return;
    const overlay = runs.length > 1;
    const dash = overlay ? RUN_DASH[ri % RUN_DASH.length] : undefined;
    for (const g of chart.groups) {
      const c = colorOf(g.label);
      const label = overlay ? `${runs[ri]!.label} · ${g.label}` : g.label;
      maxSeeds = Math.max(maxSeeds, g.seeds.length);
      if (chart.x === "seed") {
        // test scores: one point per seed at its index, no line through them
        for (const s of g.seeds) series.push({ label, x: s.x, y: s.y, color: groupColor(c), points: true });
        continue;
      }
      const seeds = g.seeds.map((s) => ({ ...s, y: smooth(s.y, view.smoothing) }));
      if (seeds.length === 1) {
        series.push({ label, x: seeds[0]!.x, y: seeds[0]!.y, color: groupColor(c), dash });
        continue;
      }
      if (view.seeds && !overlay) {
        for (const s of seeds) series.push({ label: `${label} seed ${s.seed ?? "?"}`, x: s.x, y: s.y, color: groupColor(c, 0.3), width: 1, legend: false });
      }
      const m = summarise(seeds);
      const upper = series.push({ label: `${label} +s.d.`, x: m.x, y: m.high, color: "transparent", width: 0, legend: false }) - 1;
      const lower = series.push({ label: `${label} −s.d.`, x: m.x, y: m.low, color: "transparent", width: 0, legend: false }) - 1;
      bands.push({ upper, lower, fill: groupColor(c, overlay ? 0.08 : 0.16) });
      series.push({ label, x: m.x, y: m.mean, color: groupColor(c), width: 2, dash });
    }
  });
  return { series, bands, maxSeeds };
}

/**
 * One chart per metric (train_loss per optimizer step, val_* per epoch, test scores per seed) with
 * one colour and one legend entry per model: seeds faint around their mean with a ±1 s.d. band.
 * Several runs overlay by dash pattern. Polls while `live` (the server downsamples to 1000 points).
 */
export function MetricCharts({ runs, live, note }: { runs: RunRef[]; live: boolean; note?: ReactNode }) {
  const trpc = useTRPC();
  const [view, setView] = useState<View>({ smoothing: 0, logY: false, seeds: true });
  const results = useQueries({
    queries: runs.map((r) => ({ ...trpc.run.metrics.queryOptions({ id: r.id, maxPoints: 1000 }), refetchInterval: live ? 1500 : (false as const) })),
  });
  const data = results.map((q) => q.data);
  // memo keys: when each run's metrics last changed, and the runs' ids and labels (parents pass new arrays)
  const dataKey = results.map((q) => q.dataUpdatedAt).join(",");
  const runsKey = runs.map((r) => `${r.id}\u0000${r.label}`).join("\u0001");
  const charts = useMemo(() => {
    const perRun = data.map((d) => groupSeries(d ?? []));
    const names = [...new Set(perRun.flatMap((cs) => cs.map((c) => c.name)))];
    const order = new Map<string, number>();
    const colorOf = (g: string) => (order.has(g) ? order.get(g)! : (order.set(g, order.size), order.size - 1));
    // colours by group in a fixed order: the same method has the same colour in every chart
    for (const cs of perRun) for (const c of cs) for (const g of c.groups) colorOf(g.label);
    return names.map((name) => {
      const per = perRun.map((cs) => cs.find((c) => c.name === name));
      const x = per.find(Boolean)!.x;
      return { name, x, ...chartSeries(per, runs, colorOf, view) };
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dataKey, runsKey, view]);

  const failed = results.find((q) => q.error);
  if (failed?.error) return <Failed what="metrics" error={failed.error} />;
  if (results.some((q) => q.isPending)) return <Loading what="metrics" />;
  if (charts.length === 0) {
    return (
      <Empty>
        No metrics yet{live ? " — they appear as training reports them." : "."} {note}
      </Empty>
    );
  }
  return (
    <>
      <div className="row chart-controls">
        <label>
          Smoothing{" "}
          <input type="range" min={0} max={0.95} step={0.05} value={view.smoothing} aria-label="smoothing" onChange={(e) => setView({ ...view, smoothing: Number(e.target.value) })} />{" "}
          <span className="mono">{view.smoothing.toFixed(2)}</span>
        </label>
        <label>
          <input type="checkbox" checked={view.logY} onChange={(e) => setView({ ...view, logY: e.target.checked })} /> log y
        </label>
        {runs.length === 1 && (
          <label>
            <input type="checkbox" checked={view.seeds} onChange={(e) => setView({ ...view, seeds: e.target.checked })} /> show seeds
          </label>
        )}
        {note && <span className="muted">{note}</span>}
      </div>
      <div className="grid2" data-testid="metric-charts">
        {charts.map((c) => {
          const spread = c.x !== "seed" && c.maxSeeds > 1 ? ` — mean ± 1 s.d. over ${c.maxSeeds} seeds` : "";
          return (
            <div key={c.name} className="card" data-chart={c.name} data-bands={c.bands.length}>
              <LineChart title={`${c.name}${spread}`} series={c.series} bands={c.bands} xLabel={X_LABEL[c.x]} height={220} logY={view.logY && c.x !== "seed"} />
            </div>
          );
        })}
      </div>
    </>
  );
}
