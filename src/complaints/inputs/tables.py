"""Reading CSV input files and checking their fields, collecting every problem found.

Every CSV the project reads (definitions, published figures, sources.csv, learning actions and
complaint extracts) is first checked as a file, whatever it holds; each problem is a sentence
with the file, and the line and column where they apply:

- an empty file; an Excel workbook or a UTF-16 ("Unicode Text") file saved under a .csv name;
- text that is not UTF-8 (said to look like Windows-1252 when it reads as that, which is what
  Excel writes for "CSV (Comma delimited)"), with how to save it as UTF-8; a UTF-8 byte order
  mark (what Excel writes for "CSV UTF-8") is accepted silently;
- NUL bytes (character zero), which no text file holds;
- a header that is one column holding semicolons or tabs (a file separated by them, not by
  commas), names given to two columns, required columns missing (every one named);
- rows with more or fewer cells than the header (blank lines are not rows);
- a cell longer than MAX_CELL characters, and a quote mark that opens a cell and is never closed
  (the rest of the file would be read as one cell).

A row with too many or too few cells, or with a cell too long, is left out of the cell checks (its
cells may be in the wrong columns); the other rows are still checked, so one run lists everything.

Comments: read_csv_text skips the lines at the top of a file, before its header, whose first cell
starts with `#` (explanations for the analyst, as `complaints new-year` writes them; Excel may have
put the comment in quotes and added empty cells after it). Every other line keeps its number in the
file, so messages name the lines an editor shows. A `#` line after the header is a row like any other.
A header with no rows is a problem unless the reader says otherwise (`no_rows`).

Each cell check takes the column as strings (empty string for a blank cell) and returns the
problems it found; nothing stops at the first problem.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from .problems import Problem, display
from .years import is_year

# The longest cell a CSV may hold, in characters. The longest the project's data holds is a quote
# of about 300 characters; a longer cell is a whole document pasted into one cell, or a quote mark
# never closed that swallowed the rest of the file.
MAX_CELL = 10_000
LISTED = 20  # lines listed for one kind of problem in one file; the others are counted in one more line
SAVE_AS_UTF8 = "in Excel, use File > Save As and choose 'CSV UTF-8 (Comma delimited)'"
_UTF8_BOM = b"\xef\xbb\xbf"
_MARK = "\ufffd"  # what a byte that is not UTF-8 reads as
COMMENT = "#"  # a line at the top of a CSV file whose first cell starts with this is a comment
NO_ROWS = ("problem", "template", "ok")  # what a header without rows is (read_csv_text's no_rows)


# line in the file of the row with index i: the header is line 1. read_csv_text indexes its rows
# so that this is the line each row starts on, blank lines and all.
def line_of(index: int) -> int:
    return int(index) + 2


# ---------------------------------------------------------------------------------------------
# The file itself


def _short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ").replace("\r", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lines(text: str) -> Iterator[str]:
    """The lines of a text with their ends, for the csv module: lighter than a StringIO of a large
    text, which holds a copy of it several times its size."""
    end = "\n" if "\n" in text or "\r" not in text else "\r"
    pieces = text.split(end)
    last = pieces.pop()
    for piece in pieces:
        yield piece + end
    if last:
        yield last


def _reader(text: str | list[str], strict: bool = False):
    """A csv reader of a text (or of a list of lines). The csv module refuses cells longer than its
    field limit (131,072 characters) with an error; the limit is raised here for the process, as
    cells are measured against MAX_CELL instead."""
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    return csv.reader(_lines(text) if isinstance(text, str) else text, strict=strict)


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its cells) of every record of a CSV text; a blank line gives no cells."""
    reader = _reader(text)
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


def is_blank(cells: list[str]) -> bool:
    return not cells or (len(cells) == 1 and not cells[0].strip())


def is_comment(cells: list[str]) -> bool:
    """A comment line: its first cell starts with '#' (spaces before it allowed)."""
    return bool(cells) and cells[0].lstrip().startswith(COMMENT)


