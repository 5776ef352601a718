/** Keeps the last `limit` characters written to it (a process's stderr and stdout). */
export class Tail {
  private text = "";

  constructor(private readonly limit = 16_384) {}

  write(chunk: string | Buffer): void {
    this.text += chunk.toString();
    if (this.text.length > 2 * this.limit) this.text = this.text.slice(-this.limit);
  }

  /** The kept text, or its last `lines` lines. */
  get(lines?: number): string {
    const text = this.text.slice(-this.limit);
    return lines === undefined ? text : text.trimEnd().split("\n").slice(-lines).join("\n");
  }
}
