"""Shared by the generation tests: the smoke config with changes, and a pipeline run on one thread."""

import json
import os
from pathlib import Path

import torch

from results_schema import validate_run
from ws2s.events import null_emit

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "experiments" / "smoke-generation.json"


def smoke(**changes) -> dict:
    """The smoke generation config (raw, before validation) with top-level sections replaced."""
    raw = json.loads(SMOKE.read_text())
    raw.update(changes)
    return raw


def tiny(**changes) -> dict:
    """A smaller smoke config (80 examples, one word-level weak model, one epoch each): a whole run in seconds."""
    return smoke(**{"task": {"source": "builtin", "name": "assistant", "size": 80},
                    "weak": [{"name": "word", "tokenizer": "word", "params": {"dim": 16, "layers": 1, "ff": 32, "epochs": 2}}],
                    "weak_train": {"epochs": 1, "batch_size": 16}, "strong_train": {"epochs": 1, "batch_size": 16},
                    "max_output_length": 12, **changes})


def run_one_thread(config: dict, out_dir: Path, emit=null_emit, cache_dir: Path | None = None) -> dict:
    """The generation pipeline's results; CI shares 2 cores, and extra OpenMP threads only spin.

    The cache is this run's own (``cache_dir``, default beside ``out_dir``), so tests never share entries.
    """
    from ws2s.generation.pipeline import run

    threads, env = torch.get_num_threads(), os.environ.get("WS2S_CACHE_DIR")
    torch.set_num_threads(1)
    os.environ["WS2S_TORCH_THREADS"], os.environ["WS2S_CACHE_DIR"] = "1", str(cache_dir or Path(out_dir).with_name(Path(out_dir).name + "-cache"))
    try:
        results = run(config, out_dir, emit)
        validate_run(out_dir)  # results.json and every examples row match the results schema
        return results
    finally:
        torch.set_num_threads(threads)
        os.environ.pop("WS2S_TORCH_THREADS")
        if env is None:
            os.environ.pop("WS2S_CACHE_DIR")
        else:
            os.environ["WS2S_CACHE_DIR"] = env
