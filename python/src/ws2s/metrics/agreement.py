"""Does the student imitate weak errors? Agreement with weak labels, split by weak correctness."""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import as_predictions, labels_1d


def agreement_split(student_preds: Any, weak_preds: Any, gold: Any) -> dict[str, float]:
    """Student–weak agreement where the weak label was right vs wrong.

    Each input: class indices ``[N]`` or probabilities ``[N, C]`` (argmax taken); gold ``[N]``.
    Returns ``{agree_weak_right, agree_weak_wrong, agree_all, n_weak_right, n_weak_wrong}``; a rate is
    nan when its subset is empty. High ``agree_weak_wrong`` means the student copies weak mistakes.
    """
    s = as_predictions(student_preds)
    w = as_predictions(weak_preds)
    if w.shape != s.shape:
        raise ValueError(f"student has {s.shape[0]} predictions, weak {w.shape[0]}; they must cover the same examples")
    y = labels_1d(gold, s.shape[0])
    agree = s == w
    right = w == y

    def rate(mask: np.ndarray) -> float:
        return float(agree[mask].mean()) if mask.any() else float("nan")

    return {
        "agree_weak_right": rate(right),
        "agree_weak_wrong": rate(~right),
        "agree_all": rate(np.ones_like(right)),
        "n_weak_right": int(right.sum()),
        "n_weak_wrong": int((~right).sum()),
    }
