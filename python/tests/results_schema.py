"""Checks a run directory against the results contract: results.json and every examples.jsonl row
validate against ``ws2s/schema/results.schema.json`` (generated from packages/schema's zod types)."""

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema


@lru_cache(maxsize=1)
def validators() -> tuple[jsonschema.Draft202012Validator, jsonschema.Draft202012Validator]:
    schema = json.loads(resources.files("ws2s.schema").joinpath("results.schema.json").read_text())
    row = {"$schema": schema["$schema"], "$ref": "#/$defs/ExampleRow", "$defs": schema["$defs"]}
    return jsonschema.Draft202012Validator(schema), jsonschema.Draft202012Validator(row)


def _check(validator, instance, what: str) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: len(list(e.absolute_path)))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        path = "/".join(str(p) for p in best.absolute_path)
        raise AssertionError(f"{what} does not match the results schema at {path or '(top)'}: {best.message}")


def validate_run(out_dir) -> dict:
    """Validates ``out_dir/results.json`` and every row of ``out_dir/examples.jsonl``; returns the results."""
    out = Path(out_dir)
    results_v, row_v = validators()
    results = json.loads((out / "results.json").read_text())
    _check(results_v, results, f"{out / 'results.json'}")
    for i, line in enumerate((out / "examples.jsonl").read_text().splitlines()):
        _check(row_v, json.loads(line), f"{out / 'examples.jsonl'} row {i}")
    return results
