"use client";
import { useQueries } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "../lib/trpc";
import { color, LineChart, type Series } from "./LineChart";
import { Empty, Failed, Loading } from "./States";

interface RunRef {
  id: string;
  label: string;
}

/** "student/edl/seed0/train_loss" → chart "train_loss", series "student/edl/seed0". */
function splitKey(key: string): [string, string] {
  const i = key.lastIndexOf("/");
  return i < 0 ? [key, key] : [key.slice(i + 1), key.slice(0, i)];
}

/**
 * One uPlot chart per metric name (train_loss, val_accuracy, …) with a series per model, overlaid
 * across runs when several are given. Polls while `live` (the server downsamples to 1000 points).
 */
export function MetricCharts({ runs, live }: { runs: RunRef[]; live: boolean }) {
  const trpc = useTRPC();
  const results = useQueries({
    queries: runs.map((r) => ({ ...trpc.run.metrics.queryOptions({ id: r.id, maxPoints: 1000 }), refetchInterval: live ? 1500 : (false as const) })),
  });
  const charts = useMemo(() => {
    const by = new Map<string, Series[]>();
    // Overlaying runs: one colour per model (seeds aside), so the runs differ by dash only.
    const models = new Map<string, string>();
    const colorOf = (model: string) => {
      const k = model.replace(/\/seed\d+$/, "");
      if (!models.has(k)) models.set(k, color(models.size));
      return models.get(k)!;
    };
    results.forEach((q, ri) => {
      for (const s of q.data ?? []) {
        const [chart, model] = splitKey(s.key);
        const label = runs.length > 1 ? `${runs[ri]!.label} · ${model}` : model;
        const list = by.get(chart) ?? [];
        list.push({ label, x: s.points.map((p) => p.step), y: s.points.map((p) => p.value), dash: ri > 0, color: runs.length > 1 ? colorOf(model) : undefined });
        by.set(chart, list);
      }
    });
    // Losses first, then the rest alphabetically.
    return [...by.entries()].sort(([a], [b]) => Number(b.includes("loss")) - Number(a.includes("loss")) || a.localeCompare(b));
  }, [results, runs]);

  const failed = results.find((q) => q.error);
  if (failed?.error) return <Failed what="metrics" error={failed.error} />;
  if (results.some((q) => q.isPending)) return <Loading what="metrics" />;
  if (charts.length === 0) return <Empty>No metrics yet{live ? " — they appear as training reports them." : "."}</Empty>;
  return (
    <div className="grid2" data-testid="metric-charts">
      {charts.map(([name, series]) => (
        <div key={name} className="card">
          <LineChart title={name} series={series} height={220} />
        </div>
      ))}
    </div>
  );
}
