"""Intervals over seeds by Student's t, and paired per-seed differences between methods.

With n seeds x_1..x_n: mean x̄, s the sample standard deviation (n − 1), interval
x̄ ± t_{n−1, (1+level)/2} · s / √n. With one seed there is no interval (low = high = None): a
single run says nothing about seed-to-seed spread. A percentile bootstrap over seeds is refused
below ``MIN_SEEDS_FOR_BOOTSTRAP`` seeds: over 3 seeds it returns [min, max] and covers the true mean
~74% of the time at a nominal 95%.

Non-finite values (e.g. the PGR of a seed whose ceiling does not beat weak) are dropped and counted
in ``n_dropped``; ``n_seeds`` is the number of seeds actually used.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .arrays import to_numpy
from .bootstrap import bootstrap_ci
from .pgr import pgr_report

MIN_SEEDS_FOR_BOOTSTRAP = 10


def _t_two_sided_mass(t: float, df: int) -> float:
    """P(|T| ≤ t) for Student's t with integer ``df`` ≥ 1 (Abramowitz & Stegun 26.7.3–4, exact)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2 == 1:
        term, series = math.cos(theta), 0.0
        for j in range(1, (df - 1) // 2 + 1):  # cos θ + (2/3)cos³θ + … (odd df ≥ 3)
            if j > 1:
                term *= c2 * (2 * j - 2) / (2 * j - 1)
            series += term
        return 2 / math.pi * (theta + math.sin(theta) * series)
    term, series = 1.0, 1.0
    for j in range(1, df // 2):  # 1 + (1/2)cos²θ + (1·3)/(2·4)cos⁴θ + …
        term *= c2 * (2 * j - 1) / (2 * j)
        series += term
    return math.sin(theta) * series


def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t with integer ``df`` ≥ 1, for p in (0.5, 1) (bisection, |error| < 1e-12)."""
    if not (isinstance(df, int) and df >= 1):
        raise ValueError(f"degrees of freedom must be a positive integer, got {df!r}")
    if not 0.5 < p < 1:
        raise ValueError(f"p must be in (0.5, 1), got {p}")
    mass = 2 * p - 1
    lo, hi = 0.0, 1.0
    while _t_two_sided_mass(hi, df) < mass:
        hi *= 2
    while hi - lo > 1e-12 * max(1.0, hi):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _t_two_sided_mass(mid, df) < mass else (lo, mid)
    return (lo + hi) / 2


def _finite(values: Any) -> tuple[np.ndarray, int]:
    v = to_numpy(values).astype(np.float64).reshape(-1)
    keep = np.isfinite(v)
    return v[keep], int((~keep).sum())


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")


def _t_bounds(v: np.ndarray, level: float) -> tuple[float | None, float | None]:
    if v.size < 2:
        return None, None
    half = t_quantile((1 + level) / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return float(v.mean() - half), float(v.mean() + half)


def t_interval(values: Any, level: float = 0.95) -> dict[str, Any]:
    """Mean over seeds with a Student-t interval.

    values: one number per seed ``[n]``. Returns ``{mean, low, high, method: "t", level, n_seeds,
    n_dropped}``; low/high None with fewer than 2 finite values; mean nan with none.
    """
    _check_level(level)
    v, dropped = _finite(values)
    low, high = _t_bounds(v, level)
    mean = float(v.mean()) if v.size else float("nan")
    return {"mean": mean, "low": low, "high": high, "method": "t", "level": level, "n_seeds": int(v.size), "n_dropped": dropped}


def seed_interval(values: Any, level: float = 0.95, method: str = "t", seed: int = 0) -> dict[str, Any]:
    """``t_interval``, or with ``method="bootstrap"`` a percentile bootstrap (only from 10 seeds up)."""
    if method == "t":
        return t_interval(values, level)
    if method != "bootstrap":
        raise ValueError(f"unknown interval method {method!r}; valid: bootstrap, t")
    _check_level(level)
    v, dropped = _finite(values)
    if v.size < MIN_SEEDS_FOR_BOOTSTRAP:
        raise ValueError(f"a percentile bootstrap over {v.size} seeds undercovers (over 3 it returns [min, max]); "
                         f"use method 't' or run at least {MIN_SEEDS_FOR_BOOTSTRAP} seeds")
    ci = bootstrap_ci(v, alpha=1 - level, seed=seed)
    return {"mean": ci.estimate, "low": ci.low, "high": ci.high, "method": "bootstrap", "level": level,
            "n_seeds": int(v.size), "n_dropped": dropped}


def paired_difference(a: Any, b: Any, level: float = 0.95) -> dict[str, Any]:
    """Per-seed differences a_s − b_s (same seeds, same order) with a t-interval of their mean.

    Pairing removes what the two methods share within a seed (data split, weak labels, init), so the
    interval is usually much narrower than the difference of two unpaired intervals. A seed where
    either value is not finite is dropped. Returns ``{diff, low, high, method: "t", level, n_seeds,
    n_dropped}``; low/high None with fewer than 2 pairs.
    """
    x, y = (to_numpy(v).astype(np.float64).reshape(-1) for v in (a, b))
    if x.size != y.size:
        raise ValueError(f"paired values need the same seeds: got {x.size} and {y.size} values")
    out = t_interval(x - y, level)  # nan − finite is nan: dropped pairs are counted there
    return {"diff": out.pop("mean"), **out}


def per_seed_pgr(weak: Any, student: Any, ceiling: Any) -> np.ndarray:
    """PGR of each seed ``[n]`` (nan where ``pgr_report`` flags the seed)."""
    w, s, c = (to_numpy(x).astype(np.float64).reshape(-1) for x in (weak, student, ceiling))
    if not (w.size == s.size == c.size):
        raise ValueError(f"need one weak, student and ceiling score per seed, got {w.size}/{s.size}/{c.size}")
    return np.array([pgr_report(*t)["pgr"] for t in zip(w, s, c)], dtype=np.float64)


def vs_baseline(method_scores: Any, baseline_scores: Any, weak_scores: Any, ceiling_scores: Any,
                level: float = 0.95) -> dict[str, Any]:
    """A method against a baseline student (e.g. naive), seed by seed, in accuracy and in PGR.

    Each input: one score per seed ``[n]`` on the same seeds (weak: the weak reference, e.g. the mean
    weak member's accuracy; ceiling: the strong model on gold). PGR differences are per seed:
    (m_s − b_s) / (c_s − w_s), seeds with a flagged PGR dropped. Returns ``{accuracy: {diff, low, high},
    pgr: {diff, low, high}, n_seeds, level, method: "t"}``; n_seeds counts the accuracy pairs.
    """
    acc = paired_difference(method_scores, baseline_scores, level)
    pgr = paired_difference(per_seed_pgr(weak_scores, method_scores, ceiling_scores),
                            per_seed_pgr(weak_scores, baseline_scores, ceiling_scores), level)
    keep = ("diff", "low", "high")
    return {"accuracy": {k: acc[k] for k in keep}, "pgr": {**{k: pgr[k] for k in keep}, "n_seeds": pgr["n_seeds"]},
            "n_seeds": acc["n_seeds"], "level": level, "method": "t"}
