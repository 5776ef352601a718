"""Naive multi-weak: the student learns every weak model's soft labels at once."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .xent import rows, xent_per_row


def normalised_weights(weights: torch.Tensor | Sequence[float], k: int) -> torch.Tensor:
    """``weights`` as a float64 tensor ``[K]`` summing to 1; rejects wrong length, negatives, zero sum."""
    w = torch.as_tensor(weights, dtype=torch.float64).flatten()
    if w.numel() != k:
        raise ValueError(f"got {w.numel()} weights for {k} weak models; pass one weight per weak model")
    if (w < 0).any() or not torch.isfinite(w).all() or w.sum() <= 0:
        raise ValueError(f"weights must be finite, non-negative and not all zero, got {w.tolist()}")
    return w / w.sum()


def multi_weak(
    logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor | Sequence[float]
) -> torch.Tensor:
    """``Σ_k w_k · CE(p, q_k)``, mean over the batch.

    logits: ``[N, C]``; targets: ``[N, K, C]`` (weak model k's probabilities in ``targets[:, k]``);
    weights: ``[K]``, normalised here to sum to 1. Returns a scalar.
    """
    if targets.dim() != 3:
        raise ValueError(f"targets must be [batch, K weak models, classes], got shape {tuple(targets.shape)}")
    z = rows(logits)
    w = normalised_weights(weights, targets.shape[1]).to(device=z.device, dtype=z.dtype)
    per_model = torch.stack([xent_per_row(z, targets[:, k]) for k in range(targets.shape[1])], dim=-1)
    return (per_model * w).sum(-1).mean()
