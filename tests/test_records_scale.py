"""Records at scale: the quick reader (pyarrow), the figures added up block by block, and the working days
counted from a table give what the careful, whole-file way gives, and every problem is still named."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from complaints.analysis.record_measures import aggregate, figures_from_extracts, with_working_days
from complaints.analysis.workdays import _calendar, working_days
from complaints.inputs.definitions import load_definitions
from complaints.inputs.problems import InputError
from complaints.inputs.records import SPACES, load_records, records_in_blocks
from complaints.synthetic.generate import write_large

LARGE = "2024-25_large_synthetic_complaints.csv"


@pytest.fixture
def large(project):
    """The fixture data with 20,000 generated complaints more for Dudley in 2024-25, in Dudley's format (a
    second extract for a council-year that has one)."""
    write_large(project.records / "dudley" / LARGE, 20_000, seed=5, paths=project)
    return project


def whole(paths) -> pd.DataFrame:
    defs = load_definitions(paths)
    return aggregate(with_working_days(load_records(paths, defs)), defs)


def test_figures_block_by_block_are_the_whole_files_figures(large):
    defs = load_definitions(large)
    blocks = list(records_in_blocks(large, defs, block_bytes=2**18))
    assert sum(len(b.complaints) for b in blocks) == len(load_records(large, defs).complaints)
    assert sum(len(b.complaints) > 0 for b in blocks) > 5  # the large extract comes in many blocks
    pd.testing.assert_frame_equal(figures_from_extracts(large, defs, block_bytes=2**18), whole(large))


def test_the_figures_are_what_pandas_counts_from_the_file_itself(large):
    """A few measures counted straight from the CSV with pandas and numpy, none of the project's reading code."""
    raw = pd.read_csv(large.records / "dudley" / LARGE, dtype=str, keep_default_na=False)
    shipped = pd.read_csv(
        large.records / "dudley" / "2024-25_synthetic_complaints.csv", dtype=str, keep_default_na=False
    )
    rows = pd.concat([raw, shipped], ignore_index=True)
    defs = load_definitions(large)
    figures = figures_from_extracts(large, defs, block_bytes=2**18)
    got = figures[(figures["council"] == "dudley") & (figures["year"] == "2024-25")].set_index(["measure", "category"])
    s1 = (rows["Complaint Type"] == "STAT") & (rows["Stage"] == "S1")  # Dudley has no "not accepted" code
    assert got.loc[("statutory_received", ""), "value"] == s1.sum()
    received = pd.to_datetime(rows["Date Received"], format="%d/%m/%Y").to_numpy("datetime64[D]")
    responded = pd.to_datetime(rows["Date Responded"], format="%d/%m/%Y", errors="coerce").to_numpy("datetime64[D]")
    answered = s1.to_numpy() & ~np.isnat(responded)
    calendar = _calendar(received, responded)
    start = np.busday_offset(received[answered], 0, roll="forward", busdaycal=calendar)
    days = np.maximum(np.busday_count(start + 1, responded[answered] + 1, busdaycal=calendar), 0)
    assert got.loc[("statutory_average_response_days", ""), "value"] == pytest.approx(days.mean(), abs=1e-12)
    assert got.loc[("statutory_within_20wd", ""), "value"] == (days <= 20).sum()
    referred = rows.loc[rows["LGO"] == "Y", "Case Ref"].str.strip()
    assert got.loc[("ombudsman_cases", ""), "value"] == referred.nunique()


def test_a_problem_in_a_late_block_is_named_as_the_whole_file_reader_names_it(large):
    """A bad date and a repeated reference far into the large extract: the block-by-block way gives way to
    load_records, and the run stops with the same problems, each with its file, line and column."""
    path = large.records / "dudley" / LARGE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[15_000].split(",")
    cells[1] = "31/02/2024"
    lines[15_000] = ",".join(cells)
    lines[18_000] = lines[17_000]  # the same reference at the same stage
    path.write_text("".join(lines), encoding="utf-8")
    defs = load_definitions(large)
    with pytest.raises(InputError) as expected:
        load_records(large, defs)
    with pytest.raises(InputError) as got:
        figures_from_extracts(large, defs, block_bytes=2**18)
    assert str(got.value) == str(expected.value)
    said = str(got.value)
    assert "line 15001" in said and "'31/02/2024' is not a date written dd/mm/yyyy" in said
    assert "line 18001" in said and "appears more than once (also on line 17001)" in said


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: text.replace("\n", "\r\n"),  # Windows line ends: still quick
        lambda text: text.replace("\n", "\n\n", 3),  # blank lines: the careful reader
        lambda text: text[: text.index("\n", 500_000)] + '\n"unclosed,' + text[text.index("\n", 500_000) :],
    ],
)
def test_quick_or_careful_the_records_are_the_same(large, edit):
    path = large.records / "dudley" / LARGE
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8", newline="")
    defs = load_definitions(large)
    try:
        expected = whole(large)
    except InputError as problem:
        with pytest.raises(InputError) as got:
            figures_from_extracts(large, defs, block_bytes=2**18)
        assert str(got.value) == str(problem)
        return
    pd.testing.assert_frame_equal(figures_from_extracts(large, defs, block_bytes=2**18), expected)


def test_working_days_from_the_table_are_numpys_business_days():
    rng = np.random.default_rng(7)
    received = np.datetime64("2019-12-01") + rng.integers(0, 2500, 20_000).astype("timedelta64[D]")
    responded = received + rng.integers(-30, 120, 20_000).astype("timedelta64[D]")
    received[::53] = np.datetime64("NaT")
    responded[::41] = np.datetime64("NaT")
    ok = ~(np.isnat(received) | np.isnat(responded))
    calendar = _calendar(received[ok], responded[ok])
    start = np.busday_offset(received[ok], 0, roll="forward", busdaycal=calendar)
    expected = np.full(len(received), np.nan)
    expected[ok] = np.maximum(np.busday_count(start + 1, responded[ok] + 1, busdaycal=calendar), 0)
    np.testing.assert_array_equal(working_days(received, responded), expected)


def test_arrow_strips_what_python_strips():
    assert set(SPACES) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_the_scale_bench_runs_and_reports_both_sizes(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "complaints.running.records_scale", "--sizes", "2000", "4000", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert [s["complaints"] for s in figures["sizes"]] == [2000, 4000]
    for size in figures["sizes"]:
        assert size["read_alone"]["made"] == size["complaints"] and size["records"]["made"] > 50
        assert size["ratio_to_read_alone"] > 0
    assert figures["linearity_seconds_per_row_largest_over_smallest"] > 0
    assert not any(tmp_path.glob("records-*/records"))  # the extracts are deleted
