"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { MetricCharts } from "../../src/components/MetricCharts";
import { Empty, Failed, Loading, StatusBadge } from "../../src/components/States";
import { fmt } from "../../src/components/VirtualTable";
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

function Comparison({ ids }: { ids: string[] }) {
  const trpc = useTRPC();
  const cmp = useQuery({ ...trpc.experiment.compare.queryOptions({ runIds: ids }), refetchInterval: 5000 });
  if (cmp.isPending) return <Loading what="comparison" />;
  if (cmp.error) return <Failed what="comparison" error={cmp.error} />;
  const { runs, pgr, configDiff } = cmp.data;
  const live = runs.some((r) => r.status === "queued" || r.status === "running");
  const label = (i: number) => `#${i + 1} ${runs[i]?.name ?? ""}`;
  return (
    <>
      <h2>PGR across runs (95% CI)</h2>
      <div style={{ overflowX: "auto" }}>
        <table className="data" data-testid="compare-pgr">
          <thead>
            <tr>
              <th>method</th>
              {runs.map((r, i) => (
                <th key={r.id} className="num">
                  <Link href={`/runs/${r.id}`}>{label(i)}</Link> <StatusBadge status={r.status} />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {pgr.length === 0 && (
              <tr>
                <td colSpan={runs.length + 1} className="muted">
                  No PGR yet: runs that have not finished have no results.
                </td>
              </tr>
            )}
            {pgr.map((row) => {
              const vals = row.cells.map((c) => c?.pgr ?? -Infinity);
              const top = Math.max(...vals);
              return (
                <tr key={row.method}>
                  <td>{row.method}</td>
                  {row.cells.map((c, i) => (
                    <td key={i} className="num" style={c && c.pgr === top && runs.length > 1 ? { fontWeight: 700 } : undefined}>
                      {c ? `${fmt(c.pgr)} [${fmt(c.ciLow)}, ${fmt(c.ciHigh)}]` : "—"}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h2>Config differences</h2>
      {configDiff.length === 0 ? (
        <p className="muted">The configs are identical.</p>
      ) : (
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
                {d.values.map((v, i) => (
                  <td key={i} className="mono">
                    {v === undefined ? <span className="muted">absent</span> : JSON.stringify(v)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Curves (dashed: later runs)</h2>
      <MetricCharts runs={runs.map((r, i) => ({ id: r.id, label: label(i) }))} live={live} />
    </>
  );
}
