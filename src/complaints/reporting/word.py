"""A report as a Word document (.docx), for the officer who writes the committee's cover report.

python-docx builds it from the same parts as the HTML and the PDF: the same headings, summary,
tables (real Word tables, with their header row repeated on each page) and charts (pictures with
their alt text, each followed by a table of its numbers), and the appendix. Everything uses named
styles — Title, Heading 1 and 2, Normal, List Bullet, Quote, Caption, Table Grid, and four of the
project's own (Report banner, Table note, Not published, Table text) — so that a council's own
template can restyle the whole document by redefining them.
"""

from __future__ import annotations

import io

from .templating import Part, Table, figure_numbers

CUSTOM_STYLES = ("Report banner", "Table note", "Not published", "Table text")
BODY_PT = 10  # as the PDF: no chart text (at least 10.5 pt, drawn at most 7 in wide) is smaller on the page
MARGIN_CM = 2.0
TEXT_WIDTH_CM = 21.0 - 2 * MARGIN_CM


def _styles(document) -> None:
    """The project's named paragraph styles, based on Normal."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(BODY_PT)
    # a caption stays on the page of the picture or table it names
    styles["Caption"].paragraph_format.keep_with_next = True
    for name in CUSTOM_STYLES:
        if name in [s.name for s in styles]:
            continue
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        if name == "Report banner":
            style.font.bold = True
            style.font.color.rgb = RGBColor(0xA0, 0x3C, 0x00)
        elif name == "Table note":
            style.font.size = Pt(9)
            style.font.color.rgb = RGBColor(0x38, 0x3F, 0x43)
        elif name == "Not published":
            style.font.italic = True
        elif name == "Table text":
            style.font.size = Pt(9)
            style.paragraph_format.space_after = Pt(0)


def _repeat_header(row) -> None:
    """Mark a table row as a header row, repeated at the top of each page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def add_table(document, t: Table) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document.add_paragraph(t.caption, style="Caption")
    grid = document.add_table(rows=1, cols=len(t.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    for cell, column in zip(grid.rows[0].cells, t.columns, strict=True):
        cell.text = ""
        paragraph = cell.paragraphs[0]
        paragraph.style = "Table text"
        paragraph.add_run(str(column.name)).bold = True
        if column.numeric:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _repeat_header(grid.rows[0])
    for row in t.rows:
        cells = grid.add_row().cells
        for cell, column, value in zip(cells, t.columns, row, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.style = "Table text"
            paragraph.add_run(str(value))
            if column.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for note in t.notes:
        document.add_paragraph(note, style="Table note")


def add_figure(document, f: dict) -> None:
    """The chart's title, the picture (no wider than the text) with its alt text, and its numbers."""
    from docx.shared import Cm, Inches

    document.add_paragraph(f["title"], style="Caption")
    width_in = (f.get("width") or 600) / 96
    picture = document.add_picture(io.BytesIO(f["png"]()), width=min(Inches(width_in), Cm(TEXT_WIDTH_CM)))
    doc_pr = picture._inline.docPr
    doc_pr.set("descr", f["alt"])
    doc_pr.set("title", f["title"])
    add_table(document, figure_numbers(f))


def add_part(document, part: Part) -> None:
    if part.kind == "title":
        document.add_heading(part.title, level=0)
        if part.banner:
            document.add_paragraph(part.banner, style="Report banner")
        for p in part.lede:
            document.add_paragraph(p)
        return
    if part.heading_text:
        document.add_heading(part.heading_text, level=1)
    for block in part.items:
        kind = block["type"]
        if kind == "heading":
            document.add_heading(block["text"], level=2)
        elif kind == "paragraph":
            document.add_paragraph(block["text"])
        elif kind == "list":
            for item in block["items"]:
                document.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            add_table(document, block["table"])
        elif kind == "figure":
            add_figure(document, block["figure"])
        elif kind == "none":
            document.add_paragraph(block["text"], style="Not published")
        elif kind == "quote":
            document.add_paragraph(block["text"], style="Quote")


def build_docx(parts: list[Part], title: str) -> bytes:
    """The parts as a .docx file (bytes), A4 with 2 cm margins."""
    import docx
    from docx.shared import Cm

    document = docx.Document()
    _styles(document)
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    document.core_properties.title = title
    document.core_properties.author = "complaints"
    document.core_properties.language = "en-GB"
    for part in parts:
        add_part(document, part)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
