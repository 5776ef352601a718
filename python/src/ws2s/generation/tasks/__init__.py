"""Generation tasks: a source yields utterances with gold frames, split into the four W2S splits.

``load_task(task_config, splits, seed) -> dict[split, list[Example]]`` dispatches on ``task_config["source"]``
through ``SOURCES``; built-in tasks are registered by name in ``ws2s.generation.tasks.builtin.BUILTIN``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..frames import Frame, frame_to_text

SPLITS = ("weak_train", "strong_train", "val", "test")


@dataclass(frozen=True)
class Example:
    """An utterance and its gold frame; ``target`` is the frame's canonical text (the generation target)."""

    source: str
    frame: Frame

    @property
    def target(self) -> str:
        return frame_to_text(self.frame)


def split_counts(n: int, fractions: dict) -> dict[str, int]:
    """How many of ``n`` examples go to each split (floor of n·fraction; every split gets at least one)."""
    counts = {s: max(1, int(n * float(fractions[s]))) for s in SPLITS}
    if sum(counts.values()) > n:
        raise ValueError(f"{n} examples are too few for the splits {fractions}; raise task.size/limit or use a larger file")
    return counts


def random_splits(examples: list[Example], fractions: dict, seed: int) -> dict[str, list[Example]]:
    """Shuffle with ``seed`` and cut into disjoint splits of the configured fractions."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    out, start = {}, 0
    for split, count in split_counts(len(examples), fractions).items():
        out[split] = [examples[i] for i in order[start : start + count]]
        start += count
    return out


def load_task(task: dict, fractions: dict, seed: int) -> dict[str, list[Example]]:
    """The four splits of the configured task (see ``SOURCES``)."""
    from .builtin import load_builtin
    from .slurp import load_slurp

    sources = {"builtin": load_builtin, "slurp": load_slurp}
    if task["source"] not in sources:
        raise ValueError(f"task.source {task['source']!r} is not a generation source; use one of {sorted(sources)}")
    splits = sources[task["source"]](task, fractions, seed)
    for split in SPLITS:
        if not splits.get(split):
            raise ValueError(f"split {split!r} is empty; give the task more examples (task.size or task.limit)")
    return splits
