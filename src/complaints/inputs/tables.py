"""Reading CSV input files and checking their fields, collecting every problem found.

Each check takes the column as strings (empty string for a blank cell) and returns the
problems it found; nothing stops at the first problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from .problems import Problem, display
from .years import is_year


# line in the file of the row with index i: the header is line 1
def line_of(index: int) -> int:
    return int(index) + 2


def read_csv_text(path: Path, required: Iterable[str], base: Path | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV with every cell as text. Problems: unreadable, empty, missing columns."""
    name = display(path, base)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        return pd.DataFrame(), [Problem(name, None, None, "the file is empty")]
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        return pd.DataFrame(), [Problem(name, None, None, f"cannot be read as CSV: {exc}")]
    frame.columns = [str(c).strip() for c in frame.columns]
    problems = [Problem(name, 1, col, "required column is missing") for col in required if col not in frame.columns]
    if frame.empty and not problems:
        problems.append(Problem(name, None, None, "the file has a header but no rows"))
    frame = frame.apply(lambda col: col.str.strip())
    return frame, problems


def to_number(text: str) -> float | None:
    """A number written in a cell, allowing thousands separators and a pound sign; None if not one."""
    cleaned = text.replace(",", "").replace("£", "").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if pd.notna(value) and abs(value) != float("inf") else None


Check = Callable[[str], str | None]  # returns a message when the cell is wrong


def check_column(frame: pd.DataFrame, file: str, column: str, check: Check) -> list[Problem]:
    if column not in frame.columns:
        return []
    problems = []
    for index, cell in frame[column].items():
        message = check(cell)
        if message:
            problems.append(Problem(file, line_of(index), column, message))
    return problems


def required_text(cell: str) -> str | None:
    return "is empty" if cell == "" else None


def year_cell(optional: bool = False) -> Check:
    def check(cell: str) -> str | None:
        if cell == "":
            return None if optional else "is empty; expected a financial year like 2024-25"
        return None if is_year(cell) else f"'{cell}' is not a financial year written like 2024-25"

    return check


def number_cell(minimum: float | None = 0, maximum: float | None = None, whole: bool = False) -> Check:
    def check(cell: str) -> str | None:
        if cell == "":
            return None
        value = to_number(cell)
        if value is None:
            return f"'{cell}' is not a number"
        if minimum is not None and value < minimum:
            return f"{cell} is negative" if minimum == 0 else f"{cell} is below {minimum:g}"
        if maximum is not None and value > maximum:
            return f"{cell} is above {maximum:g}"
        if whole and not float(value).is_integer():
            return f"{cell} is not a whole number"
        return None

    return check


def choice_cell(choices: Iterable[str], what: str, optional: bool = False) -> Check:
    allowed = set(choices)

    def check(cell: str) -> str | None:
        if cell == "":
            return None if optional else f"is empty; expected a {what}"
        if cell in allowed:
            return None
        shown = ", ".join(sorted(allowed)) if len(allowed) <= 8 else f"see the list of {what}s"
        return f"'{cell}' is not a known {what} ({shown})"

    return check
