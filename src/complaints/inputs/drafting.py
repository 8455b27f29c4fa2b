"""A draft transcription of a council's document: one row per figure in its text, for an analyst to check.

`complaints draft` (running/draft.py) reads a document (PDF, Word or text), saves its text under
data/sources/ and writes the rows made here to data/published/<council>/<year>_draft.csv, every row
with status `to_check`: `complaints check` refuses the file until the analyst has confirmed or
corrected each row and written `checked` (docs/drafting.md).

How a row is made, in order (every rule is a plain function below):

1. The text is cut into units: a heading (a markdown `#` line, a numbered line in capitals such as
   "3. HEADLINES", a short numbered title without a full stop, or a short line standing alone
   without a full stop), a list item, a table row (a line with tabs), or a paragraph (the lines
   between blank lines, joined with spaces). Markup (`**`, HTML tags) is dropped, as
   published.normalise drops it, so every quote is found by the existing quote checks.
2. A unit is cut into sentences after `.`, `!` or `?` followed by a space and a capital or figure
   (not after "e.g.", "i.e." and the like; a paragraph number such as "1.1" stays with its sentence).
3. Every number of a sentence is found: digits (1,588; 0.37; £71,608.96) and number words ("one"
   to "twenty", "thirty" to "ninety", "hundred"). Not figures, so left out: years (1900 to 2099,
   and 2022/23, 2021-22), dates ("1st April", "31 March"), ordinals, ranges ("3-4"), telephone
   numbers (a leading 0, or six digits or more with no thousands separator), numbers joined to
   letters ("DY1", "16plus") or a hyphenated word ("two-stage", "10-working"), paragraph numbers at
   the start of a unit ("3.", "1.1"), labels ("Stage 2", "Team 1", "Chart 4", "page 3", "section
   151"), the row label of a table ("One<tab>23") and timescales ("within 20 working days",
   "target ten days", "extended to 20 working days").
4. A percentage ("%", "per cent") is a stated percentage, or a stated change when the words beside
   it say so ("a 13% decrease", "up by 18 per cent", "an increase of 30%"); "percentage points"
   is a change in points. A count and a percentage written together ("6 (75%)", "43% (10)",
   "53% (24 cases)", "2, were upheld, 25%") make one row. A count after "increase of" or
   "decrease of" is a stated absolute change.
5. A figure for an earlier year ("compared to 132", "from 309 to 248", "the 44% for 2021/22",
   "the previous year") gets that year (named, or the year before); the sentence's other rows get
   change_from, and stated_direction from the sentence's words (or from the two figures, with a
   note saying so).
6. The measure is suggested from the words around the figure: the phrases of
   data/definitions/synonyms.csv (measure, phrase) found after the figure (weight 1), before it
   (0.5), elsewhere in the sentence (0.2) and in the heading (0.2), a longer phrase taking its
   words from the shorter ones inside it ("partially upheld" before "upheld"); the words
   "statutory", "corporate", "SEND", "Ombudsman" and "social care" in the sentence or heading
   choose among measures named with them; a pound sign allows only money measures, "days" only
   measures of days. A figure for an earlier year with no words of its own takes the measure of the
   sentence's figure it is compared with. Where nothing fits, or two measures score alike, the
   best guess is kept with a note saying why (or no measure at all).

measure_quality compares the drafts of the shipped documents with their transcriptions (the
definitions are in its docstring and in docs/drafting.md).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .published import ALL_COLUMNS, NUMBER_WORDS, normalise
from .years import is_year

DRAFT_COLUMNS = [*ALL_COLUMNS, "status"]
TO_CHECK = "to_check"
SUFFIXES = (".pdf", ".docx", ".txt", ".md")

# ---------------------------------------------------------------------------------------------
# Reading a document


class DocumentError(ValueError):
    """A document that cannot be read as text."""


def document_text(path: Path) -> str:
    """The text of a PDF (pypdf), a Word .docx (python-docx: headings as markdown `#` lines, table
    rows with tabs between cells) or a text file (UTF-8)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(f"{path.name}: not a PDF, Word (.docx) or text file ({', '.join(SUFFIXES)})")
    try:
        if suffix == ".pdf":
            return _pdf_text(path)
        if suffix == ".docx":
            return _docx_text(path)
        return path.read_text(encoding="utf-8-sig")
    except DocumentError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise DocumentError(f"{path.name} cannot be read: {exc}") from exc
    except Exception as exc:  # pypdf and python-docx raise their own errors on broken files
        raise DocumentError(f"{path.name} cannot be read: {type(exc).__name__}: {exc}") from exc


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    pages = [page.extract_text() or "" for page in PdfReader(path).pages]
    text = "\n\n".join(p.strip("\n") for p in pages).strip()
    if not text:
        raise DocumentError(f"{path.name}: the PDF holds no text (a scan? run it through OCR first)")
    return text + "\n"


def _docx_text(path: Path) -> str:
    import docx
    from docx.table import Table

    document = docx.Document(str(path))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                lines.append("\t".join(dict.fromkeys(cells)))  # merged cells repeat: keep one
            lines.append("")
            continue
        text = block.text.strip()
        if not text:
            continue
        style = (block.style.name if block.style is not None else "") or ""
        level = re.fullmatch(r"Heading (\d)", style)
        if level or style == "Title":
            text = "#" * (int(level.group(1)) if level else 1) + " " + text
        lines += [text, ""]
    return "\n".join(lines).strip() + "\n"


def first_heading(text: str, fallback: str) -> str:
    """The document's title: its first heading, or its first short line, or `fallback`."""
    for unit in units(text):
        if unit.kind == "heading":
            return unit.text
    for line in text.splitlines():
        line = _clean(line).strip(" -#")
        if line and len(line) <= 150:
            return line
    return fallback


def source_name(text: str, number: int) -> str:
    """The file name for a saved text: NNN_<first 16 hex digits of the SHA-256 of its UTF-8 bytes>.txt."""
    return f"{number:03d}_{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}.txt"


# ---------------------------------------------------------------------------------------------
# Units and sentences


