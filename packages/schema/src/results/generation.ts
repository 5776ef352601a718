import { z } from "zod";
import { GenerationExperimentConfig } from "../config/generation.js";
import { CacheInfo, Interval, Num, ok, PairedDiff, PgrInterval, PgrReport, resultsBase, seedFields, summaryFields } from "./common.js";

// results.json of a generation (slot filling) experiment (python/src/ws2s/generation: evaluate.py,
// pipeline.py). Scores are over (slot type, value) pairs of the decoded frames on test.

/** Micro precision/recall/F1 over exact (type, value) pairs, exact frame match; optionally SLURP's SLU-F1 and its word/char F1s,
 * and the fractions of outputs that are empty or malformed frames. */
export const GenerationScores = z
  .strictObject({
    precision: Num,
    recall: Num,
    f1: Num,
    exact_match: Num,
    slu_f1: Num.optional(),
    word_f1: Num.optional(),
    char_f1: Num.optional(),
    /** Fraction of outputs with no words at all. */
    empty_frames: Num.optional(),
    /** Fraction of outputs that are non-empty yet not the canonical text of the frame the parser reads from them: a
     *  part without " : ", an empty slot type or value, or a stray " ; " (e.g. "date : class ; ;"). */
    malformed_frames: Num.optional(),
  })
  .meta({ id: "GenerationScores" });

/** One model's scores on test and the number of test utterances. */
export const GenerationModelScores = z
  .strictObject({ ...GenerationScores.shape, n: z.number().int().nonnegative() })
  .meta({ id: "GenerationModelScores" });

export const GenerationWeakMember = z
  .strictObject({
    ...GenerationModelScores.shape,
    /** Mean held-out log-likelihood per word on weak_train's held-out part (the source of "reliability" weights). */
    reliability: Num,
  })
  .meta({ id: "GenerationWeakMember" });

/** Joint decoding of the weak models on test, and the F1 of its labels of strong_train. */
export const GenerationJoint = z
  .strictObject({ ...GenerationModelScores.shape, label_f1_on_strong_train: Num })
  .meta({ id: "GenerationJoint" });

/** An evidential student's per-token uncertainty on test: AUROC for detecting its wrong tokens, mean and spread. */
/** An evidential student's per-token u on test (teacher-forced on gold): AUROC for its wrong tokens, mean and spread;
 * `auroc_max_prob`: the same AUROC for 1 − max p, the baseline u has to beat. */
export const TokenUncertainty = z
  .strictObject({ auroc: Num, auroc_max_prob: Num.optional(), mean: Num, std: Num })
  .meta({ id: "TokenUncertainty" });

export const GenerationStudent = z
  .strictObject({
    status: ok,
    ...GenerationModelScores.shape,
    pgr_vs_weak_mean: PgrReport,
    /** PGR vs joint decoding. */
    pgr_vs_ensemble: PgrReport,
    token_uncertainty: TokenUncertainty.optional(),
  })
  .meta({ id: "GenerationStudent" });

/** Reward statistics of one DPO epoch over the training pairs, mean log p of their sides, and the val weak-preference accuracy. */
export const DpoEpoch = z
  .strictObject({
    epoch: z.number().int().nonnegative(),
    reward_accuracy: Num,
    reward_margin: Num,
    loss: Num,
    logp_chosen: Num.optional(),
    logp_rejected: Num.optional(),
    val_preference_accuracy: Num.optional(),
  })
  .meta({ id: "DpoEpoch" });

/** The DPO stage of one seed: which student it refined, F1 before and after, pairs and reward statistics. */
export const DpoSeed = z
  .strictObject({
    from: z.string(),
    before_f1: Num,
    after_f1: Num,
    before_slu_f1: Num.optional(),
    after_slu_f1: Num.optional(),
    /** Empty and malformed frame rates on test, before and after DPO. */
    before_empty_frames: Num.optional(),
    after_empty_frames: Num.optional(),
    before_malformed_frames: Num.optional(),
    after_malformed_frames: Num.optional(),
    /** The learning rate DPO ran with. */
    lr: Num.optional(),
    /** Preference pairs used; 0 when the student's candidates never differed (DPO skipped, no statistics). */
    pairs: z.number().int().nonnegative(),
    /** How the pairs were built (`dpo.pairs`). */
    pairs_mode: z.enum(["weak_rank", "disagree"]).optional(),
    /** Pairs from the val split (the student's N-best ranked by the weak scores) that pick the epoch kept. */
    val_pairs: z.number().int().nonnegative().optional(),
    /** How the epoch was picked ("last" when there were no val pairs). */
    select: z.enum(["val_preference", "last"]).optional(),
    /** Epochs of DPO in the model kept (0: no epoch beat the student before DPO on val). */
    epochs_kept: z.number().int().nonnegative().optional(),
    /** Mean sequence log-probability of the pairs' chosen / rejected sides under the student before and after DPO. */
    logp_chosen_before: Num.optional(),
    logp_chosen_after: Num.optional(),
    logp_rejected_before: Num.optional(),
    logp_rejected_after: Num.optional(),
    /** Weak-preference accuracy over val pairs before DPO and for the model kept. */
    val_preference_before: Num.optional(),
    val_preference_after: Num.optional(),
    /** Diagnostic, never used for training or selection: pairs whose two sides differ in slot F1 against gold, and the
     *  fraction of those where the weak ensemble chose the side with the higher F1 (null when none). */
    gold_decided: z.number().int().nonnegative().optional(),
    gold_accuracy: Num.optional(),
    /** TRL's reward statistics over all pairs after the last epoch (policy in eval mode). */
    "rewards/chosen": Num.optional(),
    "rewards/rejected": Num.optional(),
    "rewards/margins": Num.optional(),
    "rewards/accuracies": Num.optional(),
    epochs: z.array(DpoEpoch).optional(),
    /** pairs "disagree": the fraction of pairs whose preferred side is the joint weak label (not the student's hypothesis). */
    chosen_label: Num.optional(),
    /** Mean label smoothing ε over the pairs. */
    epsilon_mean: Num.optional(),
  })
  .meta({ id: "DpoSeed" });

