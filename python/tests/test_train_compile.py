"""ws2s.train.loop with ``compile=True``: the same losses as eager on a tiny decoder (CPU)."""

from __future__ import annotations

import copy
import shutil

import pytest
import torch

from ws2s.train.compile import compile_model
from ws2s.train.loop import train


def tiny_decoder():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                      intermediate_size=64, max_position_embeddings=32, use_cache=False)
    return LlamaForCausalLM(cfg)


def lm_loss(model, batch, progress):
    return model(input_ids=batch["input_ids"], labels=batch["input_ids"]).loss


def losses(model, batches, compiled: bool) -> list[float]:
    out: list[float] = []
    emit = lambda e: out.append(e["value"]) if e["type"] == "metric" else None  # noqa: E731
    train(model, lambda epoch: batches, lm_loss, epochs=1, lr=1e-2, emit=emit, log_every=1, compile=compiled,
          precision="fp32")
    return out


def test_compile_wraps_each_repeated_block_once():
    model = tiny_decoder()
    compile_model(model)
    compile_model(model)  # a second train() call must not stack another compilation
    layers = model.model.layers
    assert all(layer._compiled_call_impl is not None for layer in layers)
    assert model._compiled_call_impl is None  # regional: the blocks, not the whole model


@pytest.mark.slow  # inductor compiles C++ kernels for forward and backward: ~30 s on 2 cores
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                    reason="torch.compile's CPU backend (inductor) needs a C compiler, and none is on PATH")
def test_compiled_training_gives_the_eager_losses():
    g = torch.Generator().manual_seed(1)
    batches = [{"input_ids": torch.randint(0, 64, (4, n), generator=g)} for n in (8, 12, 8)]
    base = tiny_decoder()
    eager = losses(copy.deepcopy(base), batches, compiled=False)
    compiled = losses(copy.deepcopy(base), batches, compiled=True)
    assert len(eager) == 3
    assert compiled == pytest.approx(eager, rel=1e-4, abs=1e-5)
