import { JobCancelledError, PythonError, RunnerCrashedError } from "@ws2s/bridge";
import { pgrByMethod } from "../compare.js";
import { ExecutorJobError } from "../executors/executor.js";
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
  if (e instanceof ExecutorJobError) return { status: "failed", errorType: e.state, reason: e.message, traceback: null };
  const err = e instanceof Error ? e : new Error(String(e));
  return { status: "failed", errorType: err.name, reason: err.message, traceback: err.stack ?? null };
}

/**
 * The numbers experiment.list can sort by: "pgr/<method>" (PGR vs mean weak), "pgr_low/<method>",
 * and every numeric leaf of results.summary as "summary/<path>" (per-seed lists left out).
 */
export function summariesOf(result: unknown, limit = 500): [string, number][] {
  const out: [string, number][] = [];
  for (const [method, c] of pgrByMethod(result)) {
    out.push([`pgr/${method}`, c.pgr]);
    if (c.ciLow !== null) out.push([`pgr_low/${method}`, c.ciLow]);
  }
  const walk = (v: unknown, path: string) => {
    if (out.length >= limit) return;
    if (typeof v === "number" && Number.isFinite(v)) out.push([path, v]);
    else if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) if (k !== "per_seed") walk(x, `${path}/${k}`);
    }
  };
  const summary = (result as { summary?: unknown } | null)?.summary;
  if (summary) walk(summary, "summary");
  return out;
}
