"""Shared by the generation tests: the smoke config with changes, and a pipeline run on one thread."""

import json
from pathlib import Path

import torch

from ws2s.events import null_emit

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "experiments" / "smoke-generation.json"


def smoke(**changes) -> dict:
    """The smoke generation config (raw, before validation) with top-level sections replaced."""
    raw = json.loads(SMOKE.read_text())
    raw.update(changes)
    return raw


def run_one_thread(config: dict, out_dir: Path, emit=null_emit) -> dict:
    """The generation pipeline's results; CI shares 2 cores, and extra OpenMP threads only spin."""
    from ws2s.generation.pipeline import run

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run(config, out_dir, emit)
    finally:
        torch.set_num_threads(threads)
