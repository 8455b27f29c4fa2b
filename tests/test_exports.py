"""PDF and Word: the same report as the web page, on A4, for committee papers and cover reports.

Each file is read back with an independent reader (pypdf for the PDF, python-docx for the Word
document) and compared with the report's parts: its headings, its summary, its tables, its charts'
alt text. The PDF's tables are checked against the page width as reportlab lays them out.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from complaints.reporting.council_report import load_report
from complaints.reporting.pdf import PAGE_MARGIN_MM, frame_width_pt, table_flowables
from complaints.reporting.templating import Column, Table
from complaints.reporting.word import CUSTOM_STYLES

A4_PT = (595.28, 841.89)
MM = 72 / 25.4
REPORTS = [("dudley", "2022-23", "council"), ("dudley", "2024-25", "demonstration"), ("dorset", "2023-24", "council")]


@functools.cache
def _exported(data: str, outputs: str, folder: str, council: str, year: str, kind: str):
    report = load_report(council, year, data_dir=data, outputs_dir=outputs, kind=kind)
    pdf = Path(folder) / f"{council}-{year}-{kind}.pdf"
    docx = Path(folder) / f"{council}-{year}-{kind}.docx"
    report.export({"pdf": pdf, "docx": docx})
    return report, pdf, docx


@pytest.fixture(scope="module")
def exports_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("exports")


def exported(built, folder, council, year, kind):
    return _exported(str(built.data), str(built.outputs), str(folder), council, year, kind)


def blocks(report, kind: str) -> list[dict]:
    return [b for part in report.parts() for b in part.items if b["type"] == kind]


def tables_of(report) -> list[Table]:
    """Every table of the report: the tables, and each chart's table of its numbers."""
    out = []
    for part in report.parts():
        for b in part.items:
            if b["type"] == "table":
                out.append(b["table"])
            elif b["type"] == "figure":
                f = b["figure"]
                columns = [Column(c["name"], c["align"] == "right") for c in f["columns"]]
                out.append(Table(f"Numbers in the chart: {f['title']}", columns, f["rows"]))
    return out


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [squash(page.extract_text() or "") for page in PdfReader(str(path)).pages]


# --------------------------------------------------------------------------- PDF


@pytest.mark.parametrize(("council", "year", "kind"), REPORTS)
def test_pdf_is_a4_with_title_and_page_numbers_in_every_footer(built, exports_folder, council, year, kind):
    from pypdf import PdfReader

    report, pdf, _ = exported(built, exports_folder, council, year, kind)
    reader = PdfReader(str(pdf))
    pages = pdf_pages(pdf)
    title = report.part("title").title
    for number, (page, text) in enumerate(zip(reader.pages, pages, strict=True), start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_PT[0]) < 1 and abs(height - A4_PT[1]) < 1, (number, width, height)
        assert f"Page {number} of {len(pages)}" in text
        assert squash(title)[:60] in text
    assert reader.metadata.title == title


def test_dudley_2022_23_prints_on_at_most_20_pages_with_the_summary_on_page_1(built, exports_folder):
    report, pdf, _ = exported(built, exports_folder, "dudley", "2022-23", "council")
    pages = pdf_pages(pdf)
    assert len(pages) <= 20
    first = pages[0]
    assert "Summary" in first
    summary = report.part("summary")
    messages = next(b["items"] for b in summary.items if b["type"] == "list")
    assert messages and all(squash(m)[:50] in first for m in messages)


@pytest.mark.parametrize(("council", "year", "kind"), REPORTS)
def test_pdf_has_every_heading_in_order_and_every_table(built, exports_folder, council, year, kind):
    report, pdf, _ = exported(built, exports_folder, council, year, kind)
    text = " ".join(pdf_pages(pdf))
    headings = [p.heading_text for p in report.parts() if p.heading_text]
    headings += [b["text"] for b in blocks(report, "heading")]
    assert headings
    for heading in headings:
        assert squash(heading) in text, heading
    at = 0
    for part in report.parts():
        if part.heading_text:
            found = text.find(squash(part.heading_text), at)
            assert found >= at, f"'{part.heading_text}' is out of order"
            at = found
    captions = [squash(t.caption) for t in tables_of(report)]
    assert captions
    missing = [c for c in captions if c[:70] not in text]
    assert not missing


def test_a_table_wider_than_the_page_is_wrapped_to_it():
    long_words = "Supercalifragilisticexpialidocious-and-a-great-deal-more-besides"
    wide = Table(
        "A table of twelve columns",
        [Column(f"Column number {i} with a long header", numeric=i % 2 == 0) for i in range(12)],
        [[f"{long_words} {i}" if i % 2 else f"{i * 123456:,}" for i in range(12)] for _ in range(5)],
    )
    grid = table_flowables(wide)[0]
    width, _height = grid.wrap(frame_width_pt(), 10_000)
    assert width <= frame_width_pt() + 0.01
    assert abs(sum(grid._colWidths) - frame_width_pt()) < 0.01


@pytest.mark.parametrize(("council", "year", "kind"), REPORTS)
def test_no_table_of_a_report_is_wider_than_the_page(built, exports_folder, council, year, kind):
    report, _, _ = exported(built, exports_folder, council, year, kind)
    for table in tables_of(report):
        grid = table_flowables(table)[0]
        width, _height = grid.wrap(frame_width_pt(), 10_000)
        assert width <= frame_width_pt() + 0.01, table.caption


