"""Token-level soft labels through words: weak per-word confidence re-spread over the student's tokens.

A weak hypothesis's per-token log-probabilities (weak tokenizer) are summed per word; the words are
re-tokenised by the student; each word's log-probability is spread over its student tokens with
weights π (softmax of −m_t/τ within the word, m_t the student's detached max probability, or uniform),
so Σ_t share_t = word log-prob and Π_t exp(share_t) = the weak word probability. The end of sequence
is a word of its own (the weak eos → the student eos).
"""

from __future__ import annotations

import torch


def word_logprobs(token_logprobs: list[float], groups: list[list[int]]) -> list[float]:
    """Per-word log-probabilities: sums over ``groups`` (token positions of each word), then eos.

    token_logprobs: the hypothesis's tokens, eos last; groups cover the tokens before eos.
    """
    words = [sum(token_logprobs[p] for p in g) for g in groups]
    return words + [token_logprobs[-1]]


def spread_weights(word_of: torch.Tensor, max_prob: torch.Tensor | None, tau: float = 1.0) -> torch.Tensor:
    """π ``[T]``: per student token, its share of its word; sums to 1 within each word.

    word_of: ``[T]`` word index per student token; max_prob: ``[T]`` the student's detached max
    probability (π = softmax(−m/τ) within a word: the student's least confident tokens take more of the
    word's doubt), or None for uniform weights.
    """
    n_words = int(word_of.max()) + 1 if word_of.numel() else 0
    logits = torch.zeros(word_of.shape, dtype=torch.float64) if max_prob is None else -max_prob.detach().double().cpu() / tau
    word_max = torch.full((n_words,), -torch.inf, dtype=torch.float64).scatter_reduce(0, word_of, logits, "amax")
    e = torch.exp(logits - word_max[word_of])
    return e / torch.zeros(n_words, dtype=torch.float64).index_add(0, word_of, e)[word_of]


def token_shares(word_lp, word_of: torch.Tensor, max_prob: torch.Tensor | None, tau: float = 1.0) -> torch.Tensor:
    """share_t = π_t · log p(word of t) ``[T]`` (float64); Σ over a word's tokens = its log-probability.

    word_lp: ``[W]`` per-word log-probabilities (a list or a tensor); word_of: ``[T]`` indices into it.
    """
    return spread_weights(word_of, max_prob, tau) * torch.as_tensor(word_lp, dtype=torch.float64)[word_of]


def soft_targets(student_probs: torch.Tensor, hyp_ids: torch.Tensor, share: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Soft targets ``[T, V]``: c_t = exp(share_t) on the hypothesis token, 1 − c_t over the others.

    The rest is spread in proportion to the student's own detached distribution renormalised without
    the hypothesis token, p_v / (1 − p_y); the division is guarded (when the student puts all its mass
    on y, the rest is spread uniformly). Rows sum to 1; no gradient flows through the targets.
    student_probs: ``[T, V]``; hyp_ids: ``[T]``; share: ``[T]`` (≤ 0).
    """
    p = student_probs.detach().double()
    c = torch.exp(share.to(p).clamp(max=0.0))
    rest = p.scatter(1, hyp_ids[:, None], 0.0)
    mass = rest.sum(-1, keepdim=True)
    uniform = torch.ones_like(rest).scatter(1, hyp_ids[:, None], 0.0) / max(1, p.shape[1] - 1)
    rest = torch.where(mass > eps, rest / mass.clamp_min(eps), uniform)
    target = rest * (1 - c)[:, None]
    return target.scatter(1, hyp_ids[:, None], c[:, None]).to(student_probs.dtype)
