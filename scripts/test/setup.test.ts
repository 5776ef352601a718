import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain .mjs script without types
import { findPython, NO_PYTHON, nodeProblem } from "../setup.mjs";

const SETUP = join(dirname(fileURLToPath(import.meta.url)), "..", "setup.mjs");

describe("setup", () => {
  it("rejects Node.js older than 20 with one sentence naming what to install", () => {
    expect(nodeProblem("18.19.0")).toMatch(/^Node\.js 18\.19\.0 is too old: install Node\.js 20/);
    expect(nodeProblem("20.0.0")).toBeNull();
    expect(nodeProblem("22.3.1")).toBeNull();
  });

  it("finds no Python among missing interpreters and explains what to install", () => {
    expect(findPython(["/nonexistent/python3", "definitely-not-a-python-ws2s"])).toBeNull();
    expect(NO_PYTHON).toMatch(/^no Python 3\.10\+ with the venv module was found: install python3/);
  });

  it("accepts the machine's python3", () => {
    expect(findPython(["/nonexistent/python3", "python3"])).toBe("python3");
  });

  it("skips everything in well under 5 s when nothing changed", () => {
    // npm test runs setup before the suites, so here nothing has changed since.
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [SETUP], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/installing/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
