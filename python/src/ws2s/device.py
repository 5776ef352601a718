"""Device, precision and seeding: CUDA + bf16 autocast when available, CPU otherwise."""

from __future__ import annotations

import contextlib
import random

import numpy as np
import torch


def pick_device(pref: str = "auto") -> torch.device:
    if pref == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device: 'cuda' was asked for but torch sees no CUDA device; use 'auto' or 'cpu'")
    if pref == "cuda" or (pref == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def use_bf16(device: torch.device, precision: str = "auto") -> bool:
    """bf16 autocast: on by default on CUDA (if supported), on CPU only when asked for."""
    if precision == "fp32":
        return False
    if device.type == "cuda":
        return precision == "bf16" or torch.cuda.is_bf16_supported()
    return precision == "bf16"


def autocast(device: torch.device, precision: str = "auto"):
    if use_bf16(device, precision):
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def seed_everything(seed: int) -> None:
    """Seeds Python, numpy and torch; CPU runs with the same seed give the same numbers."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def to_device(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


def configure_cpu_threads(device: torch.device) -> int:
    """Sets torch's intra-op threads for CPU runs and returns the number.

    ``WS2S_TORCH_THREADS`` overrides. Otherwise half the cores (at most 4, at least 1): on a shared
    2-core machine two OpenMP threads that wait for each other made small steps 30× slower than one.
    """
    import os

    env = os.environ.get("WS2S_TORCH_THREADS")
    n = int(env) if env else max(1, min(4, (os.cpu_count() or 2) // 2))
    if device.type == "cpu" and torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return torch.get_num_threads()
