"""The inputs of the Complaint Handling Code's annual report, read and checked.

From 1 April 2026 (financial year 2026-27 onwards) the Local Government and Social Care Ombudsman's
Complaint Handling Code applies to councils' corporate complaints. Its section 8 asks for an annual
complaints performance and service improvement report. Besides the council's complaint records, that
report needs three files per council and year, under data/code/<council>/ (docs/code_report_inputs.md):

- `<year>_<anything>_self_assessment.csv`: the council's self-assessment against the Code, one row per
  provision (provision, section, requirement, met, evidence, action);
- `<year>_<anything>_ombudsman_letter.csv`: the figures of the Ombudsman's annual letter about the
  council (measure, value, note), each measure at most once, a blank value where the letter gives none;
- `<year>_<anything>_code_report.toml`: the governance response and the Ombudsman's findings and
  reports (every setting optional, unknown settings refused).

`<anything>` may be left out (`2027-28_self_assessment.csv`). A file whose name contains `synthetic` is
demonstration data: it feeds the demonstration report, and only while no real file of that council,
year and kind provides anything (a real file that is still empty, as `complaints new-year` writes it,
replaces nothing). Lines at the top of the CSV files whose first cell starts with `#` are comments; a
CSV file with a header and no rows is valid and means "not provided yet", as is a TOML file with every
setting left out.

Every file is checked, synthetic ones included, whatever the others hold, and every problem is listed
with its file, line and column (for the TOML file, the setting and the line it is on).
`check_code_inputs` returns the problems; `load_code_inputs` raises one InputError listing them all.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import pandas as pd
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from .clocks import CODE_IN_FORCE
from .definitions import Definitions
from .paths import Paths
from .problems import Problem, display, raise_if_any
from .tables import check_column, choice_cell, line_of, read_csv_text, required_text, to_number
from .years import is_year, year_bounds

FIRST_YEAR = f"{CODE_IN_FORCE.year}-{(CODE_IN_FORCE.year + 1) % 100:02d}"  # 2026-27: the Code's first year
SELF_ASSESSMENT, OMBUDSMAN_LETTER, CODE_REPORT = "self_assessment", "ombudsman_letter", "code_report"
FILE_NAME = re.compile(
    r"^(?P<year>[^_]+)(?:_(?P<what>.+?))?_(?P<kind>self_assessment|ombudsman_letter|code_report)\.(?P<ext>[A-Za-z]+)$"
)
MET = ("yes", "partly", "no")
PROVISION = re.compile(r"^\d{1,2}(\.\d{1,2}){1,2}[a-z]?$")
RATE_TOLERANCE = 1.0  # percentage points between upheld_rate and upheld / detailed_investigations


def applies(year: str) -> bool:
    """True for a financial year the Code applies to (2026-27 onwards)."""
    return is_year(year) and year >= FIRST_YEAR


# ---------------------------------------------------------------------------------------------
# What each file holds (new-year's templates and docs/code_report_inputs.md are written from this)


@dataclass(frozen=True)
class CodeColumn:
    name: str
    explanation: str  # one line: what goes in it, and what values it takes


@dataclass(frozen=True)
class CodeFile:
    kind: str  # self_assessment | ombudsman_letter | code_report
    suffix: str  # csv | toml
    explanation: str  # one line: what the file is
    columns: tuple[CodeColumn, ...]  # the CSV's columns, or the TOML file's settings

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def file_name(self, year: str, what: str = "") -> str:
        """data/code/<council>/<this>: 2027-28_self_assessment.csv, 2026-27_synthetic_code_report.toml."""
        return f"{year}_{what + '_' if what else ''}{self.kind}.{self.suffix}"


@dataclass(frozen=True)
class LetterMeasure:
    unit: str  # count | percent
    explanation: str


LETTER_MEASURES: dict[str, LetterMeasure] = {
    "complaints_and_enquiries_received": LetterMeasure(
        "count", "complaints and enquiries the Ombudsman received about the council in the year"
    ),
    "decisions_made": LetterMeasure("count", "decisions the Ombudsman made about the council in the year"),
    "detailed_investigations": LetterMeasure("count", "decisions made after a detailed investigation"),
    "upheld": LetterMeasure("count", "detailed investigations whose complaint was upheld"),
    "upheld_rate": LetterMeasure(
        "percent", "upheld, as a percentage of detailed investigations (0 to 100), as the letter gives it"
    ),
    "similar_authorities_upheld_rate": LetterMeasure(
        "percent", "the average upheld percentage of similar authorities (0 to 100), as the letter gives it"
    ),
    "compliance_rate": LetterMeasure(
        "percent", "the Ombudsman's recommendations the council complied with, as a percentage (0 to 100)"
    ),
    "satisfactory_remedy": LetterMeasure(
        "count", "upheld cases where the council had already provided a satisfactory remedy"
    ),
}
# each is at most the next one that is given: satisfactory_remedy <= upheld <= detailed <= decisions
CHAIN = ("satisfactory_remedy", "upheld", "detailed_investigations", "decisions_made")
CHAIN_NOUNS = {
    "satisfactory_remedy": "cases the council had already remedied",
    "upheld": "upheld cases",
    "detailed_investigations": "detailed investigations",
    "decisions_made": "decisions made",
}

CODE_FILES: tuple[CodeFile, ...] = (
    CodeFile(
        SELF_ASSESSMENT,
        "csv",
        "the council's self-assessment against the Complaint Handling Code: one row per provision",
        (
            CodeColumn("provision", "the Code's paragraph number, such as 1.2; each provision once; required"),
            CodeColumn("section", "the Code's section title, such as Definition of a complaint; required"),
            CodeColumn("requirement", "what the Code asks there, in brief; required"),
            CodeColumn("met", "whether the council meets it: yes, partly or no; required"),
            CodeColumn("evidence", "how the council meets it: the policy, page or practice that shows it"),
            CodeColumn("action", "what the council will do and by when; required when met is partly or no"),
        ),
    ),
    CodeFile(
        OMBUDSMAN_LETTER,
        "csv",
        "the figures of the Ombudsman's annual letter about the council: one row per measure",
        (
            CodeColumn("measure", f"one of {', '.join(LETTER_MEASURES)}; each at most once"),
            CodeColumn(
                "value",
                "the figure as the letter gives it: a count as a whole number, a percentage from 0 to 100 "
                "(a % sign may follow); blank = the letter does not give it",
            ),
            CodeColumn("note", "anything a reader should know about the figure"),
        ),
    ),
    CodeFile(
        CODE_REPORT,
        "toml",
        "the governance response and the Ombudsman's findings and reports the Code report prints",
        (
            CodeColumn("governance_body", 'text: the committee or board that responded, such as "Audit Committee"'),
            CodeColumn("governance_date", "date: the day it responded, written like 2027-07-15"),
            CodeColumn("governance_response", "text: the governing body's response, printed as it is given"),
            CodeColumn(
                "ombudsman_non_compliance",
                "list of texts: the Ombudsman's findings of non-compliance with the Code about the council; [] = none",
            ),
            CodeColumn(
                "other_ombudsman_reports",
                "list of texts: other relevant Ombudsman reports or publications about the council; [] = none",
            ),
        ),
    ),
)
BY_KIND = {f.kind: f for f in CODE_FILES}

SELF_ASSESSMENT_COLUMNS = ["council", "year", "synthetic", "file", "line", *BY_KIND[SELF_ASSESSMENT].names]
LETTER_COLUMNS = ["council", "year", "synthetic", "file", "line", "measure", "value", "note"]
FILES_COLUMNS = ["council", "year", "kind", "file", "synthetic", "used", "path"]


# ---------------------------------------------------------------------------------------------
# The TOML file's schema


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "is empty")
    return value.strip()


def _to_date(value: Any) -> Any:
    """A date written like 2027-07-15, as a TOML date or in quotes; a date and time is refused."""
    if isinstance(value, datetime):
        raise PydanticCustomError("date_time", "is a date and time")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError("date_text", "is not a date") from None
    return value


Text = Annotated[str, AfterValidator(_not_blank)]


class CodeStatement(BaseModel):
    """data/code/<council>/<year>_..._code_report.toml, checked: every setting optional (None = not given);
    a list given empty says there is none."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    governance_body: Text | None = None
    governance_date: Annotated[date | None, BeforeValidator(_to_date)] = None
    governance_response: Text | None = None
    ombudsman_non_compliance: list[Text] | None = None
    other_ombudsman_reports: list[Text] | None = None

    @property
    def provides(self) -> bool:
        """True when any setting is given."""
        return any(getattr(self, name) is not None for name in type(self).model_fields)


