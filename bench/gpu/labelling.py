"""(b) Weak-ensemble labelling throughput: three small classifiers label the same examples.

- plain: fp32 weights, ``torch.no_grad``, data order, every batch padded to ``max_len`` with a mask.
- ws2s: bf16 weights, ``torch.inference_mode``, batches sorted by length under a token budget, right
  padding; decoder members get no mask (causal attention never looks at the padding to the right, and
  the HF sequence-classification heads pool the last non-pad token). Labels go back in data order.
Each member labels every example once; methods that need the labels reuse them (no recomputation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from transformers import (BertConfig, BertForSequenceClassification, GPT2Config, GPT2ForSequenceClassification,
                          LlamaConfig, LlamaForSequenceClassification)

from batching import PAD_ID, bucket_batches, collate, fixed_batches, random_sequences, sample_lengths
from hardware import sync


@dataclass(frozen=True)
class LabelSpec:
    n_examples: int
    max_len: int
    vocab: int
    classes: int
    ref_batch: int
    max_tokens: int
    multiple: int
    width: int  # hidden size of the smallest member; the others scale from it
    layers: int


GPU = LabelSpec(n_examples=8192, max_len=256, vocab=32000, classes=4, ref_batch=64, max_tokens=65536, multiple=16,
                width=512, layers=8)
CPU = LabelSpec(n_examples=64, max_len=48, vocab=256, classes=4, ref_batch=16, max_tokens=512, multiple=8,
                width=32, layers=1)


def build_members(spec: LabelSpec) -> dict[str, tuple[torch.nn.Module, bool]]:
    """Three architectures (encoder, two decoders) of growing size: ``name -> (model, causal)``."""
    w, n, common = spec.width, spec.layers, {"vocab_size": spec.vocab, "num_labels": spec.classes,
                                              "pad_token_id": PAD_ID, "bos_token_id": 1, "eos_token_id": 1}
    torch.manual_seed(0)
    bert = BertForSequenceClassification(BertConfig(
        hidden_size=w, num_hidden_layers=n, num_attention_heads=max(1, w // 64), intermediate_size=4 * w,
        max_position_embeddings=spec.max_len, **common))
    gpt2 = GPT2ForSequenceClassification(GPT2Config(
        n_embd=w * 3 // 2, n_layer=n + n // 2, n_head=max(1, w * 3 // 128), n_positions=spec.max_len, **common))
    llama = LlamaForSequenceClassification(LlamaConfig(
        hidden_size=2 * w, num_hidden_layers=n + n // 2, num_attention_heads=max(1, w // 32),
        intermediate_size=5 * w, max_position_embeddings=spec.max_len, use_cache=False, **common))
    return {"bert": (bert, False), "gpt2": (gpt2, True), "llama": (llama, True)}


def label_plain(model: torch.nn.Module, seqs, spec: LabelSpec, device: torch.device) -> torch.Tensor:
    model.to(device, torch.float32).eval()
    out = []
    with torch.no_grad():
        for idx in fixed_batches(len(seqs), spec.ref_batch):
            b = collate(seqs, idx, pad_to=spec.max_len)
            logits = model(input_ids=b["input_ids"].to(device), attention_mask=b["attention_mask"].to(device)).logits
            out.append(logits.float().softmax(-1).cpu())
    return torch.cat(out)


def label_fast(model: torch.nn.Module, seqs, causal: bool, spec: LabelSpec, device: torch.device) -> torch.Tensor:
    model.to(device, torch.bfloat16).eval()
    lengths = [len(s) for s in seqs]
    probs = torch.empty(len(seqs), spec.classes)
    with torch.inference_mode():
        for idx in bucket_batches(lengths, spec.max_tokens, spec.multiple, seed=None):
            b = collate(seqs, idx, pad_to=None, multiple=spec.multiple)
            kwargs = {} if causal else {"attention_mask": b["attention_mask"].to(device, non_blocking=True)}
            logits = model(input_ids=b["input_ids"].to(device, non_blocking=True), **kwargs).logits
            probs[torch.as_tensor(idx)] = logits.float().softmax(-1).cpu()
    return probs


def _timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def run_labelling(spec: LabelSpec, device: torch.device) -> dict:
    """Per member and for the whole ensemble: examples/s both ways, and how far the labels moved."""
    lengths = sample_lengths(spec.n_examples, min_len=8, max_len=spec.max_len, seed=4)
    seqs = random_sequences(lengths, spec.vocab, seed=5)
    warm = seqs[: spec.ref_batch]
    rows, total_plain, total_fast = [], 0.0, 0.0
    for name, (model, causal) in build_members(spec).items():
        label_plain(model, warm, spec, device), label_fast(model, warm, causal, spec, device)  # warm-up
        sync(device)
        plain, t_plain = _timed(lambda: label_plain(model, seqs, spec, device))
        fast, t_fast = _timed(lambda: label_fast(model, seqs, causal, spec, device))
        total_plain, total_fast = total_plain + t_plain, total_fast + t_fast
        rows.append({
            "name": f"{name} ({sum(p.numel() for p in model.parameters()) / 1e6:.3g}M)",
            "plain_per_s": len(seqs) / t_plain, "fast_per_s": len(seqs) / t_fast,
            "max_prob_diff": float((plain - fast).abs().max()),
            "argmax_agree": float((plain.argmax(-1) == fast.argmax(-1)).float().mean()),
        })
        model.to("cpu")
    n = len(seqs)
    rows.append({"name": "ensemble (3 members)", "plain_per_s": n / total_plain, "fast_per_s": n / total_fast,
                 "max_prob_diff": max(r["max_prob_diff"] for r in rows),
                 "argmax_agree": min(r["argmax_agree"] for r in rows)})
    return {"n_examples": n, "rows": rows}
