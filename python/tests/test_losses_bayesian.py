"""Bayesian multi-weak losses (every member an observation) and the Sensoy KL annealing schedule."""

import math

import pytest
import torch

from ws2s.losses import edl
from ws2s.losses.anneal import anneal_frac, kl_schedule, sensoy_kl_weight
from ws2s.losses.bayesian import dirichlet_nll, edl_multi
from ws2s.losses.evidential import kl_weight

from test_losses_evidential import EVIDENCE_64, edl_loop, kl_loop


def edl_multi_loop(logits, targets, weights, progress, kl_coef, evidence="exp", anneal_frac_=1.0):
    """Float64 loop: per row Σ_k w_k [Σ_c q_kc (ln S − ln α_c) + λ KL(Dir(α̃_k) ‖ Dir(1))]."""
    lam = kl_coef * min(1.0, progress / anneal_frac_)
    total_w = sum(weights)
    total = 0.0
    for z_row, members in zip(logits, targets):
        alpha = [EVIDENCE_64[evidence](z) + 1 for z in z_row]
        s = sum(alpha)
        row = 0.0
        for w, q in zip(weights, members):
            data = sum(qc * (math.log(s) - math.log(a)) for qc, a in zip(q, alpha))
            label = list(q).index(max(q))
            tilde = [1.0 if c == label else a for c, a in enumerate(alpha)]
            row += w / total_w * (data + lam * kl_loop(tilde))
        total += row
    return total / len(logits)


def log_dirichlet_loop(p, alpha):
    """ln Dir(p | α) for one vector, float64 scalars."""
    return math.lgamma(sum(alpha)) - sum(math.lgamma(a) for a in alpha) + sum((a - 1) * math.log(x) for a, x in zip(alpha, p))


def dirichlet_nll_loop(logits, targets, weights, eps, evidence="exp"):
    total_w = sum(weights)
    total = 0.0
    for z_row, members in zip(logits, targets):
        alpha = [EVIDENCE_64[evidence](z) + 1 for z in z_row]
        c = len(alpha)
        for w, q in zip(weights, members):
            smoothed = [(1 - eps) * x + eps / c for x in q]
            total -= w / total_w * log_dirichlet_loop(smoothed, alpha)
    return total / len(logits)


def random_members(n, k, c, seed, scale=2.0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, c, generator=g, dtype=torch.float64) * 3
    targets = torch.softmax(torch.randn(n, k, c, generator=g, dtype=torch.float64) * scale, -1)
    return logits, targets


# --- edl_multi -------------------------------------------------------------------------------------


@pytest.mark.parametrize("evidence", ["exp", "softplus", "relu"])
@pytest.mark.parametrize("progress", [0.0, 0.4, 1.0])
def test_edl_multi_matches_float64_loop(evidence, progress):
    logits, targets = random_members(5, 3, 6, seed=1)
    weights = [0.2, 0.5, 0.3]
    got = edl_multi(logits, targets, progress, weights, kl_coef=0.3, evidence=evidence, anneal_frac=0.5)
    expected = edl_multi_loop(logits.tolist(), targets.tolist(), weights, progress, 0.3, evidence, 0.5)
    assert got.item() == pytest.approx(expected, rel=1e-9)


def test_edl_multi_normalises_the_weights():
    logits, targets = random_members(4, 2, 3, seed=2)
    a = edl_multi(logits, targets, 0.7, [1.0, 3.0], kl_coef=1.0)
    b = edl_multi(logits, targets, 0.7, [0.25, 0.75], kl_coef=1.0)
    assert a.item() == pytest.approx(b.item(), rel=1e-12)
    assert a.item() == pytest.approx(edl_multi_loop(logits.tolist(), targets.tolist(), [1.0, 3.0], 0.7, 1.0), rel=1e-9)


@pytest.mark.parametrize("evidence", ["exp", "softplus", "relu"])
def test_edl_multi_with_one_member_is_edl(evidence):
    logits, targets = random_members(6, 1, 5, seed=3)
    multi = edl_multi(logits, targets, 0.6, [1.0], kl_coef=0.5, evidence=evidence, anneal_frac=0.8)
    single = edl(logits, targets[:, 0], 0.6, kl_coef=0.5, evidence=evidence, anneal_frac=0.8)
    assert multi.item() == pytest.approx(single.item(), rel=1e-12)


