import pytest

from gen_helpers import ROOT, SMOKE, run_one_thread, smoke
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
