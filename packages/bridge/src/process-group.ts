import { existsSync, readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const POLL_MS = 25;

/** Send `signal` to every process in group `pgid`; false if the group is empty. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  // -1 would mean every process we may signal, 0 our own group, 1 init: never a job's group.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw err;
  }
}

/**
 * Pids of the live processes in group `pgid`. Zombies do not count: an exited process whose parent
 * died waits for init to reap it, and it holds no resources. Reads /proc where there is one.
 */
export function groupMembers(pgid: number): number[] {
  if (!signalGroup(pgid, 0)) return [];
  if (!existsSync("/proc/self/stat")) return [pgid];
  const members: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") members.push(Number(name));
  }
  return members;
}

async function waitEmpty(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (groupMembers(pgid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/** SIGTERM the group, SIGKILL whatever is left after `graceMs`; resolves once the group is empty. */
export async function killGroup(pgid: number, graceMs: number): Promise<void> {
  if (graceMs > 0 && signalGroup(pgid, "SIGTERM") && (await waitEmpty(pgid, graceMs))) return;
  signalGroup(pgid, "SIGKILL");
  if (!(await waitEmpty(pgid, 2000))) {
    throw new Error(`processes ${groupMembers(pgid).join(", ")} of job group ${pgid} survived SIGKILL`);
  }
}
