import { JobCancelledError, PythonError, pythonBin } from "@ws2s/bridge";
import type { Ws2sEvent } from "@ws2s/schema";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunRow } from "../db/schema.js";
import { OptionsError, REPO_ROOT, type ResolvedOptions } from "../options.js";
import { EventFile } from "./event-file.js";
import { ExecutorJobError, type Execution, type ExecutionHooks, type Executor, type JobSpec } from "./executor.js";
import { describeEnd, hasEnded, JobStates, nextTick, slurm, type JobState } from "./slurm-cli.js";

interface Resources {
  timeMinutes?: number;
  memory?: string;
  partition?: string;
}

/** A run's job files on the shared filesystem: the batch script, its params, its events, SLURM's output. */
export function jobFiles(outDir: string) {
  const dir = join(outDir, "slurm");
  return { dir, script: join(dir, "job.sh"), params: join(dir, "params.json"), events: join(dir, "events.jsonl"), output: join(dir, "slurm-%j.out") };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The batch script: SLURM options from the run's resources, then the same Python job the local runner runs. */
export function batchScript(spec: JobSpec, slurmOpts: ResolvedOptions["slurm"]): string {
  const run = spec.run;
  const files = jobFiles(run.outDir as string);
  const res = (run.config.resources ?? {}) as Resources;
  const partition = res.partition ?? slurmOpts.partition;
  const lines = [
    "#!/bin/bash",
    `#SBATCH --job-name=ws2s-${run.id}`,
    `#SBATCH --comment=ws2s-run-${run.id}`,
    `#SBATCH --output=${files.output}`,
    `#SBATCH --chdir=${REPO_ROOT}`,
    "#SBATCH --nodes=1",
    "#SBATCH --ntasks=1",
    // A requeued job would start its events file over; a preempted run fails and is retried instead.
    "#SBATCH --no-requeue",
    ...(partition ? [`#SBATCH --partition=${partition}`] : []),
    ...(slurmOpts.account ? [`#SBATCH --account=${slurmOpts.account}`] : []),
    ...(spec.gpus > 0 ? [`#SBATCH --gres=gpu:${spec.gpus}`] : []),
    ...(res.timeMinutes ? [`#SBATCH --time=${res.timeMinutes}`] : []),
    ...(res.memory ? [`#SBATCH --mem=${res.memory}`] : []),
    "set -eu",
    // The server's own code and venv, as for a local run.
    `export PYTHONPATH=${quote(join(REPO_ROOT, "python", "src"))}\${PYTHONPATH:+:$PYTHONPATH}`,
    "export PYTHONUNBUFFERED=1 PYTHONFAULTHANDLER=1",
    `exec ${quote(pythonBin())} -m ws2s.jobs ${quote(spec.job)} ${quote(files.params)} ${quote(files.events)}`,
    "",
  ];
  return lines.join("\n");
}

/**
 * Runs each job as a SLURM batch job (sbatch) on the cluster's compute nodes, with the run's output
 * directory on the shared filesystem: the job appends its events to a file there and this follows it.
 * Status comes from squeue/sacct, cancel is scancel, and a job SLURM ends (time limit, memory, node
 * failure, preemption, scancel) fails its run with SLURM's reason. A restarted server re-attaches.
 */
export class SlurmExecutor implements Executor {
  readonly name = "slurm";
  readonly usesLocalGpus = false;
  /** One squeue per poll for every job this server follows. */
  private readonly states = new JobStates();

  constructor(private readonly opts: ResolvedOptions) {}

  async check(): Promise<void> {
    const partitions = await slurm("sinfo", ["-h", "-o", "%P"]).catch((e: Error) => {
      if (e.message.includes("not on PATH")) {
        throw new OptionsError("--executor slurm needs SLURM's commands (sbatch, squeue, sinfo) on PATH; install SLURM's client or use --executor local");
      }
      throw new OptionsError(`--executor slurm cannot reach the SLURM controller (${e.message}); check that slurmctld is up and this machine's slurm.conf`);
    });
    await slurm("sbatch", ["--version"]).catch(() => {
      throw new OptionsError("--executor slurm needs SLURM's sbatch on PATH; install SLURM's client or use --executor local");
    });
    const names = partitions.split("\n").map((p) => p.trim().replace(/\*$/, "")).filter(Boolean);
    const wanted = this.opts.slurm.partition;
    if (wanted && !names.includes(wanted)) {
      throw new OptionsError(`SLURM has no partition "${wanted}" (it has ${names.join(", ") || "none"}); pass one of those to --partition`);
    }
  }

  async start(spec: JobSpec, hooks: ExecutionHooks): Promise<Execution> {
    const files = jobFiles(spec.run.outDir as string);
    mkdirSync(files.dir, { recursive: true });
    writeFileSync(files.params, JSON.stringify(spec.params ?? null));
    writeFileSync(files.script, batchScript(spec, this.opts.slurm), { mode: 0o755 });
    // The job inherits sbatch's environment, minus the server's secrets and its GPU choice (SLURM assigns GPUs).
    const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    delete env.CUDA_VISIBLE_DEVICES;
    const out = await slurm("sbatch", ["--parsable", files.script], { env });
    const jobId = out.trim().split(";")[0]!;
    return new SlurmJob(jobId, new EventFile(files.events), -1, hooks, this.opts.pollMs, this.states);
  }

  async reattach(run: RunRow, afterSeq: number, hooks: ExecutionHooks): Promise<Execution | undefined> {
    if (!run.jobId || !run.outDir) return undefined;
    return new SlurmJob(run.jobId, new EventFile(jobFiles(run.outDir).events), afterSeq, hooks, this.opts.pollMs, this.states);
  }
}

/** One submitted job, followed by polling its events file and SLURM's view of it. */
class SlurmJob implements Execution {
  readonly pid = null;
  readonly result: Promise<unknown>;
  private stopped: "cancel" | "detach" | undefined;
  private wake: (() => void) | undefined;
  private lastState = "";

  constructor(
    readonly jobId: string,
    private readonly file: EventFile,
    private readonly afterSeq: number,
    private readonly hooks: ExecutionHooks,
    private readonly pollMs: number,
    private readonly states: JobStates,
  ) {
    this.result = this.follow();
    this.result.catch(() => {}); // the queue awaits it; a detached job's rejection is expected
  }

  async cancel(): Promise<void> {
    this.stopped ??= "cancel";
    await slurm("scancel", [this.jobId]).catch(() => undefined);
    this.wake?.();
    await this.result.catch(() => undefined);
  }

  async detach(): Promise<void> {
    this.stopped ??= "detach";
    this.wake?.();
    await this.result.catch(() => undefined);
  }

  private deliver(): Ws2sEvent | undefined {
    let terminal: Ws2sEvent | undefined;
    for (const e of this.file.read()) {
      if (e.seq > this.afterSeq) this.hooks.onEvent(e);
      if (e.type === "done" || e.type === "error") terminal = e;
    }
    return terminal;
  }

  private async follow(): Promise<unknown> {
    for (;;) {
      if (this.stopped === "detach") throw new Error("detached");
      let terminal = this.deliver();
      if (terminal) return outcomeOf(terminal);
      const state = await this.states.get(this.jobId);
      if (state) this.report(state);
      if (!state || hasEnded(state)) {
        terminal = this.deliver(); // what the job wrote before it ended
        if (terminal) return outcomeOf(terminal);
        if (this.stopped === "cancel") throw new JobCancelledError(`SLURM job ${this.jobId} was cancelled`);
        throw new ExecutorJobError(state ? describeEnd(this.jobId, state) : `SLURM no longer knows job ${this.jobId}; it ended without reporting`, state?.state ?? "UNKNOWN");
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, nextTick(this.pollMs)).unref();
      });
      this.wake = undefined;
    }
  }

  private report(s: JobState): void {
    const text = s.reason && s.state === "PENDING" ? `${s.state} (${s.reason})` : s.state;
    if (text === this.lastState) return;
    this.lastState = text;
    this.hooks.onState?.(text);
  }
}

function outcomeOf(e: Ws2sEvent): unknown {
  if (e.type === "done") return e.result;
  if (e.type === "error") throw new PythonError(e);
  return undefined;
}
