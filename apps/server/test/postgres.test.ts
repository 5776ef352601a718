import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ws2sServer } from "../src/app.js";
import { createServer } from "../src/app.js";
import { OptionsError } from "../src/options.js";
import { freePort, PG_PASSWORD } from "./daemons/postgres.js";
import { FakeExecutor } from "./daemons/fake-executor.js";
import { StoreFixtures } from "./daemons/stores.js";
import { api, createAndStart, sandbox, server, streamedEvents, TINY_CONFIG, until, waitForStatus, type Sandbox } from "./helpers.js";

// Servers on a real PostgreSQL server (a throwaway cluster): the API, two servers sharing one
// database, a killed server's runs recovered by the other, bad URLs, and the URL's password.

const fx = new StoreFixtures();
let sb: Sandbox;
beforeAll(async () => {
  sb = sandbox();
  await fx.setup();
}, 600_000);
afterAll(() => {
  fx.stop();
  sb.cleanup();
}, 120_000);

const require = createRequire(import.meta.url);
const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const BIN = fileURLToPath(new URL("../bin/ws2s.mjs", import.meta.url));

/** `ws2s serve` as one process (node with tsx's loader, so SIGKILL reaches the server itself). */
async function serveChild(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const args = ["--import", require.resolve("tsx/esm"), CLI, "serve", "--port", "0", "--no-web", "--runs", sb.runsRoot, "--data", sb.dataRoot];
  const child = spawn(process.execPath, args, { env: { ...process.env, WS2S_TOKEN: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b));
  child.stderr!.on("data", (b: Buffer) => (out += b));
  const url = await until(() => /serving (http:\/\/\S+) /.exec(out)?.[1], 120_000, `ws2s serve to start (output: ${out})`);
  return { child, url, output: () => out };
}

async function trpc(url: string, path: string, input: unknown, method: "GET" | "POST" = "POST"): Promise<any> {
  const r =
    method === "POST"
      ? await fetch(`${url}/trpc/${path}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(input) })
      : await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
  return ((await r.json()) as { result: { data: unknown } }).result.data;
}

describe("servers on PostgreSQL", () => {
  const skip = () => fx.postgresSkip !== undefined;

  it("runs a job through the API: events stream in order, metrics and results read back", async (t) => {
    if (skip()) return t.skip();
    const s = await server(sb, { dbUrl: await fx.dbUrl(), jobs: { echo: { job: "echo", params: { events: [{ type: "metric", key: "loss", value: 0.5, step: 0 }, { type: "metric", key: "loss", value: 0.25, step: 1 }], result: { ok: true } } } } });
    try {
      const { runId } = await createAndStart(s, { ...TINY_CONFIG, name: "echo" });
      const run = await waitForStatus(s, runId, ["succeeded", "failed"], 60_000);
      expect([run.status, run.executor, run.owner !== null]).toEqual(["succeeded", "local", true]);
      const events = await streamedEvents(s, runId);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      expect(events.at(-1)?.type).toBe("done");
      expect((await streamedEvents(s, runId, "1")).map((e) => e.seq)).toEqual(events.slice(2).map((e) => e.seq));
      const [loss] = await api(s).run.metrics({ id: runId, keys: ["loss"] });
      expect(loss?.points).toEqual([{ step: 0, value: 0.5 }, { step: 1, value: 0.25 }]);
      expect((await api(s).run.results({ id: runId })).result).toEqual({ ok: true });
      expect((await api(s).experiment.list({})).items[0]?.lastStatus).toBe("succeeded");
    } finally {
      await s.close();
    }
  }, 120_000);

  it("never starts a run twice when two servers claim 50 queued runs from one database", async (t) => {
    if (skip()) return t.skip();
    const dbUrl = await fx.dbUrl();
    // Jobs of 100 ms: one server alone would need over a second, so both get runs.
    const ea = new FakeExecutor(100);
    const eb = new FakeExecutor(100);
    const a = await server(sb, { dbUrl, executor: ea, concurrency: 4, pollMs: 50, start: false });
    const b = await server(sb, { dbUrl, executor: eb, concurrency: 4, pollMs: 50, start: false });
    try {
      const { id } = await api(a).experiment.create({ config: { ...TINY_CONFIG, name: "many" } });
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) ids.push((await api(a).run.start({ experimentId: id })).id);
      await Promise.all([a.start(), b.start()]);
      await until(async () => {
        const page = await api(a).run.list({ experimentId: id, status: "succeeded", limit: 100 });
        return page.items.length === 50 ? true : undefined;
      }, 120_000, "all 50 runs to succeed");
      const started = [...ea.started, ...eb.started];
      expect((await api(a).run.list({ experimentId: id, limit: 100 })).items.filter((r) => r.retryOf !== null)).toEqual([]);
      expect(started.length).toBe(50);
      expect(new Set(started)).toEqual(new Set(ids));
      expect(ea.started.length).toBeGreaterThan(0);
      expect(eb.started.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 180_000);

  it("streams a run's events from a server that does not run it", async (t) => {
    if (skip()) return t.skip();
    const dbUrl = await fx.dbUrl();
    const runner = await server(sb, { dbUrl, executor: new FakeExecutor(500), pollMs: 100, start: false });
    const watcher = await server(sb, { dbUrl, executor: new FakeExecutor(), concurrency: 0, pollMs: 100 });
    try {
      const { runId } = await createAndStart(watcher, { ...TINY_CONFIG, name: "elsewhere" });
      const stream = streamedEvents(watcher, runId);
      await runner.start();
      const events = await stream;
      expect(events.map((e) => [e.seq, e.type])).toEqual([[0, "log"], [1, "done"]]);
      expect((await api(watcher).run.get({ id: runId })).owner).toBe(runner.services.queue.owner);
    } finally {
      await Promise.all([runner.close(), watcher.close()]);
    }
  }, 120_000);

  it("recovers a killed server's running run on the other server, and keeps the URL's password out of output and jobs", async (t) => {
    if (skip()) return t.skip();
    const dbUrl = await fx.dbUrl();
    // Server A, a process of its own with the local executor, given the URL through WS2S_DB.
    const a = await serveChild({ WS2S_DB: dbUrl });
    let b: Ws2sServer | undefined;
    try {
      expect(a.output()).toContain("postgres://ws2s:***@");
      const { id } = await trpc(a.url, "experiment.create", { config: { ...TINY_CONFIG, name: "victim" } });
      const { id: runId } = await trpc(a.url, "run.start", { experimentId: id });
      const pid = await until(async () => (await trpc(a.url, "run.get", { id: runId }, "GET"))?.pid ?? undefined, 60_000, "A's runner");
      expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain(PG_PASSWORD);
      a.child.kill("SIGKILL");
      // Server B notices that A stopped heartbeating, interrupts A's run and runs a retry of it.
      b = await server(sb, { dbUrl, executor: new FakeExecutor(), staleMs: 2000, pollMs: 200 });
      const victim = await waitForStatus(b, runId, ["interrupted"], 60_000);
      expect(victim.reason).toMatch(/stopped answering; a retry was queued/);
      const retry = await until(async () => (await api(b!).run.list({ experimentId: id, limit: 10 })).items.find((r) => r.retryOf === runId), 30_000, "the retry");
      const done = await waitForStatus(b, retry.id, ["succeeded"], 60_000);
      expect([victim.owner, done.owner]).toEqual([b.services.queue.owner, b.services.queue.owner]);
      expect(a.output()).not.toContain(PG_PASSWORD);
    } finally {
      a.child.kill("SIGKILL");
      await b?.close();
    }
  }, 240_000);

  it("refuses a PostgreSQL URL that does not answer, or a wrong password, in one sentence without the password", async (t) => {
    if (skip()) return t.skip();
    const port = await freePort();
    const dead = `postgres://ws2s:${PG_PASSWORD}@127.0.0.1:${port}/nothing`;
    const err = await createServer({ dbUrl: dead, gpus: [] }).then(() => undefined, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(OptionsError);
    expect(err!.message).toMatch(/^cannot connect to the PostgreSQL database postgres:\/\/ws2s:\*\*\*@127\.0\.0\.1:\d+\/nothing \(.*ECONNREFUSED.*\); start it, or fix the URL given to --db$/);
    const wrong = (await fx.dbUrl()).replace(PG_PASSWORD, "not-the-password");
    const err2 = await createServer({ dbUrl: wrong, gpus: [] }).then(() => undefined, (e: unknown) => e as Error);
    expect(err2!.message).toMatch(/password authentication failed/);
    expect(err2!.message).not.toContain("not-the-password");
    const r = spawnSync(process.execPath, [BIN, "serve", "--no-web", "--port", "0", "--db", dead], { encoding: "utf8", timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr + r.stdout).not.toContain(PG_PASSWORD);
  }, 180_000);
});
