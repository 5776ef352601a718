"""Generation models share one interface, used by beam search, word targets, students and DPO:

- ``tokenizer``: the *target* tokenizer (``bos_id``, ``eos_id``, ``pad_id``, ``vocab_size``, ``encode``, ``decode``);
- ``encode(sources: list[str]) -> Memory``: a dict of batch-first tensors (index rows with ``select``);
- ``forward(memory, tgt_in: [B, T], last_only=False) -> [B, T, V]`` next-token scores (``[B, 1, V]`` for
  the last position only, which beam search uses) (logits or log-probabilities;
  callers apply ``log_softmax``, which leaves log-probabilities unchanged).

Implementations: ``student.CopyStudent`` (the embedded default), ``weak.TinySeq2Seq`` (from scratch),
``hf.HFCausalLM`` / ``hf.HFSeq2SeqLM`` (any Hugging Face LM by hub id or path; ``ws2s.testing.tiny_lm`` builds random ones for tests).
"""

from __future__ import annotations

import torch

Memory = dict[str, torch.Tensor]


def select(memory: Memory, index: torch.Tensor) -> Memory:
    """Rows ``index`` of every tensor in the memory (beam expansion, batching)."""
    return {k: v.index_select(0, index.to(v.device)) for k, v in memory.items()}


def pad(seqs: list[list[int]], pad_id: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Right-padded ``[B, max_len]`` long tensor (``max_len`` ≥ 1)."""
    width = max(1, max((len(s) for s in seqs), default=1))
    out = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out.to(device)


def causal_mask(t: int, device: torch.device) -> torch.Tensor:
    """``[T, T]`` bool, True above the diagonal (positions a token may not attend to)."""
    return torch.triu(torch.ones(t, t, dtype=torch.bool, device=device), diagonal=1)
