"""What every report page shares: showing a section in the notebook, and the provenance of a run.

The markup itself comes from the templates (complaints.reporting.templating); these helpers turn a
DataFrame into a template table and say when and from which commit a report was built.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..inputs.paths import ROOT
from .templating import Column, Part, Table, render_part, table


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


def hashes_block(files: list[Path], paths) -> dict:
    """The provenance table: each input file (relative to the data folder's parent) and its SHA-256."""
    rows = [[paths.relative(p), file_sha256(p)] for p in files if p.exists()]
    return table(
        Table("Input files and their SHA-256 hashes", [Column("Input file"), Column("SHA-256")], rows, kind="appendix")
    )


__all__ = [
    "HtmlSections",
    "file_sha256",
    "frame_table",
    "git_commit",
    "hashes_block",
    "run_time",
]


class HtmlSections:
    """A report made of sections listed in SECTIONS, each built once as a Part (by a method
    `p_<name>`, unless the report overrides `part`): the notebook shows each one as HTML (show), and
    the last cell writes the same parts as PDF and Word (export)."""

    SECTIONS: tuple[str, ...] = ()

    def part(self, name: str) -> Part:
        """One section, built once (the notebook shows it; the PDF and Word files reuse it)."""
        if name not in self.SECTIONS:
            raise ValueError(f"unknown section '{name}'; sections are {', '.join(self.SECTIONS)}")
        built = self.__dict__.setdefault("_parts", {})
        if name not in built:
            built[name] = self.build_part(name)
        return built[name]

    def build_part(self, name: str) -> Part:
        return getattr(self, f"p_{name}")()

    def parts(self) -> list[Part]:
        return [self.part(name) for name in self.SECTIONS]

    def section(self, name: str) -> str:
        return render_part(self.part(name))

    def show(self, name: str) -> None:
        from IPython.display import HTML, display

        display(HTML(self.section(name)))

    def export(self, exports: dict | None) -> None:
        """Write the report as PDF and Word files, and what it holds for the index (contents, as JSON):
        {format: path}. The batch gives temporary paths and moves them into place. The sections
        already shown are reused, charts included."""
        from .pdf import build_pdf
        from .word import build_docx

        title = self.part("title").title
        for fmt, path in (exports or {}).items():
            if fmt == "pdf":
                build_pdf(self.parts(), title, str(path))
            elif fmt == "docx":
                Path(path).write_bytes(build_docx(self.parts(), title))
            elif fmt == "contents":
                Path(path).write_text(json.dumps(self.contents(), indent=1, ensure_ascii=False), encoding="utf-8")
            else:
                raise ValueError(f"unknown format '{fmt}': pdf, docx or contents")

    def contents(self) -> dict:
        """What the report holds, for the index: its title and its sections' headings."""
        return {
            "title": self.part("title").title,
            "sections": [p.heading_text for p in self.parts() if p.heading_text],
        }
