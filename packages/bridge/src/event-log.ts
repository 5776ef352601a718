import type { Ws2sEvent } from "@ws2s/schema";

/** Every event of one job, kept so that each `events()` iterator replays the stream from the start. */
export class EventLog {
  private readonly events: Ws2sEvent[] = [];
  private closed = false;
  private wake: (() => void)[] = [];

  push(event: Ws2sEvent): void {
    this.events.push(event);
    this.notify();
  }

  /** No more events will come; iterators end after the last one. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  get length(): number {
    return this.events.length;
  }

  get last(): Ws2sEvent | undefined {
    return this.events.at(-1);
  }

  async *iterate(): AsyncGenerator<Ws2sEvent, void, undefined> {
    let i = 0;
    for (;;) {
      while (i < this.events.length) yield this.events[i++]!;
      if (this.closed) return;
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  private notify(): void {
    const waiting = this.wake;
    this.wake = [];
    for (const resolve of waiting) resolve();
  }
}
