"""Tune a classification weak zoo on weak_train's own holdout only: no other split's gold is read.

Usage (from the repo root):
    python/.venv/bin/python bench/classification/tune_weak.py CONFIG.json [CANDIDATES.json] [--seeds 0,1]
CANDIDATES.json is a list of ``weak`` entries (default: the config's own ``weak``). For each candidate
and seed it trains the member exactly as a run does (90% of weak_train, best epoch on the other 10%)
and prints its holdout accuracy, the mean over seeds, and the training time. Pick members by these
numbers; a run's test numbers never enter the choice.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from ws2s.classification.data import load_split
from ws2s.classification.weak import train_member
from ws2s.config import load_config
from ws2s.events import null_emit
from ws2s.recipe import RunContext


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("candidates", nargs="?")
    ap.add_argument("--seeds", default=None, help="comma-separated seeds (default: the config's first)")
    args = ap.parse_args(argv)
    config = load_config(json.loads(Path(args.config).read_text()))
    members = json.loads(Path(args.candidates).read_text()) if args.candidates else config["weak"]
    # fill each candidate's defaults the way a config would
    members = load_config({**json.loads(Path(args.config).read_text()), "weak": members})["weak"]
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else config["seeds"][:1]
    with tempfile.TemporaryDirectory() as out:
        ctx = RunContext.open(config, out, null_emit)
        print(f"| member | arch | params | holdout accuracy per seed {seeds} | mean | seconds |")
        print("|---|---|---|---|---|---|")
        for m in members:
            accs, t0 = [], time.perf_counter()
            for seed in seeds:
                accs.append(train_member(m, load_split(config, seed), config, seed, ctx)["holdout_accuracy"])
            secs = time.perf_counter() - t0
            print(f"| {m['name']} | {m['arch']} | {json.dumps(m['params'])} | {', '.join(f'{a:.3f}' for a in accs)} | "
                  f"{sum(accs) / len(accs):.3f} | {secs:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
