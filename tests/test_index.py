"""outputs/index.html guides: what each report covers, which are restated or synthetic, every format,
every data file with its columns; years never wrap."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest

from complaints.inputs.paths import REPORT_CONTENTS, Paths
from complaints.reporting.index_page import DATA_FILES, render_index


@dataclass(frozen=True)
class Job:
    council: str
    year: str
    kind: str = "council"


class Rows(HTMLParser):
    """Each table row's cells as text, and every element's class."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.year_spans: list[str] = []
        self._year = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.cell = []
        if "year" in (attrs.get("class") or "").split():
            self._year = True
            self.year_spans.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None
        if tag in ("td", "span"):
            self._year = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self._year:
            self.year_spans[-1] += data


def report(paths: Paths, job: Job, contents: dict | None, formats=("html", "pdf", "docx")) -> None:
    folder = paths.report_dir(job.council, job.year, job.kind)
    folder.mkdir(parents=True)
    for f in formats:
        (folder / f"report.{f}").write_text("x")
    if contents is not None:
        (folder / REPORT_CONTENTS).write_text(json.dumps(contents))


@pytest.fixture
def index(project) -> tuple[str, Rows]:
    paths = project
    full = {"covered": ["Complaints received", "Outcomes", "Timescales", "The Ombudsman"], "not_covered": ["Learning"]}
    sparse = {"covered": ["Timescales"], "not_covered": ["Complaints received", "Outcomes", "Learning"]}
    jobs = [
        Job("dudley", "2024-25"),
        Job("dudley", "2020-21"),
        Job("dorset", "2023-24"),
        Job("dudley", "2024-25", "demonstration"),
    ]
    report(paths, jobs[0], full)
    report(paths, jobs[1], sparse, formats=("html",))
    report(paths, jobs[2], None)  # built by a notebook that wrote no contents
    report(paths, jobs[3], {**full, "synthetic": True})
    (paths.outputs / "benchmark" / "2024-25").mkdir(parents=True)
    (paths.outputs / "benchmark" / "2024-25" / "report.html").write_text("x")
    (paths.outputs / "benchmark" / "2024-25" / REPORT_CONTENTS).write_text(json.dumps({"sections": ["Side by side"]}))
    for name, _what, _columns in DATA_FILES:
        (paths.outputs / name).write_text("x")
    html = render_index(paths, jobs, restated=[Job("dudley", "2019-20"), Job("dudley", "2021-22")])
    parser = Rows()
    parser.feed(html)
    return html, parser


def row(parser: Rows, *starts: str) -> list[str]:
    found = [r for r in parser.rows if r[: len(starts)] == list(starts)]
    assert len(found) == 1, (starts, parser.rows)
    return found[0]


def test_each_report_says_what_it_covers_from_its_own_contents(index):
    _html, parser = index
    cells = row(parser, "2024-25", "Dudley Metropolitan Borough Council", "Web page · PDF (A4) · Word")
    assert cells[3] == (
        "4 of the guidance's 5 items: Complaints received; Outcomes; Timescales; The Ombudsman. "
        "Not published: Learning."
    )
    sparse = row(parser, "2020-21", "Dudley Metropolitan Borough Council")
    assert sparse[3].startswith("Little published: 1 of the guidance's 4 items: Timescales.")
    assert row(parser, "2023-24", "Dorset Council")[3] == "not recorded"


def test_every_format_built_is_linked_and_only_those(index):
    html, parser = index
    assert row(parser, "2024-25", "Dudley Metropolitan Borough Council", "Web page · PDF (A4) · Word")
    assert row(parser, "2020-21", "Dudley Metropolitan Borough Council")[2] == "Web page"
    for href in ["dudley/2024-25/report.html", "dudley/2024-25/report.pdf", "dudley/2024-25/report.docx"]:
        assert f'href="{href}"' in html
    assert 'href="dudley/2020-21/report.pdf"' not in html


def test_synthetic_demonstrations_are_apart_and_say_so(index):
    html, parser = index
    demos = html.split("<h2>Synthetic demonstrations</h2>")[1].split("<h2>")[0]
    assert "SYNTHETIC" in demos and "Not real complaints" in demos
    assert 'href="demonstration/dudley/2024-25/report.html"' in demos
    assert row(parser, "2024-25", "Dudley Metropolitan Borough Council", "Synthetic: Web page · PDF (A4) · Word")
    council_part = html.split("<h2>Synthetic demonstrations</h2>")[0]
    assert "demonstration/" not in council_part


def test_restated_years_are_listed_as_having_no_report_of_their_own(index):
    html, _parser = index
    restated = html.split("<h2>Years known only from figures restated in later documents</h2>")[1].split("<h2>")[0]
    assert "no report of their own" in restated.lower()
    assert "2019-20" in restated and "2021-22" in restated and "report.html" not in restated


def test_every_data_file_is_linked_with_a_guide_to_its_columns(index):
    html, parser = index
    for name, what, columns in DATA_FILES:
        assert f'href="{name}"' in html
        assert row(parser, name) == [name, what, columns]
    metrics = next(c for n, _w, c in DATA_FILES if n == "metrics.csv")
    for column in ["value", "ci_low", "ci_high", "p_value", "q_value", "verdict", "synthetic"]:
        assert column in metrics


def test_years_never_wrap(index):
    html, parser = index
    assert "td.year, .year { white-space: nowrap; }" in html
    years = re.findall(r"\d{4}-\d{2}", " ".join(parser.year_spans))
    assert {"2024-25", "2020-21", "2023-24", "2019-20", "2021-22"} <= set(years)
    assert all(re.fullmatch(r"\d{4}-\d{2}", y) for y in parser.year_spans)  # one year to a span


def test_the_benchmarking_report_is_linked(index):
    html, _parser = index
    assert 'href="benchmark/2024-25/report.html"' in html


def test_the_public_index_does_not_link_the_unsuppressed_data_files(project):
    for name, _what, _columns in DATA_FILES:
        (project.outputs / name).write_text("x")
    html = render_index(project, [Job("dudley", "2024-25")], public=True)
    assert not any(f'href="{name}"' in html for name, _w, _c in DATA_FILES)
    assert "withheld" in html and "do not publish the outputs folder as a whole" in html
