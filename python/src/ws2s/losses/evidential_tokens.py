"""Evidential generation loss with a learned precision: a Dirichlet over the vocabulary per token.

Per token, logits z ``[V]`` give the distribution decoding reads, p = softmax(z), and an evidence value
g (a scalar) gives the Dirichlet's precision

    S = V · (1 + e^g)          (S ≥ V, so u = V / S = 1 / (1 + e^g) = σ(−g) ∈ (0, 1))
    α = S · p̃,   p̃ = (1 − ε)·p + ε/V   (ε = ``smoothing``)

so the Dirichlet's mean is p̃ (what decoding reads, up to ε) and only its precision is new.

- **HF students** (raw logits): g = logsumexp(z) − log V by default, i.e. S = V + Σ_v e^{z_v} — exactly
  Sensoy et al.'s total S with exp evidence e_v = e^{z_v}. softmax ignores a shift of all logits, so
  the logits' overall level is free to carry the evidence without changing p.
- **The copy student** returns log-probabilities (logsumexp = 0, which would fix u at V/(V+1)), so it
  passes g from a learned evidence head (``log_evidence``).

Loss per token, against a soft target q (the weak side's distribution; rows sum to 1):

    Σ_v q_v (ψ(S) − ψ(α_v))  +  λ_t · KL(Dir(α̃) ‖ Dir(1)) / (V − 1),   α̃ = (1 − q)·α + q

the first term the expected cross-entropy E_{π∼Dir(α)}[−Σ_v q_v log π_v] (Sensoy et al. 2018, eq. 4),
the second the KL of the evidence the target does not support (for a one-hot q the target's α is
replaced by 1; the same α̃ = (α − 1)(1 − q) + 1 as ``edl``), counted per free dimension as in the
generation ``edl``; λ_t = kl_coef · min(1, progress / anneal_frac). More evidence always lowers the
first term (Jensen), the KL prices evidence on tokens the target does not back — more of it where q
is spread (the weak models disagree), so S falls and u rises there. ε > 0 keeps every α_v ≥ ε·S/V, so
ψ(α_v) stays finite and a rare target token (end of sequence) keeps a strong gradient.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..metrics.uncertainty import error_detection_auroc
from .evidential import dirichlet_kl_to_uniform, kl_weight
from .xent import as_soft_target, rows


# log S is clamped here (S ≤ 5e21, u ≥ V·2e−22): ψ(S) and α = S·p̃ stay finite in float32 whatever the
# logits' level; beyond it the precision gets no gradient (u is ~0 there anyway).
MAX_LOG_PRECISION = 50.0


def log_precision(logits: torch.Tensor, log_evidence: torch.Tensor | None = None) -> torch.Tensor:
    """log S ``[N]`` = log V + softplus(g), at most ``MAX_LOG_PRECISION``; g = ``log_evidence`` ``[N]`` or
    logsumexp(z) − log V (raw logits)."""
    z = rows(logits)
    v = z.shape[-1]
    g = torch.logsumexp(z, -1) - math.log(v) if log_evidence is None else log_evidence.reshape(-1).to(z.dtype)
    if g.shape[0] != z.shape[0]:
        raise ValueError(f"log_evidence has {g.shape[0]} values for {z.shape[0]} tokens; give one per token")
    return (math.log(v) + F.softplus(g)).clamp(max=MAX_LOG_PRECISION)


def token_dirichlet(logits: torch.Tensor, log_evidence: torch.Tensor | None = None,
                    smoothing: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """``(log α [N, V], log S [N])`` of the per-token Dirichlet α = S·((1 − ε)·softmax(z) + ε/V)."""
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
    z = rows(logits)
    v = z.shape[-1]
    log_p = F.log_softmax(z, -1)
    log_p_smooth = torch.logaddexp(log_p + math.log1p(-smoothing), torch.full_like(log_p, math.log(smoothing / v))) \
        if smoothing > 0 else log_p
    log_s = log_precision(z, log_evidence)
    return log_p_smooth + log_s[:, None], log_s


def token_uncertainty(logits: torch.Tensor, log_evidence: torch.Tensor | None = None) -> torch.Tensor:
    """u = V / S ``[N]`` in (0, 1): 1 with no evidence, → 0 as the evidence grows."""
    z = rows(logits)
    return torch.exp(math.log(z.shape[-1]) - log_precision(z, log_evidence))


def evidential_tokens(logits: torch.Tensor, target: torch.Tensor, progress: float,
                      log_evidence: torch.Tensor | None = None, kl_coef: float = 1e-2, smoothing: float = 0.1,
                      anneal_frac: float = 1.0) -> torch.Tensor:
    """The evidential generation loss (module doc), mean over tokens.

    logits: ``[N, V]`` (real tokens only; any ``[..., V]`` is flattened); target: probabilities ``[N, V]``
    or token ids ``[N]``; progress in [0, 1]; log_evidence: ``[N]`` g per token, or None for raw logits.
    """
    z = rows(logits)
    q = as_soft_target(target, z.shape[-1]).reshape(z.shape).to(z.dtype)
    log_alpha, log_s = token_dirichlet(z, log_evidence, smoothing)
    alpha = log_alpha.exp()
    data = torch.digamma(log_s.exp()) - (q * torch.digamma(alpha)).sum(-1)
    w = kl_weight(progress, kl_coef, anneal_frac)
    if w == 0:
        return data.mean()
    alpha_tilde = (1 - q) * alpha + q
    return (data + w * dirichlet_kl_to_uniform(alpha_tilde) / max(1, z.shape[-1] - 1)).mean()


def wrong_token_auroc(uncertainty, predicted_ids, reference_ids) -> float:
    """AUROC of per-token u ``[N]`` for detecting the tokens where ``predicted_ids`` ``[N]`` differ from
    ``reference_ids`` ``[N]`` (wrong tokens are the positives); nan unless both kinds occur."""
    return error_detection_auroc(uncertainty, predicted_ids, reference_ids)
