"""Checks a JSON Schema cannot express, run on a schema-valid config before any training.

Names of losses, weak architectures and built-in tasks are schema enums generated from the Python
registries (``python -m ws2s registries``), so they are checked there. Every error here names the
field to fix, e.g. ``methods[2].weak: loss "multi_weak" learns from every weak member; set weak to "all"``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

from ws2s.errors import ConfigError
from ws2s.losses.anneal import DEFAULT_SCHEDULE, kl_schedule
from ws2s.losses.bayesian import check_form as check_dirichlet_form
from ws2s.methods import METHODS, check_params
from ws2s.models import weak_param_names
from ws2s.tasks import load_task
from ws2s.tasks.splits import split_sizes


def _unique(items: list[dict], field: str) -> None:
    seen = set()
    for i, it in enumerate(items):
        if it["name"] in seen:
            raise ConfigError(f"{field}[{i}].name", f'duplicate name "{it["name"]}" in {field}')
        seen.add(it["name"])


def check_weak(config: dict) -> None:
    _unique(config["weak"], "weak")
    for i, w in enumerate(config["weak"]):
        if w["arch"] == "hf" and not w.get("model"):
            raise ConfigError(f"weak[{i}].model", 'arch "hf" needs a model: a hub id or a local path')
        extra = set(w["params"]) - weak_param_names(w["arch"])
        if extra:
            raise ConfigError(f"weak[{i}].params", f"unknown parameter(s) {sorted(extra)} for arch {w['arch']!r}; it takes {sorted(weak_param_names(w['arch']))}")


def check_methods(config: dict) -> None:
    _unique(config["methods"], "methods")
    members = [w["name"] for w in config["weak"]]
    for i, m in enumerate(config["methods"]):
        f = f"methods[{i}]"
        method = METHODS[m["loss"]]  # the name itself is a schema enum (from ws2s.methods)
        if method.multi and m["weak"] != "all":
            raise ConfigError(f"{f}.weak", f'loss "{m["loss"]}" learns from every weak member; set weak to "all"')
        if not (method.multi or method.can_multi) and m["weak"] == "all":
            raise ConfigError(f"{f}.weak", f'loss "{m["loss"]}" learns one set of labels; use "ensemble", "dawid_skene", a member ({", ".join(members)}) or a multi-weak loss')
        if m["weak"] not in ("all", "ensemble", "dawid_skene", *members):
            raise ConfigError(f"{f}.weak", f'unknown weak source "{m["weak"]}"; choose "ensemble", "all", "dawid_skene" or a member: {", ".join(members)}')
        for fld in ("weak", "weights"):
            if m[fld] == "dawid_skene" and len(members) < 2:
                raise ConfigError(f"{f}.{fld}", f"Dawid-Skene needs at least 2 weak members (got {len(members)}); add members or use "
                                  + ('"ensemble"' if fld == "weak" else '"uniform"'))
        if m.get("targets", "hard") != "hard" and m["loss"] != "multi_weak":
            raise ConfigError(f"{f}.targets", f'targets is for loss "multi_weak"; loss "{m["loss"]}" learns the members\' probabilities')
        if m.get("confidence", "none") == "relabel" and not method.evidential:
            raise ConfigError(f"{f}.confidence", f'"relabel" needs an evidential student (its uncertainty); loss "{m["loss"]}" is not one')
        if isinstance(m["weights"], list) and len(m["weights"]) != len(members):
            raise ConfigError(f"{f}.weights", f"{len(m['weights'])} weights for {len(members)} weak members")
        try:
            check_params(m["loss"], "classification", m["params"])
            if method.evidential and m["loss"] != "dirichlet_nll":
                p = m["params"]
                kl_schedule(p.get("schedule", DEFAULT_SCHEDULE), p.get("kl_coef"), p.get("anneal"), config["strong_train"]["epochs"])
            if m["loss"] == "dirichlet_nll":
                check_dirichlet_form(m["params"].get("form", "anchored"))
        except ValueError as e:
            raise ConfigError(f"{f}.params", str(e)) from None


def check_task(config: dict, check_data: bool) -> None:
    task = config["task"]
    if task["source"] in ("jsonl", "csv", "sciq"):
        p = Path(task["path"]).expanduser()
        if not p.is_file():
            raise ConfigError("task.path", f"{task['path']} does not exist or is not a file")
        if p.stat().st_size == 0:
            raise ConfigError("task.path", f"{task['path']} is empty")
    total = sum(config["splits"].values())
    if total > 1 + 1e-9:
        raise ConfigError("splits", f"fractions sum to {total:.3g} > 1; the splits would overlap")
    if not check_data:
        return
    try:
        ds = load_task(task, int(task.get("seed", config["seeds"][0])))
        split_sizes(len(ds), config["splits"])
    except (ValueError, FileNotFoundError, ImportError) as e:
        msg = str(e)
        field, _, rest = msg.partition(": ")
        if field.startswith(("task", "splits")) and " " not in field:
            raise ConfigError(field, rest) from None
        raise ConfigError("task", msg) from None


def check_runtime(config: dict) -> None:
    if config["device"] == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device", "'cuda' was asked for but torch sees no CUDA device; use 'auto' or 'cpu'")
    if config["strong"]["mode"] == "lora" and importlib.util.find_spec("peft") is None:
        raise ConfigError("strong.mode", "'lora' needs the `peft` package, a ws2s dependency missing from this environment (rerun `npm start`, or pip install -e python); or use 'linear_probe' / 'full'")


def check_classification(config: dict, check_data: bool = True) -> None:
    check_weak(config)
    check_methods(config)
    check_runtime(config)
    check_task(config, check_data)
