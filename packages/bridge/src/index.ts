// @ws2s/bridge: run a named Python job (ws2s.jobs.JOBS) in its own runner process, one pythonia bridge
// each, with typed events, Python errors as TS errors, crash detection and whole-tree cancellation.
export { startJob, type JobHandle, type JobOptions } from "./job.js";
export { InvalidEventError, JobCancelledError, PythonError, RunnerCrashedError } from "./errors.js";
export { pythonBin } from "./python-bin.js";
