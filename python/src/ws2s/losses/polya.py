"""The Pólya (Dirichlet-multinomial) evidential loss: the K weak members' votes as K draws from the student's Dirichlet.

The evidential student predicts a Dirichlet α = g(z) + 1 over the C classes (``evidential.log_alpha``).
If each of the K members' labels is a draw from Cat(p) with p ~ Dir(α), the marginal likelihood of the
vote counts n (Σ_c n_c = K) is the Dirichlet-multinomial (Pólya) distribution, whose log is, up to the
multinomial coefficient (constant in α),

    ln Γ(S) − ln Γ(S + K) + Σ_c [ln Γ(α_c + n_c) − ln Γ(α_c)],   S = Σ_c α_c.

Unlike ``edl``'s data term, which is linear in the label and so sees only the members' mean, this is
not linear in n: split votes n = (1, 1) and a unanimous (2, 0) / (0, 2) mix with the same mean pull S
in opposite directions (the first is evidence that p sits near ½, the second that p varies). With
K = 1 and a hard vote it is EDL's log form, ln S − ln α_y.

Soft members enter as fractional counts n_c = K · Σ_k w_k q_kc (weights w summing to 1), so the
total is always K. ln Γ(x + n) − ln Γ(x) is evaluated by ``log_rising`` without the cancellation of
two huge ln Γ values.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .bayesian import member_targets
from .evidential import kl_weight, log_alpha, misleading_evidence

# Above this, ln Γ(x + n) − ln Γ(x) uses Stirling's series (its next term is < 1/(360 x³) ≈ 3e-15);
# below, the difference of ln Γ's, which loses at most ~1e-11 there.
_STIRLING_FROM = 1e4
# α is formed in float64 from log α clamped here (e^600 ≈ 4e260: finite, and S + K still exact).
_MAX_LOG_ALPHA = 600.0


def log_rising(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """ln Γ(x + n) − ln Γ(x), elementwise (the log of the rising factorial x^(n) for integer n).

    x > 0, n ≥ 0, float64, broadcastable. Differentiable in both (the unused branch sees clamped
    inputs, so its gradient is finite and multiplied by 0).
    """
    small = x.clamp(max=_STIRLING_FROM)
    direct = torch.lgamma(small + n) - torch.lgamma(small)
    big = x.clamp(min=_STIRLING_FROM)
    # Stirling: (x + n − ½) ln(x + n) − (x − ½) ln x − n + (1/(x + n) − 1/x) / 12, rearranged so that
    # the two x ln x terms cancel inside log1p.
    series = (big - 0.5) * torch.log1p(n / big) + n * torch.log(big + n) - n + ((big + n).reciprocal() - big.reciprocal()) / 12
    return torch.where(x < _STIRLING_FROM, direct, series)


def vote_counts(targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """n ``[N, C]`` = K · Σ_k w_k q_kc from the members' probabilities ``[N, K, C]`` and weights ``[K]`` (sum 1)."""
    k = targets.shape[1]
    return k * torch.einsum("k,nkc->nc", weights.to(device=targets.device, dtype=torch.float64), targets.double())


def polya_nll(log_alpha_: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """−ln DirMult(n | α) up to the multinomial coefficient, per row, float64.

    log_alpha_: ``[N, C]``; counts: ``[N, C]`` (fractional allowed), Σ_c n_c the same K in every row.
    = [ln Γ(S + K) − ln Γ(S)] − Σ_c [ln Γ(α_c + n_c) − ln Γ(α_c)].
    """
    alpha = log_alpha_.double().clamp(max=_MAX_LOG_ALPHA).exp()
    s, k = alpha.sum(-1), counts.sum(-1)
    return log_rising(s, k) - log_rising(alpha, counts).sum(-1)


def polya(
    logits: torch.Tensor,
    targets: torch.Tensor,
    progress: float,
    weights: torch.Tensor | Sequence[float],
    kl_coef: float = 1e-4,
    evidence: str = "exp",
    anneal_frac: float = 1.0,
) -> torch.Tensor:
    """Pólya evidential loss, mean over rows.

    logits ``[N, C]``; targets ``[N, K, C]`` the members' probabilities (hard labels: one-hot rows);
    weights ``[K]`` (normalised to sum 1); progress ∈ [0, 1]; kl_coef, evidence, anneal_frac as in
    ``edl`` (the recipe sets kl_coef and anneal_frac from ``params.schedule``, ``anneal.kl_schedule``).
    Per row: −ln DirMult(n | α) + λ_t · KL(Dir(α̃) ‖ Dir(1)), n_c = K Σ_k w_k q_kc, α = g(z) + 1,
    α̃ = y + (1 − y) ⊙ α with y the one-hot of argmax n (the plurality class), as in ``edl``.
    Returns a scalar in the logits' dtype.
    """
    z, w = member_targets(logits, targets, weights)
    la = log_alpha(z, evidence)
    n = vote_counts(targets.to(z.device), w)
    data = polya_nll(la, n)
    reg = misleading_evidence(la, n.argmax(-1), kl_weight(progress, kl_coef, anneal_frac))
    return (data.to(z.dtype) + reg).mean()
