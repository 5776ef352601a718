"""Merging runs of one experiment that ran different seeds (``ws2s run --seeds``: one process, machine or
SLURM job per seed) into one run directory, as if one run had done every seed: ``per_seed`` and the
examples concatenated, the summary (intervals, paired differences, DPO comparison) recomputed over all
seeds by the kind's own ``summary_of``. Parts must share every config field except ``seeds``."""

from __future__ import annotations

import json
from pathlib import Path

from ws2s.errors import ConfigError
from ws2s.recipe import json_safe

#: results.json fields that describe one run's execution, merged field by field below
EXECUTION = ("seeds", "per_seed", "summary", "flags", "failures", "timings", "cache", "artifacts", "merged_from", "config")


def _read(part: Path) -> tuple[dict, list[str]]:
    path = part / "results.json"
    try:
        results = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError("", f"{path} does not exist: merge the output directories of finished `ws2s run`s") from None
    except json.JSONDecodeError as e:
        raise ConfigError("", f"{path} is not valid JSON ({e}); rerun that part") from None
    examples = part / results.get("artifacts", {}).get("examples", "examples.jsonl")
    rows = examples.read_text().splitlines() if examples.exists() else []
    return results, [r for r in rows if r.strip()]


def _config_differences(a: dict, b: dict) -> list[str]:
    keys = sorted((set(a) | set(b)) - {"seeds"})
    return [k for k in keys if a.get(k) != b.get(k)]


def _sum_stats(parts: list[dict]) -> dict:
    """Timings and cache statistics added over the parts (the wall time of the parts, not of their overlap)."""
    stages: dict[str, float] = {}
    by_kind: dict[str, dict] = {}
    for r in parts:
        for k, v in r["timings"]["stages_s"].items():
            stages[k] = stages.get(k, 0.0) + v
        for k, v in r["cache"]["by_kind"].items():
            slot = by_kind.setdefault(k, {"hits": 0, "misses": 0})
            slot["hits"] += v["hits"]
            slot["misses"] += v["misses"]
    first = parts[0]["cache"]
    return {
        "timings": {"total_s": sum(r["timings"]["total_s"] for r in parts), "stages_s": stages},
        "cache": {"dir": first["dir"], "enabled": all(r["cache"]["enabled"] for r in parts),
                  "hits": sum(r["cache"]["hits"] for r in parts), "misses": sum(r["cache"]["misses"] for r in parts),
                  "saved_s": sum(r["cache"]["saved_s"] for r in parts), "by_kind": by_kind},
    }


def merge_runs(part_dirs: list[str | Path], out_dir: str | Path) -> dict:
    """Writes ``out_dir/results.json`` and ``out_dir/examples.jsonl`` merged from ``part_dirs`` and returns the results.
    Raises ``ConfigError`` (naming what to fix) when the parts are not seeds of one experiment."""
    from ws2s.pipelines import summary_of

    if len(part_dirs) < 2:
        raise ConfigError("", "merge needs at least two run directories")
    dirs = [Path(p) for p in part_dirs]
    out = Path(out_dir)
    if any(out.resolve() == d.resolve() for d in dirs):
        raise ConfigError("", f"--out {out} is one of the parts; write the merge to a new directory")
    if (out / "results.json").exists():
        raise ConfigError("", f"{out} already holds a results.json; merge into a new directory (nothing was overwritten)")
    loaded = [_read(d) for d in dirs]
    first = loaded[0][0]
    seen: dict[int, Path] = {}
    for d, (r, _) in zip(dirs, loaded):
        if r["kind"] != first["kind"]:
            raise ConfigError("kind", f"{d} is a {r['kind']} run and {dirs[0]} a {first['kind']} run; merge runs of one experiment")
        diff = _config_differences(first["config"], r["config"])
        if diff:
            raise ConfigError(diff[0], f"{d} and {dirs[0]} differ in config fields {diff}; only `seeds` may differ between parts")
        for s in r["config"]["seeds"]:
            if s in seen:
                raise ConfigError("seeds", f"seed {s} is in both {seen[s]} and {d}; each seed must come from one part")
            seen[s] = d
    per_seed = [s for r, _ in loaded for s in r["per_seed"]]
    config = {**first["config"], "seeds": [s for r, _ in loaded for s in r["config"]["seeds"]]}
    results = {k: v for k, v in first.items() if k not in EXECUTION}  # name, kind, device and the kind's own fields
    results.update({
        "config": config, "seeds": config["seeds"], "per_seed": per_seed, "summary": summary_of(config, per_seed),
        "flags": [f for r, _ in loaded for f in r["flags"]],
        "failures": [f for r, _ in loaded for f in r.get("failures", [])],
        **_sum_stats([r for r, _ in loaded]),
        "artifacts": {"examples": "examples.jsonl", "events": "events.jsonl"},
        "merged_from": [str(d) for d in dirs],
    })
    devices = sorted({r["device"] for r, _ in loaded})
    results["device"] = devices[0] if len(devices) == 1 else ", ".join(devices)
    results = json_safe(results)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "examples.jsonl").open("w") as f:
        for _, rows in loaded:
            for row in rows:
                f.write(row + "\n")
    with (out / "events.jsonl").open("w") as f:  # every part's events but its terminal done/error, renumbered
        seq = 0
        for d in dirs:
            events = d / "events.jsonl"
            for line in (events.read_text().splitlines() if events.exists() else []):
                event = json.loads(line) if line.strip() else {}
                if event and event.get("type") not in ("done", "error"):
                    f.write(json.dumps({**event, "seq": seq}) + "\n")
                    seq += 1
    (out / "results.json").write_text(json.dumps(results, indent=1, allow_nan=False))
    return results
