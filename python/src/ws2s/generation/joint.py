"""Joint decoding: the weak models agree on one hypothesis per input.

Pool every weak model's N-best list, have every weak model score every candidate with its log-probability
per word (``scoring.word_scores``: one scale for members with different tokenizers), combine with weights λ,
keep the best.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .beam import beam_search
from .scoring import text_logprobs, word_scores
from .word_posterior import UNK, hypothesis_words


@dataclass
class JointChoice:
    """The chosen candidate, its per-model token log-probabilities, and every model's own top hypothesis."""

    text: str
    token_logprobs: list[list[float]]  # [K][tokens of model k, eos included]
    own_top: list[str]                  # [K] each weak model's best hypothesis alone
    candidates: list[str]
    scores: list[float]                 # combined score per candidate
    nbests: list[list[tuple[str, float]]] = field(default_factory=list)  # [K] each member's N-best: (text, total log-prob)


def combine(norm_scores: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Combined scores ``[n_candidates]`` = Σ_k λ_k · s_k; norm_scores ``[n_candidates, K]``, weights ``[K]``."""
    return norm_scores.double() @ weights.double()


def joint_decode(models: list, sources: list[str], weights: torch.Tensor, beam_size: int = 4,
                 max_len: int = 48, length_penalty: float = 0.0) -> list[JointChoice]:
    """One ``JointChoice`` per source. weights: λ ``[K]`` (normalised by the caller); ``length_penalty``: of every
    member's beam search (the pooled candidates are then ranked per word either way)."""
    memories = [m.encode(sources) for m in models]
    pools: list[list[str]] = [[] for _ in sources]
    own_top: list[list[str]] = [[] for _ in sources]
    nbests: list[list[list[tuple[str, float]]]] = [[] for _ in sources]
    for model, memory in zip(models, memories):
        for i, nbest in enumerate(beam_search(model, memory, beam_size, max_len=max_len, length_penalty=length_penalty)):
            texts = [model.tokenizer.decode(h.ids) for h in nbest]
            own_top[i].append(texts[0] if texts else "")
            nbests[i].append([(t, h.logprob) for t, h in zip(texts, nbest)])
            pools[i].extend(t for t in texts if t not in pools[i])
    # a candidate with <unk> (a word-level member's unknown word) would teach the student the word "<unk>":
    # it stays in the pool only when nothing else is there
    pools = [[t for t in pool if UNK not in hypothesis_words(t)] or pool for pool in pools]
    rows = [i for i, pool in enumerate(pools) for _ in pool]
    flat = [t for pool in pools for t in pool]
    per_model = [text_logprobs(m, mem, rows, flat) for m, mem in zip(models, memories)]
    per_word = torch.stack([word_scores(m, mem, rows, flat) for m, mem in zip(models, memories)], 1)  # [n, K]
    choices, at = [], 0
    for i, pool in enumerate(pools):
        lps = [[per_model[k][at + j] for k in range(len(models))] for j in range(len(pool))]
        scores = combine(per_word[at : at + len(pool)], weights)
        best = int(scores.argmax())
        choices.append(JointChoice(pool[best], [lp.tolist() for lp in lps[best]], own_top[i], pool, scores.tolist(), nbests[i]))
        at += len(pool)
    return choices
