"""Evidential (Dirichlet) student loss of Bayesian WeakS-to-Strong (Cui et al. 2025), and its uncertainty.

The student's logits z give evidence e = g(z) ≥ 0, a Dirichlet α = e + 1 over the C classes (or the V
tokens of a vocabulary), S = Σ α. Everything is computed from log α, so exp evidence never overflows:
for g = exp, log α = log(1 + e^z) = softplus(z).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F

from .logconf import harden_to_prior
from .ramp import linear_ramp
from .registry import lookup
from .xent import as_soft_target, rows

# log α = log(1 + g(z)) for each evidence function g.
EVIDENCE: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "exp": F.softplus,
    "softplus": lambda z: torch.log1p(F.softplus(z)),
    "relu": lambda z: torch.log1p(F.relu(z)),
}

# The KL term sees log α clamped here (α ≤ 5e21), so that S = Σ α stays finite in float32 for any
# vocabulary. The data term is never clamped.
MAX_KL_LOG_ALPHA = 50.0


def log_alpha(logits: torch.Tensor, evidence: str = "exp") -> torch.Tensor:
    """log α for logits ``[..., C]`` (same shape), computed without forming e^z."""
    return lookup(EVIDENCE, evidence, "evidence")(logits)


# Above this, k and f below use their asymptotic series (error < 1e-10); below, the direct formulas
# (whose cancellation is harmless there).
_SERIES_FROM = 20.0
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _large_entries(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat indices of the entries above the series threshold, and their values."""
    flat = x.reshape(-1)
    idx = (flat > _SERIES_FROM).nonzero().squeeze(1)
    return idx, flat[idx]


def _k(x: torch.Tensor) -> torch.Tensor:
    """k(x) = lnΓ(x) − (x − 1)ψ(x) + (x − 1), which grows like ½ ln x: no huge terms to cancel."""
    x = x.contiguous()
    small = x.clamp(max=_SERIES_FROM)
    m1 = small - 1
    out = torch.lgamma(small).addcmul_(m1, torch.digamma(small), value=-1).add_(m1)
    big, xb = _large_entries(x)
    if xb.numel():  # usually a few entries of a vocabulary: evaluate the series on those only
        r = xb.reciprocal()
        series = 0.5 * torch.log(xb) + (_HALF_LOG_2PI - 0.5) - r * (1 / 3 + r * (1 / 12 + r * (1 / 90 - r / 120)))
        out.view(-1)[big] = series
    return out


def _f(x: torch.Tensor) -> torch.Tensor:
    """f(x) = −k'(x) = (x − 1)ψ'(x) − 1 ≈ −1/(2x) for large x."""
    x = x.contiguous()
    small = x.clamp(max=_SERIES_FROM)
    out = torch.polygamma(1, small).mul_(small - 1).sub_(1)
    big, xb = _large_entries(x)
    if xb.numel():
        r = xb.reciprocal()
        out.view(-1)[big] = -r * (0.5 + r * (1 / 3 + r * (1 / 6 + r * (1 / 30 - r / 30))))
    return out


