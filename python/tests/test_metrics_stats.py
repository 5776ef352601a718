"""Student-t intervals over seeds and paired per-seed differences."""

import math

import numpy as np
import pytest

from ws2s.metrics.stats import (
    MIN_SEEDS_FOR_BOOTSTRAP,
    paired_difference,
    per_seed_pgr,
    seed_interval,
    t_interval,
    t_quantile,
    vs_baseline,
)

# Two-sided 95% critical values t_{0.975, df} from printed tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 9: 2.262, 10: 2.228, 29: 2.045, 100: 1.984}


@pytest.mark.parametrize(("df", "value"), sorted(T_975.items()))
def test_t_quantile_matches_printed_tables(df, value):
    assert t_quantile(0.975, df) == pytest.approx(value, abs=6e-4)


def test_t_quantile_hand_values_in_closed_form():
    # df = 1 is Cauchy: q_p = tan(π(p − ½)); df = 2: q_p = (2p − 1) / sqrt(2p(1 − p)).
    for p in (0.6, 0.9, 0.975, 0.995):
        assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-10)
        assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-10)


def test_t_quantile_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 3, 4, 7, 8, 19, 60, 301):
        for p in (0.55, 0.9, 0.975, 0.999):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9), (df, p)


def test_t_interval_hand_computed():
    # [0.60, 0.70, 0.65, 0.55, 0.75]: mean 0.65, s² = (0.0025·2 + 0.01·2 + 0)/4 = 0.00625,
    # s/√5 = 0.0353553; half-width 2.776445 · 0.0353553 = 0.0981623.
    out = t_interval([0.60, 0.70, 0.65, 0.55, 0.75])
    assert out["mean"] == pytest.approx(0.65)
    assert out["low"] == pytest.approx(0.65 - 0.0981623, abs=1e-6)
    assert out["high"] == pytest.approx(0.65 + 0.0981623, abs=1e-6)
    assert (out["method"], out["n_seeds"], out["n_dropped"], out["level"]) == ("t", 5, 0, 0.95)


def test_one_seed_has_no_interval_and_nan_seeds_are_dropped_and_counted():
    assert t_interval([0.19]) == {"mean": 0.19, "low": None, "high": None, "method": "t", "level": 0.95, "n_seeds": 1, "n_dropped": 0}
    out = t_interval([0.5, float("nan"), 0.7])
    assert (out["n_seeds"], out["n_dropped"], out["mean"]) == (2, 1, pytest.approx(0.6))
    # Two seeds, df 1: 0.6 ± 12.7062 · 0.141421 / √2 = 0.6 ± 1.27062.
    assert out["high"] - out["mean"] == pytest.approx(1.270620, abs=1e-5)
    assert math.isnan(t_interval([])["mean"])


def test_t_interval_covers_the_true_mean_at_its_nominal_level():
    # 2,000 trials of 5 seeds ~ N(0.6, 0.05²): the 95% interval must cover 0.6 in ≥ 93% of them.
    rng = np.random.default_rng(12)
    draws = rng.normal(0.6, 0.05, size=(2000, 5))
    covered = sum(out["low"] <= 0.6 <= out["high"] for out in map(t_interval, draws))
    assert covered / 2000 >= 0.93
    # The percentile bootstrap over 5 seeds does not (this is why it is refused below 10 seeds).
    from ws2s.metrics import bootstrap_ci

    boot = sum(ci.low <= 0.6 <= ci.high for ci in (bootstrap_ci(d, n_resamples=400) for d in draws[:300]))
    assert boot / 300 < 0.9


def test_bootstrap_is_refused_below_ten_seeds():
    with pytest.raises(ValueError, match="at least 10 seeds"):
        seed_interval([0.1, 0.2, 0.3], method="bootstrap")
    values = np.linspace(0.5, 0.7, MIN_SEEDS_FOR_BOOTSTRAP)
    out = seed_interval(values, method="bootstrap")
    assert out["method"] == "bootstrap" and out["low"] < out["mean"] < out["high"]
    assert seed_interval(values) == t_interval(values)
    with pytest.raises(ValueError, match="valid: bootstrap, t"):
        seed_interval(values, method="percentile")


def test_paired_difference_hand_computed_and_narrower_than_unpaired():
    # Seeds move both methods together; the method is always 0.02 to 0.04 better.
    base = np.array([0.50, 0.60, 0.70, 0.55, 0.65])
    method = base + np.array([0.02, 0.03, 0.04, 0.03, 0.03])
    out = paired_difference(method, base)
    # Differences [0.02, 0.03, 0.04, 0.03, 0.03]: mean 0.03, s² = (1e-4 + 0 + 1e-4 + 0 + 0)/4 = 5e-5.
    half = 2.776445 * math.sqrt(5e-5 / 5)
    assert out["diff"] == pytest.approx(0.03)
    assert (out["low"], out["high"]) == (pytest.approx(0.03 - half, abs=1e-6), pytest.approx(0.03 + half, abs=1e-6))
    assert out["n_seeds"] == 5 and out["low"] > 0
    unpaired = t_interval(method)
    assert out["high"] - out["low"] < (unpaired["high"] - unpaired["low"]) / 5
    with pytest.raises(ValueError, match="same seeds"):
        paired_difference([0.1, 0.2], [0.1])


def test_vs_baseline_pairs_accuracy_and_per_seed_pgr():
    weak = [0.5, 0.6]
    ceiling = [0.9, 0.8]
    naive = [0.6, 0.65]
    method = [0.7, 0.7]
    # Per-seed PGR: method [0.5, 0.5], naive [0.25, 0.25] → difference 0.25 on both seeds (s = 0).
    assert per_seed_pgr(weak, method, ceiling).tolist() == pytest.approx([0.5, 0.5])
    out = vs_baseline(method, naive, weak, ceiling)
    assert out["accuracy"]["diff"] == pytest.approx(0.075)
    assert out["pgr"] == {"diff": pytest.approx(0.25), "low": pytest.approx(0.25), "high": pytest.approx(0.25), "n_seeds": 2}
    assert out["n_seeds"] == 2 and out["method"] == "t"
    # A seed whose ceiling does not beat weak has no PGR: dropped from the PGR pairs only.
    flagged = vs_baseline(method, naive, [0.5, 0.9], ceiling)
    assert flagged["pgr"]["n_seeds"] == 1 and flagged["pgr"]["low"] is None
    assert flagged["n_seeds"] == 2
