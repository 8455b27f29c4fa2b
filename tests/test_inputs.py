"""Bad input: a clear message naming file, line, column and problem; every problem listed; nothing written."""

from __future__ import annotations

import pytest
from conftest import edit_csv

from complaints.cli import main
from complaints.inputs.problems import InputError
from complaints.running.pipeline import compute

DUDLEY = "published/dudley/2022-23_annual_report.csv"


def problems_of(project) -> list[str]:
    with pytest.raises(InputError) as caught:
        compute(project)
    return [str(p) for p in caught.value.problems]


def set_cell(project, relative: str, row: int, column: str, value: str) -> None:
    def edit(frame):
        frame.loc[row, column] = value
        return frame

    edit_csv(project.data / relative, edit)


def test_clean_data_has_no_problems(project):
    results = compute(project)
    assert len(results.metrics) > 0 and len(results.audit) > 0


def test_missing_column(project):
    edit_csv(project.data / DUDLEY, lambda f: f.drop(columns=["quote"]))
    assert problems_of(project) == [
        f"{DUDLEY.replace('published', 'data/published')}, line 1, column 'quote': required column is missing"
    ]


def test_text_where_a_number_belongs(project):
    set_cell(project, DUDLEY, 0, "value", "about 100")
    assert problems_of(project) == [
        "data/published/dudley/2022-23_annual_report.csv, line 2, column 'value': 'about 100' is not a number"
    ]


def test_unknown_council(project):
    set_cell(project, DUDLEY, 3, "council", "dudly")
    messages = problems_of(project)
    assert any("line 5, column 'council': 'dudly' is not a known council" in m for m in messages)


@pytest.mark.parametrize("year", ["2024/25", "2024-2025", "2024-26", "24-25"])
def test_year_not_written_like_2024_25(project, year):
    set_cell(project, DUDLEY, 1, "year", year)
    messages = problems_of(project)
    assert any(f"line 3, column 'year': '{year}' is not a financial year written like 2024-25" in m for m in messages)


def test_negative_count(project):
    set_cell(project, DUDLEY, 0, "value", "-102")
    assert problems_of(project) == [
        "data/published/dudley/2022-23_annual_report.csv, line 2, column 'value': -102 is negative"
    ]


def test_numerator_above_denominator(project):
    # statutory_upheld 2 of statutory_received 8 -> 12 of 8 (the quote edited to match, or the
    # number-in-its-quote check stops the run first)
    def edit(frame):
        row = frame.index[(frame["measure"] == "statutory_upheld") & (frame["year"] == "2022-23")][0]
        frame.loc[row, "value"] = "12"
        frame.loc[row, "quote"] = frame.loc[row, "quote"].replace("received 2,", "received 12,")
        return frame

    edit_csv(project.data / DUDLEY, edit)
    messages = problems_of(project)
    assert len(messages) == 1
    assert "column 'value': numerator 12 is above its denominator statutory_received = 8" in messages[0]


def test_measure_no_metric_knows(project):
    set_cell(project, DUDLEY, 2, "measure", "complaints_recieved")
    messages = problems_of(project)
    assert any("line 4, column 'measure': 'complaints_recieved' is not a known measure" in m for m in messages)


def test_empty_file(project):
    (project.data / "published/dudley/extra.csv").write_text("")
    assert problems_of(project) == ["data/published/dudley/extra.csv: the file is empty"]


def test_header_without_rows(project):
    header = (project.data / DUDLEY).read_text().splitlines()[0]
    (project.data / "published/dudley/extra.csv").write_text(header + "\n")
    assert problems_of(project) == ["data/published/dudley/extra.csv: the file has a header but no rows"]


def test_every_problem_is_listed_across_files(project):
    set_cell(project, DUDLEY, 0, "value", "lots")
    set_cell(project, DUDLEY, 5, "year", "2022")
    set_cell(project, "published/dorset/2023-24_corporate_parenting_board.csv", 0, "council", "narnia")
    messages = problems_of(project)
    assert len(messages) == 3
    assert any("dorset" in m and "'narnia' is not a known council" in m for m in messages)


def test_bad_council_configuration(project):
    path = project.data / "councils/dudley.toml"
    text = (
        path.read_text()
        .replace('id = "dudley"', 'id = "Dudley"')
        .replace("statutory_stage1 = 10", "statutory_stage1 = -10")
    )
    text = text.replace("[denominators]\n", '[denominators]\nno_such_metric = "statutory_received"\n')
    path.write_text(text)
    messages = problems_of(project)
    assert "data/councils/dudley.toml, setting 'id': 'Dudley' does not match the file name 'dudley'" in messages
    assert "data/councils/dudley.toml, setting 'id': 'Dudley' is not lower-case and hyphenated" in messages
    assert (
        "data/councils/dudley.toml, setting 'timescales.statutory_stage1': -10 is not a positive whole number of "
        "working days" in messages
    )
    assert (
        "data/councils/dudley.toml, setting 'denominators.no_such_metric': 'no_such_metric' is not a known metric"
        in messages
    )


