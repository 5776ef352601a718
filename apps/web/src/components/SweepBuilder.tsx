"use client";
import type { SweepCheck, SweepRow } from "../lib/validate";

/** Lists of values by config path; their cartesian product becomes child runs. */
export function SweepBuilder({ rows, onChange, check }: { rows: SweepRow[]; onChange: (r: SweepRow[]) => void; check: SweepCheck | null }) {
  const edit = (i: number, patch: Partial<SweepRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div data-testid="sweep">
      <p className="muted" style={{ marginTop: 0 }}>
        Each row: a config path and its values (comma-separated, or a JSON array such as <code>[[0],[1]]</code> for seeds). Every
        combination runs as a child of one sweep.
      </p>
      {rows.map((r, i) => (
        <div key={i} className="field" style={{ gridTemplateColumns: "180px 1fr auto" }}>
          <input aria-label={`sweep path ${i + 1}`} placeholder="strong_train.lr" value={r.path} onChange={(e) => edit(i, { path: e.target.value })} />
          <input aria-label={`sweep values ${i + 1}`} placeholder="0.001, 0.003" value={r.values} onChange={(e) => edit(i, { values: e.target.value })} aria-invalid={check?.errors.has(i)} />
          <button type="button" className="btn ghost" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`remove sweep row ${i + 1}`}>
            Remove
          </button>
          {check?.errors.get(i) && (
            <div className="field-error" style={{ gridColumn: "1 / -1" }} role="alert">
              {check.errors.get(i)}
            </div>
          )}
        </div>
      ))}
      <div className="row">
        <button type="button" className="btn" onClick={() => onChange([...rows, { path: "", values: "" }])}>
          Add sweep axis
        </button>
        {check && check.children > 0 && <span className="muted">{check.children} child runs</span>}
      </div>
    </div>
  );
}