_EXPECTED = {
    "governance_body": 'a text in quotes, such as "Audit and Standards Committee"',
    "governance_date": "a date written like 2027-07-15",
    "governance_response": 'a text in quotes (three quotes """ around a text of several lines)',
    "ombudsman_non_compliance": 'a list of texts, such as ["The council did not ..."], or [] for none',
    "other_ombudsman_reports": 'a list of texts, such as ["Focus report: ..."], or [] for none',
}


def _given(value: Any) -> str:
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} is a true/false value"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"'{shown}' is a text"
    if isinstance(value, int | float):
        return f"{value} is a number"
    if isinstance(value, datetime):
        return f"{value.isoformat()} is a date and time"
    if isinstance(value, date):
        return f"{value.isoformat()} is a date"
    if isinstance(value, list):
        return "a list is given"
    if isinstance(value, dict):
        return "a table is given"
    return f"{value!r} is given"


def _statement_message(error: dict) -> str:
    loc, kind, value = error["loc"], error["type"], error.get("input")
    key = str(loc[0]) if loc else ""
    known = list(CodeStatement.model_fields)
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"'{key}' is not a setting of this file (known: {', '.join(known)}){hint}"
    expected = _EXPECTED.get(key, "another value")
    if len(loc) > 1:  # an item of a list
        expected = "a non-empty text in quotes"
    if kind == "blank":
        return f"is empty; expected {expected} (leave the setting out, or comment it out with #, if there is none)"
    if kind == "date_time":
        return f"{_given(value)}; expected a date without a time, written like 2027-07-15"
    if kind == "date_text":
        return f"'{value}' is not a date written like 2027-07-15"
    return f"{_given(value)}; expected {expected}"


