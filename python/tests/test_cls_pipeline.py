"""Pipeline: the student never sees gold strong_train labels; caching; results layout; the training loop."""

import json

import pytest
import torch

from cls_helpers import classification_config, tiny_bert
from results_schema import validate_run
from ws2s.classification import students
from ws2s.config import load_config
from ws2s.events import CollectingEmitter
from ws2s.train.loop import train


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory):
    return tiny_bert(tmp_path_factory.mktemp("bert") / "tiny-bert")


def tiny_config(bert_dir, **over):
    cfg = classification_config(
        strong={"model": bert_dir, "max_length": 32},
        weak=[{"name": "bow", "arch": "bow"}, {"name": "cnn", "arch": "cnn", "params": {"dim": 8, "channels": 8}}],
        methods=[{"name": "naive", "loss": "xent"}, {"name": "mw", "loss": "multi_weak", "weak": "all", "weights": "reliability"},
                 {"name": "edl", "loss": "edl"}],
    )
    cfg.update(over)
    return load_config(cfg)


def run(cfg, out_dir, monkeypatch, cache_dir):
    from ws2s.classification.pipeline import run as run_pipeline

    monkeypatch.setenv("WS2S_CACHE_DIR", str(cache_dir))
    emit = CollectingEmitter()
    results = run_pipeline(cfg, out_dir, emit)
    validate_run(out_dir)  # results.json and every examples row match the results schema
    return results, emit.events


def test_students_learn_from_weak_targets_only(bert_dir, tmp_path, monkeypatch):
    seen = []
    real = students.train_strong

    def spy(strong, data, target, step_loss, val_ref, config, seed, ctx, key, method, *rest):
        seen.append((key, target.clone(), val_ref.clone(), data))
        return real(strong, data, target, step_loss, val_ref, config, seed, ctx, key, method, *rest)

    monkeypatch.setattr(students, "train_strong", spy)
    results, _ = run(tiny_config(bert_dir), tmp_path / "run", monkeypatch, tmp_path / "cache")
    student_runs = [s for s in seen if s[0].startswith("student/")]
    assert len(student_runs) == 3
    data = student_runs[0][3]
    gold = torch.nn.functional.one_hot(data.labels("strong_train"), 2).float()
    ceiling = [s for s in seen if s[0].startswith("ceiling/")][0]
    assert torch.equal(ceiling[1], gold)  # only the ceiling trains on gold
    for key, target, val_ref, _ in student_runs:
        if "/mw/" in key:  # multi_weak's default targets "hard": each member's argmax, one-hot
            members = target.argmax(-1)
            assert set(target.unique().tolist()) <= {0.0, 1.0} and target.shape == (len(gold), 2, 2), key
            assert not all(torch.equal(members[:, k], data.labels("strong_train")) for k in range(2)), key
            continue
        assert not torch.equal(target.reshape(len(gold), -1, 2)[:, 0], gold), key  # soft weak labels, not gold
        assert target.min() > 0 and target.max() < 1, key
    # model selection compares with weak labels on val, never gold
    naive = next(s for s in student_runs if "/naive/" in s[0])
    assert not torch.equal(naive[2], data.labels("val")) or naive[2].float().std() == 0


def test_results_layout_and_second_run_hits_the_cache(bert_dir, tmp_path, monkeypatch):
    cfg = tiny_config(bert_dir)
    first, events = run(cfg, tmp_path / "a", monkeypatch, tmp_path / "cache")
    assert first["cache"]["hits"] == 0 and first["cache"]["misses"] == 5  # 2 models, 2 label sets, 1 features
    second, _ = run(cfg, tmp_path / "b", monkeypatch, tmp_path / "cache")
    assert second["cache"]["hits"] == 5 and second["cache"]["misses"] == 0 and second["cache"]["saved_s"] > 0
    assert second["per_seed"][0]["weak"] == first["per_seed"][0]["weak"]  # identical weak labels from the cache

    saved = json.loads((tmp_path / "a" / "results.json").read_text())
    assert set(saved["summary"]["methods"]) == {"naive", "mw", "edl"}
    seed0 = saved["per_seed"][0]
    assert set(seed0["weak"]) == {"bow", "cnn"} and "ensemble" in seed0 and "ceiling" in seed0
    assert {"pgr_vs_weak_mean", "pgr_vs_ensemble", "agreement"} <= set(seed0["students"]["naive"])
    assert "uncertainty" in seed0["students"]["edl"]
    pgr = saved["summary"]["methods"]["naive"]["pgr"]
    assert {"pgr", "low", "high", "flagged"} <= set(pgr)
    rows = [json.loads(l) for l in (tmp_path / "a" / "examples.jsonl").read_text().splitlines()]
    assert len(rows) == saved["sizes"]["test"]
    assert set(rows[0]["weak"]) == {"bow", "cnn"} and "uncertainty" in rows[0]["students"]["edl"]
    stages = {e["stage"] for e in events if e["type"] == "progress"}
    assert {"weak", "weak_labels", "ceiling", "student", "eval"} <= stages
    assert any(e["type"] == "metric" and e["key"].startswith("student/naive/seed0/train_loss") for e in events)


