#!/usr/bin/env node
// `ws2s` CLI: runs src/cli.ts under tsx's loader (TypeScript from source; Node 20 cannot strip types).
// The CLI runs as one child process. Signals sent to this launcher are passed on to it, and the
// launcher exits as the child does (so `kill <launcher>` stops a server cleanly). Nothing may
// outlive whatever started it: the child watches this launcher through an IPC channel (a SIGKILLed
// launcher closes it), and the launcher watches its own parent (npx does not pass SIGTERM on; when
// it dies this process is re-parented, which the parent id shows).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const loader = import.meta.resolve("tsx"); // tsx's loader: ESM and CommonJS TypeScript
const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const child = spawn(process.execPath, ["--import", loader, cli, ...process.argv.slice(2)], { stdio: ["inherit", "inherit", "inherit", "ipc"] });
const stop = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stop(signal));
const parent = process.ppid;
const watch = setInterval(() => {
  if (process.ppid !== parent) stop("SIGTERM");
}, 500);
watch.unref();
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGINT" ? 2 : 15) : 1)));
child.on("error", (err) => {
  process.stderr.write(`ws2s: could not start the CLI: ${err.message}\n`);
  process.exit(1);
});
