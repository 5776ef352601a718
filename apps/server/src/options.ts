import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { WebHandler } from "./http/web.js";
import type { Executor } from "./executors/executor.js";
import { detectGpus } from "./queue/gpus.js";

/** The repository root (apps/server/src → ../../..). */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

export interface ServerOptions {
  /** SQLite file; default <repo>/.ws2s/ws2s.db (":memory:" for throwaway tests). */
  dbPath?: string;
  /** A PostgreSQL URL (postgres://user:password@host:port/db): the store lives there instead of in dbPath. */
  dbUrl?: string;
  /** Where runs execute: "local" (runner processes on this machine, the default), "slurm", or an Executor (tests, embedding). */
  executor?: "local" | "slurm" | Executor;
  /** SLURM defaults for every job (a run's config `resources` overrides the partition). */
  slurm?: SlurmOptions;
  /** How often the queue heartbeats and polls a shared database or a cluster (ms; default 2000). */
  pollMs?: number;
  /** A server silent this long has its runs recovered by another (ms; default 30000). */
  staleMs?: number;
  host?: string;
  port?: number;
  /** Required when host is not loopback; default WS2S_TOKEN. When set it is always checked. */
  token?: string;
  /** Where run outputs go; default <repo>/runs. */
  runsRoot?: string;
  /** Where dataset files may be read from; default [<repo>/data, <repo>/experiments]. */
  dataRoots?: string[];
  allowRemoteCode?: boolean;
  /** GPU ids, one run per GPU; default from CUDA_VISIBLE_DEVICES / nvidia-smi (none on CPU). */
  gpus?: string[];
  /** Parallel runs; default the number of GPUs, or 1 on CPU. */
  concurrency?: number;
  /** Request body limit in bytes (default 2 MiB). */
  bodyLimit?: number;
  /**
   * Mount the web app (@ws2s/web's handler) for routes outside /trpc and /api, when it is built; or
   * a function that gives the handler to mount (tests).
   */
  web?: boolean | (() => Promise<WebHandler | null>);
  logger?: boolean;
  /**
   * Which Python job a run executes; default `run_experiment` with {config, out_dir}. Tests point
   * runs at the bridge's diagnostics jobs through this.
   */
  jobFor?: (run: { id: string; config: unknown; outDir: string }) => { job: string; params: unknown };
}

export interface SlurmOptions {
  partition?: string;
  account?: string;
}

export type ResolvedOptions = Required<Omit<ServerOptions, "token" | "gpus" | "dbUrl" | "slurm">> & {
  token: string | undefined;
  gpus: string[];
  dbUrl: string | undefined;
  slurm: SlurmOptions;
};

/** A server option that cannot work, said in one sentence (the CLI prints it without a stack). */
export class OptionsError extends Error {}

export function resolveOptions(o: ServerOptions): ResolvedOptions {
  const executor = o.executor ?? "local";
  // A cluster places jobs on its own GPUs: this machine's are not the runs' slots.
  const local = executor === "local" || (typeof executor === "object" && executor.usesLocalGpus);
  const gpus = local ? (o.gpus ?? detectGpus()) : [];
  const host = o.host ?? "127.0.0.1";
  const token = o.token ?? (process.env.WS2S_TOKEN || undefined);
  if (!isLoopback(host) && !token) {
    throw new OptionsError(`binding to ${host} exposes the API to the network; set WS2S_TOKEN (or pass a token) first`);
  }
  return {
    dbPath: o.dbPath ?? resolve(REPO_ROOT, ".ws2s/ws2s.db"),
    dbUrl: o.dbUrl,
    executor,
    slurm: o.slurm ?? {},
    pollMs: o.pollMs ?? 2000,
    staleMs: o.staleMs ?? 30_000,
    host,
    port: o.port ?? 8787,
    token,
    runsRoot: resolve(o.runsRoot ?? resolve(REPO_ROOT, "runs")),
    dataRoots: (o.dataRoots ?? [resolve(REPO_ROOT, "data"), resolve(REPO_ROOT, "experiments")]).map((r) => resolve(r)),
    allowRemoteCode: o.allowRemoteCode ?? false,
    gpus,
    // On a cluster: how many jobs are submitted at once.
    concurrency: o.concurrency ?? (local ? Math.max(1, gpus.length) : 16),
    bodyLimit: o.bodyLimit ?? 2 * 1024 * 1024,
    web: o.web ?? false,
    logger: o.logger ?? false,
    jobFor: o.jobFor ?? ((run) => ({ job: "run_experiment", params: { config: run.config, out_dir: run.outDir } })),
  };
}

export function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host.startsWith("127.");
}
