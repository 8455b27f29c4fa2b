"""Complaint extracts: the column mapping, every kind of bad row (file, line, column), setting rows
aside without losing any, Excel, and working days in the timeliness measures."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from complaints.analysis.record_measures import aggregate, records_frame, split_counts, with_working_days
from complaints.inputs.definitions import load_definitions
from complaints.inputs.problems import InputError
from complaints.inputs.records import FIGURE_COLUMNS, SCHEMA, load_records, load_records_configs, set_aside_path

# the columns the clocks need (complaints.inputs.records.SCHEMA), which the test's exports do not have
CLOCK_COLUMNS = ("requested", "acknowledged", "extension_date", "extension_days", "extension_reason", "refusal_reason")

# A council whose system exports odd column names and codes: the mapping has to do all the work.
TESTSHIRE = textwrap.dedent("""
    id = "testshire"
    name = "Testshire County Council"
    short_name = "Testshire"
    procedures = ["statutory", "corporate"]

    [timescales]
    statutory_stage1 = 10
    statutory_stage1_extended = 20
    corporate = 20

    [contacts]
    measure = "contacts"
    definition = "Calls and emails to the front door."

    [vocabulary]
    teams = ["Team A", "Team B", "Team C"]
    issue_categories = ["Delay", "Staff", "Funding"]
    complainant_types = ["Parent", "Child"]
    channels = ["Online", "Phone"]
    delay_reasons = ["Staff absence", "Busy"]

    [records]
    partially_upheld = true
    digital_channels = ["Online"]

    [records.complaints]
    date_format = "%Y%m%d"
    separator = "/"
    booleans = { "1" = true, "0" = false }

    [records.complaints.columns]
    reference = "Ref No."
    received = "Logged On"
    procedure = "Route"
    stage = "Lvl"
    team = "Where"
    issues = "About"
    complainant_type = "Who"
    channel = "How"
    child_or_young_person = "By child?"
    send = "SEN?"
    outcome = "Finding"
    responded = "Closed On"
    extension_agreed = "Ext"
    delay_reason = "Why late"

    [records.complaints.codes.procedure]
    S = "statutory"
    C = "corporate"

    [records.complaints.codes.stage]
    I = "1"
    II = "2"
    III = "3"

    [records.complaints.codes.outcome]
    "Upheld in full" = "upheld"
    "Upheld in part" = "partially_upheld"
    "No fault" = "not_upheld"
    "Dropped" = "withdrawn"
    "Open" = "ongoing"

    [records.complaints.codes.channel]
    W = "Online"
    T = "Phone"

    [records.feedback]
    date_format = "%Y%m%d"

    [records.feedback.columns]
    date = "When"
    kind = "What"
    team = "Where"

    [records.feedback.codes.kind]
    "+" = "compliment"
    "~" = "comment"

    [records.contacts]
    date_format = "%Y/%m"

    [records.contacts.columns]
    month = "Period"
    contacts = "Count"
""")

HEADER = "Ref No.,Logged On,Route,Lvl,Where,About,Who,How,By child?,SEN?,Finding,Closed On,Ext,Why late,Not needed"
GOOD_ROWS = [
    "T1,20230605,S,I,Team A/Team B,Delay/Staff,Parent,W,0,0,Upheld in full,20230619,0,,x",  # Mon-Mon: 10 working days
    "T2,20230605,S,I,Team A,Delay,Child,T,1,0,No fault,20230620,1,,x",  # 11 working days, extension agreed
    "T3,20230605,C,I,Team C,Funding,Parent,W,0,1,Upheld in part,20230807,0,Staff absence,x",  # late
    "T1,20230622,S,II,Team A/Team B,Delay/Staff,Parent,W,0,0,Open,,0,,x",  # stage 2 of T1, still open
]
TEST_FILE = "data/records/testshire/2023-24_test_complaints.csv"


@pytest.fixture
def records_project(project):
    """The project's data with no shipped extracts, and a council whose export needs a real mapping."""
    for folder in (project.data / "records").iterdir():
        if folder.is_dir():
            shutil.rmtree(folder)
    (project.councils / "testshire.toml").write_text(TESTSHIRE, encoding="utf-8")
    (project.data / "records" / "testshire").mkdir(parents=True)
    return project


