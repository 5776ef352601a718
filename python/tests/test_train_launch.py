"""One run on several processes: config, argument checks, event relay, failures, and the smoke
classification config under DDP over two CPU processes (slow)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
import torch

from results_schema import validate_run
from ws2s.config import ConfigError, load_config
from ws2s.jobs.experiment import run_experiment
from ws2s.train.launch import DistributedRunError, JsonlTail, check_world, run_distributed

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "experiments" / "smoke-classification.json"


def smoke(**over) -> dict:
    return {**json.loads(SMOKE.read_text()), "cache": False, **over}


def test_the_default_is_one_process_and_a_bad_nproc_names_the_field():
    assert load_config(smoke())["distributed"] == {"nproc": 1, "strategy": "ddp"}
    with pytest.raises(ConfigError, match="distributed.nproc"):
        load_config(smoke(distributed={"nproc": 0}))


def test_more_processes_than_visible_gpus_says_what_to_change(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    with pytest.raises(RuntimeError, match=r"nproc is 2 but only 1 GPU\(s\) are visible \(CUDA_VISIBLE_DEVICES=3\); lower"):
        check_world(2, "ddp")
    assert check_world(1, "fsdp") == "cuda"
    assert check_world(4, "ddp", device="cpu") == "cpu"  # gloo processes need no GPU


def test_bad_arguments_are_refused_before_anything_starts(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert check_world(3, "ddp") == "cpu"
    with pytest.raises(ValueError, match="at least 1"):
        check_world(0, "ddp")
    with pytest.raises(ValueError, match="choose one of ddp, fsdp"):
        check_world(2, "zero3")


def test_the_job_checks_the_gpus_before_launching_torchrun(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(RuntimeError, match="nproc is 2 but only 1 GPU"):
        run_experiment({"config": smoke(distributed={"nproc": 2}), "out_dir": str(tmp_path)}, lambda e: None)


def test_the_relay_hands_over_complete_lines_only(tmp_path):
    path = tmp_path / "events.jsonl"
    tail = JsonlTail(path)
    assert tail.read() == []  # rank 0 has not started writing
    path.write_bytes(b'{"a": 1}\n{"b"')
    assert tail.read() == [{"a": 1}]
    with path.open("ab") as f:
        f.write(b': 2}\n')
    assert tail.read() == [{"b": 2}]
    assert tail.read() == []


def fail_on_rank_1(params, emit):
    """A target for the worker (imported from this file by module name)."""
    if int(os.environ["RANK"]) == 1:
        raise ValueError(f"bad value {params['x']}")
    torch.distributed.barrier()  # rank 0 waits, as a real run would in a collective


def cache_on_rank_0_only(params, emit):
    """A target for the worker: rank 0's cache holds the entry, rank 1's does not."""
    from ws2s.cache import Cache

    cache = Cache(Path(params["dir"]) / f"rank{os.environ['RANK']}")

    def train_like():  # computing takes part in a collective, as training under DDP does
        t = torch.ones(1)
        torch.distributed.all_reduce(t)
        return float(t)

    return cache.get_or_compute("k", "key", train_like)


@pytest.mark.slow
def test_ranks_agree_on_cache_hits_so_none_waits_forever_in_training(tmp_path):
    from ws2s.cache import Cache

    Cache(tmp_path / "rank0").get_or_compute("k", "key", lambda: 1.0)
    env = {"PYTHONPATH": str(Path(__file__).parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # rank 0 alone would load 1.0 and leave rank 1 in the all-reduce; agreeing, both compute 2.0
    assert run_distributed("test_train_launch:cache_on_rank_0_only", {"dir": str(tmp_path)}, 2, lambda ev: None,
                           device="cpu", env=env) == 2.0


@pytest.mark.slow
def test_a_failing_rank_fails_the_run_with_its_error_and_traceback():
    env = {"PYTHONPATH": str(Path(__file__).parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with pytest.raises(DistributedRunError, match=r"rank 1 of 2 failed: ValueError: bad value 7") as e:
        run_distributed("test_train_launch:fail_on_rank_1", {"x": 7}, 2, lambda ev: None, device="cpu", env=env)
    assert "Traceback" in str(e.value) and "fail_on_rank_1" in str(e.value)


def tiny_batches(epoch: int) -> list[dict]:
    g = torch.Generator().manual_seed(epoch)
    x = torch.randn(8, 4, 3, generator=g)  # 8 batches of 4 rows
    return [{"x": xb, "y": xb.sum(1, keepdim=True)} for xb in x]


class Tiny(torch.nn.Module):
    """``forward(x [batch, 3]) -> [batch, 1]``; two repeated blocks (FSDP's shard units)."""

    def __init__(self):
        super().__init__()
        self.inp, self.out = torch.nn.Linear(3, 8), torch.nn.Linear(8, 1)
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(8, 8) for _ in range(2)])

    def forward(self, x):
        h = torch.tanh(self.inp(x))
        for block in self.blocks:
            h = torch.tanh(block(h))
        return self.out(h)


