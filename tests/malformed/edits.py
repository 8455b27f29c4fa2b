"""What a case of the malformed-input corpus does to its copy of the fixture data, and what it expects.

Each edit names a file under data/ (as the messages show it, without 'data/') and changes it one way;
edits apply in order. An Expect is one problem the message must list: the file, line and column
where they apply, and a fragment of what it says (file None: the fragment anywhere).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from complaints.inputs.problems import Problem


def _read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@dataclass(frozen=True)
class SetCell:
    """The cell of a CSV on `line` (the header is line 1) in `column` becomes `value`."""

    file: str
    line: int
    column: str
    value: str

    def apply(self, data: Path) -> None:
        path = data / self.file
        rows = _read_rows(path)
        rows[self.line - 1][rows[0].index(self.column)] = self.value
        _write_rows(path, rows)


@dataclass(frozen=True)
class DropColumns:
    file: str
    columns: tuple[str, ...]

    def apply(self, data: Path) -> None:
        path = data / self.file
        rows = _read_rows(path)
        keep = [i for i, name in enumerate(rows[0]) if name not in self.columns]
        _write_rows(path, [[row[i] for i in keep] for row in rows])


@dataclass(frozen=True)
class Replace:
    """Replace text (the first `count` times; 0: every time). The text must be there."""

    file: str
    old: str
    new: str
    count: int = 1

    def apply(self, data: Path) -> None:
        path = data / self.file
        text = path.read_text(encoding="utf-8")
        assert self.old in text, f"{self.old!r} is not in {self.file}"
        path.write_text(text.replace(self.old, self.new, self.count or -1), encoding="utf-8")


@dataclass(frozen=True)
class EditLine:
    """Line `line` (1 is the first) gets `append` at its end, or becomes `text`."""

    file: str
    line: int
    append: str = ""
    text: str | None = None

    def apply(self, data: Path) -> None:
        path = data / self.file
        lines = path.read_text(encoding="utf-8").split("\n")
        lines[self.line - 1] = (lines[self.line - 1] if self.text is None else self.text) + self.append
        path.write_text("\n".join(lines), encoding="utf-8")


@dataclass(frozen=True)
class KeepLines:
    """Only the first `lines` lines are kept."""

    file: str
    lines: int

    def apply(self, data: Path) -> None:
        path = data / self.file
        path.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[: self.lines]))


@dataclass(frozen=True)
class AddLine:
    """A line added at the end: `text`, or a copy of line `copy`."""

    file: str
    text: str = ""
    copy: int | None = None

    def apply(self, data: Path) -> None:
        path = data / self.file
        text = path.read_text(encoding="utf-8")
        added = text.split("\n")[self.copy - 1] if self.copy else self.text
        path.write_text(text.rstrip("\n") + "\n" + added + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Encode:
    """The file's text saved in another encoding ('cp1252': what Excel writes for 'CSV (Comma delimited)')."""

    file: str
    encoding: str

    def apply(self, data: Path) -> None:
        path = data / self.file
        path.write_bytes(path.read_text(encoding="utf-8").encode(self.encoding))


@dataclass(frozen=True)
class WriteBytes:
    """The file (new or not) holds these bytes; `prefix`: they go before what it holds."""

    file: str
    data: bytes
    prefix: bool = False

    def apply(self, data: Path) -> None:
        path = data / self.file
        path.write_bytes(self.data + (path.read_bytes() if self.prefix else b""))


@dataclass(frozen=True)
class InsertBytes:
    """Raw bytes inserted before the first occurrence of `before`."""

    file: str
    before: str
    data: bytes

    def apply(self, data: Path) -> None:
        path = data / self.file
        raw = path.read_bytes()
        at = raw.index(self.before.encode("utf-8"))
        path.write_bytes(raw[:at] + self.data + raw[at:])


@dataclass(frozen=True)
class Delete:
    file: str

    def apply(self, data: Path) -> None:
        (data / self.file).unlink()


@dataclass(frozen=True)
class Expect:
    """A problem the message lists: in `file` (under data/; None: anywhere), on `line`, in `column` (a
    setting for a .toml file), saying `says`."""

    says: str
    file: str | None = None
    line: int | None = None
    column: str | None = None

    @property
    def where(self) -> str:
        """How the message starts: 'data/<file>, line 3, column 'value': '."""
        return str(Problem(f"data/{self.file}", self.line, self.column, "")) if self.file else ""

    def found_in(self, message: str) -> bool:
        for text in message.splitlines():
            at = text.find(self.where)
            if at >= 0 and self.says in text[at + len(self.where) :]:
                return True
        return False


@dataclass(frozen=True)
class Case:
    id: str
    edits: tuple = ()
    expect: tuple[Expect, ...] = ()
    args: tuple[str, ...] = ()  # more options for `complaints reports`
    absent: tuple[str, ...] = ()  # texts the message must not hold
    problems: int | None = None  # how many problems the message counts, when that matters
