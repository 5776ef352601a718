// Writes the JSON Schemas Python reads (python/src/ws2s/schema/):
// - experiment.schema.json: the experiment config, io "input": fields with defaults are optional and carry
//   their `default`, which Python fills in. Refinements (unique names, split sums) are not expressible in
//   JSON Schema; see packages/schema/README.md for which side checks what.
// - results.schema.json: what a run writes, io "output". Its root validates a results.json; an
//   examples.jsonl line validates against `$defs.ExampleRow` (or `$defs.ClassificationExampleRow` /
//   `$defs.GenerationExampleRow`). Reused parts (Interval, PairedDiff, …) appear once under `$defs`.
// Usage: npx tsx packages/schema/scripts/gen-jsonschema.ts [--check]   (`npm run -w @ws2s/schema gen` runs it)
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ExperimentConfig } from "../src/config.js";
import { ExampleRow, ExperimentResults } from "../src/results.js";

const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../python/src/ws2s/schema");
export const SCHEMA_PATH = join(SCHEMA_DIR, "experiment.schema.json");
export const RESULTS_SCHEMA_PATH = join(SCHEMA_DIR, "results.schema.json");
const COMMENT = "generated from packages/schema by scripts/gen-jsonschema.ts; do not edit";

const toText = (schema: object) => JSON.stringify(schema, null, 2) + "\n";

export function experimentJsonSchema(): string {
  const schema = z.toJSONSchema(ExperimentConfig, { io: "input", target: "draft-2020-12" });
  return toText({ ...schema, title: "ws2s ExperimentConfig", $comment: COMMENT });
}

type Json = Record<string, unknown>;

/** One document for several top-level schemas: each under `$defs` by its id, their shared `$defs` merged. */
function bundle(roots: Record<string, z.ZodType>): Json {
  const defs: Json = {};
  const add = (id: string, s: unknown) => {
    if (id in defs && JSON.stringify(defs[id]) !== JSON.stringify(s)) throw new Error(`two different schemas have the id ${id}`);
    defs[id] = s;
  };
  for (const [id, schema] of Object.entries(roots)) {
    // A root with an id comes back as {$ref: "#/$defs/<id>", $defs: {<id>: …}}.
    const { $schema: _, $defs = {}, ...root } = z.toJSONSchema(schema, { io: "output", target: "draft-2020-12" }) as Json;
    for (const [k, v] of Object.entries($defs as Json)) add(k, v);
    if (!(id in ($defs as Json))) add(id, root);
  }
  return Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b)));
}

export function resultsJsonSchema(): string {
  const $defs = bundle({ ExperimentResults, ExampleRow });
  return toText({
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "ws2s ExperimentResults (results.json); examples.jsonl rows: $defs.ExampleRow",
    $comment: COMMENT,
    $ref: "#/$defs/ExperimentResults",
    $defs,
  });
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const files: [string, string][] = [
    [SCHEMA_PATH, experimentJsonSchema()],
    [RESULTS_SCHEMA_PATH, resultsJsonSchema()],
  ];
  for (const [path, text] of files) {
    if (process.argv.includes("--check")) {
      if (readFileSync(path, "utf8") !== text) {
        console.error(`${path} is stale: run npm run -w @ws2s/schema gen`);
        process.exit(1);
      }
    } else {
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
}
