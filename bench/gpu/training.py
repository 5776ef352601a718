"""(a) Strong-student training throughput: ws2s's loop versus a plain reference loop.

Both train the same Llama-style decoder (built from a config, random weights) on the same synthetic
sequences; throughput counts real tokens only (padding is waste, not work).

- reference: the HF model in fp32, ``torch.optim.AdamW`` with its defaults, every batch padded to
  ``max_len`` with an attention mask — the loop one writes first.
- ws2s: ``ws2s.train.loop.train`` (fused AdamW on CUDA, bf16 autocast over fp32 master weights,
  gradient clipping) fed length-bucketed batches under a token budget, right padding with no mask
  (causal attention never looks right, so SDPA runs its flash kernel), each decoder block compiled
  with ``torch.compile`` (regional compilation: one block's graph serves all of them) and the
  LM-head cross-entropy compiled so the fp32 upcast of the logits is fused, not stored.
- on CUDA also the same loop on bf16 weights (no fp32 master copy: faster and leaner, but updates
  smaller than bf16's resolution are lost), the setting of DESIGN.md's speed references.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from transformers import LlamaConfig, LlamaForCausalLM

from batching import IGNORE, bucket_batches, collate, fixed_batches, random_sequences, real_tokens, sample_lengths
from hardware import mfu, sync
from ws2s.train.loop import train


@dataclass(frozen=True)
class DecoderSpec:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_len: int
    n_seqs: int  # sequences generated (batches cycle over them)
    ref_batch: int  # rows per reference batch (padded to max_len)
    max_tokens: int  # padded tokens per ws2s batch
    bucket_multiple: int
    warmup_steps: int
    timed_steps: int
    compile: bool
    bf16_weights_row: bool = False  # also time the loop on bf16 weights (no fp32 master copy), for comparison


GPU = DecoderSpec(hidden=1536, layers=16, heads=12, intermediate=4096, vocab=32000, max_len=512, n_seqs=4096,
                  ref_batch=8, max_tokens=32768, bucket_multiple=64, warmup_steps=2, timed_steps=12, compile=True,
                  bf16_weights_row=True)
# Tiny, for machines without CUDA: the same code paths, numbers that only show it runs.
CPU = DecoderSpec(hidden=64, layers=2, heads=4, intermediate=128, vocab=256, max_len=64, n_seqs=64,
                  ref_batch=8, max_tokens=256, bucket_multiple=16, warmup_steps=1, timed_steps=2, compile=False)

LR = 1e-4


def build_decoder(spec: DecoderSpec, seed: int = 0, device: torch.device | str = "cpu",
                  dtype: torch.dtype = torch.float32) -> LlamaForCausalLM:
    """A Llama-style decoder with random weights, SDPA attention, initialised on ``device``."""
    config = LlamaConfig(
        vocab_size=spec.vocab, hidden_size=spec.hidden, num_hidden_layers=spec.layers,
        num_attention_heads=spec.heads, num_key_value_heads=spec.heads, intermediate_size=spec.intermediate,
        max_position_embeddings=spec.max_len, tie_word_embeddings=False, pad_token_id=0, use_cache=False,
    )
    torch.manual_seed(seed)
    with torch.device(device):  # a 0.5B model initialises in seconds on the GPU, not on the CPU
        return LlamaForCausalLM(config).to(dtype)


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- the reference: the plain loop ---------------------------------------------------------------

def reference_loop(model: torch.nn.Module, batches: list[dict], device: torch.device) -> None:
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    model.train()
    for batch in batches:
        b = {k: v.to(device) for k, v in batch.items()}
        logits = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), b["labels"].view(-1), ignore_index=IGNORE)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


# --- ws2s: model preparation and the causal-LM step loss for ws2s.train.loop.train ---------------

def lm_head_xent(hidden: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy; hidden ``[B, T, H]``, weight ``[V, H]``, labels ``[B, T]``."""
    logits = hidden @ weight.t()
    return F.cross_entropy(logits.float().view(-1, logits.size(-1)), labels.view(-1), ignore_index=IGNORE)


