"""Performance gap recovered: PGR = (student − weak) / (ceiling − weak), flagged when undefined."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .arrays import to_numpy
from .bootstrap import percentile_interval, resample_indices


def pgr_report(weak: float, student: float, ceiling: float) -> dict[str, Any]:
    """``{"pgr": float, "flagged": bool, "reason": str | None}``.

    Flagged (pgr nan) when a score is not finite or the ceiling does not beat the weak baseline
    (ceiling ≤ weak): the gap is zero or negative, so no fraction of it can be recovered.
    """
    weak, student, ceiling = float(weak), float(student), float(ceiling)
    if not all(math.isfinite(x) for x in (weak, student, ceiling)):
        return {"pgr": float("nan"), "flagged": True, "reason": f"non-finite score (weak={weak}, student={student}, ceiling={ceiling})"}
    if ceiling <= weak:
        return {"pgr": float("nan"), "flagged": True, "reason": f"ceiling {ceiling:.4g} does not beat weak {weak:.4g}"}
    return {"pgr": (student - weak) / (ceiling - weak), "flagged": False, "reason": None}


def pgr(weak: float, student: float, ceiling: float) -> float:
    """(student − weak) / (ceiling − weak); nan when ``pgr_report`` flags the run."""
    return float(pgr_report(weak, student, ceiling)["pgr"])


def _pgr_of_means(w: np.ndarray, s: np.ndarray, c: np.ndarray) -> np.ndarray:
    """PGR of the means along the last axis; nan where the mean ceiling does not beat the mean weak."""
    gap = c.mean(-1) - w.mean(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, (s.mean(-1) - w.mean(-1)) / gap, np.nan)


def pgr_with_ci(
    weak_per_seed: Any,
    student_per_seed: Any,
    ceiling_per_seed: Any,
    n_resamples: int = 10000,
    alpha: float = 0.05,
    seed: int = 0,
) -> dict[str, Any]:
    """PGR over seeds with a percentile bootstrap CI.

    Inputs: one score per seed ``[n_seeds]`` each, aligned by seed. The estimate is the PGR of the
    mean scores (a ratio of means is stable where a per-seed gap is tiny); the bootstrap resamples
    seeds jointly (weak, student and ceiling of a seed stay together) and drops resamples whose mean
    gap is ≤ 0 (counted in ``n_undefined_resamples``). Returns ``{pgr, low, high, level,
    per_seed: [pgr_report, ...], mean_of_per_seed, flagged, reason, n_seeds, n_undefined_resamples}``.
    """
    w, s, c = (to_numpy(x).astype(np.float64).reshape(-1) for x in (weak_per_seed, student_per_seed, ceiling_per_seed))
    if not (w.size == s.size == c.size) or w.size == 0:
        raise ValueError(f"need the same non-zero number of seeds for weak/student/ceiling, got {w.size}/{s.size}/{c.size}")
    per_seed = [pgr_report(*triple) for triple in zip(w, s, c)]
    overall = pgr_report(w.mean(), s.mean(), c.mean())
    idx = resample_indices(w.size, n_resamples, seed)
    replicates = _pgr_of_means(w[idx], s[idx], c[idx])
    ci = percentile_interval(overall["pgr"], replicates, alpha)
    seed_values = [r["pgr"] for r in per_seed if not r["flagged"]]
    flagged_seeds = [i for i, r in enumerate(per_seed) if r["flagged"]]
    reason = overall["reason"]
    if reason is None and flagged_seeds:
        reason = f"seeds {flagged_seeds}: ceiling does not beat weak"
    return {
        "pgr": ci.estimate,
        "low": ci.low,
        "high": ci.high,
        "level": ci.level,
        "per_seed": per_seed,
        "mean_of_per_seed": float(np.mean(seed_values)) if seed_values else float("nan"),
        "flagged": bool(overall["flagged"] or flagged_seeds),
        "reason": reason,
        "n_seeds": int(w.size),
        "n_undefined_resamples": int(np.sum(~np.isfinite(replicates))),
    }
