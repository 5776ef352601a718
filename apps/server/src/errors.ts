import { TRPCError } from "@trpc/server";

export interface Issue {
  path: (string | number)[];
  message: string;
}

/** Carries validation issues to the error formatter, which returns them as `data.issues`. */
export class IssuesError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; "));
  }
}

/** A 400 whose body lists every issue with its path into the request input. */
export function badInput(issues: Issue[]): TRPCError {
  const cause = new IssuesError(issues);
  return new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
}

export function notFound(what: string, id: string): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: `${what} "${id}" does not exist` });
}

export function conflict(message: string): TRPCError {
  return new TRPCError({ code: "CONFLICT", message });
}

/** Issues from a zod / Standard Schema error or an IssuesError, with paths as plain keys. */
export function issuesOf(cause: unknown): Issue[] | undefined {
  if (!cause || typeof cause !== "object" || !("issues" in cause) || !Array.isArray(cause.issues)) return undefined;
  return (cause.issues as { path?: unknown[]; message?: unknown }[]).map((i) => ({
    path: (i.path ?? []).map((p) => {
      const key = typeof p === "object" && p !== null && "key" in p ? (p as { key: unknown }).key : p;
      return typeof key === "number" ? key : String(key);
    }),
    message: String(i.message ?? "invalid"),
  }));
}

/** Prefixes each issue's path, e.g. config issues under ["config"]. */
export function withPrefix(issues: Issue[], prefix: (string | number)[]): Issue[] {
  return issues.map((i) => ({ ...i, path: [...prefix, ...i.path] }));
}
