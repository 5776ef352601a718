import { afterAll, describe, expect, it } from "vitest";
import { createServer } from "../src/app.js";
import { http, queryUrl, sandbox, server } from "./helpers.js";

const sb = sandbox();
afterAll(() => sb.cleanup());

const list = queryUrl("experiment.list", {});

describe("token", () => {
  it("refuses to bind beyond loopback without a token", async () => {
    const prev = process.env.WS2S_TOKEN;
    delete process.env.WS2S_TOKEN;
    await expect(createServer({ host: "0.0.0.0", dbPath: ":memory:", gpus: [] })).rejects.toThrow(/WS2S_TOKEN/);
    if (prev !== undefined) process.env.WS2S_TOKEN = prev;
  });

  it("checks the token on every request: Bearer header or ?token=", async () => {
    const s = await server(sb, { host: "0.0.0.0", token: "t0k", concurrency: 0 });
    expect((await http(s, list)).status).toBe(401);
    expect((await http(s, list, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await http(s, list, { headers: { authorization: "Bearer t0k" } })).status).toBe(200);
    expect((await http(s, `${list}&token=t0k`)).status).toBe(200);
    expect((await http(s, "/api/health")).status).toBe(401);
    const opened = await http(s, "/api/health?token=t0k");
    const cookie = String(opened.headers["set-cookie"]).split(";")[0]!;
    expect((await http(s, "/api/health", { headers: { cookie } })).status).toBe(200);
    await s.close();
  });

  it("answers a malformed token cookie with 401, not 500", async () => {
    const s = await server(sb, { host: "0.0.0.0", token: "t0k", concurrency: 0 });
    for (const cookie of ["ws2s_token=%E0%A4%A", "ws2s_token=%", "ws2s_token=%zz; other=1"]) {
      expect((await http(s, "/api/health", { headers: { cookie } })).status).toBe(401);
    }
    await s.close();
  });

  it("sets the token cookie on web pages too (the page's own API calls then pass)", async () => {
    const page = async (_req: unknown, res: import("node:http").ServerResponse) => {
      res.writeHead(200, { "content-type": "text/html" }).end("<html>ws2s</html>");
    };
    const s = await server(sb, { host: "0.0.0.0", token: "t0k", concurrency: 0, web: async () => page });
    expect(s.web).toBe(true);
    expect((await http(s, "/")).status).toBe(401);
    const opened = await http(s, "/?token=t0k");
    expect([opened.status, opened.body]).toEqual([200, "<html>ws2s</html>"]);
    expect(String(opened.headers["set-cookie"])).toMatch(/^ws2s_token=t0k; Path=\/; HttpOnly; SameSite=Strict/);
    const cookie = String(opened.headers["set-cookie"]).split(";")[0]!;
    expect((await http(s, list, { headers: { cookie } })).status).toBe(200);
    await s.close();
  });
});

describe("loopback without a token", () => {
  it("answers only requests that name the server by a loopback name (no DNS rebinding)", async () => {
    const s = await server(sb, { concurrency: 0 });
    for (const host of ["localhost:8787", "127.0.0.1:8787", "[::1]:8787", "LOCALHOST"]) {
      expect((await http(s, list, { headers: { host } })).status, host).toBe(200);
    }
    const rebound = await http(s, list, { headers: { host: "attacker.example:8787" } });
    expect(rebound.status).toBe(403);
    expect((rebound.json() as { error: string }).error).toMatch(/^Host "attacker.example:8787" is not a name of this server/);
    await s.close();
  });
});
