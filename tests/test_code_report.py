"""The analyst's new year: reports from the records first, and the Complaint Handling Code's annual report.

These tests build from a copy of the project's own data folder (data/, without data/private; not
COMPLAINTS_DATA): its synthetic extracts for Dudley 2025-26 and 2026-27 and Dorset 2026-27, and the
synthetic Code inputs in data/code/, which the fixture data (frozen before the Code) does not have.
"""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from test_disclosure import parse, small_counts_shown

from complaints.inputs.paths import CODE, CODE_DEMONSTRATION, Paths
from complaints.reporting.code_report import CONTENTS, NOT_PROVIDED, load_code_report
from complaints.reporting.council_report import load_report
from complaints.running.batch import Job, Options, plan_jobs, run_reports
from complaints.running.pipeline import compute, write_results

DATA = Path(__file__).resolve().parents[1] / "data"


def copy_of_the_data(tmp: Path) -> Paths:
    shutil.copytree(DATA, tmp / "data", ignore=shutil.ignore_patterns("private"))
    (tmp / "outputs").mkdir()
    return Paths(data=tmp / "data", outputs=tmp / "outputs")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A copy of the shipped data with the main job's CSVs written (no reports): (paths, results)."""
    paths = copy_of_the_data(tmp_path_factory.mktemp("shipped"))
    results = compute(paths)
    write_results(results, paths)
    return paths, results


def html_of(report) -> str:
    return "".join(report.section(name) for name in report.SECTIONS)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def code_report(paths: Paths, council: str = "dudley", year: str = "2026-27", **kw):
    return load_code_report(
        council, year, data_dir=str(paths.data), outputs_dir=str(paths.outputs), kind=CODE_DEMONSTRATION, **kw
    )


def test_the_code_report_is_planned_from_2026_27_for_councils_with_a_corporate_procedure(shipped):
    _, results = shipped
    jobs = plan_jobs(results).reports
    code = {(j.council, j.year) for j in jobs if j.kind == CODE_DEMONSTRATION}
    assert code == {("dudley", "2026-27"), ("dorset", "2026-27")}  # Telford & Wrekin: statutory only
    assert Job("dudley", "2026-27", "demonstration") in jobs  # both reports for Dudley 2026-27
    assert Job("dudley", "2025-26", "demonstration") in jobs
    assert not [j for j in jobs if j.kind == CODE]  # no council's own records or inputs are shipped


def test_the_code_report_has_a_section_for_each_of_the_six_contents_in_the_codes_order(shipped):
    paths, _ = shipped
    report = code_report(paths)
    headings = [report.part(name).heading_text for name in report.SECTIONS]
    wanted = [heading for _, heading in CONTENTS]
    assert [h for h in headings if h in wanted] == wanted
    assert "The governance response" in headings
    html = html_of(report)
    text = text_of(html)
    assert report.part("title").title.startswith("Synthetic demonstration")
    assert "SYNTHETIC" in report.part("title").banner
    captions = re.findall(r"<caption>(.*?)</caption>", html, flags=re.S)
    assert captions and all(c.strip().startswith("Synthetic data") for c in captions if "SHA-256" not in c)
    # figures from the records, against the Code's clocks, with their counts
    figures = pd.read_csv(paths.figures_csv, dtype={"year": str, "category": str}, keep_default_na=False)
    mine = figures[(figures["council"] == "dudley") & (figures["year"] == "2026-27") & (figures["basis"] == "records")]
    value = lambda m: int(float(mine.loc[mine["measure"] == m, "value"].iloc[0]))  # noqa: E731
    received, acked = value("code_stage1_received"), value("code_stage1_acknowledged_in_time")
    assert f"({acked:,} of {received:,})" in text
    assert f"{received - acked} not acknowledged within 5 working days" in text
    assert "Complaints not accepted by reason" in text
    # the Ombudsman's letter and the self-assessment, as given in data/code/
    assert "Detailed investigations" in text and "Partly met" in text


