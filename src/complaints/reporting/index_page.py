"""outputs/index.html: every report, linked, newest year first; plain HTML, no scripts.

Council reports (newest year first, then by council), the years known only from figures restated in
later documents, the synthetic demonstrations (plainly marked), the benchmarking reports, and the
CSVs with a one-line guide to each. A report that failed in the last run is marked and links to its
executed notebook (report.failed.ipynb) with the traceback; a report that was never built (for
example after a run with --council) says so. The page comes from templates/index.html.j2.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from typing import Protocol

from ..inputs.paths import BENCHMARK, DEMONSTRATION, Paths
from .templating import render

DATA_FILES = [
    (
        "metrics.csv",
        "one row per council, year, metric and source: the value, its 95% interval, the change from the "
        "year before with its test, q-value and verdict (the columns are described in docs/methods.md)",
    ),
    (
        "audit.csv",
        "every published percentage, change and total checked against the counts it describes, and "
        "every figure the documents give two values",
    ),
    ("figures.csv", "every figure after one value is chosen for each, with the file, line and sentence it came from"),
    ("monthly.csv", "from complaint records: complaints received and answered by month (the control charts)"),
    ("changes.csv", "from complaint records: the share answered in time before and after each process change"),
    ("records_files.csv", "every complaint extract read: rows, rows kept and set aside, and whether it is synthetic"),
]


class Job(Protocol):
    """A report: its council (or 'benchmark'), year and kind."""

    council: str
    year: str
    kind: str


def _council_name(paths: Paths, council: str) -> str:
    try:
        with open(paths.councils / f"{council}.toml", "rb") as f:
            return str(tomllib.load(f).get("name") or council)
    except (OSError, tomllib.TOMLDecodeError):
        return council


def report_status(paths: Paths, job: Job) -> str:
    """ok (report.html exists), failed (report.failed.ipynb exists) or missing."""
    kind = getattr(job, "kind", "council")
    if paths.report_failed(job.council, job.year, kind).exists():
        return "failed"
    return "ok" if paths.report_html(job.council, job.year, kind).exists() else "missing"


def _entry(paths: Paths, job: Job, names: dict) -> dict:
    kind = getattr(job, "kind", "council")
    folder = paths.report_dir(job.council, job.year, kind).relative_to(paths.outputs).as_posix()
    return {
        "year": job.year,
        "name": names[job.council],
        "status": report_status(paths, job),
        "href": f"{folder}/report.html",
        "failed": f"{folder}/report.failed.ipynb",
    }


def render_index(paths: Paths, jobs: Sequence[Job], restated: Sequence[Job] = ()) -> str:
    councils = sorted({j.council for j in [*jobs, *restated] if j.council != BENCHMARK})
    names = {c: _council_name(paths, c) for c in councils}
    own = [j for j in jobs if getattr(j, "kind", "council") != DEMONSTRATION and j.council != BENCHMARK]
    demos = [j for j in jobs if getattr(j, "kind", "council") == DEMONSTRATION]

    def newest_first(items):
        by_name = sorted(items, key=lambda j: names[j.council])
        return sorted(by_name, key=lambda j: j.year, reverse=True)  # stable: councils A-Z in a year

    council_reports = [_entry(paths, j, names) for j in newest_first(own)]
    by_council = [
        (names[c], [_entry(paths, j, names) for j in newest_first([j for j in own if j.council == c])])
        for c in sorted({j.council for j in own}, key=lambda c: names[c])
    ]
    restated_years = [
        (names[c], ", ".join(sorted(j.year for j in restated if j.council == c)))
        for c in sorted({j.council for j in restated}, key=lambda c: names[c])
    ]
    bench = sorted((p.parent.name for p in (paths.outputs / BENCHMARK).glob("*/report.html")), reverse=True)
    return (
        render(
            "index.html.j2",
            council_reports=council_reports,
            by_council=by_council,
            restated=restated_years,
            demonstrations=[_entry(paths, j, names) for j in newest_first(demos)],
            benchmarks=bench,
            data_files=[(f, guide) for f, guide in DATA_FILES if (paths.outputs / f).exists()],
        )
        + "\n"
    )
