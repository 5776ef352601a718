"""Teacher-forced scoring: per-token log-probabilities of given target sequences."""

from __future__ import annotations

import torch

from .models import Memory, pad, select


def token_logprobs(model, memory: Memory, rows: list[int], targets: list[list[int]], grad: bool = False,
                   batch_size: int = 64) -> list[torch.Tensor]:
    """``log p(target_t | target_<t, source)`` for each target (ids ending with eos; bos is prepended).

    memory: the model's memory for all sources; rows: which memory row each target belongs to.
    Returns one ``[len(target)]`` tensor per target (on the model's device; differentiable with ``grad``).
    """
    out: list[torch.Tensor] = []
    tok = model.tokenizer
    with torch.set_grad_enabled(grad):
        for s in range(0, len(targets), batch_size):
            chunk = targets[s : s + batch_size]
            tgt = pad(chunk, tok.pad_id, model.device)
            tgt_in = torch.cat([torch.full_like(tgt[:, :1], tok.bos_id), tgt[:, :-1]], 1)
            logp = torch.log_softmax(model(select(memory, torch.tensor(rows[s : s + batch_size])), tgt_in).float(), -1)
            picked = logp.gather(-1, tgt[..., None]).squeeze(-1)
            out.extend(picked[i, : len(t)] for i, t in enumerate(chunk))
    return out


def text_logprobs(model, memory: Memory, rows: list[int], texts: list[str]) -> list[torch.Tensor]:
    """Per-token log-probabilities of canonical ``texts`` in the model's own tokenizer (eos included)."""
    tok = model.tokenizer
    return token_logprobs(model, memory, rows, [tok.encode(t) + [tok.eos_id] for t in texts])


def word_scores(model, memory: Memory, rows: list[int], texts: list[str]) -> torch.Tensor:
    """Per-WORD log-probability of canonical ``texts`` under ``model`` ``[n]`` (float64): the sum of its token
    log-probabilities (eos included) over the number of words + 1, so members with different tokenizers
    (words, characters, subwords) are compared on one scale. Tokens the model reads as its unknown token
    are left out of the sum: a weak model that never saw a word scores it as ``<unk>``, which says nothing
    about whether the word is right (a held-out slot value would otherwise rank a correct candidate last)."""
    tok = model.tokenizer
    ids = [tok.encode(t) + [tok.eos_id] for t in texts]
    lps = token_logprobs(model, memory, rows, ids)
    unk = getattr(tok, "unk_id", None)
    out = []
    for t, i, lp in zip(texts, ids, lps):
        keep = torch.tensor([x != unk for x in i], device=lp.device) if unk is not None else torch.ones_like(lp, dtype=torch.bool)
        out.append(float(lp[keep].double().sum()) / (len(t.split()) + 1))
    return torch.tensor(out, dtype=torch.float64)
