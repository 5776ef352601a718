"""Metrics accept numpy arrays, torch tensors or lists; this turns them into numpy."""

from __future__ import annotations

from typing import Any

import numpy as np


def to_numpy(x: Any) -> np.ndarray:
    """numpy view of ``x`` (torch tensors are detached, moved to CPU, low-precision floats widened)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu()
        if x.is_floating_point() and x.dtype not in (_torch_dtype("float32"), _torch_dtype("float64")):
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def _torch_dtype(name: str) -> Any:
    import torch

    return getattr(torch, name)


def as_predictions(probs_or_preds: Any) -> np.ndarray:
    """Class indices ``[N]`` from probabilities/scores ``[N, C]`` (argmax), P(class 1) ``[N]`` floats
    (threshold 0.5), or class indices ``[N]``."""
    x = to_numpy(probs_or_preds)
    if x.ndim == 2:
        return x.argmax(axis=1)
    if x.ndim != 1:
        raise ValueError(f"expected predictions [N] or probabilities [N, C], got shape {x.shape}")
    if np.issubdtype(x.dtype, np.floating) and not np.all(x == np.round(x)):
        return (x >= 0.5).astype(np.int64)
    return x.astype(np.int64)


def labels_1d(labels: Any, n: int) -> np.ndarray:
    """Integer labels ``[N]``; checks the length against the predictions."""
    y = to_numpy(labels).astype(np.int64).reshape(-1)
    if y.shape[0] != n:
        raise ValueError(f"{y.shape[0]} labels for {n} predictions; they must be the same examples in the same order")
    return y
