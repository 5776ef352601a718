#!/usr/bin/env node
// Runs every suite (typecheck, vitest projects incl. end-to-end tests under test/, pytest, linters)
// and ends with one line summing them all: `N passed, N failed, N skipped`.
// Exits non-zero when anything failed or a suite could not report its counts.
// Usage: node scripts/test.mjs [suite ...]   (suites: typecheck, vitest, pytest, lint)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, ".ws2s", "test");
const VENV_PY = join(ROOT, "python", ".venv", "bin", "python");
mkdirSync(OUT, { recursive: true });

const env = { ...process.env, PYTHON_BIN: VENV_PY, HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" };

function run(cmd, args) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env });
  return { code: r.status ?? 1, secs: (Date.now() - t0) / 1000 };
}

/** Each suite returns {passed, failed, skipped}; a crash without counts counts as one failure. */
const SUITES = {
  typecheck() {
    // One check per TypeScript project (strict everywhere): packages/*, apps/*, test/.
    const projects = ["packages", "apps"].flatMap((d) =>
      existsSync(join(ROOT, d)) ? readdirSync(join(ROOT, d)).map((n) => join(d, n)) : [],
    );
    projects.push("test");
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const p of projects.filter((p) => existsSync(join(ROOT, p, "tsconfig.json")))) {
      console.log(`tsc --noEmit -p ${p}`);
      const { code } = run("npx", ["tsc", "--noEmit", "-p", p]);
      counts[code === 0 ? "passed" : "failed"] += 1;
    }
    return counts;
  },
  vitest() {
    const file = join(OUT, "vitest.json");
    rmSync(file, { force: true });
    const { code } = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${file}`]);
    if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, note: `vitest exited ${code} without a report` };
    const r = JSON.parse(readFileSync(file, "utf8"));
    const counts = {
      passed: r.numPassedTests ?? 0,
      // A suite that fails to load has no failed tests of its own: count it once.
      failed: (r.numFailedTests ?? 0) || (r.numFailedTestSuites ?? 0),
      skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
    };
    if (code !== 0 && counts.failed === 0) counts.failed = 1;
    return counts;
  },
  pytest() {
    const xml = join(OUT, "pytest.xml");
    rmSync(xml, { force: true });
    const { code } = run(VENV_PY, ["-m", "pytest", "python/tests", "-p", "no:cacheprovider", `--junitxml=${xml}`]);
    if (!existsSync(xml)) return { passed: 0, failed: 1, skipped: 0, note: `pytest exited ${code} without a report` };
    const head = readFileSync(xml, "utf8").match(/<testsuite\b[^>]*>/)?.[0] ?? "";
    const attr = (k) => Number(head.match(new RegExp(`\\b${k}="(\\d+)"`))?.[1] ?? 0);
    const failed = attr("failures") + attr("errors");
    const skipped = attr("skipped");
    const counts = { passed: attr("tests") - failed - skipped, failed, skipped };
    // exit 5 = no tests collected: that is a failure of the suite, not a pass.
    if (code !== 0 && counts.failed === 0) counts.failed = 1;
    return counts;
  },
  lint() {
    const script = join(ROOT, "scripts", "lint.mjs");
    if (!existsSync(script)) return { passed: 0, failed: 0, skipped: 0 };
    const { code } = run("node", [script]);
    return { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0 };
  },
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SUITES);
const total = { passed: 0, failed: 0, skipped: 0 };
const rows = [];
for (const name of wanted) {
  const suite = SUITES[name];
  if (!suite) {
    console.error(`unknown suite "${name}"; choose from: ${Object.keys(SUITES).join(", ")}`);
    process.exit(2);
  }
  console.log(`\n=== ${name} ===`);
  const t0 = Date.now();
  const c = suite();
  rows.push({ name, ...c, secs: ((Date.now() - t0) / 1000).toFixed(1) });
  for (const k of ["passed", "failed", "skipped"]) total[k] += c[k];
}
console.log("\nsuite       passed  failed  skipped  seconds");
for (const r of rows) {
  console.log(`${r.name.padEnd(11)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}  ${r.secs.padStart(7)}${r.note ? "  " + r.note : ""}`);
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
