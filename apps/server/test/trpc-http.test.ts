import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ws2sServer } from "../src/app.js";
import { api, http, queryUrl, sandbox, server, TINY_CONFIG } from "./helpers.js";

// Plain queries and mutations are answered without tRPC's Fetch adapter (src/http/trpc.ts); a
// `trpc-accept` header sends a request through tRPC's own handler instead. Both must answer alike.
const sb = sandbox();
let s: Ws2sServer;
let experimentId = "";
beforeAll(async () => {
  s = await server(sb, { concurrency: 0 });
  experimentId = (await api(s).experiment.create({ config: TINY_CONFIG })).id;
});
afterAll(async () => {
  await s.close();
  sb.cleanup();
});

const viaTrpc = { "trpc-accept": "application/json" };

describe("tRPC over HTTP", () => {
  const requests: [string, { method?: "GET" | "POST"; body?: unknown }][] = [
    [queryUrl("experiment.list", {}), {}],
    [queryUrl("experiment.list"), {}],
    [`/trpc/experiment.list,run.list?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: {}, 1: { limit: 1 } }))}`, {}],
    [`/trpc/experiment.get,run.get?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { id: "exp_x" }, 1: { id: "run_x" } }))}`, {}],
    [`/trpc/experiment.list,run.get?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: {}, 1: { id: "run_x" } }))}`, {}],
    [queryUrl("run.metrics", { id: "run_x", maxPoints: 1 }), {}],
    ["/trpc/experiment.create", { method: "POST", body: { config: { ...TINY_CONFIG, weak: [] } } }],
    ["/trpc/experiment.create", { method: "GET" }],
    [queryUrl("no.such", {}), {}],
  ];

  it.each(requests)("answers %s the way tRPC's own handler does", async (url, init) => {
    const direct = await http(s, url, init);
    const trpc = await http(s, url, { ...init, headers: viaTrpc });
    expect(direct.status).toBe(trpc.status);
    expect(direct.json()).toEqual(trpc.json());
  });

  it("creates through the direct path like through tRPC's", async () => {
    const body = { config: { ...TINY_CONFIG, name: "via http" } };
    const direct = await http(s, "/trpc/experiment.create", { method: "POST", body });
    const trpc = await http(s, "/trpc/experiment.create", { method: "POST", body, headers: viaTrpc });
    expect([direct.status, trpc.status]).toEqual([200, 200]);
    expect(Object.keys((direct.json() as { result: { data: object } }).result.data)).toEqual(["id"]);
    expect(experimentId).toMatch(/^exp_/);
  });
});
