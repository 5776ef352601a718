"""Task registry: ``TASK_SOURCES`` maps ``task.source`` to a loader ``(task_cfg, seed) -> TextDataset``;
``BUILTIN_TASKS`` maps a built-in task name to its generator ``(size, seed, **params)``."""

from __future__ import annotations

import inspect

from ws2s.tasks import synonyms
from ws2s.tasks.base import TextDataset
from ws2s.tasks.files import load_csv, load_jsonl, load_sciq
from ws2s.tasks.hf import load_hf
from ws2s.tasks.splits import SPLITS, make_splits

BUILTIN_TASKS = {"synonyms": synonyms.generate}


def load_builtin(cfg: dict, seed: int) -> TextDataset:
    gen = BUILTIN_TASKS.get(cfg["name"])
    if gen is None:
        raise ValueError(f"task.name: unknown built-in task {cfg['name']!r}; choose from {', '.join(sorted(BUILTIN_TASKS))}")
    allowed = set(inspect.signature(gen).parameters) - {"size", "seed"}
    extra = set(cfg.get("params", {})) - allowed
    if extra:
        raise ValueError(f"task.params: unknown parameter(s) {sorted(extra)} for task {cfg['name']!r}; it takes {sorted(allowed)}")
    return gen(cfg["size"], seed, **cfg.get("params", {}))


TASK_SOURCES = {"builtin": load_builtin, "jsonl": load_jsonl, "csv": load_csv, "sciq": load_sciq, "hf": load_hf}


def load_task(cfg: dict, seed: int) -> TextDataset:
    return TASK_SOURCES[cfg["source"]](cfg, seed)


__all__ = ["TASK_SOURCES", "BUILTIN_TASKS", "TextDataset", "SPLITS", "load_task", "make_splits"]
