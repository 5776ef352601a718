// Writes the experiment config's JSON Schema for Python (python/src/ws2s/schema/experiment.schema.json).
// io "input": fields with defaults are optional and carry their `default`, which Python fills in.
// Refinements (unique names, split sums) are not expressible in JSON Schema; Python re-checks them.
// Usage: npx tsx packages/schema/scripts/gen-jsonschema.ts [--check]
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ExperimentConfig } from "../src/config.js";

export const SCHEMA_PATH = join(dirname(fileURLToPath(import.meta.url)), "../../../python/src/ws2s/schema/experiment.schema.json");

export function experimentJsonSchema(): string {
  const schema = z.toJSONSchema(ExperimentConfig, { io: "input", target: "draft-2020-12" });
  return JSON.stringify({ ...schema, title: "ws2s ExperimentConfig", $comment: "generated from packages/schema by scripts/gen-jsonschema.ts; do not edit" }, null, 2) + "\n";
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const text = experimentJsonSchema();
  if (process.argv.includes("--check")) {
    const current = readFileSync(SCHEMA_PATH, "utf8");
    if (current !== text) {
      console.error(`${SCHEMA_PATH} is stale: run npm run -w @ws2s/schema gen`);
      process.exit(1);
    }
  } else {
    writeFileSync(SCHEMA_PATH, text);
    console.log(`wrote ${SCHEMA_PATH}`);
  }
}
