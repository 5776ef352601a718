"""Evidential generation loss: a Dirichlet per token over the student's output vocabulary (its shortlist).

Per token the student's unnormalised scores z ``[V]`` give exp evidence, α_v = e^{z_v} + 1, S = Σ_v α_v
(Sensoy et al. 2018 per token, as the co-authors' ``edl_log_loss_fn``, BriansIDP/LLMweakTOstrong
``loss_back.py``). Decoding reads softmax(z), which ignores the logits' overall level; that level is the
evidence (S = V + Σ_v e^{z_v}), so u = V / S needs no separate head. An HF student's raw logits are z;
the copy student returns log p + (the logsumexp of its generator's raw scores), whose level is just as
free (``generation.models.student``).

``form`` (``params.form``):
- "edl" (default): ``edl``'s log form against the soft target q,
  Σ_v q_v (log S − log α_v) + λ_t · KL(Dir(α̃) ‖ Dir(1)), α̃ = y + (1 − y) ⊙ α, y the one-hot of argmax q;
  λ_t = kl_coef · progress, kl_coef 1e-4 (the co-authors' schedule; the KL is over the whole vocabulary).
  The data term's gradient in z_v is (e^{z_v}/S)(1 − q_v·S/α_v): every token's evidence rises where the
  target backs it, and S stays low where the target is spread over tokens the student cannot all back.
- "dir_loss": the co-authors' ``dir_loss`` on the one target (``bayesian.dirichlet_nll`` anchored, K = 1):
  KL(q ‖ softmax z) + 0.01 · (−log Dir(q̂ | α)), α = e^z + 1e-6. Its u is read as V / Σ_v (e^{z_v} + 1) as well;
  with one observation per token the Dirichlet likelihood grows with S at the target's mean however spread
  the target is, so this u need not rank the tokens a student gets wrong (on the synthetic check of
  ``tests/test_losses_evidential_tokens.py`` its AUROC is 0.18, the "edl" form's 0.84).
"""

from __future__ import annotations

import torch

from ..metrics.uncertainty import error_detection_auroc
from .anneal import COAUTHORS_KL_COEF
from .bayesian import dirichlet_nll
from .evidential import dirichlet_uncertainty, edl
from .xent import as_soft_target, rows

#: The forms of the generation ``edl``: Sensoy's per-token evidential loss (default) or the co-authors' dir_loss.
TOKEN_FORMS = ("edl", "dir_loss")


def check_token_form(form: str) -> None:
    """Raises ValueError naming the valid forms unless ``form`` is one of ``TOKEN_FORMS``."""
    if form not in TOKEN_FORMS:
        raise ValueError(f"params.form must be one of {', '.join(TOKEN_FORMS)}, got {form!r}")


def token_edl(logits: torch.Tensor, target: torch.Tensor, progress: float, kl_coef: float = COAUTHORS_KL_COEF,
              form: str = "edl") -> torch.Tensor:
    """The evidential generation loss (module doc), mean over tokens.

    logits: ``[N, V]`` unnormalised scores of the real tokens (any ``[..., V]`` is flattened); target:
    probabilities ``[N, V]`` or token ids ``[N]``; progress in [0, 1] (λ_t = kl_coef · progress; "edl" only).
    """
    check_token_form(form)
    z = rows(logits)
    q = as_soft_target(target, z.shape[-1]).reshape(z.shape).to(z.dtype)
    if form == "dir_loss":
        return dirichlet_nll(z, q[:, None, :], [1.0], form="anchored")
    return edl(z, q, progress, kl_coef=kl_coef, evidence="exp", anneal_frac=1.0)


def token_uncertainty(logits: torch.Tensor) -> torch.Tensor:
    """u = V / S ``[N]`` in (0, 1), α = e^z + 1: 1 with no evidence, → 0 as the logits' level rises."""
    return dirichlet_uncertainty(logits, "exp").uncertainty


def wrong_token_auroc(uncertainty, predicted_ids, reference_ids) -> float:
    """AUROC of per-token u ``[N]`` for detecting the tokens where ``predicted_ids`` ``[N]`` differ from
    ``reference_ids`` ``[N]`` (wrong tokens are the positives); nan unless both kinds occur."""
    return error_detection_auroc(uncertainty, predicted_ids, reference_ids)
