import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createWebHandler, isWebBuilt } from "../handler";

describe("createWebHandler", () => {
  it("returns null when the app has not been built, so the server serves the API alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ws2s-web-"));
    try {
      expect(isWebBuilt(dir)).toBe(false);
      expect(await createWebHandler(dir)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