def test_an_input_that_is_missing_says_not_provided(shipped, tmp_path):
    paths, _ = shipped
    dorset = text_of(html_of(code_report(paths, "dorset")))
    assert f"{NOT_PROVIDED}: the Code asks for this report to be published with the response" in dorset
    # no learning actions are recorded for 2026-27
    assert f"{NOT_PROVIDED}: no learning actions are recorded for 2026-27" in dorset
    copy = copy_of_the_data(tmp_path)
    for name in ("2026-27_synthetic_self_assessment.csv", "2026-27_synthetic_ombudsman_letter.csv"):
        (copy.code_inputs / "dudley" / name).unlink()
    shutil.copy(paths.metrics_csv, copy.metrics_csv)
    for table in ("audit_csv", "figures_csv", "monthly_csv", "changes_csv", "record_files_csv"):
        shutil.copy(getattr(paths, table), getattr(copy, table))
    text = text_of(html_of(code_report(copy)))
    assert f"{NOT_PROVIDED}: no self-assessment against the Code is given for 2026-27" in text
    assert f"{NOT_PROVIDED}: the figures of the Ombudsman's annual letter for 2026-27 are not given" in text


def test_the_public_code_report_shows_no_count_of_one_to_four(shipped):
    paths, _ = shipped
    for council in ("dudley", "dorset"):
        report = code_report(paths, council, public=True)
        html = html_of(report)
        assert "This is the public version" in html
        assert not small_counts_shown(parse(html)), council


def test_an_extract_without_acknowledgements_says_not_recorded_and_nothing_else_fails(tmp_path):
    paths = copy_of_the_data(tmp_path)
    extract = paths.records / "dudley" / "2026-27_synthetic_complaints.csv"
    frame = pd.read_csv(extract, dtype=str, keep_default_na=False, sep=None, engine="python")
    separator = ";" if ";" in extract.read_text(encoding="utf-8").splitlines()[0] else ","
    frame.drop(columns="Date Acknowledged").to_csv(extract, index=False, sep=separator, lineterminator="\n")
    status = run_reports(
        paths, Options(councils=["dudley"], years=["2026-27"], jobs=1, progress=False, formats=("html",))
    )
    assert status == 0
    figures = pd.read_csv(paths.figures_csv, dtype={"year": str}, keep_default_na=False)
    mine = figures[(figures["council"] == "dudley") & (figures["year"] == "2026-27") & (figures["basis"] == "records")]
    measures = set(mine["measure"])
    assert "code_stage1_received" in measures and "code_stage1_extended" in measures  # the rest is there
    assert not {"code_stage1_acknowledged_in_time", "code_stage1_answered_in_time"} & measures  # not zero: absent
    for kind in ("code-demonstration", "demonstration"):
        html = paths.report_html("dudley", "2026-27", kind).read_text(encoding="utf-8")
        text = text_of(html)
        assert "Not recorded in" in text and "acknowledgement dates" in text, kind
    code = text_of(paths.report_html("dudley", "2026-27", "code-demonstration").read_text(encoding="utf-8"))
    assert "acknowledgements not recorded" in code


def test_a_real_extract_makes_the_council_report_records_first(shipped, tmp_path):
    paths = copy_of_the_data(tmp_path)
    private = paths.private / "dudley"
    private.mkdir(parents=True)
    # the council's own export for 2024-25 (here the synthetic one, copied under a name without 'synthetic')
    for kind in ("complaints", "feedback", "contacts"):
        shutil.copy(paths.records / "dudley" / f"2024-25_synthetic_{kind}.csv", private / f"2024-25_export_{kind}.csv")
    write_results(compute(paths), paths)
    report = load_report("dudley", "2024-25", data_dir=str(paths.data), outputs_dir=str(paths.outputs))
    this_year = report.metrics[report.metrics["year"] == "2024-25"]
    assert len(this_year) and set(this_year["source"]) == {"records"}
    text = text_of(report.section("records"))
    assert "Published figures against the records" in text and "Why they may differ" in text
    assert "Synthetic" not in report.part("title").title
