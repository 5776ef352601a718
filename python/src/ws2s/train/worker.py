"""One process of a multi-process run: ``python -m ws2s.train.worker <spec.json>`` (started by
``ws2s.train.launch.run_distributed`` under torchrun).

It joins the process group, calls the spec's ``target(params, emit)`` — on rank 0 ``emit`` writes the
events file the launcher relays and the return value goes to the result file; other ranks emit nothing —
and writes the first failing rank's error for the launcher to report. It dies with torchrun (its
parent), which starts it in a session of its own where the signals that end the run do not reach.
"""

from __future__ import annotations

if __name__ == "__main__":  # first of all, before the slow imports below (torch): die with torchrun
    from ws2s.train.lifetime import die_with_parent

    die_with_parent()

import importlib
import json
import sys
import traceback
from pathlib import Path

from ws2s.events import JsonlEmitter, null_emit
from ws2s.train import distributed


def resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    info = None
    try:
        info = distributed.init(strategy=spec["strategy"])
        fn = resolve(spec["target"])
        if info.is_main:
            with JsonlEmitter(spec["events"]) as emit:
                result = fn(spec["params"], emit)
            tmp = Path(spec["result"] + ".tmp")
            tmp.write_text(json.dumps(result))
            tmp.replace(spec["result"])  # whole or absent: the launcher never reads half a result
        else:
            fn(spec["params"], null_emit)
        return 0
    except BaseException as e:  # noqa: BLE001 - reported to the launcher, then the process fails
        rank = info.rank if info else distributed.env_world()[0]
        err = Path(spec["error"])
        if not err.exists():
            err.write_text(json.dumps({"rank": rank, "type": type(e).__name__, "message": str(e),
                                       "traceback": traceback.format_exc()}))
        raise
    finally:
        distributed.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
