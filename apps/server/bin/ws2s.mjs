#!/usr/bin/env node
// `ws2s` CLI: runs src/cli.ts through tsx (TypeScript from source; Node 20 cannot strip types).
// The CLI runs as a child process; signals sent to this launcher are passed on to it, and the
// launcher exits as the child does (so `kill <launcher>` stops a server cleanly).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const tsx = require.resolve("tsx/cli");
const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const child = spawn(process.execPath, [tsx, cli, ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGINT" ? 2 : 15) : 1)));
child.on("error", (err) => {
  process.stderr.write(`ws2s: could not start the CLI: ${err.message}\n`);
  process.exit(1);
});
