import { startJob, type JobHandle } from "@ws2s/bridge";
import type { Ws2sEvent } from "@ws2s/schema";
import { mkdirSync } from "node:fs";
import type { RunBus } from "../bus.js";
import type { RunRow } from "../db/schema.js";
import type { ResolvedOptions } from "../options.js";
import { scrubPaths } from "../redact.js";
import type { StatusChange } from "../store/runs.js";
import { INTERRUPTED, type Store } from "../store/store.js";
import { failureOf, summariesOf } from "./outcome.js";
import { captureRepro } from "./repro.js";

const FLUSH_MS = 50;
const FLUSH_EVENTS = 2000;
/** Server secrets no job may see (a job runs user-chosen code: models with remote code, datasets). */
const WITHHELD_ENV = ["WS2S_TOKEN"];

interface Active {
  slots: number[];
  handle?: JobHandle;
  cancelRequested: boolean;
  pending: Ws2sEvent[];
  timer?: NodeJS.Timeout;
  lastSeq: number;
  sawTerminal: boolean;
  done: Promise<void>;
}

/**
 * The persistent run queue: queued runs live in SQLite and start oldest first whenever a slot is
 * free. Each slot is one GPU (CUDA_VISIBLE_DEVICES for its runner) or, on CPU, one runner process.
 * A run on several GPUs (`distributed.nproc` > 1 on a GPU server) takes that many slots at once; the
 * oldest queued run waits for them rather than being overtaken, so it cannot starve.
 */
