"""The Complaint Handling Code report's inputs (data/code/<council>/): every check can fail, every problem is
listed at once with its file, line and column, a real file replaces a synthetic one, comments and header-only
files are accepted. Also the comment lines every CSV reader accepts (tables.read_csv_text) and the published
figures' template with no rows."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import shipped_paths

from complaints.inputs.code_inputs import (
    BY_KIND,
    CODE_FILES,
    FIRST_YEAR,
    LETTER_MEASURES,
    CodeStatement,
    check_code_inputs,
    check_statement,
    load_code_inputs,
)
from complaints.inputs.definitions import load_definitions
from complaints.inputs.problems import InputError
from complaints.inputs.published import ALL_COLUMNS, load_published
from complaints.inputs.tables import blank_comments, read_csv_text
from complaints.running.pipeline import check_inputs

SA_HEADER = "provision,section,requirement,met,evidence,action\n"
LETTER_HEADER = "measure,value,note\n"
SA = "data/code/dudley/2026-27_self_assessment.csv"
LETTER = "data/code/dudley/2026-27_ombudsman_letter.csv"
TOML = "data/code/dudley/2026-27_code_report.toml"
GOOD_SA = SA_HEADER + (
    "1.1,Definition of a complaint,A complaint is any expression of dissatisfaction,yes,Policy section 2,\n"
    "5.2,The complaint handling process,Acknowledged within 5 working days,partly,Weekly checks,"
    "Daily checks from May 2026\n"
)
GOOD_LETTER = LETTER_HEADER + (
    "complaints_and_enquiries_received,74,\n"
    "decisions_made,71,\n"
    "detailed_investigations,18,\n"
    "upheld,14,\n"
    "upheld_rate,78%,as the letter rounds it\n"
    "similar_authorities_upheld_rate,80,\n"
    "compliance_rate,100,\n"
    "satisfactory_remedy,2,\n"
)


def write(project, relative: str, text: str | bytes) -> Path:
    """Write data/<relative> (relative may start with data/)."""
    path = project.data / relative.removeprefix("data/")
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(project) -> list[str]:
    inputs, problems = check_code_inputs(project, load_definitions(project))
    assert (inputs is None) == bool(problems)
    return [str(p) for p in problems]


def loaded(project):
    return load_code_inputs(project, load_definitions(project))


def one(project) -> str:
    messages = problems_of(project)
    assert len(messages) == 1, messages
    return messages[0]


# --------------------------------------------------------------------------- what the files hold


def test_no_code_folder_means_no_code_inputs(project):
    inputs = loaded(project)
    assert inputs.self_assessment.empty and inputs.letter.empty and not inputs.statements and inputs.files.empty
    sa, letter, statement = inputs.for_report("dudley", FIRST_YEAR, False)
    assert sa.empty and letter.empty and statement is None
    assert list(sa.columns)[:5] == ["council", "year", "synthetic", "file", "line"]


def test_the_three_files_are_read(project):
    write(project, SA, "# the council's own self-assessment\n" + GOOD_SA)
    write(project, LETTER, GOOD_LETTER)
    write(
        project,
        TOML,
        'governance_body = "Audit Committee"\ngovernance_date = 2027-07-14\ngovernance_response = "Noted."\n'
        'ombudsman_non_compliance = []\nother_ombudsman_reports = ["Annual review 2026-27"]\n',
    )
    inputs = loaded(project)
    sa, letter, statement = inputs.for_report("dudley", "2026-27", False)
    assert list(sa["provision"]) == ["1.1", "5.2"]
    assert list(sa["line"]) == [3, 4]  # the comment is line 1, the header line 2
    assert set(sa["council"]) == {"dudley"} and not sa["synthetic"].any()
    assert sa.loc[1, "action"] == "Daily checks from May 2026"
    values = dict(zip(letter["measure"], letter["value"]))
    assert values["upheld_rate"] == 78.0 and values["detailed_investigations"] == 18.0
    assert letter["value"].dtype == "float64"
    assert isinstance(statement, CodeStatement)
    assert statement.governance_date.isoformat() == "2027-07-14"
    assert statement.ombudsman_non_compliance == [] and statement.other_ombudsman_reports == ["Annual review 2026-27"]
    files = inputs.files
    assert sorted(files["kind"]) == ["code_report", "ombudsman_letter", "self_assessment"]
    assert files["used"].all() and not files["synthetic"].any()
    assert set(files["file"]) == {SA, LETTER, TOML}
    assert all(Path(p).is_file() for p in files["path"])
    # another council or year: nothing
    sa, letter, statement = inputs.for_report("dorset", "2026-27", False)
    assert sa.empty and letter.empty and statement is None


def test_header_only_files_and_an_empty_toml_mean_not_provided_yet(project):
    write(project, SA, "# nothing yet\n" + SA_HEADER)
    write(project, LETTER, LETTER_HEADER)  # no comment needed: a Code file with no rows is valid
    write(project, TOML, '# every setting commented out\n# governance_body = "..."\n')
    inputs = loaded(project)
    sa, letter, statement = inputs.for_report("dudley", "2026-27", False)
    assert sa.empty and letter.empty
    assert statement is not None and not statement.provides and statement.governance_response is None
    assert len(inputs.files) == 3


def test_blank_letter_values_are_not_provided(project):
    write(project, LETTER, LETTER_HEADER + "".join(f"{m},,\n" for m in LETTER_MEASURES))
    letter = loaded(project).for_report("dudley", "2026-27", False).letter
    assert len(letter) == len(LETTER_MEASURES) and letter["value"].isna().all()


def test_statement_date_may_be_written_in_quotes():
    statement, problems = check_statement('governance_date = "2027-07-14"\n', "x.toml")
    assert problems == [] and statement.governance_date.isoformat() == "2027-07-14"


def test_code_files_describe_every_setting_and_column():
    assert [f.kind for f in CODE_FILES] == ["self_assessment", "ombudsman_letter", "code_report"]
    assert BY_KIND["code_report"].names == list(CodeStatement.model_fields)
    assert BY_KIND["self_assessment"].names == SA_HEADER.strip().split(",")
    assert BY_KIND["ombudsman_letter"].names == LETTER_HEADER.strip().split(",")
    assert all(c.explanation for f in CODE_FILES for c in f.columns) and all(f.explanation for f in CODE_FILES)


def test_docs_name_every_column_setting_and_measure():
    text = (Path(__file__).parents[1] / "docs" / "code_report_inputs.md").read_text(encoding="utf-8")
    for name in [c.name for f in CODE_FILES for c in f.columns] + list(LETTER_MEASURES):
        assert f"`{name}`" in text, name


# --------------------------------------------------------------------------- the self-assessment's checks


@pytest.mark.parametrize(
    "row, column, message",
    [
        (",Exclusions,Fair reasons,yes,,", "provision", "is empty; expected the Code's paragraph number, such as 1.2"),
        ("one,Exclusions,Fair reasons,yes,,", "provision", "'one' is not a paragraph of the Code written like 1.2"),
        ("2.1,,Fair reasons,yes,,", "section", "is empty"),
        ("2.1,Exclusions,,yes,,", "requirement", "is empty"),
        ("2.1,Exclusions,Fair reasons,,,", "met", "is empty; expected yes, partly or no"),
        ("2.1,Exclusions,Fair reasons,Yes,,", "met", "'Yes' is not yes, partly or no (written in lower case)"),
        (
            "2.1,Exclusions,Fair reasons,partly,Some,",
            "action",
            "is empty, but met is 'partly': say what the council will do and by when",
        ),
        ("2.1,Exclusions,Fair reasons,no,,", "action", "is empty, but met is 'no': say what the council will do"),
    ],
)
def test_self_assessment_cell_problems(project, row, column, message):
    write(project, SA, "# a comment\n#   another\n" + SA_HEADER + row + "\n")
    assert one(project).startswith(f"{SA}, line 4, column '{column}': {message}")


def test_a_provision_assessed_twice(project):
    write(project, SA, GOOD_SA + "1.1,Definition of a complaint,Again,yes,,\n")
    assert one(project) == (
        f"{SA}, line 4, column 'provision': 1.1 is assessed twice (also on line 2): each provision once "
        "(did Excel turn 1.10 into 1.1? format the column as text)"
    )


def test_self_assessment_columns_missing(project):
    write(project, SA, "provision,section,requirement,met\n1.1,Definition,Anything,yes\n")
    assert problems_of(project) == [
        f"{SA}, line 1, column 'evidence': required column is missing",
        f"{SA}, line 1, column 'action': required column is missing",
    ]


# --------------------------------------------------------------------------- the Ombudsman's letter's checks


def letter_with(**values: str) -> str:
    return LETTER_HEADER + "".join(f"{m},{v},\n" for m, v in values.items())


@pytest.mark.parametrize(
    "values, line, message",
    [
        ({"complaints_recieved": "3"}, 2, "column 'measure': 'complaints_recieved' is not a known measure"),
        ({"decisions_made": "about 70"}, 2, "column 'value': 'about 70' is not a number"),
        ({"upheld": "-1"}, 2, "column 'value': -1 is negative; upheld is a count"),
        ({"upheld": "2.5"}, 2, "column 'value': 2.5 is not a whole number, but upheld is a count"),
        ({"upheld": "20%"}, 2, "column 'value': '20%' is a percentage, but upheld is a count"),
        ({"compliance_rate": "101"}, 2, "column 'value': 101 is not a percentage from 0 to 100"),
        ({"upheld_rate": "-5%"}, 2, "column 'value': -5% is not a percentage from 0 to 100"),
        (
            {"detailed_investigations": "10", "upheld": "12"},
            3,
            "column 'value': upheld 12 is more than detailed_investigations 10 (line 2): the upheld cases are "
            "among the detailed investigations",
        ),
        (
            {"decisions_made": "20", "detailed_investigations": "30"},
            3,
            "column 'value': detailed_investigations 30 is more than decisions_made 20 (line 2)",
        ),
        (
            {"upheld": "3", "satisfactory_remedy": "4"},
            3,
            "column 'value': satisfactory_remedy 4 is more than upheld 3 (line 2): the cases the council had "
            "already remedied are among the upheld cases",
        ),
        (  # no upheld given: checked against the next one given
            {"decisions_made": "5", "satisfactory_remedy": "6"},
            3,
            "column 'value': satisfactory_remedy 6 is more than decisions_made 5 (line 2)",
        ),
        (
            {"detailed_investigations": "18", "upheld": "14", "upheld_rate": "76.5"},
            4,
            "column 'value': upheld_rate 76.5% does not agree with upheld / detailed_investigations = 14 / 18 = "
            "77.8% (lines 3 and 2): they should agree to within 1 percentage point",
        ),
    ],
)
def test_letter_problems(project, values, line, message):
    write(project, LETTER, letter_with(**values))
    assert one(project).startswith(f"{LETTER}, line {line}, {message}")


def test_a_measure_given_twice(project):
    write(project, LETTER, letter_with(upheld="3") + "upheld,4,\n")
    assert one(project) == f"{LETTER}, line 3, column 'measure': upheld is given twice (also on line 2): once only"


@pytest.mark.parametrize("rate", ["77", "78", "78.7%", "77.8"])
def test_upheld_rate_within_one_point_is_consistent(project, rate):
    write(project, LETTER, letter_with(detailed_investigations="18", upheld="14", upheld_rate=rate))
    assert problems_of(project) == []


# --------------------------------------------------------------------------- the TOML file's checks


@pytest.mark.parametrize(
    "text, line, setting, message",
    [
        (
            'governance_bodie = "Cabinet"\n',
            1,
            "governance_bodie",
            "'governance_bodie' is not a setting of this file (known: governance_body, governance_date, "
            "governance_response, ombudsman_non_compliance, other_ombudsman_reports); did you mean 'governance_body'?",
        ),
        (
            '# a comment\nombudsman_non_compliance = "One finding"\n',
            2,
            "ombudsman_non_compliance",
            "'One finding' is a text; expected a list of texts, such as",
        ),
        ('other_ombudsman_reports = ["A report", " "]\n', 1, "other_ombudsman_reports[1]", "is empty; expected a"),
        ("governance_body = 3\n", 1, "governance_body", "3 is a number; expected a text in quotes"),
        ('governance_response = ""\n', 1, "governance_response", "is empty; expected a text in quotes"),
        ('governance_date = "14/07/2027"\n', 1, "governance_date", "'14/07/2027' is not a date written like"),
        ("governance_date = 2027-07-14T10:00:00\n", 1, "governance_date", "2027-07-14T10:00:00 is a date and time"),
        (
            "governance_date = 2026-03-31\n",
            1,
            "governance_date",
            "2026-03-31 is before 2026-27 began: the response to a year's report comes after the year starts",
        ),
    ],
)
def test_statement_problems(project, text, line, setting, message):
    write(project, TOML, text)
    assert one(project).startswith(f"{TOML}, line {line}, setting '{setting}': {message}")


def test_invalid_toml_names_its_line(project):
    write(project, TOML, '# fine\ngovernance_body = "Cabinet\n')
    assert one(project).startswith(f"{TOML}, line 2: is not valid TOML")


def test_statement_not_utf8(project):
    write(project, TOML, 'governance_body = "Caf\xe9"\n'.encode("cp1252"))
    assert one(project).startswith(f"{TOML}, line 1: is not saved as UTF-8 text")


# --------------------------------------------------------------------------- folders and file names


@pytest.mark.parametrize(
    "relative, message",
    [
        ("code/dudley/2025-26_self_assessment.csv", "is for 2025-26, but the Complaint Handling Code applies from"),
        ("code/dudley/2026-28_self_assessment.csv", "'2026-28' in the file name is not a financial year"),
        ("code/dudley/2026-27_selfassessment.csv", "is not one of the Code's files: name it <year>_<anything>_"),
        ("code/dudley/2026-27_self_assessment.xlsx", "a self_assessment file is a .csv file, not .xlsx"),
        ("code/dudley/2026-27_code_report.csv", "a code_report file is a .toml file, not .csv"),
        ("code/narnia/2026-27_self_assessment.csv", "'narnia' is not a council with a configuration"),
        ("code/2026-27_self_assessment.csv", "the Code's files go in a council's folder"),
    ],
)
def test_file_name_problems(project, relative, message):
    write(project, relative, SA_HEADER)
    shown = "data/" + relative if "narnia" not in relative else "data/code/narnia"
    assert one(project).startswith(f"{shown}: {message}")


def test_notes_and_hidden_files_are_ignored(project):
    write(project, "code/README.md", "# notes")
    write(project, "code/dudley/notes.txt", "notes")
    write(project, "code/dudley/~$2026-27_self_assessment.csv", "lock file")
    write(project, "code/dudley/.DS_Store", "")
    assert problems_of(project) == []


def test_two_real_files_of_one_kind(project):
    write(project, "code/dudley/2026-27_a_self_assessment.csv", SA_HEADER)
    write(project, "code/dudley/2026-27_b_self_assessment.csv", SA_HEADER)
    assert problems_of(project) == [
        "data/code/dudley/2026-27_a_self_assessment.csv: is one of 2 self_assessment files for dudley 2026-27 "
        "(also 2026-27_b_self_assessment.csv): keep one",
        "data/code/dudley/2026-27_b_self_assessment.csv: is one of 2 self_assessment files for dudley 2026-27 "
        "(also 2026-27_a_self_assessment.csv): keep one",
    ]


# --------------------------------------------------------------------------- every problem at once


def test_every_problem_of_every_file_is_listed(project):
    write(project, SA, SA_HEADER + "1.1,,Anything,maybe,,\n1.1,Definition,Anything,no,,\n")
    write(project, LETTER, letter_with(upheld="x", compliance_rate="120"))
    write(project, TOML, 'governance_body = 1\nunknown = "x"\n')
    write(project, "code/dorset/2025-26_code_report.toml", "")
    with pytest.raises(InputError) as caught:
        loaded(project)
    messages = [str(p) for p in caught.value.problems]
    expected = [
        f"{SA}, line 2, column 'section': is empty",
        f"{SA}, line 2, column 'met': 'maybe' is not yes, partly or no",
        f"{SA}, line 3, column 'provision': 1.1 is assessed twice",
        f"{SA}, line 3, column 'action': is empty, but met is 'no'",
        f"{LETTER}, line 2, column 'value': 'x' is not a number",
        f"{LETTER}, line 3, column 'value': 120 is not a percentage from 0 to 100",
        f"{TOML}, line 1, setting 'governance_body': 1 is a number",
        f"{TOML}, line 2, setting 'unknown': 'unknown' is not a setting of this file",
        "data/code/dorset/2025-26_code_report.toml: is for 2025-26",
    ]
    assert len(messages) == len(expected), messages
    for start in expected:
        assert any(m.startswith(start) for m in messages), start


def test_the_pipeline_lists_code_problems_with_the_others(project):
    write(project, LETTER, letter_with(upheld="-2"))
    path = project.data / "published/dudley/2022-23_annual_report.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",2022-23,", ",2022/23,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        check_inputs(project)
    messages = [str(p) for p in caught.value.problems]
    assert f"{LETTER}, line 2, column 'value': -2 is negative; upheld is a count" in messages
    assert any(m.startswith("data/published/dudley/2022-23_annual_report.csv, line 2, column 'year'") for m in messages)


def test_the_pipeline_carries_the_code_inputs(project):
    write(project, SA, GOOD_SA)
    inputs = check_inputs(project)
    assert list(inputs.code.self_assessment["provision"]) == ["1.1", "5.2"]


# --------------------------------------------------------------------------- synthetic and real


SYNTHETIC_SA = "code/dudley/2026-27_synthetic_self_assessment.csv"
SYNTHETIC_LETTER = "code/dudley/2026-27_synthetic_ombudsman_letter.csv"
SYNTHETIC_TOML = "code/dudley/2026-27_synthetic_code_report.toml"


def with_synthetic(project) -> None:
    write(project, SYNTHETIC_SA, "# SYNTHETIC\n" + GOOD_SA)
    write(project, SYNTHETIC_LETTER, GOOD_LETTER)
    write(project, SYNTHETIC_TOML, 'governance_response = "SYNTHETIC: noted."\n')


def test_synthetic_files_feed_the_demonstration_only(project):
    with_synthetic(project)
    inputs = loaded(project)
    sa, letter, statement = inputs.for_report("dudley", "2026-27", True)
    assert len(sa) == 2 and sa["synthetic"].all() and len(letter) == 8
    assert statement.governance_response == "SYNTHETIC: noted."
    sa, letter, statement = inputs.for_report("dudley", "2026-27", False)
    assert sa.empty and letter.empty and statement is None
    assert inputs.files["synthetic"].all() and inputs.files["used"].all()


def test_a_real_file_replaces_the_synthetic_one(project):
    with_synthetic(project)
    write(project, SA, SA_HEADER + "9.1,Scrutiny and oversight,Learning is shared,yes,Quarterly reports,\n")
    write(project, TOML, 'governance_body = "Cabinet"\n')
    inputs = loaded(project)
    real = inputs.for_report("dudley", "2026-27", False)
    assert list(real.self_assessment["provision"]) == ["9.1"] and not real.self_assessment["synthetic"].any()
    assert real.statement.governance_body == "Cabinet" and real.letter.empty
    demo = inputs.for_report("dudley", "2026-27", True)
    assert demo.self_assessment.empty and demo.statement is None  # replaced
    assert len(demo.letter) == 8  # no real letter: the synthetic one is still used
    used = dict(zip(inputs.files["file"], inputs.files["used"]))
    assert used == {
        "data/" + SYNTHETIC_SA: False,
        "data/" + SYNTHETIC_LETTER: True,
        "data/" + SYNTHETIC_TOML: False,
        SA: True,
        TOML: True,
    }


def test_a_real_file_with_nothing_in_it_yet_replaces_nothing(project):
    with_synthetic(project)
    write(project, SA, "# filled in later\n" + SA_HEADER)
    write(project, LETTER, LETTER_HEADER + "".join(f"{m},,\n" for m in LETTER_MEASURES))
    write(project, TOML, '# governance_body = "..."\n')
    inputs = loaded(project)
    assert inputs.files["used"].all()
    demo = inputs.for_report("dudley", "2026-27", True)
    assert len(demo.self_assessment) == 2 and demo.letter["value"].notna().all() and demo.statement is not None
    real = inputs.for_report("dudley", "2026-27", False)
    assert real.self_assessment.empty and real.letter["value"].isna().all() and not real.statement.provides


def test_synthetic_files_are_checked_too(project):
    write(project, SYNTHETIC_SA, SA_HEADER + "1.1,Definition,Anything,perhaps,,\n")
    assert one(project).startswith(f"data/{SYNTHETIC_SA}, line 2, column 'met'")


@pytest.mark.shipped_data
def test_shipped_code_inputs_are_clean_and_marked_synthetic():
    paths = shipped_paths()
    inputs = load_code_inputs(paths, load_definitions(paths))
    for _, f in inputs.files.iterrows():
        text = Path(f["path"]).read_text(encoding="utf-8")
        if f["synthetic"]:
            assert text.startswith("# SYNTHETIC: invented for the demonstration"), f["file"]
    for (_council, _year, synthetic), statement in inputs.statements.items():
        if synthetic:
            texts = [statement.governance_body, statement.governance_response]
            texts += [*(statement.ombudsman_non_compliance or []), *(statement.other_ombudsman_reports or [])]
            assert all("SYNTHETIC" in t for t in texts if t is not None)


# --------------------------------------------------------------------------- comment lines in every CSV reader


def test_comment_lines_keep_line_numbers(tmp_path):
    # Excel puts a comment holding a comma in quotes and adds empty cells after it
    text = '# first\n"# second, with a comma",,\n\n#third\na,b,c\n1,2,3\n# not a comment after the header,5,6\n'
    (tmp_path / "x.csv").write_text(text, encoding="utf-8")
    frame, problems = read_csv_text(tmp_path / "x.csv", ["a", "b", "c"], tmp_path)
    assert problems == []
    assert list(frame.index + 2) == [6, 7]  # each row's line in the file
    assert frame.iloc[1, 0] == "# not a comment after the header"


def test_problems_in_a_commented_file_name_the_lines_an_editor_shows(tmp_path):
    (tmp_path / "x.csv").write_bytes(b"# note\na,b,c\n1,2\n4,\x81,6\n")
    _, problems = read_csv_text(tmp_path / "x.csv", ["a", "b", "c"], tmp_path)
    messages = [str(p) for p in problems]
    assert len(messages) == 2
    assert messages[0].startswith("x.csv, line 4, column 'b': is not UTF-8 text")
    assert messages[1].startswith("x.csv, line 3: has 2 cells but the header has 3")


def test_blank_comments_touches_nothing_without_comments():
    text = "a,b\n1,2\n"
    assert blank_comments(text) == (text, 0)
    assert blank_comments("# x\r\n# y\r\na,b\r\n") == ("\n\na,b\r\n", 2)


def test_a_file_of_comments_only(tmp_path):
    (tmp_path / "x.csv").write_text("# a comment\n# another\n", encoding="utf-8")
    _, problems = read_csv_text(tmp_path / "x.csv", ["a"], tmp_path)
    assert [str(p) for p in problems] == ["x.csv: the file holds only comment lines (#): its header is missing"]


@pytest.mark.parametrize(
    "no_rows, comments, accepted",
    [("problem", True, False), ("template", True, True), ("template", False, False), ("ok", False, True)],
)
def test_a_header_without_rows(tmp_path, no_rows, comments, accepted):
    (tmp_path / "x.csv").write_text(("# nothing yet\n" if comments else "") + "a,b\n", encoding="utf-8")
    frame, problems = read_csv_text(tmp_path / "x.csv", ["a", "b"], tmp_path, no_rows=no_rows)
    assert list(frame.columns) == ["a", "b"] and frame.empty
    assert [str(p) for p in problems] == ([] if accepted else ["x.csv: the file has a header but no rows"])


def test_published_figures_accept_comments_and_a_template_with_no_rows(project):
    defs = load_definitions(project)
    before = load_published(project, defs)
    header = ",".join(ALL_COLUMNS) + "\n"
    (project.data / "published/dudley/2027-28_annual_report.csv").write_text(
        "# The figures of Dudley's annual report for 2027-28: nothing published yet.\n" + header, encoding="utf-8"
    )
    path = project.data / "published/dudley/2024-25_news_article.csv"
    path.write_text("# transcribed from the news article\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    after = load_published(project, defs)
    assert len(after) == len(before)
    news = after[after["file"] == "data/published/dudley/2024-25_news_article.csv"]
    assert list(news["line"])[:2] == [3, 4]  # one line further down, as in the file


def test_published_figures_refuse_a_bare_header_without_rows(project):
    header = ",".join(ALL_COLUMNS) + "\n"
    (project.data / "published/dudley/2027-28_annual_report.csv").write_text(header, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_published(project, load_definitions(project))
    assert [str(p) for p in caught.value.problems] == [
        "data/published/dudley/2027-28_annual_report.csv: the file has a header but no rows"
    ]


def test_statement_template_in_the_docs_parses():
    text = (Path(__file__).parents[1] / "docs" / "code_report_inputs.md").read_text(encoding="utf-8")
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    statement, problems = check_statement(block, "example.toml")
    assert problems == [] and statement.provides
    assert set(tomllib.loads(block)) <= set(CodeStatement.model_fields)
