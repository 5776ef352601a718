"""strong.mode "lora" (and strong.gradient_checkpointing) for Hugging Face generation students."""

import copy
import json

import pytest
import torch

from gen_helpers import run_one_thread, smoke
from ws2s.config import ConfigError, load_config
from ws2s.generation.beam import beam_search
from ws2s.generation.dpo import dpo_stage
from ws2s.testing.tiny_lm import FAMILIES, save_tiny_lm
from ws2s.generation.pipeline import build_student
from ws2s.generation.students import student_targets
from ws2s.generation.teacher_forcing import nll_step, target_batches
from ws2s.train.loop import train

SOURCES = ["call mary tomorrow", "wake me up at seven am", "play imagine"]
TARGETS = ["person : mary ; date : tomorrow", "time : seven am", "song _ name : imagine"]


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_lms")
    return {f: save_tiny_lm(root / f, f, seed=i) for i, f in enumerate(["llama", "gpt2", "t5"])}


def student(path: str, family: str, **strong):
    """The student the pipeline builds from a config's ``strong`` section."""
    return build_student(load_config(smoke(strong={"arch": FAMILIES[family][0], "model": path, **strong}))["strong"], "fp32")


def step_losses(model, epochs: int = 2) -> list[float]:
    targets = student_targets(model.tokenizer, TARGETS)[0]
    losses = []
    torch.manual_seed(0)
    train(model, target_batches(targets, model.tokenizer.pad_id, 3, 0), nll_step(model.encode(SOURCES)), epochs=epochs,
          lr=1e-2, precision="fp32", log_every=1, emit=lambda e: losses.append(e["value"]) if e["type"] == "metric" else None)
    return losses


@pytest.mark.parametrize("family", ["llama", "gpt2", "t5"])
def test_lora_trains_the_adapters_only(paths, family):
    model = student(paths[family], family, mode="lora", lora_rank=2)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    # every projection inside the transformer blocks (attention and MLP) is adapted, the LM head is not
    adapted = {n.split(".lora_")[0].replace("lm.base_model.model.", "lm.") for n in trainable}
    full = student(paths[family], family)
    head = full.lm.get_output_embeddings()
    assert adapted == {n for n, m in full.named_modules() if type(m).__name__ in ("Linear", "Conv1D") and m is not head}
    assert len(adapted) >= 4
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    with torch.no_grad():
        untrained = model(model.encode(SOURCES[:1]), torch.tensor([[model.tokenizer.bos_id]]))
    step_losses(model, epochs=1)
    after = dict(model.named_parameters())
    assert all(torch.equal(before[n], after[n]) for n in before if n not in trainable)
    assert any(not torch.equal(before[n], after[n]) for n in trainable if "lora_B" in n)
    with torch.no_grad():
        trained = model(model.encode(SOURCES[:1]), torch.tensor([[model.tokenizer.bos_id]]))
    assert not torch.allclose(untrained, trained)


def test_full_mode_is_the_default_and_trains_every_weight(paths):
    model = student(paths["llama"], "llama")
    assert all(p.requires_grad for p in model.parameters())
    assert not any("lora_" in n for n, _ in model.named_parameters())


def test_fresh_adapters_leave_the_model_unchanged_and_beam_search_runs(paths):
    full, adapted = student(paths["t5"], "t5").eval(), student(paths["t5"], "t5", mode="lora", lora_rank=2).eval()
    memory = full.encode(SOURCES)
    tgt_in = torch.tensor([[full.tokenizer.bos_id]] * 3)
    with torch.no_grad():
        assert torch.allclose(full(memory, tgt_in), adapted(memory, tgt_in), atol=1e-6)  # lora_B starts at zero
    assert [[h.ids for h in row] for row in beam_search(full, memory, beam_size=2, max_len=5)] == \
        [[h.ids for h in row] for row in beam_search(adapted, memory, beam_size=2, max_len=5)]


@pytest.mark.parametrize("mode", ["full", "lora"])
def test_checkpointed_training_takes_the_same_steps(paths, mode):
    plain = step_losses(student(paths["llama"], "llama", mode=mode, lora_rank=2))
    checkpointed_model = student(paths["llama"], "llama", mode=mode, lora_rank=2, gradient_checkpointing=True)
    assert checkpointed_model.lm.is_activation_checkpointing
    checkpointed = step_losses(checkpointed_model)
    assert len(plain) == 2 and plain[-1] != plain[0]
    assert checkpointed == pytest.approx(plain, rel=1e-5)  # the gradients (adapters' too) are the same


def test_dpo_on_a_lora_student_keeps_the_reference_and_trains_adapters_only(paths):
    model = student(paths["llama"], "llama", mode="lora", lora_rank=2)
    step_losses(model, epochs=1)
    trained = copy.deepcopy(model.state_dict())
    weak = student(paths["t5"], "t5")
    policy, info = dpo_stage(model, model.encode(SOURCES), SOURCES, [weak], torch.ones(1, dtype=torch.float64),
                             {"candidates": 3, "beta": 0.1, "label_smoothing": 0.0, "epochs": 2, "lr": 1e-2, "batch_size": 2,
                              "pairs": "weak_rank"},
                             8, 0, torch.device("cpu"), lambda e: None)
    assert info["pairs"] > 0
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in trained.items())  # the pre-DPO student is untouched
    changed = {k for k, v in policy.state_dict().items() if not torch.equal(v, trained[k])}
    assert changed and all("lora_" in k for k in changed)


def test_config_errors_name_the_field(paths):
    with pytest.raises(ConfigError, match=r"strong\.mode"):
        load_config(smoke(strong={"mode": "lora"}))
    with pytest.raises(ConfigError, match=r"strong\.gradient_checkpointing"):
        load_config(smoke(strong={"gradient_checkpointing": True}))
    with pytest.raises(ConfigError, match=r"strong\.mode"):
        load_config(smoke(strong={"arch": "causal_lm", "model": paths["llama"], "mode": "adapters"}))
    with pytest.raises(ConfigError, match=r"strong\.lora_rank"):
        load_config(smoke(strong={"arch": "causal_lm", "model": paths["llama"], "mode": "lora", "lora_rank": 0}))
    assert load_config(smoke())["strong"]["mode"] == "full"


def test_smoke_pipeline_runs_with_a_lora_causal_student(paths, tmp_path):
    config = load_config(smoke(task={"source": "builtin", "name": "assistant", "size": 80},
                               weak=[{"name": "word", "tokenizer": "word", "params": {"dim": 16, "layers": 1, "ff": 32, "epochs": 2}}],
                               strong={"arch": "causal_lm", "model": paths["llama"], "mode": "lora", "lora_rank": 4},
                               methods=[{"name": "naive", "loss": "xent"}, {"name": "soft", "loss": "soft"}],
                               weak_train={"epochs": 1, "batch_size": 16}, strong_train={"epochs": 1, "batch_size": 16},
                               max_output_length=12))
    seed = run_one_thread(config, tmp_path)["per_seed"][0]
    assert set(seed["students"]) == {"naive", "soft", "naive+dpo"}
    for r in [seed["ceiling"], *seed["students"].values()]:
        assert 0.0 <= r["f1"] <= 1.0
    assert json.loads((tmp_path / "results.json").read_text())["config"]["strong"]["mode"] == "lora"
