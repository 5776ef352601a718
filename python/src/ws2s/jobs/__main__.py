"""``python -m ws2s.jobs JOB PARAMS.json EVENTS.jsonl``: run one job with its events appended to a file.

This is how a cluster executor (the server's ``--executor slurm``) runs the same job the local
runner runs through the bridge: the events go to ``EVENTS.jsonl`` (one per line, flushed per line,
ending with ``done`` or ``error``), which the server follows on the shared filesystem. Exits 0 when
the job finished, 1 when it raised.
"""

from __future__ import annotations

import json
import sys

from ws2s.events import JsonlEmitter
from ws2s.jobs import run_job


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m ws2s.jobs JOB PARAMS.json EVENTS.jsonl", file=sys.stderr)
        return 2
    job, params_path, events_path = argv
    with open(params_path, encoding="utf-8") as f:
        params = json.load(f)
    with JsonlEmitter(events_path) as emit:
        return 0 if run_job(job, params, emit) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
