"""``python -m ws2s``: check rejects a bad config naming the field; run (slow) writes results and events."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cls_helpers import classification_config
from results_schema import validate_run

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, env=None):
    e = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "ws2s", *args], capture_output=True, text=True, env=e, timeout=600)


def test_check_rejects_a_bad_config_naming_the_field(tmp_path):
    cfg = tmp_path / "bad.json"
    cfg.write_text(json.dumps(classification_config(methods=[{"name": "a", "loss": "nope"}])))
    r = cli("check", str(cfg))
    assert r.returncode == 2 and "methods[0].loss" in r.stderr and "xent" in r.stderr


def test_shipped_configs_are_valid():
    from ws2s.config import load_config

    for name in ("demo-classification.json", "smoke-classification.json"):
        assert load_config(ROOT / "experiments" / name)["kind"] == "classification"


@pytest.mark.slow
def test_smoke_run_end_to_end(tmp_path):
    out = tmp_path / "run"
    r = cli("run", str(ROOT / "experiments" / "smoke-classification.json"), "--out", str(out), env={"WS2S_CACHE_DIR": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr[-3000:]
    results = validate_run(out)  # results.json and every examples row match the results schema
    assert results["kind"] == "classification" and set(results["summary"]["methods"]) == {"naive", "edl"}
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert events[-1]["type"] == "done"
    assert {"weak", "weak_labels", "ceiling", "student", "eval"} <= {e["stage"] for e in events if e["type"] == "progress"}
    assert (out / "examples.jsonl").stat().st_size > 0
