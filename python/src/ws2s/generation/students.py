"""Student methods for generation: each builds per-example targets from the weak labels, then a step loss.

``STEPS[loss]`` is the generation half of a method registered in ``ws2s.methods.METHODS`` (which says
what each method is); ``prepare`` gives ``(targets, extra sequences, extra tensors, make_step(memory))``
and the pipeline trains every method with the one training loop. Weak labels (``WeakLabels``) hold, per
strong_train example, the joint-decoded hypothesis with its per-word log-probabilities and every weak
member's own top hypothesis.

- ``xent``: teacher forcing on the hypothesis (hard targets).
- ``soft``: token-level soft labels through words (``ws2s.generation.word_targets``).
- ``multi_weak``: Σ_k w_k · CE on each weak member's own top hypothesis.
- ``edl``: a Dirichlet per token over the vocabulary, α = e^z + 1 from the student's unnormalised scores,
  against the soft labels (``losses.evidential_tokens``; ``params.form`` "dir_loss" for the co-authors' form).
- ``edl_self``: the evidential loss against the soft labels mixed with the student's own labels, with the
  Dirichlet's precision fixed through ``params.uncertainty`` (``evidential_over_vocabulary``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..losses import edl_self, xent
from ..losses.evidential_tokens import token_edl
from ..methods import get_method, methods_for
from .word_posterior import token_posteriors
from .word_targets import soft_targets, token_shares
from .teacher_forcing import forward_tokens


@dataclass
class WeakLabels:
    """Per strong_train example: the hypothesis text, its per-word log-probs, each member's own top text."""

    texts: list[str]
    word_logprobs: list[list[float]]  # words of the text + end of sequence
    member_texts: list[list[str]]      # [K][example]
    # per example, per word of the text + end: the posterior over words pooled from every member's N-best
    # (None for an example whose text holds <unk>, or for a single member's labels)
    posteriors: list[list[dict[str, float]] | None] | None = None


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
    share = token_shares(batch["word_lp"].flatten().cpu(), word_of.cpu(), None if max_prob is None else max_prob.cpu(), tau)
    return soft_targets(probs, ids, share.to(ids.device))


def _posterior_batch_targets(logits: torch.Tensor, ids: torch.Tensor, batch: dict) -> torch.Tensor:
    """Soft targets ``[tokens, V]`` from the pooled token posteriors (``alt_ids`` / ``alt_p`` ``[B, T, M]``)."""
    width = batch["tgt"].shape[1]
    mask = torch.arange(width, device=ids.device)[None, :] < batch["length"][:, None]
    alt_ids, alt_p = batch["alt_ids"][:, :width][mask], batch["alt_p"][:, :width][mask].to(logits.dtype)
    return torch.zeros_like(logits).scatter_add_(1, alt_ids, alt_p)


def _soft_step(memory, loss, tau: float = 1.0, spread: str = "confidence", targets: str = "posterior", **hyper):
    if spread not in ("confidence", "uniform"):
        raise ValueError(f"params.spread must be 'confidence' or 'uniform', got {spread!r}")
    if targets not in ("posterior", "one_best"):
        raise ValueError(f"params.targets must be 'posterior' (pooled N-best word posteriors) or 'one_best', got {targets!r}")

    def step(model, batch, progress):
        logits, ids = forward_tokens(model, memory, batch["index"], batch["tgt"], batch["length"])
        q = _posterior_batch_targets(logits, ids, batch) if targets == "posterior" else _soft_batch_targets(logits, ids, batch, tau, spread)
        return loss(logits, q, progress, **hyper)

    return step


DEFAULT_UNCERTAINTY = 1e-3


def evidential_over_vocabulary(fn):
    """``fn`` (``edl`` or ``edl_self``) over a vocabulary, with the Dirichlet's mean tied to the model's p.

    A generation student's forward gives a next-token distribution p = softmax(z) (the copy student's
    outputs are already log p; an HF LM's raw logits are normalised here), and decoding reads p. The
    total evidence of such a model is not free, so it is fixed through the uncertainty u = V/S
    (``params.uncertainty``, default 1e-3): exp evidence e_v = s·p_v with s = V(1 − u)/u, i.e. the
    Dirichlet logits are log p_v + log s, α_v = s·p_v + 1 and S = s + V. Then
        Dirichlet mean  m_v = α_v / S = (1 − u)·p_v + u/V,
        data term       Σ_v q_v (log S − log α_v) = −Σ_v q_v log m_v  (cross-entropy against m),
    so the mean is the distribution decoding reads up to u, and the data term is log-loss down to
    p_v ≈ u/V. (Evidence s = V, i.e. u = ½, made m = p/2 + 1/(2V): a token the student drove below 1/V
    then cost at most q_v·log 2V and got a gradient ∝ V·p_v, so rare tokens such as end-of-sequence
    were abandoned for good and decoding never stopped.)
    The KL term KL(Dir(α̃) ‖ Dir(1)), α̃ = s·p(1 − q) + 1, grows with the V − 1 free dimensions of the
    Dirichlet (≈ (V − 1)·log of the misleading evidence), so it is counted per dimension:
    ``kl_coef`` weighs KL/(V − 1), which keeps λ's meaning from a binary task to a vocabulary.
    Exp evidence only (the identity e = s·p needs it).
    """

    def loss(logits, target, progress, uncertainty=DEFAULT_UNCERTAINTY, kl_coef=1e-2, evidence="exp", **hyper):
        if evidence != "exp":
            raise ValueError(f"params.evidence must be 'exp' for a generation student (evidence = s·p), got {evidence!r}")
        if not 0 < uncertainty < 1:
            raise ValueError(f"params.uncertainty must be in (0, 1), got {uncertainty!r}")
        v = logits.shape[-1]
        log_scale = math.log(v) + math.log1p(-uncertainty) - math.log(uncertainty)
        z = torch.log_softmax(logits, -1) + log_scale
        return fn(z, target, progress, kl_coef=kl_coef / max(1, v - 1), **hyper)

    return loss