@dataclass
class Unit:
    kind: str  # heading, item (a list item), row (a table row), paragraph
    text: str  # markup dropped, lines joined with spaces
    line: int  # the line of the text it starts on (1-based)


MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
BULLET = re.compile(r"^\s*(?:[-*•–]\s+)")
NUMBERED_CAPS = re.compile(r"^(\d{1,2}\.\s*[A-Z][A-Z/&,'’()\s-]*[A-Z])\s*[:\-–]*\s*(.*)$")
CONTENTS = re.compile(r"\.{4,}|…{2,}")


def _clean(line: str) -> str:
    """A line with the markup published.normalise drops (`**`, HTML tags) dropped."""
    return re.sub(r"<[^>]+>", "", line.replace("**", ""))


def _is_heading(line: str, alone: bool) -> bool:
    stripped = line.strip()
    words = stripped.split()
    if not words or stripped.endswith((".", ",", ";", ":")) or len(words) > 10:
        return False
    if words[-1].lower() in ("of", "to", "a", "an", "the", "and", "or", "in", "for", "with", "by", "on", "at"):
        return False  # a line that goes on on the next one
    if re.match(r"^\d{1,2}\.\s+\S", stripped) and len(words) <= 8:
        return True
    return alone and len(words) <= 8 and stripped[0].isupper() and not re.search(r"\d", stripped)


def units(text: str) -> list[Unit]:
    """The text cut into headings, list items, table rows and paragraphs (see the module's notes)."""
    found: list[Unit] = []
    paragraph: list[str] = []
    start = 0
    raw_lines = text.splitlines()

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            found.append(Unit("paragraph", " ".join(paragraph), start))
            paragraph = []

    for number, raw in enumerate(raw_lines, start=1):
        markdown_heading = raw.lstrip().startswith("#")
        line = _clean(raw).strip()
        if not line:
            flush()
            continue
        if CONTENTS.search(line):  # a table of contents: page numbers, no figures
            flush()
            continue
        if markdown_heading:
            flush()
            found.append(Unit("heading", line.lstrip("#").strip(), number))
            continue
        caps = NUMBERED_CAPS.match(line)
        if caps and sum(ch.isalpha() for ch in caps.group(1)) >= 4:
            flush()
            found.append(Unit("heading", caps.group(1).strip(), number))
            if caps.group(2).strip():
                found.append(Unit("paragraph", caps.group(2).strip(), number))
            continue
        previous_blank = number == 1 or not raw_lines[number - 2].strip()
        next_blank = number == len(raw_lines) or not raw_lines[number].strip()
        if BULLET.match(_clean(raw)):
            flush()
            found.append(Unit("item", BULLET.sub("", _clean(raw)).strip(), number))
            continue
        if re.match(r"^\d{1,2}\.\s+\S", line) and not _is_heading(line, alone=False):
            flush()  # a numbered paragraph or list item: a unit of its own, its number kept
            found.append(Unit("item", line, number))
            continue
        if "\t" in raw.strip():
            flush()
            found.append(Unit("row", line, number))
            continue
        previous_ended = previous_blank or _clean(raw_lines[number - 2]).strip().endswith((".", "!", "?", ":"))
        previous_ended = previous_ended or bool(found and found[-1].kind == "heading" and found[-1].line == number - 1)
        next_starts = next_blank or re.match(r"^\s*(?:[-*•#]\s*)?[A-Z0-9£]", _clean(raw_lines[number]))
        if _is_heading(line, alone=bool(previous_ended and next_starts)) and (not paragraph or previous_ended):
            flush()
            found.append(Unit("heading", line, number))
            continue
        if not paragraph:
            start = number
        paragraph.append(line)
        if line.endswith((".", "!", "?", ":")) and not previous_blank and not next_blank:
            flush()  # text from a PDF has no blank lines between paragraphs
    flush()
    return found


ABBREVIATIONS = re.compile(r"(?:\b(?:e\.g|i\.e|etc|No|Cllr|Mr|Mrs|Ms|Dr|St|vs|approx))\.$", re.IGNORECASE)
PARAGRAPH_NUMBER = re.compile(r"^(\d{1,2}\.(?:\d{1,2}\.?)*)\s*(?=[A-Za-z])")


def sentences(text: str) -> list[str]:
    """A unit's text cut into sentences; a paragraph number ("1.", "1.1") stays with its first sentence."""
    prefix = ""
    number = PARAGRAPH_NUMBER.match(text)
    if number:
        prefix, text = text[: number.end()], text[number.end() :]
    pieces: list[str] = []
    begin = 0
    for match in re.finditer(r"[.!?][\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9£])", text):
        head = text[begin : match.start() + 1]
        if ABBREVIATIONS.search(head):
            continue
        pieces.append(text[begin : match.end()].strip())
        begin = match.end()
    pieces.append(text[begin:].strip())
    pieces = [p for p in pieces if p]
    if prefix and pieces:
        pieces[0] = prefix + pieces[0]
    return pieces or ([prefix.strip()] if prefix.strip() else [])


# ---------------------------------------------------------------------------------------------
# Numbers


UNITS_WORDS = {  # the number words of published figures (complaints.inputs.published), on to twenty
    **NUMBER_WORDS,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}
