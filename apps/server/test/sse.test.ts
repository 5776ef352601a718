import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Ws2sServer } from "../src/app.js";
import { createAndStart, sandbox, server, TINY_CONFIG, until, waitForStatus, type Sandbox } from "./helpers.js";
import { readSse, runEvents } from "./sse.js";

const logs = Array.from({ length: 30 }, (_, i) => ({ type: "log", level: "info", message: `line ${i}` }));
const JOBS = {
  echo: { job: "echo", params: { events: logs, result: { ok: true } } },
  hang: { job: "hang", params: {} },
};

let sb: Sandbox;
let s: Ws2sServer;
let base: string;
beforeEach(() => {
  sb = sandbox();
});
afterEach(async () => {
  await s?.close();
  sb.cleanup();
});

const eventsUrl = (id: string, extra = "") => `${base}/trpc/run.events?input=${encodeURIComponent(JSON.stringify({ id }))}${extra}`;
const isDone = (m: { id?: string; data?: string; event?: string }[]) => runEvents(m).some((e) => e.type === "done" || e.type === "error");

describe("run.events over SSE", () => {
  it("resumes from the last event id after a dropped connection", async () => {
    s = await server(sb, { jobs: JOBS });
    base = await s.listen();
    const { runId } = await createAndStart(s, { ...TINY_CONFIG, name: "echo" });
    await waitForStatus(s, runId, ["succeeded"], 60_000);

    const first = await readSse(eventsUrl(runId), {}, (m) => runEvents(m).length >= 10);
    expect(first.contentType).toMatch(/^text\/event-stream/);
    expect(first.buffering).toBe("no");
    const seen = runEvents(first.messages);
    const last = seen.at(-1)!.id;

    const rest = await readSse(eventsUrl(runId), { "Last-Event-ID": last }, isDone);
    const resumed = runEvents(rest.messages);
    expect(resumed[0]!.id).toBe(String(Number(last) + 1));
    const all = [...seen, ...resumed];
    expect(all.map((e) => Number(e.id))).toEqual(all.map((_, i) => i)); // no gap, no repeat
    expect(all.filter((e) => e.type === "log")).toHaveLength(30);
    expect(all.at(-1)).toMatchObject({ type: "done", result: { ok: true } });
  }, 60_000);

  it("ends open streams when the server closes, even a queued run's, within 5 s", async () => {
    s = await server(sb, { jobs: JOBS, concurrency: 0 });
    base = await s.listen();
    const { runId } = await createAndStart(s, { ...TINY_CONFIG, name: "echo" });
    const streams = [readSse(eventsUrl(runId), {}, () => false), readSse(eventsUrl(runId), {}, () => false)];
    await until(() => (s.services.bus.listening(runId) === 2 ? true : undefined), 10_000, "both streams to subscribe");
    const t0 = Date.now();
    await s.close();
    const ended = await Promise.all(streams);
    expect(Date.now() - t0).toBeLessThan(5000);
    for (const r of ended) expect(runEvents(r.messages)).toEqual([]); // a queued run has no events yet
  }, 60_000);

  it("streams live events and ends with the cancellation", async () => {
    s = await server(sb, { jobs: JOBS, token: "s3cret" });
    base = await s.listen();
    const started = await s.app.inject({
      method: "POST",
      url: "/trpc/experiment.create",
      headers: { authorization: "Bearer s3cret", "content-type": "application/json" },
      payload: JSON.stringify({ config: { ...TINY_CONFIG, name: "hang" } }),
    });
    const experimentId = started.json().result.data.id as string;
    const run = await s.app.inject({
      method: "POST",
      url: "/trpc/run.start?token=s3cret",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ experimentId }),
    });
    const runId = run.json().result.data.id as string;
    const denied = await fetch(eventsUrl(runId));
    expect(denied.status).toBe(401);
    const stream = readSse(eventsUrl(runId, "&token=s3cret"), {}, isDone);
    await until(() => (s.services.queue.running().get(runId) ? true : undefined), 30_000, "runner");
    await until(async () => {
      const n = s.services.sqlite!.prepare("SELECT count(*) FROM events WHERE run_id = ?").pluck().get(runId) as number;
      return n > 0 ? true : undefined;
    }, 30_000, "first event");
    await s.services.queue.cancel(runId);
    const events = runEvents((await stream).messages);
    expect(events[0]).toMatchObject({ type: "log" });
    expect(events.at(-1)).toMatchObject({ type: "error", error_type: "Cancelled" });
  }, 60_000);
});
