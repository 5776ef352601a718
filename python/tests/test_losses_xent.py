"""xent, multi_weak, weak-model weights and the loss registry."""

import math

import pytest
import torch

from ws2s.losses import LOSSES, WEIGHTS, fixed, from_reliability, get_loss, get_weights, loss_fn, multi_weak, uniform, xent


def ce_loop(logits, target):
    """Independent float64 soft cross-entropy: explicit loops, math.exp/log, mean over rows."""
    total = 0.0
    for z_row, q_row in zip(logits, target):
        m = max(z_row)
        log_norm = m + math.log(sum(math.exp(z - m) for z in z_row))
        total += -sum(q * (z - log_norm) for z, q in zip(z_row, q_row))
    return total / len(logits)


def test_xent_matches_hand_values():
    # Row 1: softmax([0, ln 3]) = [1/4, 3/4]; target [1/2, 1/2] -> -(½ ln ¼ + ½ ln ¾) = ½ ln(16/3).
    # Row 2: softmax([0, 0]) = [½, ½]; target [1, 0] -> ln 2.
    logits = torch.tensor([[0.0, math.log(3)], [0.0, 0.0]])
    target = torch.tensor([[0.5, 0.5], [1.0, 0.0]])
    expected = (0.5 * math.log(16 / 3) + math.log(2)) / 2
    assert xent(logits, target).item() == pytest.approx(expected, rel=1e-6)


def test_xent_accepts_class_indices_as_one_hot():
    logits = torch.tensor([[0.0, math.log(3)], [0.0, 0.0]])
    assert xent(logits, torch.tensor([1, 0])).item() == pytest.approx((math.log(4 / 3) + math.log(2)) / 2, rel=1e-6)
    tokens = torch.randn(2, 3, 11)  # [batch, tokens, vocab] with ids [batch, tokens]
    ids = torch.randint(0, 11, (2, 3))
    one_hot = torch.nn.functional.one_hot(ids, 11).float()
    assert xent(tokens, ids).item() == pytest.approx(xent(tokens, one_hot).item(), rel=1e-6)


def test_xent_matches_float64_loop_on_tokens_by_vocab():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 5, 50, generator=g) * 4  # [batch, tokens, vocab] flattens to [10, 50]
    target = torch.softmax(torch.randn(2, 5, 50, generator=g), -1)
    expected = ce_loop(logits.reshape(-1, 50).tolist(), target.reshape(-1, 50).tolist())
    assert xent(logits, target).item() == pytest.approx(expected, rel=1e-5)


def test_xent_computes_bf16_logits_in_float32():
    logits = torch.randn(4, 7).bfloat16()
    target = torch.softmax(torch.randn(4, 7), -1)
    out = xent(logits, target)
    assert out.dtype == torch.float32
    assert out.item() == pytest.approx(ce_loop(logits.float().tolist(), target.tolist()), rel=1e-5)


def test_xent_rejects_target_with_wrong_class_count():
    with pytest.raises(ValueError, match="3 classes"):
        xent(torch.zeros(2, 2), torch.full((2, 3), 1 / 3))


def test_multi_weak_matches_hand_values():
    # Weights [1, 3] normalise to [¼, ¾]. Logits [0, ln 3] give p = [¼, ¾].
    # Weak 1 says [1, 0]: CE = ln 4.  Weak 2 says [0, 1]: CE = ln(4/3).
    # Loss = ¼ ln 4 + ¾ ln(4/3).
    logits = torch.tensor([[0.0, math.log(3)]])
    targets = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    expected = 0.25 * math.log(4) + 0.75 * math.log(4 / 3)
    assert multi_weak(logits, targets, [1.0, 3.0]).item() == pytest.approx(expected, rel=1e-6)


def test_multi_weak_matches_float64_loop():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(6, 4, generator=g)
    targets = torch.softmax(torch.randn(6, 3, 4, generator=g), -1)
    w = [0.2, 0.5, 0.3]
    expected = sum(w[k] * ce_loop(logits.tolist(), targets[:, k].tolist()) for k in range(3))
    assert multi_weak(logits, targets, torch.tensor(w)).item() == pytest.approx(expected, rel=1e-5)


def test_multi_weak_rejects_bad_weights_and_shapes():
    logits, targets = torch.zeros(2, 2), torch.full((2, 2, 2), 0.5)
    with pytest.raises(ValueError, match="one weight per weak model"):
        multi_weak(logits, targets, [1.0])
    with pytest.raises(ValueError, match="non-negative"):
        multi_weak(logits, targets, [1.0, -1.0])
    with pytest.raises(ValueError, match="K weak models"):
        multi_weak(logits, targets[:, 0], [1.0, 1.0])


def test_weights_uniform_fixed_and_reliability():
    assert uniform(4).tolist() == [0.25] * 4
    assert fixed([1, 1, 2]).tolist() == [0.25, 0.25, 0.5]
    # Accuracies above chance 0.5: [0.1, 0.3, 0] -> [¼, ¾, 0].
    assert from_reliability([0.6, 0.8, 0.4], chance=0.5).tolist() == pytest.approx([0.25, 0.75, 0.0])
    # All at or below chance: uniform.
    assert from_reliability([0.5, 0.3], chance=0.5).tolist() == [0.5, 0.5]
    # Log-likelihoods [-1, -1 + ln 3]: softmax = [¼, ¾].
    assert from_reliability([-1.0, -1.0 + math.log(3)]).tolist() == pytest.approx([0.25, 0.75])
    assert set(WEIGHTS) == {"uniform", "fixed", "reliability"}
    assert get_weights("uniform") is uniform


def test_registry_lists_valid_names_on_unknown_loss():
    assert set(LOSSES) == {"xent", "logconf", "multi_weak", "edl", "edl_self", "dirichlet_nll", "polya"}
    with pytest.raises(ValueError, match="valid: dirichlet_nll, edl, edl_self, logconf, multi_weak, polya, xent"):
        get_loss("focal")
    with pytest.raises(ValueError, match="weak-model weighting"):
        get_weights("votes")


def test_loss_fn_binds_hyperparameters_and_drops_progress_where_unused():
    logits, target = torch.randn(3, 2), torch.softmax(torch.randn(3, 2), -1)
    assert loss_fn("xent")(logits, target, 0.7).item() == pytest.approx(xent(logits, target).item())
    edl_fn = loss_fn("edl", kl_coef=0.5, evidence="softplus")
    assert edl_fn(logits, target, 0.3).item() == pytest.approx(
        get_loss("edl")(logits, target, 0.3, kl_coef=0.5, evidence="softplus").item()
    )
    with pytest.raises(ValueError, match="does not take temperature"):
        loss_fn("logconf", temperature=2.0)
