import type { Ws2sEvent } from "@ws2s/schema";

type Listener = (events: readonly Ws2sEvent[] | "end") => void;

/** Live fan-out of stored events to subscribers, per run; "end" after a run's last event. */
export class RunBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(runId: string, listener: Listener): () => void {
    let set = this.listeners.get(runId);
    if (!set) this.listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(runId);
    };
  }

  /** How many subscribers a run has now. */
  listening(runId: string): number {
    return this.listeners.get(runId)?.size ?? 0;
  }

  publish(runId: string, events: readonly Ws2sEvent[] | "end"): void {
    for (const l of this.listeners.get(runId) ?? []) l(events);
  }
}
