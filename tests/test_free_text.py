"""Free text from a complaint extract never reaches a report: the text columns are mapped onto the
council's vocabulary, a value outside it is counted as 'Other (not in the vocabulary)' and listed only in
the private check file outputs/private/vocabulary.csv, and complaint references stay inside.

The acceptance test plants a name, a date of birth and a reference-like text in every free-text column
of an extract, runs the main job's computing part and writes its outputs, builds the council and the
demonstration report in-process (public and not), and finds the planted text nowhere under outputs/
except outputs/private/."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from complaints.analysis.record_measures import aggregate
from complaints.inputs.definitions import load_definitions
from complaints.inputs.paths import Paths
from complaints.inputs.problems import InputError
from complaints.inputs.records import (
    OTHER,
    SCHEMA,
    VOCABULARY,
    VOCABULARY_CHECK_COLUMNS,
    KindConfig,
    _to_vocabulary,
    load_records,
    load_records_configs,
)
from complaints.reporting.council_report import load_report
from complaints.running.pipeline import compute, write_results

PLANTED = ("Jane Smithson", "DOB 03/02/2015", "CS/24/9999")
CELL = "SW off sick - mum Jane Smithson chased re Tom Smithson DOB 03/02/2015 CS/24/9999"


def config(codes=None, vocabulary=None, kind="complaints") -> KindConfig:
    return KindConfig(kind, {c: c for c in SCHEMA[kind]}, codes=codes or {}, vocabulary=vocabulary or {})


def mapped(canonical: str, values: list[str], config: KindConfig) -> tuple[list[str], list[tuple]]:
    out, outside = _to_vocabulary(canonical, np.array(values, dtype=object), config)
    return list(out), outside


# --- the mapping, per distinct value ------------------------------------------------------------------


def test_every_text_column_but_the_reference_has_a_vocabulary():
    text = {(kind, c) for kind, columns in SCHEMA.items() for c, t in columns.items() if t == "text"}
    assert set(VOCABULARY) == text - {("complaints", "reference")}
    assert set(VOCABULARY.values()) == {
        "teams",
        "issue_categories",
        "delay_reasons",
        "complainant_types",
        "channels",
        "remedies",
        "extension_reasons",
        "refusal_reasons",
    }


def test_a_value_in_the_vocabulary_is_its_own_category():
    out, outside = mapped(
        "channel", ["Email", "Letter"], config(vocabulary={"channel": frozenset({"Email", "Letter"})})
    )
    assert out == ["Email", "Letter"] and outside == [(), ()]


def test_codes_map_an_export_spelling_onto_the_vocabulary_first():
    c = config(
        codes={"issues": {"Staff Behavior": "Staff Behaviour"}, "channel": {"EM": "Email"}},
        vocabulary={"issues": frozenset({"Staff Behaviour", "Decision"}), "channel": frozenset({"Email"})},
    )
    assert mapped("issues", ["Staff Behavior", "Staff Behaviour; Staff Behavior"], c) == (
        ["Staff Behaviour", "Staff Behaviour"],  # the two spellings are one category, counted once
        [(), ()],
    )
    assert mapped("issues", ["Decision; Staff Behavior"], c)[0] == ["Decision; Staff Behaviour"]  # item by item
    # a value the codes of a text column do not list is no error: it is looked up in the vocabulary as it is
    assert mapped("channel", ["EM", "Email", "Fax"], c) == (["Email", "Email", OTHER], [(), (), ("Fax",)])


def test_a_value_outside_the_vocabulary_is_counted_as_other_and_listed():
    c = config(vocabulary={"delay_reason": frozenset({"Staff absence"})})
    out, outside = mapped("delay_reason", ["Staff absence", CELL], c)
    assert out == ["Staff absence", OTHER] and outside == [(), (CELL,)]
    assert OTHER == "Other (not in the vocabulary)"


def test_a_list_with_one_item_in_and_one_out_keeps_the_one_and_counts_the_other_once():
    c = config(vocabulary={"team": frozenset({"Team A", "Team B"})})
    out, outside = mapped("team", ["Team A; Jane Smithson", "Jane Smithson; Team B; CS/24/9999", "Team A; Team B"], c)
    assert out == [f"Team A; {OTHER}", f"{OTHER}; Team B", "Team A; Team B"]
    assert outside == [("Jane Smithson",), ("Jane Smithson", "CS/24/9999"), ()]


def test_blank_stays_blank_and_a_column_without_a_vocabulary_publishes_nothing():
    out, outside = mapped("remedy", ["", "Apology", "Apology; Explanation"], config())
    assert out == ["", OTHER, OTHER] and outside == [(), ("Apology",), ("Apology", "Explanation")]
    out, outside = mapped("team", [""], config(vocabulary={"team": frozenset({"Team A"})}, kind="feedback"))
    assert out == [""] and outside == [()]


def test_the_configuration_reads_the_councils_vocabulary(project):
    configs = load_records_configs(project, load_definitions(project))
    dudley = configs["dudley"]
    assert "Staff Behaviour" in dudley.complaints.vocabulary["issues"]
    assert "Staff Behavior" not in dudley.complaints.vocabulary["issues"]  # the other spelling is a code
    assert dudley.complaints.codes["issues"]["Staff Behavior"] == "Staff Behaviour"
    assert dudley.complaints.vocabulary["team"] == dudley.feedback.vocabulary["team"]  # one list of teams
    # the fixture configuration predates the Complaint Handling Code's columns: no lists for their reasons
    code_columns = {"extension_reason", "refusal_reason"}
    assert set(dudley.complaints.vocabulary) == {c for k, c in VOCABULARY if k == "complaints"} - code_columns


def test_digital_channels_and_children_in_care_types_must_be_in_the_vocabulary(project):
    path = project.councils / "dudley.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count('digital_channels = ["Email", "Web form"]') == 1
    path.write_text(text.replace('digital_channels = ["Email", "Web form"]', 'digital_channels = ["Email", "Online"]'))
    with pytest.raises(InputError) as caught:
        load_records_configs(project, load_definitions(project))
    assert [str(p) for p in caught.value.problems] == [
        "data/councils/dudley.toml, setting 'records.digital_channels[1]': 'Online' is not in [vocabulary] channels, "
        "so no complaint could count as one: add it there (or correct the spelling)"
    ]


# --- the acceptance test: nothing planted reaches an output outside outputs/private -------------------

COUNCIL, YEAR = "telford-wrekin", "2024-25"


def plant(path: Path, columns: list[str], separator: str = ";", lists: tuple[str, ...] = ()) -> None:
    """CELL in every given column of the first three rows that have a value there (in list columns, beside
    a value of the vocabulary)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in columns:
        rows = frame.index[frame[column] != ""][:3]
        assert len(rows), column
        for row in rows:
            frame.loc[row, column] = f"{frame.loc[row, column]}{separator} {CELL}" if column in lists else CELL
    frame.to_csv(path, index=False, lineterminator="\n")


