import { isAbsolute, relative, resolve, sep } from "node:path";

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
 * Resolves `path` against the first root (when relative) and returns the absolute path if it lies
 * inside one of `roots`; `..` escapes and absolute paths elsewhere throw PathNotAllowedError.
 */
export function confine(path: string, roots: readonly string[]): string {
  if (roots.length === 0) throw new PathNotAllowedError(path, roots);
  if (path.includes("\0")) throw new PathNotAllowedError(path, roots);
  const abs = isAbsolute(path) ? resolve(path) : resolve(roots[0] as string, path);
  for (const root of roots) {
    const rel = relative(resolve(root), abs);
    if (rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel))) return abs;
  }
  throw new PathNotAllowedError(path, roots);
}
