"""The Pólya (Dirichlet-multinomial) evidential loss against float64 loops, exact identities and a synthetic fit."""

import itertools
import math

import mpmath
import pytest
import torch

from ws2s.losses import edl, polya
from ws2s.losses.evidential import dirichlet_uncertainty
from ws2s.losses.polya import log_rising, polya_nll, vote_counts

from test_losses_bayesian import random_members
from test_losses_evidential import EVIDENCE_64, kl_loop


def polya_loop(logits, targets, weights, progress, kl_coef, evidence="exp", anneal_frac_=1.0):
    """Float64 loop: per row −[lnΓ(S) − lnΓ(S+K) + Σ_c (lnΓ(α_c+n_c) − lnΓ(α_c))] + λ KL(Dir(α̃) ‖ Dir(1))."""
    lam = kl_coef * min(1.0, progress / anneal_frac_)
    total_w = sum(weights)
    total = 0.0
    for z_row, members in zip(logits, targets):
        k = len(members)
        alpha = [EVIDENCE_64[evidence](z) + 1 for z in z_row]
        s = sum(alpha)
        n = [k * sum(w / total_w * q[c] for w, q in zip(weights, members)) for c in range(len(alpha))]
        log_lik = math.lgamma(s) - math.lgamma(s + k) + sum(math.lgamma(a + nc) - math.lgamma(a) for a, nc in zip(alpha, n))
        label = n.index(max(n))
        tilde = [1.0 if c == label else a for c, a in enumerate(alpha)]
        total += -log_lik + lam * kl_loop(tilde)
    return total / len(logits)


@pytest.mark.parametrize("evidence", ["exp", "softplus", "relu"])
@pytest.mark.parametrize("progress, kl_coef", [(0.0, 1.0), (0.5, 1e-4), (1.0, 1.0)])
def test_polya_matches_a_float64_loop(evidence, progress, kl_coef):
    logits, targets = random_members(6, 3, 5, seed=1)
    weights = [0.5, 0.3, 0.2]
    got = polya(logits, targets, progress, weights, kl_coef=kl_coef, evidence=evidence)
    want = polya_loop(logits.tolist(), targets.tolist(), weights, progress, kl_coef, evidence)
    assert got.item() == pytest.approx(want, rel=1e-9, abs=1e-10)


def test_polya_with_one_hard_vote_is_edls_log_form():
    # K = 1, n = one-hot(y): lnΓ(S+1) − lnΓ(S) − (lnΓ(α_y+1) − lnΓ(α_y)) = ln S − ln α_y.
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(8, 4, generator=g, dtype=torch.float64) * 2
    y = torch.randint(0, 4, (8,), generator=g)
    onehot = torch.nn.functional.one_hot(y, 4).double()
    got = polya(logits, onehot[:, None, :], 0.0, [1.0])
    assert got.item() == pytest.approx(edl(logits, onehot, 0.0, kl_coef=0.0).item(), rel=1e-12)


def test_polya_is_a_distribution_over_integer_vote_counts():
    # Σ over every count vector n with Σ n = K of multinomial(K; n) · exp(−polya_nll(n)) = 1.
    k, c = 4, 3
    la = torch.tensor([[0.3, -1.2, 2.0]], dtype=torch.float64)
    total = 0.0
    for n in itertools.product(range(k + 1), repeat=c):
        if sum(n) != k:
            continue
        coef = math.factorial(k) / math.prod(math.factorial(x) for x in n)
        total += coef * math.exp(-polya_nll(la, torch.tensor([n], dtype=torch.float64)).item())
    assert total == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("x, n", [(0.7, 2.5), (3.0, 0.0), (9999.0, 3.0), (1e4, 2.0), (2e5, 0.3), (1e12, 5.0), (1e30, 3.0)])
def test_log_rising_matches_arbitrary_precision(x, n):
    mpmath.mp.dps = 60
    want = float(mpmath.loggamma(mpmath.mpf(x) + mpmath.mpf(n)) - mpmath.loggamma(mpmath.mpf(x)))
    got = log_rising(torch.tensor(x, dtype=torch.float64), torch.tensor(n, dtype=torch.float64)).item()
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_polya_stays_finite_with_a_gradient_for_huge_logits():
    logits = torch.tensor([[500.0, -500.0, 30.0], [80.0, 79.0, 0.0]], dtype=torch.float64, requires_grad=True)
    targets = torch.tensor([[[1.0, 0, 0], [0, 0, 1]], [[0.5, 0.5, 0], [0, 1, 0]]], dtype=torch.float64)
    loss = polya(logits, targets, 1.0, [0.5, 0.5], kl_coef=1.0)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert logits.grad[1, 1] < 0  # the second member's class in row 2 still gets evidence


def test_polya_gradient_matches_finite_differences():
    logits, targets = random_members(3, 2, 4, seed=3)
    logits.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda z: polya(z, targets, 0.7, [0.6, 0.4], kl_coef=0.5), (logits,))


def test_vote_counts_are_k_times_the_weighted_mean():
    targets = torch.tensor([[[1.0, 0.0], [0.2, 0.8], [0.0, 1.0]]])
    n = vote_counts(targets, torch.tensor([0.5, 0.25, 0.25], dtype=torch.float64))
    assert torch.allclose(n, torch.tensor([[3 * (0.5 + 0.05), 3 * (0.2 + 0.25)]], dtype=torch.float64))


def fitted_uncertainty(loss, targets: torch.Tensor, steps: int = 400) -> float:
    """u = C/S of one free logit vector (every example the same input) fitted to ``targets`` ``[N, K, C]``."""
    z = torch.zeros(1, targets.shape[-1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([z], lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        loss(z.expand(targets.shape[0], -1), targets).backward()
        opt.step()
    return float(dirichlet_uncertainty(z.detach()).uncertainty)


def test_polya_sees_member_disagreement_that_the_mean_label_hides():
    # Both data sets have the same inputs (one free logit vector) and the same mean label (½, ½) over the
    # data. In "split" the two members disagree on every example (votes (1, 1)): evidence that p sits at ½,
    # so the Pólya fit grows S (low u). In "unanimous" they agree on each example but the class flips
    # between identical inputs ((2, 0) or (0, 2)): evidence that p varies, so S stays minimal (u near 1).
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    split = torch.stack([a, b])[None].repeat(40, 1, 1)  # [40, 2 members, 2 classes]
    unanimous = torch.cat([torch.stack([a, a])[None].repeat(20, 1, 1), torch.stack([b, b])[None].repeat(20, 1, 1)]).double()
    split = split.double()

    def pólya(z, t):
        return polya(z, t, 1.0, [0.5, 0.5], kl_coef=1e-4)

    u_split, u_unanimous = fitted_uncertainty(pólya, split), fitted_uncertainty(pólya, unanimous)
    assert u_split < 0.1 and u_unanimous > 0.9

    # edl's data term is linear in the label: on the members' mean it is the same objective on both data
    # sets, so whatever it fits, it fits alike.
    for z in torch.randn(5, 1, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(4)):
        zz = z.expand(40, -1)
        assert edl(zz, split.mean(1), 1.0, kl_coef=0.0).item() == pytest.approx(edl(zz, unanimous.mean(1), 1.0, kl_coef=0.0).item(), rel=1e-12)
        assert pólya(zz, split).item() != pytest.approx(pólya(zz, unanimous).item(), rel=1e-3)