def blank_comments(text: str) -> tuple[str, int]:
    """The text with the comment lines at its top (before the header, blank lines among them) made blank, so
    that every other line keeps its number; and how many comment lines there were. Only the lines before
    the first line that is neither blank nor a comment are looked at, so a large file costs nothing more."""
    newline = "\n" if "\n" in text or "\r" not in text else "\r"
    position, lines, comments = 0, 0, 0
    while position < len(text):
        end = text.find(newline, position)
        end = len(text) if end < 0 else end
        line = text[position:end]
        if line.strip():
            cells = next(_reader([line]), [])
            if not is_comment(cells):
                break
            comments += 1
        lines += 1
        position = end + len(newline)
    if not comments:
        return text, 0
    return newline * lines + text[position:], comments


def _where(text: str, char: str, comments: bool = False) -> list[tuple[int, str | None]]:
    """(line, column) of every cell holding `char`, in file order (the column is named by the header; with
    `comments`, the header after the comment lines at the top)."""
    found = []
    header: list[str] | None = None
    for line, cells in csv_records(text):
        if comments and header is None and is_comment(cells):
            continue
        if header is None and not is_blank(cells):
            header = [c.strip() for c in cells]
        for i, cell in enumerate(cells):
            if char in cell:
                column = header[i] if header and i < len(header) and header[i] else f"cell {i + 1}"
                found.append((line, column))
    return found


def _more(places: list[tuple[int, str | None]]) -> str:
    """The other lines of `places` ('' when there are none): 'line 7', 'lines 7, 8, 9'."""
    lines = sorted({line for line, _ in places})[1:]
    if not lines:
        return ""
    shown = ", ".join(str(n) for n in lines[: LISTED - 1])
    return f"line{'s' if len(lines) > 1 else ''} {shown}{', …' if len(lines) >= LISTED else ''}"


def decode(data: bytes, name: str, comments: bool = False) -> tuple[str | None, list[Problem]]:
    """The text of a CSV file's bytes, and the problems of the file as bytes. The text is None when it
    cannot be read at all (empty, a workbook, UTF-16); it is read as Windows-1252 (or with the bytes
    that are not UTF-8 replaced) and without its NUL bytes when those are the problem, so that the
    rest of the file is still checked. With `comments`, the comment lines at the top are not taken for
    the header that names the columns in messages."""
    if data.startswith(_UTF8_BOM):  # "CSV UTF-8" from Excel starts with one: harmless
        data = data[len(_UTF8_BOM) :]
    if not data.strip():
        return None, [Problem(name, None, None, "the file is empty")]
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        return None, [
            Problem(name, None, None, f"is an Excel workbook, not a CSV file, whatever its name says: {SAVE_AS_UTF8}")
        ]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") * 3 > min(len(data), 200):
        return None, [
            Problem(name, None, None, f"is saved as UTF-16 ('Unicode Text'), not as a UTF-8 CSV: {SAVE_AS_UTF8}")
        ]
    problems = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        marked = data.decode("utf-8", errors="replace")
        places = _where(marked, _MARK, comments)
        line, column = places[0] if places else (data.count(b"\n", 0, exc.start) + 1, None)
        more = _more(places)
        try:
            text = data.decode("cp1252")
            byte = data[exc.start : exc.start + 1].decode("cp1252")
            what = (
                "it looks like Windows-1252, what Excel writes for 'CSV (Comma delimited)' "
                f"('{byte}' here{', and more on ' + more if more else ''})"
            )
        except UnicodeDecodeError:
            text = marked
            what = f"byte 0x{data[exc.start]:02x} here is not UTF-8{', nor are some on ' + more if more else ''}"
        problems.append(Problem(name, line, column, f"is not UTF-8 text: {what}; {SAVE_AS_UTF8}"))
    if "\x00" in text:
        places = _where(text, "\x00", comments)
        line, column = places[0] if places else (None, None)
        more = _more(places)
        problems.append(
            Problem(
                name,
                line,
                column,
                f"holds a NUL byte (character zero){', as do ' + more if more else ''}, which no text file "
                "should: the file may be damaged, or saved as something other than text; export it again as CSV",
            )
        )
        text = text.replace("\x00", "")
    return text, problems


