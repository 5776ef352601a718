"""Stage "weak labels": joint decoding of strong_train and the per-word log-probabilities of its hypotheses."""

from __future__ import annotations

import torch

from .word_posterior import UNK, WordHypothesis, hypothesis_words, word_posteriors
from .word_targets import word_logprobs
from .joint import JointChoice
from .scoring import text_logprobs
from .students import WeakLabels


def combined_word_logprobs(models: list, weights: torch.Tensor, text: str, token_logprobs: list[list[float]]) -> list[float]:
    """λ-weighted per-word log-probabilities of one hypothesis (each model summed over its own tokens)."""
    per_model = []
    for model, lps in zip(models, token_logprobs):
        tok = model.tokenizer
        per_model.append(torch.tensor(word_logprobs(lps, tok.words(tok.encode(text))), dtype=torch.float64))
    lengths = {len(w) for w in per_model}
    if len(lengths) != 1:
        raise RuntimeError(f"weak tokenizers disagree on the words of {text!r}: {lengths}; hypotheses must be canonical text")
    return (torch.stack(per_model, 1) @ weights.double()).tolist()


def pooled_posteriors(choice: JointChoice, weights: torch.Tensor) -> list[dict[str, float]] | None:
    """Per word of the chosen text (then its end), the posterior over words pooled from every member's N-best
    (``word_posterior.word_posteriors``, λ-weighted); None when the text holds ``<unk>`` (nothing to bridge)."""
    target = hypothesis_words(choice.text)
    if UNK in target or not choice.nbests:
        return None
    nbests = [[WordHypothesis(hypothesis_words(t), lp) for t, lp in nb] for nb in choice.nbests]
    return word_posteriors(target, nbests, weights.double().tolist())


def joint_labels(models: list, weights: torch.Tensor, choices: list[JointChoice]) -> WeakLabels:
    """Weak labels from joint decoding: the chosen text, its λ-combined per-word log-probabilities and the
    word posteriors pooled from every member's N-best list."""
    return WeakLabels(
        texts=[c.text for c in choices],
        word_logprobs=[combined_word_logprobs(models, weights, c.text, c.token_logprobs) for c in choices],
        member_texts=[[c.own_top[k] for c in choices] for k in range(len(models))],
        posteriors=[pooled_posteriors(c, weights) for c in choices],
    )


def member_labels(models: list, k: int, memory, choices: list[JointChoice]) -> WeakLabels:
    """Weak labels from member ``k`` alone: its own top hypothesis and its own per-word log-probabilities."""
    texts = [c.own_top[k] for c in choices]
    lps = text_logprobs(models[k], memory, list(range(len(texts))), texts)
    one = torch.ones(1, dtype=torch.float64)
    return WeakLabels(
        texts=texts,
        word_logprobs=[combined_word_logprobs([models[k]], one, t, [lp.tolist()]) for t, lp in zip(texts, lps)],
        member_texts=[[c.own_top[j] for c in choices] for j in range(len(models))],
    )
