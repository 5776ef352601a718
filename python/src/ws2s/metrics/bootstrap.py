"""Percentile bootstrap confidence intervals (over seeds)."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from .arrays import to_numpy


class ConfidenceInterval(NamedTuple):
    """estimate: the statistic on the data; low/high: the percentile interval; level: 1 − alpha."""

    estimate: float
    low: float
    high: float
    level: float


def resample_indices(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """``[n_resamples, n]`` indices drawn with replacement (deterministic in ``seed``)."""
    return np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))


def percentile_interval(estimate: float, replicates: np.ndarray, alpha: float) -> ConfidenceInterval:
    """Interval from bootstrap replicates, ignoring nan replicates (nan if all are nan)."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return ConfidenceInterval(estimate, float("nan"), float("nan"), 1 - alpha)
    low, high = np.percentile(finite, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return ConfidenceInterval(float(estimate), float(low), float(high), 1 - alpha)


def bootstrap_ci(
    values: Any,
    stat: Callable[..., Any] = np.mean,
    n_resamples: int = 10000,
    alpha: float = 0.05,
    seed: int = 0,
) -> ConfidenceInterval:
    """Percentile bootstrap CI of ``stat`` over ``values`` ``[n]`` (e.g. one number per seed).

    ``stat(array)`` returns a number; if it also accepts ``axis=1`` (numpy reductions do) all resamples
    are computed at once. With one value the interval collapses to that value.
    """
    v = to_numpy(values).astype(np.float64).reshape(-1)
    if v.size == 0:
        raise ValueError("bootstrap_ci needs at least one value")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    samples = v[resample_indices(v.size, n_resamples, seed)]
    try:
        replicates = np.asarray(stat(samples, axis=1), dtype=np.float64)
    except TypeError:
        replicates = np.array([stat(row) for row in samples], dtype=np.float64)
    return percentile_interval(float(stat(v)), replicates, alpha)