def test_cache_can_be_disabled(bert_dir, tmp_path, monkeypatch):
    cfg = tiny_config(bert_dir, cache=False, methods=[{"name": "naive", "loss": "xent", "weak": "ensemble", "weights": "uniform", "params": {}}])
    r, _ = run(cfg, tmp_path / "a", monkeypatch, tmp_path / "cache")
    assert r["cache"]["hits"] == 0 and not (tmp_path / "cache").exists()


def test_full_fine_tune_mode_runs(bert_dir, tmp_path, monkeypatch):
    cfg = tiny_config(bert_dir, strong={"model": bert_dir, "mode": "full", "max_length": 32, "pooling": "auto",
                                        "lora_rank": 8, "trust_remote_code": False},
                      methods=[{"name": "naive", "loss": "xent", "weak": "ensemble", "weights": "uniform", "params": {}}])
    r, _ = run(cfg, tmp_path / "a", monkeypatch, tmp_path / "cache")
    assert 0 <= r["summary"]["methods"]["naive"]["accuracy"]["mean"] <= 1


def test_training_loop_fits_a_toy_problem_deterministically():
    def fit():
        torch.manual_seed(0)
        x = torch.randn(64, 3)
        y = (x[:, 0] > 0).long()
        model = torch.nn.Linear(3, 2)
        batches = [{"x": x[i : i + 16], "y": y[i : i + 16]} for i in range(0, 64, 16)]
        info = train(model, lambda e: batches, lambda m, b, p: torch.nn.functional.cross_entropy(m(b["x"]), b["y"]),
                     epochs=30, lr=0.1, evaluate=lambda m: {"score": float((m(x).argmax(1) == y).float().mean())})
        return model, info, x, y

    m1, info, x, y = fit()
    m2, _, _, _ = fit()
    assert info["history"][info["best_epoch"]]["score"] > 0.95
    assert torch.equal(m1.weight, m2.weight)


def test_training_loop_without_a_selection_score_keeps_the_last_epoch_and_emits_no_score():
    x = torch.randn(32, 3)
    y = (x[:, 0] > 0).long()
    emitted = []
    info = train(torch.nn.Linear(3, 2), lambda e: [{"x": x, "y": y}], lambda m, b, p: torch.nn.functional.cross_entropy(m(b["x"]), b["y"]),
                 epochs=4, lr=0.1, emit=emitted.append, key="student/naive/seed0",
                 evaluate=lambda m: {"score": None, "agreement": float((m(x).argmax(1) == y).float().mean())})
    keys = {e["key"] for e in emitted if e["type"] == "metric"}
    assert info["best_epoch"] == 3
    assert "student/naive/seed0/val_agreement" in keys and "student/naive/seed0/val_score" not in keys


def test_lora_mode_trains_adapters_only(bert_dir, tmp_path, monkeypatch):
    pytest.importorskip("peft")
    from ws2s.classification.strong import StrongModel
    from ws2s.recipe import RunContext
    from ws2s.cache import Cache

    cfg = tiny_config(bert_dir, strong={"model": bert_dir, "mode": "lora", "lora_rank": 2, "max_length": 32},
                      methods=[{"name": "naive", "loss": "xent"}])
    ctx = RunContext(torch.device("cpu"), "fp32", Cache(tmp_path, enabled=False), lambda e: None)
    model = StrongModel(cfg["strong"], ["the movie was good"], 2, ctx).new_model(0)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n or n.startswith("head.") for n in trainable)
    r, _ = run(cfg, tmp_path / "a", monkeypatch, tmp_path / "cache")
    assert 0 <= r["summary"]["methods"]["naive"]["accuracy"]["mean"] <= 1


