import { defineConfig } from "vitest/config";

// One vitest run covers every TypeScript workspace and the end-to-end tests under test/.
// Each project has its own vitest.config.ts next to its package.json.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts", "{test,scripts}/vitest.config.ts"],
  },
});
