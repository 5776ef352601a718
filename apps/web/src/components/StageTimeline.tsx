"use client";
import { etaSeconds, type StageState } from "../lib/useRunStream";
import { fmtDuration } from "./States";

/** The pipeline's stages in order (progress events name them). */
export const STAGES: { id: string; label: string }[] = [
  { id: "weak", label: "Weak members" },
  { id: "weak_labels", label: "Weak labels" },
  { id: "ceiling", label: "Ceiling" },
  { id: "student", label: "Students" },
  { id: "dpo", label: "DPO" },
  { id: "eval", label: "Evaluation" },
];

/** `finished`: the run ended (stages never reached are "skipped"); `succeeded`: every reached stage completed. */
export function StageTimeline(p: { stages: Map<string, StageState>; active: string | null; finished: boolean; succeeded: boolean; ran?: Record<string, number>; without?: string[] }) {
  const { stages, active, finished, succeeded, ran } = p;
  const known = new Set(STAGES.map((s) => s.id));
  const extra = [...stages.keys()].filter((k) => !known.has(k)).map((id) => ({ id, label: id }));
  return (
    <ol className="timeline" aria-label="Stages">
      {[...STAGES, ...extra].filter((st) => !p.without?.includes(st.id)).map(({ id, label }) => {
        const s = stages.get(id);
        const done = s ? succeeded || (s.current >= s.total && s.total > 0) : false;
        // A stage that reported no progress may still have run (generation reports few stages):
        // the results' timings say which did, and evaluation ran whenever there are results.
        const timed = ran && (id in ran || id === "eval") ? (ran[id] ?? null) : undefined;
        const skipped = !s && finished && timed === undefined;
        const frac = s && s.total > 0 ? Math.min(1, s.current / s.total) : 0;
        const eta = s && id === active ? etaSeconds(s) : null;
        const cls = done || timed !== undefined ? "done" : id === active ? "active" : "";
        return (
          <li key={id} className={cls} data-stage={id} aria-current={id === active ? "step" : undefined}>
            <div className="row">
              <strong>{label}</strong>
              <span className="spacer" />
              <span className="muted">{s ? (done ? `done ${s.total}/${s.total}` : `${s.current}/${s.total}`) : timed !== undefined ? `done${timed ? ` in ${fmtDuration(timed)}` : ""}` : skipped ? (succeeded ? "skipped" : "not reached") : "pending"}</span>
            </div>
            <div className="bar" role="progressbar" aria-label={`${label} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)}>
              <span style={{ width: `${(done ? 1 : frac) * 100}%` }} />
            </div>
            <div className="muted" style={{ fontSize: 12, minHeight: 16 }}>
              {eta !== null ? `ETA ${fmtDuration(eta)} · ` : ""}
              {s?.message ?? ""}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
