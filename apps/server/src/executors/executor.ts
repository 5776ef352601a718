import type { Ws2sEvent } from "@ws2s/schema";
import type { RunRow } from "../db/schema.js";

/** What the queue hands an executor: the run, its Python job and what it may use. */
export interface JobSpec {
  run: RunRow;
  /** Name in ws2s.jobs.JOBS, and its params (JSON). */
  job: string;
  params: unknown;
  /** Extra environment for the job (undefined values unset a variable). */
  env: Record<string, string>;
  /** The local GPU ids the queue assigned ("0,1"), or null (CPU, or a cluster that assigns its own). */
  gpu: string | null;
  /** GPUs the job asks of a cluster (0: CPU). */
  gpus: number;
}

export interface ExecutionHooks {
  /** Every event of the job, in seq order, validated; the last one is done or error. */
  onEvent(e: Ws2sEvent): void;
  /** The engine's state changed, e.g. "PENDING (Resources)" → "RUNNING". */
  onState?(state: string): void;
}

/** One run executing on an executor. */
export interface Execution {
  /** The local runner's pid, or null. */
  readonly pid: number | null;
  /** The engine's id for the job (SLURM's job id), or null. */
  readonly jobId: string | null;
  /**
   * The job's result (its done event), or rejects: PythonError, RunnerCrashedError,
   * JobCancelledError, or ExecutorJobError when the engine ended the job.
   */
  readonly result: Promise<unknown>;
  /** Ends the job; `result` then rejects with JobCancelledError. */
  cancel(): Promise<void>;
  /**
   * Stops following the job without ending it (the server is stopping; the next one re-attaches).
   * Absent where a job cannot outlive its server (local runner processes).
   */
  detach?(): Promise<void>;
}

/**
 * Where the queue runs a job: the local machine's runner processes, or a cluster's scheduler. Another
 * engine (Ray, Kubernetes) is one more implementation of this; the queue does not change.
 */
export interface Executor {
  /** "local", "slurm": recorded on each run. */
  readonly name: string;
  /** Whether runs take the server's own GPU slots (local) or ask the engine for theirs (cluster). */
  readonly usesLocalGpus: boolean;
  /** Checks the engine at server start; throws OptionsError saying what to fix. */
  check(): Promise<void>;
  start(spec: JobSpec, hooks: ExecutionHooks): Promise<Execution>;
  /**
   * Follows a job that an earlier server started (from its engine id), delivering events with
   * seq > afterSeq. Undefined when the job cannot be followed (local runners die with their server).
   */
  reattach?(run: RunRow, afterSeq: number, hooks: ExecutionHooks): Promise<Execution | undefined>;
}

/** The engine ended a job on its own (time limit, out of memory, node failure, preemption, scancel). */
export class ExecutorJobError extends Error {
  override name = "ExecutorJobError";
  constructor(
    message: string,
    /** The engine's final state, e.g. TIMEOUT. */
    readonly state: string,
  ) {
    super(message);
  }
}
