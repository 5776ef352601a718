"""Command line: ``python -m ws2s run CONFIG.json --out DIR``."""

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ws2s", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run an experiment config headless")
    run.add_argument("config")
    run.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    raise SystemExit(f"ws2s: command {args.cmd!r} is not available yet")


if __name__ == "__main__":
    sys.exit(main())
