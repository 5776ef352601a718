import { ExperimentConfig } from "@ws2s/schema";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { confine, PathNotAllowedError } from "./confine.js";
import { badInput, issuesOf, withPrefix, type Issue } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

/**
 * Validates a raw experiment config (filling defaults) and applies the server's policy: data paths,
 * and model or dataset ids that are paths, must lie inside the data roots (relative ones resolve
 * against the first data root; all are rewritten to absolute paths) and trust_remote_code must be
 * allowed by the server. Throws a 400 whose issue paths start with `at`.
 */
export function resolveConfig(raw: unknown, opts: ResolvedOptions, at: (string | number)[] = ["config"]): ExperimentConfig {
  const parsed = ExperimentConfig.safeParse(raw);
  if (!parsed.success) throw badInput(withPrefix(issuesOf(parsed.error) ?? [], at));
  const config = parsed.data;
  const issues: Issue[] = [];
  if (!opts.allowRemoteCode) {
    // every model the config loads: the strong model and any Hugging Face weak member
    const models: [(string | number)[], { trust_remote_code?: boolean }][] = [
      [["strong"], config.strong as { trust_remote_code?: boolean }],
      ...(config.weak as { trust_remote_code?: boolean }[]).map((w, i): [(string | number)[], { trust_remote_code?: boolean }] => [["weak", i], w]),
    ];
    for (const [path, model] of models) {
      if (model.trust_remote_code) {
        issues.push({
          path: [...at, ...path, "trust_remote_code"],
          message: "trust_remote_code runs code from the model repository; start the server with --allow-remote-code to permit it",
        });
      }
    }
  }
  // Everything the job would read from the server's disk: the dataset file, and model or dataset
  // ids that name a local path (Hugging Face loaders read a local directory before the hub).
  const task = config.task as Record<string, unknown> & { source: string };
  type Read = [holder: Record<string, unknown>, field: string, path: (string | number)[], isFile: boolean];
  const reads: Read[] = [
    [task, "path", ["task", "path"], true],
    ...(task.source === "hf" ? [[task, "id", ["task", "id"], false] as Read] : []),
    [config.strong as Record<string, unknown>, "model", ["strong", "model"], false],
    ...(config.weak as Record<string, unknown>[]).map((w, i): Read => [w, "model", ["weak", i, "model"], false]),
  ];
  for (const [holder, field, path, isFile] of reads) {
    const value = holder[field];
    if (typeof value !== "string") continue;
    const local = isFile ? expandHome(value) : localPath(value, opts.dataRoots);
    if (local === undefined) continue; // a hub id
    try {
      holder[field] = confine(local, opts.dataRoots);
    } catch (e) {
      if (!(e instanceof PathNotAllowedError)) throw e;
      const tried = local === value ? "" : ` (read as ${local})`;
      issues.push({ path: [...at, ...path], message: `"${value}"${tried} is outside the data roots (${opts.dataRoots.join(", ")}); put it inside one, or name a hub id` });
    }
  }
  if (issues.length > 0) throw badInput(issues);
  return config;
}

/** "~" and "~/x" name the home directory of the user running the server (as a shell would). */
function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

/**
 * The local path a model or dataset id names, or undefined for a hub id. A path: absolute, "~",
 * relative with ./ or .., backslashes, or a bare name ("realmodel") that exists in a data root or in
 * the server's working directory (Hugging Face loaders read a local directory before the hub).
 */
function localPath(id: string, roots: readonly string[]): string | undefined {
  const expanded = expandHome(id);
  if (expanded !== id || id.startsWith("/") || id.startsWith(".") || id.includes("..") || id.includes("\\")) return expanded;
  const existing = [...roots.map((r) => resolve(r, id)), resolve(id)].find((p) => existsSync(p));
  return existing;
}