TENS_WORDS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SMALL = "|".join(w for w in UNITS_WORDS if UNITS_WORDS[w] < 10)
WORD_NUMBER = re.compile(
    rf"\b(?:(?P<hundreds>{SMALL}|a)\s+hundred(?:\s+and)?\s+)?"
    rf"(?P<tens>twenty|{'|'.join(TENS_WORDS)})?(?:[- ]?(?P<unit>{SMALL}))?\b"
    rf"|\b(?P<word>{'|'.join(sorted(UNITS_WORDS, key=len, reverse=True))})\b"
    rf"|\b(?:(?P<h2>{SMALL}|a)\s+)?(?P<hundred>hundred)\b",
    re.IGNORECASE,
)
DIGITS = re.compile(r"£?\d+(?:,\d{3})*(?:\.\d+)?")
LABELS = re.compile(
    r"\b(?:stage|stages|chart|charts|table|page|pages|section|paragraph|appendix|team|figure|level|tier|"
    r"phase|quarter|q|year|years|key stage|act|regulations|article|no\.?)\s*$",
    re.IGNORECASE,
)
TIMESCALE_AFTER = re.compile(r"^[\s-]*(?:working[\s-]+)?(?:days?|hours?|weeks?|months?)\b", re.IGNORECASE)
TIMESCALE_BEFORE = re.compile(
    r"\b(?:within|target|further|extra|extended\s+(?:to|by)|maximum\s+of|timescales?\s+of|up\s+to|"
    r"at\s+least|after|previous|last|past|(?:sent|responded\s+to|answered|completed|resolved)\s+in)\b(?:\s+\w+){0,2}\s*$",
    re.IGNORECASE,
)
CHANGE_BEFORE = re.compile(
    r"\b(?:increased?|decreased?|reduced|reduction|rose|fell|dropped|up|down|higher|lower|rise|fall)\s+"
    r"(?:by|of)\s+(?:around\s+|about\s+)?$",
    re.IGNORECASE,
)
CHANGE_AFTER = re.compile(
    r"^\s*(?:overall\s+)?(?:increase|decrease|reduction|rise|fall|drop|improvement|up|down|higher|lower|more|fewer|less)\b",
    re.IGNORECASE,
)


@dataclass
class Number:
    value: float
    start: int  # where it is written in the sentence
    end: int
    kind: str  # count, pct, money, days, change_pct, change_points, change_abs
    text: str


def _word_value(match: re.Match) -> float | None:
    groups = match.groupdict()
    if groups.get("word"):
        return float(UNITS_WORDS[groups["word"].lower()])
    if groups.get("hundred"):
        h2 = groups.get("h2")
        return 100.0 * (1 if not h2 or h2.lower() == "a" else UNITS_WORDS[h2.lower()])
    value = 0.0
    if groups.get("hundreds"):
        h = groups["hundreds"].lower()
        value += 100 * (1 if h == "a" else UNITS_WORDS[h])
    if groups.get("tens"):
        t = groups["tens"].lower()
        value += UNITS_WORDS.get(t) or TENS_WORDS[t]
    if groups.get("unit"):
        value += UNITS_WORDS[groups["unit"].lower()]
    return value or None


def _skip_digits(sentence: str, start: int, end: int, token: str, unit_start: bool, first_row_cell: bool) -> bool:
    before, after = sentence[:start], sentence[end:]
    plain = token.lstrip("£").replace(",", "")
    money = token.startswith("£")
    if before.endswith(("/", "-", "–")) and re.search(r"\d\s*[/–-]$", before):
        return True  # the second half of a range or a year such as 2022/23
    if re.match(r"^\s*[/–-]\s*\d", after):
        return True  # a range (3-4, 1-1) or a year (2022/23, 2021-22)
    ordinal = re.match(r"^(?:st|nd|rd|th)\b", after)
    if (re.match(r"^[A-Za-z]", after) and not ordinal) or re.search(r"[A-Za-z]$", before):
        return True  # joined to letters: DY1, 16plus, EHCP2
    if re.match(r"^(?:st|nd|rd|th)\b", after):
        return True  # an ordinal or a date: 1st April
    if re.match(r"^-[A-Za-z]", after):
        return True  # 10-working day, 5-year
    if re.match(rf"^\s+(?:{MONTHS})\b", after, re.IGNORECASE):
        return True  # a date: 31 March
    if re.search(rf"\b(?:{MONTHS})\s*$", before, re.IGNORECASE):
        return True  # a year or a day after a month: April 21, March 2025
    if not money and "." not in plain and len(plain) == 4 and 1900 <= int(plain) <= 2099 and not after.startswith("%"):
        return True  # a year
    if not money and (
        (plain.startswith("0") and len(plain) > 1 and "." not in plain) or (len(plain) >= 6 and "," not in token)
    ):
        return True  # a telephone number
    if unit_start and PARAGRAPH_NUMBER.match(sentence) and start < PARAGRAPH_NUMBER.match(sentence).end():
        return True  # a paragraph number: 3., 1.1
    if LABELS.search(before) and not money:
        return True  # Stage 2, Team 1, Chart 4
    if first_row_cell:
        return True
    return bool(TIMESCALE_AFTER.match(after) and TIMESCALE_BEFORE.search(before))


def numbers(sentence: str, unit_start: bool = True, row: bool = False) -> list[Number]:
    """Every figure written in a sentence, with its kind (see the module's notes)."""
    found: list[Number] = []
    first_cell_end = sentence.find("\t") if row else -1
    for match in DIGITS.finditer(sentence):
        token = match.group(0)
        start, end = match.span()
        # a trailing thousands-like comma or a full stop belongs to the sentence
        if sentence[start - 1 : start] in (".", ",") and start > 1 and sentence[start - 2].isdigit():
            continue
        first_cell = row and first_cell_end >= 0 and end <= first_cell_end and re.search(r"\t\s*£?\d", sentence)
        if _skip_digits(sentence, start, end, token, unit_start, bool(first_cell and start == 0)):
            continue
        value = float(token.lstrip("£").replace(",", ""))
        found.append(Number(value, start, end, "money" if token.startswith("£") else "count", token))
    for match in WORD_NUMBER.finditer(sentence):
        if not match.group(0).strip():
            continue
        value = _word_value(match)
        if value is None:
            continue
        start, end = match.span()
        before, after = sentence[:start], sentence[end:]
        if re.match(r"^-[A-Za-z]", after) or LABELS.search(before):
            continue  # two-stage, Six-weekly; Stage One
        if (
            re.match(r"^\s+(?:of\s+(?:the|these|those|our|its|their)|another|off)\b", after, re.IGNORECASE)
            and value == 1
        ):
            continue  # "one of the key objectives", "one another"
        if re.search(r"\b(?:no|any|every|each|some)\s*$", before, re.IGNORECASE) and value == 1:
            continue
        if TIMESCALE_AFTER.match(after) and TIMESCALE_BEFORE.search(before):
            continue
        if row and first_cell_end >= 0 and end <= first_cell_end:
            continue  # a table's row label: One<tab>23
        found.append(Number(value, start, end, "count", match.group(0)))
    found.sort(key=lambda n: n.start)
    for number in found:
        after = sentence[number.end :]
        before = sentence[: number.start]
        pct = re.match(r"^\s*(?:%|per\s*cent\b|percent\b)", after, re.IGNORECASE)
        points = re.match(r"^\s*(?:percentage\s+points?|pp\b|points?\b)", after, re.IGNORECASE)
        if points and not pct:
            number.kind = "change_points"
        elif pct:
            number.end += pct.end()
            changed = CHANGE_BEFORE.search(before) or CHANGE_AFTER.match(sentence[number.end :])
            number.kind = "change_pct" if changed else "pct"
        elif number.kind == "count" and re.match(r"^\s*(?:working\s+)?days?\b", after, re.IGNORECASE):
            number.kind = "days"
        elif number.kind == "count" and CHANGE_BEFORE.search(before):
            number.kind = "change_abs"
    return found


