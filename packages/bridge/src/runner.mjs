// @ts-check
// One job's runner process: holds one pythonia bridge, runs `ws2s.bridge_entry.run(job, params, send)`
// and forwards event batches to the parent (job.ts) over IPC; see protocol.ts for the messages.
// It is spawned detached (its own process group: runner, Python and Python's children), so the
// parent can end the whole tree with one signal. Plain JavaScript: a TypeScript loader would add
// ~0.5 s to every job's start.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const PYTHON = process.env.PYTHON_BIN ?? "python3";

/** @param {import("./protocol.js").RunnerMessage} message @param {() => void} [then] */
function send(message, then) {
  if (process.connected) process.send?.(message, undefined, undefined, then);
  else then?.();
}

/** @param {unknown} err */
function cannotStartPython(err) {
  const why = err instanceof Error ? err.message : String(err);
  fatal(`could not start Python at ${PYTHON} (${why}): run \`npm run setup\` (creates python/.venv) or set PYTHON_BIN`);
}

/** @param {string} message */
function fatal(message) {
  send({ kind: "fatal", message }, () => process.exit(1));
}

// If the parent goes away (crashed, killed) nobody can cancel this job: end the whole group now.
process.on("disconnect", () => process.kill(-process.pid, "SIGKILL"));

/** @type {any} */
let pythonia;
try {
  pythonia = require("pythonia"); // spawns Python (PYTHON_BIN) as a side effect
} catch (err) {
  cannotStartPython(err);
}
/** @type {import("node:child_process").ChildProcess} */
const py = pythonia?.com.proc;
let finished = false;

if (py) {
  py.on("error", cannotStartPython);
  // pythonia never notices a dead Python (its calls would hang); this is how we do.
  py.on("exit", (code, signal) => {
    if (!finished) send({ kind: "python-exit", code, signal }, () => process.exit(1));
  });
  // cancel() SIGTERMs the whole group: give Python (which got it too) its chance to clean up;
  // the parent SIGKILLs whatever is still alive after a grace period.
  process.on("SIGTERM", () => {
    if (py.exitCode !== null || py.signalCode !== null) process.exit(143);
    py.once("exit", () => process.exit(143));
  });
  process.once("message", (/** @type {import("./protocol.js").StartMessage} */ start) => void run(start));
}

/** @param {import("./protocol.js").StartMessage} start */
async function run(start) {
  try {
    const entry = await pythonia.python("ws2s.bridge_entry");
    const forward = (/** @type {string} */ json) => send({ kind: "events", json });
    await entry.run$(start.job, start.paramsJson, forward, { $timeout: Infinity });
  } catch (err) {
    if (py.exitCode !== null || py.signalCode !== null) return; // the exit handler reports it
    // A Python exception here is outside the job (run_job catches the job's): import or bridge failure.
    const detail = err instanceof Error ? err.stack || err.message : String(err);
    return fatal(`ws2s.bridge_entry failed outside the job (with ${PYTHON}):\n${detail}`);
  }
  finished = true;
  pythonia.python.exit(); // SIGTERMs Python
  const gone = new Promise((resolve) => {
    if (py.exitCode !== null || py.signalCode !== null) resolve(undefined);
    else py.once("exit", resolve);
  });
  await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 1000))]);
  send({ kind: "finished" }, () => process.exit(0));
}
