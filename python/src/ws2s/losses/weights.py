"""Weights w_k (λ_k in joint decoding) for K weak models: uniform, fixed, or from reliability."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable

import torch

from .multi_weak import normalised_weights
from .registry import lookup


def uniform(k: int) -> torch.Tensor:
    """``[K]`` all 1/K."""
    if k < 1:
        raise ValueError(f"need at least one weak model, got K={k}")
    return torch.full((k,), 1.0 / k, dtype=torch.float64)


def fixed(weights: Sequence[float]) -> torch.Tensor:
    """The given weights ``[K]``, normalised to sum to 1 (non-negative, not all zero)."""
    return normalised_weights(weights, len(weights))


def from_reliability(
    scores: Sequence[float], chance: float | None = None, temperature: float = 1.0
) -> torch.Tensor:
    """Weights ``[K]`` from each weak model's reliability, measured on held-out data with weak-side gold.

    Two readings of ``scores``:
    - ``chance`` given: scores are accuracies; w_k ∝ max(acc_k − chance, 0) (a model at or below chance
      gets no weight; if every model is there, fall back to uniform).
    - ``chance`` None: scores are mean validation log-likelihoods (per example / per token);
      w = softmax(scores / temperature), i.e. w_k ∝ (geometric-mean likelihood_k)^(1/temperature).
    """
    s = torch.as_tensor(scores, dtype=torch.float64).flatten()
    if s.numel() < 1 or not torch.isfinite(s).all():
        raise ValueError(f"reliability scores must be a non-empty list of finite numbers, got {list(scores)}")
    if chance is not None:
        above = (s - chance).clamp_min(0)
        return above / above.sum() if above.sum() > 0 else uniform(s.numel())
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    return torch.softmax(s / temperature, dim=0)


def member_weights(spec: str | Sequence[float], reliabilities: Sequence[float], chance: float | None = None) -> torch.Tensor:
    """w ``[K]`` from a config value (``methods[].weights``, ``joint.weights``): "uniform", "reliability"
    (``from_reliability(reliabilities, chance)``: accuracies above ``chance``, or log-likelihoods when it
    is None) or a list of K non-negative numbers."""
    if isinstance(spec, str):
        if spec == "uniform":
            return uniform(len(reliabilities))
        if spec == "reliability":
            return from_reliability(reliabilities, chance=chance)
        raise ValueError(f'weights must be "uniform", "reliability" or a list of numbers, got {spec!r}')
    return fixed(spec)


WEIGHTS: dict[str, Callable[..., torch.Tensor]] = {
    "uniform": uniform,
    "fixed": fixed,
    "reliability": from_reliability,
}


def get_weights(name: str) -> Callable[..., torch.Tensor]:
    """The weighting function registered as ``name``."""
    return lookup(WEIGHTS, name, "weak-model weighting")
