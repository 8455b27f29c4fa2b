"""Published figures: statements transcribed from council documents, read and checked.

One CSV per source document under data/published/<council>/, one row per figure stated, with
the sentence quoted. Each row keeps the file and line it came from, so every later number can
be traced back to it. Every number a row states (value, percentage, change, the year it names,
an extraction date) must be written in its quote: load_published stops the run otherwise, so
`complaints check` and `complaints reports` catch a value edited away from its sentence.

Optional columns (older files without them still load): `claim` (a word such as "majority" the
sentence uses of the figure), `stated_change_points` (a stated change in percentage points),
`stated_year` (the financial year the sentence names for the figure, as written but in the form
2024-25) and `extracted` (a date the document says its data were extracted, yyyy-mm-dd). A value
or percentage written "n/a" (not applicable) is transcribed as no figure, flagged `not_applicable`.

An optional `status` column holds "checked", "to_check" or nothing: `complaints draft` writes
`to_check` on every row it drafts, and a row still `to_check` is a problem until the analyst has
confirmed or corrected it and written `checked` (docs/drafting.md).

Lines at the top of a file whose first cell starts with `#` are comments (tables.read_csv_text). A
file with a header and no rows is accepted when comment lines precede its header: it is a template
not filled in yet (`complaints new-year` writes one per council for the year's annual report), so
nothing is published yet. A bare header with no rows is still a problem: a file that lost its rows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import date
from pathlib import Path

import pandas as pd

from .definitions import Definitions
from .paths import Paths
from .problems import Problem, display, raise_if_any
from .tables import (
    check_column,
    choice_cell,
    excel_date,
    excel_date_hint,
    line_of,
    number_cell,
    read_csv_text,
    required_text,
    to_number,
    year_cell,
)
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
OPTIONAL_COLUMNS = ["claim", "stated_change_points", "stated_year", "extracted"]
ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
NUMERIC = ["value", "stated_pct", "stated_change_pct", "stated_change_abs", "stated_change_points"]
DIRECTIONS = ("increase", "decrease", "same")
QUALIFIERS = ("<", ">", "~")
ROLES = ("summary", "detail")
CLAIMS = ("majority", "most", "minority", "half", "all", "none")
NOT_APPLICABLE = ("n/a", "not applicable")
STATUS = "status"  # optional: "", "checked" or "to_check" (a row `complaints draft` wrote, not yet confirmed)
STATUSES = ("checked", "to_check")
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}


def normalise(text: str) -> str:
    """Documents were extracted from PDFs: drop markup and collapse whitespace before comparing."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text.replace("**", ""))).strip()


