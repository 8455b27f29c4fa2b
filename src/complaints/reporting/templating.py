"""Templates, not string building: every page's HTML comes from the Jinja2 templates in templates/,
with autoescaping on, so text that came from data can never become markup.

Sections are lists of blocks (a heading, a paragraph, a list, a table, a figure, a quote, a 'none'
line) that templates/macros.html.j2 renders; the report modules build the blocks, never the markup.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup


def css_string(text) -> Markup:
    """`text` as the inside of a double-quoted CSS string, safe inside a <style> element: every
    character that could end the string, the rule or the element is written as a CSS escape."""
    out = []
    for ch in str(text):
        if ch in "\\\"'<>&" or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup("".join(out))


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("complaints.reporting", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["css_string"] = css_string
    return env


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


@functools.cache
def css() -> str:
    """The reports' style sheet (templates/report.css)."""
    return files("complaints.reporting").joinpath("templates", "report.css").read_text(encoding="utf-8")


@dataclass
class Column:
    name: str
    numeric: bool = False
    share: bool = False  # the cell holds this row's one percentage (outcome and timeliness tables)

    @property
    def classes(self) -> str:
        return " ".join(c for c in ("num" if self.numeric else "", "share" if self.share else "") if c)

    @property
    def header_classes(self) -> str:
        """A numeric column's header is aligned with its numbers; a year ("2024-25") never wraps."""
        year = re.fullmatch(r"\d{4}-\d{2}", self.name.strip()) is not None
        return " ".join(c for c in ("num" if self.numeric else "", "nowrap" if year else "") if c)


@dataclass
class Table:
    caption: str
    columns: list[Column]
    rows: list[list[str]]
    kind: str = ""  # the table's class and data-kind: metrics, outcomes, timeliness, breakdown...
    notes: list[str] = field(default_factory=list)  # footnotes under the table
    traces: list[str] | None = None  # each row's metrics.csv row, as council/year/metric

    @property
    def empty(self) -> bool:
        return not self.rows


def heading(text: str, anchor: str = "") -> dict:
    return {"type": "heading", "text": text, "id": anchor}


def paragraph(text: str, trace: str = "") -> dict:
    return {"type": "paragraph", "text": text, "trace": trace}


def bullet_list(items: list[str]) -> dict:
    return {"type": "list", "items": list(items)}


def table(t: Table) -> dict:
    return {"type": "table", "table": t}


def figure(f: dict) -> dict:
    return {"type": "figure", "figure": f}


def figure_numbers(f: dict) -> Table:
    """A chart's table of its numbers (f: charts.figure_view), as the PDF and Word files set it
    under the picture."""
    columns = [Column(c["name"], numeric=c["align"] == "right") for c in f["columns"]]
    return Table(f"Numbers in the chart: {f['title']}", columns, f["rows"])


def none(text: str) -> dict:
    return {"type": "none", "text": text}


def quote(text: str) -> dict:
    return {"type": "quote", "text": text}


def section(items: list[dict], heading_text: str = "", anchor: str = "", *, extra_class: str = "") -> str:
    """One section of a report page: an optional h2 and its blocks."""
    return render("section.html.j2", items=items, heading=heading_text, anchor=anchor, extra_class=extra_class)


@dataclass
class Part:
    """One section of a report, before it is rendered: HTML (render_part), PDF (reporting.pdf) and
    Word (reporting.word) are drawn from the same parts. A title part has no blocks: its title,
    banner (shown boxed, for synthetic data) and lede paragraphs."""

    items: list[dict] = field(default_factory=list)
    heading_text: str = ""
    anchor: str = ""
    extra_class: str = ""
    kind: str = "section"  # section | title
    title: str = ""
    banner: str = ""
    lede: list[str] = field(default_factory=list)
    index: str = ""  # the link back to the index (HTML only)


def render_part(part: Part) -> str:
    """A part as HTML."""
    if part.kind == "title":
        return render(
            "title.html.j2", css=css(), title=part.title, banner=part.banner, lede=part.lede, index=part.index
        )
    return section(part.items, heading_text=part.heading_text, anchor=part.anchor, extra_class=part.extra_class)