def test_invalid_toml(project):
    (project.data / "councils/dudley.toml").write_text('id = "dudley\n')
    messages = problems_of(project)
    assert len(messages) == 1 and messages[0].startswith("data/councils/dudley.toml: is not valid TOML")


def test_unknown_measure_in_definitions(project):
    def edit(frame):
        frame.loc[0, "numerator"] = "no_such_measure"
        return frame

    edit_csv(project.data / "definitions/metrics.csv", edit)
    messages = problems_of(project)
    assert messages == [
        "data/definitions/metrics.csv, line 2, column 'numerator': 'no_such_measure' is not a known measure "
        "(see the list of measures)"
    ]


def _files(folder):
    """Every file under `folder` (the councils' workbooks in their folders too) with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_bad_input_leaves_earlier_outputs_untouched(project, capsys):
    args = ["metrics", "--data", str(project.data), "--outputs", str(project.outputs)]
    assert main(args) == 0
    before = _files(project.outputs)
    assert "metrics.xlsx" in before and "dudley/metrics.xlsx" in before
    set_cell(project, DUDLEY, 0, "value", "-1")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "1 problem(s) in the input files; nothing was written" in err
    assert "line 2, column 'value': -1 is negative" in err
    after = _files(project.outputs)
    assert after == before


# --------------------------------------------------------------------------- [population] of a council

GOOD_POPULATION = 'children_0_17 = 61234\nyear = "mid-2023"\nsource = "A made-up estimate for this test"'


def add_population(project, table: str, council: str = "dudley") -> None:
    path = project.data / f"councils/{council}.toml"
    path.write_text(path.read_text() + "\n[population]\n" + table + "\n")


def test_population_is_read_with_its_source(project):
    from complaints.inputs.definitions import Population, load_definitions

    add_population(project, GOOD_POPULATION)
    councils = load_definitions(project).councils
    assert councils["dudley"].population == Population(61234, "mid-2023", "A made-up estimate for this test")
    assert councils["dorset"].population is None and councils["telford-wrekin"].population is None


@pytest.mark.parametrize(
    "table, setting, message",
    [
        (
            'children_0_17 = 61234\nyear = "mid-2023"',
            "population.source",
            "required when children_0_17 is given: the official release the number comes from",
        ),
        (
            'children_0_17 = 61234\nyear = "mid-2023"\nsource = "  "',
            "population.source",
            "required when children_0_17 is given",
        ),
        (
            'children_0_17 = "61,234"\nyear = "mid-2023"\nsource = "ONS"',
            "population.children_0_17",
            "'61,234' is not a positive whole number of children",
        ),
        (
            'children_0_17 = 61234.5\nyear = "mid-2023"\nsource = "ONS"',
            "population.children_0_17",
            "61234.5 is not a positive whole number",
        ),
        ('children_0_17 = 0\nyear = "mid-2023"\nsource = "ONS"', "population.children_0_17", "0 is not a positive"),
        ('children_0_17 = true\nyear = "mid-2023"\nsource = "ONS"', "population.children_0_17", "True is not a"),
        (
            'year = "mid-2023"\nsource = "ONS"',
            "population.children_0_17",
            "required in [population]: the number of children aged 0 to 17",
        ),
        (
            GOOD_POPULATION + "\nchildren_0_15 = 50000",
            "population.children_0_15",
            "unknown setting (known: children_0_17, year, source)",
        ),
        ('children_0_17 = 61234\nsource = "ONS"', "population.year", "required when children_0_17 is given"),
        ('children_0_17 = 61234\nyear = 2023\nsource = "ONS"', "population.year", "2023 should be text"),
        (
            'children_0_17 = 61234\nyear = "recent"\nsource = "ONS"',
            "population.year",
            "'recent' does not say which year the estimate is for",
        ),
        ('children_0_17 = 61234\nyear = "mid-2023"\nsource = 7', "population.source", "7 should be text"),
    ],
)
def test_bad_population(project, table, setting, message):
    add_population(project, table)
    messages = problems_of(project)
    prefix = f"data/councils/dudley.toml, setting '{setting}': "
    assert any(m.startswith(prefix) and message in m for m in messages), messages


def test_population_that_is_not_a_table(project):
    path = project.data / "councils/dudley.toml"
    path.write_text("population = 61234\n" + path.read_text())
    messages = problems_of(project)
    assert any(m.startswith("data/councils/dudley.toml, setting 'population': should be a table") for m in messages)


# --------------------------------------------------------------------------- every CSV checked as a file
# (tests/test_malformed.py runs the whole command on a corpus of broken inputs; these test the pieces)

HEADER_ABC = b"a,b,c\n"


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", ["x.csv: the file is empty"]),
        (b"\xef\xbb\xbf\n\n", ["x.csv: the file is empty"]),
        (HEADER_ABC, ["x.csv: the file has a header but no rows"]),
        (b"\xef\xbb\xbfa,b,c\n1,2,3\n", []),  # Excel's 'CSV UTF-8' byte order mark: accepted silently
        (HEADER_ABC + b"1,2,3\n\n4,5,6\n", []),  # a blank line is no row
        (b"PK\x03\x04rest", ["x.csv: is an Excel workbook, not a CSV file"]),
        ("a,b,c\n1,2,3\n".encode("utf-16"), ["x.csv: is saved as UTF-16 ('Unicode Text')"]),
        (
            HEADER_ABC + "1,café,3\n4,5,6\n7,8,é\n".encode("cp1252"),
            ["x.csv, line 2, column 'b': is not UTF-8 text: it looks like Windows-1252"],
        ),
        (HEADER_ABC + b"1,\x81\x8d,3\n", ["x.csv, line 2, column 'b': is not UTF-8 text: byte 0x81 here is not UTF-8"]),
        (HEADER_ABC + b"1,2\x00,3\n", ["x.csv, line 2, column 'b': holds a NUL byte"]),
        (b"a;b;c\n1;2;3\n", ["x.csv, line 1: is separated by semicolons (;), not commas"]),
        (b"a\tb\tc\n1\t2\t3\n", ["x.csv, line 1: is separated by tabs, not commas"]),
        (
            b"a,b,a\n1,2,3\n",
            [
                "x.csv, line 1, column 'a': names 2 columns (columns 1, 3 of the header)",
                "x.csv, line 1, column 'c': required column is missing",
            ],
        ),
        (
            b"A,x\n1,2\n",
            [
                "x.csv, line 1, column 'a': required column is missing; the header has 'A'",
                "x.csv, line 1, column 'b': required column is missing",
                "x.csv, line 1, column 'c': required column is missing",
            ],
        ),
        (
            HEADER_ABC + b"1,2,3,4\n5,6\n7,8,9\n",
            [
                "x.csv, line 2: has 4 cells but the header has 3: a comma too many",
                "x.csv, line 3: has 2 cells but the header has 3: a cell (or its comma) is missing",
            ],
        ),
        (
            HEADER_ABC + b'1,"' + b"word, " * 40_000 + b'",3\n4,5,6\n',
            ["x.csv, line 2, column 'b': holds 240,000 characters; a cell may hold at most 10,000"],
        ),
        (
            HEADER_ABC + b'1,"2,3\n4,5,6\n',
            ["x.csv, line 2, column 'b': a quote mark (\") opens this cell and is never closed"],
        ),
    ],
)
def test_file_problems(tmp_path, data, expected):
    from complaints.inputs.tables import read_csv_text

    (tmp_path / "x.csv").write_bytes(data)
    _, problems = read_csv_text(tmp_path / "x.csv", ["a", "b", "c"], tmp_path)
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected):
        assert str(problem).startswith(start), problem


def test_rows_are_indexed_by_their_line_and_bad_rows_left_out(tmp_path):
    from complaints.inputs.tables import line_of, read_csv_text

    (tmp_path / "x.csv").write_text('a,b,c\n1,2,3\n\n4,"two\nlines",6\n7,8\n9,10,11\n', encoding="utf-8")
    frame, problems = read_csv_text(tmp_path / "x.csv", ["a"], tmp_path)
    assert [line_of(i) for i in frame.index] == [2, 4, 7]  # the blank line 3 is no row; line 6 is short
    assert frame.loc[2, "b"] == "two\nlines"
    assert [str(p) for p in problems] == [
        "x.csv, line 6: has 2 cells but the header has 3: a cell (or its comma) is missing"
    ]


def test_many_bad_rows_are_counted_not_all_listed(tmp_path):
    from complaints.inputs.tables import LISTED, read_csv_text

    (tmp_path / "x.csv").write_text("a,b\n" + "1,2,3\n" * 100, encoding="utf-8")
    _, problems = read_csv_text(tmp_path / "x.csv", ["a"], tmp_path)
    assert len(problems) == LISTED + 1
    assert str(problems[-1]) == (
        f"x.csv, line {LISTED + 2}: and {100 - LISTED} more line(s) with more or fewer cells than the header, "
        "up to line 101"
    )


@pytest.mark.parametrize("quoted", [False, True])
def test_scan_of_a_large_file_agrees_with_the_csv_module(tmp_path, quoted):
    """scan_rows (for extracts: counting commas, or cells once) finds the rows reading every cell finds."""
    import random

    from complaints.inputs.tables import line_of, read_csv_text, scan_rows

    rng = random.Random(9 if quoted else 8)
    lines = ["a,b,c,d"]
    for _ in range(400):
        cells = [rng.choice(["x", "", "12", "café"]) for _ in range(rng.choice([4, 4, 4, 4, 3, 5]))]
        if quoted and rng.random() < 0.3:
            cells[0] = rng.choice(['"a, b"', '"two\nlines"', '"say ""hi"""'])
        lines.append(",".join(cells) if rng.random() > 0.05 else "")
    text = "\n".join(lines) + "\n"
    (tmp_path / "x.csv").write_text(text, encoding="utf-8")
    frame, expected = read_csv_text(tmp_path / "x.csv", ["a"], tmp_path)
    found, unfit, checks = scan_rows(text, ["a", "b", "c", "d"], 1, "x.csv")
    assert [str(p) for p in checks.problems()] == [str(p) for p in expected]
    kept = {line for k, line in enumerate(found.tolist()) if k not in set(unfit)}
    physical = text.split("\n")
    assert {line for line in kept if physical[line - 1]} == {line_of(i) for i in frame.index}  # a blank line: no row


