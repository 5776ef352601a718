import type { Ws2sEvent } from "@ws2s/schema";
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import type { RunBus } from "../bus.js";
import type { RunRow } from "../db/schema.js";
import type { Execution, Executor } from "../executors/executor.js";
import { newId } from "../ids.js";
import type { ResolvedOptions } from "../options.js";
import { scrubPaths } from "../redact.js";
import { retryOf, type StatusChange } from "../store/runs.js";
import { INTERRUPTED, interrupt, type Store } from "../store/store.js";
import { failureOf, summariesOf } from "./outcome.js";
import { captureRepro } from "./repro.js";

const FLUSH_MS = 50;
const FLUSH_EVENTS = 2000;
/** Server secrets no job may see (a job runs user-chosen code: models with remote code, datasets). */
const WITHHELD_ENV = ["WS2S_TOKEN", "WS2S_DB", "PGPASSWORD", "DATABASE_URL"];
const RECOVERED = "the server running it stopped answering; a retry was queued";

interface Active {
  slots: number[];
  execution?: Execution;
  cancelRequested: boolean;
  pending: Ws2sEvent[];
  timer?: NodeJS.Timeout;
  lastSeq: number;
  sawTerminal: boolean;
  done: Promise<void>;
  /** Appends happen one after another, in seq order. */
  writing: Promise<void>;
}

/**
 * The persistent run queue: queued runs live in the store and start oldest first whenever a slot is
 * free, on the server's executor. Locally each slot is one GPU (CUDA_VISIBLE_DEVICES for its runner)
 * or, on CPU, one runner process; a run on several GPUs (`distributed.nproc` > 1) takes that many
 * slots at once, and the oldest queued run waits for them rather than being overtaken. On a cluster
 * a slot is one submitted job (`concurrency` bounds how many are submitted at once) and the
 * scheduler places it. Runs are claimed through the store, so servers sharing a PostgreSQL database
 * never start one run twice; each server heartbeats, and a server whose heartbeat stops has its runs
 * recovered by another (re-attached on a cluster; interrupted and retried when they ran locally).
 */
export class RunQueue {
  private readonly active = new Map<string, Active>();
  private readonly freeSlots: number[];
  private closed = false;
  /** Set once this server's heartbeat is recorded: before that, another server would take its runs for orphans. */
  private started = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private ticker: NodeJS.Timeout | undefined;
  /** This server, as recorded on the runs it starts. */
  readonly owner = newId("srv");

  constructor(
    private readonly store: Store,
    private readonly opts: ResolvedOptions,
    private readonly bus: RunBus,
    private readonly executor: Executor,
  ) {
    this.freeSlots = Array.from({ length: opts.concurrency }, (_, i) => i);
  }

  /** Recovers runs orphaned by a stopped server, then starts queued runs (and, when shared, keeps polling). */
  async start(): Promise<void> {
    await this.store.servers.beat({ id: this.owner, host: hostname(), pid: process.pid });
    this.started = true;
    await this.recoverOrphans();
    this.pump();
    if (!this.store.exclusive || !this.executor.usesLocalGpus) {
      this.ticker = setInterval(() => void this.tick(), this.opts.pollMs);
      this.ticker.unref();
    }
  }

  /** Runs executing now (id → runner pid, undefined while starting or on a cluster). */
  running(): Map<string, number | undefined> {
    return new Map([...this.active].map(([id, a]) => [id, a.execution?.pid ?? undefined]));
  }