def write(project, name: str, lines: list[str], header: str = HEADER, folder: str = "records") -> Path:
    path = project.data / folder / "testshire" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def problems(project, set_aside: bool = False) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_records(project, load_definitions(project), set_aside=set_aside)
    return [str(p) for p in caught.value.problems]


def load(project, set_aside: bool = False):
    defs = load_definitions(project)
    return load_records(project, defs, set_aside=set_aside), defs


def figure(figures: pd.DataFrame, measure: str, category: str = "") -> float | None:
    rows = figures[(figures["measure"] == measure) & (figures["category"] == category)]
    return float(rows["value"].iloc[0]) if len(rows) else None


# --- the column mapping ----------------------------------------------------------------------------


def test_odd_column_names_and_codes_map_onto_the_canonical_schema(records_project):
    write(records_project, "2023-24_test_complaints.csv", GOOD_ROWS)
    records, _ = load(records_project)
    assert list(records.complaints.columns) == ["council", "year", "file", "line", *SCHEMA["complaints"]]
    frame = with_working_days(records).complaints.sort_values(["reference", "stage"]).reset_index(drop=True)
    first = frame.iloc[0]
    assert first["reference"] == "T1" and first["received"] == pd.Timestamp("2023-06-05")
    assert first["procedure"] == "statutory" and first["stage"] == 1 and first["outcome"] == "upheld"
    assert first["team"] == "Team A; Team B" and first["issues"] == "Delay; Staff"  # '/' lists, written canonically
    assert first["channel"] == "Online" and bool(first["child_or_young_person"]) is False
    assert first["responded"] == pd.Timestamp("2023-06-19") and first["line"] == 2
    second = frame.iloc[1]
    assert second["stage"] == 2 and second["outcome"] == "ongoing" and pd.isna(second["responded"])
    assert np.isnan(second["working_days"])
    t2 = frame[frame["reference"] == "T2"].iloc[0]
    assert (
        t2["child_or_young_person"]
        and t2["extension_agreed"]
        and t2["channel"] == "Phone"
        and t2["outcome"] == "not_upheld"
    )
    t3 = frame[frame["reference"] == "T3"].iloc[0]
    assert t3["procedure"] == "corporate" and t3["send"] and t3["outcome"] == "partially_upheld"
    # the canonical columns the export does not have are there, empty
    assert set(frame["ombudsman_outcome"].astype(str)) == {""} and not frame["ombudsman_referral"].any()
    assert records.present[("testshire", "2023-24", "complaints")] == frozenset(
        c
        for c in SCHEMA["complaints"]
        if c not in ("ombudsman_referral", "ombudsman_outcome", "remedy", *CLOCK_COLUMNS)
    )


def test_feedback_and_contacts_map_too(records_project):
    write(
        records_project,
        "2023-24_test_feedback.csv",
        ["20230501,+,Team A", "20230502,+,Team B", "20230503,~,Team A"],
        header="When,What,Where",
    )
    write(records_project, "2023-24_test_contacts.csv", ["2023/04,100", '2023/05,"1,250"'], header="Period,Count")
    records, defs = load(records_project)
    assert list(records.feedback["kind"].astype(str)) == ["compliment", "compliment", "comment"]
    assert list(records.contacts["month"]) == [pd.Timestamp("2023-04-01"), pd.Timestamp("2023-05-01")]
    figures = aggregate(records, defs)
    assert figure(figures, "compliments_received") == 2 and figure(figures, "comments_received") == 1
    assert figure(figures, "compliments_by_team", "Team A") == 1 and figure(figures, "compliment_teams") == 2
    assert figure(figures, "contacts") == 1350


def test_an_export_without_a_mapping_uses_the_canonical_names(records_project):
    """A council with no [records] section: the export's columns are the canonical ones."""
    path = records_project.data / "records" / "dudley" / "2023-24_plain_complaints.csv"
    path.parent.mkdir(parents=True)
    dudley = records_project.councils / "dudley.toml"
    dudley.write_text(
        dudley.read_text(encoding="utf-8").split("# How this council's complaints system exports")[0], encoding="utf-8"
    )
    path.write_text(
        "reference,received,procedure,stage,outcome,responded\nD1,2023-05-02,statutory,1,not_upheld,2023-05-09\n",
        encoding="utf-8",
    )
    records, defs = load(records_project)
    figures = aggregate(records, defs)
    assert figure(figures, "statutory_received") == 1 and figure(figures, "statutory_within_10wd") == 1


