"""A new council from its PDF to its report, with the commands only and no code change:
`complaints new-council`, `complaints draft` (the rows confirmed as an analyst would), `complaints reports`."""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
from conftest import edit_csv
from test_draft import COUNCIL, write_pdf

from complaints.cli import main
from complaints.running.batch import Options, run_reports


def section_text(html: str, anchor: str) -> str:
    """The text of one report section: from its heading to the next section's."""
    start = html.index(f'id="{anchor}"')
    end = html.find('<h2 id="', start + 1)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html[start : end if end > 0 else None])))


def test_a_council_added_from_its_pdf_has_its_figures_in_the_right_sections(project, tmp_path):
    data = ["--data", str(project.data)]
    assert main(["new-council", COUNCIL, "--name", "Westfold Council", "--short-name", "Westfold", *data]) == 0
    pdf = tmp_path / "westfold_annual_report_2025-26.pdf"
    write_pdf(pdf)
    assert main(["draft", str(pdf), "--council", COUNCIL, "--year", "2025-26", *data]) == 0
    draft = project.published / COUNCIL / "2025-26_draft.csv"

    def confirm(rows: pd.DataFrame) -> pd.DataFrame:  # the analyst: keep the rows that are figures, checked
        rows = rows[rows["measure"] != ""]
        return rows.assign(status="checked")

    edit_csv(draft, confirm)
    draft.rename(draft.with_name("2025-26_annual_report.csv"))
    status = run_reports(
        project, Options(councils=[COUNCIL], jobs=1, progress=False, formats=("html",), kernel="fresh")
    )
    assert status == 0
    html = project.report_html(COUNCIL, "2025-26").read_text(encoding="utf-8")
    assert "Westfold Council" in html
    # each figure in the section the guidance puts it in
    assert "143" in section_text(html, "representations")  # compliments
    stages = section_text(html, "stages")
    assert "64" in stages and "58" in stages  # statutory complaints, this year and last
    assert "71%" in section_text(html, "timescales")
    assert re.search(r"\b4\b", section_text(html, "ombudsman"))  # "Four cases were referred"
    assert "not published" in html.lower()  # its settings are not yet filled in, and say so
