"""What every stage of a run shares: device, precision, cache, emitter, timings."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch

from ws2s.cache import Cache


@dataclass
class RunContext:
    device: torch.device
    precision: str
    cache: Cache
    emit: object
    timings: dict = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - t0

    def log(self, message: str, level: str = "info") -> None:
        self.emit({"type": "log", "level": level, "message": message})

    def progress(self, stage: str, current: int, total: int, message: str | None = None) -> None:
        ev = {"type": "progress", "stage": stage, "current": current, "total": total}
        if message:
            ev["message"] = message
        self.emit(ev)
