"""Is a student's uncertainty useful? Error detection AUROC and selective accuracy.

Inputs: uncertainty ``[N]`` (higher = less sure, e.g. the evidential u = C/S), the student's
predictions (probabilities ``[N, C]`` → argmax, or class indices ``[N]``) and gold labels ``[N]``.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .arrays import as_predictions, labels_1d, to_numpy
from .classification import binary_auroc

#: Coverages at which selective accuracy is reported.
COVERAGES = (0.5, 0.8)


def _errors_and_uncertainty(uncertainty: Any, probs_or_preds: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """(wrong ``[N]`` bool, u ``[N]`` float64)."""
    pred = as_predictions(probs_or_preds)
    y = labels_1d(labels, pred.shape[0])
    u = to_numpy(uncertainty).astype(np.float64).reshape(-1)
    if u.shape[0] != pred.shape[0]:
        raise ValueError(f"{u.shape[0]} uncertainties for {pred.shape[0]} predictions; they must be the same examples in the same order")
    if not np.isfinite(u).all():
        raise ValueError("uncertainty has non-finite values")
    return pred != y, u


def error_detection_auroc(uncertainty: Any, probs_or_preds: Any, labels: Any) -> float:
    """AUROC of u as a detector of the model's own errors (errors are the positives).

    = P(u of a random wrong prediction > u of a random right one) + ½ P(tie): 1 when every error is
    less certain than every correct prediction, 0.5 for an uninformative u. nan when the model is
    right everywhere or wrong everywhere.
    """
    wrong, u = _errors_and_uncertainty(uncertainty, probs_or_preds, labels)
    return binary_auroc(u, wrong)


def selective_accuracy(uncertainty: Any, probs_or_preds: Any, labels: Any, coverage: float) -> float:
    """Accuracy on the ``coverage`` fraction of examples with the lowest uncertainty.

    Keeps n_keep = ceil(coverage · N) examples (at least 1). Ties: the examples whose u equals the
    cut-off value all count, each with weight (slots left for them) / (size of the tied group), i.e.
    the expected accuracy over a random tie-break — so the result does not depend on the order of
    the examples, and a constant u gives the plain accuracy at every coverage.
    """
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be in (0, 1], got {coverage}")
    wrong, u = _errors_and_uncertainty(uncertainty, probs_or_preds, labels)
    n = u.size
    if n == 0:
        return float("nan")
    n_keep = max(1, math.ceil(coverage * n - 1e-9))
    cut = np.sort(u)[n_keep - 1]
    right = ~wrong
    below = u < cut
    tied = u == cut
    slots = n_keep - int(below.sum())
    correct = right[below].sum() + slots * right[tied].mean()
    return float(correct / n_keep)


def uncertainty_report(uncertainty: Any, probs_or_preds: Any, labels: Any,
                       coverages: Sequence[float] = COVERAGES) -> dict[str, Any]:
    """``{"error_auroc": float, "selective_accuracy": {"0.5": acc, "0.8": acc}, "mean_uncertainty": float}``."""
    u = to_numpy(uncertainty).astype(np.float64).reshape(-1)
    return {
        "error_auroc": error_detection_auroc(u, probs_or_preds, labels),
        "selective_accuracy": {f"{c:g}": selective_accuracy(u, probs_or_preds, labels, c) for c in coverages},
        "mean_uncertainty": float(u.mean()) if u.size else float("nan"),
    }


def member_disagreement(member_probs: Any) -> np.ndarray:
    """d ``[N]`` = 1 − the share of members voting for the plurality class, from ``[N, K, C]`` (argmax votes).

    0 where every member votes alike; at most 1 − 1/K. A single label source ``[N, C]`` gives zeros.
    """
    p = to_numpy(member_probs)
    if p.ndim == 2:
        return np.zeros(p.shape[0])
    votes = np.eye(p.shape[-1])[p.argmax(-1)].mean(1)  # [N, C] share of members per class
    return 1.0 - votes.max(-1)


def disagreement_auroc(uncertainty: Any, member_probs: Any) -> float:
    """AUROC of u as a detector of the examples where the weak members' votes are not unanimous.

    member_probs ``[N, K, C]``. nan with fewer than 2 members, or where they always (or never) agree.
    """
    u = to_numpy(uncertainty).astype(np.float64).reshape(-1)
    d = member_disagreement(member_probs)
    if u.shape[0] != d.shape[0]:
        raise ValueError(f"{u.shape[0]} uncertainties for {d.shape[0]} examples; they must be the same examples in the same order")
    return binary_auroc(u, d > 0)