# ---------------------------------------------------------------------------------------------
# Measures


@dataclass
class Synonyms:
    """Phrases of data/definitions/synonyms.csv, each compiled to a pattern that allows a plural."""

    phrases: list[tuple[str, str, re.Pattern]]  # measure, phrase, pattern

    @classmethod
    def read(cls, path: Path) -> Synonyms:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment=None)
        return cls.of(zip(frame["measure"], frame["phrase"], strict=True))

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> Synonyms:
        compiled = []
        for measure, phrase in pairs:
            words = phrase.lower().split()
            if not words:
                continue
            body = r"[\s/-]+".join(re.escape(w) + r"(?:s|es)?" for w in words)
            compiled.append((measure.strip(), phrase.strip(), re.compile(rf"(?<![\w]){body}(?![\w])")))
        return cls(compiled)


QUALIFIERS = {
    "statutory": r"\bstatutory\b",
    "corporate": r"\bcorporate\b",
    "send": r"\bsend\b|\behcps?\b|special educational needs",
    "ombudsman": r"\bombudsman\b|\blgo\b|\blgsco\b",
    "csc": r"\bsocial care\b",
}
MEASURE_QUALIFIERS = {"complaints": ("statutory", "corporate")}


def _measure_qualifiers(measure: str) -> set[str]:
    parts = measure.split("_")
    found = {p for p in parts if p in QUALIFIERS}
    if parts[0] in MEASURE_QUALIFIERS:
        found |= set(MEASURE_QUALIFIERS[parts[0]])
    return found


def _qualifiers(text: str) -> set[str]:
    lowered = text.lower()
    return {q for q, pattern in QUALIFIERS.items() if re.search(pattern, lowered)}


def _phrase_hits(text: str, synonyms: Synonyms) -> list[tuple[int, int, str, str]]:
    """(start, end, measure, phrase) of every phrase found in text: a phrase inside a longer one is
    dropped, and of a measure's phrases that overlap only the longest is kept."""
    lowered = text.lower().replace("’", "'")
    hits = [
        (m.start(), m.end(), measure, phrase)
        for measure, phrase, pattern in synonyms.phrases
        for m in pattern.finditer(lowered)
    ]
    spans = {(s, e) for s, e, _, _ in hits}
    hits = [h for h in hits if not any(s <= h[0] and h[1] <= e and (s, e) != (h[0], h[1]) for s, e in spans)]
    hits.sort(key=lambda h: -(h[1] - h[0]))
    kept: list[tuple[int, int, str, str]] = []
    for h in hits:
        if not any(k[2] == h[2] and k[0] < h[1] and h[0] < k[1] for k in kept):
            kept.append(h)
    return kept


@dataclass
class Guess:
    measure: str
    score: float
    runner_up: str = ""
    runner_score: float = 0.0
    after_score: float = 0.0
    uncounted: str = ""  # the counting noun right after the figure that no suggested measure counts


# Nouns that say what a figure counts, and the counting unit (`counts` in data/definitions/measures.csv) they
# name: a measure is proposed only when what it counts is what the sentence counts ("12 representations to the
# Ombudsman" is not `ombudsman_cases`, which counts cases reaching the Ombudsman), otherwise none, with a note.
COUNTING_NOUNS = (
    (re.compile(r"\brepresentations?\b", re.IGNORECASE), "representation"),
    (re.compile(r"\benquir(?:y|ies)\b", re.IGNORECASE), "enquiry"),
    (re.compile(r"\breferrals?\b", re.IGNORECASE), "referral"),
    (re.compile(r"\bcompliments?\b", re.IGNORECASE), "compliment"),
    (re.compile(r"\bcomments?\b", re.IGNORECASE), "comment"),
    (re.compile(r"\bcontacts?\b", re.IGNORECASE), "contact"),
)


def counting_noun(words: str) -> str:
    """The counting unit named first in `words` (the words right after a figure), or ''."""
    found = [(m.start(), unit) for pattern, unit in COUNTING_NOUNS for m in [pattern.search(words)] if m]
    return min(found)[1] if found else ""


def _counts_fit(measure: str, noun: str, measures: pd.DataFrame) -> bool:
    if not noun or "counts" not in measures.columns:
        return True
    return noun in str(measures.at[measure, "counts"])


@dataclass
class Context:
    """What a figure's words are read against: the sentence, the headings above it (the nearest and
    the numbered or top-level one it is under), a table's header row, and the document's own
    qualifiers (how often it says statutory, corporate...)."""

    heading: str = ""
    parent: str = ""
    table_header: str = ""
    document: dict[str, float] = field(default_factory=dict)


UNIT_OF_KIND = {"money": {"money"}, "days": {"days"}, "pct": {"count", "share"}, "count": {"count"}}


def _length(phrase: str) -> float:
    return 1 + 0.5 * (len(phrase.split()) - 1)


