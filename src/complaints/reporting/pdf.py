"""A report as an A4 PDF, for committee papers: drawn from the same parts as the HTML.

reportlab (pure Python wheels, no system libraries: it installs from the lock file on a machine with
only Python 3.11, which WeasyPrint's need for Pango does not) lays out the parts of a report
(complaints.reporting.templating.Part): headings kept with what follows, tables as real tables that
wrap their cells to the page width and repeat their header row on each page, charts kept with their
caption and drawn no wider than the page (so their text stays at least the size of the body text),
and a footer on every page with the report's title and "Page N of M". Text is set in DejaVu Sans
(it ships with matplotlib), so every character of the HTML prints.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from .templating import Part, Table, figure_numbers

PAGE_MARGIN_MM = 15
BODY_PT = 10


@cache
def _fonts() -> tuple[str, str, str]:
    """Register DejaVu Sans (regular, bold, italic) from matplotlib's own fonts."""
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    names = {
        "Body": "DejaVuSans.ttf",
        "Body-Bold": "DejaVuSans-Bold.ttf",
        "Body-Italic": "DejaVuSans-Oblique.ttf",
        "Body-BoldItalic": "DejaVuSans-BoldOblique.ttf",
    }
    for name, file in names.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(
        "Body", normal="Body", bold="Body-Bold", italic="Body-Italic", boldItalic="Body-BoldItalic"
    )
    return "Body", "Body-Bold", "Body-Italic"


