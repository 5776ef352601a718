"""Uncertainty that does something: AUROC for the model's own errors, selective accuracy."""

import math

import numpy as np
import pytest

from ws2s.metrics.uncertainty import error_detection_auroc, selective_accuracy, uncertainty_report


def pairwise_auroc(u, wrong):
    """Float64 reference: over all (error, correct) pairs, 1 if the error is less certain, ½ on ties."""
    total, pairs = 0.0, 0
    for ue, we in zip(u, wrong):
        for uc, wc in zip(u, wrong):
            if we and not wc:
                total += 1.0 if ue > uc else 0.5 if ue == uc else 0.0
                pairs += 1
    return total / pairs


def test_auroc_hand_cases():
    labels = [0, 1, 2, 0]
    preds = [0, 1, 0, 1]  # examples 2 and 3 are wrong
    assert error_detection_auroc([0.1, 0.2, 0.8, 0.9], preds, labels) == 1.0  # errors least certain
    assert error_detection_auroc([0.8, 0.9, 0.1, 0.2], preds, labels) == 0.0
    # Pairs (error, correct): (0.5 vs 0.1) 1, (0.5 vs 0.5) ½, (0.3 vs 0.1) 1, (0.3 vs 0.5) 0 → 2.5 / 4.
    assert error_detection_auroc([0.1, 0.5, 0.5, 0.3], preds, labels) == pytest.approx(0.625)
    assert error_detection_auroc([0.3] * 4, preds, labels) == 0.5
    assert math.isnan(error_detection_auroc([0.1, 0.2], [0, 1], [0, 1]))  # no errors


def test_auroc_takes_probabilities_and_matches_pairwise_reference_and_sklearn():
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(4), size=200)
    labels = rng.integers(0, 4, size=200)
    u = np.round(rng.uniform(size=200), 1)  # rounding makes many ties
    wrong = probs.argmax(1) != labels
    got = error_detection_auroc(u, probs, labels)
    assert got == pytest.approx(pairwise_auroc(u.tolist(), wrong.tolist()), rel=1e-12)
    metrics = pytest.importorskip("sklearn.metrics")
    assert got == pytest.approx(metrics.roc_auc_score(wrong, u), rel=1e-12)


def test_selective_accuracy_hand_cases():
    # u ascending: 0.1 right, 0.2 right, 0.3 wrong, 0.4 right, 0.5 wrong, ... 10 examples.
    u = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    right = [1, 1, 0, 1, 0, 1, 1, 0, 0, 0]
    preds = [0] * 10
    labels = [0 if r else 1 for r in right]
    assert selective_accuracy(u, preds, labels, 0.5) == pytest.approx(3 / 5)  # keep 5: 1 1 0 1 0
    assert selective_accuracy(u, preds, labels, 0.8) == pytest.approx(5 / 8)
    assert selective_accuracy(u, preds, labels, 1.0) == pytest.approx(5 / 10)
    assert selective_accuracy(u, preds, labels, 0.05) == 1.0  # ceil(0.5) = 1 kept: the most certain
    # Shuffling the examples changes nothing.
    perm = np.random.default_rng(0).permutation(10)
    shuffled = [np.asarray(x)[perm] for x in (u, preds, labels)]
    assert selective_accuracy(*shuffled, 0.5) == pytest.approx(3 / 5)


def test_selective_accuracy_ties_at_the_cut_count_as_a_random_tie_break():
    # Keep 2 of 4. u = [0.1, 0.5, 0.5, 0.5]: the 0.1 one (right) is in; one slot for three tied
    # examples (right, wrong, wrong) → expected 1/3 → (1 + 1/3) / 2.
    u = [0.1, 0.5, 0.5, 0.5]
    preds, labels = [0, 0, 0, 0], [0, 0, 1, 1]
    assert selective_accuracy(u, preds, labels, 0.5) == pytest.approx((1 + 1 / 3) / 2)
    # Constant u: the plain accuracy at every coverage.
    for cov in (0.25, 0.5, 0.8, 1.0):
        assert selective_accuracy([0.7] * 4, preds, labels, cov) == pytest.approx(0.5)


def test_report_and_bad_input():
    # Right, wrong, right, wrong with u 0.1, 0.9, 0.2, 0.8: coverage 0.5 keeps the two right ones;
    # 0.8 keeps ceil(3.2) = 4, all of them.
    report = uncertainty_report([0.1, 0.9, 0.2, 0.8], [0, 1, 1, 0], [0, 0, 1, 1])
    assert report == {"error_auroc": 1.0, "selective_accuracy": {"0.5": 1.0, "0.8": 0.5},
                      "mean_uncertainty": pytest.approx(0.5)}
    with pytest.raises(ValueError, match="3 uncertainties for 4 predictions"):
        error_detection_auroc([0.1, 0.2, 0.3], [0, 1, 1, 0], [0, 0, 1, 1])
    with pytest.raises(ValueError, match="coverage"):
        selective_accuracy([0.1], [0], [0], 0.0)
    with pytest.raises(ValueError, match="non-finite"):
        error_detection_auroc([float("nan"), 0.1], [0, 1], [0, 0])


def test_disagreement_auroc_ranks_u_against_the_members_unanimity():
    from ws2s.metrics.uncertainty import disagreement_auroc, member_disagreement
    a, b, c = [1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]
    members = np.array([[a, a, a], [a, b, a], [a, b, c], [b, b, b]])  # d = 0, 1/3, 2/3, 0
    assert np.allclose(member_disagreement(members), [0, 1 / 3, 2 / 3, 0])
    # positives (not unanimous): rows 1, 2. u ranks them above both negatives → 1; pairs (1,0),(1,3),(2,0),(2,3).
    assert disagreement_auroc([0.1, 0.5, 0.9, 0.2], members) == 1.0
    # row 1's u ties row 3's and is below row 0's: wins 2 (row 2) + 0 + ½ (tie) of 4 pairs.
    assert disagreement_auroc([0.3, 0.2, 0.9, 0.2], members) == pytest.approx((2 + 0.5) / 4)
    assert math.isnan(disagreement_auroc([0.1, 0.2], np.array([[a, a], [b, b]])))  # always unanimous
    with pytest.raises(ValueError, match="same examples"):
        disagreement_auroc([0.1, 0.2, 0.3], members)
