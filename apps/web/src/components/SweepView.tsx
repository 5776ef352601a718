"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { groupColor } from "../lib/seriesGroups";
import { makeAxis, sweptPaths, type Axis } from "../lib/sweepAxes";
import { SCORE_LABEL as METRIC_LABEL } from "../lib/results";
import { useTRPC } from "../lib/trpc";
import { Failed, Loading, StatusBadge } from "./States";
import { fmt } from "./VirtualTable";

interface Point {
  id: string;
  status: string;
  overrides: Record<string, unknown>;
}

const valueText = (v: unknown) => (v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));

/** Parallel coordinates: one axis per swept path and a last one for the score; one line per point, coloured by the score. */
function ParallelCoordinates({ axes, score, title }: { axes: Axis[]; score: Axis; title: string }) {
  const all = [...axes, score];
  const W = Math.max(360, all.length * 150);
  const H = 260;
  const pad = { l: 64, r: 64, t: 34, b: 28 };
  const x = (i: number) => pad.l + ((W - pad.l - pad.r) * i) / Math.max(1, all.length - 1);
  const y = (p: number) => pad.t + (H - pad.t - pad.b) * (1 - p);
  const n = score.pos.length;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" style={{ maxWidth: W }} role="img" aria-label={title} data-testid="parallel-coordinates">
      <text x={8} y={16} fontSize={12} fontWeight={600} fill="currentColor">
        {title}
      </text>
      {Array.from({ length: n }, (_, k) => {
        const pts = all.map((a, i) => (a.pos[k] === null ? null : `${x(i)},${y(a.pos[k] as number)}`));
        if (pts.some((p) => p === null)) return null;
        const s = score.pos[k] as number;
        return (
          <polyline key={k} points={pts.join(" ")} fill="none" stroke={`hsl(${Math.round(10 + 200 * s)}, 70%, 45%)`} strokeWidth={2} opacity={0.85} data-testid="pc-line">
            <title>{`point ${k + 1}`}</title>
          </polyline>
        );
      })}
      {all.map((a, i) => (
        <g key={a.name} data-testid="pc-axis">
          <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="currentColor" strokeWidth={1} />
          <text x={x(i)} y={H - 8} fontSize={11} textAnchor="middle" fill="currentColor">
            {a.name.length > 22 ? `…${a.name.slice(-21)}` : a.name}
          </text>
          {a.ticks.map((t) => (
            <text key={t.label + t.pos} x={x(i) + (i === 0 ? -5 : 5)} y={y(t.pos) + 4} fontSize={10} textAnchor={i === 0 ? "end" : "start"} fill="var(--muted)">
              {t.label.length > 16 ? `${t.label.slice(0, 15)}…` : t.label}
            </text>
          ))}
        </g>
      ))}
    </svg>
  );
}

/** A score against one swept value, one colour per model. */
function Scatter({ axis, series, title }: { axis: Axis; series: { model: string; values: (number | null)[] }[]; title: string }) {
  const W = 460;
  const H = 240;
  const pad = { l: 48, r: 12, t: 30, b: 36 };
  const vals = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const lo = Math.min(0, ...vals);
  const hi = Math.max(1e-9, ...vals);
  const x = (p: number) => pad.l + (W - pad.l - pad.r) * (0.05 + 0.9 * p);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - (v - lo) / (hi - lo || 1));
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" style={{ maxWidth: W }} role="img" aria-label={title} data-testid="sweep-scatter">
      <text x={8} y={16} fontSize={12} fontWeight={600} fill="currentColor">
        {title}
      </text>
      <line x1={pad.l} x2={W - pad.r} y1={y(lo)} y2={y(lo)} stroke="var(--border)" />
      {lo < 0 && <line x1={pad.l} x2={W - pad.r} y1={y(0)} y2={y(0)} stroke="currentColor" />}
      {[lo, (lo + hi) / 2, hi].map((t) => (
        <text key={t} x={pad.l - 4} y={y(t) + 4} fontSize={10} textAnchor="end" fill="var(--muted)">
          {fmt(t, 2)}
        </text>
      ))}
      {axis.ticks.map((t) => (
        <text key={t.label + t.pos} x={x(t.pos)} y={H - 18} fontSize={10} textAnchor="middle" fill="var(--muted)">
          {t.label.length > 14 ? `${t.label.slice(0, 13)}…` : t.label}
        </text>
      ))}
      <text x={(pad.l + W - pad.r) / 2} y={H - 4} fontSize={11} textAnchor="middle" fill="currentColor">
        {axis.name}
      </text>
      {series.map((s, si) =>
        s.values.map((v, k) =>
          v === null || axis.pos[k] === null ? null : (
            <circle key={`${si}-${k}`} cx={x(axis.pos[k] as number) + (si - (series.length - 1) / 2) * 5} cy={y(v)} r={4.5} fill={groupColor(si)}>
              <title>{`${s.model}, point ${k + 1}: ${fmt(v)}`}</title>
            </circle>
          ),
        ),
      )}
      {series.map((s, si) => (
        <text key={s.model} x={W - pad.r - (series.length - 1 - si) * 72} y={16} fontSize={10.5} textAnchor="end" fill={groupColor(si)}>
          ● {s.model}
        </text>
      ))}
    </svg>
  );
}