def _setting_line(text: str, key: str) -> int | None:
    """The line a top-level setting is written on (None when it cannot be found)."""
    match = re.search(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def check_statement(text: str, name: str) -> tuple[CodeStatement | None, list[Problem]]:
    """A ..._code_report.toml file's text checked: (the model, []) or (None, every problem)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = re.search(r"\(at line (\d+), column \d+\)", message)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "cannot be read"
        return None, [
            Problem(
                name,
                int(at.group(1)) if at else None,
                None,
                f'is not valid TOML: {reason}. Texts go in quotes ("..."), lists in square brackets, '
                "dates like 2027-07-15",
            )
        ]
    try:
        return CodeStatement.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            setting = "".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc) or None
            line = _setting_line(text, str(loc[0])) if loc else None
            problems.append(Problem(name, line, setting, _statement_message(error)))
        return None, problems


# ---------------------------------------------------------------------------------------------
# The files


@dataclass(frozen=True)
class CodeInputFile:
    path: Path
    name: str  # as messages show it: data/code/dudley/2026-27_synthetic_self_assessment.csv
    council: str
    year: str
    kind: str

    @property
    def synthetic(self) -> bool:
        return "synthetic" in self.path.name.lower()


def _ignored(path: Path) -> bool:
    return path.name.startswith((".", "~$")) or path.suffix.lower() in (".md", ".txt")


def code_files(paths: Paths, councils: Iterable[str]) -> tuple[list[CodeInputFile], list[Problem]]:
    """Every file under data/code/<council>/ that names a Code input, and the problems of the folders and
    names: a folder that is not a council's, a file outside a council's folder, a name that is not
    <year>_<anything>_<kind>.<csv|toml>, a year written wrongly or before the Code applied."""
    root = paths.code_inputs
    base = paths.data.parent
    known = set(councils)
    files: list[CodeInputFile] = []
    problems: list[Problem] = []
    if not root.is_dir():
        return files, problems
    pattern = "<year>_<anything>_<self_assessment.csv|ombudsman_letter.csv|code_report.toml>"
    for entry in sorted(root.iterdir()):
        if _ignored(entry):
            continue
        name = display(entry, base)
        if not entry.is_dir():
            problems.append(
                Problem(name, None, None, "the Code's files go in a council's folder: data/code/<council>/" + pattern)
            )
            continue
        if entry.name not in known:
            problems.append(
                Problem(name, None, None, f"'{entry.name}' is not a council with a configuration in data/councils/")
            )
            continue
        for path in sorted(entry.iterdir()):
            if _ignored(path) or path.is_dir():
                continue
            name = display(path, base)
            match = FILE_NAME.match(path.name)
            if not match:
                problems.append(
                    Problem(
                        name,
                        None,
                        None,
                        f"is not one of the Code's files: name it {pattern}, with the financial year written "
                        "like 2026-27 (docs/code_report_inputs.md)",
                    )
                )
                continue
            year, kind, ext = match.group("year"), match.group("kind"), match.group("ext")
            wanted = BY_KIND[kind].suffix
            if ext != wanted:
                save = " (in Excel, save it as 'CSV UTF-8 (Comma delimited)')" if wanted == "csv" else ""
                problems.append(Problem(name, None, None, f"a {kind} file is a .{wanted} file, not .{ext}{save}"))
                continue
            if not is_year(year):
                problems.append(
                    Problem(name, None, None, f"'{year}' in the file name is not a financial year written like 2026-27")
                )
                continue
            if not applies(year):
                problems.append(
                    Problem(
                        name,
                        None,
                        None,
                        f"is for {year}, but the Complaint Handling Code applies from 1 April 2026 ({FIRST_YEAR} "
                        "onwards): there is no Code report for an earlier year",
                    )
                )
                continue
            files.append(CodeInputFile(path, name, entry.name, year, kind))
    return files, problems


def _twice(files: list[CodeInputFile]) -> list[Problem]:
    """Two real (or two synthetic) files of one council, year and kind: which is meant is not known."""
    problems = []
    groups: dict[tuple, list[CodeInputFile]] = {}
    for f in files:
        groups.setdefault((f.council, f.year, f.kind, f.synthetic), []).append(f)
    for (council, year, kind, synthetic), group in groups.items():
        if len(group) < 2:
            continue
        for f in group:
            others = ", ".join(g.path.name for g in group if g is not f)
            what = "synthetic " if synthetic else ""
            problems.append(
                Problem(
                    f.name,
                    None,
                    None,
                    f"is one of {len(group)} {what}{kind} files for {council} {year} (also {others}): keep one",
                )
            )
    return problems


def _read_text(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, None, None, f"cannot be read: {exc.strerror or exc}")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [
            Problem(name, line, None, "is not saved as UTF-8 text: save it with the encoding UTF-8 in your editor")
        ]


# ---------------------------------------------------------------------------------------------
# Checking each kind


def _provision_cell(cell: str) -> str | None:
    if cell == "":
        return "is empty; expected the Code's paragraph number, such as 1.2"
    return None if PROVISION.match(cell) else f"'{cell[:40]}' is not a paragraph of the Code written like 1.2"


def _met_cell(cell: str) -> str | None:
    if cell == "":
        return "is empty; expected yes, partly or no"
    return None if cell in MET else f"'{cell[:40]}' is not yes, partly or no (written in lower case)"


def check_self_assessment(frame: pd.DataFrame, name: str) -> list[Problem]:
    problems: list[Problem] = []
    problems += check_column(frame, name, "provision", _provision_cell)
    for column in ("section", "requirement"):
        problems += check_column(frame, name, column, required_text)
    problems += check_column(frame, name, "met", _met_cell)
    first: dict[str, int] = {}
    for index, row in frame.iterrows():
        line, provision = line_of(index), row["provision"]
        if row["met"] in ("partly", "no") and not row["action"]:
            problems.append(
                Problem(
                    name,
                    line,
                    "action",
                    f"is empty, but met is '{row['met']}': say what the council will do and by when",
                )
            )
        if not provision:
            continue
        if provision in first:
            hint = (
                f" (did Excel turn {provision}0 into {provision}? format the column as text)"
                if re.fullmatch(r"\d+\.[1-9]", provision)
                else ""
            )
            problems.append(
                Problem(
                    name,
                    line,
                    "provision",
                    f"{provision} is assessed twice (also on line {first[provision]}): each provision once{hint}",
                )
            )
        else:
            first[provision] = line
    return problems


def _letter_value(measure: str):
    unit = LETTER_MEASURES[measure].unit if measure in LETTER_MEASURES else None

    def check(cell: str) -> str | None:
        if cell == "":
            return None
        text = cell.strip()
        percent = text.endswith("%")
        value = to_number(text[:-1] if percent else text)
        if value is None:
            return f"'{cell[:40]}' is not a number"
        if unit == "count":
            if percent:
                return f"'{cell}' is a percentage, but {measure} is a count"
            if value < 0:
                return f"{cell} is negative; {measure} is a count"
            if not float(value).is_integer():
                return f"{cell} is not a whole number, but {measure} is a count"
        if unit == "percent" and not 0 <= value <= 100:
            return f"{cell} is not a percentage from 0 to 100"
        return None

    return check


def letter_number(cell: str) -> float | None:
    """The number a checked value cell holds (a percentage's % sign dropped); None when blank."""
    text = cell.strip()
    if not text:
        return None
    return to_number(text[:-1] if text.endswith("%") else text)


def check_letter(frame: pd.DataFrame, name: str) -> list[Problem]:
    problems = check_column(frame, name, "measure", choice_cell(LETTER_MEASURES, "measure of the Ombudsman's letter"))
    first: dict[str, int] = {}
    values: dict[str, tuple[float, int]] = {}  # measure -> (value, line), for the rows without problems
    for index, row in frame.iterrows():
        line, measure = line_of(index), row["measure"]
        message = _letter_value(measure)(row["value"])
        if message:
            problems.append(Problem(name, line, "value", message))
        if measure in first:
            problems.append(
                Problem(name, line, "measure", f"{measure} is given twice (also on line {first[measure]}): once only")
            )
            continue
        if measure:
            first[measure] = line
        if measure in LETTER_MEASURES and not message and row["value"]:
            values[measure] = (letter_number(row["value"]), line)
    for i, measure in enumerate(CHAIN):
        if measure not in values:
            continue
        above = next((m for m in CHAIN[i + 1 :] if m in values), None)
        if above is None:
            continue
        (value, line), (limit, limit_line) = values[measure], values[above]
        if value > limit:
            problems.append(
                Problem(
                    name,
                    line,
                    "value",
                    f"{measure} {value:g} is more than {above} {limit:g} (line {limit_line}): "
                    f"the {CHAIN_NOUNS[measure]} are among the {CHAIN_NOUNS[above]}",
                )
            )
    if "upheld_rate" in values and "upheld" in values and "detailed_investigations" in values:
        rate, line = values["upheld_rate"]
        upheld, upheld_line = values["upheld"]
        detailed, detailed_line = values["detailed_investigations"]
        if detailed > 0 and upheld <= detailed and abs(rate - 100 * upheld / detailed) > RATE_TOLERANCE:
            problems.append(
                Problem(
                    name,
                    line,
                    "value",
                    f"upheld_rate {rate:g}% does not agree with upheld / detailed_investigations = "
                    f"{upheld:g} / {detailed:g} = {100 * upheld / detailed:.1f}% (lines {upheld_line} and "
                    f"{detailed_line}): they should agree to within {RATE_TOLERANCE:g} percentage point",
                )
            )
    return problems


# ---------------------------------------------------------------------------------------------
# The inputs together


class CodeForReport(NamedTuple):
    """One council-year's inputs for one kind of Code report (real, or synthetic for the demonstration)."""

    self_assessment: pd.DataFrame  # SELF_ASSESSMENT_COLUMNS; empty when none
    letter: pd.DataFrame  # LETTER_COLUMNS; empty when none
    statement: CodeStatement | None  # None when there is no ..._code_report.toml


@dataclass
class CodeInputs:
    """Every Code input checked. Only the files used are in the frames and `statements`: a synthetic file is
    left out where a real file of its council, year and kind provides something (`files` lists all, with
    `used`)."""

    self_assessment: pd.DataFrame = field(default_factory=lambda: _empty(SELF_ASSESSMENT_COLUMNS))
    letter: pd.DataFrame = field(default_factory=lambda: _empty(LETTER_COLUMNS))
    statements: dict[tuple[str, str, bool], CodeStatement] = field(default_factory=dict)  # (council, year, synthetic)
    files: pd.DataFrame = field(default_factory=lambda: _empty(FILES_COLUMNS))

    def for_report(self, council: str, year: str, synthetic: bool) -> CodeForReport:
        """That council-year's self-assessment, letter and statement: the synthetic files' for the demonstration
        (synthetic=True), the real ones' otherwise; empty frames and None for what is missing."""

        def rows(frame: pd.DataFrame) -> pd.DataFrame:
            if frame.empty:
                return frame.copy()
            keep = (frame["council"] == council) & (frame["year"] == year) & (frame["synthetic"] == bool(synthetic))
            return frame[keep].reset_index(drop=True)

        return CodeForReport(
            rows(self.self_assessment), rows(self.letter), self.statements.get((council, year, bool(synthetic)))
        )


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class _Read:
    file: CodeInputFile
    frame: pd.DataFrame | None = None  # a CSV's rows (line kept)
    statement: CodeStatement | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def provides(self) -> bool:
        if self.problems:
            return False
        if self.file.kind == CODE_REPORT:
            return self.statement is not None and self.statement.provides
        if self.file.kind == OMBUDSMAN_LETTER:
            return self.frame is not None and bool((self.frame["value"] != "").any())
        return self.frame is not None and len(self.frame) > 0


def _read(f: CodeInputFile, base: Path) -> _Read:
    read = _Read(f)
    if f.kind == CODE_REPORT:
        text, read.problems = _read_text(f.path, f.name)
        if text is not None:
            read.statement, read.problems = check_statement(text, f.name)
            if read.statement is not None and read.statement.governance_date is not None:
                start, _ = year_bounds(f.year)
                if read.statement.governance_date < start.date():
                    read.problems.append(
                        Problem(
                            f.name,
                            _setting_line(text, "governance_date"),
                            "governance_date",
                            f"{read.statement.governance_date.isoformat()} is before {f.year} began: the response "
                            "to a year's report comes after the year starts",
                        )
                    )
                    read.statement = None
        return read
    columns = BY_KIND[f.kind].names
    frame, problems = read_csv_text(f.path, columns, base, no_rows="ok")
    if all(c in frame.columns for c in columns):
        check = check_self_assessment if f.kind == SELF_ASSESSMENT else check_letter
        problems += check(frame, f.name)
    read.problems = problems
    if not problems:
        read.frame = frame[columns].assign(line=[line_of(i) for i in frame.index])
    return read


def read_code_inputs(
    paths: Paths, defs: Definitions, councils: Iterable[str] | None = None
) -> tuple[CodeInputs, list[Problem]]:
    """The Code inputs as far as they can be read (a file with problems left out) and every problem. councils:
    every council with a configuration file (default: those of the definitions)."""
    known = list(defs.councils) if councils is None else list(councils)
    files, problems = code_files(paths, known)
    problems += _twice(files)
    reads = [_read(f, paths.data.parent) for f in files]
    for read in reads:
        problems += read.problems
    provided = {(r.file.council, r.file.year, r.file.kind) for r in reads if not r.file.synthetic and r.provides}
    used = [not (r.file.synthetic and (r.file.council, r.file.year, r.file.kind) in provided) for r in reads]
    frames: dict[str, list[pd.DataFrame]] = {SELF_ASSESSMENT: [], OMBUDSMAN_LETTER: []}
    statements: dict[tuple[str, str, bool], CodeStatement] = {}
    for read, use in zip(reads, used):
        f = read.file
        if not use or read.problems:
            continue
        if f.kind == CODE_REPORT:
            if read.statement is not None:
                statements[(f.council, f.year, f.synthetic)] = read.statement
        elif read.frame is not None and len(read.frame):
            frames[f.kind].append(read.frame.assign(council=f.council, year=f.year, synthetic=f.synthetic, file=f.name))
    inputs = CodeInputs(
        self_assessment=_frame(frames[SELF_ASSESSMENT], SELF_ASSESSMENT_COLUMNS),
        letter=_letter_frame(frames[OMBUDSMAN_LETTER]),
        statements=statements,
        files=pd.DataFrame(
            [
                {
                    "council": r.file.council,
                    "year": r.file.year,
                    "kind": r.file.kind,
                    "file": r.file.name,
                    "synthetic": r.file.synthetic,
                    "used": use,
                    "path": r.file.path,
                }
                for r, use in zip(reads, used)
            ],
            columns=FILES_COLUMNS,
        ),
    )
    return inputs, problems


def _frame(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return _empty(columns)
    frame = pd.concat(parts, ignore_index=True)[columns]
    frame["synthetic"] = frame["synthetic"].astype(bool)
    frame["line"] = frame["line"].astype("int64")
    return frame


def _letter_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    frame = _frame(parts, LETTER_COLUMNS)
    frame["value"] = frame["value"].map(letter_number).astype("float64")
    return frame


def check_code_inputs(
    paths: Paths, defs: Definitions, councils: Iterable[str] | None = None
) -> tuple[CodeInputs | None, list[Problem]]:
    """Every Code input read and checked: (the inputs, []) or (None, every problem). Never raises for bad input."""
    inputs, problems = read_code_inputs(paths, defs, councils)
    return (None, problems) if problems else (inputs, [])


def load_code_inputs(paths: Paths, defs: Definitions, councils: Iterable[str] | None = None) -> CodeInputs:
    """Every Code input read and checked. Raises InputError listing every problem of every file."""
    inputs, problems = check_code_inputs(paths, defs, councils)
    raise_if_any(problems)
    assert inputs is not None
    return inputs
