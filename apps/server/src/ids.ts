import { randomBytes } from "node:crypto";

/** Short random ids with a readable prefix, e.g. "exp_3f9a1c2b7d0e". */
export function newId(prefix: "exp" | "run" | "srv"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}
