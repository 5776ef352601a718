import { defineProject } from "vitest/config";

// Each test starts real runner + Python processes; on a loaded 2-core machine that takes seconds.
export default defineProject({
  test: { name: "bridge", include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 30_000 },
});
