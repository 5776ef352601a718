import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createAndStart, sandbox, server, TINY_CONFIG, until } from "./helpers.js";
import { readSse } from "./sse.js";

const BIN = fileURLToPath(new URL("../bin/ws2s.mjs", import.meta.url));
const env = { ...process.env, WS2S_TOKEN: "" };
const ws2s = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000, env });

/** `ws2s serve` in the background; resolves with its URL once it prints that it is serving. */
async function serve(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", "--no-web", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b));
  child.stderr!.on("data", (b: Buffer) => (out += b));
  const url = await until(() => /serving (http:\/\/\S+) /.exec(out)?.[1], 60_000, `ws2s serve to start (output: ${out})`);
  return { child, url, output: () => out };
}

async function post(url: string, path: string, body: unknown): Promise<any> {
  const r = await fetch(`${url}/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return ((await r.json()) as { result: { data: unknown } }).result.data;
}

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

  it("says in one sentence, without a stack, that binding beyond loopback needs a token", () => {
    const r = ws2s("serve", "--host", "0.0.0.0", "--port", "0", "--db", join(sb.dir, "open.db"), "--no-web");
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("binding to 0.0.0.0 exposes the API to the network; set WS2S_TOKEN (or pass a token) first");
  }, 60_000);

  it("refuses a second server on the same database, naming the process that holds it", async () => {
    const db = join(sb.dir, "leased.db");
    const first = await serve(["--db", db, "--concurrency", "0"]);
    try {
      const r = ws2s("serve", "--db", db, "--concurrency", "0", "--no-web");
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toMatch(new RegExp(`^the database ${db} is in use by another ws2s server \\(process \\d+ on .*\\); stop that server, or give this one another database with --db$`));
    } finally {
      first.child.kill("SIGTERM");
      await once(first.child, "exit");
    }
  }, 120_000);

  it("stops within 5 s on SIGTERM to the launcher, ending open event streams", async () => {
    const { child, url } = await serve(["--db", join(sb.dir, "signals.db"), "--concurrency", "0"]);
    const { id: experimentId } = await post(url, "experiment.create", { config: TINY_CONFIG });
    const { id } = await post(url, "run.start", { experimentId }); // stays queued: concurrency 0
    const stream = readSse(`${url}/trpc/run.events?input=${encodeURIComponent(JSON.stringify({ id }))}`, {}, () => false);
    await new Promise((r) => setTimeout(r, 500)); // the stream is open
    const t0 = Date.now();
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(code).toBe(0);
    await stream; // ended, not hanging
    await expect(fetch(`${url}/api/health`)).rejects.toThrow(); // nothing listens any more
  }, 120_000);
});
