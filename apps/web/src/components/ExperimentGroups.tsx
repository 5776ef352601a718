"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { RunRowView } from "../lib/runRow";
import { useTRPC } from "../lib/trpc";
import { fmtDuration, StatusBadge } from "./States";
import { fmt } from "./VirtualTable";

interface ExperimentItem {
  id: string;
  name: string;
  runCount: number;
  createdAt: number;
}

interface Group {
  name: string;
  /** Experiment ids under this name (every launch from the form makes one). */
  experimentIds: string[];
  /** Top-level runs (sweeps, plain runs), newest first; a sweep's points are listed under it. */
  runs: RunRowView[];
  points: Map<string, RunRowView[]>;
  neverRun: ExperimentItem[];
}

/** Runs grouped experiment → run → sweep point, by experiment name; experiments never run are listed too. */
export function groupRuns(runs: readonly RunRowView[], experiments: readonly ExperimentItem[], includeNeverRun: boolean): Group[] {
  const groups = new Map<string, Group>();
  const group = (name: string) => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { name, experimentIds: [], runs: [], points: new Map(), neverRun: [] }));
    return g;
  };
  for (const r of runs) {
    const g = group(r.name);
    if (!g.experimentIds.includes(r.experimentId)) g.experimentIds.push(r.experimentId);
    if (r.parentId && runs.some((p) => p.id === r.parentId)) g.points.set(r.parentId, [...(g.points.get(r.parentId) ?? []), r]);
    else g.runs.push(r);
  }
  if (includeNeverRun) {
    for (const e of experiments) {
      if (e.runCount > 0) continue;
      const g = group(e.name);
      g.neverRun.push(e);
      if (!g.experimentIds.includes(e.id)) g.experimentIds.push(e.id);
    }
  }
  return [...groups.values()];
}

function RunLine({ r, depth, selected, onToggle }: { r: RunRowView; depth: number; selected: ReadonlySet<string>; onToggle: (id: string) => void }) {
  return (
    <tr data-testid="group-run">
      <td>
        <input type="checkbox" checked={selected.has(r.id)} onChange={() => onToggle(r.id)} aria-label={`select ${r.id}`} />
      </td>
      <td style={{ paddingLeft: 8 + depth * 18 }}>
        <Link href={`/runs/${r.id}`}>#{r.seq}</Link> {r.sweep === "sweep" ? <span className="muted">sweep</span> : null}
      </td>
      <td>
        <StatusBadge status={r.status} />
      </td>
      <td className="clip" title={r.methods}>
        {r.methods}
      </td>
      <td className="num">{r.pgr === null ? "—" : `${fmt(r.pgr)} [${fmt(r.pgrLow)}, ${fmt(r.pgrHigh)}]`}</td>
      <td className="num">{fmtDuration(r.duration)}</td>
      <td className="muted">{new Date(r.created).toLocaleString()}</td>
    </tr>
  );
}

export function ExperimentGroups(p: { runs: RunRowView[]; experiments: ExperimentItem[]; filtered: boolean; selected: ReadonlySet<string>; onToggle: (id: string) => void }) {
  const groups = groupRuns(p.runs, p.experiments, !p.filtered);
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const start = useMutation(trpc.run.start.mutationOptions({ onSuccess: (r) => (void qc.invalidateQueries(), router.push(`/runs/${r.id}`)) }));
  if (groups.length === 0) return <div className="state">No experiment matches.</div>;
  return (
    <div data-testid="experiment-groups">
      {groups.map((g) => {
        const total = g.runs.length + [...g.points.values()].reduce((n, l) => n + l.length, 0);
        return (
          <details key={g.name} open className="group card" data-testid="experiment-group" data-name={g.name}>
            <summary>
              <strong>{g.name}</strong>{" "}
              <span className="muted">
                {g.experimentIds.length} launch{g.experimentIds.length === 1 ? "" : "es"} · {total} run{total === 1 ? "" : "s"}
              </span>{" "}
              {g.runs[0] && <StatusBadge status={g.runs[0].status} />}
            </summary>
            <div className="scroll-x">
              <table className="data">
                <tbody>
                  {g.runs.map((r) => [
                    <RunLine key={r.id} r={r} depth={0} selected={p.selected} onToggle={p.onToggle} />,
                    ...(g.points.get(r.id) ?? []).map((c) => <RunLine key={c.id} r={c} depth={1} selected={p.selected} onToggle={p.onToggle} />),
                  ])}
                  {g.neverRun.map((e) => (
                    <tr key={e.id}>
                      <td />
                      <td colSpan={5} className="muted">
                        experiment <span className="mono">{e.id}</span> created {new Date(e.createdAt).toLocaleString()}, never run
                      </td>
                      <td>
                        <button type="button" className="btn" disabled={start.isPending} onClick={() => start.mutate({ experimentId: e.id })}>
                          Run it
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        );
      })}
    </div>
  );
}