def numbers_in(quote: str) -> set[float]:
    """Every number written in a quote, in figures (1,588; 0.37; 71,608.96) or in words (one to twelve)."""
    text = normalise(quote).lower()
    numbers = {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\.?\d*", text) if n.replace(",", "").strip(".")}
    numbers |= {float(v) for w, v in NUMBER_WORDS.items() if re.search(rf"\b{w}\b", text)}
    return numbers


def _is_not_applicable(cell: str) -> bool:
    return cell.strip().lower() in NOT_APPLICABLE


def _number_or_na(minimum: float | None = 0, maximum: float | None = None):
    check = number_cell(minimum=minimum, maximum=maximum)
    return lambda cell: None if _is_not_applicable(cell) else check(cell)


def _date_cell(cell: str) -> str | None:
    if cell == "":
        return None
    try:
        date.fromisoformat(cell)
    except ValueError:
        if excel_date(cell):
            return f"'{cell}' is not a date written yyyy-mm-dd{excel_date_hint(cell)}"
        day = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", cell)
        if day:
            shown = f"{day.group(3)}-{int(day.group(2)):02d}-{int(day.group(1)):02d}"
            return f"'{cell}' is not a date written yyyy-mm-dd: write it {shown} (Excel may have reformatted it)"
        return f"'{cell[:60]}' is not a date written yyyy-mm-dd"
    return None


def quote_problems(frame: pd.DataFrame, name: str) -> list[Problem]:
    """Every number a row states that is not written in its quote (the row's value, percentage,
    stated changes, the first year of stated_year, the day and year of extracted), and a claim word
    the quote does not use. `frame` holds the file's cells as text."""
    problems = []
    for index, row in frame.iterrows():
        numbers = numbers_in(row["quote"])
        text = normalise(row["quote"]).lower()
        for column in NUMERIC:
            cell = row.get(column, "")
            if not cell or _is_not_applicable(cell):
                continue
            value = to_number(cell)
            if value is not None and value not in numbers:
                problems.append(Problem(name, line_of(index), column, f"{cell} is not written in its quote"))
        stated_year = row.get("stated_year", "")
        if stated_year and is_year(stated_year) and float(stated_year[:4]) not in numbers:
            problems.append(
                Problem(name, line_of(index), "stated_year", f"{stated_year[:4]} is not written in its quote")
            )
        extracted = row.get("extracted", "")
        if extracted and _date_cell(extracted) is None:
            day = date.fromisoformat(extracted)
            missing = [str(x) for x in (day.day, day.year) if float(x) not in numbers]
            if missing:
                problems.append(
                    Problem(name, line_of(index), "extracted", f"{' and '.join(missing)} not written in its quote")
                )
        claim = row.get("claim", "")
        if claim and not re.search(rf"\b{re.escape(claim)}\b", text):
            problems.append(Problem(name, line_of(index), "claim", f"'{claim}' is not a word of its quote"))
    return problems


def _status_cell(cell: str) -> str | None:
    if cell == "to_check":
        return "not yet checked: confirm or correct the row, then write checked"
    return choice_cell(STATUSES, "status", optional=True)(cell)


def published_files(paths: Paths) -> list[Path]:
    return sorted(p for p in paths.published.rglob("*.csv") if p != paths.sources_file)


def check_published(
    frame: pd.DataFrame,
    name: str,
    defs: Definitions,
    skip: Collection[str] = (),
    councils: Iterable[str] | None = None,
) -> list[Problem]:
    """Every problem in one published-figures file, cell by cell and row by row.

    skip: the definitions that could not be read ('measures', 'sources'), so not checked against;
    councils: every council with a configuration file (default: those of the definitions)."""
    measures = defs.measures
    problems: list[Problem] = []
    problems += check_column(
        frame, name, "council", choice_cell(defs.councils if councils is None else councils, "council")
    )
    problems += check_column(frame, name, "year", year_cell())
    if "measures" not in skip:
        problems += check_column(frame, name, "measure", choice_cell(measures.index, "measure"))
        problems += check_column(frame, name, "pct_of", choice_cell(measures.index, "measure", optional=True))
    problems += check_column(frame, name, "value", _number_or_na(minimum=0))
    problems += check_column(frame, name, "stated_pct", _number_or_na(minimum=0, maximum=100))
    problems += check_column(frame, name, "stated_change_pct", number_cell(minimum=0))
    problems += check_column(frame, name, "stated_change_abs", number_cell(minimum=0))
    problems += check_column(frame, name, "stated_change_points", number_cell(minimum=0))
    problems += check_column(frame, name, "claim", choice_cell(CLAIMS, "claim", optional=True))
    problems += check_column(frame, name, "stated_year", year_cell(optional=True))
    problems += check_column(frame, name, "extracted", _date_cell)
    problems += check_column(frame, name, "pct_qualifier", choice_cell(QUALIFIERS, "qualifier", optional=True))
    problems += check_column(frame, name, "stated_direction", choice_cell(DIRECTIONS, "direction", optional=True))
    problems += check_column(frame, name, "change_from", year_cell(optional=True))
    problems += check_column(frame, name, "section_role", choice_cell(ROLES, "section role"))
    problems += check_column(frame, name, STATUS, _status_cell)
    if "sources" not in skip:
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
            if measures.at[measure, "unit"] == "share" and row["value"] and not _is_not_applicable(row["value"]):
                problems.append(
                    Problem(
                        name,
                        line,
                        "value",
                        f"measure '{measure}' is only published as a percentage: put it in stated_pct",
                    )
                )
            if measures.at[measure, "unit"] == "count":
                value = to_number(row["value"]) if row["value"] and not _is_not_applicable(row["value"]) else None
                if value is not None and not value.is_integer():
                    problems.append(
                        Problem(
                            name, line, "value", f"{row['value']} is not a whole number, but '{measure}' is a count"
                        )
                    )
        states = [row[c] for c in ("value", "stated_pct", "stated_direction", "stated_change_pct")]
        states += [row[c] for c in ("stated_change_points", "claim", "stated_year", "extracted")]
        if not any(states):
            problems.append(
                Problem(
                    name,
                    line,
                    "value",
                    "the row states no figure: give a value (or n/a), a stated percentage, a stated change, "
                    "a claim, a stated year or an extraction date",
                )
            )
        changes = (row["stated_change_pct"], row["stated_change_abs"], row["stated_direction"])
        if (any(changes) or row["stated_change_points"]) and not row["change_from"]:
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


def load_published(
    paths: Paths, defs: Definitions, skip: Collection[str] = (), councils: Iterable[str] | None = None
) -> pd.DataFrame:
    """All published figures, checked. Raises InputError listing every problem in every file.

    Every row of every file is checked, whatever the other rows and files hold (a row with too many or
    too few cells apart); a row whose cells have problems is not checked against its quote as well.
    skip and councils: see check_published (for checking when some definitions cannot be read)."""
    files = published_files(paths)
    problems: list[Problem] = []
    frames = []
    if not files:
        problems.append(
            Problem(display(paths.published, paths.data.parent), None, None, "no published-figures files (*.csv)")
        )
    for path in files:
        name = display(path, paths.data.parent)
        frame, file_problems = read_csv_text(path, COLUMNS, paths.data.parent, no_rows="template")
        if all(column in frame.columns for column in COLUMNS):
            for column in OPTIONAL_COLUMNS:
                if column not in frame.columns:
                    frame[column] = ""
            cell_problems = check_published(frame, name, defs, skip, councils)
            flagged = {p.row for p in cell_problems}
            unflagged = frame.loc[[line_of(i) not in flagged for i in frame.index]]
            file_problems += cell_problems + quote_problems(unflagged, name)
        problems += file_problems
        if not file_problems:
            frame = frame[ALL_COLUMNS].copy()
            frame["file"] = name
            frame["line"] = [line_of(i) for i in frame.index]
            frames.append(frame)
    raise_if_any(problems)
    figures = pd.concat(frames, ignore_index=True)
    figures["not_applicable"] = figures["value"].map(_is_not_applicable) | figures["stated_pct"].map(_is_not_applicable)
    for col in NUMERIC:
        figures[col] = (
            figures[col].map(lambda c: to_number(c) if c and not _is_not_applicable(c) else None).astype("float64")
        )
    sources = defs.sources["report_year"] if "report_year" in defs.sources.columns else pd.Series(dtype=object)
    figures["report_year"] = figures["source"].map(sources)  # no sources.csv to read: checked, not computed
    figures["order"] = range(len(figures))
    return figures


LEARNING_COLUMNS = ["council", "year", "learning", "complaint_about", "action", "status", "source"]


def load_learning(
    paths: Paths, defs: Definitions, skip: Collection[str] = (), councils: Iterable[str] | None = None
) -> pd.DataFrame:
    """Learning actions published by councils (data/learning/*.csv). Raises InputError listing every problem.
    skip and councils: see check_published."""
    files = sorted(paths.learning.glob("*.csv"))
    frames, problems = [], []
    for path in files:
        name = display(path, paths.data.parent)
        frame, file_problems = read_csv_text(path, LEARNING_COLUMNS, paths.data.parent)
        if all(column in frame.columns for column in LEARNING_COLUMNS):
            known = defs.councils if councils is None else councils
            file_problems += check_column(frame, name, "council", choice_cell(known, "council"))
            file_problems += check_column(frame, name, "year", year_cell())
            file_problems += check_column(frame, name, "action", required_text)
            if "sources" not in skip:
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
