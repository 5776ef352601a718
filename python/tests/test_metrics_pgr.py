"""PGR with flags, bootstrap CIs over seeds."""

import math

import numpy as np
import pytest
import torch

from ws2s.metrics import bootstrap_ci, pgr, pgr_report, pgr_with_ci


def test_pgr_hand_value():
    # (0.7 − 0.6) / (0.8 − 0.6) = 0.5
    assert pgr(0.6, 0.7, 0.8) == pytest.approx(0.5)
    assert pgr(0.6, 0.5, 0.8) == pytest.approx(-0.5)


@pytest.mark.parametrize(("weak", "ceiling"), [(0.8, 0.8), (0.8, 0.7)])
def test_pgr_is_flagged_when_the_ceiling_does_not_beat_weak(weak, ceiling):
    report = pgr_report(weak, 0.75, ceiling)
    assert report["flagged"] is True
    assert "does not beat weak" in report["reason"]
    assert math.isnan(report["pgr"])
    assert math.isnan(pgr(weak, 0.75, ceiling))


def test_pgr_flags_non_finite_scores():
    assert pgr_report(float("nan"), 0.7, 0.8)["flagged"] is True
    assert pgr_report(0.6, 0.7, 0.8) == {"pgr": pytest.approx(0.5), "flagged": False, "reason": None}


def test_bootstrap_ci_contains_the_mean_and_is_deterministic():
    values = [0.31, 0.42, 0.38, 0.29, 0.45]
    ci = bootstrap_ci(values)
    assert ci.estimate == pytest.approx(np.mean(values))
    assert ci.low <= ci.estimate <= ci.high
    assert min(values) <= ci.low and ci.high <= max(values)
    assert ci.level == pytest.approx(0.95)
    assert bootstrap_ci(values) == ci
    assert bootstrap_ci(values, seed=1) != ci
    assert bootstrap_ci(torch.tensor(values, dtype=torch.float64), n_resamples=2000) == bootstrap_ci(np.array(values), n_resamples=2000)


def test_bootstrap_ci_with_a_stat_without_axis_and_a_single_value():
    ci = bootstrap_ci([1.0, 2.0, 10.0], stat=lambda v: float(sorted(v)[len(v) // 2]), n_resamples=500)
    assert ci.estimate == 2.0 and ci.low >= 1.0 and ci.high <= 10.0
    assert bootstrap_ci([0.4]) == (0.4, 0.4, 0.4, 0.95)
    with pytest.raises(ValueError, match="at least one value"):
        bootstrap_ci([])


def test_pgr_with_ci_over_seeds():
    weak, student, ceiling = [0.6, 0.62, 0.58], [0.7, 0.69, 0.71], [0.8, 0.82, 0.78]
    out = pgr_with_ci(weak, student, ceiling, n_resamples=2000)
    # Means: weak 0.6, student 0.7, ceiling 0.8 -> PGR 0.5.
    assert out["pgr"] == pytest.approx(0.5)
    assert out["low"] <= out["pgr"] <= out["high"]
    assert out["flagged"] is False and out["n_seeds"] == 3
    # Per seed: 0.1/0.2, 0.07/0.2, 0.13/0.2.
    assert [r["pgr"] for r in out["per_seed"]] == pytest.approx([0.5, 0.35, 0.65])
    assert out["mean_of_per_seed"] == pytest.approx(0.5)


def test_pgr_with_ci_flags_a_seed_whose_ceiling_loses_but_keeps_the_rest():
    out = pgr_with_ci([0.6, 0.6, 0.6], [0.7, 0.7, 0.65], [0.8, 0.8, 0.55], n_resamples=2000)
    assert out["flagged"] is True
    assert "seeds [2]" in out["reason"]
    assert out["per_seed"][2]["flagged"] is True
    assert out["mean_of_per_seed"] == pytest.approx(0.5)
    assert math.isfinite(out["pgr"])
    assert out["n_undefined_resamples"] > 0  # resamples made only of seed 2


def test_pgr_with_ci_rejects_misaligned_seeds():
    with pytest.raises(ValueError, match="same non-zero number of seeds"):
        pgr_with_ci([0.5, 0.6], [0.7], [0.8, 0.9])