# --- configuration problems ------------------------------------------------------------------------


def test_configuration_problems_name_the_setting(records_project):
    broken = (
        TESTSHIRE.replace('reference = "Ref No."\n', 'refrence = "Ref No."\n')
        .replace('"No fault" = "not_upheld"', '"No fault" = "rejected"')
        .replace('date_format = "%Y%m%d"\nseparator', 'date_format = "dd/mm/yyyy"\nseparator')
        .replace("[records]\n", "[records]\nwidgets = 3\n")
    )
    broken += (
        '\n[records.measures]\ncsc_complaint_contacts = "statutory_recieved"\nnot_a_measure = "statutory_received"\n'
    )
    (records_project.councils / "testshire.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_records_configs(records_project, load_definitions(records_project))
    messages = [str(p) for p in caught.value.problems]
    name = "data/councils/testshire.toml"
    expected = [
        f"{name}, setting 'records.widgets': is not a setting of [records]",
        f"{name}, setting 'records.complaints.columns.refrence': 'refrence' is not a canonical column of complaints",
        f"{name}, setting 'records.complaints.columns': no mapping for required column 'reference'",
        f"{name}, setting 'records.complaints.codes.outcome.No fault': 'rejected' is not a canonical outcome",
        f"{name}, setting 'records.complaints.date_format': 'dd/mm/yyyy' is not a date format",
        f"{name}, setting 'records.measures.csc_complaint_contacts': "
        "'statutory_recieved' is not a measure records give",
        f"{name}, setting 'records.measures.not_a_measure': "
        "'not_a_measure' is not a measure in data/definitions/measures.csv",
    ]
    for text in expected:
        assert any(m.startswith(text) for m in messages), (text, messages)
    assert len(messages) == len(expected)


# --- bad rows: every one named by file, line and column -----------------------------------------------


@pytest.mark.parametrize(
    "row, line_column_message",
    [
        (
            "T9,20230231,S,I,Team A,Delay,Parent,W,0,0,No fault,20230301,0,,x",
            "line 6, column 'Logged On': '20230231' is not a date written yyyymmdd",
        ),
        (
            "T9,20230510,S,I,Team A,Delay,Parent,W,0,0,No fault,20230502,0,,x",
            "line 6, column 'Closed On': response 02/05/2023 is before the complaint was received (10/05/2023)",
        ),
        (
            "T9,20230510,S,I,Team A,Delay,Parent,W,0,0,Not upheld,20230512,0,,x",
            "line 6, column 'Finding': 'Not upheld' is not a code the mapping knows for 'outcome' "
            "(known: Upheld in full, Upheld in part, No fault, Dropped, Open)",
        ),
        (
            "T9,20230510,S,IV,Team A,Delay,Parent,W,0,0,No fault,20230512,0,,x",
            "line 6, column 'Lvl': 'IV' is not a code the mapping knows for 'stage' (known: I, II, III)",
        ),
        (
            "T9,20230510,S,I,Team A,Delay,Parent,W,yes,0,No fault,20230512,0,,x",
            "line 6, column 'By child?': 'yes' is not a code the mapping knows for 'child_or_young_person' "
            "(known: 1, 0)",
        ),
        (
            "T9,20240510,S,I,Team A,Delay,Parent,W,0,0,No fault,20240512,0,,x",
            "line 6, column 'Logged On': received 10/05/2024 is outside 2023-24 (1 April 2023 to 31 March 2024), "
            "the year in the file name",
        ),
        (
            ",20230510,S,I,Team A,Delay,Parent,W,0,0,No fault,20230512,0,,x",
            "line 6, column 'Ref No.': is empty; expected a reference",
        ),
        (
            "T9,20230510,S,I,Team A,Delay,Parent,W,0,0,No fault,,0,,x",
            "line 6, column 'Closed On': is empty, but a complaint with an outcome needs the date it was answered",
        ),
        (
            "T9,20230510,S,I,Team A,Delay,Parent,W,0,0,Open,20230512,0,,x",
            "line 6, column 'Closed On': has a response date but the outcome is ongoing",
        ),
    ],
)
def test_each_bad_row_is_a_problem_with_file_line_and_column(records_project, row, line_column_message):
    write(records_project, "2023-24_test_complaints.csv", [*GOOD_ROWS, row])
    assert problems(records_project) == [f"{TEST_FILE}, {line_column_message}"]


def test_duplicate_reference_and_stage_names_both_lines(records_project):
    write(records_project, "2023-24_test_complaints.csv", [*GOOD_ROWS, GOOD_ROWS[1]])
    assert problems(records_project) == [
        f"{TEST_FILE}, line 3, column 'Ref No.': reference 'T2' at stage 1 appears more than once (also on line 6)",
        f"{TEST_FILE}, line 6, column 'Ref No.': reference 'T2' at stage 1 appears more than once (also on line 3)",
    ]


def test_duplicates_are_found_across_files(records_project):
    write(records_project, "2023-24_test_complaints.csv", GOOD_ROWS)
    write(
        records_project,
        "2024-25_test_complaints.csv",
        ["T3,20240403,C,I,Team C,Funding,Parent,W,0,1,No fault,20240410,0,,x"],
    )
    messages = problems(records_project)
    assert messages == [
        f"{TEST_FILE}, line 4, column 'Ref No.': reference 'T3' at stage 1 appears more than once "
        "(also on data/records/testshire/2024-25_test_complaints.csv line 2)",
        "data/records/testshire/2024-25_test_complaints.csv, line 2, column 'Ref No.': reference 'T3' at stage 1 "
        f"appears more than once (also on {TEST_FILE} line 4)",
    ]


def test_missing_required_columns_are_each_named(records_project):
    header = HEADER.replace("Logged On", "Date").replace("Finding", "Result")
    write(records_project, "2023-24_test_complaints.csv", GOOD_ROWS, header=header)
    assert problems(records_project) == [
        f"{TEST_FILE}, line 1, column 'Logged On': required column is missing (it holds the canonical 'received')",
        f"{TEST_FILE}, line 1, column 'Finding': required column is missing (it holds the canonical 'outcome')",
    ]


def test_empty_files_and_bad_names(records_project):
    folder = records_project.data / "records" / "testshire"
    (folder / "2023-24_test_complaints.csv").write_text("", encoding="utf-8")
    (folder / "2023-24_test_feedback.csv").write_text("When,What,Where\n", encoding="utf-8")
    (folder / "complaints_2023.csv").write_text(HEADER + "\n", encoding="utf-8")
    (folder / "2023-24_old_complaints.xls").write_bytes(b"")
    (records_project.data / "records" / "nowhere").mkdir()
    assert problems(records_project) == [
        "data/records/nowhere: 'nowhere' is not a council with a configuration in data/councils/",
        "data/records/testshire/2023-24_old_complaints.xls: is not a CSV or Excel (.xlsx) file, so it cannot be read; "
        "save it as CSV (or .xlsx) or move it out of the folder",
        "data/records/testshire/complaints_2023.csv: the file name should be "
        "<year>_<anything>_<complaints|feedback|contacts>.csv (or .xlsx), with the financial year written like 2024-25",
        f"{TEST_FILE}: the file is empty",
        "data/records/testshire/2023-24_test_feedback.csv: the file has a header but no rows",
    ]


def test_every_problem_is_listed_at_once(records_project):
    rows = [
        *GOOD_ROWS,
        "T5,2023-05-10,S,I,Team A,Delay,Parent,W,0,0,Maybe,20230512,0,,x",
        "T6,20230510,X,I,Team A,Delay,Parent,W,0,0,No fault,20230501,0,,x",
    ]
    write(records_project, "2023-24_test_complaints.csv", rows)
    write(
        records_project,
        "2023-24_test_contacts.csv",
        ["2023/04,100", "2023/04,12", "2023/05,many", "2022/05,3"],
        header="Period,Count",
    )
    contacts = "data/records/testshire/2023-24_test_contacts.csv"
    known = "(known: Upheld in full, Upheld in part, No fault, Dropped, Open)"
    # by file, then line, then column in the file's order; an ISO date is unambiguous, so it is accepted
    assert problems(records_project) == [
        f"{TEST_FILE}, line 6, column 'Finding': 'Maybe' is not a code the mapping knows for 'outcome' {known}",
        f"{TEST_FILE}, line 7, column 'Route': 'X' is not a code the mapping knows for 'procedure' (known: S, C)",
        f"{TEST_FILE}, line 7, column 'Closed On': response 01/05/2023 is before the complaint was received "
        "(10/05/2023)",
        f"{contacts}, line 2, column 'Period': the month appears more than once (first on line 2)",
        f"{contacts}, line 3, column 'Period': the month appears more than once (first on line 2)",
        f"{contacts}, line 4, column 'Count': 'many' is not a number",
        f"{contacts}, line 5, column 'Period': month 05/2022 is outside 2023-24 (1 April 2023 to 31 March 2024), "
        "the year in the file name",
    ]


def test_a_partially_upheld_code_for_a_council_without_that_outcome(records_project):
    toml = records_project.councils / "testshire.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("partially_upheld = true", "partially_upheld = false"),
        encoding="utf-8",
    )
    write(records_project, "2023-24_test_complaints.csv", GOOD_ROWS)
    assert problems(records_project) == [
        f"{TEST_FILE}, line 4, column 'Finding': 'Upheld in part' means partially upheld, but the configuration says "
        "this council's system has no 'partially upheld' outcome"
    ]


