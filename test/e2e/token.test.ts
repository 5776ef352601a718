import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Ws2sServer } from "@ws2s/server";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWeb } from "../../scripts/build-web.mjs";
import { CHROMIUM_ARGS, ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { ROOT, shot } from "./harness.js";

// The web app behind WS2S_TOKEN: opened once with ?token=, the page's own API calls carry the cookie
// the server sets (before the fix the page route dropped it and every call answered 401).
const TOKEN = "e2e-s3cret-token";

describe("web app behind a token (chromium, real server)", () => {
  let server: Ws2sServer;
  let browser: Browser;
  let url = "";
  let tmp = "";

  const api = async <T>(path: string, body: unknown): Promise<T> => {
    const r = await fetch(`${url}/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    const json = (await r.json()) as { result?: { data: T }; error?: unknown };
    if (!json.result) throw new Error(`${path} failed (${r.status}): ${JSON.stringify(json.error)}`);
    return json.result.data;
  };

  beforeAll(async () => {
    process.env.PYTHON_BIN ??= join(ROOT, "python", ".venv", "bin", "python");
    const executablePath = ensureChromium();
    await buildWeb();
    tmp = mkdtempSync(join(tmpdir(), "ws2s-e2e-token-"));
    server = await createServer({ dbPath: join(tmp, "ws2s.db"), runsRoot: join(tmp, "runs"), port: 0, web: true, token: TOKEN, gpus: [] });
    if (!server.web) throw new Error("the server did not mount the web app (is apps/web built?)");
    url = (await server.listen()).replace("localhost", "127.0.0.1");
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("opens /?token=T, lists the experiments and launches a run", async () => {
    const smoke = JSON.parse(readFileSync(join(ROOT, "experiments", "smoke-classification.json"), "utf8")) as Record<string, unknown>;
    const existing = await api<{ id: string }>("experiment.create", { config: { ...smoke, name: "made before the page opened" } });
    const first = await api<{ id: string }>("run.start", { experimentId: existing.id });

    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(30_000);
    const denied: string[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/trpc/") && r.status() === 401) denied.push(r.url());
    });
    await page.goto(`${url}/?token=${TOKEN}`);
    await expect.poll(() => page.getByTestId("table-row").count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId("table-row").first().textContent()).toContain("made before the page opened");
    expect(page.url()).toBe(`${url}/`); // the server redirected the token out of the address bar

    await shot(page, "token-experiments");

    await page.goto(`${url}/new`); // no token in the URL: the cookie carries it
    await page.locator("#preset").selectOption("smoke");
    await page.locator('[data-path="name"]').fill("launched behind a token");
    await page.getByTestId("launch").click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    const runId = page.url().split("/runs/")[1]!;
    await expect.poll(() => page.getByTestId("status").first().textContent(), { timeout: 60_000 }).toMatch(/queued|running|succeeded/);
    expect(denied).toEqual([]);
    const run = await fetch(`${url}/trpc/run.get?input=${encodeURIComponent(JSON.stringify({ id: runId }))}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(((await run.json()) as { result: { data: { config: { name: string } } } }).result.data.config.name).toBe("launched behind a token");
    await shot(page, "token-run");
    // The runs have shown what they had to; stop them rather than train on a shared CI machine.
    for (const id of [first.id, runId]) await api("run.cancel", { id }).catch(() => {}); // 409 once finished
    await page.close();
  });
});
