import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/options.js";
import { sandbox, until } from "./helpers.js";

// Slow: a real 2-process CPU run (torchrun, gloo) under `ws2s serve`, whose server is then SIGKILLed.

const BIN = fileURLToPath(new URL("../bin/ws2s.mjs", import.meta.url));

interface Proc {
  pid: number;
  ppid: number;
  state: string;
  cmd: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ");
      out.push({ pid: Number(name), ppid: Number(ppid), state: state!, cmd });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Live (not zombie) descendants of `root`. */
function descendants(root: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  const todo = [root];
  while (todo.length) {
    const parent = todo.pop();
    for (const p of all) if (p.ppid === parent && !found.includes(p)) (found.push(p), todo.push(p.pid));
  }
  return found.filter((p) => p.state !== "Z" && p.state !== "X");
}

const alive = (pid: number) => processes().some((p) => p.pid === pid && p.state !== "Z" && p.state !== "X");

describe("a multi-process run when its server dies", () => {
  const sb = sandbox();
  afterAll(() => sb.cleanup());

  it("leaves no torchrun worker behind within 2 s of SIGKILL to the server", async () => {
    const launcher = spawn(process.execPath, [BIN, "serve", "--port", "0", "--no-web", "--db", join(sb.dir, "orphans.db"), "--runs", sb.runsRoot], {
      env: { ...process.env, WS2S_TOKEN: "", OMP_NUM_THREADS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    launcher.stdout.on("data", (b: Buffer) => (out += b));
    launcher.stderr.on("data", (b: Buffer) => (out += b));
    let workers: Proc[] = [];
    try {
      const url = await until(() => /serving (http:\/\/\S+) /.exec(out)?.[1], 60_000, "ws2s serve");
      const post = async (path: string, body: unknown) => {
        const r = await fetch(`${url}/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return ((await r.json()) as { result: { data: { id: string } } }).result.data;
      };
      const smoke = JSON.parse(readFileSync(join(REPO_ROOT, "experiments", "smoke-classification.json"), "utf8"));
      const config = { ...smoke, name: "two processes", device: "cpu", cache: false, distributed: { nproc: 2 } };
      const { id: experimentId } = await post("experiment.create", { config });
      const { id } = await post("run.start", { experimentId });
      const runner = await until(async () => {
        const r = await fetch(`${url}/trpc/run.get?input=${encodeURIComponent(JSON.stringify({ id }))}`);
        return ((await r.json()) as { result: { data: { pid: number | null } } }).result.data.pid ?? undefined;
      }, 60_000, "the run's runner");
      workers = await until(() => {
        const w = descendants(runner).filter((p) => p.cmd.includes("ws2s.train.worker"));
        return w.length >= 2 ? w : undefined;
      }, 180_000, "two torchrun workers");
      const serverPid = processes().find((p) => p.pid === runner)!.ppid;
      process.kill(serverPid, "SIGKILL");
      const t0 = Date.now();
      await until(() => (workers.every((w) => !alive(w.pid)) ? true : undefined), 2000, `workers ${workers.map((w) => w.pid).join(", ")} to end`).catch((e) => {
        console.log(JSON.stringify(processes().filter((p) => workers.some((w) => w.pid === p.pid)), null, 1));
        for (const w of workers) { try { console.log(w.pid, readFileSync(`/proc/${w.pid}/status`, "utf8").split("\n").filter((l) => /PPid|State|Sig/.test(l)).join(" | ")); } catch {} }
        throw e;
      });
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      for (const w of workers) if (alive(w.pid)) process.kill(w.pid, "SIGKILL");
      launcher.kill("SIGKILL");
      if (launcher.exitCode === null && launcher.signalCode === null) await once(launcher, "exit");
    }
  }, 300_000);
});
