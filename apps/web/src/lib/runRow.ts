import { asResults, metricOf, score, separatedBest, topMethod } from "./results";

/** A run as the experiments table shows it: flat, sortable values derived from the stored run. */
export interface RunRowView {
  id: string;
  seq: number;
  experimentId: string;
  name: string;
  status: string;
  kind: string;
  task: string;
  methods: string;
  /** The methods' losses ("xent, edl"). */
  losses: string;
  tags: string;
  sweep: string;
  parentId: string | null;
  /** Where it runs: "local", or "slurm 1234 · PENDING (Resources)". */
  executor: string;
  created: number;
  duration: number | null;
  weak: number | null;
  ceiling: number | null;
  /** The best method where its PGR interval separates from every other's; else null. */
  best: string | null;
  /** The method with the top PGR (shown with its interval whether or not it separates). */
  top: string | null;
  bestAcc: number | null;
  pgr: number | null;
  pgrLow: number | null;
  pgrHigh: number | null;
}

interface StoredRun {
  id: string;
  seq: number;
  experimentId: string;
  parentId: string | null;
  job: string | null;
  status: string;
  config: Record<string, unknown>;
  result?: unknown;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  executor?: string | null;
  jobId?: string | null;
  jobState?: string | null;
}

/** The executor, the engine's job id and its state, as one short label ("" before the run starts). */
export function executorLabel(r: Pick<StoredRun, "executor" | "jobId" | "jobState">): string {
  if (!r.executor) return "";
  return [r.executor, r.jobId, r.jobState && `· ${r.jobState}`].filter(Boolean).join(" ");
}

export function toRowView(r: StoredRun): RunRowView {
  const c = r.config as { name?: string; kind?: string; task?: { source?: string; name?: string; path?: string }; methods?: { name: string; loss?: string }[]; tags?: string[] };
  const res = asResults(r.result);
  // the top PGR is shown with its interval; a method is named best only when its interval separates
  const top = res ? topMethod(res) : null;
  const best = res ? separatedBest(res) : null;
  const bm = top?.[1];
  return {
    id: r.id,
    seq: r.seq,
    experimentId: r.experimentId,
    name: c.name ?? r.experimentId,
    status: r.status,
    kind: c.kind ?? "",
    task: c.task ? `${c.task.source}:${c.task.name ?? c.task.path ?? ""}` : "",
    methods: (c.methods ?? []).map((m) => m.name).join(", "),
    losses: [...new Set((c.methods ?? []).map((m) => m.loss ?? ""))].join(", "),
    tags: (c.tags ?? []).join(", "),
    sweep: r.job === null ? "sweep" : r.parentId ? `point of ${r.parentId}` : "",
    parentId: r.parentId,
    executor: executorLabel(r),
    created: r.createdAt,
    duration: r.startedAt ? ((r.finishedAt ?? Date.now()) - r.startedAt) / 1000 : null,
    weak: res?.summary.weak_mean.mean ?? null,
    ceiling: res?.summary.ceiling.mean ?? null,
    best,
    top: top?.[0] ?? null,
    bestAcc: (res && score(bm, metricOf(res))?.mean) ?? null,
    pgr: bm?.pgr.pgr ?? null,
    pgrLow: bm?.pgr.low ?? null,
    pgrHigh: bm?.pgr.high ?? null,
  };
}
