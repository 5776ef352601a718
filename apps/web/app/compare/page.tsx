"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { MetricCharts } from "../../src/components/MetricCharts";
import { Empty, Failed, Loading, StatusBadge } from "../../src/components/States";
import { fmt } from "../../src/components/VirtualTable";
import { SCORE_LABEL as METRIC_LABEL } from "../../src/lib/results";
import { pairedDiff } from "../../src/lib/paired";
import { useTRPC } from "../../src/lib/trpc";

export default function ComparePage() {
  return (
    <Suspense fallback={<Loading what="comparison" />}>
      <Compare />
    </Suspense>
  );
}

function Compare() {
  const params = useSearchParams();
  const router = useRouter();
  const ids = (params.get("runs") ?? "").split(",").filter(Boolean);
  const setIds = (next: string[]) => router.replace(`/compare?runs=${[...new Set(next)].join(",")}`);
  return (
    <>
      <h1>Compare runs</h1>
      <RunPicker ids={ids} onChange={setIds} />
      {ids.length === 0 ? <Empty>Pick two or more runs above, or select rows on the Experiments page.</Empty> : <Comparison ids={ids} />}
    </>
  );
}

function RunPicker({ ids, onChange }: { ids: string[]; onChange: (ids: string[]) => void }) {
  const trpc = useTRPC();
  const recent = useQuery(trpc.run.list.queryOptions({ limit: 100 }));
  const [pick, setPick] = useState("");
  const others = (recent.data?.items ?? []).filter((r) => !ids.includes(r.id));
  return (
    <div className="row" style={{ marginBottom: 12 }}>
      {ids.map((id) => (
        <span key={id} className="badge" style={{ padding: "2px 8px" }}>
          <Link href={`/runs/${id}`}>{id}</Link>{" "}
          <button type="button" className="btn ghost" style={{ padding: "0 4px" }} aria-label={`remove ${id}`} onClick={() => onChange(ids.filter((x) => x !== id))}>
            ×
          </button>
        </span>
      ))}
      <label htmlFor="add-run">Add run</label>
      <select id="add-run" value={pick} onChange={(e) => setPick(e.target.value)} disabled={recent.isPending}>
        <option value="">{recent.isPending ? "loading…" : "choose a run…"}</option>
        {others.map((r) => (
          <option key={r.id} value={r.id}>
            #{r.seq} {String((r.config as { name?: unknown }).name ?? r.id)} ({r.status})
          </option>
        ))}
      </select>
      <button type="button" className="btn" disabled={!pick} onClick={() => (onChange([...ids, pick]), setPick(""))}>
        Add
      </button>
    </div>
  );
}

/** "seeds=[0] · lr=0.01" from a sweep child's overrides; "" for a plain run. */
function sweepValues(overrides: Record<string, unknown> | null): string {
  if (!overrides || "sweep" in overrides) return "";
  return Object.entries(overrides)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(" · ");
}

type Cell = { value: number; low: number | null; high: number | null; perSeed: (number | null)[] } | null;

/** The index of the cell whose interval lies wholly beyond every other's (higher, or lower for ECE); -1 if none does. */
function separatedCell(cells: Cell[], lowerIsBetter: boolean): number {
  const have = cells.map((c, i) => [c, i] as const).filter(([c]) => c !== null) as [NonNullable<Cell>, number][];
  if (have.length < 2) return -1;
  const sign = lowerIsBetter ? -1 : 1;
  const [best, bi] = have.reduce((a, b) => (sign * b[0].value > sign * a[0].value ? b : a));
  const edge = lowerIsBetter ? best.high : best.low;
  if (edge === null) return -1;
  const clear = have.every(([c, i]) => i === bi || (lowerIsBetter ? c.low !== null && c.low > edge : c.high !== null && c.high < edge));
  return clear ? bi : -1;
}

