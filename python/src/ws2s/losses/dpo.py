"""Direct preference optimisation on sequence log-probabilities, and conservative DPO."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def dpo(
    policy_chosen: torch.Tensor,
    policy_rejected: torch.Tensor,
    ref_chosen: torch.Tensor,
    ref_rejected: torch.Tensor,
    beta: float = 0.1,
    label_smoothing: float | torch.Tensor = 0.0,
) -> tuple[torch.Tensor, dict[str, float]]:
    """DPO loss and TRL's reward statistics.

    All inputs: sequence log-probabilities ``[N]`` (sum of token log-probs) of the chosen / rejected
    response under the policy and the frozen reference. With h = (π_c − π_r) − (ref_c − ref_r):
    loss = mean over pairs of −(1 − ε)·log σ(βh) − ε·log σ(−βh); ε = ``label_smoothing`` (ε > 0 is
    conservative DPO, ε = 0 plain DPO): a number, or a tensor ``[N]`` of per-pair ε_i (Bayesian
    cDPO: each pair's probability that its preference is flipped; no gradient flows into ε).
    Returns ``(loss, stats)``, stats the batch means of rewards/chosen = β(π_c − ref_c),
    rewards/rejected = β(π_r − ref_r), rewards/margins (their difference) and rewards/accuracies
    (fraction with chosen reward > rejected reward), all detached.
    """
    eps = torch.as_tensor(label_smoothing, dtype=policy_chosen.dtype, device=policy_chosen.device)
    if eps.dim() > 1 or (eps.dim() == 1 and eps.shape[0] != policy_chosen.shape[0]):
        raise ValueError(f"label_smoothing must be a number or one ε per pair [{policy_chosen.shape[0]}], got shape {tuple(eps.shape)}")
    if not bool(((eps >= 0) & (eps < 0.5)).all()):
        raise ValueError(f"label_smoothing must be in [0, 0.5) (0 = DPO, >0 = conservative DPO), got {label_smoothing}")
    eps = eps.detach()
    h = (policy_chosen - policy_rejected) - (ref_chosen - ref_rejected)
    loss = -(1 - eps) * F.logsigmoid(beta * h) - eps * F.logsigmoid(-beta * h)
    chosen = beta * (policy_chosen - ref_chosen).detach()
    rejected = beta * (policy_rejected - ref_rejected).detach()
    stats = {
        "rewards/chosen": chosen.mean().item(),
        "rewards/rejected": rejected.mean().item(),
        "rewards/margins": (chosen - rejected).mean().item(),
        "rewards/accuracies": (chosen > rejected).float().mean().item(),
    }
    return loss.mean(), stats