def test_no_text_of_the_pdf_runs_past_the_right_margin(built, exports_folder):
    """Where every piece of text starts, as the PDF reader sees it: inside the margins."""
    from pypdf import PdfReader

    _, pdf, _ = exported(built, exports_folder, "dudley", "2024-25", "demonstration")
    left, right = PAGE_MARGIN_MM * MM - 1, A4_PT[0] - PAGE_MARGIN_MM * MM + 1
    outside = []
    for number, page in enumerate(PdfReader(str(pdf)).pages, start=1):

        def visit(text, cm, tm, _font, _size, number=number):
            if text.strip():
                x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
                if not left <= x <= right:
                    outside.append((number, round(x), text[:30]))

        page.extract_text(visitor_text=visit)
    assert not outside


def test_pdf_charts_are_drawn_no_wider_than_the_page_so_their_text_stays_at_least_body_size(built, exports_folder):
    from pypdf import PdfReader

    from complaints.reporting.charts import MAX_WIDTH_IN, SMALLEST_TEXT_PT
    from complaints.reporting.pdf import BODY_PT

    report, pdf, _ = exported(built, exports_folder, "dudley", "2024-25", "demonstration")
    figures = [b["figure"] for b in blocks(report, "figure")]
    assert figures
    assert all(f["width"] <= MAX_WIDTH_IN * 96 + 1 for f in figures), [f["width"] for f in figures]
    assert frame_width_pt() >= MAX_WIDTH_IN * 72  # so the PDF never scales a chart down
    assert SMALLEST_TEXT_PT >= BODY_PT
    images = sum(len(page.images) for page in PdfReader(str(pdf)).pages)
    assert images == len(figures)


# --------------------------------------------------------------------------- Word


def docx_text(document) -> list[str]:
    return [squash(p.text) for p in document.paragraphs]


@pytest.mark.parametrize(("council", "year", "kind"), REPORTS)
def test_docx_has_the_same_headings_summary_and_tables(built, exports_folder, council, year, kind):
    import docx

    report, _, path = exported(built, exports_folder, council, year, kind)
    document = docx.Document(str(path))
    paragraphs = document.paragraphs
    title = [p.text for p in paragraphs if p.style.name == "Title"]
    assert title == [report.part("title").title]
    level1 = [squash(p.text) for p in paragraphs if p.style.name == "Heading 1"]
    assert level1 == [squash(p.heading_text) for p in report.parts() if p.heading_text]
    level2 = [squash(p.text) for p in paragraphs if p.style.name == "Heading 2"]
    assert level2 == [squash(b["text"]) for b in blocks(report, "heading")]
    bullets = [squash(p.text) for p in paragraphs if p.style.name == "List Bullet"]
    messages = next(b["items"] for b in report.part("summary").items if b["type"] == "list")
    assert [squash(m) for m in messages] == bullets[: len(messages)]
    tables = tables_of(report)
    assert len(document.tables) == len(tables)
    for table, grid in zip(tables, document.tables, strict=True):
        assert [squash(c.text) for c in grid.rows[0].cells] == [squash(c.name) for c in table.columns]
        assert len(grid.rows) == len(table.rows) + 1
        body = [[squash(c.text) for c in row.cells] for row in grid.rows[1:]]
        assert body == [[squash(str(v)) for v in row] for row in table.rows]
        header = grid.rows[0]._tr.trPr
        assert header is not None and header.xml.count("tblHeader") == 1  # repeated on each page


def test_docx_charts_are_pictures_with_their_alt_text(built, exports_folder):
    import docx
    from docx.oxml.ns import qn

    report, _, path = exported(built, exports_folder, "dudley", "2024-25", "demonstration")
    document = docx.Document(str(path))
    described = [
        (el.get("title"), el.get("descr")) for el in document.element.body.iter(qn("wp:docPr")) if el.get("descr")
    ]
    figures = [b["figure"] for b in blocks(report, "figure")]
    assert described == [(f["title"], f["alt"]) for f in figures]
    assert len(document.inline_shapes) == len(figures)


def test_docx_uses_named_styles_a_template_can_restyle(built, exports_folder):
    import docx

    _, _, path = exported(built, exports_folder, "dudley", "2022-23", "council")
    document = docx.Document(str(path))
    used = {p.style.name for p in document.paragraphs}
    used |= {p.style.name for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "Normal", "List Bullet", "Caption", "Table text"} <= used
    assert set(CUSTOM_STYLES) <= {s.name for s in document.styles}
    assert all(p.style.name for p in document.paragraphs)
    # no direct formatting on runs: their look comes from the styles alone
    runs = [r for p in document.paragraphs for r in p.runs]
    assert runs and all(r.font.size is None and r.font.name is None for r in runs)
    section = document.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.01 and abs(section.page_height.cm - 29.7) < 0.01


def test_docx_of_a_demonstration_says_synthetic_before_anything_else(built, exports_folder):
    import docx

    _report, _, path = exported(built, exports_folder, "dudley", "2024-25", "demonstration")
    document = docx.Document(str(path))
    texts = docx_text(document)
    assert texts[0].lower().startswith("synthetic")
    assert document.paragraphs[1].style.name == "Report banner"
    assert "synthetic" in texts[1].lower()