/** One seed; `ensemble` is joint decoding of the weak models; `students` has "<method>+dpo" when the DPO stage ran. */
export const GenerationSeed = z
  .strictObject({
    ...seedFields({
      weak: GenerationWeakMember,
      scores: GenerationScores,
      ensemble: GenerationJoint,
      ceiling: GenerationModelScores,
      student: GenerationStudent,
    }),
    /** null when the config has no DPO stage. */
    dpo: DpoSeed.nullable(),
    /** λ: joint decoding's weights over the weak models. */
    lambda: z.array(z.number()),
    /** Fraction of test utterances whose gold frame is empty (no slots): the empty-frame rate a perfect model has. */
    gold_empty_frames: Num.optional(),
  })
  .meta({ id: "GenerationSeed" });

/** A method minus the naive student, per seed, in F1 (and SLU-F1) and PGR. */
export const GenerationVsNaive = z
  .strictObject({ f1: PairedDiff, slu_f1: PairedDiff.optional(), pgr: PairedDiff, n_seeds: z.number().int().nonnegative() })
  .meta({ id: "GenerationVsNaive" });

export const GenerationMethodSummary = z
  .strictObject({
    status: ok,
    /** The method's loss ("dpo" for "<method>+dpo"). */
    loss: z.string(),
    f1: Interval,
    exact_match: Interval,
    slu_f1: Interval.optional(),
    word_f1: Interval.optional(),
    char_f1: Interval.optional(),
    empty_frames: Interval.optional(),
    malformed_frames: Interval.optional(),
    /** PGR on `summary.metric` vs the mean weak member. */
    pgr: PgrInterval,
    /** PGR vs joint decoding. */
    pgr_vs_ensemble: PgrInterval,
    vs_naive: GenerationVsNaive.optional(),
  })
  .meta({ id: "GenerationMethodSummary" });

/** A student's change from DPO (after − before, per seed). */
export const DpoChange = z
  .strictObject({ f1: PairedDiff, slu_f1: PairedDiff.optional(), n_seeds: z.number().int().nonnegative() })
  .meta({ id: "DpoChange" });

export const GenerationSummary = z
  .strictObject({
    /** The score PGR and best_method are computed on. */
    metric: z.enum(["f1", "slu_f1"]),
    ...summaryFields(GenerationMethodSummary),
    /** Per student refined by DPO (by its method name): its change from DPO. */
    dpo: z.record(z.string(), DpoChange).optional(),
  })
  .meta({ id: "GenerationSummary" });

export const GenerationResults = z
  .strictObject({
    kind: z.literal("generation"),
    ...resultsBase,
    /** The config as run, defaults filled. */
    config: GenerationExperimentConfig,
    /** The beam every model's test outputs were decoded with. */
    eval_beam_size: z.number().int().min(1).optional(),
    /** The length penalty of every beam search (`length_penalty`). */
    length_penalty: z.number().min(0).optional(),
    per_seed: z.array(GenerationSeed),
    summary: GenerationSummary,
    cache: CacheInfo.optional(),
  })
  .meta({ id: "GenerationResults" });

export type GenerationScores = z.infer<typeof GenerationScores>;
export type GenerationStudent = z.infer<typeof GenerationStudent>;
export type GenerationSeed = z.infer<typeof GenerationSeed>;
export type GenerationMethodSummary = z.infer<typeof GenerationMethodSummary>;
export type GenerationSummary = z.infer<typeof GenerationSummary>;
export type GenerationResults = z.infer<typeof GenerationResults>;
