"""Synthetic token sequences and the two ways to batch them: fixed padding and length buckets.

Lengths follow a clipped log-normal (median ~ max_len/2), like fine-tuning text: most sequences are
much shorter than the longest, so padding every batch to ``max_len`` wastes a large share of compute.
"""

from __future__ import annotations

import math
import random

import numpy as np
import torch

from ws2s.train.batching import budget_batches, padded_length

PAD_ID = 0  # sampled tokens start at 1, so a pad is never mistaken for text
IGNORE = -100  # label value that cross-entropy skips


def sample_lengths(n: int, min_len: int, max_len: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    mu = math.log(max_len / 2)
    return [min(max_len, max(min_len, int(rng.lognormvariate(mu, 0.5)))) for _ in range(n)]


def random_sequences(lengths: list[int], vocab: int, seed: int) -> list[torch.Tensor]:
    """One int64 tensor per length, tokens in [1, vocab)."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(1, vocab, (n,), generator=g) for n in lengths]


def fixed_batches(n: int, batch_size: int) -> list[list[int]]:
    """Indices in data order, ``batch_size`` at a time (the reference: every batch padded to max_len)."""
    return [list(range(i, min(n, i + batch_size))) for i in range(0, n, batch_size)]


def bucket_batches(lengths: list[int], max_tokens: int, multiple: int, seed: int | None) -> list[list[int]]:
    """ws2s's token-budget batches (``ws2s.train.batching.budget_batches``) as lists of indices; batch
    order shuffled with ``seed``, shortest first when ``seed`` is None (inference)."""
    rng = None if seed is None else np.random.default_rng(seed)
    return [b.tolist() for b in budget_batches(lengths, max_tokens, multiple, rng)]


def collate(seqs: list[torch.Tensor], idx: list[int], pad_to: int | None, multiple: int = 1) -> dict:
    """Right-padded causal-LM batch: ``input_ids``, ``labels`` (next token, IGNORE on padding),
    ``attention_mask``; all ``[rows, length]``. ``pad_to=None`` pads to the batch's own longest row
    rounded up to ``multiple``.
    """
    rows = [seqs[i] for i in idx]
    longest = max(len(r) for r in rows)
    length = pad_to if pad_to is not None else padded_length(longest, multiple)
    input_ids = torch.full((len(rows), length), PAD_ID, dtype=torch.long)
    labels = torch.full((len(rows), length), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for r, seq in enumerate(rows):
        n = len(seq)
        input_ids[r, :n] = seq
        labels[r, : n - 1] = seq[1:]
        mask[r, :n] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": mask}


def real_tokens(batch: dict) -> int:
    """Tokens that carry a training signal (non-padding positions with a next token)."""
    return int((batch["labels"] != IGNORE).sum())
