"""The `complaints` command line: the project's one door (the Makefile only calls it).

Top-level imports stay light (standard library and the package's own small modules): pandas,
papermill and nbconvert are imported only by the commands that need them, so that
`complaints reports` with nothing to do answers in well under a second.

Exit status: 0 done; 1 some report failed (the others are still built) or the outputs folder
could not be written (full, read-only; what was built before is kept); 2 bad input data,
configuration or options (nothing was written); 3 another run is writing to the same outputs
folder (nothing was written).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from . import __version__
from .inputs.paths import COUNCIL_ID, default_paths
from .inputs.years import is_year

log = logging.getLogger(__name__)

EXAMPLES = {
    "check": """examples:
  complaints check
  complaints check --data ../other-project/data""",
    "metrics": """examples:
  complaints metrics
  complaints metrics --set-aside      # invalid rows of complaint records set aside, not fatal""",
    "reports": """examples:
  complaints reports                              # everything that changed (what `make reports` runs)
  complaints reports --council dudley --year 2024-25
  complaints reports --force --jobs 1 -v          # rebuild all, one at a time, with details
  complaints reports --formats html               # web pages only: quicker than with PDF and Word
  complaints reports --data DIR --outputs DIR     # an installed package, on your own folders""",
    "new-year": """examples:
  complaints new-year 2027-28                     # every council: the files to fill in, and what is missing
  complaints new-year 2027-28 --council dudley""",
    "new-council": """examples:
  complaints new-council newshire --name "Newshire County Council" --short-name Newshire""",
    "draft": """examples:
  complaints draft report.pdf --council dudley --year 2025-26
  complaints draft minutes.docx --council dorset --year 2024-25 --kind "committee report"
  complaints draft article.txt --council dudley --year 2025-26 --out data/published/dudley/2025-26_news_article.csv""",
    "kernel": """example:
  complaints kernel    # then pick "Python (complaints)" in JupyterLab""",
}


def _year(text: str) -> str:
    if not is_year(text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a financial year written like 2024-25")
    return text


def _council(text: str) -> str:
    if not COUNCIL_ID.match(text):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a council identifier (lower case and hyphens, like telford-wrekin)"
        )
    return text


def _formats(text: str) -> tuple[str, ...]:
    from .running.batch import FORMATS

    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or "html" not in chosen:
        raise argparse.ArgumentTypeError(
            f"'{text}': formats are {', '.join(FORMATS)}, comma-separated, html always among them"
        )
    return chosen


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _verbosity(parser: argparse.ArgumentParser, default) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v",
        "--verbose",
        action="store_const",
        const=1,
        dest="verbosity",
        default=default,
        help="say more: every step, and each report's outcome and time",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_const",
        const=-1,
        dest="verbosity",
        default=default,
        help="say only warnings and errors",
    )


def _data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="folder of input data (default: the project's data/, or ./data "
        "for an installed package; or COMPLAINTS_DATA)",
    )


def _paths(parser: argparse.ArgumentParser) -> None:
    _data(parser)
    parser.add_argument(
        "--outputs",
        metavar="DIR",
        help="folder for outputs (default: the project's outputs/, or ./outputs; or COMPLAINTS_OUTPUTS)",
    )


def _set_aside(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set-aside",
        action="store_true",
        help="set invalid rows of complaint records aside into outputs/private/records_set_aside/ "
        "(with their reasons) instead of stopping; reports say how many",
    )


