import { z } from "zod";
import generated from "./registries.json" with { type: "json" };

// Names registered in the Python package: the student losses, weak architectures and built-in tasks of
// each experiment kind. registries.json is generated (`npm run -w @ws2s/schema gen` runs
// `python -m ws2s registries`; a Python test fails when it is stale), so zod, the JSON Schema, the API
// and the form offer exactly the names Python can run.

const names = z.array(z.string().min(1)).min(1);
const KindRegistries = z.strictObject({ losses: names, weak_archs: names, tasks: names });
export const Registries = z.strictObject({ classification: KindRegistries, generation: KindRegistries });
export type Registries = z.infer<typeof Registries>;

export const REGISTRIES: Registries = Registries.parse(generated);

/** A zod enum of registered names (the JSON Schema gets `enum`, so the form offers a select). */
export function registered(values: readonly string[]) {
  return z.enum(values as [string, ...string[]]);
}
