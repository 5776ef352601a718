import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, shot, startStack, trpc, waitForRun, type Stack } from "./harness.js";

// The researcher-facing views on real runs: a 3-seed run, a failed run and a 4-point sweep, all
// launched once up front (smoke-sized, so the file stays within minutes on a 2-core CPU).
const smoke = JSON.parse(readFileSync(join(ROOT, "experiments", "smoke-classification.json"), "utf8")) as Record<string, unknown>;

async function launch(url: string, config: Record<string, unknown>, sweep?: Record<string, unknown[]>): Promise<{ id: string; childIds: string[] }> {
  const exp = await trpc<{ id: string }>(url, "experiment.create", { config }, "mutation");
  return trpc(url, "run.start", { experimentId: exp.id, ...(sweep ? { sweep } : {}) }, "mutation");
}

/** Until the run has left queued/running, whatever it ended as. */
async function settled(url: string, id: string): Promise<string> {
  for (const t0 = Date.now(); Date.now() - t0 < 600_000; await new Promise((r) => setTimeout(r, 500))) {
    const run = await trpc<{ status: string }>(url, "run.get", { id });
    if (run.status !== "queued" && run.status !== "running") return run.status;
  }
  throw new Error(`run ${id} did not finish in 10 minutes`);
}

/** How far the page is wider than its viewport (0 when it fits). */
const overflow = (page: Page) => page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));

