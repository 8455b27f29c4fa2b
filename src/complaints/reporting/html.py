"""What every report page shares: showing a section in the notebook, and the provenance of a run.

The markup itself comes from the templates (complaints.reporting.templating); these helpers turn a
DataFrame into a template table and say when and from which commit a report was built.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..inputs.paths import ROOT
from .templating import Column, Table, css, none, section, table


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_time() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def git_commit() -> str:
    """The commit the project's clone is at ('unknown' for an installed package)."""
    if ROOT is None:
        return "unknown"
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
        commit = out.stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return (commit + (" (with uncommitted changes)" if dirty else "")) if commit else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def frame_table(frame: pd.DataFrame, caption: str, numeric: tuple[str, ...] = (), kind: str = "") -> Table:
    """A DataFrame as a template table: every cell as text ('' for an empty cell)."""

    def text(v) -> str:
        return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)

    return Table(
        caption,
        [Column(str(c), numeric=c in numeric) for c in frame.columns],
        [[text(v) for v in row] for row in frame.itertuples(index=False, name=None)],
        kind=kind,
    )


def table_block(frame: pd.DataFrame, caption: str, numeric: tuple[str, ...] = ()) -> dict:
    return table(frame_table(frame, caption, numeric))


def hashes_block(files: list[Path], paths) -> dict:
    """The provenance table: each input file (relative to the data folder's parent) and its SHA-256."""
    rows = [[paths.relative(p), file_sha256(p)] for p in files if p.exists()]
    return table(
        Table("Input files and their SHA-256 hashes", [Column("Input file"), Column("SHA-256")], rows, kind="appendix")
    )


__all__ = [
    "HtmlSections",
    "css",
    "file_sha256",
    "frame_table",
    "git_commit",
    "hashes_block",
    "none",
    "run_time",
    "section",
    "table_block",
]


class HtmlSections:
    """For a report whose sections are methods `s_<name>` listed in SECTIONS: the notebook calls show()."""

    SECTIONS: tuple[str, ...] = ()

    def section(self, name: str) -> str:
        if name not in self.SECTIONS:
            raise ValueError(f"unknown section '{name}'; sections are {', '.join(self.SECTIONS)}")
        return getattr(self, f"s_{name}")()

    def show(self, name: str) -> None:
        from IPython.display import HTML, display

        display(HTML(self.section(name)))