/**
 * A sweep as a table of its points (swept values, status, scores per model), a parallel-coordinates
 * plot of the swept values against a score, and a scatter of a score against one swept value.
 */
export function SweepView({ points }: { points: Point[] }) {
  const trpc = useTRPC();
  const ids = points.map((p) => p.id);
  const live = points.some((p) => p.status === "queued" || p.status === "running");
  const cmp = useQuery({ ...trpc.experiment.compare.queryOptions({ runIds: ids }), enabled: ids.length > 0, refetchInterval: live ? 3000 : false });
  const [metric, setMetric] = useState("pgr");
  const [model, setModel] = useState("");
  const paths = sweptPaths(points);
  const [xPath, setXPath] = useState("");
  if (points.length === 0) return <p className="muted">This sweep has no points.</p>;
  if (cmp.isPending) return <Loading what="sweep results" />;
  if (cmp.error) return <Failed what="sweep results" error={cmp.error} />;
  const metrics = cmp.data.metrics as Record<string, { model: string; cells: ({ value: number } | null)[] }[]>;
  const available = Object.keys(metrics);
  const shown = available.includes(metric) ? metric : (available[0] ?? "pgr");
  const rows = metrics[shown] ?? [];
  const byRun = new Map(cmp.data.runs.map((r, i) => [r.id, i]));
  const valueOf = (modelName: string, pointId: string) => {
    const i = byRun.get(pointId);
    const row = rows.find((r) => r.model === modelName);
    return i === undefined || !row ? null : (row.cells[i]?.value ?? null);
  };
  const models = rows.map((r) => r.model);
  const chosen = models.includes(model) ? model : (models[0] ?? "");
  const axes = paths.map((p) => makeAxis(p, points.map((pt) => pt.overrides[p])));
  const scores = points.map((p) => valueOf(chosen, p.id));
  const scoreAxis = makeAxis(`${chosen} ${METRIC_LABEL[shown] ?? shown}`, scores);
  const xAxis = axes.find((a) => a.name === xPath) ?? axes[0];
  const done = points.filter((p) => p.status === "succeeded").length;
  return (
    <section data-testid="sweep-view">
      <h2>
        Sweep points ({points.length}) <span className="muted">{done} succeeded</span>
      </h2>
      <div className="row" style={{ marginBottom: 8 }}>
        <label htmlFor="sweep-metric">score</label>
        <select id="sweep-metric" value={shown} onChange={(e) => setMetric(e.target.value)}>
          {available.map((k) => (
            <option key={k} value={k}>
              {METRIC_LABEL[k] ?? k}
            </option>
          ))}
        </select>
        <label htmlFor="sweep-model">model</label>
        <select id="sweep-model" value={chosen} onChange={(e) => setModel(e.target.value)}>
          {models.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
        {axes.length > 1 && (
          <>
            <label htmlFor="sweep-x">scatter x</label>
            <select id="sweep-x" value={xAxis?.name} onChange={(e) => setXPath(e.target.value)}>
              {axes.map((a) => (
                <option key={a.name}>{a.name}</option>
              ))}
            </select>
          </>
        )}
        <Link className="btn" href={`/compare?runs=${ids.join(",")}`}>
          Compare all
        </Link>
      </div>
      {rows.length > 0 && (
        <div className="grid2">
          <div className="card">
            <ParallelCoordinates axes={axes} score={scoreAxis} title={`Swept values → ${chosen} ${METRIC_LABEL[shown] ?? shown}`} />
          </div>
          {xAxis && (
            <div className="card">
              <Scatter axis={xAxis} title={`${METRIC_LABEL[shown] ?? shown} against ${xAxis.name}`} series={models.map((m) => ({ model: m, values: points.map((p) => valueOf(m, p.id)) }))} />
            </div>
          )}
        </div>
      )}
      <div className="scroll-x">
        <table className="data" data-testid="sweep-table">
          <thead>
            <tr>
              <th>point</th>
              <th>status</th>
              {paths.map((p) => (
                <th key={p} className="mono">
                  {p}
                </th>
              ))}
              {models.map((m) => (
                <th key={m} className="num">
                  {m} {METRIC_LABEL[shown] ?? shown}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {points.map((p, k) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/runs/${p.id}`} title={p.id}>
                    {k + 1}
                  </Link>
                </td>
                <td>
                  <StatusBadge status={p.status} />
                </td>
                {paths.map((path) => (
                  <td key={path} className="mono clip" title={valueText(p.overrides[path])}>
                    {valueText(p.overrides[path])}
                  </td>
                ))}
                {models.map((m) => (
                  <td key={m} className="num">
                    {fmt(valueOf(m, p.id))}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
