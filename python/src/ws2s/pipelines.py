"""Experiment kinds: ``config["kind"]`` → the recipe that runs it and the checks that precede it.

Recipes are imported lazily (``"module:function"``) so one kind's heavy imports never burden another.
"""

from __future__ import annotations

import importlib

from ws2s.errors import ConfigError, choices

PIPELINES = {
    "classification": "ws2s.classification.pipeline:run",
    "generation": "ws2s.generation.pipeline:run",
}
#: ``config["kind"]`` → ``summary_of(config, per_seed) -> summary``: a recipe's summary over its seeds' reports.
SUMMARIES = {
    "classification": "ws2s.classification.pipeline:summary_of",
    "generation": "ws2s.generation.pipeline:summary_of",
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


def summary_of(config: dict, per_seed: list[dict]) -> dict:
    get_pipeline(config["kind"])  # the kind's error for an unknown kind
    return _resolve(SUMMARIES[config["kind"]])(config, per_seed)


def run_pipeline(config: dict, out_dir, emit) -> dict:
    return get_pipeline(config["kind"])(config, out_dir, emit)


def registries() -> dict:
    """Per kind, the sorted names a config may use: ``losses`` (methods[].loss), ``weak_archs``
    (weak[].arch) and built-in ``tasks`` (task.name). ``packages/schema`` writes them into the JSON
    Schema as enums (``python -m ws2s registries``), so the form offers them and the API rejects others."""
    from ws2s.generation.tasks.builtin import BUILTIN
    from ws2s.generation.weak import WEAK_ARCHS as GENERATION_WEAK_ARCHS
    from ws2s.methods import methods_for
    from ws2s.models import WEAK_ARCHS
    from ws2s.tasks import BUILTIN_TASKS

    names = {"classification": (WEAK_ARCHS, BUILTIN_TASKS), "generation": (GENERATION_WEAK_ARCHS, BUILTIN)}
    return {kind: {"losses": sorted(methods_for(kind)), "weak_archs": sorted(archs), "tasks": sorted(tasks)}
            for kind, (archs, tasks) in names.items()}
