"""The `complaints` command line: the project's one door (the Makefile only calls it).

Top-level imports stay light (standard library and the package's own small modules): pandas,
papermill and nbconvert are imported only by the commands that need them, so that
`complaints reports` with nothing to do answers in well under a second.
"""
from __future__ import annotations

import argparse
import os
import sys

from .inputs.paths import default_paths


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="folder of input data (default: the project's data/)")
    parser.add_argument("--outputs", help="folder for outputs (default: the project's outputs/)")



def cmd_check(args) -> int:
    from .running.pipeline import compute
    results = compute(default_paths(args.data, args.outputs))
    counts = results.audit["verdict"].value_counts()
    print(f"{len(results.statements)} published statements, {len(results.figures)} figures, "
          f"{len(results.metrics)} metric rows; audit: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_metrics(args) -> int:
    from .running.pipeline import compute, write_results
    paths = default_paths(args.data, args.outputs)
    results = compute(paths, set_aside=args.set_aside)
    write_results(results, paths)
    print(f"wrote {paths.metrics_csv} ({len(results.metrics)} rows) and {paths.audit_csv} ({len(results.audit)} rows)")
    return 0


def cmd_reports(args) -> int:
    from .running.batch import Options, run_reports
    options = Options(councils=args.council or [], years=args.year or [], jobs=args.jobs, force=args.force,
                      public=args.public, notebook=args.notebook, kernel=args.kernel, set_aside=args.set_aside)
    return run_reports(default_paths(args.data, args.outputs), options)


def cmd_kernel(args) -> int:
    from .running.kernel import main as kernel_main
    return kernel_main([])


def _add_set_aside(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set-aside", action="store_true",
                        help="set invalid rows of complaint records aside into outputs/records_set_aside/ "
                             "(with their reasons) instead of stopping; reports say how many")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="complaints", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check every input file and report what would be computed; writes nothing")
    _add_paths(check)
    check.set_defaults(func=cmd_check)
    metrics = sub.add_parser("metrics", help="write outputs/metrics.csv and outputs/audit.csv")
    _add_paths(metrics)
    _add_set_aside(metrics)
    metrics.set_defaults(func=cmd_metrics)
    reports = sub.add_parser(
        "reports", help="the main job: metrics, audit, a report per council and year, and the index",
        description="Compute metrics.csv, audit.csv and figures.csv, then execute the council report notebook "
                    "for every council and year with published figures (outputs/<council>/<year>/report.html "
                    "and report.ipynb) and write outputs/index.html. Reports whose inputs have not changed are "
                    "skipped; a run with nothing changed at all stops after hashing the inputs. Exit status: "
                    "0 all reports built, 1 some report failed (the others are still built), 2 bad input data "
                    "or selection.")
    _add_paths(reports)
    _add_set_aside(reports)
    reports.add_argument("--council", action="append", metavar="ID",
                         help="only this council (repeatable), e.g. --council dudley")
    reports.add_argument("--year", action="append", metavar="YYYY-YY",
                         help="only this financial year (repeatable), e.g. --year 2024-25")
    reports.add_argument("--jobs", "-j", type=_positive, default=os.cpu_count() or 1, metavar="N",
                         help="reports run in parallel (default: number of CPUs, %(default)s here)")
    reports.add_argument("--force", action="store_true", help="rebuild everything, even what is unchanged")
    reports.add_argument("--public", action="store_true",
                         help="the public version: small counts suppressed (passes public=True to the notebook)")
    reports.add_argument("--kernel", choices=("preloaded", "fresh"), default="preloaded",
                         help="preloaded (default): kernels forked from a process that has already imported "
                              "what the notebook imports (Linux); fresh: a new kernel process per report")
    reports.add_argument("--notebook", help=argparse.SUPPRESS)  # tests run other notebooks
    reports.set_defaults(func=cmd_reports)
    kernel = sub.add_parser("kernel", help="register the project's Jupyter kernel ('complaints') in the environment")
    kernel.set_defaults(func=cmd_kernel)
    args = parser.parse_args(argv)
    from .inputs.problems import InputError
    from .running.batch import SelectionError
    try:
        return args.func(args)
    except (InputError, SelectionError) as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
