"use client";
import { RunStatus } from "@ws2s/schema";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useEffect, useMemo, useState } from "react";
import { ExperimentGroups } from "../src/components/ExperimentGroups";
import { Empty, Failed, fmtDuration, Loading, StatusBadge } from "../src/components/States";
import { fmt, sortRows, VirtualTable, type Column, type Sort } from "../src/components/VirtualTable";
import { matches, parseFilter } from "../src/lib/filterQuery";
import { toRowView, type RunRowView } from "../src/lib/runRow";
import { useTRPC } from "../src/lib/trpc";

const shortDate = (t: number) => new Date(t).toLocaleString(undefined, { year: "2-digit", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });

const COLUMNS: Column<RunRowView>[] = [
  { id: "seq", label: "#", width: "44px", value: (r) => r.seq, numeric: true },
  { id: "name", label: "Experiment", width: "minmax(150px, 2fr)", value: (r) => r.name, render: (r) => <Link href={`/runs/${r.id}`}>{r.name}</Link> },
  { id: "status", label: "Status", width: "96px", value: (r) => r.status, render: (r) => <StatusBadge status={r.status} /> },
  { id: "kind", label: "Kind", width: "100px", value: (r) => r.kind },
  { id: "task", label: "Task", width: "minmax(90px, 1fr)", value: (r) => r.task },
  { id: "methods", label: "Methods", width: "minmax(100px, 1.2fr)", value: (r) => r.methods },
  { id: "tags", label: "Tags", width: "minmax(80px, 1fr)", value: (r) => r.tags },
  { id: "weak", label: "Weak", width: "64px", value: (r) => r.weak, numeric: true },
  { id: "bestAcc", label: "Top student", width: "88px", value: (r) => r.bestAcc, numeric: true },
  { id: "ceiling", label: "Ceiling", width: "70px", value: (r) => r.ceiling, numeric: true },
  { id: "best", label: "Separated best", width: "minmax(80px, 0.8fr)", value: (r) => r.best },
  {
    id: "pgr",
    label: "Top PGR [CI]",
    width: "150px",
    value: (r) => r.pgr,
    numeric: true,
    render: (r) => (r.pgr === null ? "—" : <span title={`${r.top}: ${fmt(r.pgr)} [${fmt(r.pgrLow)}, ${fmt(r.pgrHigh)}]`}>{`${fmt(r.pgr)} [${fmt(r.pgrLow)}, ${fmt(r.pgrHigh)}]`}</span>),
  },
  { id: "duration", label: "Duration", width: "76px", value: (r) => r.duration, numeric: true, render: (r) => fmtDuration(r.duration) },
  { id: "executor", label: "Executor", width: "110px", value: (r) => r.executor, render: (r) => <span title={r.executor} data-testid="executor">{r.executor}</span> },
  { id: "sweep", label: "Sweep", width: "minmax(70px, 0.8fr)", value: (r) => r.sweep },
  { id: "created", label: "Created", width: "118px", value: (r) => r.created, render: (r) => shortDate(r.created) },
];
// The executor column is hidden while every run is local; it shows itself once a run went to SLURM.
const DEFAULT_HIDDEN = ["tags", "kind", "executor"];
const DEFAULT_SORT: Sort = { id: "seq", dir: -1 };

export default function ExperimentsPage() {
  return (
    <Suspense fallback={<Loading what="runs" />}>
      <Experiments />
    </Suspense>
  );
}

/** The table's state lives in the URL (?q=, ?status=, ?sort=pgr:desc, ?group=1), so a view can be shared and reloaded. */
function useUrlState() {
  const params = useSearchParams();
  const router = useRouter();
  const path = usePathname();
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    const qs = next.toString();
    router.replace(qs ? `${path}?${qs}` : path, { scroll: false });
  };
  const [sortId, sortDir] = (params.get("sort") ?? "").split(":");
  const sort: Sort | null = sortId && COLUMNS.some((c) => c.id === sortId) ? { id: sortId, dir: sortDir === "asc" ? 1 : -1 } : DEFAULT_SORT;
  return { q: params.get("q") ?? "", status: params.get("status") ?? "", group: params.get("group") === "1", sort, set };
}

