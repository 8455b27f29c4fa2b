"""Problems found in input files, collected so that a run can list every one of them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # line number in the file (the header is line 1); None for the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", line {self.row}"
        if self.column:
            label = "setting" if self.file.endswith(".toml") else "column"
            where += f", {label} '{self.column}'"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised when input files have problems; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} problem(s) in the input files; nothing was written:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def display(path: Path, base: Path | None = None) -> str:
    """A path as it should appear in a message: relative to base (or the cwd) when possible."""
    for root in (base, Path.cwd()):
        if root is None:
            continue
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            continue
    return str(path)


def raise_if_any(problems: list[Problem]) -> None:
    if problems:
        raise InputError(problems)
