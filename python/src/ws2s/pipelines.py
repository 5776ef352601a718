"""Experiment kinds: ``config["kind"]`` → the recipe that runs it and the checks that precede it.

Recipes are imported lazily (``"module:function"``) so one kind's heavy imports never burden another.
"""

from __future__ import annotations

import importlib

from ws2s.config import ConfigError, choices

PIPELINES = {
    "classification": "ws2s.classification.pipeline:run",
    "generation": "ws2s.generation.pipeline:run",
}
CHECKS = {
    "classification": "ws2s.classification.checks:check_classification",
    "generation": "ws2s.generation.checks:check_generation",
}


def _resolve(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def get_pipeline(kind: str):
    if kind not in PIPELINES:
        raise ConfigError("kind", f'unknown experiment kind "{kind}"; choose from {choices(PIPELINES)}')
    return _resolve(PIPELINES[kind])


def check_config(config: dict, check_data: bool = True) -> None:
    """The kind's semantic checks (registries, files, split sizes); a kind without checks passes."""
    spec = CHECKS.get(config["kind"])
    if spec is None:
        return
    module = spec.partition(":")[0]
    try:
        fn = _resolve(spec)
    except ModuleNotFoundError as e:
        if e.name != module:  # a broken import inside the checks module is a real error
            raise
        return
    fn(config, check_data=check_data)


def run_pipeline(config: dict, out_dir, emit) -> dict:
    return get_pipeline(config["kind"])(config, out_dir, emit)
