"""metrics.xlsx: laid out as "Releasing statistics in spreadsheets" asks (cover, contents, notes, one
table per sheet with a title, no merged cells, no blank rows or columns), and holding exactly the
rows of metrics.csv; each council's workbook holds that council's rows only."""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from complaints.inputs.paths import Paths
from complaints.reporting.spreadsheet import COLUMN_NOTES, CONTACT, LABELS, build_workbook
from complaints.running.pipeline import write_results

FIRST_SHEETS = ["Cover", "Contents", "Notes"]
TABLE_SHEETS = {"Counts", "Proportions", "Rates", "Means", "Money"}
KEY = ["council", "year", "metric", "source"]
COLUMN = re.compile(r"\(([a-z0-9_]+)\)$")  # "Value (value)": the metrics.csv column in brackets
NOTE = re.compile(r"\[note (\d+)\]")


def metrics_csv(paths: Paths) -> pd.DataFrame:
    """metrics.csv as written: every cell as its text, empty as ''."""
    return pd.read_csv(paths.metrics_csv, dtype=str, keep_default_na=False)


def column_of(heading: str) -> str:
    """The metrics.csv column a table heading stands for: the name in brackets on its first line."""
    match = COLUMN.search(heading.split("\n")[0])
    assert match, f"heading {heading!r} does not end with a metrics.csv column in brackets"
    return match.group(1)


def table_cells(sheet) -> list[list]:
    """The cells of the sheet's one table (its Excel table range), heading row first."""
    (table,) = sheet.tables.values()
    return [list(row) for row in sheet[table.ref]]


def table_rows(sheet) -> list[dict]:
    """The sheet's table as dicts keyed by metrics.csv column."""
    heading, *rows = [[cell.value for cell in row] for row in table_cells(sheet)]
    columns = [column_of(h) for h in heading]
    return [dict(zip(columns, row)) for row in rows]


def same(cell, text: str) -> bool:
    """A workbook cell against metrics.csv's text: empty as '', booleans as True/False, numbers
    within what 10 significant digits (the CSV's float format) allow; text exactly."""
    if cell is None:
        return text == ""
    if isinstance(cell, bool):
        return str(cell) == text
    if isinstance(cell, int | float):
        return text != "" and math.isclose(cell, float(text), rel_tol=1e-9, abs_tol=1e-12)
    return cell == text


def assert_matches(books: list[openpyxl.Workbook], expected: pd.DataFrame) -> None:
    """The table sheets of `books`, taken together, hold exactly the rows of `expected` (metrics.csv)."""
    got = [row for book in books for name in book.sheetnames[3:] for row in table_rows(book[name])]
    keys = [tuple(row[k] for k in KEY) for row in got]
    assert len(keys) == len(set(keys)), "a row appears twice"
    want = {tuple(r[k] for k in KEY): r for r in expected.to_dict("records")}
    assert set(keys) == set(want)
    assert len(got) == len(expected)
    for row in got:
        csv_row = want[tuple(row[k] for k in KEY)]
        assert set(row) <= set(csv_row), f"columns not in metrics.csv: {set(row) - set(csv_row)}"
        for column, text in csv_row.items():
            cell = row.get(column)  # a column left out of a table is empty for all its rows
            assert same(cell, text), f"{tuple(row[k] for k in KEY)} {column}: workbook {cell!r}, metrics.csv {text!r}"


@pytest.fixture(scope="module")
def book(built) -> openpyxl.Workbook:
    return openpyxl.load_workbook(built.metrics_xlsx)


def text_of(sheet) -> str:
    return "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)


def test_the_main_job_writes_a_workbook_for_all_and_one_per_council(built):
    councils = sorted(metrics_csv(built)["council"].unique())
    assert built.metrics_xlsx.is_file()
    for council in councils:
        assert built.council_metrics_xlsx(council).is_file()
    # written atomically: no temporary file is left beside them
    assert not list(built.outputs.rglob(".*.tmp-*"))


def test_sheets_in_order_cover_contents_notes_then_one_table_per_kind(book, built):
    kinds = {"count": "Counts", "proportion": "Proportions", "rate": "Rates", "mean": "Means", "money": "Money"}
    present = [kinds[k] for k in kinds if k in set(metrics_csv(built)["kind"])]
    assert book.sheetnames == FIRST_SHEETS + present


def test_cover_says_what_where_from_which_are_synthetic_when_and_who(book, built):
    text = text_of(book["Cover"])
    title = book["Cover"]["A1"].value
    assert "metrics" in title and "children's services" in title
    assert "every row of outputs/metrics.csv" in text
    assert "published documents" in text and "complaint extracts" in text
    synthetic = metrics_csv(built)["synthetic"].eq("True").sum()
    assert f"{synthetic} of them are synthetic" in text
    assert re.search(r"Made on \d{4}-\d{2}-\d{2} at \d{2}:\d{2} UTC", text)
    assert CONTACT == "See README.md of the project" and CONTACT in text


def test_contents_links_to_every_table_sheet(book):
    sheet = book["Contents"]
    rows = table_cells(sheet)[1:]
    listed = [row[0].value for row in rows]
    assert listed == book.sheetnames[3:]
    for row in rows:
        assert row[0].hyperlink is not None and row[0].hyperlink.location.startswith(f"'{row[0].value}'!")
        assert row[1].value  # the table's title


