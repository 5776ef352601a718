"""Teacher-forced batches and the plain sequence cross-entropy step, shared by weak models and students."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..train.batching import bucket_batches
from .models import pad, select


def target_batches(targets: list[list[int]], pad_id: int, batch_size: int, seed: int, extra: dict | None = None,
                   tensors: dict | None = None):
    """``batches(epoch)`` for ``ws2s.train.loop.train``: ``{"index", "tgt", "length", **extra}`` per batch.

    targets: token ids per example (eos included); ``index`` is the example's memory row.
    extra: name → list of per-example id lists, padded alongside (e.g. other weak models' hypotheses);
    tensors: name → per-example tensor ``[N, ...]``, indexed alongside.
    """
    lengths = [len(t) for t in targets]

    def batches(epoch: int) -> list[dict]:
        out = []
        for idx in bucket_batches(lengths, batch_size, np.random.default_rng(seed * 1000 + epoch)):
            idx = [int(i) for i in idx]
            batch = {"index": torch.tensor(idx), "tgt": pad([targets[i] for i in idx], pad_id),
                     "length": torch.tensor([lengths[i] for i in idx])}
            for name, seqs in (extra or {}).items():
                batch[name] = pad([seqs[i] for i in idx], pad_id)
                batch[f"{name}_length"] = torch.tensor([len(seqs[i]) for i in idx])
            for name, tensor in (tensors or {}).items():
                batch[name] = tensor[torch.tensor(idx)]
            out.append(batch)
        return out

    return batches


def forward_tokens(model, memory, index: torch.Tensor, tgt: torch.Tensor, length: torch.Tensor):
    """Scores of the real target tokens: ``(logits [tokens, V], ids [tokens])`` (bos prepended, padding dropped)."""
    tgt_in = torch.cat([torch.full_like(tgt[:, :1], model.tokenizer.bos_id), tgt[:, :-1]], 1)
    logits = model(select(memory, index), tgt_in)
    mask = torch.arange(tgt.shape[1], device=tgt.device)[None, :] < length[:, None]
    return logits[mask].float(), tgt[mask]


def nll_step(memory):
    """step_loss for teacher forcing with hard targets (weak models, the ceiling)."""

    def step(model, batch, progress):
        logits, ids = forward_tokens(model, memory, batch["index"], batch["tgt"], batch["length"])
        return F.cross_entropy(logits, ids)

    return step


@torch.no_grad()
def mean_nll(model, memory, targets: list[list[int]], batch_size: int = 64) -> float:
    """Mean per-token negative log-likelihood of ``targets`` (memory row i ↔ targets[i])."""
    total, count = 0.0, 0
    for s in range(0, len(targets), batch_size):
        chunk = targets[s : s + batch_size]
        logits, ids = forward_tokens(model, memory, torch.arange(s, s + len(chunk)), pad(chunk, model.tokenizer.pad_id, model.device),
                                     torch.tensor([len(t) for t in chunk], device=model.device))
        total += float(F.cross_entropy(logits, ids, reduction="sum"))
        count += ids.numel()
    return total / max(1, count)
