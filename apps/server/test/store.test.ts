import type { ExperimentConfig, Ws2sEvent } from "@ws2s/schema";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../src/store/store.js";
import { interrupt } from "../src/store/store.js";
import { StoreFixtures } from "./daemons/stores.js";

// The Store interface's contract, run against SQLite and against a real PostgreSQL server.

const fx = new StoreFixtures();
beforeAll(() => fx.setup(), 600_000);
afterAll(() => fx.stop(), 120_000);

const config = (name: string, tags: string[] = []) => ({ name, kind: "classification", description: `about ${name}`, tags }) as unknown as ExperimentConfig;
/** Waits for the clock to move on, so creation times differ. */
async function nextMs(): Promise<void> {
  const t = Date.now();
  while (Date.now() === t) await new Promise((r) => setTimeout(r, 1));
}
const metric = (seq: number, step: number, value: number): Ws2sEvent => ({ type: "metric", seq, t: seq, key: "loss", step, value });

describe.each(["sqlite", "postgres"] as const)("the %s store", (kind) => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });
  const open = async () => {
    if (kind === "postgres" && fx.postgresSkip) return false;
    store = await fx.open(kind);
    return true;
  };

  it("creates, gets, archives and lists experiments by text, tag, status and summary metric", async (t) => {
    if (!(await open())) return t.skip();
    const a = await store.experiments.create(config("Alpha run", ["x"]));
    await nextMs();
    const b = await store.experiments.create(config("beta 100%", ["y"]));
    await nextMs();
    const c = await store.experiments.create(config("gamma", ["x", "y"]));
    expect((await store.experiments.get(a.id)).tags).toEqual(["x"]);
    await store.experiments.setArchived(c.id, true);
    const base = { includeArchived: false, sortBy: "created", order: "desc", limit: 50 } as const;
    expect((await store.experiments.list(base)).items.map((e) => e.id)).toEqual([b.id, a.id]);
    expect((await store.experiments.list({ ...base, includeArchived: true, tag: "x" })).items.map((e) => e.id)).toEqual([c.id, a.id]);
    expect((await store.experiments.list({ ...base, text: "ALPHA" })).items.map((e) => e.id)).toEqual([a.id]);
    expect((await store.experiments.list({ ...base, text: "100%" })).items.map((e) => e.id)).toEqual([b.id]);
    const run = await store.runs.insertRun({ experimentId: a.id, job: "j", config: {}, outDir: "/o" });
    await store.writeSummaries(run.id, a.id, [["pgr/edl", 0.4]]);
    await store.writeSummaries(run.id, a.id, [["pgr/edl", 0.9]]);
    const sorted = await store.experiments.list({ ...base, sortBy: "pgr/edl", limit: 1 });
    expect(sorted.items.map((e) => [e.id, e.sortValue, e.runCount, e.lastStatus])).toEqual([[a.id, 0.9, 1, "queued"]]);
    expect(sorted.nextCursor).toBe("1");
    expect((await store.experiments.list({ ...base, sortBy: "pgr/edl", cursor: "1" })).items.map((e) => e.id)).toEqual([b.id]);
    expect((await store.experiments.list({ ...base, status: "queued" })).items.map((e) => e.id)).toEqual([a.id]);
  });

  it("claims queued runs oldest first, once each, and keeps a sweep parent's status current", async (t) => {
    if (!(await open())) return t.skip();
    const e = await store.experiments.create(config("sweep"));
    const parent = await store.runs.insertRun({ experimentId: e.id, sweep: true, job: null, config: {}, outDir: "/p" });
    const kids: Awaited<ReturnType<Store["runs"]["insertRun"]>>[] = [];
    for (let i = 0; i < 3; i++) kids.push(await store.runs.insertRun({ experimentId: e.id, parentId: parent.id, job: "j", config: { i }, outDir: (id) => `/p/${id}` }));
    expect(kids.map((k) => k.seq)).toEqual([2, 3, 4]);
    expect(await store.runs.claimNext("a", () => false)).toBeUndefined(); // the oldest does not fit yet: nothing claimed
    expect([(await store.runs.get(kids[0]!.id)).status, (await store.runs.get(kids[0]!.id)).startedAt]).toEqual(["queued", null]);
    const claimed = [await store.runs.claimNext("a", (r) => r.id === kids[0]!.id), await store.runs.claimNext("b")];
    expect(claimed.map((r) => [r?.id, r?.owner, r?.status])).toEqual([[kids[0]!.id, "a", "running"], [kids[1]!.id, "b", "running"]]);
    expect((await store.runs.get(parent.id)).status).toBe("running");
    expect(await store.runs.transition(kids[0]!.id, ["queued"], { status: "failed" })).toBe(false);
    expect(await store.runs.transition(kids[0]!.id, ["running"], { status: "succeeded", result: { ok: 1 } })).toBe(true);
    expect(await store.runs.transition(kids[1]!.id, ["running"], { status: "failed", reason: "boom" })).toBe(true);
    expect(await store.runs.transition(kids[2]!.id, ["queued"], { status: "cancelled" })).toBe(true);
    expect(await store.runs.claimNext("a")).toBeUndefined();
    const p = await store.runs.get(parent.id);
    expect([p.status, p.finishedAt !== null]).toEqual(["failed", true]);
    expect((await store.runs.get(kids[0]!.id)).result).toEqual({ ok: 1 });
    expect((await store.experiments.get(e.id)).lastStatus).toBe("failed");
    const page = await store.runs.list({ parentId: parent.id, limit: 2 });
    expect([page.items.map((r) => r.seq), page.nextCursor]).toEqual([[4, 3], "2"]);
    expect((await store.runs.listNamed(1))[0]?.experimentName).toBe("sweep");
  });

  it("stores a batch of events once, with metrics, series, artifacts and progress, and downsamples", async (t) => {
    if (!(await open())) return t.skip();
    const e = await store.experiments.create(config("ingest"));
    const run = await store.runs.insertRun({ experimentId: e.id, job: "j", config: {}, outDir: "/o" });
    const points = Array.from({ length: 5000 }, (_, i) => metric(i, i, i === 1234 ? 99 : Math.sin(i / 100)));
    await store.ingest.append(run.id, points.slice(0, 3000));
    await store.ingest.append(run.id, points.slice(2000)); // overlapping: stored once
    const more: Ws2sEvent[] = [
      { type: "artifact", seq: 5000, t: 0, name: "results", path: "/o/results.json", kind: "json", bytes: 10 },
      { type: "progress", seq: 5001, t: 0, stage: "weak", current: 1, total: 2 },
      { type: "done", seq: 5002, t: 0, result: null },
    ];
    await store.ingest.append(run.id, more);
    const seqs: number[] = [];
    for await (const ev of store.events.after(run.id, 4990)) seqs.push(ev.seq);
    expect(seqs).toEqual([4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000, 5001, 5002]);
    expect((await store.events.lastOf(run.id))?.type).toBe("done");
    expect((await store.events.reportedArtifacts(run.id)).map((a) => [a.name, a.bytes])).toEqual([["results", 10]]);
    expect((await store.runs.get(run.id)).progress).toEqual({ stage: "weak", current: 1, total: 2 });
    expect(await store.metrics.keys(run.id)).toEqual(["loss"]);
    const s = await store.metrics.series(run.id, "loss", { maxPoints: 100 });
    expect([s.total, s.downsampled]).toEqual([6000, true]); // n counts points as appended, as SQLite's does
    expect(s.points).toContainEqual({ step: 1234, value: 99 });
    const raw = await store.metrics.series(run.id, "loss", { maxPoints: 100, fromStep: 10, toStep: 12 });
    expect(raw.points.map((p) => p.step)).toEqual([10, 11, 12]);
  });

  it("finds runs whose server stopped heartbeating, lets one server adopt each, and interrupts them", async (t) => {
    if (!(await open())) return t.skip();
    const e = await store.experiments.create(config("orphans"));
    const r1 = await store.runs.insertRun({ experimentId: e.id, job: "j", config: {}, outDir: "/o" });
    const r2 = await store.runs.insertRun({ experimentId: e.id, job: "j", config: {}, outDir: "/o2" });
    await store.servers.beat({ id: "srv_dead", host: "h", pid: 1 });
    await store.servers.beat({ id: "srv_live", host: "h", pid: 2 });
    expect((await store.runs.claimNext("srv_dead"))?.id).toBe(r1.id);
    expect((await store.runs.claimNext("srv_live"))?.id).toBe(r2.id);
    await store.runs.setExecution(r1.id, { executor: "slurm", jobId: "42", jobState: "RUNNING" });
    expect(await store.runs.orphans("srv_live", Date.now() - 60_000)).toEqual([]);
    const stale = await store.runs.orphans("srv_live", Date.now() + 1);
    expect(stale).toEqual([{ id: r1.id, owner: "srv_dead" }]);
    expect(await store.runs.adopt(r1.id, "srv_dead", "srv_live")).toBe(true);
    expect(await store.runs.adopt(r1.id, "srv_dead", "srv_other")).toBe(false);
    const adopted = await store.runs.get(r1.id);
    expect([adopted.owner, adopted.executor, adopted.jobId, adopted.jobState]).toEqual(["srv_live", "slurm", "42", "RUNNING"]);
    expect(await interrupt(store, r1.id)).toBe(true);
    expect((await store.events.lastOf(r1.id))?.type).toBe("error");
    expect(await store.runs.runningIds()).toEqual([r2.id]);
    await store.servers.remove("srv_dead");
  });
});
