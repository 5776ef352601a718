import { defineProject } from "vitest/config";

// End-to-end tests: the real server (temp SQLite, random 127.0.0.1 port) with the built web app,
// driven by Debian's chromium through playwright-core. beforeAll installs chromium and builds the web
// app when needed, so the hook timeout covers a first-time build.
export default defineProject({
  test: {
    name: "e2e",
    include: ["**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