def test_edl_multi_differs_from_edl_on_the_mean_only_through_the_kl_term():
    # Hand-checkable: two members vote for different classes; the data term is that of the mean label.
    logits, _ = random_members(3, 2, 4, seed=4)
    votes = torch.tensor([[0, 1], [2, 3], [1, 3]])
    hard = torch.nn.functional.one_hot(votes, 4).double()
    mean = hard.mean(1)
    assert edl_multi(logits, hard, 0.0, [1, 1]).item() == pytest.approx(edl(logits, mean, 0.0).item(), rel=1e-12)
    with_kl_multi = edl_multi(logits, hard, 1.0, [1, 1], kl_coef=1.0).item()
    with_kl_mean = edl(logits, mean, 1.0, kl_coef=1.0).item()
    assert abs(with_kl_multi - with_kl_mean) > 1e-3


def test_edl_multi_hand_value():
    # z = [0, ln 2]: α = [2, 3], S = 5. Member 1 says class 0, member 2 says class 1, weights ½ each.
    # Data: ½ ln(5/2) + ½ ln(5/3). KL: member 1 α̃ = [1, 3] → ln 3 − 2/3; member 2 α̃ = [2, 1] → ln 2 − 1/2
    # (Beta(2, 1) vs uniform: ln 2 + ψ(2) − ψ(3) = ln 2 − 1/2). λ = 1.
    logits = torch.tensor([[0.0, math.log(2)]], dtype=torch.float64)
    targets = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]], dtype=torch.float64)
    expected = 0.5 * math.log(2.5) + 0.5 * math.log(5 / 3) + 0.5 * (math.log(3) - 2 / 3) + 0.5 * (math.log(2) - 0.5)
    assert edl_multi(logits, targets, 1.0, [1, 1], kl_coef=1.0).item() == pytest.approx(expected, rel=1e-12)


def test_edl_multi_gradient_matches_the_loop_by_finite_differences():
    logits, targets = random_members(2, 3, 4, seed=5)
    logits.requires_grad_()
    (grad,) = torch.autograd.grad(edl_multi(logits, targets, 0.5, [1, 2, 3], kl_coef=0.7), logits)
    h = 1e-6
    for i, j in [(0, 0), (1, 3)]:
        plus, minus = logits.detach().clone(), logits.detach().clone()
        plus[i, j] += h
        minus[i, j] -= h
        fd = (edl_multi_loop(plus.tolist(), targets.tolist(), [1, 2, 3], 0.5, 0.7)
              - edl_multi_loop(minus.tolist(), targets.tolist(), [1, 2, 3], 0.5, 0.7)) / (2 * h)
        assert grad[i, j].item() == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_multi_member_losses_reject_bad_shapes_and_weights():
    logits, targets = random_members(3, 2, 4, seed=6)
    with pytest.raises(ValueError, match=r"\[batch, K weak models, classes\]"):
        edl_multi(logits, targets[:, 0], 0.5, [1.0])
    with pytest.raises(ValueError, match="do not match logits"):
        dirichlet_nll(logits, targets[:, :, :3], [1, 1])
    with pytest.raises(ValueError, match="2 weak models"):
        dirichlet_nll(logits, targets, [1, 1, 1])
    with pytest.raises(ValueError, match="probabilities"):
        dirichlet_nll(logits, targets.argmax(-1, keepdim=True).expand(-1, -1, 4), [1, 1])
    with pytest.raises(ValueError, match="smoothing"):
        dirichlet_nll(logits, targets, [1, 1], smoothing=1.0)


# --- dirichlet_nll ----------------------------------------------------------------------------------


@pytest.mark.parametrize("evidence", ["exp", "softplus", "relu"])
@pytest.mark.parametrize("eps", [0.0, 1e-2, 0.2])
def test_dirichlet_nll_matches_float64_loop(evidence, eps):
    logits, targets = random_members(4, 3, 5, seed=7)
    weights = [0.5, 0.2, 0.3]
    got = dirichlet_nll(logits, targets, weights, evidence=evidence, smoothing=eps, form="nll")
    assert got.item() == pytest.approx(dirichlet_nll_loop(logits.tolist(), targets.tolist(), weights, eps, evidence), rel=1e-10)


def test_dirichlet_nll_matches_scipy_logpdf():
    stats = pytest.importorskip("scipy.stats")
    logits, targets = random_members(3, 2, 4, seed=8)
    eps = 1e-2
    alpha = torch.exp(torch.nn.functional.softplus(logits))
    expected = 0.0
    for n in range(3):
        for k, w in enumerate([0.25, 0.75]):
            q = ((1 - eps) * targets[n, k] + eps / 4).numpy()
            expected -= w * stats.dirichlet.logpdf(q / q.sum(), alpha[n].numpy())
    got = dirichlet_nll(logits, targets, [0.25, 0.75], smoothing=eps, form="nll")
    assert got.item() == pytest.approx(expected / 3, rel=1e-10)


