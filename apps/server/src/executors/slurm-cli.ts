import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A SLURM command's stdout; a failure carries its stderr's first line. */
export async function slurm(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { env: opts.env ?? process.env, timeout: 60_000, maxBuffer: 16 << 20 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string; code?: string | number };
    if (err.code === "ENOENT") throw new Error(`${cmd} is not on PATH`);
    const why = (err.stderr ?? "").trim().split("\n")[0] || err.message;
    throw new Error(`${cmd} failed: ${why}`);
  }
}

/** A job's state as SLURM reports it: e.g. {state: "PENDING", reason: "Resources"}. */
export interface JobState {
  state: string;
  reason: string | null;
  exitCode?: string;
}

/** States after which a job runs no more. */
const ENDED = new Set(["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]);

export function hasEnded(s: JobState): boolean {
  return ENDED.has(s.state);
}

/**
 * Job states for many followed jobs with one squeue call per poll: requests made within a few
 * milliseconds of each other (the jobs poll on the same clock ticks, see nextTick) share a call. A job
 * squeue no longer lists has ended; its final state comes from sacct (accounting), else from
 * `scontrol show job` (which keeps a finished job for MinJobAge where there is no accounting).
 */
export class JobStates {
  private pending = new Map<string, ((s: JobState | undefined) => void)[]>();
  private timer: NodeJS.Timeout | undefined;

  get(jobId: string): Promise<JobState | undefined> {
    return new Promise((resolve) => {
      const waiting = this.pending.get(jobId);
      if (waiting) waiting.push(resolve);
      else this.pending.set(jobId, [resolve]);
      this.timer ??= setTimeout(() => void this.flush(), 10);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.timer = undefined;
    const ids = [...batch.keys()];
    // One unknown id alone makes squeue fail; in a list it is left out. Either way it is not queued.
    const out = await slurm("squeue", ["-h", "-j", ids.join(","), "-o", "%i|%T|%r"]).catch(() => "");
    const queued = new Map<string, JobState>();
    for (const line of out.trim().split("\n").filter(Boolean)) {
      const [id = "", state = "", reason = ""] = line.split("|");
      queued.set(id, { state, reason: reason && reason !== "None" ? reason : null });
    }
    for (const [id, resolvers] of batch) {
      const state = queued.get(id) ?? (await endedState(id));
      for (const resolve of resolvers) resolve(state);
    }
  }
}

/** The state of a job squeue no longer lists: sacct, else scontrol; undefined when neither knows it. */
async function endedState(jobId: string): Promise<JobState | undefined> {
  const acct = (await slurm("sacct", ["-n", "-X", "-P", "-j", jobId, "-o", "State,Reason,ExitCode"]).catch(() => "")).trim();
  if (acct) {
    const [state = "", reason = "", exitCode = ""] = acct.split("\n")[0]!.split("|");
    // sacct writes "CANCELLED by 0".
    return { state: state.split(" ")[0]!, reason: reason && reason !== "None" ? reason : null, exitCode };
  }
  const show = (await slurm("scontrol", ["show", "job", "-o", jobId]).catch(() => "")).trim();
  const field = (k: string) => show.match(new RegExp(`\\b${k}=(\\S+)`))?.[1] ?? null;
  const state = field("JobState");
  if (!state) return undefined;
  const reason = field("Reason");
  return { state, reason: reason && reason !== "None" ? reason : null, exitCode: field("ExitCode") ?? "" };
}

/** Milliseconds to the next multiple of `every` on the wall clock, so that followers poll together. */
export function nextTick(every: number): number {
  return every - (Date.now() % every);
}

/** Why SLURM ended a job, in words a user can act on. */
export function describeEnd(jobId: string, s: JobState): string {
  const what: Record<string, string> = {
    TIMEOUT: "it ran past its time limit; raise resources.timeMinutes",
    OUT_OF_MEMORY: "it ran out of memory; raise resources.memory",
    NODE_FAIL: "its node failed; retry the run",
    PREEMPTED: "it was preempted by a higher-priority job; retry the run",
    CANCELLED: "it was cancelled outside ws2s (scancel or an administrator)",
    BOOT_FAIL: "its node failed to boot; retry the run",
    DEADLINE: "it missed its deadline",
    FAILED: "the job script failed before the Python job could report",
  };
  const reason = s.reason ? ` (${s.reason})` : "";
  return `SLURM ended job ${jobId}: ${s.state}${reason}; ${what[s.state] ?? `exit code ${s.exitCode ?? "unknown"}`}`;
}
