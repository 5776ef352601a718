"use client";
import { useMemo, useState } from "react";
import type { ClassificationExampleRow, GenerationExampleRow } from "../lib/results";

type Prediction = ClassificationExampleRow["ensemble"];

const PAGE = 100;

type Filter = "all" | "disagree" | "fixed" | "copied" | "wrong";
const FILTERS: { id: Filter; label: string }[] = [
  { id: "all", label: "all" },
  { id: "disagree", label: "weak models disagree" },
  { id: "fixed", label: "student fixed a weak error" },
  { id: "copied", label: "student copied a weak error" },
  { id: "wrong", label: "student wrong" },
];

const same = (a: unknown, b: unknown) => String(a) === String(b);

/** Gold, every weak label + confidence, the ensemble and each student; filters for weak disagreement and error copying. */
export function ClassificationExamples({ rows }: { rows: ClassificationExampleRow[] }) {
  const weakNames = Object.keys(rows[0]?.weak ?? {});
  const students = Object.keys(rows[0]?.students ?? {});
  const [student, setStudent] = useState(students[0] ?? "");
  const [filter, setFilter] = useState<Filter>("all");
  const [limit, setLimit] = useState(PAGE);
  const [text, setText] = useState("");
  const [order, setOrder] = useState<Order>("none");
  const needle = text.trim().toLowerCase();
  const matching = useMemo(() => (needle ? rows.filter((r) => r.text.toLowerCase().includes(needle)) : rows), [rows, needle]);
  const counts = useMemo(() => {
    const c: Record<Filter, number> = { all: 0, disagree: 0, fixed: 0, copied: 0, wrong: 0 };
    for (const r of matching) for (const f of FILTERS) if (keep(r, f.id, student)) c[f.id]++;
    return c;
  }, [matching, student]);
  const shown = useMemo(() => sortExamples(matching.filter((r) => keep(r, filter, student)), order, student), [matching, filter, student, order]);
  const hasU = rows.some((r) => r.students[student]?.uncertainty !== undefined);

  return (
    <>
      <div className="row" style={{ margin: "10px 0" }} role="group" aria-label="Filters">
        <label htmlFor="student">Student</label>
        <select id="student" value={student} onChange={(e) => setStudent(e.target.value)}>
          {students.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        {FILTERS.map((f) => (
          <label key={f.id} className="btn ghost">
            <input type="radio" name="filter" value={f.id} checked={filter === f.id} onChange={() => (setFilter(f.id), setLimit(PAGE))} /> {f.label} ({counts[f.id]})
          </label>
        ))}
      </div>
      <div className="row" style={{ marginBottom: 8 }}>
        <label htmlFor="ex-search">Search</label>
        <input id="ex-search" type="search" className="grow" placeholder="words in the text…" value={text} onChange={(e) => (setText(e.target.value), setLimit(PAGE))} />
        <label htmlFor="ex-order">Sort</label>
        <select id="ex-order" value={order} onChange={(e) => setOrder(e.target.value as Order)}>
          <option value="none">as stored</option>
          <option value="conf-asc">student confidence, lowest first</option>
          <option value="conf-desc">student confidence, highest first</option>
          {hasU && <option value="u-desc">student uncertainty, highest first</option>}
          {hasU && <option value="u-asc">student uncertainty, lowest first</option>}
        </select>
      </div>
      <p className="muted" style={{ fontSize: 12 }}>
        A weak error is an example the weak ensemble gets wrong; the student <em>fixed</em> it when it predicts gold, <em>copied</em> it when it repeats
        the ensemble&apos;s label.
      </p>
      <div style={{ overflowX: "auto" }}>
        <table className="data" data-testid="examples-table">
          <thead>
            <tr>
              <th className="num">seed</th>
              <th>text</th>
              <th>gold</th>
              {weakNames.map((w) => (
                <th key={w}>weak {w}</th>
              ))}
              <th>ensemble</th>
              {students.map((s) => (
                <th key={s}>student {s}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, limit).map((r, i) => (
              <tr key={`${r.seed}-${r.index}-${i}`}>
                <td className="num">{r.seed}</td>
                <td>{r.text}</td>
                <td>
                  <strong>{String(r.gold)}</strong>
                </td>
                {weakNames.map((w) => (
                  <PredCell key={w} p={r.weak[w]} gold={r.gold} />
                ))}
                <PredCell p={r.ensemble} gold={r.gold} />
                {students.map((s) => (
                  <PredCell key={s} p={r.students[s]} gold={r.gold} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p className="muted">No examples match this filter.</p>}
      {shown.length > limit && (
        <button className="btn" onClick={() => setLimit(limit + PAGE)}>
          Show more ({shown.length - limit} left)
        </button>
      )}
    </>
  );
}

type Order = "none" | "conf-asc" | "conf-desc" | "u-asc" | "u-desc";

/** Rows by the chosen student's confidence or uncertainty (rows without one last). */
function sortExamples(rows: ClassificationExampleRow[], order: Order, student: string): ClassificationExampleRow[] {
  if (order === "none") return rows;
  const key = (r: ClassificationExampleRow) => (order.startsWith("u") ? r.students[student]?.uncertainty : r.students[student]?.confidence);
  const dir = order.endsWith("asc") ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
    return (x - y) * dir;
  });
}

function keep(r: ClassificationExampleRow, f: Filter, student: string): boolean {
  if (f === "all") return true;
  if (f === "disagree") return new Set(Object.values(r.weak).map((p) => String(p.label))).size > 1;
  const s = r.students[student];
  if (!s) return false;
  if (f === "wrong") return !same(s.label, r.gold);
  const weakWrong = !same(r.ensemble.label, r.gold);
  if (f === "fixed") return weakWrong && same(s.label, r.gold);
  return weakWrong && same(s.label, r.ensemble.label);
}

function PredCell({ p, gold }: { p: Prediction | undefined; gold: unknown }) {
  if (!p) return <td className="muted">—</td>;
  const ok = same(p.label, gold);
  return (
    <td className={ok ? "right" : "wrong"} title={p.uncertainty !== undefined ? `uncertainty ${p.uncertainty}` : undefined}>
      {String(p.label)} <span className="muted">{p.confidence.toFixed(2)}</span>
      {p.uncertainty !== undefined && <span className="muted"> u={p.uncertainty.toFixed(2)}</span>}
    </td>
  );
}

/** Source and gold, the weak models' joint decode and each student's output side by side. */
export function GenerationExamples({ rows }: { rows: GenerationExampleRow[] }) {
  const [limit, setLimit] = useState(50);
  const [onlyWrong, setOnlyWrong] = useState(false);
  const shown = onlyWrong ? rows.filter((r) => Object.values(r.students).some((s) => !same(s, r.gold))) : rows;
  return (
    <>
      <label className="row" style={{ margin: "10px 0" }}>
        <input type="checkbox" checked={onlyWrong} onChange={(e) => setOnlyWrong(e.target.checked)} /> only examples a student gets wrong
      </label>
      <div data-testid="examples-generation">
        {shown.slice(0, limit).map((r, i) => (
          <article key={i} className="card" style={{ marginBottom: 10 }}>
            <div>
              <strong>source</strong> {r.source}
            </div>
            <div className="mono">
              <strong>gold</strong> {r.gold}
            </div>
            <h3>joint decode → students</h3>
            <div className={`mono ${same(r.joint, r.gold) ? "right" : "wrong"}`}>joint: {r.joint}</div>
            {Object.entries(r.students).map(([n, out]) => (
              <div key={n} className={`mono ${same(out, r.gold) ? "right" : "wrong"}`}>
                {n}: {out}
              </div>
            ))}
          </article>
        ))}
      </div>
      {shown.length > limit && (
        <button className="btn" onClick={() => setLimit(limit + 50)}>
          Show more ({shown.length - limit} left)
        </button>
      )}
    </>
  );
}
