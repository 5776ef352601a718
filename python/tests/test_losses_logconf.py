"""Burns et al.'s auxiliary confidence loss: linear ramp, prior-matched hardening, no gradient through ŷ."""

import math

import numpy as np
import pytest
import torch

from ws2s.losses import class_counts, linear_ramp, logconf, prior_matched_labels, xent


def binary_logits(p1):
    """Logits [0, logit(p1)] so that softmax gives exactly [1 − p1, p1]."""
    return torch.tensor([[0.0, math.log(p / (1 - p))] for p in p1], dtype=torch.float64)


@pytest.mark.parametrize(
    ("progress", "expected"),
    [(0.0, 0.0), (0.1, 0.25), (0.2, 0.5), (0.5, 0.5), (1.0, 0.5)],
)
def test_ramp_rises_linearly_to_aux_coef_then_stays(progress, expected):
    # aux_coef 0.5 reached at warmup_frac 0.2: slope 0.5 / 0.2 = 2.5 per unit progress.
    assert linear_ramp(progress, 0.5, 0.2) == pytest.approx(expected)


def test_ramp_has_no_jump_at_the_end_of_warmup():
    before, at, after = (linear_ramp(t, 0.5, 0.2) for t in (0.2 - 1e-6, 0.2, 0.2 + 1e-6))
    assert at - before == pytest.approx(2.5e-6, abs=1e-9)
    assert after == at


def test_ramp_rejects_progress_outside_unit_interval():
    with pytest.raises(ValueError, match="progress"):
        linear_ramp(1.5, 0.5, 0.2)


def test_class_counts_round_to_the_batch_size():
    assert class_counts(torch.tensor([0.5, 0.5]), 4) == [2, 2]
    # 5 · [0.3, 0.3, 0.4] = [1.5, 1.5, 2.0]: one of the two 0.5 remainders rounds up (the first).
    assert class_counts(torch.tensor([0.3, 0.3, 0.4]), 5) == [2, 1, 2]


def test_binary_hardening_is_the_quantile_threshold_of_burns():
    rng = np.random.default_rng(0)
    for n, n1 in [(20, 5), (40, 30), (16, 8)]:
        p1 = rng.uniform(0.01, 0.99, size=n)
        prior = torch.tensor([1 - n1 / n, n1 / n])
        # Burns et al.: threshold at the (1 − prior_1) quantile of p1; above it is class 1.
        threshold = np.quantile(p1, 1 - n1 / n)
        expected = (p1 > threshold).astype(np.int64)
        got = prior_matched_labels(torch.tensor(np.stack([1 - p1, p1], 1)), prior).numpy()
        assert expected.sum() == n1
        assert (got == expected).all()


def test_multiclass_hardening_reproduces_the_weak_class_balance():
    g = torch.Generator().manual_seed(3)
    probs = torch.softmax(torch.randn(30, 4, generator=g) * 2, -1)
    prior = torch.tensor([0.1, 0.2, 0.3, 0.4])
    labels = prior_matched_labels(probs, prior)
    assert torch.bincount(labels, minlength=4).tolist() == [3, 6, 9, 12]


def test_multiclass_hardening_keeps_argmax_when_it_already_matches_and_moves_the_least_sure():
    probs = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.45, 0.4, 0.15]])
    # Argmax [0, 1, 2, 0] already has the counts of prior [½, ¼, ¼].
    assert prior_matched_labels(probs, torch.tensor([0.5, 0.25, 0.25])).tolist() == [0, 1, 2, 0]
    # Prior [¼, ½, ¼]: one class-0 example must move to class 1 — the one where class 1 is closest
    # to winning: row 3 (log 0.4 − log 0.45 = −0.12) beats row 0 (log 0.2 − log 0.7 = −1.25).
    assert prior_matched_labels(probs, torch.tensor([0.25, 0.5, 0.25])).tolist() == [0, 1, 2, 1]


def test_logconf_matches_hand_values():
    # p1 = [0.9, 0.6, 0.3, 0.2]; weak q1 = [1, 0, ½, ½] has mean ½ -> two hardened 1s: rows 0 and 1.
    # progress 0.1 -> a = 0.25; target t = 0.75 q + 0.25 ŷ:
    #   row 0: q=[0,1],  ŷ=[0,1] -> t=[0, 1]          CE = −ln 0.9
    #   row 1: q=[1,0],  ŷ=[0,1] -> t=[0.75, 0.25]    CE = −(0.75 ln 0.4 + 0.25 ln 0.6)
    #   row 2: q=[½,½],  ŷ=[1,0] -> t=[0.625, 0.375]  CE = −(0.625 ln 0.7 + 0.375 ln 0.3)
    #   row 3: q=[½,½],  ŷ=[1,0] -> t=[0.625, 0.375]  CE = −(0.625 ln 0.8 + 0.375 ln 0.2)
    logits = binary_logits([0.9, 0.6, 0.3, 0.2])
    q = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.5, 0.5]], dtype=torch.float64)
    rows = [
        -math.log(0.9),
        -(0.75 * math.log(0.4) + 0.25 * math.log(0.6)),
        -(0.625 * math.log(0.7) + 0.375 * math.log(0.3)),
        -(0.625 * math.log(0.8) + 0.375 * math.log(0.2)),
    ]
    assert logconf(logits, q, progress=0.1).item() == pytest.approx(sum(rows) / 4, rel=1e-12)


def test_logconf_matches_float64_loop_with_quantile_threshold():
    rng = np.random.default_rng(1)
    p1 = rng.uniform(0.05, 0.95, size=12)
    q1 = np.array([1.0] * 3 + [0.0] * 9)  # weak mean 0.25 -> 3 hardened 1s
    a = linear_ramp(0.7, 0.4, 0.2)
    threshold = np.quantile(p1, 0.75)
    total = 0.0
    for p, qq in zip(p1, q1):
        hard = 1.0 if p > threshold else 0.0
        t1 = (1 - a) * qq + a * hard
        total += -(t1 * math.log(p) + (1 - t1) * math.log(1 - p))
    q = torch.tensor(np.stack([1 - q1, q1], 1))
    got = logconf(binary_logits(p1.tolist()), q, progress=0.7, aux_coef=0.4)
    assert got.item() == pytest.approx(total / 12, rel=1e-10)


def test_logconf_is_plain_xent_at_progress_zero():
    logits, q = torch.randn(5, 3), torch.softmax(torch.randn(5, 3), -1)
    assert logconf(logits, q, progress=0.0).item() == pytest.approx(xent(logits, q).item())


def test_hardened_target_carries_no_gradient():
    # If ŷ is a constant, d loss / d z = (softmax(z) − t) / N with t = (1 − a) q + a ŷ.
    logits = binary_logits([0.9, 0.6, 0.3, 0.2]).requires_grad_()
    q = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.5, 0.5]], dtype=torch.float64)
    logconf(logits, q, progress=0.1).backward()
    hard = torch.tensor([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    t = 0.75 * q + 0.25 * hard
    expected = (torch.softmax(logits.detach(), -1) - t) / 4
    assert torch.allclose(logits.grad, expected, atol=1e-12)
    assert not prior_matched_labels(torch.softmax(logits, -1), q.mean(0)).requires_grad
