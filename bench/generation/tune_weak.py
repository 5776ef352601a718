"""Tune a generation weak zoo on weak_train's own holdout only: no other split's gold is read.

Usage (from the repo root):
    python/.venv/bin/python bench/generation/tune_weak.py CONFIG.json [CANDIDATES.json] [--seeds 0,1] [--joint]
CANDIDATES.json is a list of ``weak`` entries (default: the config's own ``weak``). For each candidate and
seed it trains the member exactly as a run does (90% of weak_train, reliability on the other 10%; through the
run's cache, so a run of the chosen zoo reuses the members), decodes
that holdout with the run's beam, length penalty and output length, and prints the holdout slot F1,
SLU-F1 and empty-frame rate, their means over seeds, and the training time. ``--joint`` also decodes the
holdout jointly with all candidates (the config's λ weights), the label the students would learn from.
``--length-penalties 0,1`` decodes with each length penalty in turn (default: the config's), one row each.
Pick members by these numbers; a run's test numbers (and strong_train's gold) never enter the choice.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from ws2s.config import load_config
from ws2s.events import null_emit
from ws2s.generation.evaluate import decode, eval_beam, length_penalty, score_texts
from ws2s.generation.frames import frame_status
from ws2s.generation.joint import joint_decode
from ws2s.generation.tasks import load_task
from ws2s.generation.weak import cached_weak
from ws2s.recipe import RunContext
from ws2s.losses import member_weights


def holdout_split(config: dict, seed: int):
    """weak_train cut as the run's weak stage cuts it: (fit, holdout)."""
    weak_train = load_task(config["task"], config["splits"], seed)["weak_train"]
    cut = max(1, len(weak_train) // 10)
    return weak_train[cut:], weak_train[:cut]


def scores(texts: list[str], gold) -> dict:
    s = score_texts(texts, gold)
    return {"f1": s["f1"], "slu_f1": s["slu_f1"], "empty": sum(frame_status(t) == "empty" for t in texts) / len(texts)}


def per_seed(rows: list[dict]) -> str:
    return ", ".join(f"{r['f1']:.3f}" for r in rows)


def row(name: str, params: str, rows: list[dict], alpha: float, seconds: str) -> str:
    mean = {f: sum(r[f] for r in rows) / len(rows) for f in rows[0]}
    return (f"| {name} | {params} | {alpha:g} | {per_seed(rows)} | {mean['f1']:.3f} | {mean['slu_f1']:.3f} | "
            f"{mean['empty']:.2f} | {seconds} |")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("candidates", nargs="?")
    ap.add_argument("--seeds", default=None, help="comma-separated seeds (default: the config's first)")
    ap.add_argument("--joint", action="store_true", help="also score the joint decoding of all candidates")
    ap.add_argument("--length-penalties", default=None, help="comma-separated length penalties (default: the config's)")
    args = ap.parse_args(argv)
    raw = json.loads(Path(args.config).read_text())
    if args.candidates:
        raw["weak"] = json.loads(Path(args.candidates).read_text())
    config = load_config(raw)  # fills each candidate's defaults the way a run would
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else config["seeds"][:1]
    alphas = [float(a) for a in args.length_penalties.split(",")] if args.length_penalties else [length_penalty(config)]
    beam, max_len = eval_beam(config), int(config["max_output_length"])
    ctx = RunContext.open(config, tempfile.mkdtemp(prefix="ws2s-tune-"), null_emit)
    print(f"holdout of weak_train; beam {beam}, seeds {seeds}")
    print("| member | params | length penalty | holdout F1 per seed | mean F1 | mean SLU-F1 | mean empty | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    trained = {seed: [] for seed in seeds}
    for k, spec in enumerate(config["weak"]):
        rows, t0 = {a: [] for a in alphas}, time.perf_counter()
        for seed in seeds:
            fit, holdout = holdout_split(config, seed)
            # through the run's cache, keyed as a run keys it: a run of the chosen zoo reuses these members
            model, rel, _ = cached_weak(ctx, spec, fit, holdout, config["weak_train"], seed + k)
            trained[seed].append((model, rel))
            memory = model.encode([e.source for e in holdout])
            for a in alphas:
                rows[a].append(scores(decode(model, memory, beam, max_len, a), holdout))
        seconds = f"{time.perf_counter() - t0:.0f}"
        for a in alphas:
            print(row(spec["name"], json.dumps(spec.get("params", {})), rows[a], a, seconds), flush=True)
    if args.joint:
        for a in alphas:
            rows = []
            for seed in seeds:
                _, holdout = holdout_split(config, seed)
                lam = member_weights(config["joint"]["weights"], [r for _, r in trained[seed]])
                chosen = joint_decode([m for m, _ in trained[seed]], [e.source for e in holdout], lam,
                                      int(config["joint"]["beam_size"]), max_len, a)
                rows.append(scores([c.text for c in chosen], holdout))
            print(row(f"joint ({config['joint']['weights']})", "", rows, a, ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
