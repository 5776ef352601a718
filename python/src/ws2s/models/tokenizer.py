"""A word-level tokenizer that a weak model fits on its own training texts.

Words it never saw map to ``[unk]``: a from-scratch weak model cannot know what they mean.
"""

from __future__ import annotations

import re
from collections import Counter

PAD, UNK = 0, 1
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class WordTokenizer:
    def __init__(self, vocab: list[str]):
        self.vocab = vocab  # index 0 = [pad], 1 = [unk]
        self.index = {w: i for i, w in enumerate(vocab)}

    @classmethod
    def fit(cls, texts: list[str], max_vocab: int = 20000, min_count: int = 1) -> "WordTokenizer":
        counts = Counter(w for t in texts for w in words(t))
        kept = [w for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_count][: max_vocab - 2]
        return cls(["[pad]", "[unk]", *kept])

    def encode(self, text: str, max_length: int = 128) -> list[int]:
        ids = [self.index.get(w, UNK) for w in words(text)][:max_length]
        return ids or [UNK]

    def __len__(self) -> int:
        return len(self.vocab)