@cache
def _styles():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    body, bold, italic = _fonts()
    base = ParagraphStyle("Body", fontName=body, fontSize=BODY_PT, leading=BODY_PT * 1.35, spaceAfter=4)
    return {
        "body": base,
        "title": ParagraphStyle("Title", parent=base, fontName=bold, fontSize=19, leading=23, spaceAfter=8),
        "lede": ParagraphStyle("Lede", parent=base, fontSize=11, leading=15, spaceAfter=6),
        "h2": ParagraphStyle(
            "Heading2",
            parent=base,
            fontName=bold,
            fontSize=15,
            leading=19,
            spaceBefore=12,
            spaceAfter=5,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "Heading3",
            parent=base,
            fontName=bold,
            fontSize=11.5,
            leading=15,
            spaceBefore=8,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "caption": ParagraphStyle(
            "Caption", parent=base, fontName=bold, fontSize=9.5, leading=12, spaceBefore=4, spaceAfter=2, keepWithNext=1
        ),
        "cell": ParagraphStyle("Cell", parent=base, fontSize=8.8, leading=11, spaceAfter=0),
        "cell_num": ParagraphStyle("CellNum", parent=base, fontSize=8.8, leading=11, spaceAfter=0, alignment=2),
        "head": ParagraphStyle("Head", parent=base, fontName=bold, fontSize=8.8, leading=11, spaceAfter=0),
        "head_num": ParagraphStyle(
            "HeadNum", parent=base, fontName=bold, fontSize=8.8, leading=11, spaceAfter=0, alignment=2
        ),
        "note": ParagraphStyle(
            "Note", parent=base, fontSize=8.5, leading=11, textColor=colors.HexColor("#383f43"), spaceAfter=2
        ),
        "none": ParagraphStyle("None", parent=base, fontName=italic, textColor=colors.HexColor("#383f43")),
        "quote": ParagraphStyle(
            "Quote",
            parent=base,
            fontSize=9.5,
            leading=13,
            leftIndent=10,
            borderColor=colors.HexColor("#0072B2"),
            borderWidth=0,
            borderPadding=0,
            textColor=colors.HexColor("#1b1b1b"),
        ),
        "banner": ParagraphStyle(
            "Banner",
            parent=base,
            fontName=bold,
            fontSize=10.5,
            leading=14,
            borderColor=colors.HexColor("#D55E00"),
            borderWidth=2,
            borderPadding=6,
            spaceBefore=6,
            spaceAfter=10,
        ),
    }


def _text(value) -> str:
    return escape(str(value))


def frame_width_pt() -> float:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    return A4[0] - 2 * PAGE_MARGIN_MM * mm


def _column_widths(t: Table, width: float) -> list[float]:
    """Each column at least as wide as its longest word; the rest of the page width shared in
    proportion to each column's longest text (capped). The widths add up to `width` exactly: a table
    is never wider than the page."""
    per_char = 5.2  # points a character takes at the cells' 8.8 pt, roughly (bold headers a little more)
    weights, floors = [], []
    for i, column in enumerate(t.columns):
        texts = [str(column.name)] + [str(row[i]) for row in t.rows]
        longest_word = max((len(w) for s in texts for w in s.split()), default=1)
        weights.append(min(max(len(s) for s in texts), 60) + 2)
        floors.append(min(longest_word * per_char + 8, width / 2))
    spare = width - sum(floors)
    if spare <= 0:
        return [f * width / sum(floors) for f in floors]
    extra = [max(w * per_char + 8 - f, 0) for w, f in zip(weights, floors, strict=True)]
    if sum(extra) == 0:
        return [f + spare / len(floors) for f in floors]
    share = min(1.0, spare / sum(extra))
    widths = [f + e * share for f, e in zip(floors, extra, strict=True)]
    left = width - sum(widths)  # what the columns do not need: to the widest
    widths[max(range(len(widths)), key=lambda i: weights[i])] += left
    return widths


def table_flowables(t: Table, width: float | None = None) -> list:
    """A template table as a reportlab Table no wider than the page (its caption the first row), and its notes."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RLTable

    styles = _styles()
    width = width or frame_width_pt()
    header = [Paragraph(_text(c.name), styles["head_num" if c.numeric else "head"]) for c in t.columns]
    body = [
        [
            Paragraph(_text(cell), styles["cell_num" if c.numeric else "cell"])
            for c, cell in zip(t.columns, row, strict=True)
        ]
        for row in t.rows
    ]
    # the caption is the table's first row, spanning it: it stays with the table, and is repeated
    # with the header on each page the table runs onto
    caption = [Paragraph(_text(t.caption), styles["caption"])] + [""] * (len(t.columns) - 1)
    grid = RLTable([caption, header, *body], colWidths=_column_widths(t, width), repeatRows=2, hAlign="LEFT")
    grid.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 1), (-1, 1), 1.2, colors.HexColor("#505a5f")),
                ("LINEBELOW", (0, 2), (-1, -1), 0.4, colors.HexColor("#b1b4b6")),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    out = [grid]
    out += [Paragraph(_text(n), styles["note"]) for n in t.notes]
    return out


def figure_flowables(f: dict) -> list:
    """A chart: its title, the picture no wider than its natural size or the page, and its numbers."""
    from reportlab.lib.units import inch
    from reportlab.platypus import Image, KeepTogether, Paragraph

    styles = _styles()
    png = f["png"]()
    natural_w = (f.get("width") or 600) / 96 * inch  # CSS pixels at 96 a inch
    natural_h = (f.get("height") or 400) / 96 * inch
    scale = min(1.0, frame_width_pt() / natural_w)
    picture = Image(io.BytesIO(png), width=natural_w * scale, height=natural_h * scale, hAlign="LEFT")
    return [
        KeepTogether([Paragraph(_text(f["title"]), styles["caption"]), picture]),
        *table_flowables(figure_numbers(f)),
    ]


def part_flowables(part: Part) -> list:
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, Spacer

    styles = _styles()
    out: list = []
    if part.kind == "title":
        out.append(Paragraph(_text(part.title), styles["title"]))
        if part.banner:
            out.append(Paragraph(_text(part.banner), styles["banner"]))
        out += [Paragraph(_text(p), styles["lede"]) for p in part.lede]
        return out
    if part.heading_text:
        out.append(Paragraph(_text(part.heading_text), styles["h2"]))
    for block in part.items:
        kind = block["type"]
        if kind == "heading":
            out.append(Paragraph(_text(block["text"]), styles["h3"]))
        elif kind == "paragraph":
            out.append(Paragraph(_text(block["text"]), styles["body"]))
        elif kind == "list":
            out.append(
                ListFlowable(
                    [ListItem(Paragraph(_text(i), styles["body"]), leftIndent=12) for i in block["items"]],
                    bulletType="bullet",
                    leftIndent=12,
                    start="•",
                )
            )
        elif kind == "table":
            out += table_flowables(block["table"])
        elif kind == "figure":
            out += figure_flowables(block["figure"])
        elif kind == "none":
            out.append(Paragraph(_text(block["text"]), styles["none"]))
        elif kind == "quote":
            out.append(Paragraph("“" + _text(block["text"]) + "”", styles["quote"]))
    out.append(Spacer(1, 6))
    return out


def build_pdf(parts: list[Part], title: str, target) -> None:
    """Write the parts as an A4 PDF to `target` (a path or a binary file)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdfcanvas
    from reportlab.platypus import SimpleDocTemplate

    body_font = _fonts()[0]

    class NumberedCanvas(pdfcanvas.Canvas):
        """Two passes: 'Page N of M' needs the number of pages."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(body_font, 8)
                self.setFillColorRGB(0.22, 0.25, 0.26)
                label = title if len(title) <= 95 else title[:92] + "..."
                self.drawString(PAGE_MARGIN_MM * mm, 9 * mm, label)
                self.drawRightString(A4[0] - PAGE_MARGIN_MM * mm, 9 * mm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    document = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=PAGE_MARGIN_MM * mm,
        rightMargin=PAGE_MARGIN_MM * mm,
        topMargin=14 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="complaints",
        lang="en-GB",
    )
    story = []
    for part in parts:
        story += part_flowables(part)
    document.build(story, canvasmaker=NumberedCanvas)
