import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { Ws2sEvent } from "@ws2s/schema";
import { InvalidEventError, JobCancelledError, PythonError, RunnerCrashedError } from "./errors.js";
import { EventLog } from "./event-log.js";
import { killGroup } from "./process-group.js";
import type { RunnerMessage, StartMessage } from "./protocol.js";
import { pythonBin } from "./python-bin.js";
import { Tail } from "./tail.js";

export interface JobOptions {
  /** Name in `ws2s.jobs.JOBS`. */
  job: string;
  /** JSON-serialisable; the job's first argument. */
  params: unknown;
  /** Extra environment for the runner and Python (e.g. CUDA_VISIBLE_DEVICES). */
  env?: Record<string, string>;
  cwd?: string;
  /** Every event, in order, validated, including the final done/error. */
  onEvent?: (e: Ws2sEvent) => void;
}

export interface JobHandle {
  /** The runner process; also the id of the job's process group. */
  readonly pid: number;
  /** `done.result`, or rejects with PythonError, RunnerCrashedError, JobCancelledError or InvalidEventError. */
  readonly result: Promise<unknown>;
  /** The same stream as `onEvent`, from the start; ends after the done/error event. */
  events(): AsyncIterable<Ws2sEvent>;
  /** Ends the job's whole process tree (within 2 s); `result` then rejects with JobCancelledError. */
  cancel(): Promise<void>;
}

const RUNNER = fileURLToPath(new URL("./runner.mjs", import.meta.url));
/** SIGTERM first so Python can clean up; what is still alive after this gets SIGKILL. */
const CANCEL_GRACE_MS = 500;
/** After done/error the runner closes the bridge and exits; this long at most. */
const EXIT_GRACE_MS = 2000;
/** After the runner exits, wait this long at most for its last IPC messages and output. */
const DRAIN_MS = 500;

type Outcome = { ok: true; value: unknown } | { ok: false; error: Error; /** error_type of the error event */ errorType: string };

/** Runs `ws2s.jobs.JOBS[opts.job](opts.params, emit)` in a new runner process. */
export function startJob(opts: JobOptions): JobHandle {
  return new RunningJob(opts);
}

class RunningJob implements JobHandle {
  readonly pid: number;
  readonly result: Promise<unknown>;
  private readonly child: ChildProcess;
  private readonly log = new EventLog();
  private readonly output = new Tail();
  private outcome: Outcome | undefined;
  private pythonExit: { code: number | null; signal: string | null } | undefined;
  private fatal: string | undefined;
  private settled = false;
  private readonly ended: Promise<void>;

