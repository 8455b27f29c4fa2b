"""The web page as people see it, in headless Chromium: on a 390 px phone and printed on A4.

Slow (a browser starts for each check) and run only where Chromium is installed (make test-slow;
`apt-get install chromium` on Debian). The page is the report's sections, as the notebook shows them.

- At 390 px no table hides a column without a cue (a table wider than the screen scrolls inside a
  box whose edges are shadowed), the page itself never scrolls sideways, and no chart is drawn so
  small that its smallest text is under 10 px.
- Printed, Dudley 2022-23 is at most 20 A4 pages, the summary on page 1, the title and page numbers
  in the footer, and no text beyond the page's margins.
"""

from __future__ import annotations

import functools
import html as htmllib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from complaints.reporting.charts import SMALLEST_TEXT_PT
from complaints.reporting.council_report import load_report

BROWSER = next(
    (b for b in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable") if shutil.which(b)), None
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BROWSER is None, reason="needs Chromium (apt-get install chromium)"),
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--mute-audio"]
PAGES = [
    ("dudley", "2022-23", "council"),
    ("dudley", "2024-25", "demonstration"),
    ("telford-wrekin", "2024-25", "council"),
]

# Run inside a page that holds the report in a 390 px frame (Chromium's window is never narrower than
# 500 px): what a phone's browser lays out.
MEASURE = """
<script>
document.getElementById('f').addEventListener('load', () => {
  const doc = document.getElementById('f').contentDocument, win = doc.defaultView;
  const vw = doc.documentElement.clientWidth;
  const out = {width: vw, sideways: doc.documentElement.scrollWidth > vw + 1,
               hidden: [], uncued: [], scrolls: 0, charts: []};
  doc.querySelectorAll('table').forEach(t => {
    const box = t.closest('.scroll');
    const name = (t.caption || {}).textContent || t.className;
    if (!box) { if (t.getBoundingClientRect().right > vw + 1) out.hidden.push(name); return; }
    if (box.scrollWidth > box.clientWidth + 1) {
      out.scrolls++;
      if (!win.getComputedStyle(box).backgroundImage.includes('gradient')) out.uncued.push(name);
    }
  });
  doc.querySelectorAll('figure.chart img').forEach(img => {
    out.charts.push(img.getBoundingClientRect().width / parseFloat(img.getAttribute('width')));
  });
  document.title = 'R=' + JSON.stringify(out);
});
</script>
"""


def page(built, council: str, year: str, kind: str) -> str:
    report = load_report(council, year, data_dir=str(built.data), outputs_dir=str(built.outputs), kind=kind)
    body = "".join(report.section(name) for name in report.SECTIONS)
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body { margin: 0 auto; padding: 0.5rem 1rem 2rem; max-width: 62rem; }</style>"
        f"</head><body><main>{body}</main></body></html>"
    )


@functools.cache
def _written(built_data: str, built_outputs: str, folder: str, council: str, year: str, kind: str) -> Path:
    from complaints.inputs.paths import Paths

    path = Path(folder) / f"{council}-{year}-{kind}.html"
    path.write_text(page(Paths(Path(built_data), Path(built_outputs)), council, year, kind), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser")


def written(built, folder, council, year, kind) -> Path:
    return _written(str(built.data), str(built.outputs), str(folder), council, year, kind)


def at_390px(report: Path, folder: Path) -> dict:
    frame = folder / f"frame-{report.stem}.html"
    frame.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="f" src="{report.as_uri()}" style="width:390px;height:844px;border:0"></iframe>'
        f"{MEASURE}</body></html>",
        encoding="utf-8",
    )
    out = subprocess.run(
        [
            BROWSER,
            *FLAGS,
            "--allow-file-access-from-files",
            f"--user-data-dir={folder / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            frame.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = re.search(r"<title>R=(.*?)</title>", out, re.S)
    assert found, "the page did not report its measurements"
    return json.loads(htmllib.unescape(found[1]))


@pytest.mark.parametrize(("council", "year", "kind"), PAGES)
def test_on_a_phone_no_column_hides_without_a_cue_and_chart_text_is_at_least_10px(built, folder, council, year, kind):
    seen = at_390px(written(built, folder, council, year, kind), folder)
    assert seen["width"] == 390
    assert not seen["sideways"]
    assert seen["hidden"] == []
    assert seen["uncued"] == []
    assert seen["charts"]
    smallest = min(seen["charts"]) * SMALLEST_TEXT_PT * 96 / 72
    assert smallest >= 10 - 0.05, smallest


def test_a_table_wider_than_a_phone_is_shown_with_its_cue(built, folder):
    seen = at_390px(written(built, folder, "dudley", "2024-25", "demonstration"), folder)
    assert seen["scrolls"] > 0  # so the test above checked some cues


def printed(report: Path, folder: Path) -> Path:
    pdf = folder / f"{report.stem}.pdf"
    subprocess.run(
        [
            BROWSER,
            *FLAGS,
            f"--user-data-dir={folder / 'profile-print'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    return pdf


def test_printed_dudley_2022_23_is_at_most_20_a4_pages_summary_first(built, folder):
    from pypdf import PdfReader

    pdf = printed(written(built, folder, "dudley", "2022-23", "council"), folder)
    reader = PdfReader(str(pdf))
    assert 1 <= len(reader.pages) <= 20
    for number, p in enumerate(reader.pages, start=1):
        assert abs(float(p.mediabox.width) - 595.3) < 2 and abs(float(p.mediabox.height) - 841.9) < 2
        text = re.sub(r"\s+", " ", p.extract_text())
        assert f"Page {number} of {len(reader.pages)}" in text
        assert "Dudley Metropolitan Borough Council, 2022-23" in text  # the title, in the footer
    first = re.sub(r"\s+", " ", reader.pages[0].extract_text())
    assert "Summary" in first and "What changed and how sure we are" in first
    assert "All reports" not in " ".join(p.extract_text() for p in reader.pages)  # nothing to click on paper


def test_printed_text_stays_inside_the_margins(built, folder):
    from pypdf import PdfReader

    pdf = printed(written(built, folder, "dudley", "2024-25", "demonstration"), folder)
    width = 595.3
    outside = []
    for number, p in enumerate(PdfReader(str(pdf)).pages, start=1):

        def visit(text, cm, tm, _font, _size, number=number):
            if text.strip():
                x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
                if not 0 < x < width - 30:
                    outside.append((number, round(x), text[:30]))

        p.extract_text(visitor_text=visit)
    assert not outside
