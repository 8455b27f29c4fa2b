"""The council report: declared as data, summary first, honest on every page, escaped.

Built from the fixture data's outputs (conftest.py's `built`), rendered once per session; a council
that exists only in this test (with measures no shipped council has) shows that its figures land in
the sections their definitions name, with no code change.
"""

from __future__ import annotations

import functools
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from conftest import edit_csv

from complaints.inputs.definitions import load_definitions
from complaints.inputs.paths import Paths
from complaints.reporting.council_report import load_report
from complaints.running.batch import plan_jobs
from complaints.running.pipeline import compute, write_results

COUNCIL_REPORTS = [
    ("dudley", "2024-25"),
    ("dudley", "2022-23"),
    ("dudley", "2020-21"),
    ("telford-wrekin", "2024-25"),
    ("dorset", "2023-24"),
]
DEMONSTRATIONS = [
    ("dudley", "2024-25"),
    ("dudley", "2022-23"),
    ("dudley", "2020-21"),
    ("telford-wrekin", "2024-25"),
    ("dorset", "2023-24"),
]


def render(paths: Paths, council: str, year: str, kind: str = "council") -> dict[str, str]:
    report = load_report(council, year, data_dir=str(paths.data), outputs_dir=str(paths.outputs), kind=kind)
    return {name: report.section(name) for name in report.SECTIONS}


@functools.cache
def _rendered(data: str, outputs: str, council: str, year: str, kind: str) -> dict[str, str]:
    return render(Paths(Path(data), Path(outputs)), council, year, kind)


def rendered(built: Paths, council: str, year: str, kind: str = "council") -> dict[str, str]:
    """The sections of one report of the fixture data's outputs, rendered once per session (read only)."""
    return _rendered(str(built.data), str(built.outputs), council, year, kind)