def test_dirichlet_nll_hand_value():
    # α = [2, 3] (z = [0, ln 2]), one member p = [0.4, 0.6], ε = 0: Beta(0.6; 3, 2) density = 12 · 0.6² · 0.4.
    logits = torch.tensor([[0.0, math.log(2)]], dtype=torch.float64)
    targets = torch.tensor([[[0.4, 0.6]]], dtype=torch.float64)
    expected = -math.log(12 * 0.6**2 * 0.4)
    assert dirichlet_nll(logits, targets, [1.0], smoothing=0.0, form="nll").item() == pytest.approx(expected, rel=1e-12)


def test_dirichlet_nll_keeps_float32_finite_for_large_logits():
    logits = torch.tensor([[60.0, -60.0, 0.0], [20.0, 19.0, -3.0]], requires_grad=True)
    targets = torch.tensor([[[0.9, 0.05, 0.05]] * 2, [[0.5, 0.4, 0.1], [0.3, 0.6, 0.1]]])
    loss = dirichlet_nll(logits, targets, [1, 1], form="nll")
    (grad,) = torch.autograd.grad(loss, logits)
    assert loss.dtype == torch.float32 and torch.isfinite(loss) and torch.isfinite(grad).all()


def fit_precision(targets):
    """Maximum-likelihood α (free logits, exp evidence) for one example's members; returns (S, mean)."""
    c = targets.shape[-1]
    z = torch.zeros(1, c, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([z], lr=1.0, max_iter=60, tolerance_grad=1e-10, tolerance_change=1e-14,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = dirichlet_nll(z, targets[None], [1.0] * targets.shape[0], form="nll")
        loss.backward()
        return loss

    opt.step(closure)
    alpha = torch.exp(torch.nn.functional.softplus(z.detach()))[0]
    return alpha.sum().item(), (alpha / alpha.sum())


def test_members_that_disagree_give_a_lower_precision_than_members_that_agree():
    # Five members around the same mean [0.6, 0.3, 0.1]; drawn from Dir(200·mean) (agree) or
    # Dir(8·mean) (disagree). The fitted S tracks the members' spread and the mean stays close.
    g = torch.Generator().manual_seed(9)
    mean = torch.tensor([0.6, 0.3, 0.1], dtype=torch.float64)

    def members(concentration):
        gamma = torch._standard_gamma((concentration * mean).expand(5, 3).contiguous(), generator=g)
        return gamma / gamma.sum(-1, keepdim=True)

    s_agree, mean_agree = fit_precision(members(200.0))
    s_disagree, mean_disagree = fit_precision(members(8.0))
    assert s_disagree < s_agree / 3
    assert s_agree > 30
    assert torch.allclose(mean_agree, mean, atol=0.05)
    assert torch.allclose(mean_disagree, mean, atol=0.15)


def test_confident_members_voting_for_different_classes_leave_no_evidence():
    # Two one-hot members on different classes: with α ≥ 1 the best fit is (close to) no evidence.
    targets = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=torch.float64)
    s, _ = fit_precision(targets)
    s_agree, _ = fit_precision(targets[[0, 0]])
    assert s < 3.5  # C = 3 is the minimum (α = 1)
    assert s_agree > 10 * s


# --- annealing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("epoch", "expected"),
    # kl_coef 1, anneal 10: λ = min(1, t/10), whatever the run's length (a 2-epoch run ends at 0.2).
    [(0.0, 0.0), (2.0, 0.2), (2.5, 0.25), (10.0, 1.0), (17.0, 1.0)],
)
def test_sensoy_schedule_hand_values(epoch, expected):
    assert sensoy_kl_weight(epoch, 1.0, 10) == pytest.approx(expected)
    assert sensoy_kl_weight(epoch, 0.3, 10) == pytest.approx(0.3 * expected)


@pytest.mark.parametrize("epochs", [2, 4, 20])
def test_sensoy_schedule_is_never_shortened_to_the_run(epochs):
    coef, frac = kl_schedule("sensoy", None, None, epochs)
    assert coef == 1.0 and frac == pytest.approx(10 / epochs)
    for progress in (0.0, 0.1, 0.25, 0.5, 0.9, 1.0):
        # at progress p the epoch is epochs·p
        assert kl_weight(progress, coef, frac) == pytest.approx(sensoy_kl_weight(epochs * progress, 1.0, 10))
    assert kl_weight(1.0, coef, frac) == pytest.approx(min(1.0, epochs / 10))


def test_coauthors_schedule_is_1e_4_times_the_step_fraction():
    # BriansIDP/LLMweakTOstrong loss_back.py: KL × 1e-4, ramped by the fraction of steps done.
    coef, frac = kl_schedule("coauthors", None, None, 2)
    for progress in (0.0, 0.3, 0.5, 1.0):
        assert kl_weight(progress, coef, frac) == pytest.approx(1e-4 * progress, rel=1e-12)
    assert kl_schedule("coauthors", 0.01, None, 7) == (0.01, 1.0)


