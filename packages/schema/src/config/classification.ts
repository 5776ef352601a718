import { z } from "zod";
import { DistributedConfig, experimentBase, MethodConfig, SplitsConfig, StrongModelConfig, TaskConfig, trainConfig, uniqueNames, WeakModelConfig } from "./common.js";

export const ClassificationExperimentConfig = z
  .strictObject({
    ...experimentBase,
    kind: z.literal("classification"),
    task: TaskConfig,
    splits: SplitsConfig.prefault({}),
    weak: z.array(WeakModelConfig).min(1).max(32),
    strong: StrongModelConfig.prefault({}),
    methods: z.array(MethodConfig).min(1).max(64),
    /** Training of every weak member (a member's params may override epochs, lr, batch_size). */
    weak_train: trainConfig({ epochs: 10, batch_size: 32, lr: 3e-3, weight_decay: 0 }).prefault({}),
    /** Training of the ceiling and of every student. */
    strong_train: trainConfig({ epochs: 20, batch_size: 64, lr: 3e-3, weight_decay: 0 }).prefault({}),
    /** Data-parallel training over several GPUs; batch_size is per process. */
    distributed: DistributedConfig.prefault({}),
  })
  .superRefine((c, ctx) => {
    uniqueNames(c.methods, "methods", ctx);
    uniqueNames(c.weak, "weak", ctx);
    const members = new Set(c.weak.map((w) => w.name));
    c.methods.forEach((m, i) => {
      if (m.weak !== "ensemble" && m.weak !== "all" && !members.has(m.weak))
        ctx.addIssue({
          code: "custom",
          path: ["methods", i, "weak"],
          message: `unknown weak source "${m.weak}"; choose "ensemble", "all" or a member: ${[...members].join(", ")}`,
        });
      if (Array.isArray(m.weights) && m.weights.length !== c.weak.length)
        ctx.addIssue({
          code: "custom",
          path: ["methods", i, "weights"],
          message: `${m.weights.length} weights for ${c.weak.length} weak members`,
        });
    });
  });

export type ClassificationExperimentConfig = z.infer<typeof ClassificationExperimentConfig>;
