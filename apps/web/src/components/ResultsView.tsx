"use client";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import {
  asResults,
  BAYESIAN_LOSSES,
  clip01,
  download,
  extraScores,
  failedMethods,
  intervalLabel,
  metricOf,
  okMethods,
  parseExamples,
  reliability,
  resultsProblem,
  score,
  selective,
  separatedBest,
  skippedDpo,
  summaryCsv,
  topMethod,
  vsNaive,
  type ExperimentResults,
  type PairedDiff,
} from "../lib/results";
import { useTRPC } from "../lib/trpc";
import { groupColor } from "../lib/seriesGroups";
import { Bars } from "./Bars";
import { LineChart } from "./LineChart";
import { fmt } from "./VirtualTable";
import { Failed, Loading } from "./States";

const ci = (lo: number | null | undefined, hi: number | null | undefined) =>
  lo === null || lo === undefined || hi === null || hi === undefined ? "" : ` [${fmt(lo)}, ${fmt(hi)}]`;
/** The interval of a bounded score (accuracy, F1, AUROC, ECE), clipped to [0, 1]. */
const ci01 = (lo: number | null | undefined, hi: number | null | undefined) => ci(clip01(lo), clip01(hi));

export function ResultsView({ runId, result }: { runId: string; result: unknown }) {
  const r = asResults(result);
  if (!r) {
    return (
      <>
        <Downloads runId={runId} result={result} r={null} />
        <p className="muted" data-testid="results-problem">
          This result is not a ws2s results.json ({resultsProblem(result)}); shown as stored.
        </p>
        <pre className="logs">{JSON.stringify(result, null, 2).slice(0, 20_000)}</pre>
      </>
    );
  }
  const noDpo = skippedDpo(r);
  const methods = okMethods(r).filter(([n]) => !noDpo.has(n));
  const failed = failedMethods(r);
  const s = r.summary;
  const metric = metricOf(r);
  const extra = extraScores(r);
  const bestName = separatedBest(r);
  const top = topMethod(r);
  const best = top?.[1];
  const showNaive = methods.some(([, m]) => m.vs_naive !== undefined);
  const seeds = `${r.seeds.length} seed${r.seeds.length === 1 ? "" : "s"}`;
  return (
    <section aria-label="Results" data-testid="results">
      <Downloads runId={runId} result={result} r={r} />
      {best && (
        <p data-testid="pgr-headline">
          {bestName ? (
            <>
              Best method <strong>{bestName}</strong> (its interval lies above every other method's):
            </>
          ) : (
            <>
              No method is separated from the others{" "}
              {best.pgr.low === null ? `(${seeds}: no interval)` : methods.length < 2 ? "(one method)" : "(the intervals overlap)"}; highest{" "}
              <strong>{top![0]}</strong>:
            </>
          )}{" "}
          PGR <strong>{fmt(best.pgr.pgr)}</strong>
          {ci(best.pgr.low, best.pgr.high)} ({best.pgr.low === null ? `${seeds}: no interval` : `${intervalLabel(best.pgr)} over ${seeds}`})
        </p>
      )}
      {r.flags.length > 0 && (
        <ul className="wrong">
          {r.flags.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
      {(r.failures ?? []).length > 0 && (
        <ul className="wrong" data-testid="failures">
          {r.failures!.map((f) => (
            <li key={`${f.method}-${f.seed}`}>
              {f.method} failed in seed {f.seed} ({f.stage}
              {f.step !== null ? `, step ${f.step}` : ""}): {f.reason}
            </li>
          ))}
        </ul>
      )}
      <div className="grid2">
        <div className="card">
          <Bars
            title={`Test ${metric}: weak, students, ceiling${r.seeds.length > 1 ? " (± 95% CI)" : ""}`}
            domain={[0, 1]}
            bars={[
              { label: "weak mean", value: s.weak_mean.mean, low: clip01(s.weak_mean.low), high: clip01(s.weak_mean.high), tone: "weak" },
              { label: "ensemble", value: s.ensemble.mean, low: clip01(s.ensemble.low), high: clip01(s.ensemble.high), tone: "weak" },
              ...methods.map(([n, m]) => {
                const c = score(m, metric);
                return { label: n, value: c?.mean ?? null, low: clip01(c?.low), high: clip01(c?.high), tone: "student" as const };
              }),
              { label: "ceiling", value: s.ceiling.mean, low: clip01(s.ceiling.low), high: clip01(s.ceiling.high), tone: "ceiling" },
            ]}
          />
        </div>
        <div className="card">
          <Bars title={`PGR vs mean weak (${r.seeds.length > 1 ? "± 95% CI" : "1 seed: no interval"})`} bars={methods.map(([n, m]) => ({ label: n, value: m.pgr.pgr, low: m.pgr.low, high: m.pgr.high }))} />
        </div>
      </div>
      <h3>PGR table</h3>
      <div className="scroll-x">
      <table className="data" data-testid="pgr-table">
        <thead>
          <tr>
            <th>method</th>
            <th>loss</th>
            <th className="num">{metric}</th>
            {extra.map((k) => (
              <th key={k} className="num">
                {k}
              </th>
            ))}
            <th className="num">PGR [95% CI]</th>
            <th className="num">PGR vs ensemble</th>
            {showNaive && <th className="num">{metric} − naive [95% CI]</th>}
          </tr>
        </thead>
        <tbody>
          {methods.map(([n, m]) => (
            <tr key={n}>
              <td>{n}</td>
              <td>{m.loss}</td>
              <td className="num">
                {fmt(score(m, metric)?.mean)}
                {ci01(score(m, metric)?.low, score(m, metric)?.high)}
              </td>
              {extra.map((k) => (
                <td key={k} className="num">
                  {fmt(score(m, k)?.mean)}
                </td>
              ))}
              <td className="num" title={m.pgr.reason ?? undefined}>
                {fmt(m.pgr.pgr)}
                {ci(m.pgr.low, m.pgr.high)}
              </td>
              <td className="num">{fmt(m.pgr_vs_ensemble.pgr)}</td>
              {showNaive && <td className="num"><NaiveDiff d={vsNaive(m, metric)} /></td>}
            </tr>
          ))}
          {[...noDpo].map((n) => (
            <tr key={n} className="muted" data-testid="dpo-skipped">
              <td>{n}</td>
              <td>dpo</td>
              <td colSpan={extra.length + 3 + (showNaive ? 1 : 0)}>DPO skipped: no preference pairs in any seed (the student&apos;s candidates never differed)</td>
            </tr>
          ))}
          {failed.map((f) => (
            <tr key={f.name} className="wrong">
              <td>{f.name}</td>
              <td>{f.loss}</td>
              <td colSpan={extra.length + 3 + (showNaive ? 1 : 0)}>failed: {f.reason}</td>
            </tr>
          ))}
          <tr className="muted">
            <td>weak mean / ensemble / ceiling</td>
            <td />
            <td className="num">
              {fmt(s.weak_mean.mean)} / {fmt(s.ensemble.mean)} / {fmt(s.ceiling.mean)}
            </td>
            <td colSpan={extra.length + 2 + (showNaive ? 1 : 0)} />
          </tr>
        </tbody>
      </table>
      </div>
      <Calibration runId={runId} r={r} />
    </section>
  );
}

function NaiveDiff({ d }: { d: PairedDiff | undefined }) {
  if (!d) return <>—</>;
  return (
    <>
      {d.diff !== null && d.diff > 0 ? "+" : ""}
      {fmt(d.diff)}
      {ci(d.low, d.high)}
    </>
  );
}

function Downloads({ runId, result, r }: { runId: string; result: unknown; r: ExperimentResults | null }) {
  return (
    <div className="row" style={{ margin: "8px 0" }}>
      <button type="button" className="btn" onClick={() => download(`${runId}-results.json`, JSON.stringify(result, null, 1), "application/json")}>
        Download results.json
      </button>
      {r && (
        <button type="button" className="btn" onClick={() => download(`${runId}-summary.csv`, summaryCsv(r), "text/csv")}>
          Download CSV
        </button>
      )}
    </div>
  );
}

/** Accuracy on the most certain fraction of test, by the student's uncertainty u, with u's error AUROC. */
function SelectiveCard({ name, rows }: { name: string; rows: Parameters<typeof selective>[0] }) {
  const sel = useMemo(() => selective(rows, name), [rows, name]);
  if (!sel) return null;
  return (
    <div className="card" data-testid={`selective-${name}`}>
      <LineChart
        title={`${name}: selective accuracy (u error AUROC ${sel.errorAuroc === null ? "n/a" : sel.errorAuroc.toFixed(3)})`}
        xLabel="coverage (most certain first)"
        height={200}
        series={[{ label: "accuracy", x: sel.coverage, y: sel.accuracy, color: groupColor(0) }]}
      />
    </div>
  );
}

/** Reliability diagram and confidence histogram for each Bayesian (evidential) student. */
function Calibration({ runId, r }: { runId: string; r: ExperimentResults }) {
  // Per-example confidences exist for classification students (generation examples hold texts).
  const bayes = r.kind === "classification" ? okMethods(r).filter(([, m]) => BAYESIAN_LOSSES.has(m.loss)) : [];
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.run.file.queryOptions({ id: runId, path: "examples.jsonl" }), enabled: bayes.length > 0, staleTime: Infinity });
  const parsed = useMemo(() => {
    if (!q.data) return { rows: [] };
    try {
      const ex = parseExamples(q.data.text);
      return { rows: ex.kind === "classification" ? ex.rows : [] };
    } catch (e) {
      return { rows: [], error: e as Error };
    }
  }, [q.data]);
  const rows = parsed.rows;
  if (bayes.length === 0) return null;
  return (
    <>
      <h3>Calibration of the Bayesian student{bayes.length > 1 ? "s" : ""}</h3>
      {q.isPending && <Loading what="per-example predictions" />}
      {q.error && <Failed what="examples.jsonl" error={q.error} />}
      {parsed.error && <Failed what="examples.jsonl" error={parsed.error} />}
      {rows.length > 0 &&
        bayes.map(([name]) => {
          const rel = reliability(rows, name);
          const pct = (v: number) => v.toFixed(2);
          const used = rel.bins.filter((b) => b.count > 0);
          return (
            <div key={name} className="grid2" data-testid={`calibration-${name}`}>
              <div className="card">
                <Bars
                  title={`${name}: reliability (ECE ${rel.ece.toFixed(3)})`}
                  domain={[0, 1]}
                  diagonal
                  showValues={false}
                  format={pct}
                  bars={rel.bins.map((b) => ({ label: b.count ? pct((b.lo + b.hi) / 2) : "", value: b.accuracy, tone: "student" as const }))}
                />
              </div>
              <SelectiveCard name={name} rows={rows} />
              <div className="card">
                <Bars
                  title={`${name}: confidence histogram (${used.length} bins used)`}
                  format={(v) => v.toFixed(0)}
                  bars={rel.bins.map((b) => ({ label: pct((b.lo + b.hi) / 2), value: b.count, tone: "neutral" as const }))}
                />
              </div>
            </div>
          );
        })}
    </>
  );
}
