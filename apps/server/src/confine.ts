import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** Thrown when a user-supplied path would leave the directories the server may touch. */
export class PathNotAllowedError extends Error {
  constructor(
    readonly path: string,
    readonly roots: readonly string[],
  ) {
    super(`path "${path}" is outside the allowed roots (${roots.join(", ")}); use a path inside one of them`);
  }
}

/**
 * The path with every symbolic link resolved, for a path that may not exist yet: its longest
 * existing ancestor is resolved and the rest appended (nothing beyond it can be a link yet).
 */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

function within(root: string, abs: string): boolean {
  const rel = relative(root, abs);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Resolves `path` against the first root (when relative) and returns the absolute path if it lies
 * inside one of `roots`; `..` escapes, absolute paths elsewhere and symbolic links that lead out of
 * the roots (links are resolved before the check) throw PathNotAllowedError.
 */
export function confine(path: string, roots: readonly string[]): string {
  if (roots.length === 0) throw new PathNotAllowedError(path, roots);
  if (path.includes("\0")) throw new PathNotAllowedError(path, roots);
  const abs = isAbsolute(path) ? resolve(path) : resolve(roots[0] as string, path);
  const real = realPath(abs);
  for (const root of roots) {
    if (within(resolve(root), abs) && within(realPath(resolve(root)), real)) return abs;
  }
  throw new PathNotAllowedError(path, roots);
}
