"""Seeded, disjoint splits: weak_train, strong_train, val, test."""

from __future__ import annotations

import numpy as np

SPLITS = ("weak_train", "strong_train", "val", "test")


def split_sizes(n: int, fractions: dict[str, float]) -> dict[str, int]:
    sizes = {k: int(round(fractions[k] * n)) for k in SPLITS}
    for k in SPLITS:
        if sizes[k] < 2:
            raise ValueError(f"splits.{k}: {fractions[k]} of {n} examples leaves {sizes[k]} (need at least 2); raise it or use more data")
    if sum(sizes.values()) > n:
        raise ValueError(f"splits: the fractions need {sum(sizes.values())} examples but the task has {n}; the splits would overlap")
    return sizes


def make_splits(n: int, fractions: dict[str, float], seed: int, weak_eligible=None) -> dict[str, np.ndarray]:
    """Disjoint index arrays per split, a function of (n, fractions, seed, weak_eligible) only.

    When ``weak_eligible`` is given, weak_train is drawn from the eligible examples only and the
    other splits from the rest (and any eligible examples left over).
    """
    sizes = split_sizes(n, fractions)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    if weak_eligible is not None:
        elig = np.asarray(weak_eligible, dtype=bool)[perm]
        pool_w, rest = perm[elig], perm[~elig]
        if len(pool_w) < sizes["weak_train"]:
            raise ValueError(f"splits.weak_train: needs {sizes['weak_train']} examples but the task offers {len(pool_w)} for weak supervisors")
        weak, rest = pool_w[: sizes["weak_train"]], np.concatenate([rest, pool_w[sizes["weak_train"]:]])
        rest = rng.permutation(rest)
    else:
        weak, rest = perm[: sizes["weak_train"]], perm[sizes["weak_train"]:]
    out = {"weak_train": np.sort(weak)}
    start = 0
    for k in SPLITS[1:]:
        out[k] = np.sort(rest[start : start + sizes[k]])
        start += sizes[k]
    return out
