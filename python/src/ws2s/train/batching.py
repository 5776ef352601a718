"""Batches of variable-length token sequences: length-bucketed order and dynamic padding."""

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


def pad(seqs: list[list[int]], pad_id: int, side: str = "right") -> tuple[torch.Tensor, torch.Tensor]:
    """``input_ids, attention_mask`` ``[batch, longest]`` (int64), padded on ``side``."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        sl = slice(width - len(s), width) if side == "left" else slice(0, len(s))
        ids[i, sl] = torch.as_tensor(s, dtype=torch.long)
        mask[i, sl] = 1
    return ids, mask


def token_batches(seqs: list[list[int]], extra: dict[str, torch.Tensor], batch_size: int, pad_id: int,
                  side: str = "right", rng: np.random.Generator | None = None) -> list[dict]:
    """Padded batches ``{"input_ids", "attention_mask", "index", **extra[idx]}``; ``index`` maps rows back."""
    out = []
    for idx in bucket_batches([len(s) for s in seqs], batch_size, rng):
        ids, mask = pad([seqs[i] for i in idx], pad_id, side)
        t_idx = torch.as_tensor(idx, dtype=torch.long)
        out.append({"input_ids": ids, "attention_mask": mask, "index": t_idx, **{k: v[t_idx] for k, v in extra.items()}})
    return out
