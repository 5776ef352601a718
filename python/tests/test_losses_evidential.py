"""Evidential (Dirichlet) loss, its KL regulariser, self-training variant and uncertainty."""

import math

import pytest
import torch
from torch.distributions import Dirichlet, kl_divergence

from ws2s.losses import dirichlet_kl_to_uniform, dirichlet_uncertainty, edl, edl_self, linear_ramp
from ws2s.losses.evidential import MAX_KL_LOG_ALPHA


def digamma(x):
    """ψ(x) for x > 0: recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 20, then the asymptotic series."""
    acc = 0.0
    while x < 20:
        acc -= 1 / x
        x += 1
    inv2 = 1 / (x * x)
    return acc + math.log(x) - 0.5 / x - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 / 252))


EVIDENCE_64 = {
    "exp": math.exp,
    "softplus": lambda z: math.log1p(math.exp(z)) if z < 30 else z + math.log1p(math.exp(-z)),
    "relu": lambda z: max(z, 0.0),
}


def kl_loop(alpha):
    """KL(Dir(α) ‖ Dir(1)) for one row, float64 scalars."""
    s = sum(alpha)
    return (
        math.lgamma(s)
        - math.lgamma(len(alpha))
        - sum(math.lgamma(a) for a in alpha)
        + sum((a - 1) * (digamma(a) - digamma(s)) for a in alpha)
    )


def edl_loop(logits, target, progress, kl_coef, evidence="exp", anneal_frac=1.0):
    """Independent float64 evidential loss: explicit per-row, per-class loops."""
    weight = kl_coef * min(1.0, progress / anneal_frac)
    total = 0.0
    for z_row, q_row in zip(logits, target):
        alpha = [EVIDENCE_64[evidence](z) + 1 for z in z_row]
        s = sum(alpha)
        data = sum(q * (math.log(s) - math.log(a)) for q, a in zip(q_row, alpha))
        label = list(q_row).index(max(q_row))  # Sensoy's α̃: only the non-target classes keep evidence
        alpha_tilde = [1.0 if c == label else a for c, a in enumerate(alpha)]
        total += data + weight * kl_loop(alpha_tilde)
    return total / len(logits)


def test_digamma_helper_is_accurate():
    # ψ(1) = −γ, ψ(4) = 1 + ½ + ⅓ − γ.
    gamma = 0.5772156649015329
    assert digamma(1.0) == pytest.approx(-gamma, abs=1e-12)
    assert digamma(4.0) == pytest.approx(11 / 6 - gamma, abs=1e-12)


def test_edl_matches_hand_values():
    # z = [0, ln 2], exp evidence: e = [1, 2], α = [2, 3], S = 5. Target q = [1, 0].
    # Data: ln S − ln α_0 = ln 5 − ln 2 = ln 2.5.
    # α̃ = (α − 1)(1 − q) + 1 = [1, 3]; KL(Dir(1, 3) ‖ Dir(1, 1)) = lnΓ(4) − lnΓ(2) − lnΓ(1) − lnΓ(3)
    #    + 0·(…) + 2·(ψ(3) − ψ(4)) = ln 6 − ln 2 − 2/3 = ln 3 − 2/3.
    # progress 0.5, kl_coef 0.1, anneal over all training: weight 0.1 · 0.5 = 0.05.
    logits = torch.tensor([[0.0, math.log(2)]], dtype=torch.float64)
    target = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    expected = math.log(2.5) + 0.05 * (math.log(3) - 2 / 3)
    assert edl(logits, target, progress=0.5, kl_coef=0.1).item() == pytest.approx(expected, rel=1e-12)


def test_dirichlet_kl_matches_hand_value_and_torch_distributions():
    # Beta(1, 3) against uniform: ln 3 + 2·E[ln(1 − x)] = ln 3 + 2(ψ(3) − ψ(4)) = ln 3 − 2/3.
    assert dirichlet_kl_to_uniform(torch.tensor([[1.0, 3.0]], dtype=torch.float64)).item() == pytest.approx(
        math.log(3) - 2 / 3, rel=1e-12
    )
    g = torch.Generator().manual_seed(0)
    alpha = torch.rand(6, 5, generator=g, dtype=torch.float64) * 20 + 0.05
    ours = dirichlet_kl_to_uniform(alpha)
    reference = kl_divergence(Dirichlet(alpha), Dirichlet(torch.ones_like(alpha)))
    assert torch.allclose(ours, reference, rtol=1e-10)
    assert ours.tolist() == pytest.approx([kl_loop(row) for row in alpha.tolist()], rel=1e-9)


