import { readdirSync, readFileSync, statSync } from "node:fs";
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

/** Largest file run.file returns inline (bigger ones: download through /api/runs/:id/files/). */
export const MAX_INLINE_BYTES = 32 * 1024 * 1024;

/** A text file of a run's output; undefined when missing; throws when too big to inline. */
export function readRunFile(file: string): { bytes: number; text: string } | undefined {
  let size: number;
  try {
    const s = statSync(file);
    if (!s.isFile()) return undefined;
    size = s.size;
  } catch {
    return undefined;
  }
  if (size > MAX_INLINE_BYTES) throw new Error(`the file has ${size} bytes, over the ${MAX_INLINE_BYTES}-byte inline limit; download it instead`);
  return { bytes: size, text: readFileSync(file, "utf8") };
}
