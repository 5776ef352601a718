"""strong.gradient_checkpointing: a tiny HF student trains with it and takes the same steps as without."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from ws2s.cache import Cache
from ws2s.recipe import RunContext
from ws2s.classification.strong import StrongModel, forward
from ws2s.config import load_config
from ws2s.train.loop import train

sys.path.insert(0, str(Path(__file__).parent))
from cls_helpers import classification_config, tiny_bert  # noqa: E402

TEXTS = ["the cat sat", "a dog ran far away", "big red car", "it was a small house in the woods", "go"] * 4


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("bert"))


def strong_model(bert_dir: str, tmp_path: Path, **strong) -> StrongModel:
    cfg = load_config(classification_config(strong={"model": bert_dir, "max_length": 16, **strong}))
    ctx = RunContext(torch.device("cpu"), "fp32", Cache(tmp_path, enabled=False), lambda e: None)
    return StrongModel(cfg["strong"], TEXTS, num_classes=2, ctx=ctx)


def losses(strong: StrongModel, checkpointing: bool) -> list[float]:
    strong.cfg = {**strong.cfg, "gradient_checkpointing": checkpointing}
    model = strong.new_model(seed=0)
    assert model.backbone.is_activation_checkpointing == checkpointing
    target = torch.nn.functional.one_hot(torch.arange(len(TEXTS)) % 2, 2).float()
    batches = strong.inputs(range(len(TEXTS))).batches(10, target)
    out: list[float] = []
    torch.manual_seed(1)  # same dropout masks for both runs (checkpointing replays the RNG state)
    train(model, lambda epoch: batches, lambda m, b, p: torch.nn.functional.cross_entropy(forward(m, b), b["target"]),
          epochs=2, lr=1e-2, precision="fp32", log_every=1,
          emit=lambda e: out.append(e["value"]) if e["type"] == "metric" else None)
    return out


def test_the_config_default_is_off(bert_dir, tmp_path):
    assert strong_model(bert_dir, tmp_path).cfg["gradient_checkpointing"] is False


def test_the_same_seed_gives_the_same_fresh_model_the_first_time_too(bert_dir, tmp_path):
    strong = strong_model(bert_dir, tmp_path, mode="full")
    first, second = strong.new_model(seed=0), strong.new_model(seed=0)
    assert torch.equal(first.head.weight, second.head.weight)


@pytest.mark.parametrize("mode", ["full", "lora"])
def test_checkpointed_training_takes_the_same_steps(bert_dir, tmp_path, mode):
    strong = strong_model(bert_dir, tmp_path, mode=mode, lora_rank=2)
    plain, checkpointed = losses(strong, False), losses(strong, True)
    assert len(plain) == 4
    # the first loss is the same forward; later ones show the gradients (LoRA adapters included) were too
    assert checkpointed == pytest.approx(plain, rel=1e-5)
    assert plain[-1] != plain[0]