def mse(model, batch, progress=0.0):
    return torch.nn.functional.mse_loss(model(batch["x"]), batch["y"])


def merged(epoch: int) -> list[dict]:
    """Batches 2k and 2k+1 as one: what two processes see together at step k."""
    b = tiny_batches(epoch)
    return [{k: torch.cat([x[k], y[k]]) for k in x} for x, y in zip(b[::2], b[1::2])]


def tiny_train(params, emit):
    """A target for the worker: trains the tiny model and returns its weights and the val scores seen."""
    from ws2s.train.loop import train

    torch.manual_seed(0)
    model, scores = Tiny(), []

    def evaluate(m):
        scores.append(-float(mse(m, tiny_batches(9)[0])))
        return {"score": scores[-1]}

    info = train(model, merged if params.get("merge") else tiny_batches, mse, epochs=2, lr=1e-2, evaluate=evaluate,
                 precision="fp32")
    return {"weights": [p.tolist() for p in model.state_dict().values()], "steps": info["steps"], "scores": scores}


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["ddp", "fsdp"])
def test_two_processes_take_the_steps_of_one_process_on_merged_batches(strategy):
    env = {"PYTHONPATH": str(Path(__file__).parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    two = run_distributed("test_train_launch:tiny_train", {}, 2, lambda ev: None, strategy=strategy, device="cpu", env=env)
    one = tiny_train({"merge": True}, None)  # rank 0 takes batches 0, 2, ..., rank 1 takes 1, 3, ...
    assert two["steps"] == one["steps"] == 8
    assert two["scores"] == pytest.approx(one["scores"], rel=1e-4)
    for a, b in zip(two["weights"], one["weights"]):
        assert torch.allclose(torch.tensor(a), torch.tensor(b), atol=1e-5)


@pytest.mark.slow
def test_the_smoke_config_runs_data_parallel_on_two_cpu_processes(tmp_path):
    events: list[dict] = []
    out = tmp_path / "run"
    result = run_experiment({"config": smoke(distributed={"nproc": 2}), "out_dir": str(out)}, events.append)

    assert result == validate_run(out)  # rank 0's results, in the results contract
    assert result["summary"]["best_method"] in {"naive", "edl"}
    assert result["per_seed"][0]["ceiling"]["accuracy"] > 0.8  # the strong model learned under DDP (0.96)
    assert sorted(p.name for p in out.iterdir()) == ["events.jsonl", "examples.jsonl", "results.json"]
    assert any("2 processes under torchrun (ddp, gloo" in e.get("message", "") for e in events)
    assert [e["type"] for e in events if e["type"] == "artifact"] == ["artifact", "artifact"]
    assert all("seq" not in e for e in events)  # the job's emitter stamps its own
    assert len((out / "events.jsonl").read_text().splitlines()) == len(events)

    # each process takes half of every epoch's batches: half the steps of a one-process run
    settings, n = result["config"]["strong_train"], result["sizes"]["strong_train"]
    steps = settings["epochs"] * (math.ceil(n / settings["batch_size"]) // 2)
    logged = [e["step"] for e in events if e.get("key") == "ceiling/seed0/train_loss"]
    assert logged == list(range(0, steps, 10))
