"""outputs/index.html: every report, linked, newest year first; plain HTML, no scripts.

Two views of the same reports: one list newest year first across councils (the contract in
docs/methods.md), then one section per council, newest year first. A report that failed in the last
run is marked and links to its executed notebook (report.failed.ipynb) with the traceback; a
report that was never built (for example after a run with --council) says so. Benchmark reports
(outputs/benchmark/<year>/report.html) are listed when they exist.
"""

from __future__ import annotations

import html
import tomllib
from collections.abc import Sequence
from typing import Protocol

from ..inputs.paths import FAILED_IPYNB, REPORT_HTML, Paths


class Job(Protocol):
    """A report: its council (or 'benchmark') and year."""

    council: str
    year: str


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.5;
       max-width: 48rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.4rem; margin-top: 2rem; } h3 { font-size: 1.15rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #b1b4b6; }
a { color: #1d70b8; } a:focus { outline: 3px solid #ffdd00; }
.failed { color: #a0191a; font-weight: bold; }
.missing { color: #505a5f; }
"""


def _council_name(paths: Paths, council: str) -> str:
    try:
        with open(paths.councils / f"{council}.toml", "rb") as f:
            return str(tomllib.load(f).get("name") or council)
    except (OSError, tomllib.TOMLDecodeError):
        return council


def report_status(paths: Paths, job: Job) -> str:
    """ok (report.html exists), failed (report.failed.ipynb exists) or missing."""
    if paths.report_failed(job.council, job.year).exists():
        return "failed"
    return "ok" if paths.report_html(job.council, job.year).exists() else "missing"


def _cell(paths: Paths, job: Job, label: str) -> str:
    status = report_status(paths, job)
    base = f"{job.council}/{job.year}/"
    text = html.escape(label)
    if status == "ok":
        return f'<a href="{html.escape(base + REPORT_HTML)}">{text}</a>'
    if status == "failed":
        return (
            f'{text} <span class="failed">failed</span> '
            f'(<a href="{html.escape(base + FAILED_IPYNB)}">executed notebook with the error</a>)'
        )
    return f'{text} <span class="missing">not built</span>'


def render_index(paths: Paths, jobs: Sequence[Job]) -> str:
    names = {c: _council_name(paths, c) for c in sorted({j.council for j in jobs})}
    by_name = sorted(jobs, key=lambda j: names[j.council])
    newest_first = sorted(by_name, key=lambda j: j.year, reverse=True)  # stable: councils A-Z in a year
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Complaints to children's services: reports</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<h1>Complaints to children's services: reports</h1>",
        f"<p>{len(jobs)} reports, one for each council and year with published figures.</p>",
        "<h2>Data</h2>",
        "<ul>",
        '<li><a href="metrics.csv">metrics.csv</a>: every metric for every council and year</li>',
        '<li><a href="audit.csv">audit.csv</a>: every published figure checked against its counts</li>',
        "</ul>",
        "<h2>All reports, newest year first</h2>",
        "<table>",
        "<caption>Council reports by financial year</caption>",
        '<thead><tr><th scope="col">Year</th><th scope="col">Council</th><th scope="col">Report</th></tr></thead>',
        "<tbody>",
    ]
    for job in newest_first:
        out.append(
            f"<tr><td>{html.escape(job.year)}</td><td>{html.escape(names[job.council])}</td>"
            f"<td>{_cell(paths, job, f'{names[job.council]} {job.year}')}</td></tr>"
        )
    out += ["</tbody>", "</table>", "<h2>Reports by council</h2>"]
    for council, name in sorted(names.items(), key=lambda kv: kv[1]):
        out.append(f"<h3>{html.escape(name)}</h3>")
        out.append("<ul>")
        for job in sorted((j for j in jobs if j.council == council), key=lambda j: j.year, reverse=True):
            out.append(f"<li>{_cell(paths, job, job.year)}</li>")
        out.append("</ul>")
    bench = sorted(
        (p for p in (paths.outputs / "benchmark").glob("*/report.html")), key=lambda p: p.parent.name, reverse=True
    )
    if bench:
        out += ["<h2>Councils side by side</h2>", "<ul>"]
        for p in bench:
            year = p.parent.name
            out.append(f'<li><a href="benchmark/{html.escape(year)}/report.html">{html.escape(year)}</a></li>')
        out.append("</ul>")
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)
