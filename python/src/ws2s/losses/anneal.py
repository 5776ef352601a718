"""The KL weight λ_t of the evidential losses: the co-authors' schedule (default) or Sensoy et al.'s.

- ``coauthors`` (BriansIDP/LLMweakTOstrong, ``loss_back.py``): λ_t = 1e-4 · (fraction of training steps
  done). The regulariser stays four orders of magnitude below the data term.
- ``sensoy`` (Sensoy et al. 2018): λ_t = kl_coef · min(1, t / anneal), t the (fractional) epoch, kl_coef 1
  and anneal 10 epochs by default. The ramp is never shortened to the run: a 2-epoch run ends at λ = 0.2.

The losses take ``progress`` ∈ [0, 1] and an ``anneal_frac`` (the fraction of training over which λ
rises, > 1 when the ramp is longer than the run); ``kl_schedule`` turns a schedule into
``(kl_coef, anneal_frac)`` so that ``kl_weight(progress, kl_coef, anneal_frac)`` is λ_t.
"""

from __future__ import annotations

import math

#: Sensoy et al. (2018): the KL weight reaches its full value after 10 epochs.
DEFAULT_ANNEAL_EPOCHS = 10.0
#: Sensoy et al.'s full KL weight.
SENSOY_KL_COEF = 1.0
#: The co-authors' KL weight at the end of training (ramped by step fraction).
COAUTHORS_KL_COEF = 1e-4
#: The schedules a classification evidential student may name in ``params.schedule``.
SCHEDULES = ("coauthors", "sensoy")
DEFAULT_SCHEDULE = "coauthors"


def anneal_frac(anneal: float, epochs: int) -> float:
    """The fraction of training over which λ ramps up: anneal / epochs (> 1 when the run is shorter).

    anneal: epochs of ramp (> 0); epochs: epochs of the run (≥ 1).
    """
    if not (isinstance(anneal, (int, float)) and math.isfinite(anneal) and anneal > 0):
        raise ValueError(f"anneal must be a positive number of epochs, got {anneal!r}")
    if not (isinstance(epochs, int) and epochs >= 1):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    return float(anneal) / epochs


def sensoy_kl_weight(epoch: float, kl_coef: float = SENSOY_KL_COEF, anneal: float = DEFAULT_ANNEAL_EPOCHS) -> float:
    """λ_t = kl_coef · min(1, epoch / anneal) (Sensoy et al. 2018), whatever the run's length.

    epoch: epochs done so far (fractional: step / steps_per_epoch), ≥ 0. Pure; the losses get the same
    value through ``kl_weight(progress, *kl_schedule("sensoy", kl_coef, anneal, epochs))``.
    """
    if not (math.isfinite(epoch) and epoch >= 0):
        raise ValueError(f"epoch must be a finite number ≥ 0, got {epoch!r}")
    if not (isinstance(anneal, (int, float)) and math.isfinite(anneal) and anneal > 0):
        raise ValueError(f"anneal must be a positive number of epochs, got {anneal!r}")
    return float(kl_coef) * min(1.0, epoch / anneal)


def kl_schedule(schedule: str, kl_coef: float | None, anneal: float | None, epochs: int) -> tuple[float, float]:
    """(kl_coef, anneal_frac) for the losses' ``kl_weight``.

    schedule: "coauthors" (λ = kl_coef · progress, kl_coef 1e-4 by default; ``anneal`` is refused) or
    "sensoy" (λ = kl_coef · min(1, epoch / anneal), kl_coef 1 and anneal 10 by default); epochs: the run's.
    """
    if schedule == "coauthors":
        if anneal is not None:
            raise ValueError('params.anneal belongs to schedule "sensoy"; the co-authors\' schedule ramps over the '
                             'whole run: drop anneal or set params.schedule to "sensoy"')
        return (COAUTHORS_KL_COEF if kl_coef is None else float(kl_coef)), 1.0
    if schedule == "sensoy":
        coef = SENSOY_KL_COEF if kl_coef is None else float(kl_coef)
        return coef, anneal_frac(DEFAULT_ANNEAL_EPOCHS if anneal is None else anneal, epochs)
    raise ValueError(f"params.schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}")