def guess_measure(
    sentence: str,
    lead: tuple[int, int],
    before_from: int,
    after_to: int,
    context: Context,
    kind: str,
    measures: pd.DataFrame,
    synonyms: Synonyms,
) -> Guess:
    """The measure the words around a figure suggest (see the module's notes). lead: where the figure's
    first number is written; before_from/after_to: where the words that describe it begin and end
    (the neighbouring figures)."""
    start, end = lead
    scores: dict[str, float] = {}
    after_scores: dict[str, float] = {}
    hits = _phrase_hits(sentence, synonyms)
    described = any(end <= s < after_to for s, _e, _m, _p in hits)
    base = re.match(r"^\s*(?:%|per\s*cent)?\s*of\s+(?:all\s+|the\s+|these\s+)?", sentence[end:], re.IGNORECASE)
    for s, e, measure, phrase in hits:
        length = _length(phrase)
        if end <= s < after_to:
            words_between = len(sentence[end:s].split())
            # "25% of statutory complaints ...": the words right after "of" name what it is a share of
            share_of = kind == "pct" and base and words_between <= 5
            weight = 0.3 if share_of else 1.5 if words_between <= 2 else 1.0
            after_scores[measure] = after_scores.get(measure, 0) + length * weight
        elif before_from <= s and e <= start:
            weight = 0.3 if described else 0.5
        else:
            weight = 0.2
        scores[measure] = scores.get(measure, 0) + weight * length
    extra = [(context.heading, 0.2), (context.parent, 0.2)]
    if context.table_header:
        label = sentence.split("\t")[0]
        extra.append((f"{context.table_header.split(chr(9))[0]} {label}", 1.0))
    for text, weight in extra:
        for _s, _e, measure, phrase in _phrase_hits(text, synonyms):
            scores[measure] = scores.get(measure, 0) + weight * _length(phrase)
    near = _qualifiers(sentence[end:after_to] + " " + " ".join(sentence[before_from:start].split()[-4:]))
    in_sentence = _qualifiers(sentence) - near
    in_heading = _qualifiers(f"{context.heading} {context.parent}") - near - in_sentence
    allowed = UNIT_OF_KIND.get(kind, {"count", "share", "money", "days"})
    # what the figure counts, in the words right after it ("12 representations")
    noun = counting_noun(" ".join(sentence[end:after_to].split()[:4])) if kind != "pct" else ""
    ranked = []
    unfit = False
    for measure, score in scores.items():
        if measure not in measures.index or measures.at[measure, "unit"] not in allowed:
            continue
        if not _counts_fit(measure, noun, measures):
            unfit = True
            continue
        wanted = _measure_qualifiers(measure)
        both = measure.split("_")[0] in MEASURE_QUALIFIERS
        if both and not wanted <= near | in_sentence:
            ranked.append((score - 0.5, measure))  # "statutory and corporate" not both said
            continue
        for q in wanted:
            if q in near:
                score += 1.0
            elif q in in_sentence:
                score += 0.4
            elif q in in_heading:
                score += 0.3
            elif not both:
                score -= 0.6 - 0.3 * context.document.get(q, 0.0)
        score -= 0.4 * len({q for q in near | in_sentence if q in ("statutory", "corporate", "send")} - wanted)
        ranked.append((score, measure))
    ranked.sort(key=lambda x: (-x[0], x[1]))
    if not ranked:
        return Guess("", 0.0, uncounted=noun if unfit else "")
    best_score, best = ranked[0]
    runner_score, runner = ranked[1] if len(ranked) > 1 else (0.0, "")
    return Guess(best, best_score, runner, runner_score, after_scores.get(best, 0.0))


def document_qualifiers(text: str) -> dict[str, float]:
    """Each qualifier's share of the qualifiers the document uses (statutory, corporate, SEND...)."""
    lowered = text.lower()
    counts = {q: len(re.findall(pattern, lowered)) for q, pattern in QUALIFIERS.items()}
    total = sum(counts.values()) or 1
    return {q: c / total for q, c in counts.items()}


# ---------------------------------------------------------------------------------------------
# Rows


EARLIER_BEFORE = re.compile(
    r"(?:\bcompare[sd]?\s+(?:to|with)|\bthan|\bon|\bwith|\bwhen|\bfrom|\bup\s+from|\bdown\s+from|\bagainst|"
    r"\bin\s+line\s+with)(?:\s+(?:the|a|total|of|a\s+total\s+of|around|about|just))*\s*\(?\s*$",
    re.IGNORECASE,
)
PREVIOUS_AFTER = re.compile(
    r"^[^.;]{0,60}?\b(?:previous\s+(?:year|period|12\s+months|twelve\s+months)|last\s+year|year\s+before|"
    r"prior\s+year)\b",
    re.IGNORECASE,
)
YEAR_WRITTEN = re.compile(r"\b((?:19|20)\d{2})\s*[/-]\s*((?:19|20)?\d{2})\b")
INCREASE = re.compile(r"\b(?:increase[sd]?|rose|rise|up|higher|more|improve[sd]?|improvement|grew)\b", re.IGNORECASE)
DECREASE = re.compile(
    r"\b(?:decrease[sd]?|reduction|reduced|fell|fall|down|lower|fewer|less|drop(?:ped)?|declined?)\b", re.IGNORECASE
)
SAME = re.compile(r"\b(?:in line with|the same as|remained the same|unchanged|same as)\b", re.IGNORECASE)


def previous_year(year: str) -> str:
    first = int(year[:4]) - 1
    return f"{first}-{(first + 1) % 100:02d}"


def _written_year(text: str) -> str | None:
    match = YEAR_WRITTEN.search(text)
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2)[-2:])
    if (first + 1) % 100 != second:
        return None
    year = f"{first}-{second:02d}"
    return year if is_year(year) else None


@dataclass
class Figure:
    numbers: list[Number]
    value: Number | None = None
    pct: Number | None = None
    changes: list[Number] = field(default_factory=list)
    earlier: bool = False
    year: str = ""

    @property
    def start(self) -> int:
        return min(n.start for n in self.numbers)

    @property
    def end(self) -> int:
        return max(n.end for n in self.numbers)


