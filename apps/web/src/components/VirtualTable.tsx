"use client";
import { useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

export interface Column<T> {
  id: string;
  label: string;
  width: string; // CSS grid track, e.g. "120px" or "2fr"
  value: (row: T) => string | number | null | undefined;
  render?: (row: T) => ReactNode;
  numeric?: boolean;
}

export type Sort = { id: string; dir: 1 | -1 };

interface Props<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  selected: ReadonlySet<string>;
  onToggle: (key: string) => void;
  onOpen: (row: T) => void;
  sort: Sort | null;
  onSort: (s: Sort) => void;
  height?: number;
  rowHeight?: number;
  onNearEnd?: () => void;
  label: string;
}

/**
 * A table that renders only the rows in view (plus a margin), so thousands of runs scroll smoothly.
 * Keyboard: ↑/↓ move, space selects, Enter opens; headers are buttons that sort.
 */
export function VirtualTable<T>(p: Props<T>) {
  const rowHeight = p.rowHeight ?? 32;
  const height = p.height ?? 560;
  const [top, setTop] = useState(0);
  const [cursor, setCursor] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const template = `36px ${p.columns.map((c) => c.width).join(" ")}`;
  const first = Math.max(0, Math.floor(top / rowHeight) - 10);
  const last = Math.min(p.rows.length, Math.ceil((top + height) / rowHeight) + 10);
  const visible = useMemo(() => p.rows.slice(first, last), [p.rows, first, last]);

  const onScroll = (e: React.UIEvent<HTMLDivElement>) => {
    const t = e.currentTarget.scrollTop;
    setTop(t);
    if (p.onNearEnd && t + height > p.rows.length * rowHeight - 10 * rowHeight) p.onNearEnd();
  };
  const move = (i: number) => {
    const c = Math.max(0, Math.min(p.rows.length - 1, i));
    setCursor(c);
    const el = box.current;
    if (!el) return;
    const y = c * rowHeight + rowHeight; // +header
    if (y < el.scrollTop + rowHeight) el.scrollTop = y - rowHeight;
    else if (y + rowHeight > el.scrollTop + height) el.scrollTop = y + rowHeight - height;
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const row = p.rows[cursor];
    if (e.key === "ArrowDown") move(cursor + 1);
    else if (e.key === "ArrowUp") move(cursor - 1);
    else if (e.key === " " && row) p.onToggle(p.rowKey(row));
    else if (e.key === "Enter" && row) p.onOpen(row);
    else return;
    e.preventDefault();
  };

  return (
    <div
      ref={box}
      className="vtable"
      style={{ height }}
      onScroll={onScroll}
      onKeyDown={onKey}
      tabIndex={0}
      role="grid"
      aria-label={p.label}
      aria-rowcount={p.rows.length}
    >
      <div className="vhead" style={{ gridTemplateColumns: template }} role="row">
        <span className="cell" role="columnheader" aria-label="select" />
        {p.columns.map((c) => {
          const active = p.sort?.id === c.id;
          return (
            <span key={c.id} role="columnheader" aria-sort={active ? (p.sort!.dir === 1 ? "ascending" : "descending") : "none"}>
              <button type="button" onClick={() => p.onSort({ id: c.id, dir: active && p.sort!.dir === 1 ? -1 : 1 })}>
                {c.label} {active ? (p.sort!.dir === 1 ? "▲" : "▼") : ""}
              </button>
            </span>
          );
        })}
      </div>
      <div style={{ height: p.rows.length * rowHeight, position: "relative" }}>
        {visible.map((row, j) => {
          const i = first + j;
          const key = p.rowKey(row);
          const sel = p.selected.has(key);
          return (
            <div
              key={key}
              role="row"
              aria-selected={sel}
              data-testid="table-row"
              className={`vrow${sel ? " selected" : ""}`}
              style={{ top: i * rowHeight, height: rowHeight, gridTemplateColumns: template, outline: i === cursor ? "1px dotted var(--accent)" : undefined }}
              onClick={() => setCursor(i)}
              onDoubleClick={() => p.onOpen(row)}
            >
              <span className="cell" role="gridcell">
                <input type="checkbox" checked={sel} onChange={() => p.onToggle(key)} aria-label={`select ${key}`} tabIndex={-1} />
              </span>
              {p.columns.map((c) => (
                <span key={c.id} className={`cell${c.numeric ? " num" : ""}`} role="gridcell" style={c.numeric ? { textAlign: "right" } : undefined} title={String(c.value(row) ?? "")}>
                  {c.render ? c.render(row) : fmt(c.value(row))}
                </span>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}

export function fmt(v: string | number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  return v;
}

/** Client-side sort: numbers numerically, missing values last. */
export function sortRows<T>(rows: T[], columns: Column<T>[], sort: Sort | null): T[] {
  const col = sort && columns.find((c) => c.id === sort.id);
  if (!col || !sort) return rows;
  return [...rows].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * sort.dir;
  });
}
