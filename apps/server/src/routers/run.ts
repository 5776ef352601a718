import { RunEventsInput, RunFileInput, RunIdInput, RunListInput, RunMetricsInput, RunStartInput, TERMINAL_STATUSES, type RunStatus } from "@ws2s/schema";
import { join } from "node:path";
import { TRPCError } from "@trpc/server";
import { listFiles, readRunFile } from "../artifacts.js";
import { applyOverrides, cartesian } from "../config-paths.js";
import { confine, PathNotAllowedError } from "../confine.js";
import type { RunRow } from "../db/schema.js";
import { badInput, conflict } from "../errors.js";
import { procedure, router, type Services } from "../trpc.js";
import { retryOf } from "../store/runs.js";
import { resolveConfig } from "../validate.js";
import { runEvents } from "./run-events.js";

const MAX_SWEEP_RUNS = 256;
const RETRYABLE: RunStatus[] = ["failed", "cancelled", "interrupted"];
/** The list's input, which may be left out entirely (`curl .../trpc/run.list` sends none). */
const ListInput = RunListInput.optional().transform((v) => v ?? RunListInput.parse({}));

/** Points of a sweep: the product of its list lengths, computed before any point is built. */
function sweepSize(sweep: Record<string, readonly unknown[]>): number {
  return Object.values(sweep).reduce((n, values) => n * values.length, 1);
}

const isTerminal = (status: string) => TERMINAL_STATUSES.includes(status as RunStatus);

async function children(ctx: Services, run: RunRow): Promise<RunRow[]> {
  return run.sweep ? (await ctx.store.runs.list({ parentId: run.id, limit: MAX_SWEEP_RUNS })).items : [];
}

function outDirBase(ctx: Services, outDir: string | undefined): string {
  if (outDir === undefined) return ctx.opts.runsRoot;
  try {
    return confine(outDir, [ctx.opts.runsRoot]);
  } catch (e) {
    if (e instanceof PathNotAllowedError) throw badInput([{ path: ["outDir"], message: e.message }]);
    throw e;
  }
}