def test_dirichlet_kl_gradient_matches_autograd_of_torch_distributions():
    g = torch.Generator().manual_seed(7)
    alpha = (torch.rand(3, 6, generator=g, dtype=torch.float64) * 50 + 0.1).requires_grad_()
    (ours,) = torch.autograd.grad(dirichlet_kl_to_uniform(alpha).sum(), alpha)
    ref = kl_divergence(Dirichlet(alpha), Dirichlet(torch.ones_like(alpha))).sum()
    (expected,) = torch.autograd.grad(ref, alpha)
    assert torch.allclose(ours, expected, rtol=1e-8, atol=1e-9)
    assert torch.autograd.gradcheck(dirichlet_kl_to_uniform, (alpha.detach()[:1].requires_grad_(),))


def test_dirichlet_kl_keeps_float32_precision_for_large_alpha_over_many_classes():
    # The textbook form cancels terms of size S ln S (here ~1e10); the rearranged one keeps float32 close.
    g = torch.Generator().manual_seed(8)
    alpha = torch.exp(torch.rand(2, 2000, generator=g, dtype=torch.float64) * 16) + 1
    expected = torch.tensor([kl_loop(row) for row in alpha.tolist()], dtype=torch.float64)
    assert torch.allclose(dirichlet_kl_to_uniform(alpha.float()).double(), expected, rtol=1e-5)
    a32 = alpha.float().requires_grad_()
    a64 = alpha.clone().requires_grad_()
    (g32,) = torch.autograd.grad(dirichlet_kl_to_uniform(a32).sum(), a32)
    ref = kl_divergence(Dirichlet(a64), Dirichlet(torch.ones_like(a64))).sum()
    (g64,) = torch.autograd.grad(ref, a64)
    # No evidence over a 30k vocabulary: KL = 0 exactly, and float32 must not drift from it.
    assert dirichlet_kl_to_uniform(torch.ones(1, 30_000)).abs().item() < 1e-4
    # The quantity that reaches the logits is ∂KL/∂α · α (exp evidence): compare that.
    assert torch.allclose((g32.double() * alpha), g64 * alpha, rtol=1e-4, atol=1e-4)


def test_kl_term_saturates_evidence_above_the_clamp_but_the_data_term_does_not():
    target = torch.tensor([[1.0, 0.0, 0.0]], dtype=torch.float64)
    kl_only = lambda z: edl(z, target, 1.0, kl_coef=1.0) - edl(z, target, 0.0)  # noqa: E731
    at_cap = torch.tensor([[0.0, MAX_KL_LOG_ALPHA, 0.0]], dtype=torch.float64)
    beyond = torch.tensor([[0.0, MAX_KL_LOG_ALPHA + 5, 0.0]], dtype=torch.float64)
    assert kl_only(beyond).item() == pytest.approx(kl_only(at_cap).item(), rel=1e-6)
    assert edl(beyond, target, 0.0).item() > edl(at_cap, target, 0.0).item() + 4.9


@pytest.mark.parametrize("evidence", ["exp", "softplus", "relu"])
@pytest.mark.parametrize("progress", [0.0, 0.3, 1.0])
def test_edl_matches_float64_loop(evidence, progress):
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(5, 6, generator=g, dtype=torch.float64) * 3
    target = torch.softmax(torch.randn(5, 6, generator=g, dtype=torch.float64) * 2, -1)
    got = edl(logits, target, progress, kl_coef=0.2, evidence=evidence, anneal_frac=0.5)
    expected = edl_loop(logits.tolist(), target.tolist(), progress, 0.2, evidence, anneal_frac=0.5)
    assert got.item() == pytest.approx(expected, rel=1e-9)


def test_edl_float32_agrees_with_float64_loop():
    g = torch.Generator().manual_seed(4)
    logits = torch.randn(4, 10, generator=g) * 5
    target = torch.softmax(torch.randn(4, 10, generator=g), -1)
    expected = edl_loop(logits.double().tolist(), target.double().tolist(), 0.4, 0.01)
    assert edl(logits, target, 0.4).item() == pytest.approx(expected, rel=1e-5)


def test_edl_is_stable_for_extreme_logits_over_a_30k_vocabulary():
    g = torch.Generator().manual_seed(5)
    vocab = 30_000
    logits = (torch.randn(3, vocab, generator=g) * 5).clamp(-79, 79)
    logits[:, :50] = 80.0
    logits[:, 50:100] = -80.0
    logits.requires_grad_()
    target = torch.zeros(3, vocab)
    target[:, 0] = 0.7
    target[:, 60] = 0.3
    for evidence in ("exp", "softplus", "relu"):
        loss = edl(logits, target, progress=1.0, kl_coef=1e-4, evidence=evidence)
        (grad,) = torch.autograd.grad(loss, logits)
        assert torch.isfinite(loss), evidence
        assert torch.isfinite(grad).all(), evidence
    # The data term alone (no KL) agrees with the float64 closed form: ln S − Σ q ln α.
    data = edl(logits, target, progress=0.0)
    z = logits.detach().double()
    log_alpha = torch.log1p(torch.exp(z))
    expected = (torch.log(torch.exp(log_alpha).sum(-1)) - (target.double() * log_alpha).sum(-1)).mean()
    assert data.item() == pytest.approx(expected.item(), rel=1e-5)


