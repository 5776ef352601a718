"""Benchmark: the classification demo (5 seeds, built-in task) and the SLURP scenario (real data), each
run once from a cold cache on this machine.

Usage (from anywhere; the runs start in the repo root, where the configs' relative paths resolve):
    python/.venv/bin/python bench/classification/run.py [CONFIG.json ...]
Default configs: experiments/demo-classification.json and experiments/slurp-scenario.json (which reads
../shared/data/slurp/devel.jsonl; a missing file stops that run with an error naming it).

For each run it prints one table — every weak member, the weak mean, the ensemble, the ceiling and
every student: accuracy/AUROC/ECE with 95% Student-t intervals over seeds, PGR vs the mean weak
member and vs the ensemble, the paired per-seed difference from the naive student (accuracy and PGR)
and, for evidential students, the AUROC of their uncertainty for detecting their own errors — then
selective accuracy of the evidential students and the wall time (the demo's target: ≤ 5 min on 2 cores).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ws2s.recipe import format_table

ROOT = Path(__file__).resolve().parents[2]
PY = ROOT / "python" / ".venv" / "bin" / "python"
DEFAULT = (ROOT / "experiments" / "demo-classification.json", ROOT / "experiments" / "slurp-scenario.json")


def run(config: Path, out: Path, cache: Path) -> tuple[dict | None, float, str]:
    env = {**os.environ, "WS2S_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run([str(PY), "-m", "ws2s", "run", str(config), "--out", str(out)], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return None, wall, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
    return json.loads((out / "results.json").read_text()), wall, ""


def selective_lines(results: dict) -> list[str]:
    """Mean selective accuracy at 50% / 80% coverage (lowest u kept) of each evidential student, over seeds."""
    lines = []
    for name in results["summary"]["methods"]:
        sel = [p["students"][name]["uncertainty"]["selective_accuracy"] for p in results["per_seed"]
               if (p["students"].get(name) or {}).get("uncertainty", {}).get("selective_accuracy")]
        if sel:
            acc = results["summary"]["methods"][name]["accuracy"]["mean"]
            half, most = (sum(s[k] for s in sel) / len(sel) for k in ("0.5", "0.8"))
            lines.append(f"  {name}: accuracy {acc:.3f}; selective accuracy at 80% coverage {most:.3f}, at 50% {half:.3f}")
    return lines


def main() -> None:
    configs = [Path(a).resolve() for a in sys.argv[1:]] or list(DEFAULT)
    for config in configs:
        with tempfile.TemporaryDirectory(prefix="ws2s-bench-") as tmp:
            results, wall, error = run(config, Path(tmp) / "run", Path(tmp) / "cache")
        print(f"## {config.relative_to(ROOT) if config.is_relative_to(ROOT) else config}\n")
        if results is None:
            print(f"failed after {wall:.1f}s: {error}\n")
            continue
        print(format_table(results))
        sel = selective_lines(results)
        if sel:
            print("\nevidential students, uncertainty u = C/S on test:")
            print("\n".join(sel))
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in results["timings"]["stages_s"].items())
        print(f"\nwall time: {wall:.1f}s ({len(results['seeds'])} seeds; pipeline {results['timings']['total_s']:.1f}s: {stages}); "
              f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}\n")


if __name__ == "__main__":
    main()