def test_excel_date_numbers():
    from datetime import date

    from complaints.inputs.tables import excel_date, excel_date_hint

    assert excel_date("45017") == date(2023, 4, 1)
    assert excel_date("45017.5") == date(2023, 4, 1)
    assert excel_date("1234") is None and excel_date("01/04/2023") is None and excel_date("99999") is None
    assert "for April 2023" in excel_date_hint("45017", month=True)
    assert excel_date_hint("2023-04-01") == ""


def test_byte_order_marks_are_accepted_everywhere(project):
    for path in project.data.rglob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    results = compute(project)
    assert len(results.metrics) > 0 and len(results.records.complaints) > 0


def test_a_definition_file_that_cannot_be_read_leaves_the_rest_checked(project):
    (project.data / "definitions/metrics.csv").write_bytes(b"metric;kind\nx;count\n")
    set_cell(project, DUDLEY, 0, "value", "lots")
    with pytest.raises(InputError) as caught:
        compute(project)
    messages = [str(p) for p in caught.value.problems]
    assert messages[0].startswith("data/definitions/metrics.csv, line 1: is separated by semicolons")
    assert "data/published/dudley/2022-23_annual_report.csv, line 2, column 'value': 'lots' is not a number" in messages
    assert len(messages) == 2  # no council's [denominators] said to name an unknown metric
    assert any("the metrics named in the councils' [denominators]" in u for u in caught.value.unchecked)
    assert "Not checked until these are fixed" in str(caught.value)