def _subcommand(sub, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=EXAMPLES[name],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _verbosity(parser, argparse.SUPPRESS)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="complaints",
        description="Complaints to councils' children's services: metrics with exact statistics, an audit of "
        "the published figures, and a narrative report per council and year.",
        epilog="Run `complaints COMMAND --help` for a command's options and examples. Exit status: 0 done, "
        "1 a report failed or outputs could not be written, 2 bad input or options (nothing written), "
        "3 the outputs folder is in use by another run.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _verbosity(parser, 0)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = _subcommand(
        sub,
        "check",
        "check every input file; write nothing",
        "Read and check every input file (definitions, council configuration, published figures, "
        "learning actions, complaint records), list every problem with its file, line and column, "
        "and say what would be computed. Writes nothing.",
    )
    _paths(check)
    check.set_defaults(func=cmd_check)

    metrics = _subcommand(
        sub,
        "metrics",
        "write the CSVs only (metrics.csv, audit.csv, ...)",
        "Compute outputs/metrics.csv, audit.csv, figures.csv and the aggregates of complaint "
        "records (monthly.csv, changes.csv, records_files.csv), without running the reports.",
    )
    _paths(metrics)
    _set_aside(metrics)
    metrics.set_defaults(func=cmd_metrics)

    reports = _subcommand(
        sub,
        "reports",
        "the main job: metrics, audit, a report per council and year, the index",
        "Compute metrics.csv, audit.csv and figures.csv, then execute the council report notebook for every "
        "council and year with published figures (outputs/<council>/<year>/report.html and report.ipynb), the "
        "benchmarking report for every year with a comparable measure, and outputs/index.html. Reports whose "
        "inputs have not changed are skipped; a run with nothing changed at all stops after hashing the inputs. "
        "Each run that gets past checking its inputs leaves a log in outputs/logs/.",
    )
    _paths(reports)
    _set_aside(reports)
    reports.add_argument(
        "--council",
        action="append",
        metavar="ID",
        type=_council,
        help="only this council (repeatable), e.g. --council dudley",
    )
    reports.add_argument(
        "--year",
        action="append",
        metavar="YYYY-YY",
        type=_year,
        help="only this financial year (repeatable), e.g. --year 2024-25",
    )
    reports.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        default=os.cpu_count() or 1,
        metavar="N",
        help="reports run in parallel (default: number of CPUs, %(default)s here)",
    )
    reports.add_argument("--force", action="store_true", help="rebuild everything, even what is unchanged")
    reports.add_argument(
        "--formats",
        type=_formats,
        default=("html", "pdf", "docx"),
        metavar="LIST",
        help="what each report is written as, comma-separated: html (always), pdf (A4, for committee papers), "
        "docx (Word, to edit); default: html,pdf,docx",
    )
    reports.add_argument(
        "--public",
        action="store_true",
        help="the public version of every report: counts of 1 to 4 shown as 'fewer than 5', and '[c]' for any "
        "figure (count, share, interval, change, quote) from which one could be worked out (docs/methods.md, "
        "'Disclosure control'); passes public=True to the notebooks",
    )
    reports.add_argument(
        "--kernel",
        choices=("inprocess", "preloaded", "fresh"),
        default="inprocess",
        help="inprocess (default): no kernel; each report's cells run in IPython in a process forked from a "
        "worker that has already imported what the notebooks import (Linux; elsewhere fresh); preloaded: kernels "
        "forked from such a process; fresh: a new kernel process per report",
    )
    reports.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="build the reports on a Dask cluster: the scheduler's address (tcp://host:8786), or 'local' for a "
        "cluster of --jobs workers on this machine; needs the 'cluster' extra (docs/performance.md)",
    )
    reports.add_argument("--notebook", help=argparse.SUPPRESS)  # tests run other notebooks
    reports.set_defaults(func=cmd_reports)

    new_year = _subcommand(
        sub,
        "new-year",
        "start a financial year: create the files to fill in, say what is still missing",
        "For each council (or the one given), create what does not exist yet, never overwriting anything: "
        "data/published/<council>/<year>_annual_report.csv (the published-figures header, with comments saying "
        "what goes in it); from 2026-27, the Complaint Handling Code report's inputs under data/code/<council>/ "
        "(self-assessment, the Ombudsman's annual letter, the governance response: docs/code_report_inputs.md); "
        "and the folder data/private/<council>/ for the real complaint extract. Then say, per council, what is "
        "still missing for that year.",
    )
    new_year.add_argument("year", type=_year, metavar="YYYY-YY", help="the financial year, e.g. 2027-28")
    new_year.add_argument(
        "--council", metavar="ID", type=_council, help="only this council, e.g. --council dudley (default: every one)"
    )
    _data(new_year)
    new_year.set_defaults(func=cmd_new_year, outputs=None)

    new_council = _subcommand(
        sub,
        "new-council",
        "add a council: its configuration, every setting not published until filled in",
        "Create data/councils/<ID>.toml with every setting written out but marked not published (commented out "
        "under a NOT PUBLISHED line and listed in not_published, so no report says it as the council's practice), "
        "and the folders data/published/<ID>/ and data/private/<ID>/ (git-ignored); then say what to do next. "
        "Refuses an identifier that exists, is reserved or is not lower case and hyphenated.",
    )
    new_council.add_argument("id", metavar="ID", help="the council's identifier, lower case and hyphenated: newshire")
    new_council.add_argument("--name", help="its full name (default: made from the identifier; check it)")
    new_council.add_argument("--short-name", metavar="SHORT", help="the name used in sentences (default: --name)")
    _data(new_council)
    new_council.set_defaults(func=cmd_new_council, outputs=None)

    draft = _subcommand(
        sub,
        "draft",
        "draft a transcription of a council's document, one row per figure, for you to check",
        "Read a council's document (PDF, Word .docx or text), save its text under data/sources/ (NNN_<hash>.txt) "
        "and list it in data/published/sources.csv, then write a draft transcription to "
        "data/published/<council>/<year>_draft.csv: one row for every figure in the text, with its sentence quoted, "
        "a suggested measure (from data/definitions/synonyms.csv) and status to_check. `complaints check` refuses "
        "the file until every row is confirmed or corrected and marked checked (docs/drafting.md).",
    )
    draft.add_argument("source", metavar="SOURCE", help="the document: .pdf, .docx or .txt")
    draft.add_argument("--council", required=True, metavar="ID", type=_council, help="the council, e.g. dudley")
    draft.add_argument(
        "--year", required=True, metavar="YYYY-YY", type=_year, help="the financial year it reports on, e.g. 2025-26"
    )
    draft.add_argument(
        "--out", metavar="FILE", help="where to write the draft (default: data/published/<council>/<year>_draft.csv)"
    )
    draft.add_argument("--force", action="store_true", help="replace the draft file if it exists")
    draft.add_argument(
        "--kind", default="annual report", help="the document's kind in sources.csv (default: %(default)s)"
    )
    _data(draft)
    draft.set_defaults(func=cmd_draft, outputs=None)

    kernel = _subcommand(
        sub,
        "kernel",
        "register the project's Jupyter kernel ('complaints')",
        "Register the project's Jupyter kernel in this environment, so that JupyterLab and "
        "papermill run the notebooks with exactly the packages in uv.lock.",
    )
    kernel.set_defaults(func=cmd_kernel)
    return parser