def make_step_loss(compiled: bool):
    xent = torch.compile(lm_head_xent, dynamic=True) if compiled else lm_head_xent

    def step_loss(model: torch.nn.Module, batch: dict, progress: float) -> torch.Tensor:
        # No attention mask: right padding under a causal mask never reaches a real token.
        hidden = model.base_model(input_ids=batch["input_ids"]).last_hidden_state
        return xent(hidden, model.get_output_embeddings().weight, batch["labels"])

    return step_loss


def ws2s_loop(model: torch.nn.Module, batches: list[dict], device: torch.device, step_loss, compiled: bool) -> None:
    """``compiled``: the loop compiles each decoder block in place on its first call (ws2s.train.compile)."""
    train(model, lambda epoch: batches, step_loss, epochs=1, lr=LR, device=device, precision="bf16",
          log_every=10**9, compile=compiled)


# --- measurement ------------------------------------------------------------------------------------

def _cycle(batches: list[dict], start: int, count: int) -> list[dict]:
    return [batches[(start + i) % len(batches)] for i in range(count)]


def _warmup_set(batches: list[dict], spec: DecoderSpec) -> list[dict]:
    """One batch of every distinct shape (so compilation happens before timing), then the first few."""
    seen, first = set(), []
    for b in batches:
        if tuple(b["input_ids"].shape) not in seen:
            seen.add(tuple(b["input_ids"].shape))
            first.append(b)
    return first + batches[: spec.warmup_steps]


def _measure(name: str, run, warm: list[dict], timed: list[dict], params: int, device: torch.device,
             peak_tflops: float | None) -> dict:
    run(warm)
    sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    t0 = time.perf_counter()
    run(timed)
    sync(device)
    secs = time.perf_counter() - t0
    real = sum(real_tokens(b) for b in timed)
    padded = sum(b["input_ids"].numel() for b in timed)
    tps = real / secs
    return {
        "name": name, "tokens_per_s": tps, "mfu": mfu(params, tps, peak_tflops), "pad_share": 1 - real / padded,
        "steps": len(timed), "seconds": secs,
        "peak_mem_gb": torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None,
    }


def run_training(spec: DecoderSpec, device: torch.device, peak_tflops: float | None) -> dict:
    """The loops on the same data; ``{"params", "rows": [reference, ws2s, (bf16 weights)], "speedup"}``
    with the speed-up of ws2s's default (autocast over fp32 master weights) over the reference."""
    lengths = sample_lengths(spec.n_seqs, min_len=16, max_len=spec.max_len, seed=1)
    seqs = random_sequences(lengths, spec.vocab, seed=2)

    ref_batches = [collate(seqs, idx, pad_to=spec.max_len) for idx in fixed_batches(len(seqs), spec.ref_batch)]
    ws2s_batches = [collate(seqs, idx, pad_to=None, multiple=spec.bucket_multiple)
                    for idx in bucket_batches(lengths, spec.max_tokens, spec.bucket_multiple, seed=3)]

    rows = []
    model = build_decoder(spec, device=device)
    params = n_params(model)
    rows.append(_measure(
        "reference: HF fp32, AdamW, pad to max_len", lambda bs: reference_loop(model, bs, device),
        ref_batches[: spec.warmup_steps], _cycle(ref_batches, spec.warmup_steps, spec.timed_steps),
        params, device, peak_tflops,
    ))
    del model
    if device.type == "cuda":
        torch.cuda.empty_cache()

    variants = [("ws2s: train.loop (bf16 autocast, AdamW fused on CUDA), buckets", torch.float32)]
    if spec.bf16_weights_row:
        variants.append(("ws2s loop on bf16 weights (no fp32 master), buckets", torch.bfloat16))
    warm = _warmup_set(ws2s_batches, spec)
    timed = _cycle(ws2s_batches, spec.warmup_steps, spec.timed_steps)
    for name, dtype in variants:
        model = build_decoder(spec, device=device, dtype=dtype)
        step_loss = make_step_loss(spec.compile)
        rows.append(_measure(name + (", compile" if spec.compile else ""),
                             lambda bs: ws2s_loop(model, bs, device, step_loss, spec.compile), warm, timed, params, device,
                             peak_tflops))
        del model
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return {"params": params, "rows": rows, "speedup": rows[1]["tokens_per_s"] / rows[0]["tokens_per_s"]}
