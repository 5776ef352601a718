"""Soft-label cross-entropy: the W2S naive loss and the building block of the others."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def as_soft_target(target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Return ``target`` as probabilities ``[..., C]``.

    Integer class indices ``[...]`` become one-hot rows; float targets ``[..., C]`` pass through.
    """
    if not torch.is_floating_point(target):
        return F.one_hot(target.long(), num_classes).float()
    if target.shape[-1] != num_classes:
        raise ValueError(
            f"target has {target.shape[-1]} classes in its last dimension but the logits have "
            f"{num_classes}; pass probabilities [..., {num_classes}] or integer class indices"
        )
    return target


def rows(logits: torch.Tensor) -> torch.Tensor:
    """Flatten ``[..., C]`` to ``[rows, C]`` and compute in at least float32 (bf16 logits lose the tail)."""
    if logits.dim() < 2:
        raise ValueError(f"logits must be [..., classes] with at least 2 dimensions, got shape {tuple(logits.shape)}")
    flat = logits.reshape(-1, logits.shape[-1])
    return flat if flat.dtype in (torch.float32, torch.float64) else flat.float()


def xent_per_row(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each row: ``-Σ_c q_c log softmax(z)_c``.

    logits: ``[N, C]`` (or ``[..., C]``, flattened); target: probabilities of the same shape, or
    integer class indices ``[N]``. Returns ``[N]``.
    """
    z = rows(logits)
    if not torch.is_floating_point(target):
        # Hard labels: skip building a one-hot [tokens, vocab] tensor.
        return F.cross_entropy(z, target.reshape(-1).long().to(z.device), reduction="none")
    q = as_soft_target(target, z.shape[-1]).reshape(z.shape).to(z.dtype)
    return -(q * F.log_softmax(z, dim=-1)).sum(dim=-1)


def xent(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Soft-label cross-entropy, mean over rows.

    logits: ``[N, C]`` (``[tokens, vocab]`` works the same); target: ``[N, C]`` probabilities (each row
    sums to 1), or integer class indices ``[N]``. Returns a scalar (nats).
    """
    return xent_per_row(logits, target).mean()
