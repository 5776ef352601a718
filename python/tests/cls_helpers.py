"""Shared helpers for the classification tests: tiny HF models built from configs, saved to temp dirs."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ws2s.tasks.synonyms import FILLERS, NOUNS, TEMPLATES, VOCABULARIES


def task_words() -> list[str]:
    words = set(NOUNS) | {w for f in FILLERS for w in f.split()}
    for t in TEMPLATES.values():
        words |= {w for line in t for w in line.replace("{w}", "").replace("{noun}", "").split()}
    for vocab in VOCABULARIES.values():
        for common, held in vocab.values():
            words |= set(common) | set(held)
    return sorted(words)


def tiny_bert(path: Path) -> str:
    """A 1-layer BERT (random weights) with a word-level vocabulary covering the built-in task."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    torch.manual_seed(0)
    path.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *task_words()]
    # transformers 5 ignores ``vocab_file=`` here (every word became [UNK]); pass the vocabulary itself
    tok = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)})
    assert tok.tokenize("the movie")[0] != "[UNK]"
    tok.save_pretrained(path)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=64)
    BertModel(cfg).save_pretrained(path)
    return str(path)


def tiny_gpt2(path: Path) -> str:
    """A 1-layer GPT-2 (random weights), no tokenizer."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=50, n_embd=16, n_layer=1, n_head=2, n_positions=64)
    GPT2LMHeadModel(cfg).save_pretrained(path)
    return str(path)


def classification_config(**over) -> dict:
    base = {
        "name": "test",
        "kind": "classification",
        "seeds": [0],
        "task": {"source": "builtin", "name": "synonyms", "size": 200},
        "weak": [{"name": "bow", "arch": "bow"}],
        "methods": [{"name": "naive", "loss": "xent"}],
        "weak_train": {"epochs": 2},
        "strong_train": {"epochs": 2},
    }
    base.update(over)
    return base


def write_jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)
