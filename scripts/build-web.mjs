#!/usr/bin/env node
// Builds the web app (next build in apps/web) only when its inputs changed since the last build.
// The stamp is a hash of every source file that goes into the bundle, kept in apps/web/.next, so a
// clean checkout or a deleted .next always builds. Prints what it does; exits non-zero on failure.
// Usage: node scripts/build-web.mjs [--force]      (or import { buildWeb } from it)
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WEB = join(ROOT, "apps", "web");
const STAMP = join(WEB, ".next", "ws2s-build-stamp");
const LOCK = join(ROOT, ".ws2s", "web-build.lock");

// Everything that can change the bundle: the app, its config, the shared schema it bundles, versions.
const INPUTS = [
  "apps/web/app",
  "apps/web/src",
  "apps/web/next.config.mjs",
  "apps/web/package.json",
  "apps/web/tsconfig.json",
  "apps/web/tsconfig.next.json",
  "apps/web/global.d.ts",
  "packages/schema/src",
  "packages/schema/package.json",
  "node_modules/next/package.json",
];

function* files(path) {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) yield* files(join(path, name));
  } else yield path;
}

/** Hash of the contents (and names) of every input file. */
export function sourceStamp() {
  const h = createHash("sha256");
  for (const input of INPUTS)
    for (const f of files(join(ROOT, input))) h.update(relative(ROOT, f)).update("\0").update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

export function webBuildIsFresh() {
  return existsSync(join(WEB, ".next", "BUILD_ID")) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === sourceStamp();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One build at a time across processes (npm start and the e2e tests may both ask). */
async function withLock(fn) {
  mkdirSync(dirname(LOCK), { recursive: true });
  const t0 = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock older than 15 minutes is left over from a killed build.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > 15 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() - t0 > 20 * 60_000) throw new Error(`waited 20 minutes for another web build (remove ${LOCK} if none runs)`);
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function nextBuild() {
  return new Promise((resolve, reject) => {
    const bin = join(ROOT, "node_modules", "next", "dist", "bin", "next");
    const child = spawn(process.execPath, [bin, "build", "--webpack"], {
      cwd: WEB,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`next build failed (${signal ?? `exit ${code}`}); see the output above`)),
    );
  });
}

/** Builds apps/web unless the last build used the same sources. Returns true when it built. */
export async function buildWeb({ force = false, log = console.log } = {}) {
  return withLock(async () => {
    if (!force && webBuildIsFresh()) {
      log("[build-web] web app is up to date (sources unchanged since the last build)");
      return false;
    }
    const stamp = sourceStamp();
    log("[build-web] building the web app (next build in apps/web; about a minute or two)…");
    const t0 = Date.now();
    await nextBuild();
    writeFileSync(STAMP, stamp);
    log(`[build-web] built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return true;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildWeb({ force: process.argv.includes("--force") }).catch((e) => {
    console.error(`[build-web] ${e.message}`);
    process.exit(1);
  });
}