# --- setting bad rows aside: nothing dropped silently ------------------------------------------------


def test_set_aside_writes_the_bad_rows_with_reasons_and_counts_them(records_project):
    bad = [
        "T7,20230231,S,I,Team A,Delay,Parent,W,0,0,No fault,20230301,0,,x",
        "T8,20230510,S,I,Team A,Delay,Parent,Q,0,0,Nope,20230512,0,,x",
        GOOD_ROWS[0],
        GOOD_ROWS[0],
    ]
    path = write(records_project, "2023-24_test_complaints.csv", [*GOOD_ROWS[1:3], "", *bad])
    records, defs = load(records_project, set_aside=True)
    counts = records.set_aside_counts()
    row = counts[counts["file"] == TEST_FILE].iloc[0]
    data_lines = len(path.read_text(encoding="utf-8").splitlines()) - 1
    blank = int(records.files.loc[records.files["file"] == TEST_FILE, "blank_rows"].iloc[0])
    assert (row["rows"], row["kept"], row["set_aside"], blank) == (6, 2, 4, 1)
    assert data_lines == row["kept"] + row["set_aside"] + blank  # rows in = rows kept + rows set aside (+ blank lines)
    aside = records.set_aside_rows[("testshire", "2023-24", "complaints")].astype(str)
    assert row["set_aside_file"] == "outputs/private/records_set_aside/testshire_2023-24_complaints.csv"
    assert list(aside.columns[:3]) == ["file", "line", "reasons"] and "Not needed" not in aside.columns
    assert list(aside["line"]) == ["5", "6", "7", "8"]  # the bad date, the bad code, both rows of a duplicate
    assert aside.loc[aside["line"] == "6", "reasons"].iloc[0] == (  # a channel outside the vocabulary is no reason
        "Finding: 'Nope' is not a code the mapping knows for 'outcome' "
        "(known: Upheld in full, Upheld in part, No fault, Dropped, Open)"
    )
    assert records.outside_vocabulary.empty  # the rows set aside are not counted, so not listed either
    assert aside.loc[aside["line"] == "5", "Logged On"].iloc[0] == "20230231"
    assert (
        aside.loc[aside["line"] == "7", "reasons"].iloc[0]
        == "Ref No.: reference 'T1' at stage 1 appears more than once (also on line 8)"
    )
    assert sorted(records.complaints["reference"]) == ["T2", "T3"]
    assert records.set_aside_total == 4
    figures = aggregate(records, defs)
    assert figure(figures, "complaints_received") == 2


