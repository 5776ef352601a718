import { JobCancelledError, PythonError, RunnerCrashedError } from "@ws2s/bridge";
import type { StatusChange } from "../store/runs.js";

/** How a job's rejection is recorded: the Python error and traceback, or the runner's stderr tail. */
export function failureOf(e: unknown): StatusChange {
  if (e instanceof JobCancelledError) return { status: "cancelled", reason: "cancelled by the user" };
  if (e instanceof PythonError) {
    const reason = e.message.startsWith(e.pythonType) ? e.message : `${e.pythonType}: ${e.message}`;
    return { status: "failed", errorType: e.pythonType, reason, traceback: e.traceback };
  }
  if (e instanceof RunnerCrashedError) {
    const how = e.signal ? `signal ${e.signal}` : `exit code ${e.exitCode}`;
    return { status: "failed", errorType: "RunnerCrashed", reason: `runner crashed (${how})`, traceback: e.stderrTail };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { status: "failed", errorType: err.name, reason: err.message, traceback: err.stack ?? null };
}

/** Numeric leaves of a results object, keyed by their "/"-joined path (e.g. "methods/edl/pgr/mean"). */
export function summariesOf(result: unknown, limit = 500): [string, number][] {
  const out: [string, number][] = [];
  const walk = (v: unknown, path: string) => {
    if (out.length >= limit) return;
    if (typeof v === "number" && Number.isFinite(v) && path) out.push([path, v]);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, path ? `${path}/${i}` : String(i)));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}/${k}` : k);
  };
  walk(result, "");
  return out;
}