def cmd_check(args) -> int:
    from .running.pipeline import compute

    results = compute(_checked_paths(args))
    counts = results.audit["verdict"].value_counts()
    log.info(
        f"{len(results.statements)} published statements, {len(results.figures)} figures, "
        f"{len(results.metrics)} metric rows; audit: " + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    return 0


def cmd_metrics(args) -> int:
    from .running.outputs import OutputsLock
    from .running.pipeline import compute, write_results

    paths = _checked_paths(args)
    results = compute(paths, set_aside=args.set_aside)
    try:
        with OutputsLock(paths.lock_file, "complaints metrics"):
            write_results(results, paths)
    except OSError as exc:
        log.error(
            f"could not write {exc.filename or paths.outputs}: {exc.strerror or exc}. The CSVs are written all "
            "or nothing: those of the last run are as they were."
        )
        return 1
    log.info(
        f"wrote {paths.metrics_csv} ({len(results.metrics)} rows) and {paths.audit_csv} ({len(results.audit)} rows)"
    )
    return 0


def cmd_reports(args) -> int:
    from .running.batch import Options, run_reports

    options = Options(
        councils=args.council or [],
        years=args.year or [],
        jobs=args.jobs,
        force=args.force,
        public=args.public,
        notebook=args.notebook,
        kernel=args.kernel,
        formats=args.formats,
        set_aside=args.set_aside,
    )
    paths = _checked_paths(args)
    if not args.dask:
        return run_reports(paths, options)
    from .running import cluster

    client = cluster.connect(args.dask, args.jobs)
    try:
        options.executor = cluster.dask_executor(client, inprocess=args.kernel == "inprocess")
        return run_reports(paths, options)
    finally:
        cluster.close(client)


def cmd_new_year(args) -> int:
    from .running.new_year import run_new_year

    return run_new_year(_checked_paths(args), args.year, args.council)


def cmd_new_council(args) -> int:
    from .running.new_council import run_new_council

    return run_new_council(_checked_paths(args), args.id, args.name, args.short_name)


def cmd_draft(args) -> int:
    from pathlib import Path

    from .running.draft import run_draft

    out = Path(args.out) if args.out else None
    return run_draft(_checked_paths(args), Path(args.source), args.council, args.year, out, args.force, args.kind)


def cmd_kernel(args) -> int:
    from .running.kernel import main as kernel_main

    return kernel_main([])


def _checked_paths(args):
    from .inputs.problems import check_data_folder

    paths = default_paths(args.data, args.outputs)
    check_data_folder(paths.data)
    return paths


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .running.logs import configure

    configure(args.verbosity)
    from .inputs.problems import InputError
    from .running.batch import SelectionError
    from .running.outputs import Busy

    try:
        return args.func(args)
    except (InputError, SelectionError) as exc:
        log.error(str(exc))
        return 2
    except Busy as exc:
        log.error(str(exc))
        return 3


if __name__ == "__main__":
    sys.exit(main())
