"""Token-level probability estimation from every weak model, at the word level (pure functions).

Each weak member k gives an N-best list of hypotheses (word sequences with a total log-probability).
For a target hypothesis t (the words the student will be taught, e.g. the joint 1-best), this module
returns, for each word position i of t and for its end of sequence (position ``len(t)``), a posterior
over the word that comes next there:

1. **Hypothesis posteriors.** Within member k, P_k(h) = softmax over its N-best of s(h) / T, with
   s(h) = log p_k(h) / (words(h) + 1) the log-probability normalised per *word* (the end of sequence
   counts as a word, as in ``bridge.word_logprobs``), so members with different tokenizers compare;
   T = ``temperature``. Identical word sequences in one list (two token paths to the same text) keep
   their separate posteriors, which add up in step 3.
2. **Pooling.** P(h) = Σ_k λ_k P_k(h), λ renormalised over the members that have at least one hypothesis.
3. **Alignment: the next word after the target's prefix.** Each hypothesis h is aligned to t by a
   minimum-cost Levenshtein alignment of words (``ws2s.metrics.slu.alignment``: ties prefer
   match/substitution, then deletion, then insertion). At target position i, h votes for the first
   word of h that comes after the part of h aligned to t[:i] — i.e. h[j], j = the number of h's words
   consumed when the alignment has consumed t[:i] (insertions before t[i] included in what follows) —
   or ``EOS`` when h has no word left. So:
   - a hypothesis equal to t votes t[i] at i and ``EOS`` at the end;
   - one of the same length differing by substitutions votes position by position;
   - an inserted word x before t[i] is voted at i (after t[:i], h says x comes next);
   - a deleted t[i] makes h vote its next word at i (after t[:i], h goes on with that word);
   - ``EOS`` only at the one position where h ends (its last word consumed); at every later position h
     does not vote. So the end-of-sequence mass at a position is the posterior of the hypotheses that
     end there: a short or empty hypothesis does not put ``EOS`` mass on every position after its end
     (which made ~15% of the target mass ``EOS`` at every non-final position on SLURP).
   This is the teacher-forcing reading: the student learns p(word i | t[:i]), and each weak hypothesis
   says what it would put next after that prefix.
4. **No ``<unk>``.** A vote for ``<unk>`` (word-level weak models emit it for unseen words; in canonical
   text it reads as the three words ``< unk >``, which ``hypothesis_words`` joins back) is dropped and
   the position renormalised over the remaining votes: ``<unk>`` says "some word I do not know", which
   is no evidence for any student word. A position without a vote (every vote ``<unk>``, or every
   hypothesis ended before it) gets an empty dict
   (the caller must mask it, e.g. fall back to the 1-best confidence). The target itself must not
   contain ``<unk>`` (ValueError).

``word_posteriors`` returns ``list[dict[str, float]]`` of length ``len(target) + 1`` (last = end of
sequence); each non-empty dict sums to 1. ``token_posteriors`` bridges them to the student's tokens
(prefix-tree conditioning within each word), the soft targets of the ``soft`` student.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..metrics.slu import alignment

EOS = "</s>"
UNK = "<unk>"


@dataclass(frozen=True)
class WordHypothesis:
    """One N-best entry: its words (canonical, no ``<unk>`` runs split) and total log-probability (eos included)."""

    words: tuple[str, ...]
    logprob: float

    @property
    def norm_score(self) -> float:
        """Log-probability per word, the end of sequence counted as a word."""
        return self.logprob / (len(self.words) + 1)


def hypothesis_words(text: str) -> tuple[str, ...]:
    """Words of canonical text with each ``< unk >`` run (how ``canon`` splits ``<unk>``) joined back to ``<unk>``."""
    words, out, i = text.split(), [], 0
    while i < len(words):
        if words[i : i + 3] == ["<", "unk", ">"]:
            out.append(UNK)
            i += 3
        else:
            out.append(words[i])
            i += 1
    return tuple(out)


def hypothesis_posteriors(nbest: Sequence[WordHypothesis], temperature: float = 1.0) -> list[float]:
    """Softmax of the per-word normalised scores over one member's N-best list (empty list → [])."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if not nbest:
        return []
    s = [h.norm_score / temperature for h in nbest]
    top = max(s)
    e = [math.exp(x - top) for x in s]
    z = sum(e)
    return [x / z for x in e]


