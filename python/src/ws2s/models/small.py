"""Weak architectures trained from scratch on word ids: ``forward(input_ids, attention_mask) -> logits``.

Shapes: input_ids, attention_mask ``[batch, seq]`` → logits ``[batch, classes]``.
"""

from __future__ import annotations

import torch
from torch import nn

from ws2s.models.pooling import mean_pool


class BagOfWords(nn.Module):
    """Logistic regression on word counts (an EmbeddingBag of width `classes`)."""

    def __init__(self, vocab_size: int, num_classes: int):
        super().__init__()
        self.weights = nn.Embedding(vocab_size, num_classes, padding_idx=0)
        nn.init.zeros_(self.weights.weight)
        self.bias = nn.Parameter(torch.zeros(num_classes))

    def forward(self, input_ids, attention_mask):
        return (self.weights(input_ids) * attention_mask.unsqueeze(-1)).sum(1) + self.bias


class CNN(nn.Module):
    """Word embeddings → 1-D convolutions of several widths → max over time → linear."""

    def __init__(self, vocab_size: int, num_classes: int, dim: int = 64, channels: int = 64, widths=(2, 3, 4), dropout: float = 0.2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.convs = nn.ModuleList(nn.Conv1d(dim, channels, w, padding=w - 1) for w in widths)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(channels * len(widths), num_classes)

    def forward(self, input_ids, attention_mask):
        x = self.embed(input_ids).transpose(1, 2)  # [b, dim, seq]
        pooled = []
        for conv in self.convs:
            h = torch.relu(conv(x))[:, :, : input_ids.shape[1]]
            h = h.masked_fill(~attention_mask.bool().unsqueeze(1), -1e4)
            pooled.append(h.max(dim=2).values)
        return self.head(self.drop(torch.cat(pooled, 1)))


class GRU(nn.Module):
    """Word embeddings → bidirectional GRU → mean over real tokens → linear."""

    def __init__(self, vocab_size: int, num_classes: int, dim: int = 64, hidden: int = 64, dropout: float = 0.2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.rnn = nn.GRU(dim, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden, num_classes)

    def forward(self, input_ids, attention_mask):
        h, _ = self.rnn(self.embed(input_ids))
        return self.head(self.drop(mean_pool(h, attention_mask)))


class TinyTransformer(nn.Module):
    """A 1–2 layer transformer encoder with learned positions, mean-pooled."""

    def __init__(self, vocab_size: int, num_classes: int, dim: int = 64, layers: int = 1, heads: int = 4, max_len: int = 128, dropout: float = 0.1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.pos = nn.Embedding(max_len, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.shape[1], device=input_ids.device)
        h = self.encoder(self.embed(input_ids) + self.pos(pos), src_key_padding_mask=~attention_mask.bool())
        return self.head(mean_pool(h, attention_mask))


SMALL_ARCHS = {"bow": BagOfWords, "cnn": CNN, "gru": GRU, "transformer": TinyTransformer}