def header_problems(
    header: list[str],
    name: str,
    required: Iterable[str],
    what: Callable[[str], str] | None = None,
    line: int = 1,
    read: Collection[str] | None = None,
) -> tuple[list[Problem], bool]:
    """Problems of a header row (names already stripped) on `line`: a file separated by semicolons or
    tabs, a name given to two columns (among those `read`, when the file is read for some only), each
    required column missing (`what` says more about a required column). True when the file cannot be
    checked further (another separator, a required column missing)."""
    if len(header) == 1:
        for separator, said in ((";", "semicolons (;)"), ("\t", "tabs")):
            if separator in header[0]:
                return [
                    Problem(
                        name,
                        line,
                        None,
                        f"is separated by {said}, not commas: its header reads as one column, "
                        f"'{_short(header[0])}'. Excel set to a language that writes decimal commas saves CSV "
                        "files with semicolons: save it again with commas (in Windows, set the list separator "
                        "to a comma under Region > Additional settings, then save as 'CSV UTF-8 (Comma "
                        "delimited)'), or replace the separators with commas in a text editor",
                    )
                ], True
    problems = []
    positions: dict[str, list[int]] = {}
    for i, column in enumerate(header):
        if column:
            positions.setdefault(column, []).append(i + 1)
    for column, at in positions.items():
        if len(at) > 1 and (read is None or column in read):
            problems.append(
                Problem(
                    name,
                    line,
                    column,
                    f"names {len(at)} columns (columns {', '.join(map(str, at))} of the header): "
                    "each column needs a name of its own",
                )
            )
    folded = {_fold(c): c for c in header}
    missing = [c for c in required if c not in positions]
    for column in missing:
        message = "required column is missing" + (f" ({what(column)})" if what else "")
        near = folded.get(_fold(column))
        if near is not None:
            message += f"; the header has '{near}': names must be written exactly"
        problems.append(Problem(name, line, column, message))
    return problems, bool(missing)


def _fold(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name).strip().lower()


def unique_names(header: list[str]) -> list[str]:
    """Column names for a frame: a blank name becomes 'Unnamed: i' and a repeated one 'name (2)', as
    a frame needs each name once (the repetition itself is a problem header_problems names)."""
    out, seen = [], set()
    for i, column in enumerate(header):
        candidate = column or f"Unnamed: {i}"
        k = 2
        while candidate in seen:
            candidate, k = f"{column or f'Unnamed: {i}'} ({k})", k + 1
        seen.add(candidate)
        out.append(candidate)
    return out


class RowProblems:
    """Problems of rows as rows (too many or too few cells, a cell too long), the first LISTED of each
    kind with their line and the others counted in one more problem."""

    def __init__(self, name: str, header: list[str]):
        self.name, self.header, self.width = name, header, len(header)
        self.ragged: list[tuple[int, int, int]] = []  # (line, cells, the line it ends on)
        self.long: list[tuple[int, str, int]] = []  # (line, column, characters)
        self.unclosed: tuple[int, str] | None = None  # (line, column) of a quote mark never closed

    def check(self, line: int, cells: list[str]) -> bool:
        """True when the row is fit for the cell checks."""
        if len(cells) != self.width:
            self.ragged.append((line, len(cells), line + sum(c.count("\n") for c in cells)))
            return False
        if max(map(len, cells), default=0) <= MAX_CELL:
            return True
        long = [(line, self.column(i), len(c)) for i, c in enumerate(cells) if len(c) > MAX_CELL]
        self.long += long
        return not long

    def column(self, i: int) -> str:
        return self.header[i] if i < len(self.header) and self.header[i] else f"cell {i + 1}"

    def problems(self) -> list[Problem]:
        out = []
        if self.unclosed:
            line, column = self.unclosed
            out.append(
                Problem(
                    self.name,
                    line,
                    column,
                    'a quote mark (") opens this cell and is never closed, so everything after it to the end of '
                    "the file reads as one cell: close the quote, or remove it",
                )
            )
            self.ragged = [r for r in self.ragged if r[0] != line]
            self.long = [r for r in self.long if r[0] != line]
        for line, cells, end in self.ragged[:LISTED]:
            if end > line:
                fix = f'its cells run on to line {end}: is a quote mark (") not closed where it should be?'
            elif cells > self.width:
                fix = "a comma too many, or a text holding a comma that is not in quotes"
            else:
                fix = "a cell (or its comma) is missing"
            out.append(Problem(self.name, line, None, f"has {cells} cells but the header has {self.width}: {fix}"))
        if len(self.ragged) > LISTED:
            rest = self.ragged[LISTED:]
            out.append(
                Problem(
                    self.name,
                    rest[0][0],
                    None,
                    f"and {len(rest):,} more line(s) with more or fewer cells than the header, "
                    f"up to line {rest[-1][0]}",
                )
            )
        for line, column, n in self.long[:LISTED]:
            out.append(
                Problem(
                    self.name,
                    line,
                    column,
                    f"holds {n:,} characters; a cell may hold at most {MAX_CELL:,} (a whole text pasted into one "
                    "cell, or a quote mark never closed?): shorten it",
                )
            )
        if len(self.long) > LISTED:
            out.append(
                Problem(
                    self.name,
                    self.long[LISTED][0],
                    None,
                    f"and {len(self.long) - LISTED:,} more cell(s) longer than {MAX_CELL:,} characters",
                )
            )
        return out