def _figures(sentence: str, found: list[Number]) -> list[Figure]:
    """The figures of a sentence: a count and its percentage together, changes attached to the
    figure they are about."""
    main = [n for n in found if n.kind in ("count", "pct", "money", "days")]
    changes = [n for n in found if n.kind.startswith("change")]
    figures: list[Figure] = []
    used: set[int] = set()
    for i, n in enumerate(main):
        if i in used:
            continue
        figure = Figure([n])
        if n.kind == "pct":
            figure.pct = n
        else:
            figure.value = n
        used.add(i)
        if i + 1 < len(main) and i + 1 not in used:
            m = main[i + 1]
            between = sentence[n.end : m.start]
            counts_pct = n.kind == "count" and m.kind == "pct"
            pct_counts = n.kind == "pct" and m.kind == "count"
            paren = re.fullmatch(r"\s*\(\s*", between) or re.fullmatch(r"\s*\w*\s*\(\s*", between)
            near = re.fullmatch(r"[\s,]*(?:\w+[\s,]*){0,3}", between) and not re.search(
                r"\b(?:and|of|so|meaning|which|that|while|whereas|but)\b", between
            )
            if (counts_pct and (paren or near)) or (pct_counts and paren):
                figure.numbers.append(m)
                if m.kind == "pct":
                    figure.pct = m
                else:
                    figure.value = m
                used.add(i + 1)
        figures.append(figure)
    for change in changes:
        target = None
        preceding = [f for f in figures if f.start < change.start]
        following = [f for f in figures if f.start > change.start]
        from_to = re.search(r"\bfrom\s+\S+\s+to\s+\S*$", sentence[: following[0].end] if following else "")
        if following and from_to and len(following) >= 2:
            target = following[1]
        elif preceding:
            target = preceding[-1]
        elif following:
            # "decreased by 24% from 309 to 248": the change is about the later figure
            target = (
                following[1]
                if len(following) >= 2 and re.search(r"\bfrom\b", sentence[change.end : following[0].start])
                else following[0]
            )
        if target is None:
            figures.append(Figure([change], changes=[change]))
        else:
            target.changes.append(change)
            target.numbers.append(change)
    figures.sort(key=lambda f: f.start)
    return figures


def _mark_earlier(sentence: str, figures: list[Figure], year: str) -> None:
    for i, figure in enumerate(figures):
        if figure.value is None and figure.pct is None:
            continue
        before = sentence[: figure.start]
        after = sentence[figure.end :]
        next_start = figures[i + 1].start if i + 1 < len(figures) else len(sentence)
        after_own = sentence[figure.end : next_start]
        written = _written_year(after_own[:40]) or _written_year(before[-25:])
        from_to = re.search(r"\bfrom\s*$", before) and re.match(r"^\s*(?:%|per cent)?\s*to\b", after)
        cue = (EARLIER_BEFORE.search(before[-40:]) and not re.search(r"\bwith\s*$", before[-6:])) or from_to
        if re.search(r"\bwith\s*$", before.strip()[-6:]) and re.search(r"\bin line with\s*$", before):
            cue = True
        if re.search(r"\b(?:less|more|fewer|greater)\s+than\s*$", before, re.IGNORECASE):
            cue = False  # "less than 1.2%": a qualifier, not a comparison
        previous = PREVIOUS_AFTER.match(after_own)
        if written and written != year and written < year:
            figure.earlier, figure.year = True, written
        elif (cue and i > 0) or previous:
            figure.earlier, figure.year = True, written if written and written < year else previous_year(year)
        elif cue and re.search(r"\b(?:compare[sd]?|than|in line with)\b", before[-40:], re.IGNORECASE):
            figure.earlier, figure.year = True, previous_year(year)


@dataclass
class DraftRow:
    cells: dict[str, str]


def _fmt(value: float) -> str:
    return f"{value:,.2f}".replace(",", "") if value != int(value) else str(int(value))


def _number_text(number: Number) -> str:
    """The number as the quote writes it (so the quote check finds it), without a pound sign."""
    if re.fullmatch(r"£?\d[\d,]*(?:\.\d+)?", number.text):
        return number.text.lstrip("£")
    return _fmt(number.value)


def _category(unit: Unit, sentence: str) -> str:
    if unit.kind == "row":
        return sentence.split("\t")[0].strip()
    if unit.kind == "item":
        text = re.sub(r"^\d+\s+(?:cases?\s+)?", "", sentence)
        text = re.split(r"\s+[-–]\s+|\s*\(|\s+in relation to\b", text)[0]
        return text.strip(" -–.") if len(text.split()) <= 6 else ""
    return ""


BACK_REFERENCE = re.compile(
    r"^(?:(?:this|these|that|it|which)\s+(?:is|was|are|were|compares|compared|represents|shows|indicates|means|"
    r"reflects)\b|compared\b|in\s+comparison\b|for\s+the\s+previous\b|the\s+previous\s+year\b|last\s+year\b)",
    re.IGNORECASE,
)


def _quotes(unit: Unit, year: str) -> list[str]:
    """The unit's sentences, a sentence that refers back ("This compares to 6 cases", "This is a
    13% decrease from...") or whose figures are all for earlier years joined to the one before it."""
    joined: list[str] = []
    for index, sentence in enumerate(sentences(unit.text)):
        found = numbers(sentence, unit_start=index == 0, row=unit.kind == "row")
        figures = _figures(sentence, found) if found else []
        _mark_earlier(sentence, figures, year)
        main = [f for f in figures if f.value is not None or f.pct is not None]
        backward = BACK_REFERENCE.match(sentence) or (main and all(f.earlier for f in main))
        if joined and backward and found:
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
    return joined


def draft_rows(
    text: str, council: str, year: str, source: str, measures: pd.DataFrame, synonyms: Synonyms
) -> pd.DataFrame:
    """One row per figure in the text, in the columns of data/published/ and a status `to_check`."""
    rows: list[dict[str, str]] = []
    context = Context(document=document_qualifiers(text))
    for unit in units(text):
        if unit.kind == "heading":
            top = re.match(r"^\d{1,2}\.", unit.text) or unit.text.isupper()
            if top or not context.parent:
                context.parent = unit.text
            context.heading = unit.text
            context.table_header = ""
            continue
        if unit.kind == "row" and not context.table_header:
            context.table_header = unit.text
            if not numbers(unit.text, row=True):
                continue
        elif unit.kind != "row":
            context.table_header = ""
        previous: dict[str, str] = {}
        for index, quote in enumerate(_quotes(unit, year)):
            found = numbers(quote, unit_start=index == 0, row=unit.kind == "row")
            if not found:
                continue
            figures = _figures(quote, found)
            _mark_earlier(quote, figures, year)
            rows += _quote_rows(quote, figures, unit, context, council, year, source, measures, synonyms, previous)
    return pd.DataFrame(rows, columns=DRAFT_COLUMNS).fillna("")


