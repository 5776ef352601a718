import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "server",
    include: ["test/**/*.test.ts"],
    // The end-to-end files start real Python runners; they set longer timeouts per test.
    testTimeout: 15_000,
    hookTimeout: 30_000,
  },
});
