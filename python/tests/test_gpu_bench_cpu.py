"""The GPU benchmark's CPU part runs every section, so bench/gpu/run.py cannot rot between GPU runs."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "gpu"
BENCH_MODULES = ("batching", "hardware", "training", "labelling", "correctness", "pipeline", "generation")


@pytest.fixture
def bench_run():
    """bench/gpu/run.py as a module; its flat sibling imports are removed again afterwards."""
    saved_path, saved = list(sys.path), {m: sys.modules.pop(m) for m in BENCH_MODULES if m in sys.modules}
    spec = importlib.util.spec_from_file_location("ws2s_bench_gpu_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.path[:] = saved_path
    for m in BENCH_MODULES:
        sys.modules.pop(m, None)
    sys.modules.update(saved)


def test_cpu_part_runs_every_section_and_says_no_gpu_was_used(bench_run, tmp_path, capsys):
    res = bench_run.main(["--cpu", "--json", str(tmp_path / "results.json")])
    out = capsys.readouterr().out

    assert res["errors"] == {}, res["errors"]
    assert res["ok"]
    assert "no CUDA GPU was used" in out
    assert json.loads((tmp_path / "results.json").read_text())["cpu_part"] is True

    reference, ws2s = res["training"]["rows"]
    assert reference["tokens_per_s"] > 0 and ws2s["tokens_per_s"] > 0
    assert ws2s["pad_share"] < reference["pad_share"]  # length buckets pad less than padding to max_len
    assert reference["mfu"] is None  # no peak on a CPU: MFU is not made up

    members = res["labelling"]["rows"]
    assert [r["name"].split()[0] for r in members] == ["bert", "gpt2", "llama", "ensemble"]
    assert all(r["argmax_agree"] == 1.0 and r["max_prob_diff"] < 0.02 for r in members)

    assert res["correctness"]["ok"] and res["correctness"]["learned"]

    runs = res["pipeline"]["rows"]
    assert [r["name"].split(",")[0] for r in runs] == ["bert", "llama", "bert"]
    assert all(r["finite"] and r["results_written"] and r["device"] == "cpu" for r in runs)
    assert "(d) classification pipeline" in out

    gen = res["generation"]
    assert gen["ok"] and [r["check"].split(":")[0] for r in gen["rows"]] == ["beam search", "soft-label loss", "DPO", "DPO"]
    assert "(e) generation" in out


def test_bucket_batches_respect_the_token_budget_and_cover_every_sequence(bench_run):
    import batching

    lengths = batching.sample_lengths(500, min_len=8, max_len=512, seed=0)
    batches = batching.bucket_batches(lengths, max_tokens=4096, multiple=64, seed=0)
    assert sorted(i for b in batches for i in b) == list(range(500))
    for b in batches:
        assert len(b) * batching.padded_length(max(lengths[i] for i in b), 64) <= 4096


def test_peak_lookup_prefers_the_specific_device_name(bench_run, monkeypatch):
    import hardware

    monkeypatch.delenv(hardware.PEAK_ENV, raising=False)
    assert hardware.peak_bf16_tflops("NVIDIA H100 80GB HBM3") == 989.4
    assert hardware.peak_bf16_tflops("NVIDIA H100 PCIe") == 756.0
    assert hardware.peak_bf16_tflops("NVIDIA H200") == 989.4
    assert hardware.peak_bf16_tflops("Some Future GPU") is None
    monkeypatch.setenv(hardware.PEAK_ENV, "500")
    assert hardware.peak_bf16_tflops("Some Future GPU") == 500.0
    # 131k tokens/s on the 558M decoder of DESIGN.md's speed references is 44.3% of an H200.
    assert hardware.mfu(558_000_000, 131_000, 989.4) == pytest.approx(0.443, abs=0.001)