def test_set_aside_still_stops_for_problems_with_a_whole_file(records_project):
    write(records_project, "2023-24_test_complaints.csv", GOOD_ROWS, header=HEADER.replace("Finding", "Result"))
    messages = problems(records_project, set_aside=True)
    assert messages == [
        f"{TEST_FILE}, line 1, column 'Finding': required column is missing (it holds the canonical 'outcome')"
    ]


def test_the_main_job_writes_set_aside_rows_and_a_clean_rerun_removes_them(records_project):
    from complaints.running.pipeline import compute, write_results

    write(
        records_project,
        "2023-24_test_complaints.csv",
        [*GOOD_ROWS, "T9,20230231,S,I,A,B,P,W,0,0,No fault,20230301,0,,x"],
    )
    target = set_aside_path(records_project, "testshire", "2023-24", "complaints")
    results = compute(records_project, set_aside=True)
    assert not target.exists()  # computing writes nothing
    write_results(results, records_project)
    aside = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert list(aside["line"]) == [str(len(GOOD_ROWS) + 2)] and "Logged On" in aside.columns
    write(records_project, "2023-24_test_complaints.csv", GOOD_ROWS)
    results = compute(records_project, set_aside=True)
    write_results(results, records_project)
    assert not target.exists() and results.records.set_aside_total == 0


