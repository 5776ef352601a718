import { z } from "zod";
import { ClassificationExperimentConfig } from "../config/classification.js";
import { CacheInfo, Interval, Label, Num, ok, PairedDiff, PgrInterval, PgrReport, resultsBase, seedFields, summaryFields } from "./common.js";

// results.json of a classification experiment (python/src/ws2s/classification: report.py, pipeline.py).

/** Test scores of one model: accuracy, macro AUROC (one-vs-rest), ECE (15 bins). */
export const ClassificationScores = z.strictObject({ accuracy: Num, auroc: Num, ece: Num }).meta({ id: "ClassificationScores" });

export const ClassificationWeakMember = z
  .strictObject({
    ...ClassificationScores.shape,
    /** Accuracy on weak_train's held-out part (gold of the weak side), at the member's best epoch. */
    holdout_accuracy: Num,
  })
  .meta({ id: "ClassificationWeakMember" });

/** How often the student agrees with the weak labels where those were right vs wrong (rates null on an empty subset). */
export const Agreement = z
  .strictObject({
    agree_weak_right: Num,
    agree_weak_wrong: Num,
    agree_all: Num,
    n_weak_right: z.number().int().nonnegative(),
    n_weak_wrong: z.number().int().nonnegative(),
  })
  .meta({ id: "Agreement" });

/** An evidential student's uncertainty u = C/S on test. */
export const StudentUncertainty = z
  .strictObject({
    mean: Num,
    /** Mean u where the student is right / wrong (null when there is no such example). */
    when_right: Num,
    when_wrong: Num,
    /** AUROC of u for detecting the student's own errors. */
    error_auroc: Num.optional(),
    /** AUROC of u for detecting the test examples where the weak members' argmax votes are not unanimous
     * (null with one member, or when they always or never agree). */
    disagreement_auroc: Num.optional(),
    /** Accuracy on the most certain 50% / 80% of test. */
    selective_accuracy: z.strictObject({ "0.5": Num, "0.8": Num }).optional(),
  })
  .meta({ id: "StudentUncertainty" });

export const ClassificationStudent = z
  .strictObject({
    status: ok,
    ...ClassificationScores.shape,
    pgr_vs_weak_mean: PgrReport,
    pgr_vs_ensemble: PgrReport,
    agreement: Agreement,
    uncertainty: StudentUncertainty.optional(),
  })
  .meta({ id: "ClassificationStudent" });

/** One seed; `ensemble` is the members' mean probabilities. */
export const ClassificationSeed = z
  .strictObject(
    seedFields({
      weak: ClassificationWeakMember,
      scores: ClassificationScores,
      ensemble: ClassificationScores,
      ceiling: ClassificationScores,
      student: ClassificationStudent,
    }),
  )
  .meta({ id: "ClassificationSeed" });

/** A method minus the naive student, per seed, in accuracy and PGR. */
export const ClassificationVsNaive = z
  .strictObject({ accuracy: PairedDiff, pgr: PairedDiff, n_seeds: z.number().int().nonnegative() })
  .meta({ id: "ClassificationVsNaive" });

export const ClassificationMethodSummary = z
  .strictObject({
    status: ok,
    loss: z.string(),
    accuracy: Interval,
    auroc: Interval,
    ece: Interval,
    /** PGR on accuracy vs the mean weak member. */
    pgr: PgrInterval,
    pgr_vs_ensemble: PgrInterval,
    vs_naive: ClassificationVsNaive.optional(),
  })
  .meta({ id: "ClassificationMethodSummary" });

export const ClassificationSummary = z
  .strictObject({
    /** The score PGR and best_method are computed on. */
    metric: z.literal("accuracy").optional(),
    ...summaryFields(ClassificationMethodSummary),
  })
  .meta({ id: "ClassificationSummary" });

export const ClassificationResults = z
  .strictObject({
    kind: z.literal("classification"),
    ...resultsBase,
    /** The config as run, defaults filled. */
    config: ClassificationExperimentConfig,
    classes: z.array(Label),
    /** Examples per split. */
    sizes: z.record(z.string(), z.number().int().nonnegative()),
    /** Per split, the fraction of each class. */
    class_balance: z.record(z.string(), z.record(z.string(), z.number())),
    /** Examples in the data set. */
    examples: z.number().int().nonnegative(),
    per_seed: z.array(ClassificationSeed),
    summary: ClassificationSummary,
    cache: CacheInfo,
  })
  .meta({ id: "ClassificationResults" });

export type ClassificationScores = z.infer<typeof ClassificationScores>;
export type ClassificationStudent = z.infer<typeof ClassificationStudent>;
export type ClassificationSeed = z.infer<typeof ClassificationSeed>;
export type ClassificationMethodSummary = z.infer<typeof ClassificationMethodSummary>;
export type ClassificationSummary = z.infer<typeof ClassificationSummary>;
export type ClassificationResults = z.infer<typeof ClassificationResults>;