def unclosed_quote(text: str, line: int) -> bool:
    """True when the record starting on `line` (the file's last) opens a quote it never closes."""
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return False
    try:
        for _ in _reader(text[offset:], strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def scan_rows(text: str, header: list[str], header_line: int, name: str) -> tuple[np.ndarray, list[int], RowProblems]:
    """The rows problems of a file too big to hold as lists of cells (a complaint extract): the line each
    record after the header starts on (a blank line is a record, as pandas reads it), the positions,
    among those records, of the records unfit for the cell checks, and the problems (a quote mark never
    closed included). Quick on millions of rows: a file without a quote mark is read line by line and
    its commas counted; another is read once with the csv module for the number of cells of each
    record, and a second time, cell by cell, only when some record spans lines."""
    checks = RowProblems(name, header)
    width = len(header)
    newline = "\n" if "\n" in text else "\r"
    body = text.split(newline)[header_line:]
    if body and not body[-1]:
        body.pop()
    lines = np.arange(len(body), dtype=np.int64) + header_line + 1
    if '"' in text:
        reader = _reader(text)
        for _ in reader:
            if reader.line_num >= header_line:
                break
        widths = np.fromiter(map(len, reader), dtype=np.int64)
        if len(widths) != len(body):  # a record spans lines: its cells, one record at a time
            return _scan_cells(text, header_line, checks)
    else:
        widths = np.fromiter((row.count(",") + 1 for row in body), dtype=np.int64, count=len(body))
    unfit = []
    for k in np.flatnonzero(widths != width).tolist():
        cells = next(_reader([body[k]])) if body[k] else []
        if not is_blank(cells) and not checks.check(int(lines[k]), cells):
            unfit.append(k)
    for k, row in enumerate(body):
        if len(row) > MAX_CELL and widths[k] == width and not checks.check(int(lines[k]), next(_reader([row]))):
            unfit.append(k)
    if text.count('"') % 2 and body and unclosed_quote(text, int(lines[-1])):
        checks.unclosed = (int(lines[-1]), checks.column(int(widths[-1]) - 1))
    return lines, unfit, checks


def _scan_cells(text: str, header_line: int, checks: RowProblems) -> tuple[np.ndarray, list[int], RowProblems]:
    starts: list[int] = []
    unfit: list[int] = []
    last: tuple[int, list[str]] | None = None
    for line, cells in csv_records(text):
        if line <= header_line:
            continue
        starts.append(line)
        last = (line, cells)
        if not is_blank(cells) and not checks.check(line, cells):
            unfit.append(len(starts) - 1)
    if last is not None and "\n" in "".join(last[1]) and unclosed_quote(text, last[0]):
        checks.unclosed = (last[0], checks.column(len(last[1]) - 1))
    return np.asarray(starts, dtype=np.int64), unfit, checks


def read_csv_text(
    path: Path, required: Iterable[str], base: Path | None = None, no_rows: str = "problem"
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV with every cell as text, stripped of surrounding spaces, after checking the file
    (see the module's notes), comment lines at its top skipped. The rows are indexed so that
    line_of(index) is the line each starts on. A file that cannot be read, or lacks a required column,
    gives an empty frame.

    no_rows: what a header without rows is: "problem" (the default: a file that lost its rows), "template"
    (accepted when comment lines precede the header, as in the files `complaints new-year` writes: nothing
    there yet; a problem otherwise) or "ok" (accepted: an empty frame with the header's columns)."""
    if no_rows not in NO_ROWS:
        raise ValueError(f"no_rows is one of {', '.join(NO_ROWS)}, not {no_rows!r}")
    name = display(path, base)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return pd.DataFrame(), [Problem(name, None, None, f"cannot be read: {exc.strerror or exc}")]
    text, problems = decode(data, name, comments=True)
    if text is None:
        return pd.DataFrame(), problems
    text, comments = blank_comments(text)
    rows = csv_records(text)
    header: list[str] | None = None
    header_line = 1
    for line, cells in rows:
        if not is_blank(cells):
            header, header_line = [c.strip() for c in cells], line
            break
    if header is None:
        empty = "the file holds only comment lines (#): its header is missing" if comments else "the file is empty"
        return pd.DataFrame(), [*problems, Problem(name, None, None, empty)]
    found, stop = header_problems(header, name, required, line=header_line)
    problems += found
    if stop:
        return pd.DataFrame(), problems
    checks = RowProblems(name, header)
    kept, index = [], []
    last_line, last_cells = header_line, header
    for line, cells in rows:
        last_line, last_cells = line, cells
        if is_blank(cells):
            continue
        if checks.check(line, cells):
            kept.append([c.strip() for c in cells])
            index.append(line - 2)
    if last_line != header_line and "\n" in "".join(last_cells) and unclosed_quote(text, last_line):
        checks.unclosed = (last_line, checks.column(len(last_cells) - 1))
        if index and index[-1] == last_line - 2:
            kept.pop()
            index.pop()
    problems += checks.problems()
    frame = pd.DataFrame(kept, columns=unique_names(header), index=pd.Index(index, dtype="int64"), dtype=object)
    accepted = no_rows == "ok" or (no_rows == "template" and comments > 0)
    if frame.empty and not problems and not accepted:
        problems.append(Problem(name, None, None, "the file has a header but no rows"))
    return frame, problems


# ---------------------------------------------------------------------------------------------
# Cells


def to_number(text: str) -> float | None:
    """A number written in a cell, allowing thousands separators and a pound sign; None if not one."""
    cleaned = text.replace(",", "").replace("£", "").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if pd.notna(value) and abs(value) != float("inf") else None


EXCEL_DAY_ZERO = date(1899, 12, 30)  # Excel's date numbers count days from here (1 is 31 December 1899)


def excel_date(text: str) -> date | None:
    """The date an Excel date number stands for (45017 is 1 April 2023), for numbers from 1954 to 2119;
    None for anything else."""
    match = re.fullmatch(r"(\d{5})(?:\.\d+)?", text.strip())
    if not match or not 20_000 <= int(match.group(1)) <= 80_000:
        return None
    return EXCEL_DAY_ZERO + timedelta(days=int(match.group(1)))


def excel_date_hint(text: str, month: bool = False) -> str:
    """What to add to a message about a date cell holding an Excel date number ('' for anything else)."""
    day = excel_date(text)
    if day is None:
        return ""
    shown = f"{day:%B %Y}" if month else f"{day.day} {day:%B %Y}"
    return (
        f": it is an Excel date number, for {shown}. Excel saved the number behind the date: format the column "
        "as a date (select it, then Format Cells > Date) and save the file again"
    )


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
        return None if is_year(cell) else f"'{_short(cell)}' is not a financial year written like 2024-25"

    return check


def number_cell(minimum: float | None = 0, maximum: float | None = None, whole: bool = False) -> Check:
    def check(cell: str) -> str | None:
        if cell == "":
            return None
        value = to_number(cell)
        if value is None:
            return f"'{_short(cell)}' is not a number"
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
        return f"'{_short(cell)}' is not a known {what} ({shown})"

    return check