def _quote_rows(quote, figures, unit, context, council, year, source, measures, synonyms, previous):
    """The rows of one quote's figures; `previous` carries the measures of the quote before, for a
    figure compared with it."""
    rows = []
    current: dict[str, str] = {}
    guesses = []
    for i, figure in enumerate(figures):
        before_from = figures[i - 1].end if i > 0 else 0
        after_to = figures[i + 1].start if i + 1 < len(figures) else len(quote)
        lead = figure.numbers[0]
        kind = lead.kind if lead.kind in UNIT_OF_KIND else "any"
        if figure.value is not None and figure.pct is not None:
            kind = "count" if figure.value.kind == "count" else kind
        guesses.append(
            guess_measure(quote, (lead.start, lead.end), before_from, after_to, context, kind, measures, synonyms)
        )
    for figure, guess in zip(figures, guesses, strict=True):
        if not figure.earlier and guess.measure:
            family = "pct" if figure.value is None and figure.pct is not None else "value"
            current.setdefault(family, guess.measure)
    heading = context.heading
    for figure, guess in zip(figures, guesses, strict=True):
        family = "pct" if figure.value is None and figure.pct is not None else "value"
        note: list[str] = []
        measure = guess.measure
        inherited = ""
        if figure.earlier and guess.after_score < 2.5:
            inherited = _compared_with(figure, figures, guesses, family) or previous.get(family, "")
        if inherited:
            measure = inherited
            if inherited != guess.measure:
                note.append("measure taken from the figure it is compared with")
        elif not measure and guess.uncounted:
            note.append(
                f"no measure suggested: the sentence counts {guess.uncounted}s, and no measure of "
                "data/definitions/measures.csv counts them (column counts): add one with its definition"
            )
        elif not measure:
            note.append("no measure suggested: no phrase of data/definitions/synonyms.csv near the figure")
        elif guess.score < 1.0:
            note.append(f"measure uncertain: few words to go on (score {guess.score:.1f})")
        elif guess.runner_up and guess.score - guess.runner_score < 0.3:
            note.append(f"measure uncertain: {guess.runner_up} fits about as well")
        cells = dict.fromkeys(DRAFT_COLUMNS, "")
        cells.update(council=council, year=figure.year if figure.earlier else year, measure=measure, source=source)
        cells["section"] = heading or "(no heading)"
        summary = re.search(r"summary|highlight|headline|key message", f"{heading}", re.IGNORECASE)
        cells["section_role"] = "summary" if summary else "detail"
        cells["quote"] = quote
        cells["status"] = TO_CHECK
        unit_of = measures.at[measure, "unit"] if measure in measures.index else ""
        if figure.value is not None:
            cells["value"] = _number_text(figure.value)
        if figure.pct is not None:
            cells["stated_pct"] = _number_text(figure.pct)
            cells["pct_qualifier"] = _qualifier(quote[: figure.pct.start])
        if unit_of == "share" and cells["value"]:
            note.append("a share is only published as a percentage: check the measure, or move the value")
        for change in figure.changes:
            column = {
                "change_pct": "stated_change_pct",
                "change_points": "stated_change_points",
                "change_abs": "stated_change_abs",
            }[change.kind]
            cells[column] = _number_text(change)
        if cells["stated_pct"] and measure in measures.index:
            cells["pct_of"] = _pct_of(measure, measures)
        if measure in measures.index and measures.at[measure, "by_category"] == "yes":
            cells["category"] = _category(unit, quote)
            if not cells["category"]:
                note.append("this measure needs a category: name it")
        if not figure.earlier:
            earlier = [f for f in figures if f.earlier]
            if earlier or figure.changes:
                cells["change_from"] = earlier[0].year if earlier else previous_year(year)
                cells["stated_direction"] = _direction(quote, figure, earlier, note)
                if not cells["stated_direction"] and not figure.changes:
                    cells["change_from"] = ""
        cells["note"] = "; ".join(note)
        rows.append(cells)
    previous.clear()
    previous.update(current)
    return rows


def _qualifier(before: str) -> str:
    """pct_qualifier from the words just before a percentage: "less than" <, "more than" >, "about" ~."""
    tail = before[-30:].lower()
    if re.search(r"\b(?:less|fewer)\s+than\s+(?:a\s+total\s+of\s+)?$|\bunder\s+$|\bbelow\s+$", tail):
        return "<"
    if re.search(r"\b(?:more|greater)\s+than\s+$|\bover\s+$|\babove\s+$", tail):
        return ">"
    if re.search(r"\b(?:about|around|approximately|roughly|nearly|almost|some)\s+$", tail):
        return "~"
    return ""


def _compared_with(figure: Figure, figures: list[Figure], guesses: list[Guess], family: str) -> str:
    """The measure of the figure an earlier year's figure is compared with: the nearest current figure
    before it of the same family (a count or a percentage), else the first after it."""

    def same(f: Figure) -> bool:
        return not f.earlier and ("pct" if f.value is None and f.pct is not None else "value") == family

    before = [g.measure for f, g in zip(figures, guesses, strict=True) if same(f) and f.start < figure.start]
    after = [g.measure for f, g in zip(figures, guesses, strict=True) if same(f) and f.start > figure.start]
    found = [m for m in before[::-1] + after if m]
    return found[0] if found else ""


def _direction(sentence: str, figure: Figure, earlier: list[Figure], note: list[str]) -> str:
    if SAME.search(sentence):
        return "same"
    up, down = INCREASE.search(sentence), DECREASE.search(sentence)
    if up and not down:
        return "increase"
    if down and not up:
        return "decrease"
    mine = figure.value or figure.pct
    theirs = next((f.value or f.pct for f in earlier if (f.value is None) == (figure.value is None)), None)
    if mine is not None and theirs is not None:
        note.append("direction worked out from the two figures, not stated in words")
        if mine.value == theirs.value:
            return "same"
        return "increase" if mine.value > theirs.value else "decrease"
    return ""


