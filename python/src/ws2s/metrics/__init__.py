"""Evaluation metrics. Inputs may be numpy arrays, torch tensors or lists; outputs are Python floats/dicts."""

from __future__ import annotations

from typing import Any, Callable

from .agreement import agreement_split
from .bootstrap import ConfidenceInterval, bootstrap_ci
from .classification import accuracy, auroc, ece
from .pgr import pgr, pgr_report, pgr_with_ci
from .slots import slot_f1

# Per-run classification metrics, metric(probs, labels) -> float.
METRICS: dict[str, Callable[[Any, Any], float]] = {
    "accuracy": accuracy,
    "auroc": auroc,
    "ece": ece,
}

__all__ = [
    "METRICS",
    "ConfidenceInterval",
    "accuracy",
    "agreement_split",
    "auroc",
    "bootstrap_ci",
    "ece",
    "pgr",
    "pgr_report",
    "pgr_with_ci",
    "slot_f1",
]
