import { readFileSync } from "node:fs";

// Real outputs of the Python pipelines (see fixtures/README.md for the commands that made them).
const read = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");

/** A results.json as written: "classification" (smoke, 1 seed), "classification-2seeds", "generation" (smoke, 1 seed). */
export function resultsFixture(name: "classification" | "classification-2seeds" | "generation"): Record<string, any> {
  return JSON.parse(read(`${name}.results.json`));
}

/** The first lines of examples.jsonl of the smoke runs. */
export function examplesFixture(kind: "classification" | "generation"): Record<string, any>[] {
  return read(`${kind}.examples.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
}
