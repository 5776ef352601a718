import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface FileEntry {
  path: string;
  bytes: number;
  modifiedAt: number;
}

/** Files under `dir` (relative paths), depth-first, at most `limit`; a missing dir lists nothing. */
export function listFiles(dir: string, limit = 1000, maxDepth = 4): FileEntry[] {
  const out: FileEntry[] = [];
  const walk = (d: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.length >= limit) return;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth) walk(p, depth + 1);
      } else if (e.isFile()) {
        const s = statSync(p);
        out.push({ path: relative(dir, p), bytes: s.size, modifiedAt: s.mtimeMs });
      }
    }
  };
  walk(dir, 0);
  return out;
}
