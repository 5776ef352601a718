#!/usr/bin/env node
// One idempotent setup step shared by `npm start`, `npm test` and the Docker images.
// Installs npm dependencies from the lockfile and the Python package into python/.venv,
// and skips both in well under 5 s when nothing they depend on changed (content stamps).
// Uses Node built-ins only: it runs before node_modules exists.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
// WS2S_VENV exists for tests of this script; everyone else uses python/.venv.
const VENV = process.env.WS2S_VENV ?? join(ROOT, "python", ".venv");
const VENV_PY = join(VENV, "bin", "python");
const MIN_PY = [3, 10];

function fail(sentence) {
  console.error(`\nws2s setup: ${sentence}`);
  process.exit(1);
}

function log(msg) {
  console.log(`[setup] ${msg}`);
}

function hashFiles(paths) {
  const h = createHash("sha256");
  for (const p of paths) {
    h.update(p);
    h.update(existsSync(p) ? readFileSync(p) : "<missing>");
  }
  return h.digest("hex");
}

function run(cmd, args, opts = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", ...opts });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}.`);
  if (r.status !== 0) fail(`\`${cmd} ${args.join(" ")}\` failed (exit ${r.status}); see its output above.`);
  return (Date.now() - t0) / 1000;
}

/** Returns the sentence that explains why this Node.js cannot run ws2s, or null when it can. */
export function nodeProblem(version) {
  const major = Number(version.split(".")[0]);
  return major < 20 ? `Node.js ${version} is too old: install Node.js 20 (or newer) and run the command again.` : null;
}

/** Returns the first candidate that is a Python >= MIN_PY with venv, or null. */
export function findPython(candidates) {
  for (const cand of candidates.filter(Boolean)) {
    const r = spawnSync(cand, ["-c", "import sys,venv;print('%d.%d'%sys.version_info[:2])"], { encoding: "utf8" });
    if (r.status === 0) {
      const [maj, min] = r.stdout.trim().split(".").map(Number);
      if (maj > MIN_PY[0] || (maj === MIN_PY[0] && min >= MIN_PY[1])) return cand;
    }
  }
  return null;
}

export const NO_PYTHON = `no Python ${MIN_PY.join(".")}+ with the venv module was found: install python3 (3.11 recommended, with python3-venv) or set WS2S_PYTHON to its path.`;

function workspaceManifests() {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const out = [join(ROOT, "package.json"), join(ROOT, "package-lock.json")];
  for (const pattern of pkg.workspaces ?? []) {
    const base = join(ROOT, pattern.replace(/\/\*$/, ""));
    if (!existsSync(base)) continue;
    for (const name of spawnSync("ls", [base], { encoding: "utf8" }).stdout.split("\n").filter(Boolean)) {
      const m = join(base, name, "package.json");
      if (existsSync(m)) out.push(m);
    }
  }
  return out.sort();
}

function setupNode() {
  const stampFile = join(ROOT, "node_modules", ".ws2s-setup-stamp");
  const stamp = hashFiles(workspaceManifests());
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return false;
  const haveLock = existsSync(join(ROOT, "package-lock.json"));
  log(`installing npm dependencies (${haveLock ? "npm ci, from package-lock.json" : "npm install"}; about a minute the first time)…`);
  const secs = run("npm", [haveLock ? "ci" : "install", "--no-audit", "--no-fund"]);
  log(`npm dependencies ready in ${secs.toFixed(0)} s`);
  mkdirSync(join(ROOT, "node_modules"), { recursive: true });
  // Recompute: `npm install` may have written the lockfile.
  writeFileSync(stampFile, hashFiles(workspaceManifests()));
  return true;
}

function setupPython() {
  const pyproject = join(ROOT, "python", "pyproject.toml");
  const stampFile = join(VENV, ".ws2s-setup-stamp");
  const stamp = hashFiles([pyproject, join(ROOT, "python", "requirements.lock")]);
  if (existsSync(VENV_PY) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return false;
  if (!existsSync(VENV_PY)) {
    const py = findPython([process.env.WS2S_PYTHON, "python3.11", "python3", "python"]);
    if (!py) fail(NO_PYTHON);
    log(`creating the Python environment python/.venv with ${py}…`);
    run(py, ["-m", "venv", VENV]);
  }
  log("installing the ws2s Python package and its pinned dependencies into python/.venv (torch is large: several minutes the first time)…");
  const lock = join(ROOT, "python", "requirements.lock");
  const args = ["-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"];
  const secs = run(VENV_PY, [...args, ...(existsSync(lock) ? ["-r", lock] : []), "-e", `${join(ROOT, "python")}[dev]`]);
  log(`Python environment ready in ${secs.toFixed(0)} s`);
  writeFileSync(stampFile, stamp);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problem = nodeProblem(process.versions.node);
  if (problem) fail(problem);
  const t0 = Date.now();
  const changed = [setupNode(), setupPython()].some(Boolean);
  if (changed) log(`setup finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
