"""Dawid–Skene EM: recovers annotators' confusion matrices and priors without gold."""

import numpy as np
import pytest
import torch

from ws2s.aggregate import dawid_skene, majority_vote


def confusion(accuracy, c, rng, skew=0.0):
    """A C×C confusion matrix with ``accuracy`` on the diagonal, the rest spread unevenly."""
    m = np.zeros((c, c))
    for true in range(c):
        off = rng.dirichlet(np.ones(c - 1) * (1.0 if skew == 0 else skew))
        m[true, [d for d in range(c) if d != true]] = (1 - accuracy) * off
        m[true, true] = accuracy
    return m


def annotate(truth, confusions, rng):
    """Labels [N, K]: annotator k labels item i by sampling row truth_i of confusions[k]."""
    n, k = len(truth), len(confusions)
    out = np.empty((n, k), dtype=np.int64)
    for j, m in enumerate(confusions):
        cdf = m.cumsum(1)[truth]  # [N, C]
        out[:, j] = (rng.uniform(size=(n, 1)) > cdf).sum(1)
    return out.clip(max=confusions[0].shape[0] - 1)


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(42)
    c = 3
    priors = np.array([0.5, 0.3, 0.2])
    truth = rng.choice(c, size=3000, p=priors)
    confs = [confusion(a, c, rng) for a in (0.9, 0.8, 0.6, 0.5, 0.45)]
    return truth, annotate(truth, confs, rng), np.stack(confs), priors


def test_recovers_confusion_matrices_and_priors_within_005(synthetic):
    truth, labels, confs, priors = synthetic
    fit = dawid_skene(labels, num_classes=3)
    assert fit.converged
    assert np.abs(fit.confusions.numpy() - confs).max() < 0.05
    assert np.abs(fit.priors.numpy() - priors).max() < 0.05
    assert torch.allclose(fit.posteriors.sum(1), torch.ones(3000, dtype=torch.float64))
    assert torch.allclose(fit.confusions.sum(-1), torch.ones(5, 3, dtype=torch.float64))
    # Estimated accuracies follow the true ones; weights favour the better annotators and sum to 1.
    true_acc = (priors[:, None] * np.stack([np.diag(m) for m in confs]).T).sum(0)
    assert np.abs(fit.accuracy.numpy() - true_acc).max() < 0.05
    assert fit.weights.sum().item() == pytest.approx(1.0)
    assert (np.diff(fit.weights.numpy()) < 0).all()


def test_posterior_beats_majority_vote_when_annotators_differ_in_quality(synthetic):
    truth, labels, _, _ = synthetic
    fit = dawid_skene(labels, num_classes=3)
    votes = majority_vote(labels, 3).numpy()
    # Majority vote with ties broken at random (seeded), so it is not favoured by class order.
    rng = np.random.default_rng(0)
    mv = (votes + 1e-9 * rng.uniform(size=votes.shape)).argmax(1)
    ds_acc = (fit.posteriors.argmax(1).numpy() == truth).mean()
    mv_acc = (mv == truth).mean()
    assert ds_acc > mv_acc + 0.03
    assert ds_acc > (labels[:, 0] == truth).mean()  # better than the best annotator alone


def test_accepts_member_probabilities_and_hand_case():
    # Two members who always agree: the posterior follows them, each has estimated accuracy ≈ 1.
    probs = torch.tensor([[[0.9, 0.1], [0.8, 0.2]], [[0.3, 0.7], [0.1, 0.9]], [[0.6, 0.4], [0.7, 0.3]]])
    fit = dawid_skene(probs)
    assert fit.posteriors.argmax(1).tolist() == [0, 1, 0]
    assert fit.priors.tolist() == pytest.approx([2 / 3, 1 / 3], abs=0.01)
    assert fit.accuracy.tolist() == pytest.approx([1.0, 1.0], abs=0.02)
    assert majority_vote(probs).tolist() == [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]


def test_member_at_chance_gets_no_weight():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, size=2000)
    good = [confusion(0.9, 2, rng), confusion(0.85, 2, rng), confusion(0.8, 2, rng)]
    coin = np.full((2, 2), 0.5)
    fit = dawid_skene(annotate(truth, good + [coin], rng), num_classes=2)
    assert fit.weights[3].item() < 0.03
    assert fit.weights[:3].sum().item() > 0.97


def test_bad_input_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="at least 2 weak members"):
        dawid_skene(np.zeros((10, 1), dtype=np.int64))
    with pytest.raises(ValueError, match="at least 2 weak members"):
        dawid_skene(torch.rand(10, 1, 3))
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\)"):
        dawid_skene(np.array([[0, 3], [1, 1]]), num_classes=3)
    with pytest.raises(ValueError, match="shape"):
        dawid_skene(np.zeros(5, dtype=np.int64))
