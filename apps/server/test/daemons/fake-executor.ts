import type { Execution, ExecutionHooks, Executor, JobSpec } from "../../src/executors/executor.js";

/**
 * An executor whose jobs finish on their own after `ms` with a done event: for tests of the queue
 * and the store that need many runs but no Python. `started` lists every run id it was given.
 */
export class FakeExecutor implements Executor {
  readonly name = "fake";
  readonly usesLocalGpus = true;
  readonly started: string[] = [];

  constructor(private readonly ms = 5) {}

  async check(): Promise<void> {}

  async start(spec: JobSpec, hooks: ExecutionHooks): Promise<Execution> {
    this.started.push(spec.run.id);
    let cancel!: () => void;
    const result = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        hooks.onEvent({ type: "log", seq: 0, t: Date.now() / 1000, level: "info", message: `ran ${spec.run.id}` });
        hooks.onEvent({ type: "done", seq: 1, t: Date.now() / 1000, result: { ran: spec.run.id } });
        resolve({ ran: spec.run.id });
      }, this.ms);
      cancel = () => {
        clearTimeout(timer);
        reject(new Error("cancelled"));
      };
    });
    result.catch(() => {});
    return { pid: null, jobId: null, result, cancel: async () => cancel() };
  }
}
