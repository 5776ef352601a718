"""Slot filling metrics: micro precision/recall/F1 over (type, value) pairs, exact frame match."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def slot_f1(pred_frames: Sequence[Sequence[tuple[str, str]]], gold_frames: Sequence[Sequence[tuple[str, str]]]) -> dict:
    """Micro P/R/F1 over ``(slot_type, value)`` pairs (exact string match, multiset per utterance).

    pred_frames, gold_frames: one frame (list of pairs) per utterance, aligned. Returns
    ``{"precision", "recall", "f1", "exact_match", "n"}``; an empty prediction and gold gives 1.0.
    """
    if len(pred_frames) != len(gold_frames):
        raise ValueError(f"{len(pred_frames)} predicted frames for {len(gold_frames)} gold frames; align them one per utterance")
    tp = n_pred = n_gold = exact = 0
    for pred, gold in zip(pred_frames, gold_frames):
        p, g = Counter(map(tuple, pred)), Counter(map(tuple, gold))
        tp += sum((p & g).values())
        n_pred += sum(p.values())
        n_gold += sum(g.values())
        exact += p == g
    precision = tp / n_pred if n_pred else float(n_gold == 0)
    recall = tp / n_gold if n_gold else float(n_pred == 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    n = len(gold_frames)
    return {"precision": precision, "recall": recall, "f1": f1, "exact_match": exact / n if n else 0.0, "n": n}