def test_an_hf_model_can_be_a_weak_member(bert_dir, tmp_path, monkeypatch):
    cfg = tiny_config(bert_dir, weak=[{"name": "bow", "arch": "bow"}, {"name": "bert", "arch": "hf", "model": bert_dir, "params": {"max_length": 32}}],
                      methods=[{"name": "naive", "loss": "xent"}])
    r, _ = run(cfg, tmp_path / "a", monkeypatch, tmp_path / "cache")
    assert set(r["per_seed"][0]["weak"]) == {"bow", "bert"}


def test_the_job_returns_json_results_through_the_event_stream(bert_dir, tmp_path, monkeypatch):
    from ws2s.jobs import run_job

    monkeypatch.setenv("WS2S_CACHE_DIR", str(tmp_path / "cache"))
    cfg = classification_config(strong={"model": bert_dir, "max_length": 32}, seeds=[0, 1])
    emit = CollectingEmitter()
    assert run_job("run_experiment", {"config": cfg, "out_dir": str(tmp_path / "run")}, emit)
    done = emit.events[-1]
    assert done["type"] == "done" and done["result"]["summary"]["methods"]["naive"]["pgr"]["n_seeds"] == 2
    assert (tmp_path / "run" / "results.json").exists()


def test_a_method_whose_loss_turns_nan_fails_alone(bert_dir, tmp_path, monkeypatch):
    """One method diverges at its 4th step (step 3): the run finishes, that method is recorded failed with
    the reason and step, and every other method gives the numbers it gives in a run without it."""
    import functools

    from ws2s import losses

    methods = [{"name": "naive", "loss": "xent"}, {"name": "edl", "loss": "edl"},
               {"name": "mw", "loss": "multi_weak", "weak": "all", "weights": "reliability"}]
    clean, _ = run(tiny_config(bert_dir, methods=[methods[0], methods[2]]), tmp_path / "clean", monkeypatch, tmp_path / "cache")
    real, calls = losses.LOSSES["edl"], []

    @functools.wraps(real)
    def diverging(logits, target, progress, **hyper):
        calls.append(progress)
        loss = real(logits, target, progress, **hyper)
        return loss * float("nan") if len(calls) == 4 else loss

    monkeypatch.setitem(losses.LOSSES, "edl", diverging)
    results, events = run(tiny_config(bert_dir, methods=methods), tmp_path / "run", monkeypatch, tmp_path / "cache")

    assert results["failures"] == [{"seed": 0, "method": "edl", "stage": "student", "step": 3,
                                    "reason": results["failures"][0]["reason"]}]
    assert "NonFiniteLoss" in results["failures"][0]["reason"] and "step 3" in results["failures"][0]["reason"]
    seed = results["per_seed"][0]
    assert seed["students"]["edl"] == {"status": "failed", "reason": results["failures"][0]["reason"], "step": 3}
    assert results["summary"]["methods"]["edl"]["status"] == "failed"
    for name in ("naive", "mw"):
        assert seed["students"][name] == clean["per_seed"][0]["students"][name]
        assert results["summary"]["methods"][name] == clean["summary"]["methods"][name]
    assert not any(e["type"] == "metric" and e["key"].startswith("student/edl/") and e["value"] != e["value"] for e in events)
    rows = [json.loads(l) for l in (tmp_path / "run" / "examples.jsonl").read_text().splitlines()]
    assert rows and all(set(r["students"]) == {"naive", "mw"} for r in rows)


def test_a_model_named_as_a_missing_path_says_which_directory_was_tried(tmp_path, monkeypatch):
    from ws2s.models.hf import resolve_model

    monkeypatch.chdir(tmp_path)
    (tmp_path / "realmodel").mkdir()
    assert resolve_model("realmodel") == "realmodel"  # a bare name that exists here is that directory
    assert resolve_model("org/name") == "org/name"  # a hub id stays one
    with pytest.raises(FileNotFoundError, match=f"no such directory {tmp_path}/missing"):
        resolve_model("./missing")
