"""Dawid & Skene (1979): each member's confusion matrix and the class priors, by EM, without gold.

Model: example i has a hidden class c ~ ρ; member k labels it y_ik ~ π_k[c, ·] independently of the
other members given c. EM over the members' hard labels of unlabeled examples:
    E-step   T_ic ∝ ρ_c Π_k π_k[c, y_ik]                            (posterior of the true class)
    M-step   ρ_c = (Σ_i T_ic + s) / (N + C s),
             π_k[c, c'] = (Σ_i T_ic [y_ik = c'] + s) / (Σ_i T_ic + C s)
with s = ``smoothing`` pseudo-counts (so a class nobody votes for keeps a defined row), started from
the members' vote fractions T_ic = (1/K) Σ_k [y_ik = c] (the soft majority vote), as Dawid & Skene.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from ws2s.losses.weights import from_reliability
from ws2s.metrics.arrays import to_numpy


class DawidSkeneFit(NamedTuple):
    """posteriors ``[N, C]`` (rows sum to 1); confusions ``[K, C, C]`` π_k[true, given] (rows sum to 1);
    priors ``[C]``; accuracy ``[K]`` estimated Σ_c ρ_c π_k[c, c]; weights ``[K]`` multi-weak weights
    (see ``dawid_skene``); log_likelihood of the members' labels under the fit; iterations; converged.
    Tensors are float64 on the CPU."""

    posteriors: torch.Tensor
    confusions: torch.Tensor
    priors: torch.Tensor
    accuracy: torch.Tensor
    weights: torch.Tensor
    log_likelihood: float
    iterations: int
    converged: bool


def hard_labels(labels: Any, num_classes: int | None) -> tuple[torch.Tensor, int]:
    """Members' labels as integers ``[N, K]``: given as class indices ``[N, K]`` or as probabilities
    ``[N, K, C]`` (argmax). Returns (labels, C)."""
    x = to_numpy(labels)
    if x.ndim == 3:
        if num_classes is not None and x.shape[2] != num_classes:
            raise ValueError(f"member probabilities have {x.shape[2]} classes, num_classes is {num_classes}")
        num_classes = x.shape[2]
        x = x.argmax(-1)
    elif x.ndim != 2:
        raise ValueError(f"member labels must be [examples, members] class indices or [examples, members, classes] probabilities, got shape {x.shape}")
    if x.shape[1] < 2:
        raise ValueError(f"Dawid-Skene needs at least 2 weak members (got {x.shape[1]}): with one member the "
                         "confusion matrix cannot be told apart from the class prior; use that member's labels directly")
    if x.shape[0] == 0:
        raise ValueError("Dawid-Skene needs at least one example")
    if not np.issubdtype(x.dtype, np.integer):
        if not np.all(x == np.round(x)):
            raise ValueError("member labels [N, K] must be integer class indices")
        x = x.astype(np.int64)
    c = int(x.max()) + 1 if num_classes is None else int(num_classes)
    if x.min() < 0 or x.max() >= c:
        raise ValueError(f"member labels must be class indices in [0, {c}), got values from {x.min()} to {x.max()}")
    return torch.as_tensor(x, dtype=torch.long), max(c, 2)


def majority_vote(labels: Any, num_classes: int | None = None) -> torch.Tensor:
    """Vote fractions ``[N, C]`` (float64): the share of members that gave each class."""
    y, c = hard_labels(labels, num_classes)
    return torch.nn.functional.one_hot(y, c).double().mean(1)


def _m_step(t: torch.Tensor, votes: torch.Tensor, smoothing: float) -> tuple[torch.Tensor, torch.Tensor]:
    n, c = t.shape
    priors = (t.sum(0) + smoothing) / (n + c * smoothing)
    counts = torch.einsum("nc,nkd->kcd", t, votes)  # Σ_i T_ic [y_ik = d]
    confusions = (counts + smoothing) / (counts.sum(-1, keepdim=True) + c * smoothing)
    return priors, confusions


def dawid_skene(labels: Any, num_classes: int | None = None, max_iter: int = 200, tol: float = 1e-6,
                smoothing: float = 0.01) -> DawidSkeneFit:
    """Fit Dawid–Skene to K ≥ 2 members' labels of the same N examples (no gold anywhere).

    labels: ``[N, K]`` class indices, or ``[N, K, C]`` member probabilities (their argmax is used);
    num_classes: C (default: from the probabilities, else max label + 1). Stops when no posterior moves
    by more than ``tol`` in an iteration, or after ``max_iter``.

    weights: each member's estimated accuracy a_k = Σ_c ρ_c π_k[c, c] turned into multi-weak weights
    by the same rule as holdout-accuracy ``reliability`` weights, w_k ∝ max(a_k − 1/C, 0) (uniform if
    no member is above chance) — so a member no better than chance gets no weight.
    """
    if smoothing < 0 or max_iter < 1 or tol <= 0:
        raise ValueError(f"need smoothing ≥ 0, max_iter ≥ 1 and tol > 0, got {smoothing}, {max_iter}, {tol}")
    y, c = hard_labels(labels, num_classes)
    votes = torch.nn.functional.one_hot(y, c).double()  # [N, K, C]
    t = votes.mean(1)
    converged, it, log_lik = False, 0, float("nan")
    for it in range(1, max_iter + 1):
        priors, confusions = _m_step(t, votes, smoothing)
        # log ρ_c + Σ_k log π_k[c, y_ik]; smoothing 0 can give log 0 = -inf for impossible classes.
        log_joint = priors.log() + torch.einsum("nkd,kcd->nc", votes, confusions.log())
        log_evidence = torch.logsumexp(log_joint, dim=1)
        new_t = torch.exp(log_joint - log_evidence[:, None])
        log_lik = float(log_evidence.sum())
        moved = float((new_t - t).abs().max())
        t = new_t
        if moved < tol:
            converged = True
            break
    priors, confusions = _m_step(t, votes, smoothing)
    accuracy = (priors[:, None] * confusions.diagonal(dim1=1, dim2=2).T).sum(0)
    weights = from_reliability(accuracy.tolist(), chance=1.0 / c)
    return DawidSkeneFit(t, confusions, priors, accuracy, weights, log_lik, it, converged)


def dawid_skene_posterior(fit: DawidSkeneFit, labels: Any) -> torch.Tensor:
    """The E-step of a fitted model on other examples' member labels: T_ic ∝ ρ_c Π_k π_k[c, y_ik].

    labels: ``[N, K]`` class indices or ``[N, K, C]`` probabilities of the same K members; returns
    ``[N, C]`` float64 (e.g. the EM posterior on val and test of a model fitted on strong_train).
    """
    c = fit.priors.shape[0]
    y, _ = hard_labels(labels, c)
    if y.shape[1] != fit.confusions.shape[0]:
        raise ValueError(f"labels of {y.shape[1]} members for a fit of {fit.confusions.shape[0]}")
    votes = torch.nn.functional.one_hot(y, c).double()
    log_joint = fit.priors.log() + torch.einsum("nkd,kcd->nc", votes, fit.confusions.log())
    return torch.softmax(log_joint, dim=1)
