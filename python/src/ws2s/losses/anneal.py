"""The KL weight λ_t of the evidential losses, annealed over epochs as in Sensoy et al. (2018).

Sensoy et al. use λ_t = min(1, t / 10), t the (fractional) epoch: the KL regulariser reaches its full
weight after 10 epochs and stays there. Here λ_t = kl_coef · min(1, t / anneal), with the anneal
length shortened to the whole run when the run is shorter than ``anneal`` epochs.

The losses take ``progress`` ∈ [0, 1] (fraction of training steps done) and an ``anneal_frac``;
``anneal_frac(anneal, epochs)`` converts: with epoch t = progress · epochs,
kl_coef · min(1, t / anneal) = ``kl_weight(progress, kl_coef, anneal_frac(anneal, epochs))``.

The behaviour before this schedule (``edl`` defaults: kl_coef 1e-2, ``anneal_frac`` 1.0, i.e.
λ_t = 0.01 · progress, reaching 0.01 only at the last step) is ``kl_coef: 0.01`` with
``anneal`` ≥ the number of epochs (e.g. ``anneal: <strong_train.epochs>``).
"""

from __future__ import annotations

import math

#: Sensoy et al. (2018): the KL weight reaches its full value after 10 epochs.
DEFAULT_ANNEAL_EPOCHS = 10.0


def anneal_frac(anneal: float, epochs: int) -> float:
    """The fraction of training over which λ ramps up: min(1, anneal / epochs).

    anneal: epochs of ramp (> 0; shortened to the whole run when the run is shorter);
    epochs: epochs of the run (≥ 1).
    """
    if not (isinstance(anneal, (int, float)) and math.isfinite(anneal) and anneal > 0):
        raise ValueError(f"anneal must be a positive number of epochs, got {anneal!r}")
    if not (isinstance(epochs, int) and epochs >= 1):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    return min(1.0, float(anneal) / epochs)


def sensoy_kl_weight(epoch: float, kl_coef: float = 1.0, anneal: float = DEFAULT_ANNEAL_EPOCHS,
                     epochs: int | None = None) -> float:
    """λ_t = kl_coef · min(1, epoch / anneal'), anneal' = min(anneal, epochs) when ``epochs`` is given.

    epoch: epochs done so far (fractional: step / steps_per_epoch), ≥ 0. Pure; the losses get the same
    value through ``kl_weight(progress, kl_coef, anneal_frac(anneal, epochs))``.
    """
    if not (math.isfinite(epoch) and epoch >= 0):
        raise ValueError(f"epoch must be a finite number ≥ 0, got {epoch!r}")
    ramp = anneal if epochs is None else anneal_frac(anneal, epochs) * epochs
    if not ramp > 0:
        raise ValueError(f"anneal must be a positive number of epochs, got {anneal!r}")
    return float(kl_coef) * min(1.0, epoch / ramp)
