"""The corpus of malformed inputs: each case breaks a copy of tests/fixtures/data one way (or a few),
runs `complaints reports`, and lists what the message must say (tests/test_malformed.py runs them:
exit status 2, every problem named with its file, line and column, nothing under outputs/ changed).

Files are named as under data/; lines count from 1, the header being line 1.
"""

from __future__ import annotations

from .edits import (
    AddLine,
    Case,
    Delete,
    DropColumns,
    EditLine,
    Encode,
    Expect,
    InsertBytes,
    KeepLines,
    Replace,
    SetCell,
    WriteBytes,
)

DUDLEY = "published/dudley/2022-23_annual_report.csv"
NEWS = "published/dudley/2024-25_news_article.csv"
TELFORD = "published/telford-wrekin/2024-25_annual_report.csv"
SOURCES = "published/sources.csv"
LEARNING = "learning/learning.csv"
MEASURES = "definitions/measures.csv"
METRICS = "definitions/metrics.csv"
SECTIONS = "definitions/sections.csv"
EXTRACT = "records/dudley/2024-25_synthetic_complaints.csv"  # Dudley's export: unquoted, dd/mm/yyyy, codes
CONTACTS = "records/dudley/2024-25_synthetic_contacts.csv"
FEEDBACK = "records/dudley/2024-25_synthetic_feedback.csv"
TELFORD_EXTRACT = "records/telford-wrekin/2024-25_synthetic_complaints.csv"  # quoted cells
DORSET_EXTRACT = "records/dorset/2023-24_synthetic_complaints.csv"
CONFIG = "councils/dudley.toml"

# free text pasted into one cell: 200,000 characters, commas and all
FREE_TEXT = ("The complainant wrote at length, and the whole letter was pasted in. " * 3000)[:200_000]
WINDOWS_1252 = "looks like Windows-1252"
SAVE_AS = "File > Save As and choose 'CSV UTF-8 (Comma delimited)'"

