"""DPO and conservative DPO against hand values and an independent float64 formula."""

import math

import pytest
import torch

from ws2s.losses import dpo


def log_sigmoid(x):
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def dpo_loop(pc, pr, rc, rr, beta, eps):
    """Independent float64 DPO/cDPO: per pair, plain math; TRL's reward statistics. eps: a number or one per pair."""
    losses, chosen, rejected = [], [], []
    eps = eps if isinstance(eps, list) else [eps] * len(pc)
    for a, b, c, d, e in zip(pc, pr, rc, rr, eps):
        h = (a - b) - (c - d)
        losses.append(-(1 - e) * log_sigmoid(beta * h) - e * log_sigmoid(-beta * h))
        chosen.append(beta * (a - c))
        rejected.append(beta * (b - d))
    n = len(losses)
    return sum(losses) / n, {
        "rewards/chosen": sum(chosen) / n,
        "rewards/rejected": sum(rejected) / n,
        "rewards/margins": sum(x - y for x, y in zip(chosen, rejected)) / n,
        "rewards/accuracies": sum(x > y for x, y in zip(chosen, rejected)) / n,
    }


def test_dpo_matches_hand_values():
    # π_c = −1, π_r = −3, ref_c = ref_r = −2: h = (−1 + 3) − 0 = 2; β = 0.5 -> βh = 1.
    # DPO: −ln σ(1) = ln(1 + e^−1). cDPO ε = 0.1: 0.9 ln(1 + e^−1) + 0.1 ln(1 + e).
    # Rewards: chosen 0.5·(−1 + 2) = 0.5, rejected 0.5·(−3 + 2) = −0.5, margin 1, accuracy 1.
    args = [torch.tensor([x], dtype=torch.float64) for x in (-1.0, -3.0, -2.0, -2.0)]
    loss, stats = dpo(*args, beta=0.5)
    assert loss.item() == pytest.approx(math.log1p(math.exp(-1)), rel=1e-12)
    assert stats == {"rewards/chosen": 0.5, "rewards/rejected": -0.5, "rewards/margins": 1.0, "rewards/accuracies": 1.0}
    closs, _ = dpo(*args, beta=0.5, label_smoothing=0.1)
    assert closs.item() == pytest.approx(0.9 * math.log1p(math.exp(-1)) + 0.1 * math.log1p(math.e), rel=1e-12)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_dpo_matches_float64_formula_and_reward_stats(eps):
    g = torch.Generator().manual_seed(int(eps * 10))
    pc, pr, rc, rr = (torch.randn(16, generator=g, dtype=torch.float64) * 20 - 30 for _ in range(4))
    loss, stats = dpo(pc, pr, rc, rr, beta=0.1, label_smoothing=eps)
    expected_loss, expected_stats = dpo_loop(pc.tolist(), pr.tolist(), rc.tolist(), rr.tolist(), 0.1, eps)
    assert loss.item() == pytest.approx(expected_loss, rel=1e-12)
    assert stats == pytest.approx(expected_stats, rel=1e-12)


def test_dpo_gradient_flows_to_the_policy_only_and_matches_its_closed_form():
    # d/dπ_c of −(1−ε) ln σ(βh) − ε ln σ(−βh) = −β(1−ε) σ(−βh) + βε σ(βh), divided by N (mean).
    pc = torch.tensor([-1.0, -4.0], dtype=torch.float64, requires_grad=True)
    pr = torch.tensor([-3.0, -2.0], dtype=torch.float64, requires_grad=True)
    rc, rr = torch.tensor([-2.0, -3.0], dtype=torch.float64), torch.tensor([-2.0, -2.5], dtype=torch.float64)
    beta, eps = 0.5, 0.2
    loss, _ = dpo(pc, pr, rc, rr, beta=beta, label_smoothing=eps)
    loss.backward()
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    for i in range(2):
        bh = beta * ((pc[i] - pr[i]) - (rc[i] - rr[i])).item()
        d = (-beta * (1 - eps) * sig(-bh) + beta * eps * sig(bh)) / 2
        assert pc.grad[i].item() == pytest.approx(d, rel=1e-12)
        assert pr.grad[i].item() == pytest.approx(-d, rel=1e-12)


