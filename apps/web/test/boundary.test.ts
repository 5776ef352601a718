import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const WEB = join(import.meta.dirname, "..");

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (/\.tsx?$/.test(name)) yield p;
  }
}

describe("the web bundle's boundary", () => {
  it("takes only types from the server and never reaches the Python bridge", () => {
    const bad: string[] = [];
    for (const file of [...sources(join(WEB, "app")), ...sources(join(WEB, "src"))]) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)) {
        const [, isType, from] = m;
        if (from === "pythonia" || from?.startsWith("@ws2s/bridge")) bad.push(`${file}: imports ${from}`);
        if (from?.startsWith("@ws2s/server") && !isType) bad.push(`${file}: value import of ${from} (use import type)`);
      }
    }
    expect(bad).toEqual([]);
  });
});
