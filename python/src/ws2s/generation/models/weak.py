"""A small transformer encoder–decoder trained from scratch with its own (word or char) tokenizer."""

from __future__ import annotations

import torch
from torch import nn

from . import Memory, causal_mask, pad


class TinySeq2Seq(nn.Module):
    """Source and target share ``tokenizer`` and a tied embedding; learned positions up to ``max_len``."""

    def __init__(self, tokenizer, dim: int = 128, layers: int = 2, heads: int = 4, ff: int = 256,
                 dropout: float = 0.1, max_len: int = 1024):
        super().__init__()
        self.tokenizer, self.max_len = tokenizer, max_len
        self.embed = nn.Embedding(tokenizer.vocab_size, dim, padding_idx=tokenizer.pad_id)
        self.src_pos = nn.Embedding(max_len, dim)
        self.tgt_pos = nn.Embedding(max_len, dim)
        self.net = nn.Transformer(dim, heads, layers, layers, ff, dropout, batch_first=True)
        self.norm = nn.LayerNorm(dim)

    @property
    def device(self) -> torch.device:
        return self.embed.weight.device

    def encode(self, sources: list[str]) -> Memory:
        ids = pad([self.tokenizer.encode(s)[: self.max_len] for s in sources], self.tokenizer.pad_id, self.device)
        mask = ids == self.tokenizer.pad_id
        x = self.embed(ids) + self.src_pos(torch.arange(ids.shape[1], device=ids.device))
        return {"h": self.net.encoder(x, src_key_padding_mask=mask), "pad": mask}

    def forward(self, memory: Memory, tgt_in: torch.Tensor, last_only: bool = False) -> torch.Tensor:
        """tgt_in ``[B, T]`` (starting with bos) → logits ``[B, T, V]`` (``[B, 1, V]`` with ``last_only``)."""
        t = tgt_in.shape[1]
        if t > self.max_len:
            raise ValueError(f"target of {t} tokens exceeds this weak model's max_len {self.max_len}; raise params.max_len")
        y = self.embed(tgt_in) + self.tgt_pos(torch.arange(t, device=tgt_in.device))
        h = self.net.decoder(y, memory["h"], tgt_mask=causal_mask(t, y.device),
                             tgt_key_padding_mask=tgt_in == self.tokenizer.pad_id,
                             memory_key_padding_mask=memory["pad"])
        h = h[:, -1:] if last_only else h
        return self.norm(h) @ self.embed.weight.T
