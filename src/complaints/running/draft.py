"""`complaints draft SOURCE --council ID --year YYYY-YY`: a draft transcription of a council's document.

1. Reads the document (PDF, Word .docx or text: inputs.drafting.document_text) and saves its text as
   data/sources/NNN_<16 hex>.txt: NNN the next free number (one more than the highest three-digit
   prefix there), the hex the first 16 hexadecimal digits of the SHA-256 of the saved text (UTF-8).
   The five shipped names do not follow the hash rule (their hashes are not of their text, probably
   of the documents as downloaded, which the project does not keep), so the rule is this command's
   own, documented in docs/drafting.md. A text already there (the same after published.normalise) is
   not saved again: its file is used.
2. Adds a row for it to data/published/sources.csv (source, council, report_year, title, kind), unless
   that file is already listed.
3. Writes the draft rows (inputs.drafting.draft_rows) to data/published/<council>/<year>_draft.csv (or
   --out), never over an existing file without --force. Every row has status `to_check`, so
   `complaints check` refuses the file until the analyst has confirmed every row (docs/drafting.md).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..inputs.drafting import (
    DRAFT_COLUMNS,
    DocumentError,
    Synonyms,
    document_text,
    draft_rows,
    first_heading,
    source_name,
)
from ..inputs.paths import Paths
from ..inputs.problems import InputError, Problem, display
from ..inputs.published import normalise

log = logging.getLogger(__name__)

SOURCE_COLUMNS = ["source", "council", "report_year", "title", "kind"]


@dataclass
class Drafted:
    source: str  # the file name under data/sources/
    saved: bool  # the text was new, and saved
    listed: bool  # a row was added to sources.csv
    out: Path
    rows: pd.DataFrame


def save_source(paths: Paths, text: str) -> tuple[str, bool]:
    """The file name of the text under data/sources/, saving it if no file there holds the same text."""
    folder = paths.source_documents
    folder.mkdir(parents=True, exist_ok=True)
    wanted = normalise(text)
    numbers = []
    for existing in sorted(folder.glob("*.txt")):
        if normalise(existing.read_text(encoding="utf-8", errors="replace")) == wanted:
            return existing.name, False
        prefix = re.match(r"^(\d{3})_", existing.name)
        if prefix:
            numbers.append(int(prefix.group(1)))
    name = source_name(text, max(numbers, default=-1) + 1)
    (folder / name).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return name, True


def list_source(paths: Paths, source: str, council: str, year: str, title: str, kind: str) -> bool:
    """Append a row for the source to sources.csv unless it is listed already; True if added."""
    path = paths.sources_file
    if path.exists():
        listed = pd.read_csv(path, dtype=str, keep_default_na=False)
        if source in set(listed.get("source", [])):
            return False
        existing = path.read_text(encoding="utf-8")
    else:
        existing = ",".join(SOURCE_COLUMNS) + "\n"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([source, council, year, title, kind])
    if existing and not existing.endswith("\n"):
        existing += "\n"
    path.write_text(existing + buffer.getvalue(), encoding="utf-8")
    return True


def draft(
    paths: Paths,
    document: Path,
    council: str,
    year: str,
    out: Path | None = None,
    force: bool = False,
    kind: str = "annual report",
    title: str | None = None,
) -> Drafted:
    """Read, save and draft (see the module's notes). Raises InputError with what is wrong, before
    writing anything."""
    base = paths.data.parent
    target = out or paths.published / council / f"{year}_draft.csv"
    problems = []
    if not (paths.councils / f"{council}.toml").exists():
        problems.append(
            Problem(
                display(paths.councils, base),
                None,
                None,
                f"no configuration for council '{council}' ({council}.toml): add the council first "
                "(README, 'Adding a council')",
            )
        )
    if target.exists() and not force:
        problems.append(
            Problem(display(target, base), None, None, "exists already: give --out FILE, or --force to replace it")
        )
    if not document.is_file():
        problems.append(Problem(str(document), None, None, "no such file"))
    if problems:
        raise InputError(problems)
    try:
        text = document_text(document)
    except DocumentError as exc:
        raise InputError([Problem(str(document), None, None, str(exc))]) from None
    measures = pd.read_csv(paths.definitions / "measures.csv", dtype=str, keep_default_na=False).set_index("measure")
    synonyms_file = paths.definitions / "synonyms.csv"
    if synonyms_file.exists():
        synonyms = Synonyms.read(synonyms_file)
    else:
        log.warning(f"{display(synonyms_file, base)} not found: no measure will be suggested")
        synonyms = Synonyms([])
    source, saved = save_source(paths, text)
    saved_text = (paths.source_documents / source).read_text(encoding="utf-8")
    listed = list_source(paths, source, council, year, title or first_heading(saved_text, document.stem), kind)
    rows = draft_rows(saved_text, council, year, source, measures, synonyms)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows[DRAFT_COLUMNS].to_csv(target, index=False, lineterminator="\n")
    return Drafted(source, saved, listed, target, rows)


def run_draft(
    paths: Paths, document: Path, council: str, year: str, out=None, force=False, kind="annual report"
) -> int:
    result = draft(paths, document, council, year, out=out, force=force, kind=kind)
    base = paths.data.parent
    saved = "saved as" if result.saved else "already saved as"
    log.info(f"{document.name}: text {saved} {display(paths.source_documents / result.source, base)}")
    if result.listed:
        log.info(f"added {result.source} to {display(paths.sources_file, base)}")
    unmeasured = int((result.rows["measure"] == "").sum())
    noted = int((result.rows["note"] != "").sum())
    log.info(
        f"wrote {display(result.out, base)}: {len(result.rows)} rows to check ({unmeasured} without a measure, "
        f"{noted} with a note saying what is uncertain). Confirm or correct each row and set its status to "
        "checked (docs/drafting.md); `complaints check` refuses the file until then."
    )
    return 0
