"""Accuracy, AUROC (rank-based, ties averaged) and expected calibration error."""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import as_predictions, labels_1d, to_numpy


def accuracy(probs_or_preds: Any, labels: Any) -> float:
    """Fraction correct. probs_or_preds: ``[N, C]`` probabilities (argmax), ``[N]`` P(class 1), or
    ``[N]`` class indices; labels: ``[N]`` class indices."""
    pred = as_predictions(probs_or_preds)
    y = labels_1d(labels, pred.shape[0])
    if y.size == 0:
        return float("nan")
    return float((pred == y).mean())


def average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks of ``x`` ``[N]``, tied values sharing the mean of their ranks."""
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    new_group = np.r_[True, sorted_x[1:] != sorted_x[:-1]]
    starts = np.flatnonzero(new_group)
    ends = np.r_[starts[1:], len(x)] - 1
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = ((starts + ends) / 2 + 1)[np.cumsum(new_group) - 1]
    return ranks


def binary_auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """P(score of a random positive > a random negative) + ½ P(tie) (Mann–Whitney U / (n₊ n₋)).
    nan when either class is absent."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    rank_sum = average_ranks(scores.astype(np.float64))[positive].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auroc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve.

    Binary: scores ``[N]`` (score of class 1) or ``[N, 2]`` (column 1 used); labels ``[N]`` in {0, 1}.
    Multiclass: scores ``[N, C]``, macro average of one-vs-rest AUROCs over classes that have both
    positives and negatives. nan when no class qualifies.
    """
    s = to_numpy(scores)
    y = labels_1d(labels, s.shape[0])
    if s.ndim == 1:
        return binary_auroc(s, y == 1)
    if s.ndim != 2:
        raise ValueError(f"scores must be [N] or [N, C], got shape {s.shape}")
    if s.shape[1] == 2:
        return binary_auroc(s[:, 1], y == 1)
    per_class = [binary_auroc(s[:, c], y == c) for c in range(s.shape[1])]
    valid = [a for a in per_class if not np.isnan(a)]
    return float(np.mean(valid)) if valid else float("nan")


def ece(probs: Any, labels: Any, n_bins: int = 15) -> float:
    """Expected calibration error with ``n_bins`` equal-width confidence bins.

    probs: ``[N, C]`` probabilities (or ``[N]`` P(class 1)); labels ``[N]``. Confidence = max prob,
    prediction = argmax; bin b holds confidences in (b/n_bins, (b+1)/n_bins] (bin 0 also holds 0).
    ECE = Σ_b (|B_b| / N) · |accuracy(B_b) − mean confidence(B_b)|.
    """
    p = to_numpy(probs).astype(np.float64)
    if p.ndim == 1:
        p = np.stack([1 - p, p], axis=1)
    y = labels_1d(labels, p.shape[0])
    if y.size == 0:
        return float("nan")
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    bins = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        in_bin = bins == b
        if in_bin.any():
            total += in_bin.mean() * abs(correct[in_bin].mean() - conf[in_bin].mean())
    return float(total)