def text_of(path: Path) -> str:
    """What a file holds, as text: every member of a zip (xlsx, docx), or the bytes as UTF-8."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(name).decode("utf-8", errors="replace") for name in z.namelist())
    return data.decode("utf-8", errors="replace")


def build_reports(paths: Paths) -> list[Path]:
    """The council and the demonstration report of COUNCIL and YEAR, public and not, built in-process as the
    batch's notebook builds them: each page (every section), the index's contents and (once) the Word file."""
    written = []
    for kind in ("council", "demonstration"):
        for public in (False, True):
            report = load_report(
                COUNCIL, YEAR, data_dir=str(paths.data), outputs_dir=str(paths.outputs), public=public, kind=kind
            )
            folder = paths.report_dir(COUNCIL, YEAR, kind)
            folder.mkdir(parents=True, exist_ok=True)
            stem = "report.public" if public else "report"
            page = folder / f"{stem}.html"
            page.write_text("".join(report.section(name) for name in report.SECTIONS), encoding="utf-8")
            exports = {"contents": folder / f".{stem}.contents.json"}
            if kind == "council" and public:
                exports["docx"] = folder / f"{stem}.docx"
            report.export(exports)
            written += [page, *exports.values()]
    return written


def test_planted_free_text_reaches_no_output_but_the_private_check_file(project, caplog):
    """Planted in a real extract of complaints (data/private: the council's own report shows it) and in the
    shipped synthetic extract of compliments (the demonstration shows it)."""
    folder = project.data / "records" / COUNCIL
    complaints = folder / f"{YEAR}_synthetic_complaints.csv"
    feedback = folder / f"{YEAR}_synthetic_feedback.csv"
    plant(
        complaints,
        ["Service", "Themes", "Contact Type", "Channel", "Delay Reason", "Remedy"],
        lists=("Service", "Themes", "Remedy"),
    )
    plant(feedback, ["Service"], lists=("Service",))
    references = set(pd.read_csv(complaints, dtype=str)["Complaint ID"])
    private = project.data / "private" / COUNCIL / f"{YEAR}_export_complaints.csv"
    private.parent.mkdir(parents=True)
    shutil.move(complaints, private)

    results = compute(project)
    with caplog.at_level(logging.WARNING, logger="complaints"):
        write_results(results, project)
    reports = build_reports(project)

    # the planted text is counted, as Other, in the figures of the council and year, and both reports show it so
    figures = results.figures
    mine = figures[(figures["council"] == COUNCIL) & (figures["year"] == YEAR) & (figures["basis"] == "records")]
    for measure in ("statutory_channel", "statutory_complainant_type", "statutory_issues", "compliments_by_team"):
        assert (mine.loc[mine["measure"] == measure, "category"] == OTHER).any(), measure
    for kind in ("council", "demonstration"):
        assert OTHER in project.report_html(COUNCIL, YEAR, kind).read_text(encoding="utf-8"), kind

    # ... and listed, with file, line and column, only in the private check file
    check = pd.read_csv(project.vocabulary_check, dtype=str, keep_default_na=False)
    assert list(check.columns) == VOCABULARY_CHECK_COLUMNS
    planted = check[check["value"] == CELL]
    assert set(planted["canonical"]) == {"team", "issues", "complainant_type", "channel", "delay_reason", "remedy"}
    assert set(planted["column"]) == {"Service", "Themes", "Contact Type", "Channel", "Delay Reason", "Remedy"}
    assert len(planted) == 7 * 3 and set(planted["file"]) == {
        f"data/private/{COUNCIL}/{YEAR}_export_complaints.csv",
        f"data/records/{COUNCIL}/{YEAR}_synthetic_feedback.csv",
    }
    assert planted["line"].astype(int).ge(2).all()

    # the log gives counts and where to look, never the values
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("outputs/private/vocabulary.csv" in w and "'Delay Reason'" in w for w in warnings), warnings
    assert not any(text in w for w in warnings for text in (*PLANTED, CELL, *references))

    # nothing planted, and no complaint reference, in any other output
    outputs = sorted(p for p in project.outputs.rglob("*") if p.is_file())
    assert set(reports) <= set(outputs) and project.figures_csv in outputs and project.metrics_xlsx in outputs
    leaks = []
    for path in outputs:
        if path.is_relative_to(project.private_outputs):
            continue
        text = text_of(path)
        found = [t for t in (*PLANTED, *references) if t in text]
        if found:
            leaks.append((path.relative_to(project.outputs).as_posix(), found[:3]))
    assert leaks == []
    assert all(t in text_of(project.vocabulary_check) for t in PLANTED)

    # once nothing is outside the vocabulary, a rerun removes the check file and warns no more
    clean = dataclasses.replace(results.records, outside_vocabulary=results.records.outside_vocabulary.iloc[:0])
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="complaints"):
        write_results(dataclasses.replace(results, records=clean), project)
    assert not project.vocabulary_check.exists()
    assert not [r for r in caplog.records if "vocabulary" in r.getMessage()]


def test_values_outside_the_vocabulary_are_listed_by_file_line_and_column(project):
    path = project.data / "records" / COUNCIL / f"{YEAR}_synthetic_complaints.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[4, "Themes"] = "Staff; Jane Smithson"
    frame.loc[6, "Channel"] = "FAX"  # not one of the channel codes: no error, but outside the vocabulary
    frame.to_csv(path, index=False, lineterminator="\n")
    records = load_records(project, load_definitions(project))
    listed = records.outside_vocabulary
    assert listed[["file", "line", "column", "canonical", "value"]].astype(str).values.tolist() == [
        [f"data/records/{COUNCIL}/{YEAR}_synthetic_complaints.csv", "6", "Themes", "issues", "Jane Smithson"],
        [f"data/records/{COUNCIL}/{YEAR}_synthetic_complaints.csv", "8", "Channel", "channel", "FAX"],
    ]
    counts = records.outside_vocabulary_counts()
    assert sorted(counts[["column", "values", "distinct"]].values.tolist()) == [["Channel", 1, 1], ["Themes", 1, 1]]
    figures = aggregate(records, load_definitions(project))
    mine = figures[figures["council"] == COUNCIL]
    assert not mine["category"].str.contains("Jane|FAX").any()
    assert set(mine.loc[mine["measure"] == "statutory_channel", "category"]) == {
        "Email",
        "Web form",
        "Telephone",
        "Letter",
        OTHER,
    }
