"""Generation tasks: a source yields utterances with gold frames, split into the four W2S splits.

``load_task(task_config, splits, seed) -> dict[split, list[Example]]`` dispatches on ``task_config["source"]``
through ``SOURCES``; built-in tasks are registered by name in ``ws2s.generation.tasks.builtin.BUILTIN``.
"""

from __future__ import annotations

from .base import SPLITS, Example, random_splits, split_counts
from .builtin import load_builtin
from .slurp import load_slurp

__all__ = ["SOURCES", "SPLITS", "Example", "load_task", "random_splits", "split_counts"]

SOURCES = {"builtin": load_builtin, "slurp": load_slurp}


def load_task(task: dict, fractions: dict, seed: int) -> dict[str, list[Example]]:
    """The four splits of the configured task (see ``SOURCES``)."""
    if task["source"] not in SOURCES:
        raise ValueError(f"task.source {task['source']!r} is not a generation source; use one of {sorted(SOURCES)}")
    splits = SOURCES[task["source"]](task, fractions, seed)
    for split in SPLITS:
        if not splits.get(split):
            raise ValueError(f"split {split!r} is empty; give the task more examples (task.size or task.limit)")
    return splits
