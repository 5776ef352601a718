"""Job ``run_experiment``: params ``{"config": <ExperimentConfig JSON>, "out_dir": str}`` → results.json dict.

A config with ``distributed.nproc`` > 1 runs as that many processes under torchrun (one per GPU, or
gloo processes on the CPU): every process runs the recipe, the one training loop trains
data-parallel, and rank 0 writes the run directory and the events this job relays.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ws2s.cache import cache_dir_for
from ws2s.config import load_config
from ws2s.events import JsonlEmitter
from ws2s.jobs import register
from ws2s.pipelines import run_pipeline
from ws2s.train import distributed


@register("run_experiment")
def run_experiment(params: dict, emit) -> dict:
    if not isinstance(params, dict) or "config" not in params or "out_dir" not in params:
        raise ValueError('run_experiment takes params {"config": <experiment config>, "out_dir": "<directory>"}')
    config = load_config(params["config"])  # every check before any training
    out = Path(params["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    world = config.get("distributed", {"nproc": 1})
    with JsonlEmitter(out / "events.jsonl") as file:  # the run directory keeps its own copy of the stream

        def both(event: dict) -> None:
            emit(event)
            file(event)

        if world["nproc"] > 1 and distributed.active() is None:
            from ws2s.train.launch import run_distributed

            # One cache for all ranks: the others find what rank 0 cached instead of recomputing it
            # (Cache makes every rank take the same hit-or-miss branch either way).
            env = {"WS2S_CACHE_DIR": str(cache_dir_for(out).resolve())}
            return run_distributed("ws2s.jobs.experiment:run_rank", {"config": config, "out_dir": str(out.resolve())},
                                   world["nproc"], both, strategy=world["strategy"], device=config["device"], env=env)
        return run_pipeline(config, out, both)


def run_rank(params: dict, emit) -> dict:
    """One process of a multi-process run: rank 0 writes the run directory, the others a scratch copy."""
    world = distributed.active()
    if world is None or world[0].is_main:
        return run_pipeline(params["config"], Path(params["out_dir"]), emit)
    with tempfile.TemporaryDirectory(prefix=f"ws2s-rank{world[0].rank}-") as scratch:
        return run_pipeline(params["config"], Path(scratch), emit)
