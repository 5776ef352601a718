"""Local files: JSONL / CSV with a text and a label column, and SciQ multiple choice as verification pairs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from ws2s.tasks.base import TextDataset, index_labels


def _need_file(path: str) -> Path:
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"task.path: {path} does not exist or is not a file")
    if p.stat().st_size == 0:
        raise ValueError(f"task.path: {path} is empty")
    return p


def _jsonl_rows(path: str) -> list[dict]:
    rows = []
    for n, line in enumerate(_need_file(path).read_text().splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"task.path: {path} line {n} is not JSON ({e})") from None
    if not rows:
        raise ValueError(f"task.path: {path} holds no examples")
    return rows


def _from_rows(rows: list[dict], cfg: dict, where: str) -> TextDataset:
    tf, lf = cfg.get("text_field", "text"), cfg.get("label_field", "label")
    if cfg.get("limit"):
        rows = rows[: cfg["limit"]]
    for n, r in enumerate(rows):
        if tf not in r or lf not in r:
            raise ValueError(f"{where}: example {n} lacks field {tf!r} or {lf!r} (set task.text_field / task.label_field)")
    labels, classes = index_labels([r[lf] for r in rows], cfg.get("classes"), where)
    if len(classes) < 2:
        raise ValueError(f"{where}: all examples have the same label {classes}; a classification task needs 2 or more")
    return TextDataset([str(r[tf]) for r in rows], labels, classes)


def load_jsonl(cfg: dict, seed: int) -> TextDataset:
    return _from_rows(_jsonl_rows(cfg["path"]), cfg, "task.path")


def load_csv(cfg: dict, seed: int) -> TextDataset:
    with _need_file(cfg["path"]).open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"task.path: {cfg['path']} holds no examples")
    return _from_rows(rows, cfg, "task.path")


def load_sciq(cfg: dict, seed: int) -> TextDataset:
    """Each question gives two examples: (question, correct answer) → 1 and (question, a distractor) → 0.

    The distractor is drawn with the seed, so the classes are balanced and a model must check the answer.
    """
    rows = _jsonl_rows(cfg["path"])
    if cfg.get("limit"):
        rows = rows[: cfg["limit"]]
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for n, r in enumerate(rows):
        distractors = [r[k] for k in ("distractor1", "distractor2", "distractor3") if r.get(k)]
        if "question" not in r or "correct_answer" not in r or not distractors:
            raise ValueError(f"task.path: example {n} is not SciQ (needs question, correct_answer, distractor1..3)")
        wrong = distractors[int(rng.integers(len(distractors)))]
        for answer, y in ((r["correct_answer"], 1), (wrong, 0)):
            texts.append(f"Q: {r['question']} A: {answer}")
            labels.append(y)
    return TextDataset(texts, labels, ["false", "true"])
