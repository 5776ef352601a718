"""Benchmark: the generation demo (3 seeds) and SLURP on this machine.

Usage: python/.venv/bin/python bench/generation/run.py [CONFIG.json ...]
Default: experiments/demo-generation.json, then experiments/slurp-generation.json (skipped with a note
when ../shared/data/slurp/devel.jsonl is missing). For each config prints the table (every weak member,
joint decoding, ceiling, every student and the DPO-refined one: exact F1, exact match, SLU-F1 and its word
and char F1 with intervals over seeds, PGR vs the mean weak member and vs joint decoding), the paired
differences vs the naive student (t-intervals), the DPO stage's change with its per-epoch reward
statistics, log p of the pairs' sides and the malformed/empty frame rates before and after, and the wall
time per stage (OMP_NUM_THREADS=1 unless set). ``--report RESULTS.json`` prints the report of a finished run.
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
DEFAULTS = [ROOT / "experiments" / "demo-generation.json", ROOT / "experiments" / "slurp-generation.json"]


def _d(x: dict | None) -> str:
    if not x or x.get("diff") is None:
        return "n/a"
    lo, hi = x.get("low"), x.get("high")
    return f"{x['diff']:+.3f} [{lo:+.3f}, {hi:+.3f}]" if lo is not None else f"{x['diff']:+.3f}"


def report(config: Path, results: dict, wall: float) -> None:
    print(f"\n## {results['name']}\nconfig: {config}; eval_beam_size {results.get('eval_beam_size')}, "
          f"length_penalty {results.get('length_penalty', 0)}")
    print(format_table(results))
    rows = [(n, m["vs_naive"]) for n, m in results["summary"]["methods"].items() if m.get("vs_naive")]
    if rows:
        print("\n| method − naive (paired, t 95%) | F1 | SLU-F1 | PGR |\n|---|---|---|---|")
        for n, v in rows:
            print(f"| {n} | {_d(v['f1'])} | {_d(v.get('slu_f1'))} | {_d(v['pgr'])} |")
    for p in results["per_seed"]:
        d = p.get("dpo")
        if not d or not d.get("pairs"):
            continue
        nan = float("nan")
        ep = "; ".join(f"e{e['epoch']} acc {e['reward_accuracy']:.2f} margin {e['reward_margin']:+.2f}"
                       + (f" val-pref {e['val_preference_accuracy']:.2f}" if "val_preference_accuracy" in e else "")
                       for e in d.get("epochs", []))
        gold = d.get("gold_accuracy")
        print(f"  seed {p['seed']}: {d['pairs']} pairs ({d.get('pairs_mode', '?')}), {d.get('val_pairs', 0)} val pairs, lr {d.get('lr', nan):.1e}, "
              f"joint label preferred in {d.get('chosen_label', nan):.2f}, mean eps {d.get('epsilon_mean', nan):.3f}; "
              f"epochs kept {d.get('epochs_kept', '?')} (val weak-pref {d.get('val_preference_before', nan):.3f} -> "
              f"{d.get('val_preference_after', nan):.3f}); F1 {d['before_f1']:.3f} -> {d['after_f1']:.3f}, "
              f"SLU-F1 {d.get('before_slu_f1', nan):.3f} -> {d.get('after_slu_f1', nan):.3f}; "
              f"log p chosen {d.get('logp_chosen_before', nan):.2f} -> {d.get('logp_chosen_after', nan):.2f}, "
              f"rejected {d.get('logp_rejected_before', nan):.2f} -> {d.get('logp_rejected_after', nan):.2f}; "
              f"malformed {d.get('before_malformed_frames', nan):.3f} -> {d.get('after_malformed_frames', nan):.3f}, "
              f"empty {d.get('before_empty_frames', nan):.3f} -> {d.get('after_empty_frames', nan):.3f}; "
              f"weak preference right by gold (diagnostic) {gold if gold is None else round(gold, 3)} "
              f"of {d.get('gold_decided', '?')} decided; {ep}")
    for p in results["per_seed"]:
        for n, s in p["students"].items():
            if s.get("token_uncertainty"):
                tu = s["token_uncertainty"]
                print(f"  seed {p['seed']} {n}: token u AUROC (wrong tokens) {tu['auroc']:.3f} "
                      f"(1 − max p: {tu.get('auroc_max_prob', float('nan')):.3f}), mean {tu['mean']:.3f}, std {tu['std']:.3f}")
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in results["timings"]["stages_s"].items())
    print(f"wall time: {wall:.1f}s ({results['timings']['total_s']:.1f}s in the pipeline: {stages}) on {results['device']}")


def main() -> None:
    if sys.argv[1:2] == ["--report"]:
        for path in sys.argv[2:]:
            results = json.loads(Path(path).read_text())
            report(Path(path), results, results["timings"]["total_s"])
        return
    configs = [Path(a) for a in sys.argv[1:]] or DEFAULTS
    # one intra-op thread: on a shared 2-core machine two OpenMP threads per process spin against other
    # processes (half the CPU time went to the kernel); set OMP_NUM_THREADS yourself to override
    env = {"OMP_NUM_THREADS": "1", **os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    for config in configs:
        task = json.loads(config.read_text()).get("task", {})
        if task.get("source") == "slurp" and not (ROOT / task["path"]).is_file():
            print(f"\n## {config.name}: skipped: {task['path']} is missing (put SLURP's devel.jsonl there)")
            continue
        with tempfile.TemporaryDirectory(prefix="ws2s-bench-gen-") as tmp:
            out = Path(tmp) / "out"
            t0 = time.perf_counter()
            subprocess.run([str(PY), "-m", "ws2s", "run", str(config), "--out", str(out)], check=True, env=env,
                           stdout=subprocess.DEVNULL, cwd=ROOT)
            wall = time.perf_counter() - t0
            report(config, json.loads((out / "results.json").read_text()), wall)


if __name__ == "__main__":
    main()