  /** Starts queued runs while slots are free (once started); calls made while it works make it look again. */
  pump(): void {
    if (!this.started || this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        await this.fill().catch((e: unknown) => process.stderr.write(`ws2s: the queue could not start a run: ${(e as Error).message}\n`));
      } while (this.again && !this.closed);
    })().finally(() => (this.pumping = undefined));
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      await this.store.servers.beat({ id: this.owner, host: hostname(), pid: process.pid });
      await this.recoverOrphans();
    } catch (e) {
      process.stderr.write(`ws2s: heartbeat failed: ${(e as Error).message}\n`);
    }
    this.pump();
  }

  private capacity(): number {
    const gpus = this.executor.usesLocalGpus ? this.opts.gpus.length : 0;
    return gpus > 0 ? Math.min(this.opts.concurrency, gpus) : this.opts.concurrency;
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.freeSlots.length > 0) {
      const localGpus = this.executor.usesLocalGpus ? this.opts.gpus : [];
      // The oldest run waits, unclaimed, until it has its GPUs; one that can never have them is claimed to be failed.
      const run = await this.store.runs.claimNext(this.owner, (r) => {
        const need = gpusNeeded(r.config, localGpus.length);
        return need > this.capacity() || need <= this.freeSlots.length;
      });
      if (!run) return;
      const need = gpusNeeded(run.config, localGpus.length);
      if (need > this.capacity()) {
        const reason =
          `distributed.nproc ${need} needs ${need} GPUs at once; this server has ${localGpus.length} GPU(s) ` +
          `and runs ${this.opts.concurrency} at a time: lower nproc or start the server with more GPUs`;
        if (await this.store.runs.transition(run.id, ["running"], { status: "failed", reason, owner: null })) this.bus.publish(run.id, "end");
        continue;
      }
      if (this.freeSlots.length < need) {
        // A slot went to a re-attached job meanwhile: back to the queue, and stop here.
        await this.store.runs.transition(run.id, ["running"], { status: "queued", owner: null });
        return;
      }
      const slots = this.freeSlots.splice(0, need);
      const gpu = localGpus.length > 0 ? slots.map((s) => localGpus[s % localGpus.length] as string).join(",") : null;
      if (!(await this.store.runs.transition(run.id, ["running"], { status: "running", gpu, executor: this.executor.name }))) {
        this.release(slots);
        continue;
      }
      this.launch(run, slots, -1, (a) => this.execute(run, gpu, a));
    }
  }

  private launch(run: RunRow, slots: number[], lastSeq: number, body: (a: Active) => Promise<void>): void {
    const a: Active = { slots, cancelRequested: false, pending: [], lastSeq, sawTerminal: false, done: Promise.resolve(), writing: Promise.resolve() };
    this.active.set(run.id, a);
    a.done = body(a).finally(() => {
      this.active.delete(run.id);
      this.release(slots);
      this.pump();
    });
  }

  private release(slots: number[]): void {
    this.freeSlots.push(...slots);
    this.freeSlots.sort((x, y) => x - y);
  }

  /**
   * Runs recorded as running by a server that is gone: the previous server on this SQLite file, or
   * on a shared database a server whose heartbeat stopped. Each is adopted by this server (a
   * conditional update, so only one server does), then re-attached where its executor can follow it,
   * else recorded as interrupted; on a shared database an interrupted run is also retried.
   */
  private async recoverOrphans(): Promise<void> {
    const staleBefore = this.store.exclusive ? Number.POSITIVE_INFINITY : Date.now() - this.opts.staleMs;
    for (const orphan of await this.store.runs.orphans(this.owner, staleBefore)) {
      if (this.closed || this.active.has(orphan.id)) continue;
      if (!(await this.store.runs.adopt(orphan.id, orphan.owner, this.owner))) continue;
      const run = await this.store.runs.get(orphan.id);
      if (run.executor === this.executor.name && this.executor.reattach && this.freeSlots.length > 0) {
        const last = await this.store.events.lastOf(run.id);
        const slots = this.freeSlots.splice(0, 1);
        this.launch(run, slots, last?.seq ?? -1, (a) => this.follow(run, a, () => this.executor.reattach!(run, a.lastSeq, this.hooks(run.id, a))));
        continue;
      }
      const reason = this.store.exclusive ? INTERRUPTED : RECOVERED;
      if (!(await interrupt(this.store, run.id, reason))) continue;
      this.bus.publish(run.id, "end");
      if (!this.store.exclusive) {
        await this.store.runs.insertRun(retryOf(run, run.outDir ? dirname(run.outDir) : this.opts.runsRoot));
      }
    }
  }

  /** Cancels a queued run at once, or a running one by ending its job. */
  async cancel(id: string): Promise<boolean> {
    // First the runs this server executes: a job waiting in a cluster's queue shows as queued too.
    const a = this.active.get(id);
    if (a) {
      a.cancelRequested = true;
      await a.execution?.cancel();
      await a.done;
      return true;
    }
    if (await this.store.runs.transition(id, ["queued"], { status: "cancelled", reason: "cancelled before it started" })) {
      this.bus.publish(id, "end");
      return true;
    }
    return false;
  }

  /**
   * Stops the queue. Jobs that can outlive the server (a cluster's) are left running for the next
   * server to re-attach; local ones are stopped and recorded as interrupted (retryable).
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.pumping;
    await Promise.all(
      [...this.active].map(async ([id, a]) => {
        if (a.execution?.detach) {
          await a.execution.detach();
        } else {
          await this.store.runs.transition(id, ["running"], { status: "interrupted", reason: INTERRUPTED, pid: null });
          await a.execution?.cancel().catch(() => undefined);
        }
        await a.done;
      }),
    );
    await this.store.servers.remove(this.owner).catch(() => undefined);
  }

  private hooks(runId: string, a: Active) {
    return {
      onEvent: (e: Ws2sEvent) => this.onEvent(runId, a, e),
      // In order with the run's event writes.
      onState: (state: string) => void (a.writing = a.writing.then(() => this.onState(runId, state)).catch(() => undefined)),
    };
  }

  /** A cluster job's state: waiting in the scheduler's queue shows as queued (with its reason), then running. */
  private async onState(runId: string, state: string): Promise<void> {
    if (state.startsWith("PENDING")) {
      const why = state.match(/\((.*)\)/)?.[1];
      await this.store.runs.transition(runId, ["running", "queued"], { status: "queued", jobState: state, reason: `waiting in SLURM's queue${why ? `: ${why}` : ""}` });
    } else if (state === "RUNNING") {
      await this.store.runs.transition(runId, ["queued", "running"], { status: "running", jobState: state, reason: null });
    } else {
      await this.store.runs.setExecution(runId, { jobState: state });
    }
  }

  private async execute(run: RunRow, gpu: string | null, a: Active): Promise<void> {
    let repro: Promise<Record<string, unknown>> | undefined;
    await this.follow(run, a, async () => {
      mkdirSync(run.outDir as string, { recursive: true });
      if (a.cancelRequested || this.closed) throw new CancelledBeforeStart();
      repro = captureRepro(run.config, gpu); // probed beside the job; recorded with the outcome
      const { job, params } = this.opts.jobFor({ id: run.id, config: run.config, outDir: run.outDir as string });
      const gpus = gpusAsked(run.config);
      return this.executor.start({ run, job, params, env: jobEnv(gpu), gpu, gpus }, this.hooks(run.id, a));
    }, () => repro);
  }

  /** Runs or follows one job to its end and records the outcome (unless the server detached from it). */
  private async follow(run: RunRow, a: Active, begin: () => Promise<Execution | undefined>, repro?: () => Promise<Record<string, unknown>> | undefined): Promise<void> {
    let outcome: StatusChange;
    try {
      const execution = await begin();
      if (!execution) throw new Error("the job could not be found again after the server restarted");
      a.execution = execution;
      await this.store.runs.transition(run.id, ["running"], { status: "running", pid: execution.pid, jobId: execution.jobId, executor: this.executor.name });
      if (a.cancelRequested) await execution.cancel();
      const result = await execution.result;
      outcome = { status: "succeeded", result };
      await this.flush(run.id, a);
      await this.store.writeSummaries(run.id, run.experimentId, summariesOf(result));
    } catch (e) {
      outcome = e instanceof CancelledBeforeStart ? { status: "cancelled", reason: "cancelled by the user" } : failureOf(e);
      if (this.closed && !a.execution?.detach) outcome = { status: "interrupted", reason: INTERRUPTED };
    }
    if (this.closed && a.execution?.detach) {
      await this.flush(run.id, a); // the job goes on; the next server follows it from here
      return;
    }
    if (outcome.reason) outcome.reason = scrubPaths(outcome.reason, this.opts);
    if (outcome.traceback) outcome.traceback = scrubPaths(outcome.traceback, this.opts);
    const probed = repro?.();
    if (probed) outcome.repro = await probed;
    await this.flush(run.id, a);
    if (!a.sawTerminal) await this.appendTerminal(run.id, a, outcome);
    // Only from "running" (or queued: a cluster job that never left the scheduler's queue): close()
    // may already have recorded the run as interrupted.
    await this.store.runs.transition(run.id, ["running", "queued"], { ...outcome, pid: null });
    this.bus.publish(run.id, "end");
  }

  private onEvent(runId: string, a: Active, e: Ws2sEvent): void {
    if (e.seq <= a.lastSeq) return; // already stored (a re-attached job replays its file)
    if (e.type === "error") e = { ...e, message: scrubPaths(e.message, this.opts), traceback: scrubPaths(e.traceback, this.opts) };
    a.pending.push(e);
    a.lastSeq = e.seq;
    if (e.type === "done" || e.type === "error") a.sawTerminal = true;
    if (a.pending.length >= FLUSH_EVENTS) void this.flush(runId, a);
    else a.timer ??= setTimeout(() => void this.flush(runId, a), FLUSH_MS);
  }

  /** Stores the pending events, then publishes them (stored first, so a resuming client finds them). */
  private flush(runId: string, a: Active): Promise<void> {
    if (a.timer) clearTimeout(a.timer);
    a.timer = undefined;
    if (a.pending.length === 0) return a.writing;
    const batch = a.pending;
    a.pending = [];
    a.writing = a.writing.then(async () => {
      await this.store.ingest.append(runId, batch);
      this.bus.publish(runId, batch);
    });
    return a.writing;
  }

  /** Every event stream ends with done or error; cancelled runs and crashes get one from the server. */
  private async appendTerminal(runId: string, a: Active, outcome: StatusChange): Promise<void> {
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
    a.lastSeq = e.seq;
    a.sawTerminal = true;
    await this.flush(runId, a);
  }
}

class CancelledBeforeStart extends Error {}

/** The job's extra environment: its GPUs, and the server's secrets removed (undefined unsets). */
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

/** GPUs a run asks of a cluster: resources.gpus, else distributed.nproc on device "cuda", else none. */
export function gpusAsked(config: Record<string, unknown>): number {
  const asked = (config.resources as { gpus?: number } | undefined)?.gpus;
  if (typeof asked === "number") return asked;
  if (config.device !== "cuda") return 0;
  const nproc = (config.distributed as { nproc?: number } | undefined)?.nproc;
  return typeof nproc === "number" && nproc > 1 ? nproc : 1;
}
