import { isAbsolute, relative } from "node:path";
import { REPO_ROOT } from "./options.js";

// An absolute path in free text: after the start, a space, a quote, a bracket or "=".
const PATH = /(^|[\s"'`([=,])(\/[^\s"'`()<>,;[\]{}]+)/g;

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * `text` with the absolute paths of the server's own files hidden: paths inside the data roots and
 * the runs root (the user's own) stay; a path in the repository becomes `<repo>/...`, one in an
 * installed package `<site-packages>/...`, any other `…/<file name>`. Error messages and Python
 * tracebacks go through this before a client sees them.
 */
export function scrubPaths(text: string, roots: { dataRoots: readonly string[]; runsRoot: string }): string {
  const mine = [...roots.dataRoots, roots.runsRoot];
  return redactUrl(text).replace(PATH, (_m, lead: string, path: string) => {
    if (mine.some((r) => inside(r, path))) return lead + path;
    const site = path.indexOf("/site-packages/");
    if (site !== -1) return `${lead}<site-packages>/${path.slice(site + "/site-packages/".length)}`;
    if (inside(REPO_ROOT, path)) return `${lead}<repo>/${relative(REPO_ROOT, path)}`;
    return `${lead}…/${path.split("/").filter(Boolean).at(-1) ?? ""}`;
  });
}

/** Whether `--db` names a PostgreSQL database rather than an SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

// user:password@ in a URL's authority; the password is what is hidden.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;

/** `text` with the password of every URL in it replaced by "***" (postgres://ws2s:***@db:5432/ws2s). */
export function redactUrl(text: string): string {
  return text.replace(URL_PASSWORD, "$1:***@");
}
