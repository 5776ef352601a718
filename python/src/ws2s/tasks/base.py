"""A labelled text data set, the common output of every task source."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class TextDataset:
    """``texts[i]`` has class index ``labels[i]`` into ``classes`` (display names).

    ``weak_eligible`` (optional) marks the examples a weak supervisor may train on; a built-in task
    uses it to model a distribution shift between the weak supervisors' data and the rest.
    """

    texts: list[str]
    labels: list[int]
    classes: list[str]
    weak_eligible: list[bool] | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{len(self.texts)} texts but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, idx) -> "TextDataset":
        idx = [int(i) for i in idx]
        return TextDataset([self.texts[i] for i in idx], [self.labels[i] for i in idx], self.classes)

    def balance(self) -> dict[str, float]:
        """Fraction of examples per class name."""
        counts = Counter(self.labels)
        n = max(1, len(self.labels))
        return {c: counts.get(i, 0) / n for i, c in enumerate(self.classes)}


def index_labels(values: list, classes: list | None, where: str) -> tuple[list[int], list[str]]:
    """Maps raw label values to class indices.

    ``classes`` lists the allowed values in order; without it they are inferred (sorted). Raises
    ValueError naming ``where`` (e.g. ``task.path line 7``) for a value outside ``classes``.
    """
    if classes is None:
        uniq = sorted({v for v in values}, key=lambda v: (isinstance(v, str), v))
        classes = uniq
    keys = {str(c): i for i, c in enumerate(classes)}
    out = []
    for n, v in enumerate(values):
        if str(v) not in keys:
            raise ValueError(f"{where}: example {n} has label {v!r}, which is not in task.classes {list(classes)}")
        out.append(keys[str(v)])
    return out, [str(c) for c in classes]
