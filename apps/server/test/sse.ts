export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * Reads an SSE response until `stop(messages)` is true or the stream ends; aborting the request
 * then (like a dropped connection). Returns the messages seen.
 */
export async function readSse(url: string, headers: Record<string, string>, stop: (m: SseMessage[]) => boolean): Promise<{ messages: SseMessage[]; contentType: string | null; buffering: string | null }> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: ac.signal });
  if (!res.ok || !res.body) throw new Error(`SSE request failed: ${res.status} ${await res.text()}`);
  const messages: SseMessage[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = res.body.getReader();
  try {
    while (!stop(messages)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) !== -1) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const m: SseMessage = {};
        for (const line of block.split("\n")) {
          const i = line.indexOf(":");
          if (i <= 0) continue;
          const field = line.slice(0, i) as keyof SseMessage;
          m[field] = (m[field] ?? "") + line.slice(i + 1).replace(/^ /, "");
        }
        messages.push(m);
        if (stop(messages)) break;
      }
    }
  } finally {
    ac.abort();
    await reader.cancel().catch(() => undefined);
  }
  return { messages, contentType: res.headers.get("content-type"), buffering: res.headers.get("x-accel-buffering") };
}

/** The run events among SSE messages (tRPC also sends connected/ping/return messages). */
export function runEvents(messages: SseMessage[]): { id: string; type: string; [k: string]: unknown }[] {
  return messages.filter((m) => m.id !== undefined && m.data).map((m) => ({ id: m.id as string, ...(JSON.parse(m.data as string) as { type: string }) }));
}
