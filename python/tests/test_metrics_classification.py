"""accuracy, AUROC (with ties) and ECE against hand values and independent implementations."""

import numpy as np
import pytest
import torch

from ws2s.metrics import METRICS, accuracy, agreement_split, auroc, ece
from ws2s.metrics.classification import average_ranks


def pairwise_auroc(scores, positive):
    """Independent AUROC: count positive/negative pairs, a tie counts ½."""
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def test_accuracy_from_probabilities_indices_and_p1():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert accuracy(probs, [0, 1, 1]) == pytest.approx(2 / 3)
    assert accuracy(torch.tensor([2, 0, 1]), torch.tensor([2, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(np.array([0.7, 0.2, 0.5]), [1, 0, 0]) == pytest.approx(2 / 3)  # 0.5 -> class 1


def test_accuracy_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same examples"):
        accuracy([0, 1], [0, 1, 1])


def test_average_ranks_share_ties():
    # sorted: 1 (rank 1), 2, 2 (ranks 2, 3 -> 2.5), 5 (rank 4)
    assert average_ranks(np.array([2.0, 5.0, 1.0, 2.0])).tolist() == [2.5, 4.0, 1.0, 2.5]


def test_auroc_with_ties_matches_hand_value():
    # Positives {0.4, 0.8, 0.4}, negatives {0.1, 0.4}: wins 0.4>0.1, 0.8>0.1, 0.8>0.4, 0.4>0.1 = 4,
    # ties 0.4=0.4 twice = 2 × ½ -> 5 / 6.
    assert auroc([0.1, 0.4, 0.4, 0.8, 0.4], [0, 0, 1, 1, 1]) == pytest.approx(5 / 6)


def test_auroc_matches_pairwise_count_on_heavily_tied_scores():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=60).astype(float)  # only 5 distinct values: many ties
    labels = rng.integers(0, 2, size=60)
    assert auroc(scores, labels) == pytest.approx(pairwise_auroc(scores, labels == 1), rel=1e-12)
    two_col = np.stack([-scores, scores], 1)
    assert auroc(torch.tensor(two_col), torch.tensor(labels)) == pytest.approx(auroc(scores, labels))


def test_multiclass_auroc_is_the_macro_one_vs_rest_mean():
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(3), size=40).round(1)  # rounding creates ties
    labels = rng.integers(0, 3, size=40)
    expected = np.mean([pairwise_auroc(probs[:, c], labels == c) for c in range(3)])
    assert auroc(probs, labels) == pytest.approx(expected, rel=1e-12)


def test_auroc_is_nan_when_one_class_is_missing():
    assert np.isnan(auroc([0.2, 0.3], [1, 1]))


def test_ece_matches_hand_value():
    # p1 = [0.9, 0.75, 0.3, 0.55], labels [1, 0, 0, 1]; 5 bins of width 0.2.
    # conf = [0.9, 0.75, 0.7, 0.55], preds [1, 1, 0, 1], correct [1, 0, 1, 1].
    # bin (0.8, 1]: {0.9}: |1 − 0.9| · ¼ = 0.025
    # bin (0.6, 0.8]: {0.75, 0.7}: acc ½, conf 0.725: |0.5 − 0.725| · ½ = 0.1125
    # bin (0.4, 0.6]: {0.55}: |1 − 0.55| · ¼ = 0.1125                         total 0.25
    assert ece(np.array([0.9, 0.75, 0.3, 0.55]), [1, 0, 0, 1], n_bins=5) == pytest.approx(0.25)


def test_ece_matches_loop_over_bins():
    rng = np.random.default_rng(2)
    probs = rng.dirichlet(np.ones(4) * 0.5, size=200)
    labels = rng.integers(0, 4, size=200)
    total = 0.0
    for b in range(15):
        lo, hi = b / 15, (b + 1) / 15
        members = [i for i in range(200) if lo < probs[i].max() <= hi]
        if members:
            acc = sum(probs[i].argmax() == labels[i] for i in members) / len(members)
            conf = sum(probs[i].max() for i in members) / len(members)
            total += len(members) / 200 * abs(acc - conf)
    assert ece(torch.tensor(probs), torch.tensor(labels)) == pytest.approx(total, rel=1e-12)


def test_metrics_accept_bf16_tensors():
    probs = torch.tensor([[0.9, 0.1], [0.25, 0.75]]).bfloat16()
    assert accuracy(probs, torch.tensor([0, 1])) == 1.0
    assert set(METRICS) == {"accuracy", "auroc", "ece"}


def test_agreement_split_by_weak_correctness():
    gold = [0, 0, 1, 1, 1, 0]
    weak = [0, 1, 1, 0, 1, 1]  # right on 0, 2, 4; wrong on 1, 3, 5
    student = [0, 0, 1, 0, 0, 1]  # agrees with weak on 0, 2 (right) and 3, 5 (wrong)
    out = agreement_split(student, weak, gold)
    assert out == {
        "agree_weak_right": pytest.approx(2 / 3),
        "agree_weak_wrong": pytest.approx(2 / 3),
        "agree_all": pytest.approx(4 / 6),
        "n_weak_right": 3,
        "n_weak_wrong": 3,
    }
    assert np.isnan(agreement_split([1], [1], [1])["agree_weak_wrong"])
