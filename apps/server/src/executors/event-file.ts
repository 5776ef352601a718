import { Ws2sEvent } from "@ws2s/schema";
import { closeSync, openSync, readSync } from "node:fs";

/**
 * Follows a job's events file (JSON lines, appended by `python -m ws2s.jobs`) on a shared filesystem
 * by polling (inotify does not see writes made on another node): each read returns the complete new
 * lines, parsed and zod-validated, in seq order; a partial last line waits for its newline.
 */
export class EventFile {
  private offset = 0;
  private partial = "";
  private next = 0;

  constructor(private readonly path: string) {}

  /** New events since the last read (none when the file does not exist yet). Throws on an invalid line or a gap in seq. */
  read(): Ws2sEvent[] {
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch {
      return [];
    }
    const chunks: Buffer[] = [];
    try {
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n === 0) break;
        chunks.push(Buffer.from(buf.subarray(0, n)));
        this.offset += n;
      }
    } finally {
      closeSync(fd);
    }
    const text = this.partial + Buffer.concat(chunks).toString("utf8");
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    const out: Ws2sEvent[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      const parsed = Ws2sEvent.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`the job wrote an invalid event to ${this.path}: ${line.slice(0, 200)}`);
      if (parsed.data.seq !== this.next) throw new Error(`the job's event seq ${parsed.data.seq} came where ${this.next} was expected (${this.path})`);
      this.next += 1;
      out.push(parsed.data);
    }
    return out;
  }
}
