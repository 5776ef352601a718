#!/usr/bin/env node
// `ws2s` CLI: runs src/cli.ts through tsx (TypeScript from source; Node 20 cannot strip types).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const tsx = require.resolve("tsx/cli");
const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const r = spawnSync(process.execPath, [tsx, cli, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? (r.signal ? 128 : 1));
