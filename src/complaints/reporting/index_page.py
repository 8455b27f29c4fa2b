"""outputs/index.html: every report, linked, newest year first; plain HTML, no scripts.

Council reports (newest year first, then by council), the years known only from figures restated in
later documents, the synthetic demonstrations (plainly marked), the benchmarking reports, and the
CSVs with a one-line guide to each. A report that failed in the last run is marked and links to its
executed notebook (report.failed.ipynb) with the traceback; a report that was never built (for
example after a run with --council) says so. The page comes from templates/index.html.j2.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..inputs.paths import BENCHMARK, CODE, CODE_DEMONSTRATION, DEMONSTRATION, Paths
from .templating import render

# (file, what it holds, a one-line guide to its columns)
DATA_FILES = [
    (
        "metrics.csv",
        "every figure of every report: one row per council, year, metric and source (published figures, or "
        "complaint records)",
        "value with numerator, denominator and 95% interval (ci_low, ci_high); prev_value, change and "
        "pct_change from prev_year; test, p_value, q_value and verdict; small_numbers, contested and "
        "synthetic flags (every column: docs/methods.md)",
    ),
    (
        "metrics.xlsx",
        "metrics.csv as a spreadsheet for analysts: a cover, contents, notes, and a sheet per kind of metric; "
        "each council's alone in <council>/metrics.xlsx",
        "as metrics.csv, headed in words with the metrics.csv name in brackets; the Notes sheet explains each",
    ),
    (
        "audit.csv",
        "every published percentage, change and total checked against the counts it describes, and every "
        "figure the documents give two values",
        "council, year, measure, category; check, stated, counts_give, verdict and detail; quote, source, "
        "file and line say where the figure was printed",
    ),
    (
        "figures.csv",
        "every published figure, after one value is chosen for each",
        "council, year, measure, category; value (or pct of pct_of), basis, contested, values_stated, allowed "
        "and chosen_by; source, file, line and quote",
    ),
    (
        "monthly.csv",
        "from complaint records: complaints received and answered by month (the control charts)",
        "council, procedure, month; received, responded, within_10wd, within_20wd",
    ),
    (
        "changes.csv",
        "from complaint records: the share answered in time before and after each process change",
        "council, date, description, target_days; n, k and p with their interval before and after; difference "
        "with its interval, p_value, q_value, too_few, significant, synthetic",
    ),
    (
        "records_files.csv",
        "every complaint extract read",
        "file, council, year, kind; private, used, synthetic; rows, kept, set_aside and set_aside_file",
    ),
]
FORMAT_NAMES = {"html": "web page", "pdf": "PDF (A4)", "docx": "Word"}
SPARSE = 3  # a report covering this many of the guidance's items or fewer is marked as having little in it


class Job(Protocol):
    """A report: its council (or 'benchmark'), year and kind."""

    council: str
    year: str
    kind: str


@dataclass(frozen=True)
class _BenchmarkJob:
    year: str
    council: str = BENCHMARK
    kind: str = "council"


def _council_name(paths: Paths, council: str) -> str:
    try:
        with open(paths.councils / f"{council}.toml", "rb") as f:
            return str(tomllib.load(f).get("name") or council)
    except (OSError, tomllib.TOMLDecodeError):
        return council


def report_status(paths: Paths, job: Job) -> str:
    """ok (report.html exists); stale (the last run failed to rebuild it, and the report built before
    is still there); failed (report.failed.ipynb and no report); or missing."""
    kind = getattr(job, "kind", "council")
    built = paths.report_html(job.council, job.year, kind).exists()
    if paths.report_failed(job.council, job.year, kind).exists():
        return "stale" if built else "failed"
    return "ok" if built else "missing"


def _contents(path: Path) -> dict:
    """What a report holds (Paths.report_contents, written with it); empty if there is none."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _entry(paths: Paths, job: Job, names: dict) -> dict:
    kind = getattr(job, "kind", "council")
    folder = paths.report_dir(job.council, job.year, kind)
    href = folder.relative_to(paths.outputs).as_posix()
    contents = _contents(paths.report_contents(job.council, job.year, kind))
    covered, missing = contents.get("covered", []), contents.get("not_covered", [])
    return {
        "year": job.year,
        "name": names.get(job.council, job.council),
        "status": report_status(paths, job),
        "href": f"{href}/report.html",
        "failed": f"{href}/report.failed.ipynb",
        "formats": [
            (FORMAT_NAMES[f], f"{href}/report.{f}") for f in ("pdf", "docx") if (folder / f"report.{f}").exists()
        ],
        "covered": covered,
        "not_covered": missing,
        "sparse": bool(contents) and len(covered) <= SPARSE,
        "sections": contents.get("sections", []),
    }


def render_index(paths: Paths, jobs: Sequence[Job], restated: Sequence[Job] = (), public: bool = False) -> str:
    """The index page. `public`: the reports are the public versions (--public), and the unsuppressed
    data files are not linked."""
    councils = sorted({j.council for j in [*jobs, *restated] if j.council != BENCHMARK})
    names = {c: _council_name(paths, c) for c in councils}
    own = [j for j in jobs if getattr(j, "kind", "council") == "council" and j.council != BENCHMARK]
    demos = [j for j in jobs if getattr(j, "kind", "council") == DEMONSTRATION]
    code = [j for j in jobs if getattr(j, "kind", "council") == CODE]
    code_demos = [j for j in jobs if getattr(j, "kind", "council") == CODE_DEMONSTRATION]

    def newest_first(items):
        by_name = sorted(items, key=lambda j: names[j.council])
        return sorted(by_name, key=lambda j: j.year, reverse=True)  # stable: councils A-Z in a year

    council_reports = [_entry(paths, j, names) for j in newest_first(own)]
    by_council = [
        (names[c], [_entry(paths, j, names) for j in newest_first([j for j in own if j.council == c])])
        for c in sorted({j.council for j in own}, key=lambda c: names[c])
    ]
    restated_years = [
        (names[c], sorted(j.year for j in restated if j.council == c))
        for c in sorted({j.council for j in restated}, key=lambda c: names[c])
    ]
    bench_jobs = [
        _BenchmarkJob(p.parent.name) for p in sorted((paths.outputs / BENCHMARK).glob("*/report.html"), reverse=True)
    ]
    bench = [_entry(paths, j, {BENCHMARK: "Councils side by side"}) for j in bench_jobs]
    return (
        render(
            "index.html.j2",
            council_reports=council_reports,
            by_council=by_council,
            restated=restated_years,
            demonstrations=[_entry(paths, j, names) for j in newest_first(demos)],
            code_reports=[_entry(paths, j, names) for j in newest_first(code)],
            code_demonstrations=[_entry(paths, j, names) for j in newest_first(code_demos)],
            benchmarks=bench,
            data_files=[(f, what, columns) for f, what, columns in DATA_FILES if (paths.outputs / f).exists()],
            sparse=SPARSE,
            public=public,
        )
        + "\n"
    )
