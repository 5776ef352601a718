import { ExperimentConfig } from "@ws2s/schema";
import { confine, PathNotAllowedError } from "./confine.js";
import { badInput, issuesOf, withPrefix, type Issue } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

/**
 * Validates a raw experiment config (filling defaults) and applies the server's policy: data paths
 * must lie inside the data roots (rewritten to absolute paths) and trust_remote_code must be
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
  const task = config.task as { source: string; path?: string; id?: string };
  const dataPath = task.path ?? (task.source === "hf" && task.id && looksLikePath(task.id) ? task.id : undefined);
  if (dataPath !== undefined) {
    const field = task.path !== undefined ? "path" : "id";
    try {
      (task as Record<string, unknown>)[field] = confine(dataPath, opts.dataRoots);
    } catch (e) {
      if (!(e instanceof PathNotAllowedError)) throw e;
      issues.push({ path: [...at, "task", field], message: e.message });
    }
  }
  if (issues.length > 0) throw badInput(issues);
  return config;
}

function looksLikePath(id: string): boolean {
  return id.startsWith("/") || id.startsWith(".") || id.includes("..") || id.includes("\\");
}
