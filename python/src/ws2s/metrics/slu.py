"""SLU-F1 (Bastianelli et al., 2020, "SLURP"): entity F1 that gives partial credit for near-miss fillers.

Entities are ``(type, filler)`` pairs (a frame, as in ``ws2s.metrics.slots``). Per utterance, each
predicted entity in order is matched, if its type occurs among the utterance's gold entities not yet
matched, to the one of that type at the lowest distance d (the first one on ties); then TP += 1,
FP += d, FN += d, and that gold entity is removed. A prediction whose type has no gold entity left
counts FP += 1; every gold entity left at the end counts FN += 1. Counts are summed over the corpus
(micro averaging), as SLURP's evaluation script does by default.

- word distance: the word error rate of the predicted filler against the gold one (word-level edit
  distance / number of gold words; it exceeds 1 when the prediction has extra words);
- char distance: the Levenshtein distance of the two strings / the longer one's length (in [0, 1]).

``word_f1`` and ``char_f1`` are the F1s of the word- and char-distance counts; ``slu_f1`` is the F1 of
their summed counts (TP_w + TP_c, FP_w + FP_c, FN_w + FN_c). Fillers are compared as given (ws2s frames
hold canonical text, so "tomorrow ' s" has three words).

One convention differs from SLURP's script, on degenerate corpora only: with no predicted and no gold
entity at all, precision, recall and F1 are 1.0 (as ``slot_f1``), where SLURP's script reports 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def _edit_table(a: Sequence, b: Sequence) -> list[list[int]]:
    """``d[i][j]``: Levenshtein distance between ``a[:i]`` and ``b[:j]`` (unit costs)."""
    d = [list(range(len(b) + 1))]
    for i, x in enumerate(a, 1):
        row = [i]
        for j, y in enumerate(b, 1):
            row.append(min(d[i - 1][j] + 1, row[j - 1] + 1, d[i - 1][j - 1] + (x != y)))
        d.append(row)
    return d


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance between two sequences (unit cost insertions, deletions, substitutions)."""
    return _edit_table(a, b)[-1][-1]


def alignment(a: Sequence, b: Sequence) -> list[tuple[int | None, int | None]]:
    """A minimum-cost alignment of ``a`` to ``b`` as ``(i, j)`` steps in order: ``(i, j)`` match or
    substitution, ``(i, None)`` ``a[i]`` deleted, ``(None, j)`` ``b[j]`` inserted.

    Ties are broken the same way every time: walking back from the end, a diagonal step is preferred,
    then a deletion, then an insertion (so equal-length sequences align position by position whenever
    that is a minimum-cost alignment).
    """
    d = _edit_table(a, b)
    i, j, steps = len(a), len(b), []
    while i or j:
        if i and j and d[i][j] == d[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            i, j = i - 1, j - 1
            steps.append((i, j))
        elif i and d[i][j] == d[i - 1][j] + 1:
            i -= 1
            steps.append((i, None))
        else:
            j -= 1
            steps.append((None, j))
    return steps[::-1]


def word_distance(gold: str, pred: str) -> float:
    """Word error rate of ``pred`` against ``gold``: word edit distance / gold words (may exceed 1).

    An empty gold filler (ws2s frames never hold one) gives 0 for an empty prediction, else 1.
    """
    g, p = gold.split(), pred.split()
    if not g:
        return float(bool(p))
    return edit_distance(g, p) / len(g)


def char_distance(gold: str, pred: str) -> float:
    """Normalised Levenshtein distance: character edit distance / the longer string's length, in [0, 1]."""
    longest = max(len(gold), len(pred))
    return edit_distance(gold, pred) / longest if longest else 0.0


DISTANCES: dict[str, Callable[[str, str], float]] = {"word": word_distance, "char": char_distance}


def distance_counts(pred: Sequence[tuple[str, str]], gold: Sequence[tuple[str, str]],
                    distance: Callable[[str, str], float]) -> tuple[float, float, float]:
    """``(TP, FP, FN)`` of one utterance under ``distance(gold_filler, pred_filler)`` (SLURP's matching)."""
    remaining = [tuple(e) for e in gold]
    tp = fp = fn = 0.0
    for slot_type, filler in pred:
        best, best_d = None, float("inf")
        for j, (gold_type, gold_filler) in enumerate(remaining):
            if gold_type == slot_type:
                d = distance(gold_filler, filler)
                if d < best_d:
                    best, best_d = j, d
        if best is None:
            fp += 1
            continue
        tp, fp, fn = tp + 1, fp + best_d, fn + best_d
        remaining.pop(best)
    return tp, fp, fn + len(remaining)


def prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    """Precision, recall, F1 of (possibly fractional) counts; 1.0 each when there is nothing to find or predict."""
    precision = tp / (tp + fp) if tp + fp > 0 else float(tp + fn == 0)
    recall = tp / (tp + fn) if tp + fn > 0 else float(tp + fp == 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def slu_f1(pred_frames: Sequence[Sequence[tuple[str, str]]], gold_frames: Sequence[Sequence[tuple[str, str]]]) -> dict:
    """SLURP's entity metrics over a corpus of frames (one predicted and one gold frame per utterance).

    Returns ``{"slu_f1", "word_f1", "char_f1", "slu_precision", "slu_recall", "counts": {"word": (TP, FP, FN),
    "char": (TP, FP, FN)}, "n"}``.
    """
    if len(pred_frames) != len(gold_frames):
        raise ValueError(f"{len(pred_frames)} predicted frames for {len(gold_frames)} gold frames; align them one per utterance")
    counts = {}
    for name, distance in DISTANCES.items():
        per_utt = [distance_counts(p, g, distance) for p, g in zip(pred_frames, gold_frames)]
        counts[name] = tuple(float(sum(c[i] for c in per_utt)) for i in range(3))
    total = [counts["word"][i] + counts["char"][i] for i in range(3)]
    slu = prf(*total)
    return {"slu_f1": slu["f1"], "word_f1": prf(*counts["word"])["f1"], "char_f1": prf(*counts["char"])["f1"],
            "slu_precision": slu["precision"], "slu_recall": slu["recall"], "counts": counts, "n": len(gold_frames)}
