import { afterAll, describe, expect, it } from "vitest";
import { createServer } from "../src/app.js";
import { call, sandbox, server } from "./helpers.js";

const sb = sandbox();
afterAll(() => sb.cleanup());

describe("token", () => {
  it("refuses to bind beyond loopback without a token", async () => {
    const prev = process.env.WS2S_TOKEN;
    delete process.env.WS2S_TOKEN;
    await expect(createServer({ host: "0.0.0.0", dbPath: ":memory:", gpus: [] })).rejects.toThrow(/WS2S_TOKEN/);
    if (prev !== undefined) process.env.WS2S_TOKEN = prev;
  });

  it("checks the token on every request: Bearer header or ?token=", async () => {
    const s = await server(sb, { host: "0.0.0.0", token: "t0k", concurrency: 0 });
    expect((await call(s, "experiment.list", {})).status).toBe(401);
    expect((await call(s, "experiment.list", {}, "query", { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await call(s, "experiment.list", {}, "query", { authorization: "Bearer t0k" })).status).toBe(200);
    expect((await s.app.inject({ url: `/trpc/experiment.list?input=${encodeURIComponent("{}")}&token=t0k` })).statusCode).toBe(200);
    expect((await s.app.inject({ url: "/api/health" })).statusCode).toBe(401);
    const opened = await s.app.inject({ url: "/api/health?token=t0k" });
    const cookie = String(opened.headers["set-cookie"]).split(";")[0]!;
    expect((await s.app.inject({ url: "/api/health", headers: { cookie } })).statusCode).toBe(200);
    await s.close();
  });
});
