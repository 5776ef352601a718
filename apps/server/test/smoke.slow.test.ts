import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/options.js";
import { api, createAndStart, sandbox, server, waitForStatus } from "./helpers.js";

// Slow: a real experiment (the smoke config) through queue → runner → Python → SQLite.
describe("smoke experiment", () => {
  const sb = sandbox();
  afterAll(() => sb.cleanup());

  it("runs from queue to success and stores results, metrics and artifacts", async () => {
    const s = await server(sb);
    try {
      const config = JSON.parse(readFileSync(join(REPO_ROOT, "experiments/smoke-classification.json"), "utf8"));
      const { runId } = await createAndStart(s, config);
      const run = await waitForStatus(s, runId, ["succeeded", "failed"], 300_000);
      expect(run.reason, run.traceback ?? "").toBeNull();
      expect(run.status).toBe("succeeded");
      const results = await api(s).run.results({ id: runId });
      expect(results.result).toBeTruthy();
      const compare = await api(s).experiment.compare({ runIds: [runId] });
      expect(compare.pgr.map((r) => r.method)).toEqual(expect.arrayContaining(["naive", "edl"]));
      const metrics = await api(s).run.metrics({ id: runId, maxPoints: 50 });
      expect(metrics.length).toBeGreaterThan(0);
      for (const series of metrics) expect(series.points.length).toBeLessThanOrEqual(50);
      const artifacts = await api(s).run.artifacts({ id: runId });
      expect(artifacts.files.map((f) => f.path)).toContain("results.json");
    } finally {
      await s.close();
    }
  }, 300_000);
});