export class RunQueue {
  private readonly active = new Map<string, Active>();
  private readonly freeSlots: number[];
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly opts: ResolvedOptions,
    private readonly bus: RunBus,
  ) {
    this.freeSlots = Array.from({ length: opts.concurrency }, (_, i) => i);
  }

  /** Marks runs orphaned by a previous server as interrupted, then starts queued runs. */
  start(): void {
    for (const id of this.store.interruptOrphans()) this.bus.publish(id, "end");
    this.pump();
  }

  /** Runs executing now (id → runner pid, undefined while starting). */
  running(): Map<string, number | undefined> {
    return new Map([...this.active].map(([id, a]) => [id, a.handle?.pid]));
  }

  pump(): void {
    while (!this.closed && this.freeSlots.length > 0) {
      const run = this.store.runs.nextQueued();
      if (!run) return;
      const need = gpusNeeded(run.config, this.opts.gpus.length);
      const capacity = this.opts.gpus.length > 0 ? Math.min(this.opts.concurrency, this.opts.gpus.length) : this.opts.concurrency;
      if (need > capacity) {
        const reason =
          `distributed.nproc ${need} needs ${need} GPUs at once; this server has ${this.opts.gpus.length} GPU(s) ` +
          `and runs ${this.opts.concurrency} at a time: lower nproc or start the server with more GPUs`;
        if (this.store.runs.transition(run.id, ["queued"], { status: "failed", reason })) this.bus.publish(run.id, "end");
        continue;
      }
      if (this.freeSlots.length < need) return; // the oldest run waits for its GPUs
      const slots = this.freeSlots.splice(0, need);
      const gpu = this.opts.gpus.length > 0 ? slots.map((s) => this.opts.gpus[s % this.opts.gpus.length] as string).join(",") : null;
      if (!this.store.runs.transition(run.id, ["queued"], { status: "running", gpu })) {
        this.release(slots);
        continue;
      }
      const a: Active = { slots, cancelRequested: false, pending: [], lastSeq: -1, sawTerminal: false, done: Promise.resolve() };
      this.active.set(run.id, a);
      a.done = this.execute(run, gpu, a).finally(() => {
        this.active.delete(run.id);
        this.release(slots);
        this.pump();
      });
    }
  }

  private release(slots: number[]): void {
    this.freeSlots.push(...slots);
    this.freeSlots.sort((x, y) => x - y);
  }

  /** Cancels a queued run at once, or a running one by ending its runner's process tree. */
  async cancel(id: string): Promise<boolean> {
    if (this.store.runs.transition(id, ["queued"], { status: "cancelled", reason: "cancelled before it started" })) {
      this.bus.publish(id, "end");
      return true;
    }
    const a = this.active.get(id);
    if (!a) return false;
    a.cancelRequested = true;
    await a.handle?.cancel();
    await a.done;
    return true;
  }

  /** Stops the queue; runs still executing are stopped and recorded as interrupted (retryable). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.active].map(async ([id, a]) => {
        this.store.runs.transition(id, ["running"], { status: "interrupted", reason: INTERRUPTED, pid: null });
        await a.handle?.cancel().catch(() => undefined);
        await a.done;
      }),
    );
  }

  private async execute(run: RunRow, gpu: string | null, a: Active): Promise<void> {
    let outcome: StatusChange;
    let repro: Promise<Record<string, unknown>> | undefined;
    try {
      const outDir = run.outDir as string;
      mkdirSync(outDir, { recursive: true });
      if (a.cancelRequested || this.closed) throw new CancelledBeforeStart();
      repro = captureRepro(run.config, gpu); // probed beside the job; recorded with the outcome
      const { job, params } = this.opts.jobFor({ id: run.id, config: run.config, outDir });
      const env = jobEnv(gpu);
      a.handle = startJob({ job, params, env, onEvent: (e) => this.onEvent(run.id, a, e) });
      this.store.runs.transition(run.id, ["running"], { status: "running", gpu, pid: a.handle.pid });
      const result = await a.handle.result;
      this.flush(run.id, a);
      outcome = { status: "succeeded", result };
      this.store.writeSummaries(run.id, run.experimentId, summariesOf(result));
    } catch (e) {
      outcome = e instanceof CancelledBeforeStart ? { status: "cancelled", reason: "cancelled by the user" } : failureOf(e);
      if (this.closed) outcome = { status: "interrupted", reason: INTERRUPTED };
    }
    if (outcome.reason) outcome.reason = scrubPaths(outcome.reason, this.opts);
    if (outcome.traceback) outcome.traceback = scrubPaths(outcome.traceback, this.opts);
    if (repro) outcome.repro = await repro;
    this.flush(run.id, a);
    if (!a.sawTerminal) this.appendTerminal(run.id, a, outcome);
    // Only from "running": close() may already have recorded the run as interrupted.
    this.store.runs.transition(run.id, ["running"], { ...outcome, pid: null });
    this.bus.publish(run.id, "end");
  }

  private onEvent(runId: string, a: Active, e: Ws2sEvent): void {
    if (e.type === "error") e = { ...e, message: scrubPaths(e.message, this.opts), traceback: scrubPaths(e.traceback, this.opts) };
    a.pending.push(e);
    a.lastSeq = Math.max(a.lastSeq, e.seq);
    if (e.type === "done" || e.type === "error") a.sawTerminal = true;
    if (a.pending.length >= FLUSH_EVENTS) this.flush(runId, a);
    else a.timer ??= setTimeout(() => this.flush(runId, a), FLUSH_MS);
  }

  private flush(runId: string, a: Active): void {
    if (a.timer) clearTimeout(a.timer);
    a.timer = undefined;
    if (a.pending.length === 0) return;
    const batch = a.pending;
    a.pending = [];
    this.store.ingest.append(runId, batch);
    this.bus.publish(runId, batch);
  }

  /** Every event stream ends with done or error; cancelled runs and crashes get one from the server. */
  private appendTerminal(runId: string, a: Active, outcome: StatusChange): void {
    const base = { seq: a.lastSeq + 1, t: Date.now() / 1000 };
    const e: Ws2sEvent =
      outcome.status === "succeeded"
        ? { ...base, type: "done", result: outcome.result }
        : {
            ...base,
            type: "error",
            error_type: outcome.status === "cancelled" ? "Cancelled" : (outcome.errorType ?? "Error"),
            message: outcome.reason ?? outcome.status,
            traceback: outcome.traceback ?? "",
          };
    a.pending.push(e);
    a.sawTerminal = true;
    this.flush(runId, a);
  }
}

class CancelledBeforeStart extends Error {}

/** The runner's extra environment: its GPUs, and the server's secrets removed (undefined unsets). */
function jobEnv(gpu: string | null): Record<string, string> {
  const env: Record<string, string | undefined> = { CUDA_VISIBLE_DEVICES: gpu ?? "" };
  for (const name of WITHHELD_ENV) env[name] = undefined; // spawn() leaves out undefined values
  return env as Record<string, string>;
}

/** GPUs a run takes: `distributed.nproc` on a server with GPUs (one process per GPU), else 1 slot. */
export function gpusNeeded(config: Record<string, unknown>, serverGpus: number): number {
  if (serverGpus === 0 || config.device === "cpu") return 1;
  const nproc = (config.distributed as { nproc?: number } | undefined)?.nproc;
  return typeof nproc === "number" && nproc > 1 ? nproc : 1;
}