def test_kl_schedule_refuses_unknown_names_and_anneal_without_sensoy():
    with pytest.raises(ValueError, match="schedule"):
        kl_schedule("linear", None, None, 3)
    with pytest.raises(ValueError, match="sensoy"):
        kl_schedule("coauthors", None, 10, 3)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan")])
def test_anneal_rejects_non_positive_lengths(bad):
    with pytest.raises(ValueError, match="anneal"):
        anneal_frac(bad, 10)
    with pytest.raises(ValueError, match="anneal"):
        sensoy_kl_weight(1.0, 1.0, bad)
    with pytest.raises(ValueError, match="epochs"):
        anneal_frac(10, 0)


# --- dirichlet_nll, the co-authors' anchored form -----------------------------------------------------


def anchored_loop(logits, targets, weights, eps):
    """Float64 loop of the co-authors' dir_loss: Σ_k w_k [KL(q_k ‖ softmax z) − 0.01 ln Dir(q̂_k | e^z + 1e-6)]."""
    total_w = sum(weights)
    total = 0.0
    for z_row, members in zip(logits, targets):
        m = max(z_row)
        log_p = [z - m - math.log(sum(math.exp(x - m) for x in z_row)) for z in z_row]
        alpha = [math.exp(z) + 1e-6 for z in z_row]
        c = len(alpha)
        for w, q in zip(weights, members):
            kl = sum(qc * (math.log(qc) - lp) for qc, lp in zip(q, log_p) if qc > 0)
            smoothed = [(1 - eps) * x + eps / c for x in q]
            total += w / total_w * (kl - 0.01 * log_dirichlet_loop(smoothed, alpha))
    return total / len(logits)


@pytest.mark.parametrize("eps", [1e-2, 0.1])
def test_anchored_dirichlet_nll_matches_a_float64_loop(eps):
    logits, targets = random_members(5, 3, 4, seed=11)
    got = dirichlet_nll(logits, targets, [1, 2, 3], smoothing=eps)
    assert got.item() == pytest.approx(anchored_loop(logits.tolist(), targets.tolist(), [1, 2, 3], eps), rel=1e-10)


def test_anchored_dirichlet_nll_keeps_a_gradient_on_a_class_pushed_far_negative():
    # The collapse of the pure NLL: a class at z = −30 (α ≈ 1) gets almost no gradient even though the
    # members give it 0.3 of their mass; the KL anchor pulls it back with ∂/∂z_c ≈ p_c − q_c ≈ −0.3.
    z = torch.tensor([[2.0, -30.0, 0.0]], dtype=torch.float64, requires_grad=True)
    targets = torch.tensor([[[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]]], dtype=torch.float64)
    (g_nll,) = torch.autograd.grad(dirichlet_nll(z, targets, [1, 1], form="nll"), z)
    (g_anch,) = torch.autograd.grad(dirichlet_nll(z, targets, [1, 1]), z)
    assert abs(g_nll[0, 1].item()) < 1e-6
    assert g_anch[0, 1].item() == pytest.approx(-0.3, abs=0.01)


def test_dirichlet_nll_refuses_an_unknown_form():
    logits, targets = random_members(2, 2, 3, seed=1)
    with pytest.raises(ValueError, match="anchored, nll"):
        dirichlet_nll(logits, targets, [1, 1], form="pure")


def test_a_dirichlet_nll_student_predicts_with_the_dirichlet_it_was_trained_as():
    import math as m

    from ws2s.classification.students import student_probs
    from ws2s.losses.bayesian import dirichlet_nll_prediction

    z = torch.tensor([[2.0, -1.0, 0.5], [-3.0, -4.0, -2.5]])
    probs, u = student_probs({"loss": "dirichlet_nll", "params": {}}, z)
    for row, (p_row, u_row) in enumerate(zip(probs, u)):
        alpha = [m.exp(x) + 1e-6 for x in z[row].tolist()]  # the anchored form's α, by hand
        s = sum(alpha)
        assert p_row.tolist() == pytest.approx([a / s for a in alpha], rel=1e-5)
        assert u_row.item() == pytest.approx(3 / s, rel=1e-5)
    assert u[1] > 1  # S = Σ e^z + 3e-6 < C: flatter than uniform
    pure = dirichlet_nll_prediction(z, form="nll")
    p_nll, _ = student_probs({"loss": "dirichlet_nll", "params": {"form": "nll"}}, z)
    assert torch.allclose(p_nll, pure.probs) and torch.allclose(pure.probs[0], (z[0].exp() + 1) / (z[0].exp() + 1).sum())