# --- privacy: real extracts in data/private replace the shipped ones ----------------------------------


def test_a_private_extract_replaces_the_shipped_one_for_its_year(records_project):
    write(records_project, "2023-24_synthetic_complaints.csv", GOOD_ROWS)
    write(records_project, "2023-24_real_complaints.csv", [GOOD_ROWS[0]], folder="private")
    records, defs = load(records_project)
    assert list(records.complaints["reference"]) == ["T1"]
    files = records.files.set_index("file")
    shipped = "data/records/testshire/2023-24_synthetic_complaints.csv"
    assert (
        not files.loc[shipped, "used"]
        and files.loc[shipped, "superseded_by"] == "data/private/testshire/2023-24_real_complaints.csv"
    )
    figures = aggregate(records, defs)
    assert set(figures["file"]) == {"data/private/testshire/2023-24_real_complaints.csv"}
    assert set(figures["note"]) == {""}  # not a synthetic extract


def test_private_folder_is_git_ignored():
    from complaints.inputs.paths import ROOT

    assert "/data/private/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


# --- Excel --------------------------------------------------------------------------------------------


def test_excel_export_reads_like_csv(records_project):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for row in GOOD_ROWS:
        cells = row.split(",")
        cells[1] = pd.Timestamp(cells[1]).to_pydatetime()  # a real Excel date cell
        sheet.append(cells)
    book.save(records_project.data / "records" / "testshire" / "2023-24_test_complaints.xlsx")
    records, defs = load(records_project)
    assert sorted(records.complaints["reference"]) == ["T1", "T1", "T2", "T3"]
    assert records.complaints["received"].min() == pd.Timestamp("2023-06-05")
    assert figure(aggregate(records, defs), "statutory_within_10wd") == 1


# --- aggregation -----------------------------------------------------------------------------------


def test_working_days_decide_timeliness(records_project):
    """Answered on the 10th working day counts within 10; on the 11th, not. Received Monday 3 April 2023;
    Good Friday 7 and Easter Monday 10 April, and 1 May 2023, are bank holidays."""
    rows = [
        "W1,20230403,S,I,A,X,P,W,0,0,No fault,20230419,0,,x",  # 4,5,6 (3) 11,12,13,14 (7) 17,18,19 (10)
        "W2,20230403,S,I,A,X,P,W,0,0,No fault,20230420,0,,x",  # 11 working days, no extension: late
        "W3,20230403,S,I,A,X,P,W,0,0,No fault,20230420,1,,x",  # 11 working days with an extension: not late
        "W4,20230408,S,I,A,X,P,W,0,0,No fault,20230421,0,,x",  # received Saturday: clock starts Tuesday 11 April
        "W5,20230403,C,I,A,X,P,W,0,0,No fault,20230504,0,,x",  # 20 working days (1 May is a bank holiday)
        "W6,20230403,C,I,A,X,P,W,0,0,No fault,20230505,0,Busy,x",  # 21
    ]
    write(records_project, "2023-24_test_complaints.csv", rows)
    records, defs = load(records_project)
    timed = with_working_days(records).complaints
    days = dict(zip(timed["reference"], timed["working_days"]))
    assert days == {"W1": 10, "W2": 11, "W3": 11, "W4": 8, "W5": 20, "W6": 21}
    figures = aggregate(records, defs)
    assert figure(figures, "statutory_within_10wd") == 2  # W1, W4
    assert figure(figures, "statutory_within_11_20wd") == 2
    assert figure(figures, "corporate_within_20wd") == 1
    assert figure(figures, "complaints_within_20wd") == 5
    assert figure(figures, "complaints_overdue") == 2  # W2 (no extension) and W6
    assert figure(figures, "overdue_reason", "Busy") == 1
    assert figure(figures, "statutory_average_response_days") == pytest.approx((10 + 11 + 11 + 8) / 4)