class Page(HTMLParser):
    """The visible text of a page, and its tables (rows of cells with their classes)."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "table":
            self.tables.append({"kind": attrs.get("data-kind", ""), "rows": []})
        if tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        if tag in ("td", "th") and self.tables:
            self._cell = []
            self._class = attrs.get("class", "") or ""
            self._tag = tag

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1]["rows"][-1].append((self._tag, self._class, "".join(self._cell).strip()))
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def every_page(built):
    for council, year in COUNCIL_REPORTS:
        yield (council, year, "council"), rendered(built, council, year)
    for council, year in DEMONSTRATIONS:
        yield (council, year, "demonstration"), rendered(built, council, year, "demonstration")


# --------------------------------------------------------------------------- structure


def test_the_plan_builds_reports_only_for_years_with_a_document_of_their_own(results):
    plan = plan_jobs(results)
    council = {(j.council, j.year) for j in plan.reports if j.kind == "council"}
    assert council == set(COUNCIL_REPORTS)
    assert {(j.council, j.year) for j in plan.reports if j.kind == "demonstration"} == set(DEMONSTRATIONS)
    assert {("dudley", "2019-20"), ("dorset", "2021-22")} <= {(j.council, j.year) for j in plan.restated}


def test_summary_first_then_the_guidance_sections_then_the_appendix(built):
    report = load_report("dudley", "2022-23", data_dir=str(built.data), outputs_dir=str(built.outputs))
    sections = report.SECTIONS
    assert sections[:3] == ("title", "summary", "coverage")
    assert sections[-1] == "appendix"
    defs = load_definitions(built)
    assert list(sections[3 : 3 + len(defs.sections)]) == list(defs.sections.index)
    page = rendered(built, "dudley", "2022-23")
    assert "<h2" in page["summary"] and "What changed and how sure we are" in page["summary"]
    messages = re.findall(r"<li>", page["summary"])
    assert 1 <= len(messages) <= 8


def test_the_notebook_has_a_cell_for_every_section():
    import nbformat

    notebook = nbformat.read(Path(__file__).parents[1] / "notebooks" / "council_report.ipynb", as_version=4)
    shown = re.findall(r'report\.show\("([a-z_]+)"\)', "\n".join(c.source for c in notebook.cells))
    defs = load_definitions(Paths(Path(__file__).parent / "fixtures" / "data", Path("/nonexistent")))
    assert shown == ["title", "summary", "coverage", *defs.sections.index, "records", "disagreements", "appendix"]


@pytest.mark.parametrize("council, year", COUNCIL_REPORTS)
def test_every_section_renders(built, council, year):
    sections = rendered(built, council, year)
    assert all(isinstance(html, str) and html for html in sections.values())
    assert "<h1>" in sections["title"]


def test_a_section_with_nothing_published_says_so_in_one_line(built):
    sections = rendered(built, "dorset", "2023-24")
    assert "Dorset published nothing about this for 2023-24." in sections["stages"]
    assert "Not published for 2023-24" in sections["coverage"]


def test_sentences_trace_to_metrics_rows(built):
    sections = rendered(built, "dudley", "2024-25")
    metrics = pd.read_csv(built.metrics_csv, dtype=str)
    keys = set(metrics["council"] + "/" + metrics["year"] + "/" + metrics["metric"])
    traced = re.findall(r'data-metric="([^"]+)"', "".join(sections.values()))
    assert traced and set(traced) <= keys


def test_no_earlier_year_only_when_none_exists(built):
    """Dudley 2024-25: the year before is not published for its statutory complaints, but 2022-23 is."""
    page = "".join(rendered(built, "dudley", "2024-25").values())
    assert "the latest earlier one is 8 in 2022-23" in page


def test_a_report_shows_its_year_and_earlier_years_only(built):
    report = load_report("dudley", "2022-23", data_dir=str(built.data), outputs_dir=str(built.outputs))
    assert report.metrics["year"].max() == "2022-23" and report.figures["year"].max() == "2022-23"
    later = load_report("dudley", "2024-25", data_dir=str(built.data), outputs_dir=str(built.outputs))
    key = ["year", "metric", "value"]
    same = later.metrics[later.metrics["year"] <= "2022-23"][key].reset_index(drop=True)
    pd.testing.assert_frame_equal(report.metrics[key].reset_index(drop=True), same)  # one series in all reports


# --------------------------------------------------------------------------- honest on every page

IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PATH = re.compile(r"\b(?:data|outputs|src)/|\.(?:csv|txt|toml|ipynb|py)\b")
HASH = re.compile(r"\b[0-9a-f]{64}\b")


def test_no_identifier_path_or_hash_outside_the_appendix(built):
    defs = load_definitions(built)
    identifiers = set(defs.metrics.index) | set(defs.measures.index)
    for which, sections in every_page(built):
        for name, html in sections.items():
            if name == "appendix":
                continue
            text = " ".join(parse(html).text)
            found = [w for w in IDENTIFIER.findall(text) if w in identifiers]
            assert not found, (which, name, found[:5])
            assert not PATH.search(text), (which, name, PATH.search(text).group(0))
            assert not HASH.search(text), (which, name)
    appendix = parse(rendered(built, "dudley", "2022-23")["appendix"])
    assert "statutory_received" in " ".join(appendix.text) and HASH.search(" ".join(appendix.text))


def test_significance_and_too_few_never_share_a_sentence(built):
    """In the prose: table cells hold one verdict phrase each (checked in test_narrative.py)."""
    for which, sections in every_page(built):
        prose = [re.sub(r"<table.*?</table>", " ", html, flags=re.S) for html in sections.values()]
        text = " ".join(" ".join(parse(html).text) for html in prose)
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            assert not ("statistically significant" in sentence and "too few" in sentence), (which, sentence)


PERCENT = re.compile(r"\d+(?:\.\d+)?%")


def test_one_percentage_per_category_in_every_outcome_and_timeliness_table(built):
    checked = 0
    for which, sections in every_page(built):
        for html in sections.values():
            for t in parse(html).tables:
                if t["kind"] not in ("outcomes", "timeliness"):
                    continue
                for row in t["rows"][1:]:  # the first row is the header
                    shares = [text for tag, cls, text in row if "share" in cls.split()]
                    assert len(shares) == 1, (which, row)
                    for _tag, cls, text in row:
                        if "share" in cls.split():
                            assert len(PERCENT.findall(text)) <= 1, (which, row)
                        else:  # anything else is a count, words, or an interval 'a% to b%'
                            assert not PERCENT.findall(re.sub(r"\d+(?:\.\d+)?% to \d+(?:\.\d+)?%", "", text)), (
                                which,
                                row,
                            )
                    checked += 1
    assert checked > 20


def test_a_stated_percentage_the_counts_do_not_give_is_marked_as_the_documents(built):
    """Dudley 2022-23: 4 of 8 statutory complaints partially upheld is 50%; the document says 44%."""
    outcomes = rendered(built, "dudley", "2022-23")["outcomes"]
    page = parse(outcomes)
    partially = [
        row for t in page.tables for row in t["rows"] if row and row[0][2].startswith("Statutory complaints partially")
    ]
    assert partially and partially[0][-1][2] == "50%"
    assert "the council's document says 44%; 4 of 8 is 50%" in " ".join(page.text)


def test_headlines_on_contested_figures_say_so(built):
    summary = rendered(built, "dudley", "2022-23")["summary"]
    text = " ".join(parse(summary).text)
    assert "Compliments received *" in text or "depends on which published figure is right" in text
    assert "The documents give more than one value for a figure behind this" in text


# --------------------------------------------------------------------------- synthetic never passes for real


@pytest.mark.parametrize(
    "council, year",
    [("dorset", "2023-24"), ("telford-wrekin", "2024-25"), ("dudley", "2022-23"), ("dudley", "2024-25")],
)
def test_council_reports_hold_no_figure_from_a_synthetic_extract(built, council, year):
    report = load_report(council, year, data_dir=str(built.data), outputs_dir=str(built.outputs))
    assert (report.metrics["source"] == "published").all()
    assert (report.figures["basis"] != "records").all()
    assert report.records_metrics.empty and report.records_figures.empty
    page = " ".join(" ".join(parse(html).text) for html in rendered(built, council, year).values())
    assert "ynthetic" not in page
    metrics = pd.read_csv(built.metrics_csv, dtype={"year": str})
    mine = metrics[(metrics["council"] == council) & (metrics["year"] == year)]
    only_records = set(mine.loc[mine["source"] == "records", "metric"]) - set(
        mine.loc[mine["source"] == "published", "metric"]
    )
    labels = load_definitions(built).metrics["description"]
    for metric in only_records:  # a figure only the synthetic extract gives is nowhere in the report
        assert f'/{year}/{metric}"' not in "".join(rendered(built, council, year).values()), metric
        assert labels[metric] not in page or metric in {"complaints_received"}, metric


@pytest.mark.parametrize("council, year", DEMONSTRATIONS)
def test_demonstrations_say_synthetic_in_every_title_caption_and_alt_text(built, council, year):
    sections = rendered(built, council, year, "demonstration")
    html = "".join(sections.values())
    assert "Synthetic demonstration" in sections["title"] and "SYNTHETIC" in sections["title"]
    captions = re.findall(r"<caption[^>]*>(.*?)</caption>", html, flags=re.S)
    assert captions
    for caption in captions:
        if caption.startswith(("Numbers in the chart", "Metric identifiers", "Parameters", "Package", "Input files")):
            continue
        assert caption.startswith("Synthetic data: "), caption
    for figcaption in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", html, flags=re.S):
        assert figcaption.startswith("Synthetic data: "), figcaption
    for alt in re.findall(r'alt="([^"]*)"', html):
        assert alt.startswith("Synthetic data."), alt[:80]


def test_demonstration_compares_the_records_with_the_published_figures(built):
    records = rendered(built, "dudley", "2022-23", "demonstration")["records"]
    assert "Published figures against the records" in records
    assert "Month by month" in records and "<img" in records


def test_reports_show_no_complaint_references(built):
    from complaints.inputs.records import load_records

    complaints = load_records(built, load_definitions(built)).complaints
    references = set(complaints["reference"].astype(str))
    pattern = re.compile("|".join(map(re.escape, sorted(references, key=len, reverse=True))))
    for which, sections in every_page(built):
        found = pattern.findall("".join(sections.values()))
        assert found == [], (which, found[:3])


# --------------------------------------------------------------------------- the rest


def test_audit_section_quotes_the_documents(built):
    sections = rendered(built, "dudley", "2022-23")
    assert "Figures the documents disagree on" in sections["disagreements"]
    assert "<blockquote>" in sections["disagreements"]
    assert "4 were partially upheld 44%" in sections["disagreements"]


def test_appendix_lists_hashes_versions_and_parameters(built):
    appendix = rendered(built, "telford-wrekin", "2024-25")["appendix"]
    assert re.search(r"[0-9a-f]{64}", appendix)
    assert "pandas" in appendix and "telford-wrekin" in appendix and "UTC" in appendix
    assert "/tmp/" not in appendix and str(built.data) not in appendix  # no machine paths


def test_text_from_data_is_escaped(project):
    def edit(frame):
        frame.loc[0, "action"] = "<script>alert('x')</script> & more"
        return frame

    edit_csv(project.data / "learning/learning.csv", edit)
    write_results(compute(project), project)
    report = load_report("dudley", "2022-23", data_dir=str(project.data), outputs_dir=str(project.outputs))
    learning = report.section("learning")
    assert "<script>" not in learning and "&lt;script&gt;" in learning


def test_unknown_council_is_refused(built):
    with pytest.raises(ValueError, match="unknown council 'narnia'"):
        load_report("narnia", "2024-25", data_dir=str(built.data), outputs_dir=str(built.outputs))


# --------------------------------------------------------------------------- a council only this test knows

NEWTOWN = """id = "newtown"
name = "Newtown Borough Council"
short_name = "Newtown"
procedures = ["statutory"]
notes = ["A council made up for a test, with measures no shipped council has."]
[contacts]
measure = ""
definition = ""
"""
NEW_MEASURES = [
    # measure, unit, by_category, sum_of, part_of, partition, exhaustive, section, order, chart, description
    # (the counts column, what one counts, is added as 'complaint')
    (
        "representations_all_kinds",
        "count",
        "no",
        "",
        "",
        "",
        "no",
        "representations",
        "5",
        "",
        "Complaints of all kinds, every stage and the Ombudsman",
    ),
    ("resolved_locally", "count", "no", "", "", "", "no", "outcomes", "95", "", "Complaints resolved locally"),
    (
        "adr_cases",
        "count",
        "no",
        "",
        "",
        "",
        "no",
        "effectiveness",
        "50",
        "",
        "Complaints settled by alternative dispute resolution",
    ),
    (
        "ombudsman_referred_back",
        "count",
        "no",
        "",
        "",
        "",
        "no",
        "ombudsman",
        "90",
        "",
        "Ombudsman cases referred back to the council",
    ),
]
NEW_METRICS = [
    # metric, kind, numerator, denominator, exposure, section, order, headline, chart, description
    (
        "representations_all_kinds",
        "count",
        "representations_all_kinds",
        "",
        "",
        "representations",
        "5",
        "yes",
        "",
        "Complaints of all kinds, every stage and the Ombudsman",
    ),
    (
        "resolved_locally_rate",
        "proportion",
        "resolved_locally",
        "representations_all_kinds",
        "",
        "outcomes",
        "95",
        "yes",
        "",
        "Complaints resolved locally",
    ),
    (
        "adr_cases",
        "count",
        "adr_cases",
        "",
        "",
        "effectiveness",
        "50",
        "no",
        "",
        "Complaints settled by alternative dispute resolution",
    ),
    (
        "ombudsman_referred_back",
        "count",
        "ombudsman_referred_back",
        "",
        "",
        "ombudsman",
        "90",
        "no",
        "",
        "Ombudsman cases referred back to the council",
    ),
]
SOURCE_TEXT = (
    "Newtown complaints report 2024-25. We received 120 complaints of all kinds in 2024-25, against 100 in 2023-24. "
    "Of these, 80 were resolved locally, against 50 in 2023-24. Alternative dispute resolution settled 12 complaints. "
    "The Ombudsman referred back 3 cases."
)


def add_newtown(paths: Paths) -> None:
    (paths.councils / "newtown.toml").write_text(NEWTOWN, encoding="utf-8")
    (paths.source_documents / "newtown_2024-25.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    sources = pd.read_csv(paths.sources_file, dtype=str, keep_default_na=False)
    sources.loc[len(sources)] = {
        "source": "newtown_2024-25.txt",
        "council": "newtown",
        "report_year": "2024-25",
        "title": "Newtown complaints report 2024-25",
        "kind": "annual report",
    }
    sources.to_csv(paths.sources_file, index=False, lineterminator="\n")
    for path, rows in ((paths.measures_file, NEW_MEASURES), (paths.metrics_definitions_file, NEW_METRICS)):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for row in rows:
            if path == paths.measures_file:  # what one of it counts, before its description
                row = (*row[:-1], "complaint", row[-1])
            frame.loc[len(frame)] = dict(zip(frame.columns, row, strict=True))
        frame.to_csv(path, index=False, lineterminator="\n")
    template = pd.read_csv(next((paths.published / "dudley").glob("*.csv")), dtype=str, keep_default_na=False)
    quotes = {
        ("representations_all_kinds", "2024-25"): (
            "120",
            "We received 120 complaints of all kinds in 2024-25, against 100 in 2023-24.",
        ),
        ("representations_all_kinds", "2023-24"): (
            "100",
            "We received 120 complaints of all kinds in 2024-25, against 100 in 2023-24.",
        ),
        ("resolved_locally", "2024-25"): ("80", "Of these, 80 were resolved locally, against 50 in 2023-24."),
        ("resolved_locally", "2023-24"): ("50", "Of these, 80 were resolved locally, against 50 in 2023-24."),
        ("adr_cases", "2024-25"): ("12", "Alternative dispute resolution settled 12 complaints."),
        ("ombudsman_referred_back", "2024-25"): ("3", "The Ombudsman referred back 3 cases."),
    }
    rows = []
    for (measure, year), (value, quote) in quotes.items():
        row = dict.fromkeys(template.columns, "")
        row.update(
            council="newtown",
            year=year,
            measure=measure,
            value=value,
            source="newtown_2024-25.txt",
            section="Complaints",
            section_role="detail",
            quote=quote,
        )
        rows.append(row)
    (paths.published / "newtown").mkdir()
    pd.DataFrame(rows, columns=template.columns).to_csv(
        paths.published / "newtown" / "2024-25_report.csv", index=False, lineterminator="\n"
    )


def test_a_council_known_only_to_this_test_lands_its_new_measures_in_their_sections(project):
    add_newtown(project)
    write_results(compute(project), project)
    report = load_report("newtown", "2024-25", data_dir=str(project.data), outputs_dir=str(project.outputs))
    sections = {name: report.section(name) for name in report.SECTIONS}
    for metric, *_, section, _order, _headline, _chart, _description in NEW_METRICS:
        trace = f'data-metric="newtown/2024-25/{metric}"'
        assert trace in sections[section], (metric, section)
        elsewhere = [n for n, html in sections.items() if trace in html and n not in (section, "summary")]
        assert not elsewhere, (metric, elsewhere)
    assert "Complaints of all kinds" in sections["summary"]  # a headline candidate by its definition
    assert "Not published for 2024-25" in sections["coverage"]  # newtown publishes no timescales
    shutil.rmtree(project.outputs)
