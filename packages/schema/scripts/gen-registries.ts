// Writes src/registries.json from the Python registries (`python -m ws2s registries`): the names of the
// student losses, weak architectures and built-in tasks of each kind, which zod turns into enums. Run
// before gen-jsonschema.ts (the schemas read registries.json when they load). Without the Python
// environment (or a Python without the subcommand) it keeps the committed file and says so; a Python
// test fails when the committed file differs from the registries.
// Usage: npx tsx packages/schema/scripts/gen-registries.ts   (`npm run -w @ws2s/schema gen` runs it)
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Registries } from "../src/registries.js";

const here = dirname(fileURLToPath(import.meta.url));
export const REGISTRIES_PATH = join(here, "../src/registries.json");
const ROOT = join(here, "../../..");
const PYTHON = join(ROOT, "python/.venv/bin/python");

/** The registries as committed text: names sorted, two-space JSON, a final newline. */
export function registriesText(r: Registries): string {
  const sorted = (k: keyof Registries) => ({
    losses: [...r[k].losses].sort(),
    weak_archs: [...r[k].weak_archs].sort(),
    tasks: [...r[k].tasks].sort(),
  });
  return JSON.stringify({ classification: sorted("classification"), generation: sorted("generation") }, null, 2) + "\n";
}

function fromPython(): Registries | string {
  if (!existsSync(PYTHON)) return `no Python environment at ${PYTHON} (node scripts/setup.mjs makes it)`;
  let out: string;
  try {
    out = execFileSync(PYTHON, ["-m", "ws2s", "registries"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return `python -m ws2s registries failed: ${(err.stderr || err.message).trim().split("\n").slice(-1)[0]}`;
  }
  const parsed = Registries.safeParse(JSON.parse(out));
  if (!parsed.success) throw new Error(`python -m ws2s registries printed an unexpected shape: ${parsed.error.message}`);
  return parsed.data;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const r = fromPython();
  if (typeof r === "string") {
    console.warn(`${r}; kept the committed ${REGISTRIES_PATH}`);
  } else {
    writeFileSync(REGISTRIES_PATH, registriesText(r));
    console.log(`wrote ${REGISTRIES_PATH}`);
  }
}