export const runRouter = router({
  /** Queues one run of an experiment, or a sweep (a parent run with one child per sweep point). */
  start: procedure.input(RunStartInput).mutation(async ({ ctx, input }) => {
    const experiment = await ctx.store.experiments.get(input.experimentId);
    const base = outDirBase(ctx, input.outDir);
    const job = "run_experiment";
    if (!input.sweep) {
      const config = resolveConfig(experiment.config, ctx.opts);
      const run = await ctx.store.runs.insertRun({ experimentId: experiment.id, job, config: config as never, outDir: (id) => join(base, id) });
      ctx.queue.pump();
      return { id: run.id, childIds: [] as string[] };
    }
    const size = sweepSize(input.sweep);
    if (size > MAX_SWEEP_RUNS) {
      throw badInput([{ path: ["sweep"], message: `the sweep has ${size} points; at most ${MAX_SWEEP_RUNS} are allowed` }]);
    }
    const points = cartesian(input.sweep);
    const configs = points.map((point) => resolveConfig(applyOverrides(experiment.config, point), ctx.opts, ["sweep"]));
    const parent = await ctx.store.runs.insertRun({
      experimentId: experiment.id,
      sweep: true,
      job: null,
      config: experiment.config,
      overrides: { sweep: input.sweep },
      outDir: (id) => join(base, id),
    });
    const childIds: string[] = [];
    for (const [i, config] of configs.entries()) {
      const child = await ctx.store.runs.insertRun({
        experimentId: experiment.id,
        parentId: parent.id,
        job,
        config: config as never,
        overrides: points[i],
        outDir: (id) => join(parent.outDir as string, id),
      });
      childIds.push(child.id);
    }
    ctx.queue.pump();
    return { id: parent.id, childIds };
  }),

  /** Cancels a queued or running run, or every unfinished run of a sweep; a finished one answers 409. */
  cancel: procedure.input(RunIdInput).mutation(async ({ ctx, input }) => {
    const run = await ctx.store.runs.get(input.id);
    const targets = (run.sweep ? await children(ctx, run) : [run]).filter((r) => !isTerminal(r.status));
    if (targets.length === 0) throw conflict(`run ${run.id} is ${run.status}; only queued or running runs can be cancelled`);
    await Promise.all(targets.map((r) => ctx.queue.cancel(r.id)));
    return await ctx.store.runs.get(input.id);
  }),

  /** Queues a fresh run with the same config (a new id; the failed run and its data stay). */
  retry: procedure.input(RunIdInput).mutation(async ({ ctx, input }) => {
    const run = await ctx.store.runs.get(input.id);
    if (run.sweep) throw conflict("retry the sweep's failed child runs, not the sweep itself");
    if (!RETRYABLE.includes(run.status as RunStatus)) throw conflict(`run ${run.id} is ${run.status}; only ${RETRYABLE.join(", ")} runs can be retried`);
    const parentDir = run.parentId ? (await ctx.store.runs.get(run.parentId)).outDir : null;
    const retry = await ctx.store.runs.insertRun(retryOf(run, parentDir ?? ctx.opts.runsRoot));
    ctx.queue.pump();
    return { id: retry.id };
  }),

  get: procedure.input(RunIdInput).query(async ({ ctx, input }) => {
    const run = await ctx.store.runs.get(input.id);
    return { ...run, children: (await children(ctx, run)).map((c) => ({ id: c.id, status: c.status, overrides: c.overrides, progress: c.progress })) };
  }),

  list: procedure.input(ListInput).query(({ ctx, input }) => ctx.store.runs.list(input)),

  /** Metric series, each downsampled to at most maxPoints points (raw points stay stored). */
  metrics: procedure.input(RunMetricsInput).query(async ({ ctx, input }) => {
    await ctx.store.runs.get(input.id);
    const keys = input.keys ?? (await ctx.store.metrics.keys(input.id));
    return Promise.all(keys.map((key) => ctx.store.metrics.series(input.id, key, input)));
  }),

  events: procedure.input(RunEventsInput).subscription(({ ctx, input, signal }) => runEvents(ctx, input, signal)),

  results: procedure.input(RunIdInput).query(async ({ ctx, input }) => {
    const run = await ctx.store.runs.get(input.id);
    const finished = TERMINAL_STATUSES.includes(run.status as RunStatus);
    return {
      id: run.id,
      status: run.status,
      finished,
      result: run.result,
      reason: run.reason,
      errorType: run.errorType,
      traceback: run.traceback,
      repro: run.repro,
    };
  }),

  /** Artifacts the job reported, and the files in the run's output directory (each with its download URL). */
  artifacts: procedure.input(RunIdInput).query(async ({ ctx, input }) => {
    const run = await ctx.store.runs.get(input.id);
    const reported = await ctx.store.events.reportedArtifacts(run.id);
    const files = (run.outDir ? listFiles(run.outDir) : []).map((f) => ({
      ...f,
      url: `/api/runs/${run.id}/files/${f.path.split("/").map(encodeURIComponent).join("/")}`,
    }));
    return { outDir: run.outDir, reported, files };
  }),

  /** A text file from the run's output directory, e.g. examples.jsonl (confined to that directory). */
  file: procedure.input(RunFileInput).query(async ({ ctx, input }) => {
    const run = await ctx.store.runs.get(input.id);
    if (!run.outDir) throw new TRPCError({ code: "NOT_FOUND", message: `run ${run.id} has no output directory` });
    let path: string;
    try {
      path = confine(input.path, [run.outDir]);
    } catch (e) {
      if (e instanceof PathNotAllowedError) throw badInput([{ path: ["path"], message: e.message }]);
      throw e;
    }
    let file;
    try {
      file = readRunFile(path);
    } catch (e) {
      throw new TRPCError({ code: "PAYLOAD_TOO_LARGE", message: (e as Error).message });
    }
    if (!file) throw new TRPCError({ code: "NOT_FOUND", message: `no file "${input.path}" in the output of run ${run.id}` });
    return { path: input.path, ...file };
  }),
});
