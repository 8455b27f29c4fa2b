"""The `complaints` command line: the project's one door (the Makefile only calls it)."""
from __future__ import annotations

import argparse
import sys

from .paths import default_paths
from .pipeline import compute, write_results
from .problems import InputError


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="folder of input data (default: the project's data/)")
    parser.add_argument("--outputs", help="folder for outputs (default: the project's outputs/)")


def cmd_check(args) -> int:
    results = compute(default_paths(args.data, args.outputs))
    counts = results.audit["verdict"].value_counts()
    print(f"{len(results.statements)} published statements, {len(results.figures)} figures, "
          f"{len(results.metrics)} metric rows; audit: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_metrics(args) -> int:
    paths = default_paths(args.data, args.outputs)
    results = compute(paths)
    write_results(results, paths)
    print(f"wrote {paths.metrics_csv} ({len(results.metrics)} rows) and {paths.audit_csv} ({len(results.audit)} rows)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="complaints", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check every input file and report what would be computed; writes nothing")
    _add_paths(check)
    check.set_defaults(func=cmd_check)
    metrics = sub.add_parser("metrics", help="write outputs/metrics.csv and outputs/audit.csv")
    _add_paths(metrics)
    metrics.set_defaults(func=cmd_metrics)
    reports = sub.add_parser("reports", help="the main job: metrics, audit and reports")
    _add_paths(reports)
    reports.set_defaults(func=cmd_metrics)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
