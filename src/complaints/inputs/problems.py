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
    """Raised when input files have problems; carries every problem found, and the checks that could
    not be made because of them (`unchecked`: what, and why, in a few words each)."""

    def __init__(self, problems: list[Problem], unchecked: list[str] | tuple[str, ...] = ()):
        self.problems = list(dict.fromkeys(problems))  # the same problem found twice is listed once
        self.unchecked = list(dict.fromkeys(unchecked))
        lines = [f"{len(self.problems)} problem(s) in the input files; nothing was written:"]
        lines += [f"  - {p}" for p in self.problems]
        if self.unchecked:
            lines.append("Not checked until these are fixed (run again then): " + "; ".join(self.unchecked) + ".")
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


DATA_FOLDERS = ("definitions", "councils", "published")


def check_data_folder(data: Path) -> None:
    """A data folder that is missing or holds none of the project's inputs: one clear problem."""
    where = str(data)
    if not data.exists():
        raise InputError(
            [
                Problem(
                    where,
                    None,
                    None,
                    "the data folder does not exist; point --data (or "
                    "COMPLAINTS_DATA) at the folder that holds definitions/, councils/ and published/",
                )
            ]
        )
    if not data.is_dir():
        raise InputError([Problem(where, None, None, "is a file, not the data folder")])
    missing = [name for name in DATA_FOLDERS if not (data / name).is_dir()]
    if len(missing) == len(DATA_FOLDERS):
        raise InputError(
            [
                Problem(
                    where,
                    None,
                    None,
                    "the data folder holds none of definitions/, councils/ and published/: is it the right folder?",
                )
            ]
        )
    if missing:
        raise InputError([Problem(where, None, None, f"the data folder has no {name}/ folder") for name in missing])