  constructor(private readonly opts: JobOptions) {
    this.child = spawn(process.execPath, [RUNNER], {
      cwd: opts.cwd,
      env: {
        ...process.env,
        PYTHON_BIN: pythonBin(),
        PYTHONFAULTHANDLER: "1", // a segfault prints Python's stack to stderr
        PYTHONUNBUFFERED: "1",
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      detached: true, // own process group: cancel() signals runner, Python and Python's children at once
    });
    this.pid = this.child.pid ?? -1;
    this.child.stdout?.on("data", (chunk: Buffer) => this.output.write(chunk));
    this.child.stderr?.on("data", (chunk: Buffer) => this.output.write(chunk));
    this.child.on("message", (message: RunnerMessage) => this.onMessage(message));
    this.child.on("error", (err) => (this.fatal = `could not start the runner: ${err.message}`));
    this.ended = this.whenExited().then(() => this.settle());
    this.result = this.ended.then(() => {
      const outcome = this.outcome!;
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    });
    this.result.catch(() => {}); // callers that only cancel() must not see an unhandled rejection
    const start: StartMessage = { kind: "start", job: opts.job, paramsJson: JSON.stringify(opts.params ?? null) };
    this.child.send(start, (err) => err && (this.fatal ??= `could not reach the runner: ${err.message}`));
  }

  events(): AsyncIterable<Ws2sEvent> {
    return { [Symbol.asyncIterator]: () => this.log.iterate() };
  }

  async cancel(): Promise<void> {
    if (!this.settled && !this.outcome) {
      this.outcome = { ok: false, error: new JobCancelledError(`job '${this.opts.job}' was cancelled`), errorType: "Cancelled" };
      await killGroup(this.pid, CANCEL_GRACE_MS);
    }
    await this.ended;
  }

  private onMessage(message: RunnerMessage): void {
    switch (message.kind) {
      case "events":
        return this.onBatch(message.json);
      case "python-exit":
        this.pythonExit = { code: message.code, signal: message.signal };
        return;
      case "fatal":
        this.fatal = message.message;
        return;
      case "finished":
        return;
    }
  }

  private onBatch(json: string): void {
    if (this.outcome) return; // decided (cancelled, invalid event, done/error): later events are void
    for (const raw of JSON.parse(json) as unknown[]) {
      const parsed = Ws2sEvent.safeParse(raw);
      if (!parsed.success) {
        return this.stop(`job '${this.opts.job}' emitted an invalid event ${JSON.stringify(raw)}:\n${z.prettifyError(parsed.error)}`);
      }
      const event = parsed.data;
      if (event.seq !== this.log.length) {
        return this.stop(`job '${this.opts.job}' sent event seq ${event.seq} where ${this.log.length} was expected`);
      }
      if (event.type === "done") this.outcome = { ok: true, value: event.result };
      if (event.type === "error") this.outcome = { ok: false, error: new PythonError(event), errorType: event.error_type };
      this.deliver(event);
      if (this.outcome) {
        // The runner now closes the bridge and exits; make sure it does.
        setTimeout(() => void killGroup(this.pid, 0), EXIT_GRACE_MS).unref();
        return;
      }
    }
  }

  /** Stop the job because of a bridge-side problem: kill its tree now. */
  private stop(message: string): void {
    this.outcome = { ok: false, error: new InvalidEventError(message), errorType: "InvalidEvent" };
    void killGroup(this.pid, 0);
  }

  private deliver(event: Ws2sEvent): void {
    this.log.push(event);
    try {
      this.opts.onEvent?.(event);
    } catch (err) {
      // The caller's handler failed: that fails the job (even a finished one), with the handler's error.
      if (this.outcome?.ok !== false) {
        this.outcome = { ok: false, error: err instanceof Error ? err : new Error(String(err)), errorType: "EventHandlerError" };
      }
      if (!this.settled) void killGroup(this.pid, 0);
    }
  }

  /** Resolves once the runner has exited and its IPC messages and output are read. */
  private async whenExited(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await new Promise((resolve) => this.child.once("exit", resolve).once("error", resolve));
    }
    const drained = [
      this.child.connected ? once(this.child, "disconnect") : undefined,
      this.child.stdout && !this.child.stdout.closed ? once(this.child.stdout, "close") : undefined,
      this.child.stderr && !this.child.stderr.closed ? once(this.child.stderr, "close") : undefined,
    ];
    // Anything left in the group (Python's children) is an orphan now, and may hold the pipes open.
    await killGroup(this.pid, 0).catch(() => {});
    await Promise.race([Promise.all(drained), new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]);
  }

  private settle(): void {
    this.outcome ??= { ok: false, error: this.crashError(), errorType: "RunnerCrashed" };
    this.settled = true;
    const { outcome } = this;
    const last = this.log.last;
    if (!outcome.ok && last?.type !== "done" && last?.type !== "error") {
      const error = outcome.error as Error & { stderrTail?: string };
      this.deliver({
        type: "error",
        seq: this.log.length,
        t: Date.now() / 1000,
        error_type: outcome.errorType,
        message: error.message,
        traceback: error.stderrTail ?? "",
      });
    }
    this.log.close();
  }

  private crashError(): RunnerCrashedError {
    const exit = this.pythonExit ?? { code: this.child.exitCode, signal: this.child.signalCode };
    const who = this.pythonExit ? "Python" : "the runner";
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = this.output.get();
    const reason = this.fatal ?? `${who} ${how} before job '${this.opts.job}' finished`;
    const lastLines = this.output.get(15);
    const message = lastLines ? `${reason}\n--- last output ---\n${lastLines}` : reason;
    return new RunnerCrashedError(message, exit.code, exit.signal, tail);
  }
}
