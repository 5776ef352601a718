import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESULTS_DIR, ROOT, shot, startStack, trpc, waitForRun, type Stack } from "./harness.js";

// One browser against one real server for the whole file: the runs launched early are compared
// and inspected later, so the file stays within a few minutes on a 2-core CPU.
describe("web app (chromium, real server, smoke experiment)", () => {
  let s: Stack;
  let firstRun = "";

  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(async () => {
    await s?.close();
  });

  it("shows the message next to an invalid field and sends nothing", async () => {
    const { page, url } = s;
    const sent: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/trpc/experiment.create") || r.url().includes("/trpc/run.start")) sent.push(r.url());
    });
    await page.goto(`${url}/new`);
    await page.locator('[data-path="name"]').fill("");
    await page.locator('[data-path="strong_train.epochs"]').fill("0");
    await page.getByTestId("launch").click();
    const nameErr = page.locator('[data-error-for="name"]');
    const epochsErr = page.locator('[data-error-for="strong_train.epochs"]');
    await expect.poll(() => epochsErr.textContent()).toMatch(/>=\s*1|too small/i);
    expect(await nameErr.isVisible()).toBe(true);
    // The message sits in the same field row as its input, and the input is marked invalid.
    const row = page.locator(".field", { has: page.locator('[data-path="strong_train.epochs"]') });
    expect(await row.locator('[data-error-for="strong_train.epochs"]').count()).toBe(1);
    expect(await page.locator('[data-path="strong_train.epochs"]').getAttribute("aria-invalid")).toBe("true");
    await expect.poll(() => page.getByTestId("form-problems").textContent()).toMatch(/nothing was sent/);
    await shot(page, "new-invalid");
    await page.waitForTimeout(300);
    expect(sent).toEqual([]);
    const list = await trpc<{ items: unknown[] }>(url, "experiment.list", {});
    expect(list.items).toHaveLength(0);
  });

  it("creates the smoke experiment through the form and watches it reach success live", async () => {
    const { page, url } = s;
    await page.goto(`${url}/new`);
    await page.locator("#preset").selectOption("smoke");
    await page.locator('[data-path="name"]').fill("e2e smoke");
    await page.getByTestId("launch").click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    firstRun = page.url().split("/runs/")[1]!;
    // Live: the stream shows the pipeline moving before the run has finished.
    const status = page.getByTestId("status");
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/running|succeeded/);
    await expect.poll(() => page.locator('[data-stage="weak"] .muted').first().textContent(), { timeout: 60_000 }).toMatch(/\d+\/\d+/);
    const sawLiveStatus = await status.textContent();
    await shot(page, "run-live");
    await expect.poll(() => status.textContent(), { timeout: 180_000, interval: 1000 }).toBe("succeeded");
    expect(["running", "succeeded"]).toContain(sawLiveStatus);
    await expect.poll(() => page.getByTestId("logs").textContent()).toMatch(/experiment/);
    const headline = page.getByTestId("pgr-headline");
    await expect.poll(() => headline.textContent(), { timeout: 30_000 }).toMatch(/PGR -?\d/);
    expect(await page.getByTestId("pgr-table").locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId("metric-charts").locator("canvas").count()).toBeGreaterThan(0);
    await shot(page, "run-succeeded");
  });

  it("launches a sweep from the form and compares its runs", async () => {
    const { page, url } = s;
    await page.goto(`${url}/new?from=${firstRun}`);
    await expect.poll(() => page.locator('[data-path="name"]').inputValue()).toBe("e2e smoke (copy)");
    await page.locator('[data-path="name"]').fill("e2e sweep");
    await page.getByRole("button", { name: "Add sweep axis" }).click();
    await page.getByLabel("sweep path 1").fill("seeds");
    await page.getByLabel("sweep values 1").fill("[[0], [1]]");
    await expect.poll(() => page.getByTestId("launch").textContent()).toBe("Launch sweep (2 runs)");
    await page.getByTestId("launch").click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    const parent = page.url().split("/runs/")[1]!;
    await expect.poll(() => page.getByRole("heading", { name: /^Sweep points \(2\)/ }).count(), { timeout: 60_000 }).toBe(1);
    const { children } = await trpc<{ children: { id: string }[] }>(url, "run.get", { id: parent });
    for (const c of children) await waitForRun(url, c.id);

    await page.goto(url);
    const rows = page.getByTestId("table-row");
    await expect.poll(() => rows.count()).toBe(4); // the first run, the sweep and its two children
    for (const c of children) await page.getByLabel(`select ${c.id}`).check();
    await page.getByTestId("compare-selected").click();
    await page.waitForURL(/\/compare\?runs=/);
    const table = page.getByTestId("compare-pgr");
    await expect.poll(() => table.locator("tbody tr").count()).toBeGreaterThanOrEqual(2);
    expect(await table.locator("thead th").count()).toBe(3);
    await expect.poll(() => page.getByTestId("config-diff").textContent()).toMatch(/seeds/);
    await shot(page, "compare");
  });

  it("opens the examples view with per-example weak labels and filters", async () => {
    const { page, url } = s;
    await page.goto(`${url}/runs/${firstRun}`);
    await page.getByRole("link", { name: "Examples" }).click();
    await page.waitForURL(/\/examples$/);
    const table = page.getByTestId("examples-table");
    await expect.poll(() => table.locator("tbody tr").count()).toBeGreaterThan(10);
    expect(await table.locator("thead").textContent()).toMatch(/weak bow.*weak cnn.*ensemble.*student edl/);
    await page.getByLabel(/student copied a weak error/).check();
    const copied = await table.locator("tbody tr").count();
    await page.getByLabel(/weak models disagree/).check();
    const disagree = await table.locator("tbody tr").count();
    expect(copied + disagree).toBeGreaterThanOrEqual(0);
    await shot(page, "examples");
  });

  it("shows why a run failed, with the Python traceback", async () => {
    const { page, url } = s;
    const smoke = JSON.parse(readFileSync(join(ROOT, "experiments", "smoke-classification.json"), "utf8")) as Record<string, unknown>;
    // a loss parameter only Python checks (the server refuses unregistered task or loss names with a 400)
    const config = { ...smoke, name: "e2e failing", methods: [{ name: "naive", loss: "xent", params: { no_such_param: 1 } }] };
    const exp = await trpc<{ id: string }>(url, "experiment.create", { config }, "mutation");
    const run = await trpc<{ id: string }>(url, "run.start", { experimentId: exp.id }, "mutation");
    await page.goto(`${url}/runs/${run.id}`);
    await expect.poll(() => page.getByTestId("status").textContent(), { timeout: 120_000, interval: 1000 }).toBe("failed");
    const failure = page.getByTestId("failure");
    await expect.poll(() => failure.textContent()).toMatch(/no_such_param/);
    expect(await failure.locator("summary", { hasText: "traceback" }).count()).toBe(1);
    await shot(page, "run-failed");
  });

  it("renders 50 series × 10,000 points and measures the frame time", async () => {
    const { page, url } = s;
    await page.goto(`${url}/bench/charts`);
    await page.getByTestId("bench-start").click();
    await page.getByTestId("bench-result").waitFor({ timeout: 120_000 });
    const r = await page.evaluate(() => (window as unknown as { __chartBench?: { series: number; points: number; frames: number } }).__chartBench);
    expect(r?.series).toBe(50);
    expect(r?.points).toBe(10_000);
    expect(r?.frames).toBeGreaterThan(0);
    writeFileSync(join(RESULTS_DIR, "chart-bench.json"), JSON.stringify(r, null, 2));
    console.log(`[chart-bench] ${JSON.stringify(r)}`);
    await shot(page, "chart-bench");
  });

  it("switches to the dark theme", async () => {
    const { page, url } = s;
    await page.goto(url);
    await page.getByRole("button", { name: /Switch theme/ }).click(); // system → light
    await page.getByRole("button", { name: /Switch theme/ }).click(); // light → dark
    expect(await page.evaluate(() => document.documentElement.getAttribute("data-theme"))).toBe("dark");
    await shot(page, "experiments-dark");
  });

  it("shows a clear banner when the server goes down", async () => {
    const { page, url } = s;
    await page.goto(`${url}/compare`);
    await s.server.close();
    const banner = page.getByTestId("server-down");
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toMatch(/not reachable/);
    await shot(page, "server-down");
  });
});