def test_kl_weight_anneals_with_progress():
    logits, target = torch.randn(3, 4, dtype=torch.float64), torch.softmax(torch.randn(3, 4, dtype=torch.float64), -1)
    data = edl(logits, target, 0.0, kl_coef=1.0).item()
    kl_half = edl(logits, target, 0.25, kl_coef=1.0, anneal_frac=0.5).item() - data
    kl_full = edl(logits, target, 0.5, kl_coef=1.0, anneal_frac=0.5).item() - data
    kl_late = edl(logits, target, 0.9, kl_coef=1.0, anneal_frac=0.5).item() - data
    assert kl_half == pytest.approx(kl_full / 2, rel=1e-9)
    assert kl_late == pytest.approx(kl_full, rel=1e-9)


def test_edl_self_uses_the_students_argmax_without_gradient():
    g = torch.Generator().manual_seed(6)
    logits = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
    q = torch.softmax(torch.randn(4, 3, generator=g, dtype=torch.float64), -1)
    a = linear_ramp(0.1, 0.5, 0.2)  # 0.25
    own = torch.nn.functional.one_hot(logits.detach().argmax(-1), 3).double()
    fixed_target = (1 - a) * q + a * own
    loss = edl_self(logits, q, 0.1, kl_coef=0.3)
    (grad,) = torch.autograd.grad(loss, logits)
    ref_logits = logits.detach().clone().requires_grad_()
    ref = edl(ref_logits, fixed_target, 0.1, kl_coef=0.3)
    (ref_grad,) = torch.autograd.grad(ref, ref_logits)
    assert loss.item() == pytest.approx(edl_loop(logits.tolist(), fixed_target.tolist(), 0.1, 0.3), rel=1e-9)
    assert torch.allclose(grad, ref_grad, atol=1e-12)


def test_dirichlet_uncertainty_matches_hand_values():
    # z = [0, ln 2]: α = [2, 3], S = 5 -> expected probs [0.4, 0.6], u = C / S = 2/5.
    pred = dirichlet_uncertainty(torch.tensor([[0.0, math.log(2)]], dtype=torch.float64))
    assert pred.probs.tolist()[0] == pytest.approx([0.4, 0.6], rel=1e-12)
    assert pred.uncertainty.item() == pytest.approx(0.4, rel=1e-12)
    # No evidence at all (relu of negative logits): α = 1, u = 1, uniform probs.
    flat = dirichlet_uncertainty(torch.full((1, 4), -3.0), evidence="relu")
    assert flat.uncertainty.item() == pytest.approx(1.0)
    assert flat.probs.tolist()[0] == pytest.approx([0.25] * 4)


def test_unknown_evidence_lists_valid_names():
    with pytest.raises(ValueError, match="valid: exp, relu, softplus"):
        edl(torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]), 0.5, evidence="square")


def test_kl_removes_only_the_non_target_evidence_of_a_soft_target():
    # Sensoy et al.: α̃ = y + (1 − y) ⊙ α, y the one-hot label. With a soft target q = (0.7, 0.3) the
    # label is class 0: α̃ = (1, α_1); the old (α − 1)(1 − q) + 1 also shrank class 1's evidence by 0.3 and
    # kept 0.3 of class 0's.
    z = torch.tensor([[1.0, 0.5]], dtype=torch.float64)
    q = torch.tensor([[0.7, 0.3]], dtype=torch.float64)
    alpha = [math.exp(1.0) + 1, math.exp(0.5) + 1]
    data = sum(qc * (math.log(sum(alpha)) - math.log(a)) for qc, a in zip([0.7, 0.3], alpha))
    expected = data + 0.5 * kl_loop([1.0, alpha[1]])
    got = edl(z, q, 1.0, kl_coef=0.5, anneal_frac=1.0).item()
    assert got == pytest.approx(expected, rel=1e-10)
    # Adding evidence to the label's class leaves the KL term unchanged.
    z2 = z.clone()
    z2[0, 0] += 3.0
    kl_of = lambda logits: edl(logits, q, 1.0, kl_coef=1.0).item() - edl(logits, q, 1.0, kl_coef=0.0).item()
    assert kl_of(z2) == pytest.approx(kl_of(z), abs=1e-12)
