"""Runs a job function as one multi-process run under ``torchrun`` and relays its events.

``run_distributed("pkg.module:function", params, nproc, ...)`` starts ``nproc`` processes of
``python -m ws2s.train.worker`` (one per GPU; gloo processes on the CPU). Each joins the process group
and calls ``function(params, emit)``; rank 0's ``emit`` writes a JSONL file, which this process reads as
it grows and hands to the caller's ``emit`` — from the calling thread, since emitters are not
thread-safe — and rank 0's return value is the result. A failure in any rank ends the run with the
failing rank's error and traceback.

Every process of the run dies with it, whatever dies first. torchrun starts its workers in new
sessions, outside the job's process group that the bridge signals, so: torchrun and each worker ask
the kernel to kill them when their parent dies (``die_with_parent``), and this launcher keeps track of
every descendant of torchrun while it runs and kills any that are left when it ends.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import torch

from ws2s.train.distributed import STRATEGIES, torchrun_command
from ws2s.train.lifetime import descendants, die_with_parent, kill_tracked

POLL_S = 0.2


def check_world(nproc: int, strategy: str, device: str = "auto") -> str:
    """The device type the processes will use ("cuda" or "cpu"); raises, saying what to change, when
    ``nproc`` processes cannot run (fewer visible GPUs than processes, an unknown strategy)."""
    if nproc < 1:
        raise ValueError(f"distributed.nproc must be at least 1, got {nproc}")
    if strategy not in STRATEGIES:
        raise ValueError(f"distributed.strategy {strategy!r} is unknown; choose one of {', '.join(STRATEGIES)}")
    if device == "cpu" or (device == "auto" and not torch.cuda.is_available()):
        return "cpu"
    visible = torch.cuda.device_count()
    if visible < nproc:
        shown = os.environ.get("CUDA_VISIBLE_DEVICES")
        raise RuntimeError(
            f"distributed.nproc is {nproc} but only {visible} GPU(s) are visible"
            + (f" (CUDA_VISIBLE_DEVICES={shown})" if shown is not None else "")
            + "; lower distributed.nproc or give the run more GPUs (device 'cpu' runs the processes on the CPU)"
        )
    return "cuda"


class JsonlTail:
    """The complete lines appended to a file since the last ``read()`` (a line still being written stays
    for the next call)."""

    def __init__(self, path: Path):
        self.path, self.offset, self.partial = path, 0, b""

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        self.offset += len(chunk)
        *lines, self.partial = (self.partial + chunk).split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]


class DistributedRunError(RuntimeError):
    """A rank of a multi-process run failed; the message carries its error and traceback."""


def run_distributed(target: str, params: dict, nproc: int, emit: Callable[[dict], None], *, strategy: str = "ddp",
                    device: str = "auto", env: dict[str, str] | None = None, python: str | None = None) -> Any:
    """Rank 0's ``target(params, emit)`` result after running it in ``nproc`` processes (see module doc)."""
    device_type = check_world(nproc, strategy, device)
    with tempfile.TemporaryDirectory(prefix="ws2s-dist-") as tmp:
        d = Path(tmp)
        spec = {"target": target, "params": params, "strategy": strategy, "events": str(d / "events.jsonl"),
                "result": str(d / "result.json"), "error": str(d / "error.json"), "scratch": str(d)}
        (d / "spec.json").write_text(json.dumps(spec))
        run_env = {**os.environ, **(env or {})}
        if device_type == "cpu":
            run_env["CUDA_VISIBLE_DEVICES"] = ""  # device 'cpu' on a GPU machine: gloo on the CPU, no NCCL
            run_env.setdefault("OMP_NUM_THREADS", "1")
        emit({"type": "log", "level": "info", "message": f"distributed: {nproc} processes under torchrun ({strategy}, "
              + ("NCCL on GPUs)" if device_type == "cuda" else "gloo on the CPU)")})
        tail = JsonlTail(d / "events.jsonl")
        me = os.getpid()
        tracked: dict[int, str] = {}  # every process torchrun started, even one that left its session
        with (d / "torchrun.log").open("wb") as log:
            proc = subprocess.Popen(torchrun_command(nproc, ["ws2s.train.worker", str(d / "spec.json")], python),
                                    stdout=log, stderr=subprocess.STDOUT, env=run_env,
                                    preexec_fn=lambda: die_with_parent(me))
            try:
                while proc.poll() is None:
                    tracked.update(descendants(proc.pid))
                    for event in tail.read():
                        emit(_unstamped(event))
                    time.sleep(POLL_S)
            finally:
                if proc.poll() is None:  # the job was cancelled or emit raised: take the processes down
                    tracked.update(descendants(proc.pid))
                    proc.terminate()
                    try:
                        proc.wait(5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                kill_tracked(tracked)
        for event in tail.read():
            emit(_unstamped(event))
        if proc.returncode != 0 or not Path(spec["result"]).exists():
            raise DistributedRunError(_failure(d, spec, nproc, proc.returncode))
        return json.loads(Path(spec["result"]).read_text())


def _unstamped(event: dict) -> dict:
    """The event without rank 0's ``seq``/``t``: the caller's emitter stamps its own."""
    return {k: v for k, v in event.items() if k not in ("seq", "t")}


def _failure(d: Path, spec: dict, nproc: int, code: int | None) -> str:
    err = Path(spec["error"])
    if err.exists():
        e = json.loads(err.read_text())
        return f"rank {e['rank']} of {nproc} failed: {e['type']}: {e['message']}\n{e['traceback']}"
    out = (d / "torchrun.log").read_bytes()[-4000:].decode("utf-8", "replace")
    return f"torchrun with {nproc} processes exited with code {code} and no result; its output ends:\n{out}"