describe("researcher views (chromium, real runs)", () => {
  let s: Stack;
  let seeds3 = "";
  let failed = "";
  let sweep = "";
  let points: string[] = [];

  beforeAll(async () => {
    s = await startStack();
    seeds3 = (await launch(s.url, { ...smoke, name: "three seeds", seeds: [0, 1, 2] })).id;
    failed = (await launch(s.url, { ...smoke, name: "bound to fail", methods: [{ name: "naive", loss: "xent", params: { no_such_param: 1 } }] })).id;
    const sw = await launch(s.url, { ...smoke, name: "lr sweep" }, { "strong_train.lr": [0.0003, 0.001, 0.003, 0.01] });
    sweep = sw.id;
    points = sw.childIds;
    await trpc(s.url, "experiment.create", { config: { ...smoke, name: "planned, never run" } }, "mutation");
    await waitForRun(s.url, seeds3, 600_000);
    expect(await settled(s.url, failed)).toBe("failed");
    for (const p of points) await waitForRun(s.url, p, 600_000);
  }, 900_000);
  afterAll(async () => {
    await s?.close();
  });

  it("charts a 3-seed run with one legend entry per model and a band around each mean", async () => {
    const { page, url } = s;
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${url}/runs/${seeds3}`);
    const chart = page.locator('[data-chart="train_loss"]');
    await chart.waitFor({ timeout: 60_000 });
    const legend = await chart.evaluate((el) =>
      Array.from(el.querySelectorAll<HTMLElement>(".u-legend .u-series")).slice(1).filter((r) => r.style.display !== "none").map((r) => r.querySelector(".u-label")?.textContent ?? ""),
    );
    // models: the two weak members, the ceiling and the two methods — each once, no per-seed entries
    expect([...legend].sort()).toEqual(["ceiling", "edl", "naive", "weak bow", "weak cnn"]);
    expect(Number(await chart.getAttribute("data-bands"))).toBe(legend.length);
    expect(await chart.textContent()).toMatch(/mean ± 1 s\.d\. over 3 seeds/);
    // the test scores are per seed, on an axis that says so
    expect(await page.locator('[data-chart="test accuracy"]').textContent()).toMatch(/seed/);
    await page.screenshot({ path: join(ROOT, "test-results", "readme-run.png") });
  });

  it("compares 3 runs, one failed, and names the unknown id while showing the rest", async () => {
    const { page, url } = s;
    await page.goto(`${url}/compare?runs=${seeds3},${points[0]},${failed},no_such_run`);
    await expect.poll(() => page.getByTestId("compare-missing").textContent(), { timeout: 30_000 }).toMatch(/no_such_run/);
    const table = page.getByTestId("compare-pgr");
    expect(await table.locator("thead th").count()).toBe(4); // model + three runs
    await expect.poll(() => table.locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
    expect(await table.locator("thead").textContent()).toMatch(/failed/);
    await page.getByTestId("compare-metric").selectOption("accuracy");
    await expect.poll(() => table.locator("tbody").textContent()).toMatch(/ceiling/);
    expect(await page.getByTestId("config-diff").textContent()).toMatch(/methods\[naive\]\.params/);
    expect(await page.getByTestId("config-diff").textContent()).toMatch(/absent/); // the failed run has no edl method
    // the 3-seed run and the sweep point share seed 0: one paired difference, no interval
    expect(await page.getByTestId("compare-paired").locator("tbody").textContent()).toMatch(/\(1 seed\)/);
    await page.screenshot({ path: join(ROOT, "test-results", "readme-compare.png") });
  });

  it("shows a 4-point sweep as a table and a parallel-coordinates plot", async () => {
    const { page, url } = s;
    await page.goto(`${url}/runs/${sweep}`);
    await expect.poll(() => page.getByTestId("pc-line").count(), { timeout: 60_000 }).toBe(4);
    expect(await page.getByTestId("pc-axis").count()).toBe(2); // strong_train.lr and the score
    expect(await page.getByTestId("sweep-table").locator("tbody tr").count()).toBe(4);
    expect(await page.getByTestId("sweep-table").textContent()).toMatch(/0\.003/);
    expect(await page.getByText("This run produced no result").count()).toBe(0);
    await page.screenshot({ path: join(ROOT, "test-results", "readme-sweep.png") });
  });

  it("groups runs by experiment, sweep points under their sweep, and lists an experiment never run", async () => {
    const { page, url } = s;
    await page.goto(`${url}/?group=1`);
    const group = (name: string) => page.locator(`[data-testid="experiment-group"][data-name="${name}"]`);
    await expect.poll(() => group("lr sweep").locator('[data-testid="group-run"]').count(), { timeout: 30_000 }).toBe(5);
    expect(await group("three seeds").locator('[data-testid="group-run"]').count()).toBe(1);
    expect(await group("planned, never run").textContent()).toMatch(/never run/);
    expect(page.url()).toMatch(/group=1/);
  });

  it("marks and focuses the seeds field when its value is not a list of numbers", async () => {
    const { page, url } = s;
    await page.goto(`${url}/new`);
    await page.locator("#preset").selectOption("smoke");
    await page.locator('[data-path="seeds"]').fill("abc");
    await page.getByTestId("launch").click();
    await expect.poll(() => page.locator('[data-path="seeds"]').getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-path"))).toBe("seeds");
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(1);
    expect(await page.locator('[data-error-for="seeds"]').textContent()).toMatch(/item 1: .*number/);
    await expect.poll(() => page.getByTestId("form-problems").textContent()).toMatch(/^1 problem/);
  });

  it("refuses a cross-origin POST from another site's page (no token, loopback server)", async () => {
    const { page, url } = s;
    // localhost and 127.0.0.1 are different origins: the page below is "another site" to the API
    const other = url.replace("127.0.0.1", "localhost");
    await page.goto(`${other}/compare`);
    const status = await page.evaluate(async (api) => {
      const body = JSON.stringify({ config: { name: "forged", kind: "classification", task: { source: "builtin", name: "synonyms" }, weak: [{ name: "b", arch: "bow" }], methods: [{ name: "n", loss: "xent" }] } });
      // a simple request (text/plain, no-cors) needs no preflight: only the server can refuse it
      await fetch(`${api}/trpc/experiment.create`, { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body });
      const r = await fetch(`${api}/trpc/experiment.create`, { method: "POST", headers: { "content-type": "application/json" }, body }).catch(() => null);
      return r?.status ?? "blocked";
    }, url);
    expect(status).toBe("blocked"); // CORS: the JSON request needs a preflight the server never allows
    const list = await trpc<{ items: { name: string }[] }>(url, "experiment.list", { limit: 200 });
    expect(list.items.map((e) => e.name)).not.toContain("forged");
  });

  it("fits every page in the viewport at 390 and 1440 px", async () => {
    const { page, url } = s;
    const pages = ["/", "/?group=1", "/new", `/compare?runs=${seeds3},${points[0]},${failed}`, `/runs/${seeds3}`, `/runs/${failed}`, `/runs/${sweep}`, `/runs/${seeds3}/examples`];
    const wide: string[] = [];
    for (const width of [390, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      for (const p of pages) {
        await page.goto(`${url}${p}`);
        await page.locator("main h1, main h2").first().waitFor();
        await page.waitForLoadState("networkidle");
        const over = await overflow(page);
        if (over > 0) wide.push(`${p} at ${width} px: ${over} px too wide`);
        if (width === 390) await shot(page, `mobile${p.replace(/[^a-z0-9]+/gi, "-")}`);
      }
    }
    expect(wide).toEqual([]);
  });
});