function Experiments() {
  const trpc = useTRPC();
  const router = useRouter();
  const url = useUrlState();
  const [text, setText] = useState(url.q);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [hidden, setHidden] = useState<Set<string>>(new Set(DEFAULT_HIDDEN));
  useEffect(() => {
    const saved = localStorage.getItem("ws2s-hidden-columns");
    if (saved) setHidden(new Set(JSON.parse(saved) as string[]));
  }, []);
  // typing updates the URL a moment later (not on every key)
  useEffect(() => {
    if (text === url.q) return;
    const t = setTimeout(() => url.set({ q: text }), 250);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  const toggleColumn = (id: string) => {
    const next = new Set(hidden);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setHidden(next);
    localStorage.setItem("ws2s-hidden-columns", JSON.stringify([...next]));
  };

  const q = useInfiniteQuery({
    ...trpc.run.list.infiniteQueryOptions(
      { limit: 200, ...(url.status ? { status: url.status as RunStatus } : {}) },
      { getNextPageParam: (p) => p.nextCursor },
    ),
    refetchInterval: 4000,
  });
  const experiments = useQuery({ ...trpc.experiment.list.queryOptions({ limit: 200 }), enabled: url.group, refetchInterval: 4000 });
  const all = useMemo(() => (q.data?.pages ?? []).flatMap((p) => p.items.map(toRowView)), [q.data]);
  const remote = all.some((r) => r.executor !== "" && !r.executor.startsWith("local"));
  const columns = COLUMNS.filter((c) => !hidden.has(c.id) || (c.id === "executor" && remote));
  const terms = useMemo(() => parseFilter(url.q), [url.q]);
  const rows = useMemo(() => {
    const everything = (r: RunRowView) => COLUMNS.map((c) => String(c.value(r) ?? "")).join(" ");
    const filtered = terms.length ? all.filter((r) => matches(r, terms, everything)) : all;
    return sortRows(filtered, COLUMNS, url.sort);
  }, [all, terms, url.sort]);
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  return (
    <>
      <div className="row">
        <h1 style={{ margin: 0 }}>Experiments</h1>
        <span className="spacer" />
        <Link className="btn primary" href="/new">
          New experiment
        </Link>
      </div>
      <div className="row" style={{ margin: "12px 0" }}>
        <label htmlFor="filter">Filter</label>
        <input
          id="filter"
          type="search"
          className="grow"
          placeholder="pgr>0.3 tag:demo loss:edl status:failed words…"
          title="terms: pgr, weak, ceiling, acc with > >= < <= =; tag:, loss:, method:, status:, name:, task:, kind:, id: (substring) or = (exact); other words match any column"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <label htmlFor="status">Status</label>
        <select id="status" value={url.status} onChange={(e) => url.set({ status: e.target.value })}>
          <option value="">any</option>
          {RunStatus.options.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label>
          <input type="checkbox" checked={url.group} onChange={(e) => url.set({ group: e.target.checked ? "1" : null })} data-testid="group-by-experiment" /> group by experiment
        </label>
        <details className="menu">
          <summary className="btn ghost">Columns</summary>
          <div className="card menu-body">
            {COLUMNS.map((c) => (
              <label key={c.id} style={{ display: "block" }}>
                <input type="checkbox" checked={!hidden.has(c.id)} onChange={() => toggleColumn(c.id)} /> {c.label}
              </label>
            ))}
          </div>
        </details>
        <span className="spacer" />
        <span className="muted">
          {rows.length} run{rows.length === 1 ? "" : "s"}
          {q.hasNextPage ? " (more on scroll)" : ""}
        </span>
        <button className="btn" disabled={selected.size < 1} data-testid="compare-selected" onClick={() => router.push(`/compare?runs=${[...selected].join(",")}`)}>
          Compare selected ({selected.size})
        </button>
      </div>
      {q.isPending ? (
        <Loading what="runs" />
      ) : q.error ? (
        <Failed what="runs" error={q.error} />
      ) : url.group ? (
        experiments.error ? (
          <Failed what="experiments" error={experiments.error} />
        ) : (
          <ExperimentGroups runs={rows} experiments={experiments.data?.items ?? []} filtered={terms.length > 0 || url.status !== ""} selected={selected} onToggle={toggle} />
        )
      ) : all.length === 0 ? (
        <Empty>
          No runs yet. <Link href="/new">Launch an experiment</Link> — the smoke preset finishes in under a minute on a CPU.
        </Empty>
      ) : (
        <VirtualTable
          label="Runs"
          rows={rows}
          columns={columns}
          rowKey={(r) => r.id}
          selected={selected}
          onToggle={toggle}
          onOpen={(r) => router.push(`/runs/${r.id}`)}
          sort={url.sort}
          onSort={(s) => url.set({ sort: `${s.id}:${s.dir === 1 ? "asc" : "desc"}` })}
          onNearEnd={() => q.hasNextPage && !q.isFetchingNextPage && void q.fetchNextPage()}
        />
      )}
      <p className="muted" style={{ fontSize: 12 }}>
        Keyboard: focus the table, ↑/↓ to move, Space to select, Enter to open. Click a header to sort. Filter, status, sort and grouping are kept in the address.
      </p>
    </>
  );
}
