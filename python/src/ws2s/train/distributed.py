"""One run on several GPUs: launching under ``torchrun`` and wrapping the model (DDP, or FSDP for
students that do not fit on one GPU).

The job starts a multi-GPU run as ``torchrun_command(n, [...])`` (``ws2s.train.launch``) instead of
training in its own process; ``torchrun`` sets RANK / WORLD_SIZE / LOCAL_RANK / MASTER_ADDR /
MASTER_PORT for every process, and each process calls ``init(strategy=...)`` first, emits events only
where ``info.is_main``, and calls ``finish()``. In between, ``ws2s.train.loop.train`` sees the world
through ``active()``: it trains ``wrap(model)`` on ``shard(batches)``, so every recipe that uses the
one loop runs data-parallel without knowing it. Without those variables everything degrades to one
process: ``init()`` returns a world of one, ``active()`` is None and ``wrap()`` returns the model.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Sequence, TypeVar

import torch
import torch.distributed as dist

T = TypeVar("T")
STRATEGIES = ("ddp", "fsdp")


@dataclass(frozen=True)
class DistInfo:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that emits events and writes artifacts."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def env_world() -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` from torchrun's environment; ``(0, 1, 0)`` outside it."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))


# The world this process trains in, set by init() under torchrun. Process-global like torch.distributed's
# own process group: the loop reads it instead of every recipe threading it through to every train().
_ACTIVE: tuple[DistInfo, str] | None = None


def active() -> tuple[DistInfo, str] | None:
    """``(info, strategy)`` inside a multi-process run set up by ``init``; None in a world of one."""
    return _ACTIVE


def init(backend: str | None = None, strategy: str = "ddp") -> DistInfo:
    """Joins the process group torchrun set up (NCCL on CUDA, gloo on CPU), picks this rank's GPU and
    makes ``strategy`` the way ``ws2s.train.loop.train`` wraps models from now on."""
    global _ACTIVE
    if strategy not in STRATEGIES:
        raise ValueError(f"distributed strategy {strategy!r} is unknown; choose one of {', '.join(STRATEGIES)}")
    rank, world, local = env_world()
    cuda = torch.cuda.is_available()
    if cuda:
        if local >= torch.cuda.device_count():
            raise RuntimeError(
                f"distributed: LOCAL_RANK {local} but only {torch.cuda.device_count()} GPU(s) are visible; "
                "start torchrun with --nproc-per-node at most the number of GPUs in CUDA_VISIBLE_DEVICES"
            )
        torch.cuda.set_device(local)
    device = torch.device("cuda", local) if cuda else torch.device("cpu")
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend or ("nccl" if cuda else "gloo"))
    info = DistInfo(rank=rank, world_size=world, local_rank=local, device=device)
    _ACTIVE = (info, strategy) if info.distributed else None
    return info


def wrap(model: torch.nn.Module, info: DistInfo, strategy: str = "ddp") -> torch.nn.Module:
    """The model ready for data-parallel training; unchanged in a world of one.

    ``ddp``: a full replica per GPU, gradients all-reduced. ``fsdp``: parameters, gradients and
    optimizer state sharded across GPUs (FSDP2 ``fully_shard`` per repeated block, then the root), for
    students whose weights and optimizer state do not fit on one GPU. Build the optimizer after this.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"distributed strategy {strategy!r} is unknown; choose one of {', '.join(STRATEGIES)}")
    model.to(info.device)
    if not info.distributed:
        return model
    if strategy == "ddp":
        from torch.nn.parallel import DistributedDataParallel

        ids = [info.local_rank] if info.device.type == "cuda" else None
        # HF backbones carry parameters a classifier never uses (BERT's pooler): without
        # find_unused_parameters DDP would wait for their gradients forever.
        return DistributedDataParallel(model, device_ids=ids, find_unused_parameters=True)
    from torch.distributed.fsdp import fully_shard

    for block in repeated_blocks(model):
        fully_shard(block)
    fully_shard(model)
    return model


def training_module(model: torch.nn.Module, info: DistInfo, strategy: str) -> torch.nn.Module:
    """What the loop trains: ``wrap(model)`` for DDP (the replica is ``model`` itself); for FSDP a
    sharded copy, so ``model`` stays a plain module that loads, saves and evaluates like any other
    (its full weights come back through ``gather_into``). FSDP then saves the memory of gradients and
    optimizer state — three quarters of it with AdamW on fp32 weights — not of one copy of the weights."""
    if strategy == "fsdp" and info.distributed:
        import copy

        return wrap(copy.deepcopy(model), info, strategy)
    return wrap(model, info, strategy)


def gather_into(sharded: torch.nn.Module, plain: torch.nn.Module) -> None:
    """Loads the full weights of an FSDP-sharded module into its plain twin (a collective: every rank)."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    plain.load_state_dict(get_model_state_dict(sharded, options=StateDictOptions(full_state_dict=True)))


def repeated_blocks(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The members of the largest ``nn.ModuleList`` (a transformer's layers): FSDP's shard units."""
    lists = [m for m in model.modules() if isinstance(m, torch.nn.ModuleList)]
    return list(max(lists, key=len)) if lists else []


def shard(items: Sequence[T], info: DistInfo) -> list[T]:
    """This rank's share: every ``world_size``-th item from ``rank``, cut so all ranks take as many
    steps (a rank that stepped once more would wait forever in the all-reduce)."""
    per_rank = len(items) // info.world_size
    return list(items[info.rank :: info.world_size][:per_rank])


def all_ranks_agree(flag: bool) -> bool:
    """True when ``flag`` is true on every rank of the active world (a collective: every rank calls it
    at the same point); ``flag`` itself in a world of one."""
    if _ACTIVE is None:
        return flag
    t = torch.tensor([int(flag)], device=_ACTIVE[0].device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item())


def finish() -> None:
    global _ACTIVE
    _ACTIVE = None
    if dist.is_initialized():
        dist.destroy_process_group()


def torchrun_command(nproc: int, args: Sequence[str], python: str | None = None) -> list[str]:
    """argv that runs ``python -m <args...>`` as ``nproc`` processes on this machine, e.g.
    ``torchrun_command(2, ["ws2s", "run", "cfg.json", "--out", "runs/x"])``."""
    if nproc < 1:
        raise ValueError(f"torchrun needs at least one process per node, got {nproc}")
    return [python or sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
            "-m", *args]
