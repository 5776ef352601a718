"""Checks a JSON Schema cannot express for generation configs; each error names the field to fix."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ConfigError, choices
from ..losses.evidential_tokens import check_token_form
from ..methods import check_params
from .models.hf import HF_ARCHS
from .models.student import PACKAGED
from .weak import PRETRAINED_ARCHS, allowed_params


def check_generation(config: dict, check_data: bool = True) -> None:
    names = [w["name"] for w in config["weak"]]
    for field, items in (("weak", config["weak"]), ("methods", config["methods"])):
        seen = set()
        for i, it in enumerate(items):
            if it["name"] in seen:
                raise ConfigError(f"{field}[{i}].name", f'duplicate name "{it["name"]}" in {field}')
            seen.add(it["name"])
    for i, w in enumerate(config["weak"]):
        if w["arch"] in HF_ARCHS and not w.get("model"):
            raise ConfigError(f"weak[{i}].model", f'arch "{w["arch"]}" needs a model: a Hugging Face hub id or a local path')
        if w["arch"] not in PRETRAINED_ARCHS and w.get("model"):
            raise ConfigError(f"weak[{i}].model", f'arch "{w["arch"]}" is trained from scratch and takes no model; '
                                                  f'use arch {choices(PRETRAINED_ARCHS)} to start from "{w["model"]}"')
        extra = set(w.get("params", {})) - set(allowed_params(w))
        if extra:
            raise ConfigError(f"weak[{i}].params", f"unknown parameter(s) {sorted(extra)}; use {list(allowed_params(w))}")
    strong = config["strong"]
    if strong["arch"] in HF_ARCHS and strong["model"] == PACKAGED:
        raise ConfigError("strong.model", f'arch "{strong["arch"]}" needs a causal or seq2seq LM (hub id or local path); '
                                          f'"{PACKAGED}" is an encoder, for arch "copy"')
    if strong["arch"] not in HF_ARCHS:
        for field, value, off in (("mode", strong["mode"], "full"), ("gradient_checkpointing", strong["gradient_checkpointing"], False)):
            if value != off:
                raise ConfigError(f"strong.{field}", f'{json.dumps(value)} is for arch {choices(HF_ARCHS)}; the "{strong["arch"]}" '
                                                     f'student (frozen encoder, small copy decoder) takes {json.dumps(off)}')
    for i, m in enumerate(config["methods"]):
        try:  # the loss name itself is a schema enum (from ws2s.methods)
            check_params(m["loss"], "generation", m.get("params", {}))
            if m["loss"] == "edl":
                check_token_form(m.get("params", {}).get("form", "edl"))
        except ValueError as e:
            raise ConfigError(f"methods[{i}].params", str(e)) from None
        if m["weak"] != "joint" and m["weak"] not in names:
            raise ConfigError(f"methods[{i}].weak", f'unknown weak source "{m["weak"]}"; choose "joint" or one of {choices(names)}')
        if isinstance(m["weights"], list) and len(m["weights"]) != len(names):
            raise ConfigError(f"methods[{i}].weights", f"{len(m['weights'])} weights for {len(names)} weak models")
    dpo = config.get("dpo")
    if dpo and dpo.get("method") and dpo["method"] not in {m["name"] for m in config["methods"]}:
        raise ConfigError("dpo.method", f'"{dpo["method"]}" is not one of the methods')
    task = config["task"]
    if task["source"] == "slurp" and check_data and not Path(task["path"]).is_file():
        raise ConfigError("task.path", f"{task['path']} does not exist; point it at a SLURP-format .jsonl file")
