"""ws2s.train.distributed: a world of one outside torchrun, and real DDP over two CPU processes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch

from ws2s.train import distributed as D


def test_outside_torchrun_it_is_a_world_of_one_and_the_model_is_unchanged(monkeypatch):
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    info = D.init()
    assert (info.rank, info.world_size, info.is_main, info.distributed) == (0, 1, True, False)
    model = torch.nn.Linear(2, 2)
    assert D.wrap(model, info) is model


def test_outside_torchrun_ranks_agree_with_themselves():
    assert D.active() is None
    assert D.all_ranks_agree(True) is True and D.all_ranks_agree(False) is False


def test_shard_gives_every_rank_the_same_number_of_disjoint_items():
    items = list(range(10))
    shares = [D.shard(items, D.DistInfo(r, 3, r, torch.device("cpu"))) for r in range(3)]
    assert shares == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]


def test_torchrun_command_and_bad_arguments_say_what_to_fix():
    cmd = D.torchrun_command(4, ["ws2s", "run", "c.json"], python="py")
    assert cmd == ["py", "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=4", "-m", "ws2s", "run", "c.json"]
    with pytest.raises(ValueError, match="at least one process"):
        D.torchrun_command(0, ["ws2s"])
    with pytest.raises(ValueError, match="choose one of ddp, fsdp"):
        D.wrap(torch.nn.Linear(1, 1), D.init(), strategy="zero3")


def test_repeated_blocks_are_the_largest_module_list():
    model = torch.nn.Module()
    model.heads = torch.nn.ModuleList([torch.nn.Linear(1, 1)])
    model.layers = torch.nn.ModuleList([torch.nn.Linear(1, 1) for _ in range(3)])
    assert D.repeated_blocks(model) == list(model.layers)


WORKER = textwrap.dedent("""
    import json, sys, torch
    from ws2s.train import distributed as D
    info = D.init()
    torch.manual_seed(0)
    model = D.wrap(torch.nn.Linear(3, 1, bias=False), info)
    x = torch.full((1, 3), float(info.rank + 1))  # each rank sees different data
    model(x).sum().backward()
    grad = model.module.weight.grad.tolist()
    with open(sys.argv[1] + f"/rank{info.rank}.json", "w") as f:
        json.dump({"world": info.world_size, "grad": grad}, f)
    D.finish()
""")


@pytest.mark.slow
def test_ddp_over_two_cpu_processes_averages_the_gradients(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", str(script), str(tmp_path)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{i}.json").read_text()) for i in range(2)]
    assert all(rk["world"] == 2 for rk in ranks)
    # rank 0's gradient is x = 1s, rank 1's is 2s: DDP leaves their mean, 1.5, on both
    assert ranks[0]["grad"] == ranks[1]["grad"] == [[1.5, 1.5, 1.5]]
