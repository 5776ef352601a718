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

ROOT = Path(__file__).resolve().parents[2]
PY = ROOT / "python" / ".venv" / "bin" / "python"


def run(config: Path, out: Path, cache: Path) -> tuple[dict, float]:
    env = {**os.environ, "WS2S_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    t0 = time.perf_counter()
    subprocess.run([str(PY), "-m", "ws2s", "run", str(config), "--out", str(out)], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads((out / "results.json").read_text()), time.perf_counter() - t0


def ci(d: dict, key="mean") -> str:
    if d.get(key) is None:
        return "n/a (flagged)"
    return f"{d[key]:.3f} [{d['low']:.3f}, {d['high']:.3f}]"


def main() -> None:
    config = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "experiments" / "demo-classification.json"
    with tempfile.TemporaryDirectory(prefix="ws2s-bench-") as tmp:
        tmp = Path(tmp)
        cold, cold_s = run(config, tmp / "cold", tmp / "cache")
        warm, warm_s = run(config, tmp / "warm", tmp / "cache")
    s = cold["summary"]
    print(f"config: {config.relative_to(ROOT) if config.is_relative_to(ROOT) else config}  seeds: {cold['seeds']}  device: {cold['device']}")
    print(f"{'model / method':<22} {'test accuracy (95% CI)':<28} {'PGR vs mean weak (95% CI)':<28} {'PGR vs ensemble':<28}")
    print(f"{'weak members (mean)':<22} {ci(s['weak_mean']):<28}")
    for name, acc in cold["per_seed"][0]["weak"].items():
        accs = [ps["weak"][name]["accuracy"] for ps in cold["per_seed"]]
        print(f"{'  ' + name:<22} {sum(accs) / len(accs):.3f}")
    print(f"{'weak ensemble':<22} {ci(s['ensemble']):<28}")
    print(f"{'strong ceiling':<22} {ci(s['ceiling']):<28}")
    for name, m in s["methods"].items():
        print(f"{'student ' + name:<22} {ci(m['accuracy']):<28} {ci(m['pgr'], 'pgr'):<28} {ci(m['pgr_vs_ensemble'], 'pgr'):<28}")
    print(f"best method: {s['best_method']}")
    if cold["flags"]:
        print("flags:", *cold["flags"], sep="\n  ")
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in cold["timings"]["stages_s"].items())
    print(f"cold run: {cold_s:.1f}s wall ({cold['timings']['total_s']:.1f}s in the pipeline: {stages})")
    c = warm["cache"]
    print(f"warm run: {warm_s:.1f}s wall ({warm['timings']['total_s']:.1f}s in the pipeline); cache hits {c['hits']}, misses {c['misses']}, "
          f"compute saved {c['saved_s']:.1f}s")


if __name__ == "__main__":
    main()
