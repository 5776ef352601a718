import { z } from "zod";
import { DistributedConfig, experimentBase, gradClip, MethodConfig, SplitsConfig, StrongModelConfig, TaskConfig, trainConfig, uniqueNames, WeakModelConfig } from "./common.js";

/** A classification student: the shared method fields plus the multi-weak and evidential options. */
export const ClassificationMethodConfig = MethodConfig.extend({
  /** Which weak labels: "ensemble" (mean of members), a member's name, "all" (every member: multi_weak, edl,
   * dirichlet_nll) or "dawid_skene" (the Dawid-Skene EM posterior over strong_train's member labels). */
  weak: z.string().min(1).default("ensemble"),
  /** Weights across weak members for multi-weak losses; "dawid_skene": from each member's EM-estimated accuracy (no gold). */
  weights: z.union([z.enum(["uniform", "reliability", "dawid_skene"]), z.array(z.number().nonnegative()).min(1)]).default("uniform"),
  /** multi_weak: each member's argmax label ("hard") or its probabilities ("soft" = the naive student on the weighted mean). */
  targets: z.enum(["hard", "soft"]).default("hard"),
  /** Evidential students: "relabel" trains a second pass where confident examples take the student's own label. */
  confidence: z.enum(["none", "relabel"]).default("none"),
});

export const ClassificationExperimentConfig = z
  .strictObject({
    ...experimentBase,
    kind: z.literal("classification"),
    task: TaskConfig,
    splits: SplitsConfig.prefault({}),
    weak: z.array(WeakModelConfig).min(1).max(32),
    strong: StrongModelConfig.prefault({}),
    methods: z.array(ClassificationMethodConfig).min(1).max(64),
    /** Training of every weak member (a member's params may override epochs, lr, batch_size). */
    weak_train: trainConfig({ epochs: 10, batch_size: 32, lr: 3e-3, weight_decay: 0 }).prefault({}),
    /** Training of the ceiling and of every student. */
    strong_train: trainConfig({ epochs: 20, batch_size: 64, lr: 3e-3, weight_decay: 0 })
      .extend({
        /** Which epoch a student keeps: "last" (a fixed schedule, as Burns et al.) or "weak_agreement" (the epoch
         * agreeing most with the weak labels on val). The ceiling always keeps its best epoch on gold val. */
        select: z.enum(["last", "weak_agreement"]).default("last"),
        grad_clip: gradClip,
      })
      .prefault({}),
    /** Data-parallel training over several GPUs; batch_size is per process. */
    distributed: DistributedConfig.prefault({}),
  })
  .superRefine((c, ctx) => {
    uniqueNames(c.methods, "methods", ctx);
    uniqueNames(c.weak, "weak", ctx);
    const members = new Set(c.weak.map((w) => w.name));
    c.methods.forEach((m, i) => {
      if (m.weak !== "ensemble" && m.weak !== "all" && m.weak !== "dawid_skene" && !members.has(m.weak))
        ctx.addIssue({
          code: "custom",
          path: ["methods", i, "weak"],
          message: `unknown weak source "${m.weak}"; choose "ensemble", "all", "dawid_skene" or a member: ${[...members].join(", ")}`,
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
