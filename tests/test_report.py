"""The council report's sections: built from the outputs, honest about what is missing, escaped."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import edit_csv

from complaints.inputs.paths import Paths
from complaints.reporting.council_report import SECTIONS, load_report
from complaints.running.pipeline import compute, write_results


def render(paths: Paths, council: str, year: str) -> dict[str, str]:
    report = load_report(council, year, data_dir=str(paths.data), outputs_dir=str(paths.outputs))
    return {name: report.section(name) for name in SECTIONS}


@functools.cache
def _rendered(data: str, outputs: str, council: str, year: str) -> dict[str, str]:
    return render(Paths(Path(data), Path(outputs)), council, year)


def rendered(built: Paths, council: str, year: str) -> dict[str, str]:
    """The sections of one report of the fixture data's outputs, rendered once per session (read only)."""
    return _rendered(str(built.data), str(built.outputs), council, year)


@pytest.mark.parametrize(
    "council, year",
    [
        ("dudley", "2024-25"),
        ("dudley", "2022-23"),
        ("dudley", "2020-21"),
        ("telford-wrekin", "2024-25"),
        ("dorset", "2023-24"),
        ("dorset", "2021-22"),
    ],
)
def test_every_section_renders(built, council, year):
    sections = rendered(built, council, year)
    assert all(isinstance(html, str) and html for html in sections.values())
    assert "<h1>" in sections["title"]


def test_missing_sections_say_so_in_one_line(built):
    sections = rendered(built, "dorset", "2021-22")  # only financial remedies published
    assert "publishes no complaint counts for 2021-22" in sections["volumes"]
    assert "publishes no response times for 2021-22" in sections["timeliness"]
    assert "publishes no learning actions for 2021-22" in sections["learning"]


def test_sentences_trace_to_metrics_rows(built):
    sections = rendered(built, "dudley", "2024-25")
    metrics = pd.read_csv(built.metrics_csv, dtype=str)
    keys = set(metrics["council"] + "/" + metrics["year"] + "/" + metrics["metric"])
    traced = re.findall(r'data-metric="([^"]+)"', sections["headlines"] + sections["volumes"])
    assert traced and set(traced) <= keys


def test_audit_section_quotes_the_documents(built):
    sections = rendered(built, "dudley", "2022-23")
    assert "Figures the documents disagree on" in sections["audit"]
    assert "<blockquote>" in sections["audit"]
    assert "4 were partially upheld 44%" in sections["audit"]


def test_provenance_lists_hashes_versions_and_parameters(built):
    prov = rendered(built, "telford-wrekin", "2024-25")["provenance"]
    assert re.search(r"[0-9a-f]{64}", prov)
    assert "pandas" in prov and "telford-wrekin" in prov and "UTC" in prov


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


# --------------------------------------------------------------------------- records in reports


def test_a_year_with_records_but_no_published_metric_is_built_from_records(built):
    sections = rendered(built, "dudley", "2020-21")
    assert "SYNTHETIC" in sections["title"] and "synthetic complaint records" in sections["title"]
    assert "Statutory and corporate complaints received" in sections["headlines"]
    assert "Before and after the revised complaints response process (2020-08-18)" in sections["records"]
    assert "Other published figures" in sections["other"] and "65%" in sections["other"]


def test_records_and_published_figures_are_compared(built):
    records = rendered(built, "dudley", "2022-23")["records"]
    assert "Published figures against the records" in records
    assert "Month by month" in records and "<img" in records


def test_reports_show_no_complaint_references(built):
    from complaints.inputs.definitions import load_definitions
    from complaints.inputs.records import load_records

    complaints = load_records(built, load_definitions(built)).complaints
    references = set(complaints["reference"].astype(str))
    pattern = re.compile("|".join(map(re.escape, sorted(references, key=len, reverse=True))))
    for council, year in [
        ("dudley", "2022-23"),
        ("dudley", "2020-21"),
        ("telford-wrekin", "2024-25"),
        ("dorset", "2023-24"),
    ]:
        page = "".join(rendered(built, council, year).values())
        found = pattern.findall(page)
        assert found == [], (council, year, found[:3])
