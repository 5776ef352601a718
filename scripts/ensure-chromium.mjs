#!/usr/bin/env node
// Makes sure Debian's chromium is at /usr/bin/chromium for the browser tests (never a downloaded
// browser): installs it with apt-get when missing, printing progress. Exits non-zero with a message
// that says what to do when it cannot.
// Usage: node scripts/ensure-chromium.mjs      (or import { ensureChromium } from it)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CHROMIUM = "/usr/bin/chromium";

/** Flags for playwright-core's chromium.launch: headless, no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function sh(cmd, args) {
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  const full = [...sudo, cmd, ...args];
  console.log(`[ensure-chromium] $ ${full.join(" ")}`);
  const r = spawnSync(full[0], full.slice(1), {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (r.error) throw new Error(`could not run ${full[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${full.join(" ")} exited with ${r.status}`);
}

/** Returns the chromium path, installing the Debian package first when it is missing. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  console.log(`[ensure-chromium] ${CHROMIUM} is missing: installing Debian's chromium (one-time, a few minutes)`);
  try {
    sh("apt-get", ["update"]);
    sh("apt-get", ["install", "-y", "--no-install-recommends", "chromium"]);
  } catch (e) {
    throw new Error(
      `installing chromium failed (${e.message}). Install it yourself as root: ` +
        `apt-get update && apt-get install -y chromium   — the browser tests need ${CHROMIUM}`,
    );
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get finished but ${CHROMIUM} is still missing; install the "chromium" package`);
  console.log(`[ensure-chromium] installed ${CHROMIUM}`);
  return CHROMIUM;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(`[ensure-chromium] ready: ${ensureChromium()}`);
  } catch (e) {
    console.error(`[ensure-chromium] ${e.message}`);
    process.exit(1);
  }
}
