// Messages between the parent (job.ts) and a runner process (runner.mjs) over the Node IPC channel.

/** Parent → runner, once, right after spawning. Params stay a JSON string all the way to Python. */
export interface StartMessage {
  kind: "start";
  job: string;
  paramsJson: string;
}

/** Runner → parent. */
export type RunnerMessage =
  /** A batch of events: a JSON array string exactly as Python's BatchingEmitter wrote it. */
  | { kind: "events"; json: string }
  /** Python died before the job returned (segfault, os._exit, OOM kill, ...). */
  | { kind: "python-exit"; code: number | null; signal: string | null }
  /** The runner could not start Python or the job entry point. */
  | { kind: "fatal"; message: string }
  /** The job returned, the bridge is closed and the runner is about to exit. */
  | { kind: "finished" };