CASES: list[Case] = [
    # ------------------------------------------------------------------ published figures
    Case(
        "published-text-for-a-number",
        (SetCell(DUDLEY, 3, "value", "about 100"),),
        (Expect("'about 100' is not a number", DUDLEY, 3, "value"),),
        problems=1,
    ),
    Case(
        "published-windows-1252",
        (Encode(NEWS, "cp1252"),),
        (Expect(WINDOWS_1252, NEWS, 2, "quote"), Expect(SAVE_AS, NEWS, 2, "quote")),
    ),
    Case(
        "published-nul-byte",
        (InsertBytes(DUDLEY, " compliments were received", b"\x00"),),
        (Expect("holds a NUL byte", DUDLEY, 3, "quote"),),
    ),
    Case(
        "published-semicolons",
        (Replace(NEWS, ",", ";", count=0),),
        (Expect("is separated by semicolons (;), not commas", NEWS, 1),),
        problems=1,
    ),
    Case(
        "published-cell-too-many",
        (EditLine(DUDLEY, 4, append=",extra"),),
        (Expect("has 22 cells but the header has 21", DUDLEY, 4),),
        problems=1,
    ),
    Case(
        "published-cells-missing",
        (EditLine(NEWS, 3, text="dudley,2024-25,complaints_received,,301"),),
        (Expect("has 5 cells but the header has 21", NEWS, 3),),
        problems=1,
    ),
    Case(
        "published-free-text-200kb",
        (SetCell(DUDLEY, 5, "quote", FREE_TEXT),),
        (Expect("holds 200,000 characters; a cell may hold at most 10,000", DUDLEY, 5, "quote"),),
        problems=1,
    ),
    Case(
        "published-column-named-twice",
        (Replace(DUDLEY, ",note,", ",quote,"),),
        (
            Expect("names 2 columns (columns 16, 17 of the header)", DUDLEY, 1, "quote"),
            Expect("required column is missing", DUDLEY, 1, "note"),
        ),
    ),
    Case(
        "published-columns-missing",
        (DropColumns(TELFORD, ("quote", "source")),),
        (
            Expect("required column is missing", TELFORD, 1, "source"),
            Expect("required column is missing", TELFORD, 1, "quote"),
        ),
        problems=2,
    ),
    Case("published-empty", (WriteBytes(NEWS, b""),), (Expect("the file is empty", NEWS),), problems=1),
    Case(
        "published-header-only",
        (KeepLines(NEWS, 1),),
        (Expect("the file has a header but no rows", NEWS),),
        problems=1,
    ),
    Case(
        "published-excel-date-number",
        (SetCell(DUDLEY, 2, "extracted", "44714"),),
        (Expect("it is an Excel date number, for 2 June 2022", DUDLEY, 2, "extracted"),),
        problems=1,
    ),
    Case(
        "published-quote-never-closed",
        (Replace(NEWS, ",Article,detail,", ',"Article,detail,'),),
        # the file's next quote mark closes it, some lines down
        (Expect('its cells run on to line 7: is a quote mark (") not closed where it should be?', NEWS, 3),),
    ),
    Case(
        "published-workbook-named-csv",
        (WriteBytes(TELFORD, b"PK\x03\x04\x14\x00\x06\x00rest of a workbook"),),
        (Expect("is an Excel workbook, not a CSV file", TELFORD),),
        problems=1,
    ),
    Case(
        "published-utf-16",
        (Encode(TELFORD, "utf-16"),),
        (Expect("is saved as UTF-16 ('Unicode Text')", TELFORD),),
        problems=1,
    ),
    Case(
        "published-misspelt-measure",
        (SetCell(DUDLEY, 4, "measure", "complaints_recieved"),),
        (Expect("'complaints_recieved' is not a known measure", DUDLEY, 4, "measure"),),
    ),
    # ------------------------------------------------------------------ definitions
    Case(
        "measures-unreadable-records-still-checked",
        (Replace(MEASURES, ",", ";", count=0), SetCell(EXTRACT, 5, "Outcome", "XX")),
        (
            Expect("is separated by semicolons", MEASURES, 1),
            Expect("'XX' is not a code the mapping knows for 'outcome'", EXTRACT, 5, "Outcome"),
            Expect("Not checked until these are fixed"),
            Expect("the measures named in published figures"),
        ),
        absent=("is not a known measure", "is not a measure in"),
        problems=2,
    ),
    Case(
        "measures-deleted",
        (Delete(MEASURES), SetCell(DUDLEY, 3, "year", "2022/23")),
        (
            Expect("cannot be read: No such file or directory", MEASURES),
            Expect("'2022/23' is not a financial year written like 2024-25", DUDLEY, 3, "year"),
        ),
        absent=("is not a known measure",),
    ),
    Case(
        "sections-defined-twice",
        (SetCell(SECTIONS, 3, "section", "representations"),),
        (Expect("'representations' is defined twice", SECTIONS, 3, "section"),),
    ),
    Case(
        "metrics-cell-too-many",
        (EditLine(METRICS, 2, append=",x"),),
        (Expect("has 11 cells but the header has 10", METRICS, 2),),
        problems=1,
    ),
    Case(
        "sources-windows-1252",
        (Replace(SOURCES, "Dudley children's", "Dudley children’s"), Encode(SOURCES, "cp1252")),
        (Expect(WINDOWS_1252, SOURCES, 2, "title"),),
        problems=1,
    ),
    Case(
        "sources-listed-twice",
        (AddLine(SOURCES, copy=2),),
        (Expect("'000_ca5f6cb412c0af57.txt' is listed twice", SOURCES, 7, "source"),),
        problems=1,
    ),
    Case(
        "sources-name-no-file-could-have",
        (SetCell(SOURCES, 6, "source", "x" * 300 + ".txt"),),
        (Expect("is not in data/sources/", SOURCES, 6, "source"),),
    ),
    Case(
        "learning-nul-byte",
        (InsertBytes(LEARNING, " discussion around", b"\x00"),),
        (Expect("holds a NUL byte", LEARNING, 2, "action"),),
        problems=1,
    ),
    Case(
        "learning-columns-missing",
        (DropColumns(LEARNING, ("action", "source")),),
        (
            Expect("required column is missing", LEARNING, 1, "action"),
            Expect("required column is missing", LEARNING, 1, "source"),
        ),
        problems=2,
    ),
    Case(
        "learning-unknown-council",
        (SetCell(LEARNING, 2, "council", "dudly"),),
        (Expect("'dudly' is not a known council", LEARNING, 2, "council"),),
        problems=1,
    ),
    # ------------------------------------------------------------------ complaint extracts
    Case(
        "extract-excel-date-number",
        (SetCell(EXTRACT, 3, "Date Received", "45391"),),
        (Expect("it is an Excel date number, for 9 April 2024", EXTRACT, 3, "Date Received"),),
        problems=1,
    ),
    Case(
        # Dudley's `separator = ";"` separates several values within a cell ("Staff Behavior; Communication-lack"),
        # which is no problem; a file separated by semicolons is one
        "extract-semicolons",
        (Replace(CONTACTS, ",", ";", count=0),),
        (Expect("is separated by semicolons (;), not commas", CONTACTS, 1),),
        absent=(EXTRACT,),
        problems=1,
    ),
    Case(
        "extract-cell-too-many-and-a-bad-code",
        (EditLine(EXTRACT, 4, append=",extra"), SetCell(EXTRACT, 6, "Outcome", "XX")),
        (
            Expect("has 18 cells but the header has 17", EXTRACT, 4),
            Expect("'XX' is not a code the mapping knows", EXTRACT, 6, "Outcome"),
        ),
        problems=2,
    ),
    Case(
        "extract-free-text-200kb",
        (SetCell(EXTRACT, 5, "Reason for Delay", FREE_TEXT),),
        (Expect("holds 200,000 characters; a cell may hold at most 10,000", EXTRACT, 5, "Reason for Delay"),),
        problems=1,
    ),
    Case(
        "extract-nul-byte",
        (InsertBytes(EXTRACT, ",09/04/2024,CORP", b"\x00"),),
        (Expect("holds a NUL byte", EXTRACT, 4, "Case Ref"),),
        problems=1,
    ),
    Case(
        "extract-windows-1252",
        (Replace(EXTRACT, "Staff Absence", "Staff Absence (café)"), Encode(EXTRACT, "cp1252")),
        (Expect(WINDOWS_1252, EXTRACT, 2, "Reason for Delay"),),
        problems=1,
    ),
    Case(
        "extract-column-named-twice",
        (Replace(EXTRACT, "Extension,", "Outcome,"),),
        (Expect("names 2 columns (columns 11, 13 of the header)", EXTRACT, 1, "Outcome"),),
        problems=1,
    ),
    Case(
        "extract-required-columns-missing",
        (Replace(EXTRACT, "Case Ref,", "Case ref,"), Replace(EXTRACT, ",Outcome,", ",Result,")),
        (
            Expect("required column is missing (it holds the canonical 'reference')", EXTRACT, 1, "Case Ref"),
            Expect("the header has 'Case ref': names must be written exactly", EXTRACT, 1, "Case Ref"),
            Expect("required column is missing (it holds the canonical 'outcome')", EXTRACT, 1, "Outcome"),
        ),
        problems=2,
    ),
    Case("extract-empty", (WriteBytes(FEEDBACK, b""),), (Expect("the file is empty", FEEDBACK),), problems=1),
    Case(
        "extract-unknown-code",
        (SetCell(EXTRACT, 7, "Complaint Type", "STATUTORY"),),
        (Expect("'STATUTORY' is not a code the mapping knows", EXTRACT, 7, "Complaint Type"),),
        problems=1,
    ),
    Case(
        "extract-damaged-workbook",
        (WriteBytes("records/dudley/2024-25_extra_complaints.xlsx", b"not a workbook at all"),),
        (Expect("cannot be read as an Excel workbook", "records/dudley/2024-25_extra_complaints.xlsx"),),
        problems=1,
    ),
    Case(
        "extract-quote-never-closed",
        (Replace(EXTRACT, ",Care Management,", ',"Care Management,'),),
        (Expect('a quote mark (") opens this cell and is never closed', EXTRACT, 3, "Service Area"),),
        problems=1,
    ),
    Case(
        "extract-quoted-cell-too-many",
        (EditLine(TELFORD_EXTRACT, 3, append=",x"),),
        (Expect("has 17 cells but the header has 16", TELFORD_EXTRACT, 3),),
        problems=1,
    ),
    # ------------------------------------------------------------------ every problem of every file at once
    Case(
        # the tester's case: a bad published figure used to hide five bad rows of an extract
        "one-bad-figure-and-five-bad-rows",
        (
            SetCell(DUDLEY, 3, "value", "lots"),
            SetCell(EXTRACT, 2, "Outcome", "XX"),
            SetCell(EXTRACT, 3, "Date Received", "31/02/2024"),
            SetCell(EXTRACT, 4, "Stage", "S9"),
            SetCell(EXTRACT, 5, "Complaint Type", "NEITHER"),
            SetCell(EXTRACT, 6, "Date Responded", "01/01/2024"),
        ),
        (
            Expect("'lots' is not a number", DUDLEY, 3, "value"),
            Expect("'XX' is not a code the mapping knows", EXTRACT, 2, "Outcome"),
            Expect("'31/02/2024' is not a date written dd/mm/yyyy", EXTRACT, 3, "Date Received"),
            Expect("'S9' is not a code the mapping knows", EXTRACT, 4, "Stage"),
            Expect("'NEITHER' is not a code the mapping knows", EXTRACT, 5, "Complaint Type"),
            Expect("is before the complaint was received", EXTRACT, 6, "Date Responded"),
        ),
        problems=6,
    ),
    Case(
        "a-problem-in-every-kind-of-file",
        (
            SetCell(METRICS, 3, "headline", "maybe"),
            SetCell(SOURCES, 3, "report_year", "2022"),
            SetCell(TELFORD, 2, "stated_pct", "120"),
            SetCell(LEARNING, 3, "year", "22-23"),
            SetCell(DORSET_EXTRACT, 2, "Received Date", "2023-13-01"),
            SetCell(CONTACTS, 3, "Contacts Received", "many"),
        ),
        (
            Expect("'maybe' is not a known yes/no value", METRICS, 3, "headline"),
            Expect("'2022' is not a financial year", SOURCES, 3, "report_year"),
            Expect("120 is above 100", TELFORD, 2, "stated_pct"),
            Expect("'22-23' is not a financial year", LEARNING, 3, "year"),
            Expect("'2023-13-01' is not a date", DORSET_EXTRACT, 2, "Received Date"),
            Expect("'many' is not a number", CONTACTS, 3, "Contacts Received"),
        ),
    ),
    Case(
        # a byte order mark (what Excel's 'CSV UTF-8' starts with) is accepted, wherever it is
        "byte-order-marks-accepted",
        (
            *(WriteBytes(f, b"\xef\xbb\xbf", prefix=True) for f in (SOURCES, DUDLEY, LEARNING, MEASURES, EXTRACT)),
            SetCell(NEWS, 2, "year", "2024"),
        ),
        (Expect("'2024' is not a financial year", NEWS, 2, "year"),),
        absent=(SOURCES, DUDLEY, LEARNING, MEASURES, EXTRACT),
        problems=1,
    ),
    # ------------------------------------------------------------------ the command line
    Case("year-2099-00", args=("--year", "2099-00"), expect=(Expect("unknown year 2099-00"),)),
    Case("unknown-council", args=("--council", "narnia"), expect=(Expect("unknown council narnia"),)),
    Case(
        "year-not-a-year",
        args=("--year", "2024/25"),
        expect=(Expect("'2024/25' is not a financial year written like 2024-25"),),
    ),
    Case(
        "council-not-an-identifier",
        args=("--council", "Dudley MBC"),
        expect=(Expect("'Dudley MBC' is not a council identifier"),),
    ),
    # ------------------------------------------------------------------ a council's configuration
    Case(
        "config-procedures-a-text",
        (Replace(CONFIG, 'procedures = ["statutory", "corporate"]', 'procedures = "statutory"'),),
        (Expect("expected a list", CONFIG, None, "procedures"),),
    ),
    Case(
        "config-misspelt-contacts",
        (Replace(CONFIG, "definition = ", "defintion = "),),
        (Expect("unknown setting", CONFIG, None, "contacts.defintion"),),
    ),
    Case(
        "config-misspelt-timescales",
        (Replace(CONFIG, "statutory_stage1 = 10", "statutory_stage_1 = 10"),),
        (Expect("unknown setting", CONFIG, None, "timescales.statutory_stage_1"),),
    ),
    Case(
        "config-wrong-type",
        (Replace(CONFIG, "corporate = 20", 'corporate = "20"'),),
        (Expect("expected a positive whole number", CONFIG, None, "timescales.corporate"),),
    ),
    Case(
        "config-invalid-toml",
        (Replace(CONFIG, 'id = "dudley"', 'id = "dudley'),),
        (Expect("is not valid TOML", CONFIG),),
    ),
    Case(
        "config-not-utf-8",
        (Replace(CONFIG, "Upheld shares are", "Upheld shares (café) are"), Encode(CONFIG, "cp1252")),
        (Expect("UTF-8", CONFIG),),
    ),
    Case(
        # the other councils' extracts are still checked; Dudley's wait for its configuration
        "config-problem-other-extracts-checked",
        (
            Replace(CONFIG, "corporate = 20", 'corporate = "20"'),
            SetCell(TELFORD_EXTRACT, 4, "Outcome", "Maybe"),
        ),
        (
            Expect("expected a positive whole number", CONFIG, None, "timescales.corporate"),
            Expect("'Maybe' is not a code the mapping knows", TELFORD_EXTRACT, 4, "Outcome"),
            Expect("the complaint extracts of dudley"),
        ),
    ),
]
