import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, type Ws2sServer } from "@ws2s/server";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildWeb } from "../../scripts/build-web.mjs";
import { CHROMIUM_ARGS, ensureChromium } from "../../scripts/ensure-chromium.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Screenshots and measurements (gitignored). */
export const RESULTS_DIR = join(ROOT, "test-results");

export interface Stack {
  server: Ws2sServer;
  url: string;
  browser: Browser;
  page: Page;
  tmp: string;
  close(): Promise<void>;
}

/**
 * Chromium (installed when missing), a fresh web build when sources changed, the real server with a
 * temp database and runs root on a random port serving UI and API, and one browser page.
 */
export async function startStack(): Promise<Stack> {
  process.env.HF_HUB_OFFLINE ??= "1";
  process.env.TRANSFORMERS_OFFLINE ??= "1";
  process.env.PYTHON_BIN ??= join(ROOT, "python", ".venv", "bin", "python");
  const executablePath = ensureChromium();
  await buildWeb();
  mkdirSync(RESULTS_DIR, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "ws2s-e2e-"));
  const server = await createServer({ dbPath: join(tmp, "ws2s.db"), runsRoot: join(tmp, "runs"), port: 0, web: true });
  if (!server.web) throw new Error("the server did not mount the web app (is apps/web built?)");
  const url = (await server.listen()).replace("localhost", "127.0.0.1");
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.setDefaultTimeout(30_000);
  return {
    server,
    url,
    browser,
    page,
    tmp,
    async close() {
      await browser.close().catch(() => {});
      await server.close().catch(() => {});
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true });

/** Calls a tRPC procedure over HTTP the way the browser does (no batching). */
export async function trpc<T>(url: string, path: string, input: unknown, kind: "query" | "mutation" = "query"): Promise<T> {
  const r =
    kind === "query"
      ? await fetch(`${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`)
      : await fetch(`${url}/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) });
  const body = (await r.json()) as { result?: { data: T }; error?: unknown };
  if (!r.ok || !body.result) throw new Error(`${path} failed (${r.status}): ${JSON.stringify(body.error)}`);
  return body.result.data;
}

/** Polls run.get until the run leaves queued/running. */
export async function waitForRun(url: string, id: string, timeoutMs = 180_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const run = await trpc<{ status: string; reason: string | null }>(url, "run.get", { id });
    if (run.status !== "queued" && run.status !== "running") {
      if (run.status !== "succeeded") throw new Error(`run ${id} ended ${run.status}: ${run.reason}`);
      return run.status;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`run ${id} still ${run.status} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
