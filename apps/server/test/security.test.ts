import { afterAll, describe, expect, it } from "vitest";
import { createServer } from "../src/app.js";
import { jsonDepth } from "../src/http/origin.js";
import { api, http, queryUrl, sandbox, server, TINY_CONFIG } from "./helpers.js";

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
    const opened = await http(s, "/runs/x?a=1&token=t0k");
    // the cookie is set and the token leaves the address bar by a redirect to the same page
    expect([opened.status, opened.headers.location]).toEqual([303, "/runs/x?a=1"]);
    expect(String(opened.headers["set-cookie"])).toMatch(/^ws2s_token=t0k; Path=\/; HttpOnly; SameSite=Strict/);
    const cookie = String(opened.headers["set-cookie"]).split(";")[0]!;
    expect((await http(s, list, { headers: { cookie } })).status).toBe(200);
    const page2 = await http(s, "/", { headers: { cookie } });
    expect([page2.status, page2.body]).toEqual([200, "<html>ws2s</html>"]);
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

describe("cross-origin writes", () => {
  const create = "/trpc/experiment.create";
  const body = JSON.stringify({ config: TINY_CONFIG });

  it("refuses a POST whose Origin is another site, with or without a token", async () => {
    for (const token of [undefined, "t0k"]) {
      const s = await server(sb, { dbPath: ":memory:", concurrency: 0, ...(token ? { host: "0.0.0.0", token } : {}) });
      const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const evil = await s.app.inject({ method: "POST", url: create, payload: body, headers: { ...auth, host: "127.0.0.1:8787", origin: "http://evil.example", "content-type": "application/json" } });
      expect(evil.statusCode).toBe(403);
      expect(evil.json()).toMatchObject({ error: expect.stringMatching(/cross-origin POST refused/) });
      const own = await s.app.inject({ method: "POST", url: create, payload: body, headers: { ...auth, host: "127.0.0.1:8787", origin: "http://127.0.0.1:8787", "content-type": "application/json" } });
      expect(own.statusCode).toBe(200);
      expect((await api(s).experiment.list({})).items).toHaveLength(1);
      // behind a reverse proxy the page's origin is the proxy's host, which the proxy forwards
      const proxied = await s.app.inject({ method: "POST", url: create, payload: body, headers: { ...auth, host: "127.0.0.1:8787", "x-forwarded-host": "lab.example", origin: "https://lab.example", "content-type": "application/json" } });
      expect(proxied.statusCode).toBe(200);
      await s.close();
    }
  });

  it("refuses a text/plain body (a form or a no-cors fetch can send one from any site)", async () => {
    const s = await server(sb, { dbPath: ":memory:", concurrency: 0 });
    const plain = await s.app.inject({ method: "POST", url: create, payload: body, headers: { "content-type": "text/plain" } });
    expect(plain.statusCode).toBe(415);
    const form = await s.app.inject({ method: "POST", url: create, payload: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.statusCode).toBe(415);
    expect((await api(s).experiment.list({})).items).toHaveLength(0);
    await s.close();
  });
});

describe("input limits", () => {
  it("answers a config nested 100,000 levels deep with 400, not a stack overflow", async () => {
    const s = await server(sb, { dbPath: ":memory:", concurrency: 0 });
    const deep = `{"config":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const res = await s.app.inject({ method: "POST", url: "/trpc/experiment.create", payload: deep, headers: { "content-type": "application/json" } });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toMatch(/nests 100001 levels deep; at most 64/);
    const get = await http(s, `/trpc/experiment.list?input=${encodeURIComponent(`{"a":${"{\"a\":".repeat(200)}1${"}".repeat(200)}}`)}`);
    expect(get.status).toBe(400);
    await s.close();
  });

  it("counts no brackets inside strings", () => {
    expect(jsonDepth(`{"a":"[[[[{{{{","b":[1,[2]]}`)).toBe(3);
    expect(jsonDepth(`["\\"]`)).toBe(1);
  });
});

describe("web pages", () => {
  it("answers the page of a run that does not exist with 404, an existing run's with 200", async () => {
    const page = async (_req: unknown, res: import("node:http").ServerResponse) => {
      res.statusCode = 200;
      res.writeHead(200, { "content-type": "text/html" }).end("<html>ws2s</html>");
    };
    const s = await server(sb, { dbPath: ":memory:", concurrency: 0, web: async () => page });
    const { id } = await api(s).experiment.create({ config: TINY_CONFIG });
    const run = await api(s).run.start({ experimentId: id });
    expect((await http(s, "/runs/no-such-run")).status).toBe(404);
    expect((await http(s, "/runs/no-such-run/examples")).status).toBe(404);
    expect((await http(s, `/runs/${run.id}`)).status).toBe(200);
    expect((await http(s, `/runs/${run.id}/examples`)).status).toBe(200);
    expect((await http(s, "/compare?runs=nope")).status).toBe(200);
    await s.close();
  });
});