function Comparison({ ids }: { ids: string[] }) {
  const trpc = useTRPC();
  const [metric, setMetric] = useState("pgr");
  const cmp = useQuery({ ...trpc.experiment.compare.queryOptions({ runIds: ids }), refetchInterval: 5000 });
  if (cmp.isPending) return <Loading what="comparison" />;
  if (cmp.error) return <Failed what="comparison" error={cmp.error} />;
  const { runs, metrics, configDiff, missing } = cmp.data;
  const live = runs.some((r) => r.status === "queued" || r.status === "running");
  const label = (i: number) => {
    const r = runs[i];
    const values = sweepValues(r?.overrides ?? null);
    return values ? `${r?.name} (${values})` : `${r?.name ?? ""} · ${r?.id.slice(-6)}`;
  };
  const available = Object.keys(metrics);
  const shown = available.includes(metric) ? metric : (available[0] ?? "pgr");
  const rows = (metrics as Record<string, { model: string; cells: Cell[] }[]>)[shown] ?? [];
  const bounded = shown !== "pgr";
  const cl = (v: number | null) => (v === null ? null : bounded ? Math.min(1, Math.max(0, v)) : v);
  return (
    <>
      {missing.length > 0 && (
        <div className="state error" role="alert" data-testid="compare-missing">
          {missing.map((m) => (
            <div key={m.id}>
              Not compared: {m.error}.
            </div>
          ))}
        </div>
      )}
      {runs.length === 0 ? (
        <Empty>None of the runs asked for exists.</Empty>
      ) : (
        <>
          <div className="row">
            <h2 style={{ margin: 0 }}>Scores across runs (95% CI)</h2>
            <label htmlFor="compare-metric">metric</label>
            <select id="compare-metric" value={shown} onChange={(e) => setMetric(e.target.value)} data-testid="compare-metric">
              {available.map((k) => (
                <option key={k} value={k}>
                  {METRIC_LABEL[k] ?? k}
                </option>
              ))}
            </select>
            <span className="muted">bold: the interval lies clear of every other run&apos;s</span>
          </div>
          <div className="scroll-x">
            <table className="data" data-testid="compare-pgr">
              <thead>
                <tr>
                  <th>model</th>
                  {runs.map((r, i) => (
                    <th key={r.id} className="num">
                      <Link href={`/runs/${r.id}`} title={r.id}>
                        {label(i)}
                      </Link>{" "}
                      <StatusBadge status={r.status} />
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={runs.length + 1} className="muted">
                      No scores yet: runs that have not finished, or that failed, have no results.
                    </td>
                  </tr>
                )}
                {rows.map((row) => {
                  const win = separatedCell(row.cells, shown === "ece");
                  return (
                    <tr key={row.model}>
                      <td>{row.model}</td>
                      {row.cells.map((c, i) => (
                        <td key={i} className="num" style={i === win ? { fontWeight: 700 } : undefined}>
                          {c ? `${fmt(c.value)}${c.low === null || c.high === null ? "" : ` [${fmt(cl(c.low))}, ${fmt(cl(c.high))}]`}` : "—"}
                        </td>
                      ))}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {runs.length > 1 && rows.length > 0 && <PairedTable runs={runs} rows={rows} label={label} metric={METRIC_LABEL[shown] ?? shown} />}
          <h2>Config differences</h2>
          {configDiff.length === 0 ? (
            <p className="muted">The configs are identical.</p>
          ) : (
            <div className="scroll-x">
              <table className="data" data-testid="config-diff">
                <thead>
                  <tr>
                    <th>path</th>
                    {runs.map((r, i) => (
                      <th key={r.id}>{label(i)}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {configDiff.map((d) => (
                    <tr key={d.path} className="diff-changed">
                      <td className="mono">{d.path}</td>
                      {d.values.map((v, i) => {
                        const absent = v === undefined || d.absent?.includes(i);
                        return (
                          <td key={i} className="mono clip" title={absent ? "absent" : JSON.stringify(v)}>
                            {absent ? <span className="muted">absent</span> : JSON.stringify(v)}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2>Curves (one colour per model; line style per run)</h2>
          <MetricCharts runs={runs.map((r, i) => ({ id: r.id, label: label(i) }))} live={live} />
        </>
      )}
    </>
  );
}

const signed = (v: number) => `${v > 0 ? "+" : ""}${fmt(v)}`;

/** Each run minus a base run, seed by seed (same seed: same splits and weak models), with a t-interval. */
function PairedTable({ runs, rows, label, metric }: { runs: { id: string; seeds: number[] }[]; rows: { model: string; cells: Cell[] }[]; label: (i: number) => string; metric: string }) {
  const [base, setBase] = useState(0);
  const b = Math.min(base, runs.length - 1);
  const others = runs.map((_, i) => i).filter((i) => i !== b);
  return (
    <>
      <div className="row" style={{ marginTop: 16 }}>
        <h2 style={{ margin: 0 }}>Paired differences in {metric}</h2>
        <label htmlFor="paired-base">minus</label>
        <select id="paired-base" value={b} onChange={(e) => setBase(Number(e.target.value))}>
          {runs.map((r, i) => (
            <option key={r.id} value={i}>
              {label(i)}
            </option>
          ))}
        </select>
        <span className="muted">per shared seed, mean [95% t-interval]; bold: the interval excludes 0</span>
      </div>
      <div className="scroll-x">
        <table className="data" data-testid="compare-paired">
          <thead>
            <tr>
              <th>model</th>
              {others.map((i) => (
                <th key={runs[i]!.id} className="num">
                  {label(i)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.model}>
                <td>{row.model}</td>
                {others.map((i) => {
                  const x = row.cells[b];
                  const y = row.cells[i];
                  const d = x && y ? pairedDiff({ seeds: runs[b]!.seeds, perSeed: x.perSeed }, { seeds: runs[i]!.seeds, perSeed: y.perSeed }) : null;
                  const clear = d && d.low !== null && d.high !== null && (d.low > 0 || d.high < 0);
                  return (
                    <td key={i} className="num" style={clear ? { fontWeight: 700 } : undefined}>
                      {d ? `${signed(d.diff)}${d.low === null || d.high === null ? "" : ` [${signed(d.low)}, ${signed(d.high)}]`} (${d.n} seed${d.n === 1 ? "" : "s"})` : "—"}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
