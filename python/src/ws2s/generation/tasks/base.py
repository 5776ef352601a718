"""What every generation task source shares: the example type, the four splits and how to cut them."""

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