def _pct_of(measure: str, measures: pd.DataFrame) -> str:
    """The measure a percentage is of: the part_of of the suggested measure in measures.csv, if any."""
    part = measures.at[measure, "part_of"] if "part_of" in measures.columns else ""
    return part if part in measures.index else ""


# ---------------------------------------------------------------------------------------------
# Quality against the shipped transcriptions


@dataclass
class Quality:
    pairs: int  # transcribed (number, quote) pairs
    found: int  # of them, proposed by the draft
    right_measure: int  # of those found, with the transcribed measure
    drafted: int  # drafted rows
    matching: int  # drafted rows that match some transcribed row
    misses: list[str] = field(default_factory=list)
    wrong_measures: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.pairs if self.pairs else 0.0

    @property
    def measure_recall(self) -> float:
        return self.right_measure / self.found if self.found else 0.0

    @property
    def precision(self) -> float:
        return self.matching / self.drafted if self.drafted else 0.0

    def summary(self) -> str:
        return (
            f"(a) recall of (number, quote) pairs {self.recall:.1%} ({self.found}/{self.pairs}); "
            f"(b) right measure among those {self.measure_recall:.1%} ({self.right_measure}/{self.found}); "
            f"(c) precision {self.precision:.1%} ({self.matching}/{self.drafted} drafted rows)"
        )


PAIR_COLUMNS = ("value", "stated_pct")
ROW_COLUMNS = ("value", "stated_pct", "stated_change_pct", "stated_change_abs", "stated_change_points")


def _number(cell: str) -> float | None:
    try:
        return float(cell.replace(",", "").replace("£", "")) if cell else None
    except ValueError:
        return None


def _contains(draft_quote: str, transcribed_quote: str) -> bool:
    return normalise(transcribed_quote) in normalise(draft_quote)


def measure_quality(
    sources: pd.DataFrame, texts: dict[str, str], transcribed: pd.DataFrame, measures: pd.DataFrame, synonyms: Synonyms
) -> Quality:
    """How well drafts of the documents reproduce their transcriptions.

    sources: rows of sources.csv (source, council, report_year); texts: each source's text;
    transcribed: the rows of the published-figures files (cells as text).

    A transcribed pair is (column, number, quote) for each of value and stated_pct a transcribed row
    fills (n/a left out), where the source is one of `sources`. A drafted row proposes it when it is
    drafted from the same source, holds the same number in the same column, and its quote, after
    published.normalise (markup dropped, every run of whitespace one space, ends stripped), contains
    the transcribed quote so normalised (or equals it). (a) is the share of pairs proposed; (b) the
    share of proposed pairs for which a proposing row suggests the transcribed measure; (c) the share
    of drafted rows with some number (value, stated_pct or a stated change) in the same column as a
    transcribed row of the same source whose quote its quote contains."""
    drafts = []
    for row in sources.itertuples():
        if row.source in texts:
            drafts.append(draft_rows(texts[row.source], row.council, row.report_year, row.source, measures, synonyms))
    drafted = pd.concat(drafts, ignore_index=True) if drafts else pd.DataFrame(columns=DRAFT_COLUMNS)
    by_source = dict(list(drafted.groupby("source")))
    known = set(sources["source"])
    pairs = found = right = 0
    misses, wrong = [], []
    for row in transcribed.itertuples():
        if row.source not in known:
            continue
        for column in PAIR_COLUMNS:
            number = _number(getattr(row, column))
            if number is None:
                continue
            pairs += 1
            candidates = by_source.get(row.source, drafted.iloc[0:0])
            hits = [
                d
                for d in candidates.itertuples()
                if _number(getattr(d, column)) == number and _contains(d.quote, row.quote)
            ]
            label = f"{row.source} {column}={getattr(row, column)} {row.measure}: {normalise(row.quote)[:90]}"
            if not hits:
                misses.append(label)
                continue
            found += 1
            if any(d.measure == row.measure for d in hits):
                right += 1
            else:
                wrong.append(f"{label} -> {', '.join(sorted({d.measure or '(none)' for d in hits}))}")
    matching = 0
    transcribed_by_source = dict(list(transcribed.groupby("source")))
    for d in drafted.itertuples():
        theirs = transcribed_by_source.get(d.source)
        if theirs is None:
            continue
        mine = {(c, _number(getattr(d, c))) for c in ROW_COLUMNS if _number(getattr(d, c)) is not None}
        if any(
            _contains(d.quote, t.quote) and any((c, _number(getattr(t, c))) in mine for c in ROW_COLUMNS)
            for t in theirs.itertuples()
        ):
            matching += 1
    return Quality(pairs, found, right, len(drafted), matching, misses, wrong)


def shipped_quality(paths, synonyms_file: Path | None = None) -> Quality:
    """measure_quality on a data folder: every document of sources.csv against every published-figures
    file (drafts, *_draft.csv, left out)."""
    from .published import published_files
    from .tables import read_csv_text

    sources = pd.read_csv(paths.sources_file, dtype=str, keep_default_na=False)
    texts = {s: (paths.source_documents / s).read_text(encoding="utf-8") for s in sources["source"]}
    frames = []
    for path in published_files(paths):
        if path.name.endswith("_draft.csv"):
            continue
        frame, _problems = read_csv_text(path, ["source", "quote", "measure", *PAIR_COLUMNS], no_rows="ok")
        frames.append(frame)
    transcribed = pd.concat(frames, ignore_index=True).fillna("")
    for column in ROW_COLUMNS:
        if column not in transcribed.columns:
            transcribed[column] = ""
        transcribed[column] = transcribed[column].map(
            lambda c: "" if str(c).strip().lower() in ("n/a", "not applicable") else c
        )
    measures = pd.read_csv(paths.definitions / "measures.csv", dtype=str, keep_default_na=False).set_index("measure")
    synonyms = Synonyms.read(synonyms_file or paths.definitions / "synonyms.csv")
    return measure_quality(sources, texts, transcribed, measures, synonyms)
