"""Student methods for generation: each builds per-example targets from the weak labels, then a step loss.

``STUDENTS[name](labels, student, params) -> (extra per-example sequences, step_loss factory)``; the
pipeline trains every method with the one training loop. Weak labels (``WeakLabels``) hold, per
strong_train example, the joint-decoded hypothesis with its per-word log-probabilities and every weak
member's own top hypothesis.

- ``xent``: teacher forcing on the hypothesis (hard targets).
- ``soft``: token-level soft labels through words (``ws2s.generation.bridge``).
- ``multi_weak``: Σ_k w_k · CE on each weak member's own top hypothesis.
- ``edl`` / ``edl_self``: the evidential loss over the vocabulary against the soft labels. The copy
  student outputs log-probabilities, so its logits for the Dirichlet are log p + log(scale): evidence
  e_v = scale · p_v (``evidence_scale``, default the vocabulary size, so total evidence matches the
  uniform prior's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..losses import edl, edl_self, xent
from .bridge import soft_targets, spread_weights
from .teacher_forcing import forward_tokens


@dataclass
class WeakLabels:
    """Per strong_train example: the hypothesis text, its per-word log-probs, each member's own top text."""

    texts: list[str]
    word_logprobs: list[list[float]]  # words of the text + end of sequence
    member_texts: list[list[str]]      # [K][example]


def student_targets(tokenizer, texts: list[str]) -> tuple[list[list[int]], list[list[int]]]:
    """Student token ids (eos appended) and, per token, its word index (the eos is word ``len(words)``)."""
    ids, word_of = [], []
    for text in texts:
        words = text.split()
        t, w = tokenizer.encode_words(words) if words else ([], [])
        ids.append(t + [tokenizer.eos_id])
        word_of.append(w + [len(words)])
    return ids, word_of


def _soft_batch_targets(logits: torch.Tensor, ids: torch.Tensor, batch: dict, tau: float, spread: str) -> torch.Tensor:
    """Soft targets ``[tokens, V]`` for the real tokens of a batch (rows in ``forward_tokens`` order)."""
    mask = torch.arange(batch["tgt"].shape[1], device=ids.device)[None, :] < batch["length"][:, None]
    n_words = batch["word_lp"].shape[1]
    rows = torch.arange(mask.shape[0], device=ids.device)[:, None].expand_as(mask)[mask]
    word_of = batch["word_of"][mask] + rows * n_words  # one word id space for the whole batch
    probs = logits.detach().softmax(-1)
    max_prob = probs.max(-1).values if spread == "confidence" else None
    pi = spread_weights(word_of.cpu(), None if max_prob is None else max_prob.cpu(), tau)
    share = pi * batch["word_lp"].flatten().double().cpu()[word_of.cpu()]
    return soft_targets(probs, ids, share.to(ids.device))


def _soft_step(memory, loss, tau: float = 1.0, spread: str = "confidence", **hyper):
    if spread not in ("confidence", "uniform"):
        raise ValueError(f"params.spread must be 'confidence' or 'uniform', got {spread!r}")

    def step(model, batch, progress):
        logits, ids = forward_tokens(model, memory, batch["index"], batch["tgt"], batch["length"])
        return loss(logits, _soft_batch_targets(logits, ids, batch, tau, spread), progress, **hyper)

    return step


def _evidential(fn):
    def loss(logits, target, progress, evidence_scale=None, **hyper):
        scale = evidence_scale or logits.shape[-1]
        return fn(logits + math.log(scale), target, progress, **hyper)

    return loss


def _padded(rows: list[list[float]], width: int | None = None) -> torch.Tensor:
    width = width or max(1, max(len(r) for r in rows))
    out = torch.zeros(len(rows), width, dtype=torch.float64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r, dtype=torch.float64)
    return out


def prepare(method: dict, labels: WeakLabels, tokenizer, weights: torch.Tensor):
    """``(targets, extra_sequences, extra_tensors, make_step(memory))`` for a method config."""
    loss, params = method["loss"], dict(method.get("params", {}))
    ids, word_of = student_targets(tokenizer, labels.texts)
    tensors = {"word_lp": _padded(labels.word_logprobs)}
    sequences = {"word_of": word_of}
    if loss == "xent":
        return ids, {}, {}, lambda memory: _hard_step(memory, **params)
    if loss == "soft":
        return ids, sequences, tensors, lambda memory: _soft_step(memory, lambda z, q, p: xent(z, q), **params)
    if loss in ("edl", "edl_self"):
        fn = _evidential(edl if loss == "edl" else edl_self)
        return ids, sequences, tensors, lambda memory: _soft_step(memory, fn, **params)
    if loss == "multi_weak":
        members = {f"member{k}": student_targets(tokenizer, texts)[0] for k, texts in enumerate(labels.member_texts)}
        return ids, members, {}, lambda memory: _multi_step(memory, weights, **params)
    raise ValueError(f"methods[].loss {loss!r} is not a generation loss; use one of {sorted(STUDENT_LOSSES)}")


STUDENT_LOSSES = ("xent", "soft", "multi_weak", "edl", "edl_self")


def _hard_step(memory):
    def step(model, batch, progress):
        logits, ids = forward_tokens(model, memory, batch["index"], batch["tgt"], batch["length"])
        return xent(logits, ids)

    return step


def _multi_step(memory, weights: torch.Tensor):
    def step(model, batch, progress):
        total = 0.0
        for k, w in enumerate(weights.tolist()):
            logits, ids = forward_tokens(model, memory, batch["index"], batch[f"member{k}"], batch[f"member{k}_length"])
            total = total + w * xent(logits, ids)
        return total

    return step
