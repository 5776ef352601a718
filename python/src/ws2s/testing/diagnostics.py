"""Diagnostic jobs: exercise the bridge (events, errors, crashes, hangs, floods) and benchmark it.

Not part of any recipe; ``ws2s.jobs`` registers them so the bridge's tests and benchmark can run them by name.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from typing import Any

from ws2s.jobs import register


@register("echo")
def echo(params: dict, emit) -> Any:
    """Emit ``params["events"]`` as given, then return ``params["result"]`` (default: ``params``)."""
    for event in params.get("events", []):
        emit(event)
    return params.get("result", params)


def _fail(message: str) -> None:
    raise ValueError(message)


@register("raise_error")
def raise_error(params: dict, emit) -> None:
    """Raise ``ValueError(params["message"])`` two frames down, after one log event."""
    emit({"type": "log", "level": "info", "message": "about to raise"})
    _fail(params.get("message", "boom"))


def _segfault() -> None:
    ctypes.string_at(0)


_CRASHES = {
    "segfault": _segfault,
    "exit": lambda: os._exit(3),
    "sigkill": lambda: os.kill(os.getpid(), signal.SIGKILL),
}


@register("crash")
def crash(params: dict, emit) -> None:
    """Kill this Python without a Python exception: ``params["how"]`` in segfault, exit (code 3), sigkill.

    Writes ``params["stderr"]`` to stderr first, and emits (and flushes) a log event just before.
    """
    how = params.get("how", "segfault")
    if how not in _CRASHES:
        raise ValueError(f"crash how={how!r}; choose one of {', '.join(_CRASHES)}")
    print(params.get("stderr", "crash job: about to crash"), file=sys.stderr, flush=True)
    emit({"type": "log", "level": "warning", "message": f"crashing now ({how})"})
    emit.flush()
    _CRASHES[how]()


@register("hang")
def hang(params: dict, emit) -> None:
    """Never return. Starts ``params["children"]`` sleeping child processes and reports every pid in a
    log message ``"pids <python> <child> ..."``; with ``params["ignore_sigterm"]`` it ignores SIGTERM."""
    if params.get("ignore_sigterm"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    children = [
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        for _ in range(int(params.get("children", 0)))
    ]
    pids = " ".join(str(pid) for pid in [os.getpid(), *(c.pid for c in children)])
    emit({"type": "log", "level": "info", "message": f"pids {pids}"})
    emit.flush()
    while True:
        time.sleep(3600)


@register("flood")
def flood(params: dict, emit) -> dict:
    """Emit ``params["n"]`` metric events ``{key, value: i, step: i}`` as fast as possible."""
    n, key = int(params.get("n", 10_000)), params.get("key", "flood/value")
    for i in range(n):
        emit({"type": "metric", "key": key, "value": float(i), "step": i})
    return {"emitted": n}


@register("cpu_work")
def cpu_work(params: dict, emit) -> dict:
    """Fixed CPU work: ``iterations`` float64 matmuls of ``size``², a metric every ``metric_every``.

    Returns the checksum and the wall and CPU seconds spent inside this function.
    """
    import numpy as np

    size, iterations = int(params.get("size", 192)), int(params.get("iterations", 400))
    every = int(params.get("metric_every", 10))
    start, start_cpu = time.perf_counter(), time.process_time()
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)) / size**0.5
    x = rng.standard_normal((size, size))
    for i in range(iterations):
        x = np.tanh(a @ x)
        if i % every == 0:
            emit({"type": "metric", "key": "work/norm", "value": float(np.linalg.norm(x)), "step": i})
    return {
        "checksum": float(x.sum()),
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - start_cpu,
    }

