import type { ErrorEvent } from "@ws2s/schema";

/** The Python job raised: its exception type (module-qualified unless builtin), message and traceback. */
export class PythonError extends Error {
  override name = "PythonError";
  readonly pythonType: string;
  readonly traceback: string;

  constructor(event: Pick<ErrorEvent, "error_type" | "message" | "traceback">) {
    super(event.message ? `${event.error_type}: ${event.message}` : event.error_type);
    this.pythonType = event.error_type;
    this.traceback = event.traceback;
  }
}

/** The runner or its Python died without finishing the job (segfault, os._exit, OOM kill, ...). */
export class RunnerCrashedError extends Error {
  override name = "RunnerCrashedError";

  constructor(
    message: string,
    /** Exit code of Python if it died first, else of the runner; null when killed by a signal. */
    readonly exitCode: number | null,
    /** e.g. "SIGSEGV", "SIGKILL"; null when it exited with a code. */
    readonly signal: string | null,
    /** Last lines the runner and Python wrote to stderr/stdout (Python tracebacks, faulthandler dumps). */
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

/** The job was cancelled with `cancel()`; its process tree is gone. */
export class JobCancelledError extends Error {
  override name = "JobCancelledError";
}

/** Python sent an event that does not match `Ws2sEvent` (or out of order); the job is stopped. */
export class InvalidEventError extends Error {
  override name = "InvalidEventError";
}
