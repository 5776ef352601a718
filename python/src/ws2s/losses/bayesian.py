"""Bayesian multi-weak students: every weak member's label distribution is a separate observation.

Both losses take the student's logits ``[N, C]``, the members' probabilities ``targets [N, K, C]``
(member k in ``targets[:, k]``) and member weights ``[K]`` (normalised here to sum to 1), and share the
evidential student's Dirichlet: α = g(z) + 1 (``evidence``), S = Σ_c α_c, prediction α/S,
uncertainty u = C/S (``dirichlet_uncertainty``).

- ``edl_multi``: the evidential loss of ``edl`` summed over members, Σ_k w_k · edl(z, q_k).
- ``dirichlet_nll``: ensemble distribution distillation (Malinin et al. 2019). Default ``form="anchored"``,
  the co-authors' ``dir_loss`` (BriansIDP/LLMweakTOstrong): Σ_k w_k [KL(q_k ‖ softmax z) − 0.01 · log Dir(q̂_k | α)],
  α = e^z + 1e-6; ``form="nll"`` is the pure −Σ_k w_k log Dir(q̂_k | α) with α = g(z) + 1, which collapses with
  many classes (a class pushed far negative stops receiving gradient).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from .evidential import MAX_KL_LOG_ALPHA, DirichletPrediction, edl, log_alpha
from .multi_weak import normalised_weights
from .xent import rows

#: The forms of ``dirichlet_nll``: the co-authors' anchored ``dir_loss`` (default) and the pure NLL.
DIRICHLET_FORMS = ("anchored", "nll")
#: The co-authors' weight of the Dirichlet NLL beside the KL anchor, and their α = e^z + 1e-6.
ANCHORED_NLL_COEF = 0.01
ANCHORED_LOG_EPS = math.log(1e-6)

def check_form(form: str) -> None:
    """Raises ValueError naming the valid forms unless ``form`` is one of ``DIRICHLET_FORMS``."""
    if form not in DIRICHLET_FORMS:
        raise ValueError(f"params.form must be one of {', '.join(DIRICHLET_FORMS)}, got {form!r}")


def anchored_log_alpha(logits: torch.Tensor) -> torch.Tensor:
    """log α of the anchored form, α = e^z + 1e-6 (the co-authors' ``dir_loss``), without forming e^z."""
    return torch.logaddexp(logits, torch.full_like(logits, ANCHORED_LOG_EPS))


def dirichlet_nll_prediction(logits: torch.Tensor, form: str = "anchored", evidence: str = "exp") -> DirichletPrediction:
    """What a ``dirichlet_nll`` student predicts: α/S and u = C/S of the Dirichlet it was trained as.

    form "anchored": α = e^z + 1e-6 (so α/S ≈ softmax z, and S = Σ e^z + C·1e-6 can fall below C: u is
    then above 1, the Dirichlet flatter than uniform); form "nll": α = g(z) + 1, as ``dirichlet_uncertainty``.
    logits ``[N, C]``.
    """
    check_form(form)
    la = anchored_log_alpha(logits.float()) if form == "anchored" else log_alpha(logits.float(), evidence)
    log_s = torch.logsumexp(la, -1, keepdim=True)
    return DirichletPrediction(uncertainty=torch.exp(math.log(logits.shape[-1]) - log_s.squeeze(-1)), probs=torch.exp(la - log_s))


#: ε of ``dirichlet_nll``'s smoothing q̂ = (1 − ε) q + ε / C. See ``dirichlet_nll`` for the choice.
DIRICHLET_SMOOTHING = 1e-2


def member_targets(logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor | Sequence[float]) -> tuple[torch.Tensor, torch.Tensor]:
    """Checks shapes; returns (logits as rows ``[N, C]``, weights ``[K]`` float64 summing to 1)."""
    z = rows(logits)
    if targets.dim() != 3:
        raise ValueError(f"targets must be [batch, K weak models, classes], got shape {tuple(targets.shape)}")
    if targets.shape[0] != z.shape[0] or targets.shape[2] != z.shape[1]:
        raise ValueError(f"targets {tuple(targets.shape)} do not match logits {tuple(z.shape)}; pass [N, K, C] for logits [N, C]")
    if not torch.is_floating_point(targets):
        raise ValueError("targets must be the members' probabilities [N, K, C] (floats); one-hot a member's hard labels first")
    return z, normalised_weights(weights, targets.shape[1])


def edl_multi(
    logits: torch.Tensor,
    targets: torch.Tensor,
    progress: float,
    weights: torch.Tensor | Sequence[float],
    kl_coef: float = 1e-2,
    evidence: str = "exp",
    anneal_frac: float = 1.0,
) -> torch.Tensor:
    """Evidential loss with each member's labels as an observation, mean over rows.

    logits ``[N, C]``; targets ``[N, K, C]`` probabilities (hard labels: one-hot rows); weights ``[K]``;
    progress, kl_coef, evidence, anneal_frac as in ``edl`` (λ_t = kl_coef · min(1, progress / anneal_frac);
    ``anneal.anneal_frac`` turns an anneal length in epochs into anneal_frac). Per row:
        Σ_k w_k [ Σ_c q_kc (log S − log α_c) + λ_t · KL(Dir(α̃_k) ‖ Dir(1)) ],  α̃_k = (α − 1)(1 − q_k) + 1.
    With K = 1 this is ``edl``. Note: the data term is linear in q, so it equals the data term of ``edl``
    on the weighted mean Σ_k w_k q_k; the members' disagreement enters only through the KL term, where
    each member removes only its own classes' evidence and penalises the evidence the others put
    elsewhere (with hard member labels: evidence on a class is penalised by every member that did not
    vote for it). With λ_t → 0 this student is the evidential student of the weighted-mean label.
    """
    z, w = member_targets(logits, targets, weights)
    # edl returns the row mean; the weighted sum of row means is the row mean of the weighted sums.
    return sum(float(w[k]) * edl(z, targets[:, k], progress, kl_coef, evidence, anneal_frac) for k in range(targets.shape[1]))


def dirichlet_nll(
    logits: torch.Tensor,
    targets: torch.Tensor,
    weights: torch.Tensor | Sequence[float],
    evidence: str = "exp",
    smoothing: float = DIRICHLET_SMOOTHING,
    form: str = "anchored",
) -> torch.Tensor:
    """Ensemble distribution distillation, mean over rows (nats).

    form "anchored" (default, the co-authors' ``dir_loss``): per row
    Σ_k w_k KL(q_k ‖ softmax z) + ``ANCHORED_NLL_COEF`` · (−Σ_k w_k log Dir(q̂_k | α)), α = e^z + 1e-6
    (``evidence`` is not used). The KL anchor keeps a gradient p_c − q_c on every class, so no class is
    pushed to z ≪ 0 and forgotten. form "nll": −Σ_k w_k log Dir(q̂_k | α) alone, α = g(z) + 1, as below.

    logits ``[N, C]``; targets ``[N, K, C]`` the members' probabilities; weights ``[K]``.
    log Dir(p | α) = lnΓ(S) − Σ_c lnΓ(α_c) + Σ_c (α_c − 1) log p_c, so the members enter only through
    Σ_k w_k log q̂_kc (a weighted mean of log-probabilities): the more the members disagree, the lower
    that is compared with log of their mean, and the lower the fitted precision S (u = C/S higher).
    When every member gives the same vector the likelihood grows without bound as S → ∞ at that
    mean, so S is limited only by training length (the gradient in logit space stays O(1)).

    q̂_k = (1 − ε) q_k + ε / C, ε = ``smoothing`` (default 1e-2): small weak models put probabilities
    like 1e-9 on classes they rule out, and log q̂ enters multiplied by α_c − 1, so without a floor one
    over-confident member fixes α_c ≈ 1 for every class it rules out whatever the others say (low-
    probability classes dominate the gradient of this criterion; Ryabinin et al. 2021). ε = 1e-2 bounds
    −log q̂ by log(C / ε) (≈ 7.5 nats for 18 classes, 5.3 for 2), moves at most 1% of any member's mass
    and never changes a member's argmax. ε = 0 is allowed for targets bounded away from 0.

    Evidence as in ``edl`` (α = g(z) + 1 ≥ 1): a Dirichlet with α ≥ 1 cannot concentrate on the
    corners, so members confidently voting for different classes give α ≈ 1 on those classes (u → 1).
    Computed in float64 (lnΓ(S) − Σ lnΓ(α_c) cancels); log α is clamped at ``MAX_KL_LOG_ALPHA`` as in
    the evidential KL term (no gradient beyond it). Returns a scalar in the logits' dtype.
    """
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
    check_form(form)
    z, w = member_targets(logits, targets, weights)
    c = z.shape[-1]
    raw = targets.to(device=z.device, dtype=torch.float64)
    q = (1 - smoothing) * raw + smoothing / c
    if (q <= 0).any():
        raise ValueError("targets have zero probabilities and smoothing is 0: log Dir(q | α) is -inf; use smoothing > 0")
    w = w.to(q.device)
    mean_log_q = torch.einsum("k,nkc->nc", w, q.log())  # Σ_k w_k log q̂_kc, [N, C]
    zd = z.double()
    la = anchored_log_alpha(zd) if form == "anchored" else log_alpha(zd, evidence)
    alpha = la.clamp(max=MAX_KL_LOG_ALPHA).exp()
    log_norm = torch.lgamma(alpha.sum(-1)) - torch.lgamma(alpha).sum(-1)
    nll = -(log_norm + ((alpha - 1) * mean_log_q).sum(-1))
    if form == "nll":
        return nll.mean().to(z.dtype)
    # Σ_k w_k KL(q_k ‖ p) = Σ_k w_k Σ_c q_kc log q_kc − Σ_c q̄_c log p_c (0 log 0 = 0), q̄ = Σ_k w_k q_k.
    neg_entropy = torch.einsum("k,nkc->n", w, torch.xlogy(raw, raw))
    cross = -(torch.einsum("k,nkc->nc", w, raw) * torch.log_softmax(zd, -1)).sum(-1)
    return (neg_entropy + cross + ANCHORED_NLL_COEF * nll).mean().to(z.dtype)