def test_workbook_extract_checks(project):
    """An Excel extract: a column named twice and a cell too long are named, the other rows still checked."""
    openpyxl = pytest.importorskip("openpyxl")
    source = project.data / "records/dudley/2024-25_synthetic_complaints.csv"
    rows = [line.split(",") for line in source.read_text(encoding="utf-8").splitlines()[:6]]
    rows[0][12] = "Outcome"  # 'Extension' renamed: 'Outcome' twice
    rows[2][13] = "x" * 12_000  # Reason for Delay
    rows[4][2] = "NEITHER"  # Complaint Type
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    source.unlink()
    book.save(source.with_suffix(".xlsx"))
    messages = problems_of(project)
    name = "data/records/dudley/2024-25_synthetic_complaints.xlsx"
    assert messages == [
        f"{name}, line 1, column 'Outcome': names 2 columns (columns 11, 13 of the header): each column needs a name "
        "of its own",
        f"{name}, line 3, column 'Reason for Delay': holds 12,000 characters; a cell may hold at most 10,000 (a whole "
        "text pasted into one cell, or a quote mark never closed?): shorten it",
        f"{name}, line 5, column 'Complaint Type': 'NEITHER' is not a code the mapping knows for 'procedure' (known: "
        "STAT, CORP)",
    ]
