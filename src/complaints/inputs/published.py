"""Published figures: statements transcribed from council documents, read and checked.

One CSV per source document under data/published/<council>/, one row per figure stated, with
the sentence quoted. Each row keeps the file and line it came from, so every later number can
be traced back to it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .definitions import Definitions
from .paths import Paths
from .problems import Problem, display, raise_if_any
from .tables import check_column, choice_cell, line_of, number_cell, read_csv_text, required_text, to_number, year_cell
from .years import is_year

COLUMNS = [
    "council",
    "year",
    "measure",
    "category",
    "value",
    "stated_pct",
    "pct_qualifier",
    "pct_of",
    "change_from",
    "stated_change_pct",
    "stated_change_abs",
    "stated_direction",
    "source",
    "section",
    "section_role",
    "quote",
    "note",
]
NUMERIC = ["value", "stated_pct", "stated_change_pct", "stated_change_abs"]
DIRECTIONS = ("increase", "decrease", "same")
QUALIFIERS = ("<", ">", "~")
ROLES = ("summary", "detail")


def published_files(paths: Paths) -> list[Path]:
    return sorted(p for p in paths.published.rglob("*.csv") if p != paths.sources_file)


def check_published(frame: pd.DataFrame, name: str, defs: Definitions) -> list[Problem]:
    """Every problem in one published-figures file, cell by cell and row by row."""
    measures = defs.measures
    problems: list[Problem] = []
    problems += check_column(frame, name, "council", choice_cell(defs.councils, "council"))
    problems += check_column(frame, name, "year", year_cell())
    problems += check_column(frame, name, "measure", choice_cell(measures.index, "measure"))
    problems += check_column(frame, name, "pct_of", choice_cell(measures.index, "measure", optional=True))
    problems += check_column(frame, name, "value", number_cell(minimum=0))
    problems += check_column(frame, name, "stated_pct", number_cell(minimum=0, maximum=100))
    problems += check_column(frame, name, "stated_change_pct", number_cell(minimum=0))
    problems += check_column(frame, name, "stated_change_abs", number_cell(minimum=0))
    problems += check_column(frame, name, "pct_qualifier", choice_cell(QUALIFIERS, "qualifier", optional=True))
    problems += check_column(frame, name, "stated_direction", choice_cell(DIRECTIONS, "direction", optional=True))
    problems += check_column(frame, name, "change_from", year_cell(optional=True))
    problems += check_column(frame, name, "section_role", choice_cell(ROLES, "section role"))
    problems += check_column(
        frame, name, "source", choice_cell(defs.sources.index, "source document (see data/published/sources.csv)")
    )
    for col in ("section", "quote"):
        problems += check_column(frame, name, col, required_text)

    for index, row in frame.iterrows():
        line = line_of(index)
        measure = row["measure"]
        if measure in measures.index:
            by_category = measures.at[measure, "by_category"] == "yes"
            if by_category and not row["category"]:
                problems.append(
                    Problem(
                        name,
                        line,
                        "category",
                        f"measure '{measure}' is broken down by category, so a category is needed",
                    )
                )
            if not by_category and row["category"]:
                problems.append(Problem(name, line, "category", f"measure '{measure}' has no categories"))
            if measures.at[measure, "unit"] == "share" and row["value"]:
                problems.append(
                    Problem(
                        name,
                        line,
                        "value",
                        f"measure '{measure}' is only published as a percentage: put it in stated_pct",
                    )
                )
            if measures.at[measure, "unit"] == "count":
                value = to_number(row["value"]) if row["value"] else None
                if value is not None and not value.is_integer():
                    problems.append(
                        Problem(
                            name, line, "value", f"{row['value']} is not a whole number, but '{measure}' is a count"
                        )
                    )
        if not (row["value"] or row["stated_pct"] or row["stated_direction"] or row["stated_change_pct"]):
            problems.append(
                Problem(
                    name,
                    line,
                    "value",
                    "the row states no figure: give a value, a stated percentage or a stated change",
                )
            )
        if (row["stated_change_pct"] or row["stated_change_abs"] or row["stated_direction"]) and not row["change_from"]:
            problems.append(Problem(name, line, "change_from", "a stated change needs the year it is compared with"))
        if (
            row["change_from"]
            and is_year(row["change_from"])
            and is_year(row["year"])
            and row["change_from"] >= row["year"]
        ):
            problems.append(Problem(name, line, "change_from", f"{row['change_from']} is not before {row['year']}"))
        if row["council"] in defs.councils and row["source"] in defs.sources.index:
            source_council = defs.sources.at[row["source"], "council"]
            if source_council != row["council"]:
                problems.append(
                    Problem(
                        name, line, "source", f"'{row['source']}' is a {source_council} document, not {row['council']}"
                    )
                )
    return problems


def load_published(paths: Paths, defs: Definitions) -> pd.DataFrame:
    """All published figures, checked. Raises InputError listing every problem in every file."""
    files = published_files(paths)
    problems: list[Problem] = []
    frames = []
    if not files:
        problems.append(
            Problem(display(paths.published, paths.data.parent), None, None, "no published-figures files (*.csv)")
        )
    for path in files:
        name = display(path, paths.data.parent)
        frame, file_problems = read_csv_text(path, COLUMNS, paths.data.parent)
        if not file_problems:
            file_problems = check_published(frame, name, defs)
        problems += file_problems
        if not file_problems:
            frame = frame[COLUMNS].copy()
            frame["file"] = name
            frame["line"] = [line_of(i) for i in frame.index]
            frames.append(frame)
    raise_if_any(problems)
    figures = pd.concat(frames, ignore_index=True)
    for col in NUMERIC:
        figures[col] = figures[col].map(lambda c: to_number(c) if c else None).astype("float64")
    figures["report_year"] = figures["source"].map(defs.sources["report_year"])
    figures["order"] = range(len(figures))
    return figures


LEARNING_COLUMNS = ["council", "year", "learning", "complaint_about", "action", "status", "source"]


def load_learning(paths: Paths, defs: Definitions) -> pd.DataFrame:
    """Learning actions published by councils (data/learning/*.csv). Raises InputError listing every problem."""
    files = sorted(paths.learning.glob("*.csv"))
    frames, problems = [], []
    for path in files:
        name = display(path, paths.data.parent)
        frame, file_problems = read_csv_text(path, LEARNING_COLUMNS, paths.data.parent)
        if not file_problems:
            file_problems += check_column(frame, name, "council", choice_cell(defs.councils, "council"))
            file_problems += check_column(frame, name, "year", year_cell())
            file_problems += check_column(frame, name, "action", required_text)
            file_problems += check_column(
                frame,
                name,
                "source",
                choice_cell(defs.sources.index, "source document (see data/published/sources.csv)"),
            )
        problems += file_problems
        if not file_problems:
            frames.append(frame[LEARNING_COLUMNS])
    raise_if_any(problems)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LEARNING_COLUMNS)
