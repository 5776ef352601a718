"""Benchmark: the generation demo (3 seeds) on this machine.

Usage: python/.venv/bin/python bench/generation/run.py [CONFIG.json]
Prints the table (every weak member, joint decoding, ceiling, every student and the DPO-refined one:
slot F1 and exact match with 95% bootstrap CIs over seeds, PGR on F1), the DPO stage's effect and its
reward statistics, and the wall time per stage (OMP_NUM_THREADS=1 unless set).
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


def main() -> None:
    config = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "experiments" / "demo-generation.json"
    # one intra-op thread: on a shared 2-core machine two OpenMP threads per process spin against other
    # processes (half the CPU time went to the kernel); set OMP_NUM_THREADS yourself to override
    env = {"OMP_NUM_THREADS": "1", **os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="ws2s-bench-gen-") as tmp:
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        subprocess.run([str(PY), "-m", "ws2s", "run", str(config), "--out", str(out)], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        results = json.loads((out / "results.json").read_text())
    print(f"config: {config}")
    print(format_table(results))
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in results["timings"]["stages_s"].items())
    print(f"wall time: {wall:.1f}s ({results['timings']['total_s']:.1f}s in the pipeline: {stages}) on {results['device']}")
    for flag in results["flags"]:
        print(f"flag: {flag}")


if __name__ == "__main__":
    main()
