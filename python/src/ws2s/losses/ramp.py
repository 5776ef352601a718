"""The coefficient a_t that ramps up with training progress t in [0, 1]."""

from __future__ import annotations


def linear_ramp(progress: float, final: float, warmup_frac: float) -> float:
    """a_t: rises linearly from 0 at ``progress=0`` to ``final`` at ``progress=warmup_frac``, then stays.

    Continuous at the end of warm-up: Burns et al.'s reference code jumps there; this does not.
    ``warmup_frac <= 0`` means no warm-up (``final`` from the start).
    """
    if not 0.0 <= progress <= 1.0 + 1e-9:
        raise ValueError(f"progress must be in [0, 1] (fraction of training done), got {progress}")
    if warmup_frac <= 0:
        return float(final)
    return float(final) * min(1.0, progress / warmup_frac)
