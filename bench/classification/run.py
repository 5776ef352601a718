"""Benchmark: the demo experiment (3 seeds) on this machine, cold cache then warm cache.

Usage: python/.venv/bin/python bench/classification/run.py [CONFIG.json]
Prints one table (weak members' mean, ensemble, ceiling, every method: accuracy and PGR with 95%
bootstrap CIs over seeds), the wall time of each run and what the cache saved on the second.
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


def run(config: Path, out: Path, cache: Path) -> tuple[dict, float]:
    env = {**os.environ, "WS2S_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    t0 = time.perf_counter()
    subprocess.run([str(PY), "-m", "ws2s", "run", str(config), "--out", str(out)], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads((out / "results.json").read_text()), time.perf_counter() - t0


def main() -> None:
    config = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "experiments" / "demo-classification.json"
    with tempfile.TemporaryDirectory(prefix="ws2s-bench-") as tmp:
        tmp = Path(tmp)
        cold, cold_s = run(config, tmp / "cold", tmp / "cache")
        warm, warm_s = run(config, tmp / "warm", tmp / "cache")
    print(f"config: {config}")
    print(format_table(cold))
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in cold["timings"]["stages_s"].items())
    print(f"cold run: {cold_s:.1f}s wall ({cold['timings']['total_s']:.1f}s in the pipeline: {stages})")
    c = warm["cache"]
    print(f"warm run: {warm_s:.1f}s wall ({warm['timings']['total_s']:.1f}s in the pipeline); cache hits {c['hits']}, misses {c['misses']}, "
          f"compute saved {c['saved_s']:.1f}s")


if __name__ == "__main__":
    main()
