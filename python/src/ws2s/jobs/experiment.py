"""Job ``run_experiment``: params ``{"config": <ExperimentConfig JSON>, "out_dir": str}`` → results.json dict."""

from __future__ import annotations

from pathlib import Path

from ws2s.config import load_config
from ws2s.events import JsonlEmitter
from ws2s.jobs import register
from ws2s.pipelines import run_pipeline


@register("run_experiment")
def run_experiment(params: dict, emit) -> dict:
    if not isinstance(params, dict) or "config" not in params or "out_dir" not in params:
        raise ValueError('run_experiment takes params {"config": <experiment config>, "out_dir": "<directory>"}')
    config = load_config(params["config"])  # every check before any training
    out = Path(params["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    with JsonlEmitter(out / "events.jsonl") as file:  # the run directory keeps its own copy of the stream

        def both(event: dict) -> None:
            emit(event)
            file(event)

        return run_pipeline(config, out, both)
