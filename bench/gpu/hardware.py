"""Which device the benchmark runs on and its bf16 peak, for model-FLOPs utilisation (MFU).

MFU = 6 · params · tokens_per_second / peak (the 6·N·T estimate of training FLOPs: forward 2·N·T,
backward 4·N·T; attention's own FLOPs are not counted, which is conservative at 512 tokens).
"""

from __future__ import annotations

import os

import torch

# Dense bf16 tensor-core peaks (no 2:4 sparsity) in TFLOP/s, from NVIDIA's data sheets.
# The first entry whose key occurs in torch.cuda.get_device_name() wins: specific names come first.
PEAK_BF16_TFLOPS: tuple[tuple[str, float], ...] = (
    ("H200 NVL", 835.0),
    ("H200", 989.4),  # H200 SXM: same tensor cores as H100 SXM, more and faster memory
    ("H100 NVL", 835.0),
    ("H100 PCIe", 756.0),
    ("H100", 989.4),  # H100 SXM5
    ("A100", 312.0),
    ("L40S", 362.1),
)

PEAK_ENV = "WS2S_PEAK_TFLOPS"


def peak_bf16_tflops(device_name: str) -> float | None:
    """Peak for a device name; ``WS2S_PEAK_TFLOPS`` overrides; ``None`` when unknown (MFU not shown)."""
    if os.environ.get(PEAK_ENV):
        return float(os.environ[PEAK_ENV])
    for key, tflops in PEAK_BF16_TFLOPS:
        if key in device_name:
            return tflops
    return None


def describe_device() -> dict:
    """``{"cuda": bool, "name": str, "peak_tflops": float | None}`` for the device the benchmark uses."""
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        return {"cuda": True, "name": name, "peak_tflops": peak_bf16_tflops(name)}
    return {"cuda": False, "name": f"CPU ({torch.get_num_threads()} threads)", "peak_tflops": None}


def mfu(params: int, tokens_per_s: float, peak_tflops: float | None) -> float | None:
    """Fraction of the bf16 peak that 6·params·tokens/s represents; ``None`` without a known peak."""
    if not peak_tflops:
        return None
    return 6.0 * params * tokens_per_s / (peak_tflops * 1e12)


def sync(device: torch.device) -> None:
    """Wait for queued kernels so that wall-clock timings mean something."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