def next_words(target: Sequence[str], hyp: Sequence[str]) -> list[str | None]:
    """What ``hyp`` puts next after each prefix of ``target``: ``len(target) + 1`` entries.

    ``EOS`` at the one prefix where ``hyp`` ends (its last word consumed), ``None`` (no vote) at every
    later prefix: a hypothesis that has ended says nothing about what follows words it does not contain.
    """
    after = [0] * (len(target) + 1)  # after[i]: hyp words consumed once the alignment has consumed target[:i]
    consumed = 0
    for i, j in alignment(list(target), list(hyp)):
        if j is not None:
            consumed = j + 1
        if i is not None:
            after[i + 1] = consumed
    # after is non-decreasing: the first prefix with nothing of hyp left is where it ends.
    ends = next((i for i, c in enumerate(after) if c >= len(hyp)), None)
    return [hyp[c] if c < len(hyp) else (EOS if i == ends else None) for i, c in enumerate(after)]


def word_posteriors(target: Sequence[str], nbests: Sequence[Sequence[WordHypothesis]], weights: Sequence[float],
                    temperature: float = 1.0) -> list[dict[str, float]]:
    """Per position of ``target`` (then its end), the pooled posterior over the next word (see the module doc).

    target: words; nbests: per member its N-best list; weights: λ per member (≥ 0, renormalised over
    members with a non-empty list).
    """
    if len(nbests) != len(weights):
        raise ValueError(f"{len(nbests)} N-best lists for {len(weights)} weights; give one λ per member")
    if any(w < 0 for w in weights):
        raise ValueError(f"weights must be ≥ 0, got {list(weights)}")
    if UNK in target:
        raise ValueError(f"the target {' '.join(target)!r} contains {UNK}; a student is never taught <unk>")
    live = [(nb, w) for nb, w in zip(nbests, weights) if nb and w > 0]
    total_w = sum(w for _, w in live)
    mass: list[dict[str, float]] = [{} for _ in range(len(target) + 1)]
    for nbest, w in live:
        for hyp, post in zip(nbest, hypothesis_posteriors(nbest, temperature)):
            for i, word in enumerate(next_words(target, hyp.words)):
                if word is not None and word != UNK:
                    mass[i][word] = mass[i].get(word, 0.0) + w / total_w * post
    out = []
    for m in mass:
        z = sum(m.values())
        out.append({word: p / z for word, p in m.items()} if z > 0 else {})
    return out


def token_posteriors(target: Sequence[str], posteriors: Sequence[dict[str, float]], word_tokens, eos_id: int
                     ) -> list[dict[int, float]]:
    """The word posteriors bridged to the student's tokens: one sparse distribution per student token.

    target: the target's words; posteriors: ``word_posteriors(target, ...)`` (``len(target) + 1``
    positions); word_tokens: word → its student token ids, context-free (WordPiece; the copy student's
    shortlist); eos_id: the student's end of sequence. At the j-th token of target word i (the word's
    first j − 1 tokens already given), the next token's distribution is the posterior mass of the words
    whose tokens start with those j − 1 tokens and go on, by their j-th token:
        q(v) = Σ_{w: tok(w)[:j−1] = tok(t_i)[:j−1], tok(w)[j−1] = v} P_i(w) / Σ_{w consistent} P_i(w)
    (prefix-tree conditioning, so Π_j q(tok(t_i)[j−1]) = P_i(t_i)); words that already ended drop out.
    The end-of-sequence position maps ``EOS`` to ``eos_id`` and other words to their first token. A
    token whose consistent mass is 0 (an empty position, or a target word no member proposed) gets a
    one-hot distribution on the target token — the caller can mask it instead.
    Returns ``len(tokens of the target) + 1`` dicts (the last for the end of sequence).
    """
    if len(posteriors) != len(target) + 1:
        raise ValueError(f"{len(posteriors)} word positions for a target of {len(target)} words; expected {len(target) + 1}")
    out: list[dict[int, float]] = []
    for i, word in enumerate([*target, EOS]):
        toks = [eos_id] if word == EOS else list(word_tokens(word))
        alts = {w: ([eos_id] if w == EOS else list(word_tokens(w))) for w in posteriors[i]}
        for j, tok in enumerate(toks):
            q: dict[int, float] = {}
            for w, p in posteriors[i].items():
                t = alts[w]
                if len(t) > j and t[:j] == toks[:j]:
                    q[t[j]] = q.get(t[j], 0.0) + p
            z = sum(q.values())
            out.append({v: p / z for v, p in q.items()} if z > 0 else {tok: 1.0})
    return out
