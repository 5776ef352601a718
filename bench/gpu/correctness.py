"""(c) Correctness: the bf16 loss curve tracks the fp32 one.

A tiny decoder is trained twice from the same weights on the same length-bucketed batches through
``ws2s.train.loop.train``: once with ``precision="fp32"``, once with ``precision="bf16"`` (autocast over
fp32 master weights, the path section (a) times). The data have structure to learn (each next token
follows a fixed rule half of the time), so the loss falls well below log(vocab) and a precision bug
that stalls or derails training shows as a gap.
"""

from __future__ import annotations

import copy
import random

import torch

from batching import bucket_batches, collate, sample_lengths
from training import DecoderSpec, build_decoder, make_step_loss
from ws2s.train.loop import train

TINY = DecoderSpec(hidden=64, layers=2, heads=4, intermediate=128, vocab=128, max_len=64, n_seqs=160,
                   ref_batch=0, max_tokens=1024, bucket_multiple=16, warmup_steps=0, timed_steps=0, compile=False)
EPOCHS = 3
LR = 5e-3
TOLERANCE = 0.05  # largest relative gap between the curves that still counts as tracking


def structured_sequences(lengths: list[int], vocab: int, seed: int) -> list[torch.Tensor]:
    """Token t+1 = (5·t + 3) mod (vocab-1) + 1 with probability 1/2, else uniform; tokens in [1, vocab)."""
    rng = random.Random(seed)
    out = []
    for n in lengths:
        seq = [rng.randrange(1, vocab)]
        for _ in range(n - 1):
            seq.append((5 * seq[-1] + 3) % (vocab - 1) + 1 if rng.random() < 0.5 else rng.randrange(1, vocab))
        out.append(torch.tensor(seq))
    return out


def _curve(model, batches, device, precision: str, compiled: bool) -> list[float]:
    losses: list[float] = []

    def collect(event: dict) -> None:
        if event.get("type") == "metric" and event["key"].endswith("train_loss"):
            losses.append(event["value"])

    train(model, lambda epoch: batches, make_step_loss(compiled), epochs=EPOCHS, lr=LR, device=device,
          precision=precision, emit=collect, log_every=1, compile=compiled)
    return losses


def run_correctness(device: torch.device, compiled: bool) -> dict:
    lengths = sample_lengths(TINY.n_seqs, min_len=8, max_len=TINY.max_len, seed=6)
    seqs = structured_sequences(lengths, TINY.vocab, seed=7)
    batches = [collate(seqs, idx, pad_to=None, multiple=TINY.bucket_multiple)
               for idx in bucket_batches(lengths, TINY.max_tokens, TINY.bucket_multiple, seed=8)]
    base = build_decoder(TINY, seed=9)
    fp32 = _curve(copy.deepcopy(base), batches, device, "fp32", compiled=False)
    bf16 = _curve(copy.deepcopy(base), batches, device, "bf16", compiled=compiled)
    gaps = [abs(a - b) / abs(a) for a, b in zip(fp32, bf16)]
    return {
        "steps": len(fp32), "fp32_first": fp32[0], "fp32_last": fp32[-1], "bf16_last": bf16[-1],
        "max_rel_gap": max(gaps), "tolerance": TOLERANCE, "ok": max(gaps) <= TOLERANCE,
        "learned": fp32[-1] < 0.9 * fp32[0],
    }
