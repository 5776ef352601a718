"""The training loop stops at the first non-finite loss (naming the step) and clips gradients by a configurable norm."""

import math

import pytest
import torch

from ws2s.events import CollectingEmitter
from ws2s.train.loop import DEFAULT_GRAD_CLIP, NonFiniteLoss, grad_clip, train


def toy(bad_step: int | None, log_every: int = 10, epochs: int = 3):
    torch.manual_seed(0)
    x, y = torch.randn(40, 3), torch.randint(0, 2, (40,))
    model = torch.nn.Linear(3, 2)
    batches = [{"x": x[i : i + 4], "y": y[i : i + 4]} for i in range(0, 40, 4)]  # 10 steps per epoch
    seen = []

    def step(m, b, progress):
        loss = torch.nn.functional.cross_entropy(m(b["x"]), b["y"])
        seen.append(len(seen))
        return loss * math.inf if len(seen) - 1 == bad_step else loss

    emit = CollectingEmitter()
    return lambda: train(model, lambda e: batches, step, epochs=epochs, lr=0.1, emit=emit, key="toy", log_every=log_every), emit, seen


@pytest.mark.parametrize("bad", [0, 7, 13, 29])
def test_the_first_non_finite_loss_stops_training_and_names_its_step(bad):
    fit, emit, seen = toy(bad)
    with pytest.raises(NonFiniteLoss, match=f"toy: the training loss is not finite at step {bad}") as err:
        fit()
    assert err.value.step == bad
    assert len(seen) <= bad + 10  # stopped at the next metric step or epoch end, not at the end of training
    values = [e["value"] for e in emit.events if e["type"] == "metric"]
    assert all(math.isfinite(v) for v in values)  # a non-finite loss is never emitted


def test_a_finite_run_is_unaffected():
    fit, emit, seen = toy(None)
    assert fit()["steps"] == 30 and len(seen) == 30


def test_grad_clip_defaults_to_the_norm_every_run_used_and_can_be_turned_off():
    assert DEFAULT_GRAD_CLIP == 1.0 and grad_clip({}) == 1.0
    assert grad_clip({"grad_clip": None}) is None and grad_clip({"grad_clip": 5.0}) == 5.0


def test_gradients_are_clipped_to_the_configured_norm(monkeypatch):
    """d/dw of 100·Σ_rows Σ_j w_j·x_j with two rows of ones is 200 per weight: norm 200·√4 = 400 unclipped."""
    model = torch.nn.Linear(4, 1, bias=False)
    seen = []
    real = torch.optim.AdamW.step

    def spy(self, *a, **k):
        seen.append(float(torch.cat([p.grad.flatten() for g in self.param_groups for p in g["params"]]).norm()))
        return real(self, *a, **k)

    monkeypatch.setattr(torch.optim.AdamW, "step", spy)
    for clip in (0.5, None):
        train(model, lambda e: [{"x": torch.ones(2, 4)}], lambda m, b, p: 100.0 * m(b["x"]).sum(), epochs=1, lr=1e-3, max_grad_norm=clip)
    assert abs(seen[0] - 0.5) < 1e-6 and abs(seen[1] - 400.0) < 1e-3
