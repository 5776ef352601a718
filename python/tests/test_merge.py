"""``ws2s merge``: runs of one experiment split by seed merge into what one run over all the seeds writes
(per-seed reports, examples and the recomputed summary); parts that are not one experiment are refused."""

import json
import shutil

import pytest

from cls_helpers import classification_config, tiny_bert
from results_schema import validate_run
from ws2s.config import load_config
from ws2s.errors import ConfigError
from ws2s.events import JsonlEmitter
from ws2s.merge import merge_runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One tiny classification experiment run over seeds [0, 1, 2], and again as two parts [0] and [1, 2]."""
    from ws2s.classification.pipeline import run

    root = tmp_path_factory.mktemp("merge")
    bert = tiny_bert(root / "tiny-bert")
    base = classification_config(
        strong={"model": bert, "max_length": 32},
        weak=[{"name": "bow", "arch": "bow"}, {"name": "bow2", "arch": "bow", "params": {"epochs": 3}}],
        methods=[{"name": "naive", "loss": "xent"}, {"name": "edl", "loss": "edl"}],
    )
    out = {"config": base}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WS2S_CACHE_DIR", str(root / "cache"))
        for name, seeds in (("whole", [0, 1, 2]), ("a", [0]), ("b", [1, 2])):
            emit = JsonlEmitter(root / name / "events.jsonl")
            run(load_config({**base, "seeds": seeds}), root / name, emit)
            emit.close()
            out[name] = root / name
    return out


def numbers(x):
    """Every number in a nested structure, in order (floats compared with tolerance)."""
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in numbers(x[k])]
    if isinstance(x, list):
        return [v for item in x for v in numbers(item)]
    return [x] if isinstance(x, (int, float)) and not isinstance(x, bool) else []


def test_merged_parts_equal_one_run_over_all_seeds(runs, tmp_path):
    merged = merge_runs([runs["a"], runs["b"]], tmp_path / "m")
    whole = json.loads((runs["whole"] / "results.json").read_text())
    validate_run(tmp_path / "m")  # the results contract holds for a merged run
    assert merged["seeds"] == [0, 1, 2] and merged["config"] == whole["config"]
    assert merged["merged_from"] == [str(runs["a"]), str(runs["b"])]
    assert [s["seed"] for s in merged["per_seed"]] == [0, 1, 2]
    assert numbers(merged["per_seed"]) == pytest.approx(numbers(whole["per_seed"]), abs=1e-9)
    # the summary is recomputed over three seeds, not copied from a part: intervals equal the whole run's
    assert merged["summary"].keys() == whole["summary"].keys()
    assert numbers(merged["summary"]) == pytest.approx(numbers(whole["summary"]), abs=1e-9)
    part_a = json.loads((runs["a"] / "results.json").read_text())
    assert merged["summary"]["methods"]["edl"]["accuracy"] != part_a["summary"]["methods"]["edl"]["accuracy"]
    rows = (tmp_path / "m" / "examples.jsonl").read_text().splitlines()
    assert len(rows) == len((runs["whole"] / "examples.jsonl").read_text().splitlines())
    events = [json.loads(l) for l in (tmp_path / "m" / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(len(events))) and all(e["type"] != "done" for e in events)
    parts = [json.loads((runs[p] / "results.json").read_text()) for p in "ab"]
    assert merged["timings"]["total_s"] == pytest.approx(sum(p["timings"]["total_s"] for p in parts))


def test_parts_of_different_experiments_are_refused(runs, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(runs["b"], other)
    r = json.loads((other / "results.json").read_text())
    r["config"]["strong_train"]["epochs"] += 1
    (other / "results.json").write_text(json.dumps(r))
    with pytest.raises(ConfigError, match=r"strong_train.*only `seeds` may differ"):
        merge_runs([runs["a"], other], tmp_path / "m")
    with pytest.raises(ConfigError, match="seed 0 is in both"):
        merge_runs([runs["a"], runs["whole"]], tmp_path / "m")
    with pytest.raises(ConfigError, match="does not exist"):
        merge_runs([runs["a"], tmp_path / "nowhere"], tmp_path / "m")
    with pytest.raises(ConfigError, match="one of the parts"):
        merge_runs([runs["a"], runs["b"]], runs["b"])
    with pytest.raises(ConfigError, match="already holds a results.json"):
        merge_runs([runs["a"], runs["b"]], runs["whole"])  # another run's directory is never overwritten
    with pytest.raises(ConfigError, match="at least two"):
        merge_runs([runs["a"]], tmp_path / "m")
    assert not (tmp_path / "m").exists()  # nothing written by a refused merge


def test_cli_run_seeds_override_and_merge(runs, tmp_path, monkeypatch):
    from ws2s.__main__ import main, parse_seeds

    assert parse_seeds("1, 2") == [1, 2]
    with pytest.raises(ConfigError, match="comma-separated integers"):
        parse_seeds("1,x")
    assert main(["merge", str(runs["a"]), str(runs["b"]), "--out", str(tmp_path / "m")]) == 0
    assert json.loads((tmp_path / "m" / "results.json").read_text())["seeds"] == [0, 1, 2]
    assert main(["merge", str(runs["a"]), str(runs["a"]), "--out", str(tmp_path / "n")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["run", str(bad), "--seeds", "1", "--out", str(tmp_path / "r")]) == 2
    assert main(["run", str(bad), "--seeds", "x", "--out", str(tmp_path / "r")]) == 2
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(runs["config"]))  # its own seeds: [0]
    monkeypatch.setenv("WS2S_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["run", str(cfg), "--seeds", "2", "--out", str(tmp_path / "r")]) == 0
    one = json.loads((tmp_path / "r" / "results.json").read_text())
    whole = json.loads((runs["whole"] / "results.json").read_text())
    assert one["seeds"] == [2] and numbers(one["per_seed"]) == pytest.approx(numbers(whole["per_seed"][2:]), abs=1e-9)


def test_generation_parts_merge_with_the_dpo_comparison(tmp_path):
    """A generation run's merge recomputes its own summary too (slot scores, DPO before/after over both seeds)."""
    from gen_helpers import run_one_thread, tiny

    base = tiny(dpo={"candidates": 2, "epochs": 1})
    whole = run_one_thread(load_config({**base, "seeds": [0, 1]}), tmp_path / "whole", cache_dir=tmp_path / "cache")
    for name, seeds in (("a", [0]), ("b", [1])):
        run_one_thread(load_config({**base, "seeds": seeds}), tmp_path / name, cache_dir=tmp_path / "cache")
    merged = merge_runs([tmp_path / "a", tmp_path / "b"], tmp_path / "m")
    validate_run(tmp_path / "m")
    assert merged["kind"] == "generation" and merged["length_penalty"] == whole["length_penalty"]
    assert numbers(merged["per_seed"]) == pytest.approx(numbers(whole["per_seed"]), abs=1e-9)
    assert numbers(merged["summary"]) == pytest.approx(numbers(whole["summary"]), abs=1e-9)
    assert "dpo" in merged["summary"] and next(iter(merged["summary"]["dpo"].values()))["n_seeds"] == 2
