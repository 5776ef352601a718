"""Model registry. A ``TextClassifier`` bundles a module ``forward(input_ids, attention_mask) -> logits``
with the tokenizer that feeds it, so weak models with their own vocabularies and HF models look alike.

``WEAK_ARCHS`` maps ``weak[i].arch`` to a builder ``(member, weak_train texts, num_classes, vocab) -> TextClassifier``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

from torch import nn

from ws2s.models.hf import load_hf_classifier, load_tokenizer, resolve_model
from ws2s.models.small import SMALL_ARCHS
from ws2s.models.tokenizer import PAD, WordTokenizer

#: Keys of ``weak[i].params`` that override training settings rather than build the model.
TRAIN_KEYS = {"epochs", "lr", "batch_size", "weight_decay"}
#: Keys of ``weak[i].params`` for the word tokenizer of a from-scratch model.
TOKENIZER_KEYS = {"max_vocab", "min_count", "max_length"}


@dataclass
class TextClassifier:
    module: nn.Module
    encode: Callable[[list[str]], list[list[int]]]  # texts -> token ids, unpadded
    pad_id: int = PAD
    padding_side: str = "right"
    state: dict = field(default_factory=dict)  # what besides the weights rebuilds it (e.g. a vocabulary)


def build_small(arch: str, params: dict, train_texts: list[str], num_classes: int, vocab: list[str] | None = None) -> TextClassifier:
    tok_params = {k: v for k, v in params.items() if k in TOKENIZER_KEYS}
    max_length = int(tok_params.pop("max_length", 128))
    tok = WordTokenizer(vocab) if vocab is not None else WordTokenizer.fit(train_texts, **tok_params)
    arch_params = {k: v for k, v in params.items() if k not in TRAIN_KEYS | TOKENIZER_KEYS}
    module = SMALL_ARCHS[arch](len(tok), num_classes, **arch_params)
    return TextClassifier(module, lambda texts: [tok.encode(t, max_length) for t in texts], state={"vocab": tok.vocab})


def build_hf(model: str, num_classes: int, max_length: int = 128, pooling: str = "auto", trust_remote_code: bool = False,
             layers: int | None = None, freeze: bool = False) -> TextClassifier:
    """Any HF encoder/decoder (hub id or path) with a linear head, fed by its own tokenizer; ``layers`` keeps
    its first k transformer blocks, ``freeze`` trains the head only (``ws2s.models.hf.load_hf_classifier``)."""
    tok = load_tokenizer(model, trust_remote_code)
    module = load_hf_classifier(model, num_classes, pooling, trust_remote_code, layers, freeze)

    def encode(texts: list[str]) -> list[list[int]]:
        return tok(list(texts), truncation=True, max_length=max_length)["input_ids"]

    return TextClassifier(module, encode, pad_id=tok.pad_token_id, padding_side=tok.padding_side)


WeakBuilder = Callable[[dict, list[str], int, "list[str] | None"], TextClassifier]


def _small_builder(arch: str) -> WeakBuilder:
    def build(member: dict, train_texts: list[str], num_classes: int, vocab: list[str] | None = None) -> TextClassifier:
        return build_small(arch, member["params"], train_texts, num_classes, vocab)

    return build


def _hf_builder(member: dict, train_texts: list[str], num_classes: int, vocab: list[str] | None = None) -> TextClassifier:
    return build_hf(member["model"], num_classes, **{k: v for k, v in member["params"].items() if k not in TRAIN_KEYS})


#: weak[i].arch -> builder(member config, weak_train texts, classes, cached vocabulary or None).
WEAK_ARCHS: dict[str, WeakBuilder] = {**{a: _small_builder(a) for a in SMALL_ARCHS}, "hf": _hf_builder}


def weak_param_names(arch: str) -> set[str]:
    """Parameter names ``weak[i].params`` may use for ``arch``."""
    if arch == "hf":
        return TRAIN_KEYS | (set(inspect.signature(build_hf).parameters) - {"model", "num_classes"})
    sig = inspect.signature(SMALL_ARCHS[arch].__init__).parameters
    return (set(sig) - {"self", "vocab_size", "num_classes"}) | TRAIN_KEYS | TOKENIZER_KEYS


def build_weak(member: dict, train_texts: list[str], num_classes: int, vocab: list[str] | None = None) -> TextClassifier:
    """The untrained weak model for config entry ``member`` (``vocab`` rebuilds a cached one)."""
    return WEAK_ARCHS[member["arch"]]({"params": {}, **member}, train_texts, num_classes, vocab)


__all__ = ["TextClassifier", "WEAK_ARCHS", "TRAIN_KEYS", "build_weak", "build_hf", "weak_param_names", "resolve_model"]
