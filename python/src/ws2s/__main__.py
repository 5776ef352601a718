"""Command line: ``python -m ws2s run CONFIG.json --out DIR [--seeds 1,2]`` (also ``merge DIR... --out DIR``,
``check CONFIG.json`` and ``registries``).

``run`` validates the config (every check before any training), runs it, writes ``DIR/results.json``,
``DIR/examples.jsonl`` and ``DIR/events.jsonl``, and prints logs and progress to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ws2s.config import ConfigError, load_config, read_config_file
from ws2s.events import Emitter, JsonlEmitter, error_event


class ConsoleJsonlEmitter(Emitter):
    """Every event to ``events.jsonl``; logs and progress also to stderr, readable."""

    def __init__(self, path: Path, stream=sys.stderr):
        super().__init__()
        self.file = JsonlEmitter(path)
        self.stream = stream

    def _write(self, line: str, event: dict) -> None:
        self.file._write(line, event)
        if event["type"] == "log":
            print(f"[{event['level']}] {event['message']}", file=self.stream)
        elif event["type"] == "progress" and event.get("message"):
            print(f"  {event['stage']:<12} {event['current']}/{event['total']}  {event['message']}", file=self.stream)

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise ConfigError("seeds", f"--seeds {text!r}: give comma-separated integers, e.g. --seeds 1,2") from None
    if not seeds:
        raise ConfigError("seeds", "--seeds is empty; give comma-separated integers, e.g. --seeds 1,2")
    return seeds


def cmd_run(args) -> int:
    try:
        config = Path(args.config)
        if args.seeds is not None:  # the config's own seeds replaced (one part of a run split by seed; see merge)
            config = {**read_config_file(config), "seeds": parse_seeds(args.seeds)}
        config = load_config(config)
    except ConfigError as e:
        print(f"ws2s: invalid config {args.config}: {e}", file=sys.stderr)
        return 2
    from ws2s.pipelines import run_pipeline

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    emit = ConsoleJsonlEmitter(out / "events.jsonl")
    try:
        results = run_pipeline(config, out, emit)
        emit.terminal({"type": "done", "result": {"results": str(out / "results.json")}})
    except BaseException as exc:
        emit.terminal(error_event(exc))
        raise
    finally:
        emit.close()
    from ws2s.recipe import format_table

    print(format_table(results), file=sys.stderr)
    print(f"wrote {out / 'results.json'} in {results['timings']['total_s']:.1f}s", file=sys.stderr)
    return 0


def cmd_merge(args) -> int:
    from ws2s.merge import merge_runs
    from ws2s.recipe import format_table

    try:
        results = merge_runs(args.parts, args.out)
    except ConfigError as e:
        print(f"ws2s: cannot merge: {e}", file=sys.stderr)
        return 2
    print(format_table(results), file=sys.stderr)
    print(f"wrote {Path(args.out) / 'results.json'}: seeds {results['seeds']} from {len(args.parts)} runs", file=sys.stderr)
    return 0


def cmd_check(args) -> int:
    try:
        load_config(Path(args.config))
    except ConfigError as e:
        print(f"ws2s: invalid config {args.config}: {e}", file=sys.stderr)
        return 2
    print(f"{args.config}: ok")
    return 0


def cmd_registries(args) -> int:
    import json

    from ws2s.pipelines import registries

    print(json.dumps(registries(), indent=2))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ws2s", description="WeakS-to-Strong experiments")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="validate and run an experiment config headless")
    run.add_argument("config")
    run.add_argument("--out", required=True, help="output directory (results.json, examples.jsonl, events.jsonl)")
    run.add_argument("--seeds", help="comma-separated seeds that replace the config's (run one part; see merge)")
    run.set_defaults(fn=cmd_run)
    merge = sub.add_parser("merge", help="merge runs of one experiment that ran different seeds into one run directory")
    merge.add_argument("parts", nargs="+", help="output directories of `ws2s run --seeds ...`")
    merge.add_argument("--out", required=True, help="new directory for the merged results.json, examples.jsonl, events.jsonl")
    merge.set_defaults(fn=cmd_merge)
    check = sub.add_parser("check", help="validate an experiment config without running it")
    check.add_argument("config")
    check.set_defaults(fn=cmd_check)
    reg = sub.add_parser("registries", help="print the registered losses, weak architectures and built-in tasks per kind (JSON)")
    reg.set_defaults(fn=cmd_registries)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
