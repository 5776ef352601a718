"""Benchmark: beam search with the KV cache (past_key_values) vs re-running every prefix, HF students.

Usage: python/.venv/bin/python bench/generation/beam_cache.py [--sources 64] [--beam 4] [--max-len 32]
Builds random-weight LMs from a config (llama: causal, t5: seq2seq; no network), decodes the same
sources both ways, checks that the hypotheses agree and prints the wall time and speed-up per family.
OMP_NUM_THREADS=1 unless set.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

from ws2s.generation.beam import beam_search  # noqa: E402
from ws2s.generation.models.hf import load_lm  # noqa: E402
from ws2s.testing.tiny_lm import FAMILIES, save_tiny_lm  # noqa: E402

SOURCES = ["call mary tomorrow at seven am", "wake me up at six", "play imagine by john lennon", "set an alarm for noon",
           "remind me to call john on friday", "what is the weather in paris tomorrow"]


def timed(model, memory, args, use_cache: bool):
    t0 = time.perf_counter()
    out = beam_search(model, memory, beam_size=args.beam, max_len=args.max_len, use_cache=use_cache)
    return out, time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sources", type=int, default=64)
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--max-len", type=int, default=32)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--families", default="llama,t5")
    args = p.parse_args()
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    sources = [SOURCES[i % len(SOURCES)] + f" {i}" for i in range(args.sources)]
    with tempfile.TemporaryDirectory(prefix="ws2s-beam-cache-") as tmp:
        for family in args.families.split(","):
            path = save_tiny_lm(f"{tmp}/{family}", family, hidden=args.hidden, layers=args.layers, heads=4, seed=0)
            model = load_lm(path, FAMILIES[family][0]).eval()
            memory = model.encode(sources)
            timed(model, memory, argparse.Namespace(beam=args.beam, max_len=4), True)  # warm-up
            cached, t_cached = timed(model, memory, args, True)
            plain, t_plain = timed(model, memory, args, False)
            same = all([h.ids for h in a] == [h.ids for h in b] for a, b in zip(cached, plain))
            tokens = sum(len(h.ids) for hyps in cached for h in hyps)
            print(f"{family} ({FAMILIES[family][0]}, hidden {args.hidden}, {args.layers} layers): {args.sources} sources, "
                  f"beam {args.beam}, max_len {args.max_len}: uncached {t_plain:.2f}s, cached {t_cached:.2f}s, "
                  f"speed-up {t_plain / t_cached:.2f}x; same hypotheses: {same}; {tokens} hypothesis tokens")


if __name__ == "__main__":
    main()