def test_every_column_in_readmes_metrics_table_has_plain_words_and_a_note():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### `metrics.csv`", 1)[1].split("\n### ", 1)[0]
    documented = {
        name
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([a-z0-9_]+)`", line.split("|")[1])
    }
    assert len(documented) >= 30
    assert documented <= set(COLUMN_NOTES) and documented <= set(LABELS)
    assert set(COLUMN_NOTES) == set(LABELS)


def test_metrics_csv_has_no_column_the_workbook_cannot_name(built):
    assert set(metrics_csv(built).columns) == set(LABELS)


def test_notes_one_per_column_and_the_rules(book, built):
    notes = {row["Note number"]: row for row in _notes(book)}
    assert sorted(notes) == list(range(1, len(notes) + 1))
    applies = [n["Applies to"] for n in notes.values()]
    for column in metrics_csv(built).columns:
        assert sum(a.endswith(f"({column})") for a in applies) == 1, column
    text = "\n".join(n["Note text"] for n in notes.values())
    assert "fractions, not percentages" in text  # proportions and rates
    assert "under 10" in text and "under 30" in text  # the small-number rule
    assert "synthetic complaint extract" in text and "not real complaints" in text


def _notes(book) -> list[dict]:
    heading, *rows = [[c.value for c in row] for row in table_cells(book["Notes"])]
    return [dict(zip(heading, row)) for row in rows]


def test_every_heading_points_to_its_columns_note(book):
    applies = {row["Note number"]: row["Applies to"] for row in _notes(book)}
    for name in book.sheetnames[3:]:
        heading = [c.value for c in table_cells(book[name])[0]]
        for h in heading:
            (number,) = NOTE.findall(h)
            assert applies[int(number)].endswith(f"({column_of(h)})")


def test_table_sheets_have_a_title_units_no_merged_cells_no_blank_rows_or_columns(book):
    for sheet in book.worksheets:
        assert not sheet.merged_cells.ranges, sheet.title
    for name in book.sheetnames[3:]:
        sheet = book[name]
        assert name in TABLE_SHEETS
        assert sheet["A1"].value and sheet["A1"].value.startswith(name), name  # the title, in the first cell
        assert sheet["A1"].font.b
        cells = table_cells(sheet)
        assert cells[0][0].row > 1  # the title and its notes above the table
        heading, rows = [c.value for c in cells[0]], [[c.value for c in row] for row in cells[1:]]
        assert all(isinstance(h, str) and h.strip() for h in heading)
        assert rows, name
        for i, row in enumerate(rows):
            assert any(v is not None for v in row), f"{name}: blank row {i + 1} in the table"
        for j, h in enumerate(heading):
            assert any(row[j] is not None for row in rows), f"{name}: blank column {h!r} in the table"
        # nothing beside or below the table
        assert sheet.max_row == cells[-1][0].row and sheet.max_column == len(heading)


def test_units_in_the_headings(book):
    def heading(sheet, column):
        return next(h for h in (c.value for c in table_cells(book[sheet])[0]) if column_of(h) == column)

    assert "fraction between 0 and 1" in heading("Proportions", "value")
    assert "(number)" in heading("Counts", "value")
    assert "per unit of exposure" in heading("Rates", "value")
    assert "(days)" in heading("Means", "value")
    assert "(pounds)" in heading("Money", "value")
    assert "Proportions are fractions between 0 and 1" in text_of(book["Proportions"])


def test_the_tables_hold_exactly_the_rows_of_metrics_csv(book, built):
    assert_matches([book], metrics_csv(built))


def test_a_councils_workbook_holds_its_rows_only(built):
    expected = metrics_csv(built)
    for council in sorted(expected["council"].unique()):
        own = openpyxl.load_workbook(built.council_metrics_xlsx(council))
        assert own.sheetnames[:3] == FIRST_SHEETS
        rows = [row for name in own.sheetnames[3:] for row in table_rows(own[name])]
        assert {row["council"] for row in rows} == {council}
        assert_matches([own], expected[expected["council"] == council])
        assert council.split("-")[0] in own["Cover"]["A1"].value.lower()


def test_councils_workbooks_together_hold_every_row(built):
    expected = metrics_csv(built)
    books = [openpyxl.load_workbook(built.council_metrics_xlsx(c)) for c in sorted(expected["council"].unique())]
    assert_matches(books, expected)


def test_an_infinite_rate_ratio_is_written_as_metrics_csv_writes_it(results):
    metrics = results.metrics.copy()
    tested = metrics.index[metrics["effect"].notna() & metrics["kind"].eq("count")][0]
    metrics.loc[tested, ["effect", "effect_ci_high"]] = math.inf
    book = openpyxl.load_workbook(io.BytesIO(build_workbook(metrics, datetime(2025, 1, 2, 3, 4, tzinfo=UTC))))
    (row,) = [
        r
        for r in table_rows(book["Counts"])
        if (r["council"], r["year"], r["metric"], r["source"]) == tuple(metrics.loc[tested, KEY])
    ]
    assert row["effect"] == row["effect_ci_high"] == "inf"
    assert "Made on 2025-01-02 at 03:04 UTC" in text_of(book["Cover"])


def test_a_failed_build_writes_nothing_and_a_stale_council_workbook_goes(results, tmp_path, monkeypatch):
    from complaints.reporting import spreadsheet

    paths = Paths(data=tmp_path / "unused", outputs=tmp_path / "outputs")
    stale = paths.council_metrics_xlsx("no-longer-here")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise RuntimeError("cannot build")

    monkeypatch.setattr(spreadsheet, "build_workbook", broken)
    with pytest.raises(RuntimeError):
        write_results(results, paths)
    assert sorted(p.relative_to(paths.outputs).as_posix() for p in paths.outputs.rglob("*")) == [
        "no-longer-here",
        "no-longer-here/metrics.xlsx",
    ]
    monkeypatch.undo()
    write_results(results, paths)
    assert not stale.exists()
    assert paths.metrics_csv.exists() and paths.metrics_xlsx.exists()
