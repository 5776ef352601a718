"""Experiment config: validate against the JSON Schema generated from zod, fill its defaults, then
check what a schema cannot express (registries, files, split sizes) — all before any training.

The schema (``ws2s/schema/experiment.schema.json``) is written by ``packages/schema/scripts/gen-jsonschema.ts``;
defaults live in zod only and reach Python through the schema's ``default`` keywords.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from ws2s.errors import ConfigError, choices
from ws2s.pipelines import check_config

__all__ = ["ConfigError", "choices", "experiment_schema", "fill_defaults", "field_path", "load_config", "validate_schema"]


@lru_cache(maxsize=1)
def experiment_schema() -> dict:
    return json.loads(resources.files("ws2s.schema").joinpath("experiment.schema.json").read_text())


def field_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _branch(schema: dict, instance: Any) -> dict | None:
    """The oneOf/anyOf branch whose ``const`` properties match ``instance`` (discriminated unions)."""
    for b in schema.get("oneOf", []) + schema.get("anyOf", []):
        props = b.get("properties", {})
        consts = {k: v["const"] for k, v in props.items() if "const" in v}
        if isinstance(instance, dict) and consts and all(instance.get(k) == v for k, v in consts.items()):
            return b
    return None


def fill_defaults(schema: dict, instance: Any) -> Any:
    """Returns ``instance`` with every absent property that has a schema ``default`` filled in, recursively."""
    branch = _branch(schema, instance)
    if branch is not None:
        return fill_defaults(branch, instance)
    if isinstance(instance, dict) and "properties" in schema:
        out = dict(instance)
        for key, sub in schema["properties"].items():
            if key not in out and "default" in sub:
                out[key] = copy.deepcopy(sub["default"])
            if key in out:
                out[key] = fill_defaults(sub, out[key])
        return out
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        return [fill_defaults(schema["items"], x) for x in instance]
    return instance


def _schema_error(err: jsonschema.ValidationError) -> ConfigError:
    # For a oneOf, report the error of the branch the instance meant (matching discriminator), if any.
    best = jsonschema.exceptions.best_match([err]) if err.context else err
    if err.validator == "oneOf" and err.context:
        branch = _branch(err.schema, err.instance)
        inner = [e for e in err.context if branch is not None and err.schema["oneOf"][e.schema_path[0]] is branch]
        if inner:
            best = jsonschema.exceptions.best_match(inner)
            return _schema_error(best)
        if branch is None and isinstance(err.instance, dict):
            options = [b["properties"][k]["const"] for b in err.schema["oneOf"] for k in b.get("properties", {}) if "const" in b["properties"][k]]
            return ConfigError(field_path(err.absolute_path), f"no variant matches; discriminator must be one of {options}")
    path = list(best.absolute_path)
    if best.validator == "required" and isinstance(best.instance, dict):
        missing = [k for k in best.validator_value if k not in best.instance]
        return ConfigError(field_path([*path, *missing[:1]]), "is required")
    return ConfigError(field_path(path), best.message)


def validate_schema(raw: dict) -> dict:
    """Schema validation + defaults. Raises ConfigError naming the first offending field."""
    if not isinstance(raw, dict):
        raise ConfigError("", "an experiment config must be a JSON object")
    schema = experiment_schema()
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(raw), key=lambda e: len(list(e.absolute_path)))
    if errors:
        raise _schema_error(errors[0])
    return fill_defaults(schema, raw)


def read_config_file(path: str | Path) -> dict:
    """A config file's JSON, unvalidated; a missing file or broken JSON is a ``ConfigError`` naming the file."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError("", f"config file {path} does not exist") from None
    except json.JSONDecodeError as e:
        raise ConfigError("", f"{path} is not valid JSON: {e}") from None


def load_config(raw: dict | str | Path, *, check_data: bool = True) -> dict:
    """Validates an experiment config (dict, JSON text or a path) and returns it with defaults filled.

    Semantic checks run per kind (``ws2s.pipelines.CHECKS``), e.g. unknown losses or a data file
    whose labels fall outside ``task.classes``; ``check_data=False`` skips reading data files.
    """
    if isinstance(raw, Path) or (isinstance(raw, str) and not raw.lstrip().startswith("{")):
        raw = read_config_file(raw)
    elif isinstance(raw, str):
        raw = json.loads(raw)
    config = validate_schema(raw)
    check_config(config, check_data=check_data)
    return config
