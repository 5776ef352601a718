import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { sandbox, until } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BIN = join(ROOT, "apps", "server", "bin", "ws2s.mjs");
const env = { ...process.env, WS2S_TOKEN: "" };

/** Every process descended from `pid` (from /proc: each process's parent id). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so read after the last ")"
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) if (parent === p) (out.push(child), walk(child));
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "); // a zombie has ended
  } catch {
    return false;
  }
};

/** Whether a fresh listener can bind the port (nothing holds it). */
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });

async function started(child: ChildProcess): Promise<{ port: number; pids: number[] }> {
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b));
  child.stderr!.on("data", (b: Buffer) => (out += b));
  const port = await until(() => /serving http:\/\/[^:]+:(\d+) /.exec(out)?.[1], 90_000, `ws2s serve to start (output: ${out})`);
  return { port: Number(port), pids: descendants(child.pid!) };
}

async function expectGone(pids: number[], port: number): Promise<void> {
  await until(() => (pids.some(alive) ? undefined : true), 30_000, `processes ${pids.join(", ")} to end`);
  await until(async () => ((await portFree(port)) ? true : undefined), 30_000, `port ${port} to be free`);
  expect(pids.filter(alive)).toEqual([]);
  expect(await portFree(port)).toBe(true);
}

describe("ws2s serve ends with whatever started it", () => {
  const sb = sandbox();
  afterAll(() => sb.cleanup());

  it("leaves no server and a free port after SIGTERM to the npx process", async () => {
    const npx = spawn("npx", ["ws2s", "serve", "--port", "0", "--no-web", "--concurrency", "0", "--db", join(sb.dir, "npx.db")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const { port, pids } = await started(npx);
    expect(pids.length).toBeGreaterThan(0); // the launcher and the server under npx
    npx.kill("SIGTERM");
    await expectGone(pids, port);
  }, 180_000);

  it("leaves no server after the launcher is SIGKILLed", async () => {
    const launcher = spawn(process.execPath, [BIN, "serve", "--port", "0", "--no-web", "--concurrency", "0", "--db", join(sb.dir, "kill.db")], { env, stdio: ["ignore", "pipe", "pipe"] });
    const { port, pids } = await started(launcher);
    launcher.kill("SIGKILL");
    await expectGone(pids, port);
  }, 180_000);
});
