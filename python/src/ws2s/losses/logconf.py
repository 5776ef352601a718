"""Burns et al. (2023) auxiliary confidence loss with a prior-matching threshold and a linear ramp."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .ramp import linear_ramp
from .xent import as_soft_target, rows, xent


def class_counts(prior: torch.Tensor, n: int) -> list[int]:
    """Integer class counts summing to ``n`` closest to ``n·prior`` (largest-remainder rounding).

    prior: ``[C]`` non-negative, sums to 1.
    """
    exact = [float(p) * n for p in prior.tolist()]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda c: (-(exact[c] - counts[c]), c))
    for c in by_remainder[: n - sum(counts)]:
        counts[c] += 1
    return counts


@torch.no_grad()
def prior_matched_labels(probs: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """Harden the student's predictions so that the hardened class counts match ``prior``.

    probs: ``[N, C]`` student probabilities; prior: ``[C]`` (the weak labels' mean over the batch).
    Returns class indices ``[N]`` (no gradient) with exactly ``class_counts(prior, N)`` of each class.

    Binary: this is a threshold on p_1 — the ``n_1`` examples with the largest p_1 are class 1 (the
    threshold is the (1 − prior_1) quantile of p_1, as in Burns et al.). Multiclass generalisation:
    each (example, class) pair gets the score log p_ic − log max_{c'≠c} p_ic' (how far class c is from
    winning); pairs are taken greedily from the highest score, an example joins a class while that
    class has room. For C = 2 the score is ±logit, and the greedy pass gives exactly the quantile
    threshold above. Meant for classification-sized C (a Python pass over the N·C pairs).
    """
    n, c = probs.shape
    capacity = class_counts(prior.float().clamp_min(0) / prior.float().sum().clamp_min(1e-12), n)
    logp = probs.double().clamp_min(1e-300).log()
    top2 = logp.topk(min(2, c), dim=-1).values
    best_other = torch.where(logp == top2[:, :1], top2[:, -1:], top2[:, :1])
    score = (logp - best_other).flatten()
    labels, unassigned = [-1] * n, n
    for flat in torch.argsort(score, descending=True, stable=True).tolist():
        i, k = divmod(flat, c)
        if labels[i] < 0 and capacity[k] > 0:
            labels[i] = k
            capacity[k] -= 1
            unassigned -= 1
            if unassigned == 0:
                break
    return torch.tensor(labels, dtype=torch.long, device=probs.device)


@torch.no_grad()
def prior_shift_labels(probs: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """Harden towards ``prior`` without forcing exact counts: argmax_c [log p_ic − log p̄_c + log prior_c].

    probs ``[N, C]``; prior ``[C]``; p̄ = the batch's mean prediction. This is the prior-shift correction
    of Saerens et al. (2002): a student whose predictions drift towards one class (p̄_c > prior_c) has
    that class's hardened labels taken down in proportion, but an example is never pushed to a class it
    rules out only to fill a quota. Why not exact counts with many classes: a batch of 64 drawn from an
    18-class prior does not hold the prior's counts (multinomial noise), so exact per-batch matching
    relabels ~20% of the examples of even a perfect student (see the classification tests).
    """
    logp = probs.double().clamp_min(1e-300).log()
    mean = probs.double().mean(0).clamp_min(1e-300).log()
    return (logp - mean + prior.double().clamp_min(1e-300).log()).argmax(-1).to(probs.device)


@torch.no_grad()
def harden_to_prior(probs: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """The student's hardened labels ``[N]``: for 2 classes Burns et al.'s quantile threshold
    (``prior_matched_labels``, exact counts); for more classes ``prior_shift_labels``."""
    if probs.shape[-1] == 2:
        return prior_matched_labels(probs, prior)
    return prior_shift_labels(probs, prior)


def logconf(
    logits: torch.Tensor,
    target: torch.Tensor,
    progress: float,
    aux_coef: float = 0.5,
    warmup_frac: float = 0.2,
    prior: torch.Tensor | None = None,
) -> torch.Tensor:
    """Auxiliary confidence loss: CE against ``(1 − a_t)·q + a_t·ŷ``, mean over the batch.

    logits: ``[N, C]``; target: weak probabilities ``[N, C]`` (or class indices ``[N]``);
    progress: fraction of training done, in [0, 1]. a_t = ``linear_ramp(progress, aux_coef, warmup_frac)``.
    ŷ: one-hot of ``harden_to_prior(softmax(logits), prior)``, without gradient; ``prior`` ``[C]``
    defaults to the batch's mean weak label (Burns et al.). The classification recipe passes the class
    frequencies of the weak labels' argmax over the whole of strong_train instead: a batch's mean soft
    label is flatter than the class balance (with 18 classes and uncertain weak models, near uniform).
    """
    z = rows(logits)
    q = as_soft_target(target, z.shape[-1]).reshape(z.shape).to(z.dtype)
    a = linear_ramp(progress, aux_coef, warmup_frac)
    hard = harden_to_prior(z.detach().softmax(-1), q.detach().mean(0) if prior is None else prior.to(z.device))
    mixed = (1 - a) * q + a * F.one_hot(hard, z.shape[-1]).to(z.dtype)
    return xent(z, mixed)
