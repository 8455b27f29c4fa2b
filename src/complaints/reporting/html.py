"""The pieces every HTML page of the project shares: escaping, tables, sections and provenance."""

from __future__ import annotations

import hashlib
import html
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..inputs.paths import ROOT, Paths

STYLE = (
    "<style>\n"
    '.cr-report { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; line-height: 1.5; '
    "max-width: 60rem; }\n"
    ".cr-report table { border-collapse: collapse; margin: 0.5rem 0 1rem; }\n"
    ".cr-report th, .cr-report td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left !important; "
    "vertical-align: top; }\n"
    ".cr-report td.num { text-align: right !important; font-variant-numeric: tabular-nums; }\n"
    ".cr-report caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }\n"
    ".cr-report blockquote { border-left: 4px solid #0072B2; margin: 0.5rem 0; padding: 0.25rem 0.75rem; "
    "background: #f3f6f9; }\n"
    ".cr-report .none { color: #444; font-style: italic; }\n"
    ".cr-report figure { margin: 1rem 0; }\n"
    ".cr-report img { max-width: 100%; height: auto; }\n"
    "</style>"
)


def esc(value) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))


def table_html(frame: pd.DataFrame, caption: str, numeric: tuple[str, ...] = ()) -> str:
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = "".join(
            f'<td class="num">{esc(v)}</td>' if c in numeric else f"<td>{esc(v)}</td>" for c, v in row.items()
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def none_html(text: str) -> str:
    return f'<p class="none">{esc(text)}</p>'


def section_html(body: str) -> str:
    return f'<div class="cr-report">{body}</div>'


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes_table(files: list[Path], paths: Paths) -> str:
    """The provenance table: each input file (relative to the project) and its SHA-256."""
    rows = [{"Input file": paths.relative(p), "SHA-256": file_sha256(p)} for p in files if p.exists()]
    return table_html(pd.DataFrame(rows), "Input files and their SHA-256 hashes")


def run_line() -> str:
    """When and from which commit a report was built, for its provenance section."""
    return f"Run at {esc(datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S UTC'))} from commit {esc(git_commit())}"


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
