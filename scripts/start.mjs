#!/usr/bin/env node
// `npm start` after setup: build the web app if needed, start `ws2s serve` (API + UI on one port),
// run the demo experiment (the embedded default) through the API unless it already succeeded in
// this database, and keep serving until Ctrl-C.
// Env: WS2S_PORT (8787), WS2S_DB (.ws2s/ws2s.db), WS2S_DEMO (experiments/demo-classification.json).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PORT = Number(process.env.WS2S_PORT ?? 8787);
const DB = resolve(process.env.WS2S_DB ?? join(ROOT, ".ws2s", "ws2s.db"));
const DEMO = resolve(process.env.WS2S_DEMO ?? join(ROOT, "experiments", "demo-classification.json"));
const BASE = `http://127.0.0.1:${PORT}`;

function log(msg) {
  console.log(`[start] ${msg}`);
}

const built = spawnSync(process.execPath, [join(ROOT, "scripts", "build-web.mjs")], { cwd: ROOT, stdio: "inherit" });
if (built.status !== 0) {
  console.error("ws2s start: building the web app failed (see above); the API alone can be started with `npx ws2s serve`.");
  process.exit(1);
}

const server = spawn(process.execPath, [join(ROOT, "apps", "server", "bin", "ws2s.mjs"), "serve", "--port", String(PORT), "--db", DB], {
  cwd: ROOT,
  stdio: "inherit",
});
server.on("exit", (code, signal) => {
  if (signal !== "SIGINT" && signal !== "SIGTERM") console.error(`ws2s start: the server exited (${signal ?? `code ${code}`}); see its output above.`);
  process.exit(code ?? 1);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));

/** tRPC over plain HTTP: queries are GET ?input=, mutations POST with the input as body. */
async function trpc(kind, path, input) {
  const url = kind === "query" ? `${BASE}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}` : `${BASE}/trpc/${path}`;
  const res = await fetch(url, kind === "query" ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${body?.error?.message ?? res.status}`);
  return body.result.data;
}

async function waitForServer() {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${BASE}/api/health`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not answer on ${BASE} within 150 s`);
}

async function startDemo() {
  const config = JSON.parse(readFileSync(DEMO, "utf8"));
  const existing = await trpc("query", "experiment.list", { text: config.name, limit: 50 });
  const items = existing.items ?? existing;
  let exp = items.find((e) => e.name === config.name && !e.archived);
  if (exp) {
    const runs = await trpc("query", "run.list", { experimentId: exp.id, limit: 50 });
    const list = runs.items ?? runs;
    const live = list.find((r) => ["queued", "running", "succeeded"].includes(r.status));
    if (live) {
      log(`the demo "${config.name}" already has a ${live.status} run: ${BASE}/runs/${live.id}`);
      return;
    }
  } else {
    exp = await trpc("mutation", "experiment.create", { config });
  }
  const started = await trpc("mutation", "run.start", { experimentId: exp.id });
  const runId = started.runIds?.[0] ?? started.id ?? started.runs?.[0]?.id;
  log(`demo experiment "${config.name}" queued: watch it live at ${BASE}/runs/${runId}`);
}

try {
  await waitForServer();
  log(`ws2s is serving the UI and API at ${BASE} (Ctrl-C to stop)`);
  await startDemo();
} catch (e) {
  console.error(`ws2s start: ${e.message}`);
  server.kill("SIGTERM");
  process.exitCode = 1;
}