class _DirichletKLToUniform(torch.autograd.Function):
    """KL(Dir(α) ‖ Dir(1)) per row, rearranged so that float32 keeps its precision on a vocabulary.

    The textbook form lnΓ(S) − lnΓ(C) − Σ lnΓ(α_c) + Σ (α_c − 1)(ψ(α_c) − ψ(S)) subtracts terms of size
    S ln S. With k(x) = lnΓ(x) − (x − 1)ψ(x) + x − 1 it is exactly
        KL = k(S) − Σ_c k(α_c) + (C − 1)(ψ(S) − 1) − lnΓ(C),
    and the gradient ∂KL/∂α_c = f(α_c) − f(S) + (C − 1)ψ'(S), f = −k', has no cancellation either.
    """

    # Per-row quantities (S, ψ(S), the sum over classes) are in float64: they cost [N], not [N, C],
    # and (C − 1)(ψ(S) − 1) − lnΓ(C) cancels terms of size C ln C.

    @staticmethod
    def forward(ctx, alpha: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        s = alpha.sum(-1, dtype=torch.float64)
        c = alpha.shape[-1]
        ctx.save_for_backward(alpha, s)
        kl = _k(s) - _k(alpha).sum(-1, dtype=torch.float64) + (c - 1) * (torch.digamma(s) - 1) - math.lgamma(c)
        return kl.to(alpha.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        alpha, s = ctx.saved_tensors
        per_row = ((alpha.shape[-1] - 1) * torch.polygamma(1, s) - _f(s)).to(alpha.dtype)
        return (_f(alpha) + per_row[:, None]).mul_(grad[:, None])


def dirichlet_kl_to_uniform(alpha: torch.Tensor) -> torch.Tensor:
    """KL(Dir(α) ‖ Dir(1, …, 1)) per row; alpha ``[N, C]`` → ``[N]`` (same dtype).

    = lnΓ(S) − lnΓ(C) − Σ lnΓ(α_c) + Σ (α_c − 1)(ψ(α_c) − ψ(S)), S = Σ α_c; computed in a form that
    stays accurate in float32 for vocabulary-sized C and large α.
    """
    return _DirichletKLToUniform.apply(alpha)


def kl_weight(progress: float, kl_coef: float, anneal_frac: float) -> float:
    """λ·min(1, progress / anneal_frac): the KL term's weight (``anneal_frac=1`` gives λ·min(1, t))."""
    return linear_ramp(progress, kl_coef, anneal_frac)


def edl(
    logits: torch.Tensor,
    target: torch.Tensor,
    progress: float,
    kl_coef: float = 1e-2,
    evidence: str = "exp",
    anneal_frac: float = 1.0,
) -> torch.Tensor:
    """Evidential loss, mean over rows.

    logits: ``[N, C]`` or ``[tokens, vocab]`` (any ``[..., C]``; select real tokens before calling);
    target: probabilities of the same shape, or class indices; progress in [0, 1].
    Per row: Σ_c q_c (log S − log α_c) + λ_t · KL(Dir(α̃) ‖ Dir(1)), α̃ = y + (1 − y) ⊙ α with y the
    one-hot of the target's argmax (Sensoy et al.: only the non-target classes' evidence is removed; a soft
    target's own class keeps all its evidence, as in the co-authors' ``loss_back.py``),
    λ_t = kl_coef · min(1, progress / anneal_frac). evidence: "exp" | "softplus" | "relu".
    The KL term sees log α clamped at ``MAX_KL_LOG_ALPHA`` (50: exp evidence for logits above 50 counts
    as e^50 there and gets no KL gradient; the data term still pushes it).
    """
    z = rows(logits)
    q = as_soft_target(target, z.shape[-1]).reshape(z.shape).to(z.dtype)
    la = log_alpha(z, evidence)
    data = (q * (torch.logsumexp(la, dim=-1, keepdim=True) - la)).sum(-1)
    return (data + misleading_evidence(la, q.argmax(-1), kl_weight(progress, kl_coef, anneal_frac))).mean()


def misleading_evidence(la: torch.Tensor, label: torch.Tensor, weight: float) -> torch.Tensor | float:
    """weight · KL(Dir(α̃) ‖ Dir(1)) per row, α̃ = y + (1 − y) ⊙ α with y the one-hot of ``label``.

    la: log α ``[N, C]``; label: class indices ``[N]``; 0 (no work) when weight is 0. Sensoy et al.'s
    regulariser: the label's class gets α̃ = 1 (its evidence is not penalised), every other class keeps
    its evidence, which the KL to the uniform Dirichlet pulls toward 0. log α is clamped at
    ``MAX_KL_LOG_ALPHA`` here only.
    """
    if weight == 0:
        return 0.0
    y = F.one_hot(label, la.shape[-1]).to(la.dtype)
    alpha_tilde = torch.expm1(la.clamp(max=MAX_KL_LOG_ALPHA)) * (1 - y) + 1
    return weight * dirichlet_kl_to_uniform(alpha_tilde)


def edl_self(
    logits: torch.Tensor,
    target: torch.Tensor,
    progress: float,
    kl_coef: float = 1e-2,
    evidence: str = "exp",
    anneal_frac: float = 1.0,
    aux_coef: float = 0.5,
    warmup_frac: float = 0.2,
    prior: torch.Tensor | None = None,
) -> torch.Tensor:
    """Evidential loss with self-training: target q' = (1 − a_t)·q + a_t·onehot(ŷ).

    a_t = ``linear_ramp(progress, aux_coef, warmup_frac)``; the one-hot carries no gradient.
    ŷ: with ``prior`` ``[C]`` given, the student's labels hardened to that class balance exactly as
    ``logconf`` does (``harden_to_prior`` on the expected probabilities α/S; the classification recipe
    passes the weak labels' class frequencies on strong_train); without it argmax z (for a vocabulary,
    where matching is too costly). Shapes as in ``edl``.
    """
    z = rows(logits)
    q = as_soft_target(target, z.shape[-1]).reshape(z.shape).to(z.dtype)
    a = linear_ramp(progress, aux_coef, warmup_frac)
    if prior is None:
        hard = z.detach().argmax(-1)
    else:
        hard = harden_to_prior(dirichlet_uncertainty(z.detach(), evidence).probs, prior.to(z.device))
    own = F.one_hot(hard, z.shape[-1]).to(z.dtype)
    return edl(z, (1 - a) * q + a * own, progress, kl_coef, evidence, anneal_frac)


class DirichletPrediction(NamedTuple):
    """uncertainty: ``[N]`` u = C / S in (0, 1]; probs: ``[N, C]`` expected probabilities α / S."""

    uncertainty: torch.Tensor
    probs: torch.Tensor


def dirichlet_uncertainty(logits: torch.Tensor, evidence: str = "exp") -> DirichletPrediction:
    """The evidential student's prediction: expected probabilities α/S and uncertainty u = C/S.

    logits: ``[N, C]`` (or ``[..., C]``, flattened to rows). Evidential students predict with ``probs``.
    """
    z = rows(logits)
    la = log_alpha(z, evidence)
    log_s = torch.logsumexp(la, dim=-1, keepdim=True)
    return DirichletPrediction(
        uncertainty=torch.exp(math.log(z.shape[-1]) - log_s.squeeze(-1)),
        probs=torch.exp(la - log_s),
    )