def test_dpo_is_stable_for_large_log_prob_gaps():
    big = torch.tensor([-1.0, -5000.0], dtype=torch.float64)
    loss, _ = dpo(big, big.flip(0), torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64), beta=1.0)
    assert torch.isfinite(loss)


def test_dpo_rejects_label_smoothing_out_of_range():
    x = torch.zeros(1)
    with pytest.raises(ValueError, match="label_smoothing"):
        dpo(x, x, x, x, label_smoothing=0.5)


def test_per_pair_label_smoothing_matches_float64_formula_and_hand_values():
    # Hand: the pair of test_dpo_matches_hand_values (βh = 1) with ε = 0.25, and its mirror (βh = −1) with ε = 0:
    # mean of 0.75 ln(1 + e^−1) + 0.25 ln(1 + e) and ln(1 + e).
    pc = torch.tensor([-1.0, -3.0], dtype=torch.float64)
    pr = torch.tensor([-3.0, -1.0], dtype=torch.float64)
    ref = torch.full((2,), -2.0, dtype=torch.float64)
    loss, _ = dpo(pc, pr, ref, ref, beta=0.5, label_smoothing=torch.tensor([0.25, 0.0], dtype=torch.float64))
    hand = (0.75 * math.log1p(math.exp(-1)) + 0.25 * math.log1p(math.e) + math.log1p(math.e)) / 2
    assert loss.item() == pytest.approx(hand, rel=1e-12)
    g = torch.Generator().manual_seed(7)
    pc, pr, rc, rr = (torch.randn(32, generator=g, dtype=torch.float64) * 20 - 30 for _ in range(4))
    eps = torch.rand(32, generator=g, dtype=torch.float64) * 0.49
    pc.requires_grad_(True)
    loss, stats = dpo(pc, pr, rc, rr, beta=0.1, label_smoothing=eps)
    expected_loss, expected_stats = dpo_loop(pc.tolist(), pr.tolist(), rc.tolist(), rr.tolist(), 0.1, eps.tolist())
    assert loss.item() == pytest.approx(expected_loss, rel=1e-12)
    assert stats == pytest.approx(expected_stats, rel=1e-12)
    loss.backward()  # d/dπ_c per pair: (−β(1 − ε_i) σ(−βh_i) + β ε_i σ(βh_i)) / N
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    for i in range(32):
        bh = 0.1 * ((pc[i] - pr[i]) - (rc[i] - rr[i])).item()
        e = eps[i].item()
        assert pc.grad[i].item() == pytest.approx((-0.1 * (1 - e) * sig(-bh) + 0.1 * e * sig(bh)) / 32, rel=1e-10)


def test_per_pair_label_smoothing_equal_to_a_number_gives_the_same_loss():
    g = torch.Generator().manual_seed(3)
    pc, pr, rc, rr = (torch.randn(8, generator=g, dtype=torch.float64) for _ in range(4))
    a, _ = dpo(pc, pr, rc, rr, beta=0.3, label_smoothing=0.2)
    b, _ = dpo(pc, pr, rc, rr, beta=0.3, label_smoothing=torch.full((8,), 0.2, dtype=torch.float64))
    assert a.item() == pytest.approx(b.item(), rel=1e-14)


def test_per_pair_label_smoothing_rejects_bad_values_and_shapes():
    x = torch.zeros(3)
    with pytest.raises(ValueError, match="label_smoothing"):
        dpo(x, x, x, x, label_smoothing=torch.tensor([0.1, 0.6, 0.0]))
    with pytest.raises(ValueError, match="one ε per pair"):
        dpo(x, x, x, x, label_smoothing=torch.tensor([0.1, 0.1]))
