import { startJob } from "@ws2s/bridge";
import type { Execution, ExecutionHooks, Executor, JobSpec } from "./executor.js";

/** Today's executor, the embedded default: one runner process per run on this machine (packages/bridge). */
export class LocalExecutor implements Executor {
  readonly name = "local";
  readonly usesLocalGpus = true;

  async check(): Promise<void> {}

  async start(spec: JobSpec, hooks: ExecutionHooks): Promise<Execution> {
    const handle = startJob({ job: spec.job, params: spec.params, env: spec.env, onEvent: hooks.onEvent });
    return { pid: handle.pid, jobId: null, result: handle.result, cancel: () => handle.cancel() };
  }
}
