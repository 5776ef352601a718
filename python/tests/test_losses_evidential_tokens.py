"""Evidential generation loss with a learned precision: float64 loop reference, hand values, behaviour."""

import math

import pytest
import torch

from ws2s.losses.evidential_tokens import evidential_tokens, token_dirichlet, token_uncertainty, wrong_token_auroc


def digamma(x: float) -> float:
    """ψ(x) in float64 by recurrence up to x ≥ 10, then the asymptotic series."""
    acc = 0.0
    while x < 10:
        acc -= 1 / x
        x += 1
    r = 1 / (x * x)
    return acc + math.log(x) - 0.5 / x - r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r / 240)))


def loss_loop(z, q, g, progress, kl_coef, eps):
    """Per token: expected CE under Dir(α) + λ KL(Dir(α̃) ‖ Dir(1)) / (V − 1), textbook forms, plain floats."""
    total = 0.0
    for t, (zt, qt) in enumerate(zip(z, q)):
        v = len(zt)
        m = max(zt)
        lse = m + math.log(sum(math.exp(x - m) for x in zt))
        p = [math.exp(x - lse) for x in zt]
        gt = lse - math.log(v) if g is None else g[t]
        s = v * (1 + math.exp(gt))
        alpha = [s * ((1 - eps) * pv + eps / v) for pv in p]
        data = digamma(s) - sum(qv * digamma(a) for qv, a in zip(qt, alpha))
        at = [(1 - qv) * a + qv for qv, a in zip(qt, alpha)]
        st = sum(at)
        kl = math.lgamma(st) - math.lgamma(v) - sum(math.lgamma(a) for a in at) + sum((a - 1) * (digamma(a) - digamma(st)) for a in at)
        total += data + kl_coef * min(1.0, progress) * kl / (v - 1)
    return total / len(z)


@pytest.mark.parametrize("with_evidence", [False, True])
def test_matches_a_float64_loop(with_evidence):
    g = torch.Generator().manual_seed(1)
    z = torch.randn(6, 7, generator=g, dtype=torch.float64) * 3
    q = torch.softmax(torch.randn(6, 7, generator=g, dtype=torch.float64) * 2, -1)
    ev = torch.randn(6, generator=g, dtype=torch.float64) * 2 if with_evidence else None
    loss = evidential_tokens(z, q, 0.5, log_evidence=ev, kl_coef=0.3, smoothing=0.1)
    expected = loss_loop(z.tolist(), q.tolist(), None if ev is None else ev.tolist(), 0.5, 0.3, 0.1)
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_hand_value():
    # V = 2, p = (½, ½), g = 0 → S = 2·(1 + 1) = 4, α = (2, 2); one-hot target, no KL yet (progress 0):
    # ψ(4) − ψ(2) = (1 + ½ + ⅓ − γ) − (1 − γ) = 5/6.
    z = torch.zeros(1, 2, dtype=torch.float64)
    loss = evidential_tokens(z, torch.tensor([0]), 0.0, log_evidence=torch.zeros(1, dtype=torch.float64), smoothing=0.0)
    assert loss.item() == pytest.approx(5 / 6, rel=1e-12)
    log_alpha, log_s = token_dirichlet(z, torch.zeros(1, dtype=torch.float64), smoothing=0.0)
    assert log_alpha.exp()[0].tolist() == pytest.approx([2.0, 2.0]) and log_s.exp().item() == pytest.approx(4.0)


def test_uncertainty_varies_with_the_logits_scale_and_the_evidence():
    base = torch.randn(5, 50, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    u_flat, u_sharp = token_uncertainty(base * 0.1), token_uncertainty(base * 10)
    assert (u_sharp < u_flat).all() and u_flat.min() > 0.4 and u_sharp.max() < 0.1
    g = torch.tensor([-2.0, 0.0, 3.0], dtype=torch.float64)
    u = token_uncertainty(torch.zeros(3, 4, dtype=torch.float64), g)
    assert u.tolist() == pytest.approx([1 / (1 + math.exp(x)) for x in g.tolist()])  # u = σ(−g)
    assert u.std() > 0


def test_gradient_reaches_the_evidence_and_the_logits():
    z = torch.randn(4, 9, dtype=torch.float64, requires_grad=True)
    ev = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    evidential_tokens(z, torch.tensor([0, 1, 2, 3]), 1.0, log_evidence=ev, kl_coef=0.1).backward()
    assert ev.grad.abs().min() > 0 and z.grad.abs().sum() > 0


def test_raw_logits_carry_the_precision_through_their_level():
    # shifting all logits leaves p unchanged but moves S, so the loss differs; HF students learn S this way
    z = torch.randn(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    t = torch.tensor([0, 1, 2])
    assert evidential_tokens(z, t, 0.0).item() != pytest.approx(evidential_tokens(z + 4, t, 0.0).item())


def test_learned_uncertainty_is_higher_where_the_target_is_spread():
    # two tokens with free logits and evidence: one taught a one-hot target, one a 50/50 target
    torch.manual_seed(0)
    z = torch.zeros(2, 6, requires_grad=True)
    ev = torch.zeros(2, requires_grad=True)
    q = torch.tensor([[1.0, 0, 0, 0, 0, 0], [0.5, 0.5, 0, 0, 0, 0]])
    opt = torch.optim.Adam([z, ev], lr=0.05)
    for _ in range(400):
        opt.zero_grad()
        evidential_tokens(z, q, 1.0, log_evidence=ev, kl_coef=1.0).backward()
        opt.step()
    u = token_uncertainty(z.detach(), ev.detach())
    assert u[1] > 2 * u[0]


def test_wrong_token_auroc_by_hand():
    # wrong: u 0.9 and 0.2; right: 0.1 and 0.8 → 3 of 4 (wrong, right) pairs ordered correctly
    u = torch.tensor([0.9, 0.1, 0.8, 0.2])
    assert wrong_token_auroc(u, torch.tensor([5, 1, 2, 7]), torch.tensor([4, 1, 2, 3])) == 0.75
    assert math.isnan(wrong_token_auroc(torch.tensor([0.5, 0.4]), torch.tensor([1, 2]), torch.tensor([1, 2])))


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="smoothing"):
        evidential_tokens(torch.zeros(1, 3), torch.tensor([0]), 0.0, smoothing=1.0)
    with pytest.raises(ValueError, match="one per token"):
        evidential_tokens(torch.zeros(2, 3), torch.tensor([0, 1]), 0.0, log_evidence=torch.zeros(3))


def test_float32_stays_finite_for_huge_logits_and_a_large_vocabulary():
    z = (torch.randn(4, 30000, generator=torch.Generator().manual_seed(0)) * 100).requires_grad_(True)
    loss = evidential_tokens(z, torch.tensor([0, 1, 2, 3]), 1.0)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z.grad).all()