def test_aggregate_gives_figures_with_the_columns_of_figures_csv(records_project):
    write(records_project, "2023-24_test_complaints.csv", GOOD_ROWS)
    records, defs = load(records_project)
    figures = aggregate(records, defs)
    assert list(figures.columns) == FIGURE_COLUMNS
    assert set(figures["basis"]) == {"records"} and figures["pct"].isna().all() and not figures["contested"].any()
    assert set(figures["file"]) == {TEST_FILE} and set(figures["source"]) == {"2023-24_test_complaints.csv"}
    assert set(figures["measure"]) <= set(defs.measures.index)
    assert not figures.duplicated(["council", "year", "measure", "category"]).any()
    expected = {
        "statutory_received": 2,
        "corporate_received": 1,
        "complaints_received": 3,
        "statutory_stage2_received": 1,
        "statutory_upheld": 1,
        "statutory_not_upheld": 1,
        "statutory_upheld_any": 1,
        "corporate_partially_upheld": 1,
        "complaints_upheld_any": 2,
        "statutory_stage1_responded": 2,
        "statutory_within_10wd": 1,
        "statutory_within_11_20wd": 1,
        "statutory_stage2_ongoing": 1,
        "complaints_from_children": 1,
        "send_received": 1,
        "statutory_digital_channel": 1,
        "statutory_issues_total": 3,
        "statutory_issue_areas": 2,
        "corporate_issues_total": 1,
    }
    for measure, value in expected.items():
        assert figure(figures, measure) == value, measure
    # a complaint with two issues counts once for each; a complaint naming two teams counts for both
    assert figure(figures, "statutory_issues", "Delay") == 2 and figure(figures, "statutory_issues", "Staff") == 1
    assert (
        figure(figures, "statutory_received_by_team", "Team B") == 1
        and figure(figures, "statutory_upheld_by_team", "Team A") == 1
    )
    assert (
        figure(figures, "statutory_channel", "Online") == 1
        and figure(figures, "statutory_complainant_type", "Child") == 1
    )
    # measures needing columns this export does not have are left out
    assert figure(figures, "ombudsman_cases") is None and figure(figures, "statutory_remedy", "Apology") is None


def test_a_council_without_partially_upheld_gets_the_unsplit_measure(records_project):
    toml = records_project.councils / "testshire.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("partially_upheld = true", "partially_upheld = false"),
        encoding="utf-8",
    )
    write(records_project, "2023-24_test_complaints.csv", [GOOD_ROWS[0], GOOD_ROWS[1]])
    records, defs = load(records_project)
    figures = aggregate(records, defs)
    assert figure(figures, "statutory_upheld_unsplit") == 1
    assert figure(figures, "statutory_upheld") is None and figure(figures, "statutory_upheld_any") is None


def test_split_counts_counts_each_item_once_per_row():
    values = pd.Series(["a; b", "a", "b ; a; a", "", "c"], dtype="category")
    assert split_counts(values).to_dict() == {"a": 3, "b": 2, "c": 1}


def test_records_frame_for_spc(records_project):
    write(records_project, "2023-24_test_complaints.csv", GOOD_ROWS)
    load(records_project)
    frame = records_frame(records_project, council="testshire", year="2023-24")
    assert pd.api.types.is_datetime64_any_dtype(frame["received"]) and frame["working_days"].dtype == float
    assert frame["working_days"].isna().sum() == 1
