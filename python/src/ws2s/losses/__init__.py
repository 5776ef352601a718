"""Student losses: pure functions on float tensors, registered by name so a config picks them.

Every loss takes logits ``[N, C]`` (``[tokens, vocab]`` works the same) and returns a scalar.
``loss_fn(name, **hyper)`` binds hyperparameters and gives one call shape for the training loop:
``fn(logits, target, progress)``.
"""

from __future__ import annotations

import inspect
from typing import Callable

import torch

from .bayesian import dirichlet_nll, edl_multi
from .dpo import dpo
from .evidential import EVIDENCE, DirichletPrediction, dirichlet_kl_to_uniform, dirichlet_uncertainty, edl, edl_self
from .logconf import class_counts, harden_to_prior, logconf, prior_matched_labels, prior_shift_labels
from .multi_weak import multi_weak
from .polya import polya
from .ramp import linear_ramp
from .registry import lookup
from .weights import WEIGHTS, fixed, from_reliability, get_weights, member_weights, uniform
from .xent import xent

# Per-example losses on (logits, target[, progress]). DPO works on sequence log-prob pairs instead
# and is imported directly (``ws2s.losses.dpo``).
LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "xent": xent,
    "logconf": logconf,
    "multi_weak": multi_weak,
    "edl": edl,
    "edl_self": edl_self,
    "dirichlet_nll": dirichlet_nll,
    "polya": polya,
}


def get_loss(name: str) -> Callable[..., torch.Tensor]:
    """The loss registered as ``name``; a ValueError lists the valid names."""
    return lookup(LOSSES, name, "loss")


def loss_fn(name: str, **hyper: object) -> Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]:
    """``fn(logits, target, progress)`` for the loss ``name`` with hyperparameters bound.

    ``progress`` is passed only to losses that take it; unknown hyperparameters raise a ValueError
    naming the accepted ones. For ``multi_weak`` bind ``weights=...`` and pass targets ``[N, K, C]``.
    """
    fn = get_loss(name)
    params = inspect.signature(fn).parameters
    accepted = [p for p in params if p not in ("logits", "target", "targets", "progress")]
    unknown = sorted(set(hyper) - set(accepted))
    if unknown:
        raise ValueError(f"loss {name!r} does not take {', '.join(unknown)}; it accepts: {', '.join(accepted) or 'none'}")
    takes_progress = "progress" in params

    def bound(logits: torch.Tensor, target: torch.Tensor, progress: float) -> torch.Tensor:
        if takes_progress:
            return fn(logits, target, progress, **hyper)
        return fn(logits, target, **hyper)

    return bound


__all__ = [
    "EVIDENCE",
    "LOSSES",
    "WEIGHTS",
    "DirichletPrediction",
    "class_counts",
    "dirichlet_kl_to_uniform",
    "dirichlet_uncertainty",
    "dirichlet_nll",
    "dpo",
    "edl",
    "edl_multi",
    "edl_self",
    "harden_to_prior",
    "fixed",
    "from_reliability",
    "get_loss",
    "get_weights",
    "linear_ramp",
    "logconf",
    "loss_fn",
    "member_weights",
    "multi_weak",
    "polya",
    "prior_matched_labels",
    "prior_shift_labels",
    "uniform",
    "xent",
]
