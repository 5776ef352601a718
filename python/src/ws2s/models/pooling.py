"""Sequence → vector pooling from hidden states ``[batch, seq, dim]`` and an attention mask ``[batch, seq]``."""

from __future__ import annotations

import torch


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp_min(1.0)


def cls_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return hidden[:, 0]


def last_token_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The hidden state at each row's last real token, found from the mask (works for left and right
    padding alike; never from a token id, which may also occur inside the text)."""
    positions = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
    last = torch.where(mask.bool(), positions, torch.full_like(positions, -1)).max(dim=1).values.clamp_min(0)
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


POOLINGS = {"mean": mean_pool, "cls": cls_pool, "last": last_token_pool}
