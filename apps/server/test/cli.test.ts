import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createAndStart, sandbox, server, TINY_CONFIG } from "./helpers.js";

const BIN = fileURLToPath(new URL("../bin/ws2s.mjs", import.meta.url));
const ws2s = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });

describe("ws2s CLI", () => {
  const sb = sandbox();
  afterAll(() => sb.cleanup());

  it("rejects an invalid config with the path of each issue", () => {
    const file = join(sb.dir, "bad.json");
    writeFileSync(file, JSON.stringify({ ...TINY_CONFIG, methods: [] }));
    const r = ws2s("run", file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("methods:");
  }, 60_000);

  it("lists the runs in a database", async () => {
    const s = await server(sb, { concurrency: 0 });
    const { runId } = await createAndStart(s, TINY_CONFIG);
    await s.close();
    const r = ws2s("ls", "--db", sb.dbPath);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${runId}\\s+queued .* tiny`));
  }, 60_000);
});
