// Chart frame time in the browser: 50 series × 10,000 points in one uPlot chart, panned every frame.
// Serves the built web app on a random port (no API needed), drives Debian's chromium headless
// (software rendering, --disable-gpu) and prints one row per repeat.
// Usage: npx tsx bench/web/charts.ts [repeats=3]
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium } from "playwright-core";
import { createWebHandler } from "../../apps/web/handler.js";
import type { ChartBenchResult as Result } from "../../apps/web/src/lib/chartBench.js";
import { buildWeb } from "../../scripts/build-web.mjs";
import { CHROMIUM_ARGS, ensureChromium } from "../../scripts/ensure-chromium.mjs";

const repeats = Number(process.argv[2] ?? 3);
const executablePath = ensureChromium();
await buildWeb();
const handler = await createWebHandler();
if (!handler) throw new Error("apps/web is not built");
const http = createServer((req, res) => void handler(req, res));
await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/bench/charts`;
const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
const rows: Result[] = [];
for (let i = 0; i < repeats; i++) {
  await page.goto(url);
  await page.getByTestId("bench-start").click();
  await page.getByTestId("bench-result").waitFor({ timeout: 120_000 });
  rows.push((await page.evaluate(() => (window as unknown as { __chartBench: Result }).__chartBench)) as Result);
}
await browser.close();
http.close();

const f = (v: number) => v.toFixed(1).padStart(8);
console.log(`uPlot, ${rows[0]?.series} series × ${rows[0]?.points} points, chromium ${browser.version()} headless --disable-gpu`);
console.log("run  initial_ms  frames  frame_mean_ms  frame_p95_ms  draw_mean_ms  draw_p95_ms");
rows.forEach((r, i) =>
  console.log(`${String(i + 1).padStart(3)}  ${f(r.initialRenderMs)}    ${String(r.frames).padStart(4)}  ${f(r.meanFrameMs)}      ${f(r.p95FrameMs)}      ${f(r.meanDrawMs)}     ${f(r.p95DrawMs)}`),
);
process.exit(0);
