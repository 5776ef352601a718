"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { MetricCharts } from "../../../src/components/MetricCharts";
import { ResultsView } from "../../../src/components/ResultsView";
import { RunFiles } from "../../../src/components/RunFiles";
import { SweepView } from "../../../src/components/SweepView";
import { asResults } from "../../../src/lib/results";
import { StageTimeline } from "../../../src/components/StageTimeline";
import { Failed, fmtDuration, Loading, StatusBadge } from "../../../src/components/States";
import { executorLabel } from "../../../src/lib/runRow";
import { useTRPC } from "../../../src/lib/trpc";
import { useRunStream } from "../../../src/lib/useRunStream";

const ACTIVE = new Set(["queued", "running"]);
// tRPC's subscription states in words: "pending" means connected and waiting for events.
const STREAM = { connecting: "connecting…", pending: "live", idle: "closed", error: "reconnecting…" } as const;

export default function RunPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const run = useQuery({ ...trpc.run.get.queryOptions({ id }), refetchInterval: (q) => (q.state.data && !ACTIVE.has(q.state.data.status) ? false : 2000) });
  const live = !run.data || ACTIVE.has(run.data.status);
  const isSweep = run.data?.job === null;
  const stream = useRunStream(id, Boolean(run.data) && !isSweep);
  const results = useQuery({ ...trpc.run.results.queryOptions({ id }), enabled: Boolean(run.data) && !live });
  const cancel = useMutation(trpc.run.cancel.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.run.get.queryKey({ id }) }) }));
  const retry = useMutation(trpc.run.retry.mutationOptions({ onSuccess: (r) => router.push(`/runs/${r.id}`) }));

  // The stream's done/error arrives before the status poll notices: refresh at once.
  useEffect(() => {
    if (stream.ended) void qc.invalidateQueries({ queryKey: trpc.run.get.queryKey({ id }) });
  }, [stream.ended, qc, trpc, id]);

  if (run.isPending) return <Loading what={`run ${id}`} />;
  if (run.error) return <Failed what={`run ${id}`} error={run.error} />;
  const r = run.data;
  const name = String((r.config as { name?: unknown }).name ?? r.experimentId);
  const elapsed = r.startedAt ? ((r.finishedAt ?? Date.now()) - r.startedAt) / 1000 : null;

  return (
    <>
      <div className="row">
        <h1 style={{ margin: 0 }}>
          {name} <span className="muted mono">{r.id}</span>
        </h1>
        <StatusBadge status={r.status} />
        <span className="spacer" />
        {ACTIVE.has(r.status) && (
          <button
            className="btn"
            onClick={() => window.confirm(isSweep ? "Cancel every unfinished point of this sweep?" : "Cancel this run? Its progress so far is kept, the rest does not run.") && cancel.mutate({ id })}
            disabled={cancel.isPending}
          >
            Cancel
          </button>
        )}
        {["failed", "cancelled", "interrupted"].includes(r.status) && r.job !== null && (
          <button className="btn" onClick={() => retry.mutate({ id })} disabled={retry.isPending}>
            Retry
          </button>
        )}
        {!isSweep && (
          <Link className="btn" href={`/runs/${id}/examples`}>
            Examples
          </Link>
        )}
        <Link className="btn" href={`/new?from=${id}`}>
          Edit as new
        </Link>
        <Link className="btn" href={`/compare?runs=${id}`}>
          Compare…
        </Link>
      </div>
      <p className="muted">
        experiment <span className="mono">{r.experimentId}</span> · created {new Date(r.createdAt).toLocaleString()}
        {isSweep ? "" : ` · elapsed ${fmtDuration(elapsed)}`}
        {r.parentId && (
          <>
            {" "}
            · point of sweep <Link href={`/runs/${r.parentId}`}>{r.parentId}</Link> ({Object.entries(r.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")})
          </>
        )}
        {r.gpu ? ` · GPU ${r.gpu}` : ""}
        {r.executor && <span data-testid="executor">{` · ${executorLabel(r)}`}</span>}
        {!isSweep && ` · events ${STREAM[stream.connection]}`}
      </p>
      {cancel.error && <Failed what="cancel" error={cancel.error} />}
      {retry.error && <Failed what="retry" error={retry.error} />}
      {r.reason && ACTIVE.has(r.status) && <p className="muted" data-testid="waiting">{r.reason}</p>}
      {r.reason && !ACTIVE.has(r.status) && (
        <div className="state error" data-testid="failure">
          {r.errorType && !r.reason.startsWith(r.errorType) && <strong>{r.errorType}: </strong>}
          {r.reason}
          {r.traceback && (
            <details>
              <summary>traceback</summary>
              <pre className="mono">{r.traceback}</pre>
            </details>
          )}
        </div>
      )}
      {isSweep ? (
        <SweepView points={[...r.children].reverse()} />
      ) : (
        <>
          <h2>Stages</h2>
          <StageTimeline stages={stream.stages} active={stream.activeStage} finished={!live} succeeded={r.status === "succeeded"} ran={asResults(results.data?.result)?.timings.stages_s} without={(r.config as { dpo?: unknown }).dpo ? [] : ["dpo"]} />
          <h2>{live ? "Live metrics" : "Metrics"}</h2>
          <MetricCharts runs={[{ id, label: name }]} live={live} note={cachedNote(results.data?.result)} />
          <h2>Logs</h2>
          <Logs stream={stream} outDir={r.outDir} />
          <h2>Files</h2>
          <RunFiles id={id} live={live} />
        </>
      )}
      {!isSweep && <h2>Result</h2>}
      {isSweep ? null : live ? (
        <p className="muted">The result appears when the run finishes.</p>
      ) : results.isPending ? (
        <Loading what="results" />
      ) : results.error ? (
        <Failed what="results" error={results.error} />
      ) : results.data.result ? (
        <ResultsView runId={id} result={results.data.result} />
      ) : (
        <p className="muted">This run produced no result.</p>
      )}
    </>
  );
}

/** Which stages came from the cache (and so drew no curves in this run), in words; undefined when none did. */
function cachedNote(result: unknown): string | undefined {
  const kinds = Object.entries(asResults(result)?.cache?.by_kind ?? {}).filter(([, c]) => c.hits > 0);
  if (kinds.length === 0) return undefined;
  return `Loaded from the cache, so no curves here: ${kinds.map(([k, c]) => `${k.replace(/_/g, " ")} (${c.hits})`).join(", ")}.`;
}

/** A log line without absolute server paths: the run's own directory dropped, other paths cut to their last part. */
function shortPaths(message: string, outDir: string | null): string {
  const own = outDir ? message.split(`${outDir}/`).join("").split(outDir).join(".") : message;
  return own.replace(/(?:\/[\w.@+-]+){2,}\/([\w.@+-]+)/g, "…/$1");
}

function Logs({ stream, outDir }: { stream: ReturnType<typeof useRunStream>; outDir: string | null }) {
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 60) el.scrollTop = el.scrollHeight;
  }, [stream.logs.length]);
  return (
    <pre ref={box} className="logs" data-testid="logs" aria-live="polite" tabIndex={0}>
      {stream.logs.length === 0 && !stream.error && <span className="muted">No log lines yet.</span>}
      {stream.logs.map((l) => (
        <div key={l.seq} className={l.level}>
          [{l.level}] {shortPaths(l.message, outDir)}
        </div>
      ))}
      {stream.error && (
        <div className="error">
          [{stream.error.error_type}] {stream.error.message}
        </div>
      )}
    </pre>
  );
}
