"""Tokenizers for generation: word- and character-level ones built from data, and HF tokenizers.

Every tokenizer has ``pad_id``, ``bos_id``, ``eos_id``, ``vocab_size``, ``encode(text) -> ids`` (no
special tokens), ``decode(ids) -> canonical text`` and ``words(ids) -> list[list[int]]`` — the
positions of each whitespace word's tokens in ``ids``. ``words`` is what word targets need to
sum a hypothesis's per-token log-probabilities into per-word log-probabilities in *this* tokenizer.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from .frames import canon

SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")


class _VocabTokenizer:
    """Shared part of the from-scratch tokenizers: a fixed vocabulary with the four specials first."""

    pad_id, bos_id, eos_id, unk_id = 0, 1, 2, 3

    def __init__(self, vocab: list[str]):
        self.vocab = list(vocab)
        self.index = {t: i for i, t in enumerate(self.vocab)}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def state(self) -> dict:
        return {"kind": self.kind, "vocab": self.vocab}


class WordTokenizer(_VocabTokenizer):
    """One token per canonical word; words unseen when building the vocabulary become ``<unk>``."""

    kind = "word"

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 1) -> WordTokenizer:
        counts = Counter(w for t in texts for w in canon(t).split())
        return cls(list(SPECIALS) + sorted(w for w, n in counts.items() if n >= min_count))

    def encode(self, text: str) -> list[int]:
        return [self.index.get(w, self.unk_id) for w in canon(text).split()]

    def decode(self, ids: Iterable[int]) -> str:
        return " ".join(self.vocab[i] for i in ids if i >= len(SPECIALS) or i == self.unk_id)

    def words(self, ids: list[int]) -> list[list[int]]:
        return [[i] for i in range(len(ids))]


class CharTokenizer(_VocabTokenizer):
    """One token per character of the canonical text (spaces included)."""

    kind = "char"

    @classmethod
    def build(cls, texts: Iterable[str]) -> CharTokenizer:
        return cls(list(SPECIALS) + sorted({c for t in texts for c in canon(t)}))

    def encode(self, text: str) -> list[int]:
        return [self.index.get(c, self.unk_id) for c in canon(text)]

    def decode(self, ids: Iterable[int]) -> str:
        return canon("".join(self.vocab[i] for i in ids if i >= len(SPECIALS)))

    def words(self, ids: list[int]) -> list[list[int]]:
        """A space belongs to the word after it (a trailing space to the last word); no word is empty."""
        groups: list[list[int]] = [[]]
        for pos, i in enumerate(ids):
            if self.vocab[i] == " " and groups[-1] and any(self.vocab[ids[p]] != " " for p in groups[-1]):
                groups.append([])
            groups[-1].append(pos)
        if len(groups) > 1 and all(self.vocab[ids[p]] == " " for p in groups[-1]):
            groups[-2].extend(groups.pop())
        return [g for g in groups if g]


class HFTokenizer:
    """A Hugging Face tokenizer (fast, with offsets). ``bos``/``eos`` fall back to ``[CLS]``/``[SEP]``."""

    kind = "hf"

    def __init__(self, path: str | Path, trust_remote_code: bool = False):
        from transformers import AutoTokenizer

        self.path = str(path)
        self.tok = AutoTokenizer.from_pretrained(self.path, trust_remote_code=trust_remote_code)
        t = self.tok
        self.eos_id = t.eos_token_id if t.eos_token_id is not None else t.sep_token_id
        self.bos_id = t.bos_token_id if t.bos_token_id is not None else (t.cls_token_id if t.cls_token_id is not None else self.eos_id)
        self.pad_id = t.pad_token_id if t.pad_token_id is not None else self.eos_id
        if self.eos_id is None:
            raise ValueError(f"tokenizer at {self.path} has neither an eos nor a sep token; generation needs one to stop")
        self.vocab_size = len(t)

    def encode(self, text: str) -> list[int]:
        return self.tok(canon(text), add_special_tokens=False)["input_ids"]

    def decode(self, ids: Iterable[int]) -> str:
        return canon(self.tok.decode([i for i in ids if i not in (self.pad_id, self.bos_id, self.eos_id)]))

    def encode_words(self, words: list[str]) -> tuple[list[int], list[int]]:
        """Token ids of ``" ".join(words)`` and, per token, the index of the word it belongs to.

        A token belongs to the word of its first non-space character (byte-level and SentencePiece
        tokens carry the space before a word); a token of spaces only belongs to the word before it.
        """
        text = " ".join(words)
        starts, pos = [], 0
        for w in words:
            starts.append(text.index(w, pos))
            pos = starts[-1] + len(w)
        enc = self.tok(text, add_special_tokens=False, return_offsets_mapping=True)
        word_of = []
        for a, b in enc["offset_mapping"]:
            first = a + len(text[a:b]) - len(text[a:b].lstrip())
            at = first if first < b else a
            word_of.append(max(0, bisect_right(starts, at) - 1))
        return enc["input_ids"], word_of

    def words(self, ids: list[int]) -> list[list[int]]:
        """Positions of each whitespace word's tokens in ``ids`` (from the decoded text of every prefix).

        A token that adds no new word (a continuation piece, or a space-only token) joins the word before it.
        """
        groups: list[list[int]] = []
        for p in range(len(ids)):
            n = len(self.tok.decode(ids[: p + 1], clean_up_tokenization_spaces=False).split())
            if n > len(groups) or not groups:
                groups.append([])
            groups[-1].append(p)
        return groups

    def state(self) -> dict:
        return {"kind": self.kind, "path": self.path}


def build_tokenizer(kind: str, texts: list[str]) -> WordTokenizer | CharTokenizer:
    builders = {"word": WordTokenizer.build, "char": CharTokenizer.build}
    if kind not in builders:
        raise ValueError(f"tokenizer {kind!r} is unknown; use one of {sorted(builders)}")
    return builders[kind](texts)


class ShortlistTokenizer:
    """An HF tokenizer restricted to a shortlist of its tokens (an output-vocabulary selection).

    Local ids 0..len-1 index ``global_ids``; tokens outside the shortlist encode as the HF unk token.
    The student generates over the shortlist only (every token of the task's source utterances and of
    the weak side's frames), which makes a CPU run ~10× cheaper than a 30k-token softmax.
    """

    kind = "shortlist"

    def __init__(self, hf: HFTokenizer, token_ids: Iterable[int]):
        t = hf.tok
        specials = {hf.pad_id, hf.bos_id, hf.eos_id, t.unk_token_id if t.unk_token_id is not None else hf.eos_id}
        self.hf = hf
        self.global_ids = sorted(set(token_ids) | specials)
        self.local = {g: i for i, g in enumerate(self.global_ids)}
        self.unk_id = self.local[t.unk_token_id if t.unk_token_id is not None else hf.eos_id]
        self.pad_id, self.bos_id, self.eos_id = self.local[hf.pad_id], self.local[hf.bos_id], self.local[hf.eos_id]
        self.vocab_size = len(self.global_ids)

    @classmethod
    def from_texts(cls, hf: HFTokenizer, texts: Iterable[str]) -> ShortlistTokenizer:
        return cls(hf, {i for text in texts for i in hf.encode(text)})

    def to_local(self, ids: Iterable[int]) -> list[int]:
        return [self.local.get(i, self.unk_id) for i in ids]

    def encode(self, text: str) -> list[int]:
        return self.to_local(self.hf.encode(text))

    def decode(self, ids: Iterable[int]) -> str:
        return self.hf.decode([self.global_ids[i] for i in ids if i not in (self.pad_id, self.bos_id, self.eos_id)])

    def encode_words(self, words: list[str]) -> tuple[list[int], list[int]]:
        ids, word_of = self.hf.encode_words(words)
        return self.to_local(ids), word_of

    def words(self, ids: list[int]) -> list[list[int]]:
        """Positions of each whitespace word's tokens in local ``ids`` (``HFTokenizer.words`` on their global ids)."""
        return self.hf.words([self.global_ids[i] for i in ids])

    def state(self) -> dict:
        return {"kind": self.kind, "hf": self.hf.state(), "global_ids": self.global_ids}
