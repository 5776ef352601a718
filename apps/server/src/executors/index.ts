import type { ResolvedOptions } from "../options.js";
import type { Executor } from "./executor.js";
import { LocalExecutor } from "./local.js";
import { SlurmExecutor } from "./slurm.js";

/** The executors by name (`ws2s serve --executor NAME`). */
const EXECUTORS: Record<"local" | "slurm", (opts: ResolvedOptions) => Executor> = {
  local: () => new LocalExecutor(),
  slurm: (opts) => new SlurmExecutor(opts),
};

export function createExecutor(opts: ResolvedOptions): Executor {
  return typeof opts.executor === "string" ? EXECUTORS[opts.executor](opts) : opts.executor;
}
