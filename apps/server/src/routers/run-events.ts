import { TERMINAL_STATUSES, type RunStatus, type Ws2sEvent } from "@ws2s/schema";
import { tracked } from "@trpc/server";
import { isTerminalEvent } from "../store/events.js";
import type { Services } from "../trpc.js";

/**
 * A run's events as an SSE stream of tracked(seq, event): first the stored events after
 * `lastEventId` (so a reconnecting client resumes where it dropped), then live ones, ending after
 * the run's done/error event, or when the client goes or the server stops. Subscribes before reading
 * storage so nothing falls in between. On a shared (PostgreSQL) store the job may run on another
 * server, so a quiet stream also reads new events from the store every pollMs.
 */
export async function* runEvents(
  ctx: Services,
  input: { id: string; lastEventId?: string | null | undefined },
  signal: AbortSignal | undefined,
) {
  // A sweep's parent runs no job, so it has no events of its own (its children do).
  if ((await ctx.store.runs.get(input.id)).sweep) return;
  let after = input.lastEventId ? Number.parseInt(input.lastEventId, 10) : -1;
  if (!Number.isFinite(after)) after = -1;
  const inbox: (readonly Ws2sEvent[] | "end")[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = ctx.bus.subscribe(input.id, (batch) => {
    inbox.push(batch);
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  ctx.shutdown.addEventListener("abort", onAbort);
  const stopped = () => signal?.aborted === true || ctx.shutdown.aborted;
  try {
    const replay = async function* () {
      for await (const e of ctx.store.events.after(input.id, after)) {
        after = e.seq;
        yield e;
      }
    };
    for await (const e of replay()) {
      yield tracked(String(e.seq), e);
      if (isTerminalEvent(e)) return;
    }
    if (TERMINAL_STATUSES.includes((await ctx.store.runs.get(input.id)).status as RunStatus)) {
      for await (const e of replay()) yield tracked(String(e.seq), e);
      return;
    }
    // On a shared database another server may run the job: its events reach this one only through
    // the store, so a quiet stream also re-reads the store every pollMs (SQLite: the bus is enough).
    const pollMs = ctx.store.exclusive ? undefined : ctx.opts.pollMs;
    while (!stopped()) {
      const batch = inbox.shift();
      if (batch === undefined) {
        let timer: NodeJS.Timeout | undefined;
        const polled = await new Promise<boolean>((resolve) => {
          wake = () => resolve(false);
          if (pollMs !== undefined) timer = setTimeout(() => resolve(true), pollMs);
        });
        clearTimeout(timer);
        wake = undefined;
        if (polled) {
          for await (const e of replay()) {
            yield tracked(String(e.seq), e);
            if (isTerminalEvent(e)) return;
          }
          if (TERMINAL_STATUSES.includes((await ctx.store.runs.get(input.id)).status as RunStatus)) return;
        }
        continue;
      }
      if (batch === "end") {
        for await (const e of replay()) yield tracked(String(e.seq), e);
        return;
      }
      for (const e of batch) {
        if (e.seq <= after) continue;
        after = e.seq;
        yield tracked(String(e.seq), e);
        if (isTerminalEvent(e)) return;
      }
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener("abort", onAbort);
    ctx.shutdown.removeEventListener("abort", onAbort);
  }
}
