import { execFileSync } from "node:child_process";
import type { Ws2sEvent } from "@ws2s/schema";
import type { JobHandle } from "../src/index.js";

/** Every event of a job, via events(). */
export async function collect(handle: JobHandle): Promise<Ws2sEvent[]> {
  const events: Ws2sEvent[] = [];
  for await (const event of handle.events()) events.push(event);
  return events;
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

/** Live (non-zombie) processes according to `ps`: pid → process group id. */
export function liveProcesses(): Map<number, number> {
  const out = execFileSync("ps", ["-eo", "pid=,pgid=,stat="], { encoding: "utf8" });
  const live = new Map<number, number>();
  for (const line of out.trim().split("\n")) {
    const [pid, pgid, stat] = line.trim().split(/\s+/);
    if (stat && !stat.startsWith("Z")) live.set(Number(pid), Number(pgid));
  }
  return live;
}

/** The pids a `hang` job reports in its "pids <python> <child> ..." log message. */
export function reportedPids(event: Ws2sEvent): number[] {
  if (event.type !== "log" || !event.message.startsWith("pids ")) return [];
  return event.message.slice(5).split(" ").map(Number);
}