def _padded(rows: list[list[float]], width: int | None = None) -> torch.Tensor:
    width = width or max(1, max(len(r) for r in rows))
    out = torch.zeros(len(rows), width, dtype=torch.float64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r, dtype=torch.float64)
    return out


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


def _xent(labels, tokenizer, weights, params):
    return {}, {}, lambda memory: _hard_step(memory, **params)


def _soft(labels, tokenizer, weights, params):
    return (*_word_inputs(labels, tokenizer, params), lambda memory: _soft_step(memory, lambda z, q, p: xent(z, q), **params))


def _evidential(fn):
    loss = evidential_over_vocabulary(fn)
    return lambda labels, tokenizer, weights, params: (*_word_inputs(labels, tokenizer, params),
                                                       lambda memory: _soft_step(memory, loss, **params))


def _edl_tokens(labels, tokenizer, weights, params):
    """``edl``: a Dirichlet per token, α = e^z + 1 (``losses.evidential_tokens``), against the soft targets."""
    return (*_word_inputs(labels, tokenizer, params), lambda memory: _soft_step(memory, token_edl, **params))


def _multi(labels, tokenizer, weights, params):
    members = {f"member{k}": student_targets(tokenizer, texts)[0] for k, texts in enumerate(labels.member_texts)}
    return members, {}, lambda memory: _multi_step(memory, weights, **params)


def _word_inputs(labels: WeakLabels, tokenizer, params: dict | None = None) -> tuple[dict, dict]:
    """Per token, its word; per example, the weak per-word log-probabilities (what one-best soft targets need)
    and, for ``params.targets`` "posterior" (the default), the pooled token posteriors."""
    ids, word_of = student_targets(tokenizer, labels.texts)
    tensors = {"word_lp": _padded(labels.word_logprobs)}
    if (params or {}).get("targets", "posterior") == "posterior":
        tensors.update(posterior_tensors(labels, tokenizer, ids))
    return {"word_of": word_of}, tensors


def posterior_tensors(labels: WeakLabels, tokenizer, ids: list[list[int]], alternatives: int = 8) -> dict:
    """``alt_ids`` / ``alt_p`` ``[N, T, M]``: per student token its M most probable tokens under the pooled
    posterior (renormalised over those M). An example without posteriors (its text holds ``<unk>``) gets a
    one-hot on its own token. Asserts that the weak words and the student's tokens align."""
    if labels.posteriors is None:
        raise ValueError("params.targets 'posterior' needs joint labels (pooled N-best posteriors); use weak 'joint' or targets 'one_best'")
    width = max(len(t) for t in ids)
    alt_ids = torch.zeros(len(ids), width, alternatives, dtype=torch.long)
    alt_p = torch.zeros(len(ids), width, alternatives)
    cache: dict[str, list[int]] = {}

    def word_tokens(w: str) -> list[int]:
        if w not in cache:
            cache[w] = tokenizer.encode_words([w])[0]
        return cache[w]

    for i, (text, post) in enumerate(zip(labels.texts, labels.posteriors)):
        words = text.split()
        if post is None:
            alt_ids[i, : len(ids[i]), 0] = torch.tensor(ids[i])
            alt_p[i, : len(ids[i]), 0] = 1.0
            continue
        if len(post) != len(words) + 1:
            raise RuntimeError(f"weak and student words disagree on {text!r}: {len(post) - 1} weak words, {len(words)} student words")
        q = token_posteriors(words, post, word_tokens, tokenizer.eos_id)
        if len(q) != len(ids[i]):
            raise RuntimeError(f"{len(q)} bridged token posteriors for the {len(ids[i])} student tokens of {text!r}; "
                               "the student's tokens of the words must concatenate to the text's tokens")
        for t, dist in enumerate(q):
            top = sorted(dist.items(), key=lambda kv: -kv[1])[:alternatives]
            z = sum(p for _, p in top)
            for m, (v, p) in enumerate(top):
                alt_ids[i, t, m], alt_p[i, t, m] = v, p / z
    return {"alt_ids": alt_ids, "alt_p": alt_p}


#: loss name → ``(labels, tokenizer, weights, params) -> (extra sequences, extra tensors, make_step)``.
STEPS = {"xent": _xent, "soft": _soft, "multi_weak": _multi, "edl": _edl_tokens, "edl_self": _evidential(edl_self)}
STUDENT_LOSSES = tuple(sorted(methods_for("generation")))


def prepare(method: dict, labels: WeakLabels, tokenizer, weights: torch.Tensor):
    """``(targets, extra_sequences, extra_tensors, make_step(memory))`` for a method config."""
    try:
        get_method(method["loss"], "generation")
    except ValueError as e:
        raise ValueError(f"methods[].loss: {e}") from None
    ids = student_targets(tokenizer, labels.texts)[0]
    sequences, tensors, make_step = STEPS[method["loss"]](labels, tokenizer, weights, dict(method.get("params", {})))
    return ids, sequences, tensors, make_step
