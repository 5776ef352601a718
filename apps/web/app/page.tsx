"use client";
import { RunStatus } from "@ws2s/schema";
import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { Empty, Failed, fmtDuration, Loading, StatusBadge } from "../src/components/States";
import { fmt, sortRows, VirtualTable, type Column, type Sort } from "../src/components/VirtualTable";
import { toRowView, type RunRowView } from "../src/lib/runRow";
import { useTRPC } from "../src/lib/trpc";

const COLUMNS: Column<RunRowView>[] = [
  { id: "seq", label: "#", width: "56px", value: (r) => r.seq, numeric: true },
  { id: "name", label: "Experiment", width: "minmax(180px, 2fr)", value: (r) => r.name, render: (r) => <Link href={`/runs/${r.id}`}>{r.name}</Link> },
  { id: "status", label: "Status", width: "110px", value: (r) => r.status, render: (r) => <StatusBadge status={r.status} /> },
  { id: "kind", label: "Kind", width: "110px", value: (r) => r.kind },
  { id: "task", label: "Task", width: "minmax(120px, 1fr)", value: (r) => r.task },
  { id: "methods", label: "Methods", width: "minmax(140px, 1.5fr)", value: (r) => r.methods },
  { id: "tags", label: "Tags", width: "minmax(80px, 1fr)", value: (r) => r.tags },
  { id: "weak", label: "Weak", width: "90px", value: (r) => r.weak, numeric: true },
  { id: "bestAcc", label: "Best student", width: "120px", value: (r) => r.bestAcc, numeric: true },
  { id: "ceiling", label: "Ceiling", width: "100px", value: (r) => r.ceiling, numeric: true },
  { id: "best", label: "Best method", width: "110px", value: (r) => r.best },
  {
    id: "pgr",
    label: "PGR [CI]",
    width: "170px",
    value: (r) => r.pgr,
    numeric: true,
    render: (r) => (r.pgr === null ? "—" : `${fmt(r.pgr)} [${fmt(r.pgrLow)}, ${fmt(r.pgrHigh)}]`),
  },
  { id: "duration", label: "Duration", width: "100px", value: (r) => r.duration, numeric: true, render: (r) => fmtDuration(r.duration) },
  { id: "executor", label: "Executor", width: "140px", value: (r) => r.executor, render: (r) => <span title={r.executor} data-testid="executor">{r.executor}</span> },
  { id: "sweep", label: "Sweep", width: "110px", value: (r) => r.sweep, render: (r) => <span title={r.sweep}>{r.sweep}</span> },
  { id: "created", label: "Created", width: "160px", value: (r) => r.created, render: (r) => new Date(r.created).toLocaleString() },
];
const DEFAULT_HIDDEN = ["tags", "kind"];

export default function ExperimentsPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const [status, setStatus] = useState<string>("");
  const [text, setText] = useState("");
  const [sort, setSort] = useState<Sort | null>({ id: "seq", dir: -1 });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [hidden, setHidden] = useState<Set<string>>(new Set(DEFAULT_HIDDEN));
  useEffect(() => {
    const saved = localStorage.getItem("ws2s-hidden-columns");
    if (saved) setHidden(new Set(JSON.parse(saved) as string[]));
  }, []);
  const toggleColumn = (id: string) => {
    const next = new Set(hidden);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setHidden(next);
    localStorage.setItem("ws2s-hidden-columns", JSON.stringify([...next]));
  };

  const q = useInfiniteQuery({
    ...trpc.run.list.infiniteQueryOptions(
      { limit: 200, ...(status ? { status: status as RunStatus } : {}) },
      { getNextPageParam: (p) => p.nextCursor },
    ),
    refetchInterval: 4000,
  });
  const all = useMemo(() => (q.data?.pages ?? []).flatMap((p) => p.items.map(toRowView)), [q.data]);
  const columns = COLUMNS.filter((c) => !hidden.has(c.id));
  const rows = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const filtered = needle ? all.filter((r) => COLUMNS.some((c) => String(c.value(r) ?? "").toLowerCase().includes(needle))) : all;
    return sortRows(filtered, COLUMNS, sort);
  }, [all, text, sort]);
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
        <input id="filter" type="search" placeholder="any column…" value={text} onChange={(e) => setText(e.target.value)} />
        <label htmlFor="status">Status</label>
        <select id="status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">any</option>
          {RunStatus.options.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <details>
          <summary className="btn ghost">Columns</summary>
          <div className="card" style={{ position: "absolute", zIndex: 5 }}>
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
        <button
          className="btn"
          disabled={selected.size < 1}
          data-testid="compare-selected"
          onClick={() => router.push(`/compare?runs=${[...selected].join(",")}`)}
        >
          Compare selected ({selected.size})
        </button>
      </div>
      {q.isPending ? (
        <Loading what="runs" />
      ) : q.error ? (
        <Failed what="runs" error={q.error} />
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
          sort={sort}
          onSort={setSort}
          onNearEnd={() => q.hasNextPage && !q.isFetchingNextPage && void q.fetchNextPage()}
        />
      )}
      <p className="muted" style={{ fontSize: 12 }}>
        Keyboard: focus the table, ↑/↓ to move, Space to select, Enter to open. Click a header to sort.
      </p>
    </>
  );
}
