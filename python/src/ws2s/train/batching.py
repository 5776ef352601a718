"""Batches of variable-length token sequences: length-bucketed order and dynamic padding.

Two ways to cut batches: a fixed number of rows (``bucket_batches``), or a token budget
(``budget_batches``): as many rows as fit in ``max_tokens`` padded tokens, so short sequences come in
big batches and long ones in small batches, and every step costs about the same memory and time.
"""

from __future__ import annotations

import numpy as np
import torch


def bucket_batches(lengths, batch_size: int, rng: np.random.Generator | None = None, bucket_batches_per_chunk: int = 50) -> list[np.ndarray]:
    """Index batches whose members have similar lengths, so padding stays small.

    With ``rng`` (training): shuffle, sort by length within chunks of ``batch_size * bucket_batches_per_chunk``,
    cut into batches, shuffle the batch order. Without (inference): sort everything by length.
    """
    lengths = np.asarray(lengths)
    n = len(lengths)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    perm = rng.permutation(n)
    chunk = batch_size * bucket_batches_per_chunk
    batches = []
    for s in range(0, n, chunk):
        part = perm[s : s + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def padded_length(n: int, multiple: int) -> int:
    """``n`` rounded up to a multiple of ``multiple``."""
    return -(-n // multiple) * multiple


def budget_batches(lengths, max_tokens: int, multiple: int = 1, rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """Index batches of similar lengths whose padded size (rows × longest length rounded up to
    ``multiple``) is at most ``max_tokens``; every index appears in exactly one batch.

    Rounding to ``multiple`` keeps the number of distinct shapes small (torch.compile and the CUDA
    caching allocator both like that) at the cost of < ``multiple`` pad tokens per row.
    With ``rng`` (training): examples of equal length are grouped at random and the batch order is
    shuffled, the same for the same generator state. Without (inference): shortest first.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    if max_tokens < 1 or multiple < 1:
        raise ValueError(f"budget_batches: max_tokens ({max_tokens}) and multiple ({multiple}) must be positive")
    if len(lengths) == 0:
        return []
    longest = padded_length(int(lengths.max()), multiple)
    if longest > max_tokens:
        raise ValueError(f"a sequence of {int(lengths.max())} tokens (padded to {longest}) does not fit a batch of "
                         f"max_tokens={max_tokens}; raise max_tokens to at least {longest} or lower max_length")
    order = np.arange(len(lengths)) if rng is None else rng.permutation(len(lengths))
    order = order[np.argsort(lengths[order], kind="stable")]
    batches, start = [], 0
    for end in range(1, len(order) + 1):
        # ascending lengths: the row just added is the batch's longest
        if end - start > 1 and (end - start) * padded_length(int(lengths[order[end - 1]]), multiple) > max_tokens:
            batches.append(order[start : end - 1])
            start = end - 1
    batches.append(order[start:])
    if rng is None:
        return batches
    return [batches[i] for i in rng.permutation(len(batches))]


def pad(seqs: list[list[int]], pad_id: int, side: str = "right", multiple: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """``input_ids, attention_mask`` ``[batch, width]`` (int64), padded on ``side``; ``width`` is the
    longest row rounded up to ``multiple``."""
    width = padded_length(max(len(s) for s in seqs), multiple)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        sl = slice(width - len(s), width) if side == "left" else slice(0, len(s))
        ids[i, sl] = torch.as_tensor(s, dtype=torch.long)
        mask[i, sl] = 1
    return ids, mask


def token_batches(seqs: list[list[int]], extra: dict[str, torch.Tensor], batch_size: int, pad_id: int,
                  side: str = "right", rng: np.random.Generator | None = None, max_tokens: int | None = None,
                  multiple: int = 1) -> list[dict]:
    """Padded batches ``{"input_ids", "attention_mask", "index", **extra[idx]}``; ``index`` maps rows back.

    ``max_tokens``: cut by token budget (``budget_batches``) instead of ``batch_size`` rows.
    """
    lengths = [len(s) for s in seqs]
    if max_tokens is None:
        index_batches = bucket_batches(lengths, batch_size, rng)
    else:
        index_batches = budget_batches(lengths, max_tokens, multiple, rng)
    out = []
    for idx in index_batches:
        ids, mask = pad([seqs[i] for i in idx], pad_id, side, multiple)
        t_idx = torch.as_tensor(idx, dtype=torch.long)
        out.append({"input_ids": ids, "attention_mask": mask, "index": t_idx, **{k: v[t_idx] for k, v in extra.items()}})
    return out
