import { fileURLToPath } from "node:url";

/** The repository root (this file is packages/bridge/src/python-bin.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The Python that runs jobs: `PYTHON_BIN`, else the venv `npm start`/`npm test` create. */
export function pythonBin(): string {
  return process.env.PYTHON_BIN || `${REPO_ROOT}python/.venv/bin/python`;
}
