"""SLURP-format slot filling: ``sentence`` plus ``sentence_annotation`` with ``[type : value]`` spans."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..frames import Frame, canon
from .base import Example, random_splits

_SPAN = re.compile(r"\[\s*([^\[\]:]+?)\s*:\s*([^\[\]]*?)\s*\]")


def annotation_frame(annotation: str) -> Frame:
    """``"wake me at [time : seven am]"`` → ``[("time", "seven am")]`` (spans in order)."""
    return [(t.strip(), v.strip()) for t, v in _SPAN.findall(annotation)]


def entities_frame(row: dict) -> Frame:
    """The same frame from SLURP's token-level ``entities`` (``span`` = token ids into ``tokens``)."""
    surfaces = {tok["id"]: tok["surface"] for tok in row["tokens"]}
    return [(e["type"], " ".join(surfaces[i] for i in e["span"])) for e in row["entities"]]


def read_slurp(path: str | Path, limit: int | None = None) -> list[Example]:
    """Examples from a SLURP JSONL file; the source is the canonical ``sentence``."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"task.path {str(p)!r} does not exist; point it at a SLURP .jsonl file (e.g. devel.jsonl)")
    examples = []
    with p.open() as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if "sentence" not in row or "sentence_annotation" not in row:
                raise ValueError(f"{p}:{lineno}: a SLURP row needs 'sentence' and 'sentence_annotation'")
            examples.append(Example(canon(row["sentence"]), annotation_frame(row["sentence_annotation"])))
            if limit and len(examples) >= limit:
                break
    if not examples:
        raise ValueError(f"task.path {str(p)!r} has no examples")
    return examples


def load_slurp(task: dict, fractions: dict, seed: int) -> dict[str, list[Example]]:
    return random_splits(read_slurp(task["path"], task.get("limit")), fractions, seed)
