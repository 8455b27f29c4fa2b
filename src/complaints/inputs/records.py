"""Complaint extracts: record-level data from a council's own complaints system.

A published figure is what other councils see; the analyst writing the annual report starts from
their system's export, one row per complaint. This module reads such exports (CSV or Excel),
maps each council's column names and codes onto one canonical schema (configured in the
`[records]` section of data/councils/<id>.toml, so a new export needs no code) and checks every
row. complaints.analysis.record_measures then counts working days and aggregates the rows into the
same measures as the published figures (data/definitions/measures.csv), so every metric and
report works from either source.

Canonical schema (see SCHEMA below; `required` columns must be in every export):

complaints  one row per complaint per stage, (reference, stage) unique
    reference            text           required
    received             date           required   date the complaint (at this stage) was received
    procedure            statutory | corporate     required
    stage                1 | 2 | 3                 required
    team                 text           service area or team; several separated by ";"
    issues               text           issue categories; several separated by ";"
    complainant_type     text           who complained
    channel              text           how the complaint was made
    child_or_young_person  boolean      made by a child or young person themselves
    send                 boolean        about special educational needs and disabilities
    outcome              upheld | partially_upheld | not_upheld | withdrawn | ongoing | not_accepted   required
    responded            date           empty while ongoing
    extension_agreed     boolean        an extended timescale was agreed with the complainant
    delay_reason         text           main reason a late response was late
    ombudsman_referral   boolean        referred to the Local Government and Social Care Ombudsman
    ombudsman_outcome    upheld | not_upheld | not_investigated | ongoing | empty
    remedy               text           remedy recorded; several separated by ";"
    requested            date           stage 2 and 3: the day the complainant asked for this stage (blank: received)
    acknowledged         date           the day the complaint (at this stage) was acknowledged
    extension_date       date           the day an extension was agreed with the complainant
    extension_days       count          working days the extension added
    extension_reason     text           why the extension was needed
    refusal_reason       text           outcome not_accepted: why the complaint was not taken into the procedure
feedback    one row per compliment or comment
    date (required), kind (compliment | comment, required), team, send
contacts    one row per month
    month (YYYY-MM, required), contacts (a count, required)

Files: data/records/<council>/<year>_<anything>_<kind>.<csv|xlsx> (shipped, synthetic) and
data/private/<council>/... (real extracts: personal data, git-ignored). Where data/private has a
file for a council, year and kind, it replaces the files in data/records for them.

Free text never reaches a report. The text columns (team, issues, complainant_type, channel,
delay_reason and remedy of complaints; team of feedback) become report categories, so each value
(each item, for the columns holding several) is first mapped by the column's codes table, if it
has one (an export spelling onto the canonical one: "Staff Behavior" = "Staff Behaviour"; a value
the table does not list is kept as it is), then looked up in the council's vocabulary (the
[vocabulary] table of data/councils/<id>.toml: teams, issue_categories, complainant_types,
channels, delay_reasons, remedies; see VOCABULARY). A value outside the vocabulary is counted under
OTHER ("Other (not in the vocabulary)"), never under its own text, and listed with its file, line
and column in `Records.outside_vocabulary`, which the main job writes only to the private check
file outputs/private/vocabulary.csv. A column with no vocabulary configured has nothing vetted, so
every value in it is OTHER. Blank stays blank (not recorded). The reference column is used to
check (reference, stage) and to count an Ombudsman case once; it is never a category.

Bad rows (unparseable dates, a response before receipt, a code the mapping doesn't know,
duplicate (reference, stage), a date outside the year in the file name...) stop the run with
every problem listed (file, line, column). With set_aside=True they are kept aside instead, with
their reasons (`Records.set_aside_rows`, which the main job writes to
outputs/private/records_set_aside/<council>_<year>_<kind>.csv), and counted. Missing
required columns, empty files and configuration errors always stop the run. Nothing is dropped
silently: blank lines (every cell empty) are not records, and are counted in `Records.files`.

Everything is vectorised: values are checked and converted once per distinct value (categorical
columns). A well-formed CSV extract is read by pyarrow, block by block (_quick_blocks), and the careful
reader of complaints.inputs.tables reads any file pyarrow cannot vouch for (blank lines, a cell running
over lines, a NUL byte, a row with too many cells...), so problems are named the same either way. A
million complaints are read, checked and aggregated in a couple of seconds; records_in_blocks gives the
records of extracts free of problems a block at a time, for ten million in bounded memory
(complaints.analysis.record_measures.figures_from_extracts).
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from pandas.api.types import union_categoricals

from .clocks import Clock
from .council_config import ExtractSchema, check_council, council_clocks
from .definitions import Definitions
from .paths import Paths
from .problems import InputError, Problem, display, raise_if_any
from .tables import (
    MAX_CELL,
    RowProblems,
    csv_records,
    decode,
    excel_date_hint,
    header_problems,
    is_blank,
    scan_rows,
)
from .years import financial_year, is_year, year_bounds  # noqa: F401 - financial_year: part of this module's API

KINDS = ("complaints", "feedback", "contacts")

# canonical column -> type. Types: text, date, month, count, bool, or a choice list name (CHOICES)
SCHEMA: dict[str, dict[str, str]] = {
    "complaints": {
        "reference": "text",
        "received": "date",
        "procedure": "procedure",
        "stage": "stage",
        "team": "text",
        "issues": "text",
        "complainant_type": "text",
        "channel": "text",
        "child_or_young_person": "bool",
        "send": "bool",
        "outcome": "outcome",
        "responded": "date",
        "extension_agreed": "bool",
        "delay_reason": "text",
        "ombudsman_referral": "bool",
        "ombudsman_outcome": "ombudsman_outcome",
        "remedy": "text",
        # what the clocks need (complaints.inputs.clocks): optional, as every column but the required ones
        "requested": "date",
        "acknowledged": "date",
        "extension_date": "date",
        "extension_days": "count",
        "extension_reason": "text",
        "refusal_reason": "text",
    },
    "feedback": {"date": "date", "kind": "feedback_kind", "team": "text", "send": "bool"},
    "contacts": {"month": "month", "contacts": "count"},
}
REQUIRED = {
    "complaints": ("reference", "received", "procedure", "stage", "outcome"),
    "feedback": ("date", "kind"),
    "contacts": ("month", "contacts"),
}
CHOICES = {
    "procedure": ("statutory", "corporate"),
    "stage": ("1", "2", "3"),
    "outcome": ("upheld", "partially_upheld", "not_upheld", "withdrawn", "ongoing", "not_accepted"),
    "ombudsman_outcome": ("upheld", "not_upheld", "not_investigated", "ongoing"),
    "feedback_kind": ("compliment", "comment"),
}
# the column whose date places a row in a financial year
DATE_COLUMN = {"complaints": "received", "feedback": "date", "contacts": "month"}
LIST_COLUMNS = ("team", "issues", "remedy")
CATEGORICAL = (
    "text",
    "procedure",
    "outcome",
    "ombudsman_outcome",
    "feedback_kind",
    "stage",
)  # several values separated by `separator`
DECIDED = ("upheld", "partially_upheld", "not_upheld")
# the text columns that become report categories -> the key of the council's [vocabulary] listing them
VOCABULARY = {
    ("complaints", "team"): "teams",
    ("complaints", "issues"): "issue_categories",
    ("complaints", "complainant_type"): "complainant_types",
    ("complaints", "channel"): "channels",
    ("complaints", "delay_reason"): "delay_reasons",
    ("complaints", "remedy"): "remedies",
    ("complaints", "extension_reason"): "extension_reasons",
    ("complaints", "refusal_reason"): "refusal_reasons",
    ("feedback", "team"): "teams",
}
# the one category a value outside the council's vocabulary is counted under
OTHER = "Other (not in the vocabulary)"
# Records.outside_vocabulary (outputs/private/vocabulary.csv): one row per value outside the vocabulary
VOCABULARY_CHECK_COLUMNS = ["council", "year", "kind", "file", "line", "column", "canonical", "value"]
DEFAULT_BOOLEANS = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
}
FILE_NAME = re.compile(
    r"^(?P<year>\d{4}-\d{2})(?:_(?P<what>.+?))?_(?P<kind>complaints|feedback|contacts)\.(?P<ext>csv|xlsx)$"
)
# Records.files: one row per extract found
FILE_COLUMNS = [
    "file",
    "council",
    "year",
    "kind",
    "private",
    "used",
    "rows",
    "kept",
    "set_aside",
    "set_aside_file",
    "blank_rows",
    "superseded_by",
    "not_recorded",  # the optional canonical columns the export does not have, separated by ";"
]
FIGURE_COLUMNS = [
    "council",
    "year",
    "measure",
    "category",
    "value",
    "basis",
    "pct",
    "pct_of",
    "contested",
    "values_stated",
    "statements",
    "source",
    "file",
    "line",
    "quote",
    "note",
]


# ---------------------------------------------------------------------------------------------
# Configuration: the [records] section of data/councils/<id>.toml


@dataclass(frozen=True)
class KindConfig:
    """How one kind of export (complaints, feedback, contacts) maps onto the canonical schema."""

    kind: str
    columns: dict  # canonical column -> export column name
    codes: dict = field(default_factory=dict)  # canonical column -> {export code: canonical value}
    booleans: dict | None = None  # export code -> True/False for every boolean column (default: yes/no, y/n...)
    date_format: str | None = None  # strptime format of dates (and of months for contacts)
    separator: str = ";"
    sheet: str | int = 0  # Excel sheet
    # canonical text column -> the categories the council's [vocabulary] allows (no entry: none, so every value
    # is OTHER)
    vocabulary: dict = field(default_factory=dict)

    def export_name(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)


@dataclass(frozen=True)
class RecordsConfig:
    council: str
    source: str  # the configuration file, as shown in messages
    complaints: KindConfig
    feedback: KindConfig
    contacts: KindConfig
    partially_upheld: bool = True  # False: the system has no 'partially upheld' outcome
    digital_channels: tuple = ()  # channels (canonical values) that count as digital
    children_in_care_types: tuple = ()  # complainant types that are children in care
    measures: dict = field(default_factory=dict)  # published measure -> the records measure it equals
    procedures: tuple = ("statutory", "corporate")
    statutory_timescale: int = 10
    statutory_extended: int = 20
    corporate_timescale: int = 20
    clocks: tuple[Clock, ...] = ()  # every clock that applies (complaints.inputs.clocks), by procedure, stage, date

    def kind(self, kind: str) -> KindConfig:
        return getattr(self, kind)


def _kind_config(kind: str, checked, raw=None) -> KindConfig:
    """How one kind of export maps onto the canonical schema, from its [records.<kind>] table as
    complaints.inputs.council_config checked it (None: not given, so the export uses the canonical names).
    raw: the table as written, whose order the mappings keep."""
    schema = SCHEMA[kind]
    if checked is None:
        return KindConfig(kind, {c: c for c in schema})
    raw = raw if isinstance(raw, dict) else {}

    def as_written(model, table) -> dict:
        given = model.model_dump(exclude_none=True)
        return {key: given[key] for key in table if key in given} if isinstance(table, dict) else given

    columns = {c: c for c in schema}
    if checked.columns is not None:
        columns = {c: export.strip() for c, export in as_written(checked.columns, raw.get("columns")).items()}
    tables = as_written(checked.codes, raw.get("codes")) if checked.codes is not None else {}
    codes = {
        canonical: {str(code).strip(): value for code, value in table.items()} for canonical, table in tables.items()
    }
    booleans = {str(k).strip(): v for k, v in checked.booleans.items()} if checked.booleans is not None else None
    return KindConfig(kind, columns, codes, booleans, checked.date_format, checked.separator, checked.sheet)


def _with_vocabulary(config: KindConfig, raw: dict) -> KindConfig:
    """The kind's text columns with the categories the council's [vocabulary] lists for them (a column whose
    key is missing gets none, so every value in it is OTHER). The table itself is checked with the rest of the
    configuration (complaints.inputs.council_config)."""
    section = raw.get("vocabulary", {})
    section = section if isinstance(section, dict) else {}
    vocabulary = {}
    for (kind, canonical), key in VOCABULARY.items():
        names = section.get(key)
        if kind == config.kind and isinstance(names, list):
            vocabulary[canonical] = frozenset(n.strip() for n in names if isinstance(n, str) and n.strip())
    return replace(config, vocabulary=vocabulary)


def parse_records_config(
    raw: dict, council_id: str, name: str, defs: Definitions | None = None
) -> tuple[RecordsConfig, list[Problem]]:
    """The [records] section of one council's configuration (raw: the whole parsed TOML file), with the
    procedures and timescales it reads. The whole file is checked against its schema, [records] with the
    canonical schema of extracts (complaints.inputs.council_config); with the definitions, the published
    measures [records.measures] names are checked against measures.csv too."""
    extracts = ExtractSchema.of(SCHEMA, REQUIRED, CHOICES, RECORD_MEASURES)
    checked, problems = check_council(raw, name, extracts)
    measures = raw.get("records", {}).get("measures", {}) if isinstance(raw.get("records"), dict) else {}
    for published in measures if isinstance(measures, dict) and defs is not None else ():
        if published not in defs.measures.index:
            problems.append(
                Problem(
                    name,
                    None,
                    f"records.measures.{published}",
                    f"'{published}' is not a measure in data/definitions/measures.csv",
                )
            )
    if checked is None or problems:
        return RecordsConfig(council_id, name, *(_kind_config(kind, None) for kind in KINDS)), problems
    section, timescales = checked.records, checked.timescales
    kinds = {}
    for kind in KINDS:
        kinds[kind] = _kind_config(kind, getattr(section, kind), raw["records"].get(kind) if "records" in raw else None)
        kinds[kind] = _with_vocabulary(kinds[kind], raw)
    config = RecordsConfig(
        council=council_id,
        source=name,
        partially_upheld=section.partially_upheld,
        measures=dict(section.measures),
        digital_channels=tuple(section.digital_channels),
        children_in_care_types=tuple(section.children_in_care_types),
        procedures=tuple(checked.procedures),
        statutory_timescale=timescales.statutory_stage1 or 10,
        statutory_extended=timescales.statutory_stage1_extended or 20,
        corporate_timescale=timescales.corporate or 20,
        clocks=council_clocks(checked),
        **kinds,
    )
    return config, problems + _named_in_vocabulary(config, name)


def _named_in_vocabulary(config: RecordsConfig, name: str) -> list[Problem]:
    """digital_channels and children_in_care_types are categories: one outside the vocabulary could never match."""
    problems = []
    for setting, column, key in (
        ("digital_channels", "channel", "channels"),
        ("children_in_care_types", "complainant_type", "complainant_types"),
    ):
        allowed = config.complaints.vocabulary.get(column, frozenset())
        for i, value in enumerate(getattr(config, setting)):
            if value not in allowed:
                problems.append(
                    Problem(
                        name,
                        None,
                        f"records.{setting}[{i}]",
                        f"'{value}' is not in [vocabulary] {key}, so no complaint could count as one: "
                        "add it there (or correct the spelling)",
                    )
                )
    return problems


def load_records_configs(paths: Paths, defs: Definitions) -> dict[str, RecordsConfig]:
    """Every council's [records] section, checked. Raises InputError listing every problem."""
    configs, problems = records_configs(paths, defs)
    raise_if_any(problems)
    return configs


def records_configs(paths: Paths, defs: Definitions) -> tuple[dict[str, RecordsConfig], list[Problem]]:
    """The [records] section of every council of the definitions whose configuration has none of the
    problems listed (the measures it names are checked against measures.csv when that could be read)."""
    configs, problems = {}, []
    known = defs if len(defs.measures) else None
    for council_id in sorted(defs.councils):
        path = paths.councils / f"{council_id}.toml"
        name = display(path, paths.data.parent)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            problems.append(Problem(name, None, None, f"cannot be read: {exc}"))
            continue
        config, council_problems = parse_records_config(raw, council_id, name, known)
        problems += council_problems
        if not council_problems:
            configs[council_id] = config
    return configs, problems


def _human_format(fmt: str | None) -> str:
    if not fmt:
        return "yyyy-mm-dd"
    return (
        fmt.replace("%d", "dd")
        .replace("%m", "mm")
        .replace("%Y", "yyyy")
        .replace("%y", "yy")
        .replace("%b", "Mon")
        .replace("%B", "Month")
        .replace("%H", "HH")
        .replace("%M", "MM")
        .replace("%S", "SS")
    )


# ---------------------------------------------------------------------------------------------
# Reading one file


@dataclass
class ExtractFile:
    path: Path
    name: str  # as shown in messages
    council: str
    year: str
    kind: str
    private: bool


def _factor(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values stripped of surrounding spaces) of a text column; code -1 never occurs (blank
    is ''). Arrow finds the distinct values; Python strips only those."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    encoded = pc.dictionary_encode(pc.fill_null(column, ""))
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    cats = encoded.dictionary.to_numpy(zero_copy_only=False)
    stripped = np.array([str(c).strip() for c in cats], dtype=object)
    inverse, uniq = pd.factorize(stripped)
    uniq = np.asarray(uniq, dtype=object)
    if len(uniq) == 0 or not (uniq == "").any():
        uniq = np.append(uniq, "")
    blank = int(np.flatnonzero(uniq == "")[0])
    codes = inverse[codes] if len(inverse) else np.full(len(codes), blank)
    return codes.astype(np.int64), uniq


def _parse_dates(values: np.ndarray, fmt: str | None) -> pd.DatetimeIndex:
    """Dates from text; NaT where a value is not a date. ISO dates (as Excel cells give) are also accepted."""
    values = pd.Index(values, dtype=object)
    out = pd.to_datetime(values, format=fmt, errors="coerce") if fmt else pd.DatetimeIndex([pd.NaT] * len(values))
    missing = out.isna() & (values != "")
    if missing.any():
        for iso in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
            retry = pd.to_datetime(values[missing], format=iso, errors="coerce")
            filled = out.to_numpy().copy()
            filled[np.flatnonzero(missing)] = retry.to_numpy()
            out = pd.DatetimeIndex(filled)
            missing = out.isna() & (values != "")
            if not missing.any():
                break
    return out.normalize()


def _convert(kind: str, canonical: str, uniques: np.ndarray, config: KindConfig) -> tuple[np.ndarray, np.ndarray]:
    """Canonical values for the distinct export values of one column, and an error message (or '') each."""
    kind_type = SCHEMA[kind][canonical]
    required = canonical in REQUIRED[kind]
    n = len(uniques)
    errors = np.full(n, "", dtype=object)
    blank = uniques == ""
    if kind_type in ("date", "month"):
        fmt = config.date_format or ("%Y-%m" if kind_type == "month" else None)
        parsed = _parse_dates(uniques, fmt)
        if kind_type == "month":
            parsed = parsed.to_period("M").to_timestamp()
        bad = np.asarray(parsed.isna()) & ~blank
        for i in np.flatnonzero(bad):
            errors[i] = (
                f"'{uniques[i]}' is not a {'month' if kind_type == 'month' else 'date'} written {_human_format(fmt)}"
                + excel_date_hint(uniques[i], month=kind_type == "month")
            )
        if required:
            errors[blank] = (
                f"is empty; expected a {'month' if kind_type == 'month' else 'date'} written {_human_format(fmt)}"
            )
        return parsed.to_numpy(dtype="datetime64[ns]"), errors
    if kind_type == "count":
        numbers = pd.to_numeric(
            pd.Series(uniques, dtype=object).str.replace(",", "", regex=False), errors="coerce"
        ).to_numpy(dtype=float)
        for i in range(n):
            if blank[i]:
                if required:
                    errors[i] = "is empty; expected a whole number"
            elif np.isnan(numbers[i]):
                errors[i] = f"'{uniques[i]}' is not a number"
            elif numbers[i] < 0 or not float(numbers[i]).is_integer():
                errors[i] = f"{uniques[i]} is not a whole number of 0 or more"
        return numbers, errors
    table = config.codes.get(canonical)
    if kind_type == "bool":
        values = np.zeros(n, dtype=bool)
        strict = table if table is not None else config.booleans
        for i, u in enumerate(uniques):
            if u == "":
                continue
            if strict is not None:
                if u in strict:
                    values[i] = strict[u]
                else:
                    errors[i] = f"'{u}' is not a code the mapping knows for '{canonical}' (known: {', '.join(strict)})"
            elif u.lower() in DEFAULT_BOOLEANS:
                values[i] = DEFAULT_BOOLEANS[u.lower()]
            else:
                errors[i] = f"'{u}' is not a yes/no value for '{canonical}'"
        return values, errors
    values = np.empty(n, dtype=object)
    for i, u in enumerate(uniques):
        if u == "":
            values[i] = ""
            if required:
                errors[i] = f"is empty; expected a {canonical}"
            continue
        if table is not None and kind_type != "text":  # a text column's codes apply with its vocabulary
            if u in table:
                values[i] = str(table[u])
            else:
                values[i] = ""
                known = (
                    ", ".join(table) if len(table) <= 12 else f"{len(table)} codes in {config.kind} codes.{canonical}"
                )
                errors[i] = f"'{u}' is not a code the mapping knows for '{canonical}' (known: {known})"
        elif kind_type in CHOICES:
            if u in CHOICES[kind_type]:
                values[i] = u
            else:
                values[i] = ""
                errors[i] = f"'{u}' is not a known {canonical} ({', '.join(CHOICES[kind_type])})"
        else:
            values[i] = u
    if canonical in LIST_COLUMNS:  # several items: written canonically as 'a; b', whatever the export's separator
        for i, v in enumerate(values):
            if v and (config.separator in v or ";" in v):
                values[i] = "; ".join(dict.fromkeys(p.strip() for p in v.split(config.separator) if p.strip()))
    return values, errors


def _to_vocabulary(canonical: str, values: np.ndarray, config: KindConfig) -> tuple[np.ndarray, list[tuple]]:
    """The categories of a text column's distinct values (as _convert gives them), and for each the export's
    values that are outside the vocabulary.

    Each value (each item of a list column) is mapped by the column's codes, if any (an item the codes do not
    list stays as it is), then kept if the council's vocabulary has it and counted as OTHER if not: 'Team A;
    Jane Smith' becomes 'Team A; Other (not in the vocabulary)' and lists 'Jane Smith'. Blank stays blank."""
    table = config.codes.get(canonical) or {}
    allowed = config.vocabulary.get(canonical, frozenset())
    several = canonical in LIST_COLUMNS
    out = np.empty(len(values), dtype=object)
    outside: list[tuple] = [()] * len(values)
    for i, value in enumerate(values):
        items = [p.strip() for p in value.split(";")] if several else [value]
        kept, unknown = [], []
        for item in items:
            if not item:
                continue
            category = str(table.get(item, item))
            if category in allowed:
                kept.append(category)
            else:
                kept.append(OTHER)
                unknown.append(item)
        out[i] = "; ".join(dict.fromkeys(kept))
        outside[i] = tuple(dict.fromkeys(unknown))
    return out, outside


def _outside_rows(codes: np.ndarray, outside: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Row positions and values outside the vocabulary, one pair per value (a row may have several), from the
    distinct values' codes: vectorised over rows, a loop over the distinct values only."""
    per_value = np.fromiter((len(o) for o in outside), dtype=np.int64, count=len(outside))
    rows = np.flatnonzero(per_value[codes] > 0)
    if not rows.size:
        return np.array([], dtype=np.int64), np.array([], dtype=object)
    rows = rows[np.argsort(codes[rows], kind="stable")]
    which, starts = np.unique(codes[rows], return_index=True)
    positions, texts = [], []
    for value_code, block in zip(which.tolist(), np.split(rows, starts[1:])):
        for item in outside[value_code]:
            positions.append(block)
            texts.append(np.full(len(block), item, dtype=object))
    return np.concatenate(positions), np.concatenate(texts)


# The bytes of a CSV extract the quick reader takes at a time: a block holds about 150,000 complaints, and
# reading, checking and counting one takes about 25 times its size in memory.
BLOCK_BYTES = 16 * 2**20
# what Python's str.strip() strips (every character whose isspace() is true), for Arrow to strip the same
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


class NotQuick(Exception):
    """The quick reader cannot vouch for a file (a problem in it, or something it does not handle: blank
    lines, a cell running over lines, carriage returns alone...): the careful reader (_read_raw) reads
    it, and says what is wrong and where."""


def _quick_blocks(path: Path, config: KindConfig, name: str, block_bytes: int = BLOCK_BYTES) -> Iterator:
    """(the export's mapped columns as Arrow text, the line of each row) for each block of a CSV extract,
    read by pyarrow: the quick way for a large, well-formed file.

    The careful reader (complaints.inputs.tables) checks a file line by line in Python; this one lets Arrow
    parse each block (every column as text, which also checks that the text is UTF-8) and vouches for the
    block only when every line is one row with as many cells as the header: no blank line, no cell running
    over lines, no NUL byte, no carriage return but before a line feed, no cell longer than MAX_CELL, no
    quote mark on the last line (one never closed). Then the line of each row is the header's line plus its
    position, as the careful reader would say. Anything else raises NotQuick, for the careful reader to
    read the file and name every problem where it is; rows are checked cell by cell the same either way."""
    wanted = {config.export_name(c) for c in SCHEMA[config.kind]}
    required = [config.export_name(c) for c in REQUIRED[config.kind]]
    with open(path, "rb") as handle:
        data = handle.read(block_bytes)
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        end = data.find(b"\n")
        if end < 0 or data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\xff\xfe", b"\xfe\xff")):
            raise NotQuick(name)
        try:
            cells = next(csv.reader([data[:end].decode("utf-8").rstrip("\r")]), [])
        except (UnicodeDecodeError, csv.Error) as exc:
            raise NotQuick(name) from exc
        header = [c.strip() for c in cells]
        if is_blank(cells) or "\x00" in "".join(cells) or header_problems(header, name, required, read=wanted)[0]:
            raise NotQuick(name)
        use = sorted({header.index(c) for c in wanted if c in header})
        names = [f"column {i + 1}" for i in range(len(header))]
        read_options = pa_csv.ReadOptions(column_names=names, block_size=max(block_bytes // 4, 2**16))  # parsed in 4
        convert = pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False)
        data, line, rows = data[end + 1 :], 2, 0
        while True:
            more = handle.read(block_bytes)
            last = not more
            data += more
            cut = len(data) if last else data.rfind(b"\n") + 1
            if cut == 0 and not last:  # one line longer than a block holds a cell too long
                raise NotQuick(name)
            block, data = data[:cut], data[cut:]
            if block:
                ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
                lines = len(ends) + (not block.endswith(b"\n"))
                longest = int(np.diff(ends, prepend=-1, append=len(block)).max())  # a line, its end included
                if b"\x00" in block or (b"\r" in block and block.count(b"\r") != block.count(b"\r\n")):
                    raise NotQuick(name)
                if last and b'"' in block[block.rstrip(b"\r\n").rfind(b"\n") + 1 :]:
                    raise NotQuick(name)
                try:
                    table = pa_csv.read_csv(pa.BufferReader(block), read_options, convert_options=convert)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise NotQuick(name) from exc
                if table.num_rows != lines or (
                    longest > MAX_CELL
                    and any((pc.max(pc.binary_length(column)).as_py() or 0) > MAX_CELL for column in table.columns)
                ):
                    raise NotQuick(name)
                rows += lines
                table = table.select(use).rename_columns([header[i] for i in use])
                yield table, np.arange(line, line + lines, dtype=np.int64)
                line += lines
            if last:
                break
    if not rows:  # a header and no rows: the careful reader says so
        raise NotQuick(name)


def _read_quick(path: Path, config: KindConfig, name: str) -> tuple[pa.Table, np.ndarray]:
    """The whole extract read by _quick_blocks (NotQuick when it cannot vouch for it)."""
    tables, lines = [], []
    for table, at in _quick_blocks(path, config, name):
        tables.append(table)
        lines.append(at)
    return pa.concat_tables(tables), np.concatenate(lines)


def _as_arrow(frame: pd.DataFrame) -> pa.Table:
    """The careful reader's frame of text as an Arrow table (blank cells '')."""
    return pa.table(
        {
            column: pc.fill_null(pa.array(frame[column].to_numpy(dtype=object), type=pa.string(), from_pandas=True), "")
            for column in frame.columns
        }
    )


def _read_table(path: Path, config: KindConfig, name: str) -> tuple[pa.Table | None, np.ndarray, list[Problem]]:
    """The export's mapped columns as Arrow text, the line each row starts on, and the problems of the file as a
    file: read quickly by pyarrow when it vouches for the file, else by the careful reader (_read_raw)."""
    if path.suffix.lower() == ".csv":
        try:
            table, lines = _read_quick(path, config, name)
            return table, lines, []
        except (NotQuick, OSError):
            pass
    raw, problems = _read_raw(path, config, name)
    if raw is None:
        return None, np.array([], dtype=np.int64), problems
    return _as_arrow(raw), raw.index.to_numpy(dtype=np.int64) + 2, problems


def _read_raw(path: Path, config: KindConfig, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read the export's mapped columns, every cell as text, after checking the file as a file (see
    complaints.inputs.tables: text that is not UTF-8, NUL bytes, another separator than the comma,
    a column read named twice, rows with more or fewer cells than the header, cells too long...).

    (None, problems) when the file cannot be checked row by row: it cannot be read, is empty, or lacks
    a required column. Otherwise the frame, indexed so that index + 2 is the line each row starts on,
    without the rows unfit for the cell checks (more or fewer cells than the header, a cell too long),
    with the problems of the file as a file."""
    wanted = {config.export_name(c): c for c in SCHEMA[config.kind]}
    required = [config.export_name(c) for c in REQUIRED[config.kind]]

    def holds(column: str) -> str:
        return f"it holds the canonical '{wanted[column]}'"

    if path.suffix.lower() == ".xlsx":
        return _read_workbook(path, config, name, wanted, required, holds)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, None, None, f"cannot be read: {exc.strerror or exc}")]
    text, problems = decode(data, name)
    clean = not problems  # UTF-8 without NUL bytes: pandas reads the file itself
    del data
    if text is None:
        return None, problems
    rows = csv_records(text)
    header, header_line = None, 1
    for line, cells in rows:
        if not is_blank(cells):
            header, header_line = [c.strip() for c in cells], line
            break
    if header is None:
        return None, [*problems, Problem(name, None, None, "the file is empty")]
    found, stop = header_problems(header, name, required, holds, line=header_line, read=wanted)
    problems += found
    if stop:
        return None, problems
    lines, unfit, checks = scan_rows(text, header, header_line, name)
    if checks.unclosed:  # pandas could not read it: everything after the quote is one cell
        return None, problems + checks.problems()
    use = sorted({header.index(c) for c in wanted if c in header})
    source = path if clean else io.StringIO(text, newline="")
    del text
    try:
        frame = pd.read_csv(
            source,
            skiprows=header_line - 1,
            usecols=use,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        return None, [*problems, Problem(name, None, None, f"cannot be read: {exc}")]
    frame.columns = [header[i] for i in use]
    if len(frame) == len(lines):  # as the scan found (a row with too many cells is read, not refused)
        frame.index = pd.Index(lines - 2)
        frame = frame.drop(index=lines[sorted(set(unfit))] - 2)
    problems += checks.problems()
    if not problems and frame.empty:
        problems.append(Problem(name, None, None, "the file has a header but no rows"))
    return frame, problems


def _read_workbook(path: Path, config: KindConfig, name: str, wanted: dict, required: list, holds):
    """_read_raw for an Excel workbook (.xlsx): the sheet the configuration names, every cell as text."""
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        return None, [
            Problem(
                name,
                None,
                None,
                "reading Excel files needs the openpyxl package; save the sheet as CSV or install openpyxl",
            )
        ]
    try:
        frame = pd.read_excel(path, sheet_name=config.sheet, dtype=str, keep_default_na=False, na_filter=False)
    except (
        Exception
    ) as exc:  # a damaged workbook, a CSV renamed .xlsx, a sheet it does not have: openpyxl's many errors
        return None, [Problem(name, None, None, f"cannot be read as an Excel workbook: {exc}")]
    names = [str(c).strip() for c in frame.columns]
    header = []  # as written: pandas names a repeated column 'Name.1'
    for i, column in enumerate(names):
        written = re.sub(r"\.\d+$", "", column)
        header.append(written if written != column and written in names[:i] else column)
    problems, stop = header_problems(header, name, required, holds, read=wanted)
    if stop:
        return None, problems
    keep = [i for i, column in enumerate(header) if column in wanted and column not in header[:i]]
    frame = frame.iloc[:, keep]
    frame.columns = [header[i] for i in keep]
    checks = RowProblems(name, list(frame.columns))
    for column in frame.columns:
        lengths = frame[column].str.len()
        for index in np.flatnonzero(lengths.to_numpy() > MAX_CELL).tolist():
            checks.long.append((index + 2, column, int(lengths.iat[index])))
    frame = frame.drop(index=frame.index[sorted({line - 2 for line, _, _ in checks.long})])
    problems += checks.problems()
    if not problems and frame.empty:
        problems.append(Problem(name, None, None, "the file has a header but no rows"))
    return frame, problems


@dataclass
class _Read:
    """One file read and converted: canonical columns, and per-row error messages."""

    file: ExtractFile
    config: KindConfig
    frame: pd.DataFrame  # canonical columns, plus line
    raw: pa.Table  # the export's mapped columns as read, as text (for the set-aside file)
    errors: list  # list of (row positions array, column, messages array)
    present: frozenset
    blank_rows: int
    outside: list = field(default_factory=list)  # (row positions, export column, canonical, values) per text column


def _convert_file(file: ExtractFile, config: KindConfig, partially_upheld: bool) -> tuple[_Read | None, list[Problem]]:
    raw, lines, problems = _read_table(file.path, config, file.name)  # problems of the file as a file
    if raw is None:
        return None, problems
    return _convert_rows(file, config, partially_upheld, raw, lines, problems)


def _convert_rows(
    file: ExtractFile, config: KindConfig, partially_upheld: bool, raw: pa.Table, lines: np.ndarray, problems: list
) -> tuple[_Read | None, list[Problem]]:
    """The rows of one file (or of one block of it) in canonical columns, with every cell's problem."""
    kind = config.kind
    columns: dict[str, np.ndarray] = {}
    errors: list[tuple[np.ndarray, str, np.ndarray]] = []
    outside: list[tuple[np.ndarray, str, str, np.ndarray]] = []
    blank_all = np.ones(raw.num_rows, dtype=bool)
    present = set()
    for canonical in SCHEMA[kind]:
        export = config.export_name(canonical)
        if export not in raw.column_names:
            continue
        present.add(canonical)
        series = raw.column(export)
        if canonical == "reference":
            text = pc.utf8_trim(pc.fill_null(series, ""), characters=SPACES)
            empty = pc.equal(pc.binary_length(text), 0).to_numpy()
            blank_all &= empty
            columns[canonical] = text.to_pandas().array  # Arrow text: a category per complaint costs
            if empty.any():
                errors.append(
                    (
                        np.flatnonzero(empty),
                        export,
                        np.full(int(empty.sum()), "is empty; expected a reference", dtype=object),
                    )
                )
            continue
        codes, uniques = _factor(series)
        blank_all &= codes == int(np.flatnonzero(uniques == "")[0])
        values, messages = _convert(kind, canonical, uniques, config)
        if (kind, canonical) in VOCABULARY:
            values, outside_values = _to_vocabulary(canonical, values, config)
            rows, texts = _outside_rows(codes, outside_values)
            if rows.size:
                outside.append((rows, export, canonical, texts))
        if canonical == "outcome" and not partially_upheld:
            for i in np.flatnonzero(values == "partially_upheld"):
                messages[i] = (
                    f"'{uniques[i]}' means partially upheld, but the configuration says this council's system has no "
                    "'partially upheld' outcome"
                )
        bad_unique = messages != ""
        if bad_unique.any():
            rows = np.flatnonzero(bad_unique[codes])
            errors.append((rows, export, messages[codes[rows]]))
        if SCHEMA[kind][canonical] in CATEGORICAL:
            # a categorical of canonical values, built from the distinct values
            value_index, value_codes = np.unique(values.astype(str), return_inverse=True)
            columns[canonical] = pd.Categorical.from_codes(value_codes[codes], categories=value_index)
        else:
            columns[canonical] = values[codes]
    blank_rows = int(blank_all.sum())
    keep = ~blank_all
    frame = pd.DataFrame(dict(columns.items()))
    frame["line"] = lines
    if blank_rows:
        keep_positions = np.flatnonzero(keep)
        remap = np.full(raw.num_rows, -1)
        remap[keep_positions] = np.arange(len(keep_positions))
        frame = frame.iloc[keep_positions].reset_index(drop=True)
        raw = raw.take(keep_positions)
        errors = [(remap[r][keep[r]], col, m[keep[r]]) for r, col, m in errors]
        outside = [(remap[r], col, canonical, v) for r, col, canonical, v in outside]  # never on a blank row
        if frame.empty:
            return None, problems or [Problem(file.name, None, None, "the file has a header but no rows")]
    # fill the canonical columns the export does not have
    for canonical, kind_type in SCHEMA[kind].items():
        if canonical in frame.columns:
            continue
        if kind_type == "bool":
            frame[canonical] = False
        elif kind_type in ("date", "month"):
            frame[canonical] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        elif kind_type == "count":
            frame[canonical] = np.nan
        else:
            frame[canonical] = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), categories=[""])
    return _Read(file, config, frame, raw, errors, frozenset(present), blank_rows, outside), problems


def _row_checks(read: _Read, config: KindConfig) -> None:
    """Checks across columns: dates in the file's year, response after receipt, outcome and response agree."""
    frame, kind, file = read.frame, config.kind, read.file
    first, last = year_bounds(file.year)
    date_col = DATE_COLUMN[kind]
    dates = frame[date_col].to_numpy(dtype="datetime64[ns]")
    ok = ~np.isnat(dates)
    outside = ok & ((dates < first.to_datetime64()) | (dates > last.to_datetime64()))
    if outside.any():
        rows = np.flatnonzero(outside)
        shown = pd.DatetimeIndex(dates[rows]).strftime("%d/%m/%Y" if kind != "contacts" else "%m/%Y")
        what = {"complaints": "received", "feedback": "dated", "contacts": "month"}[kind]
        messages = np.array(
            [
                f"{what} {d} is outside {file.year} (1 April {first.year} to 31 March {last.year}), "
                "the year in the file name"
                for d in shown
            ],
            dtype=object,
        )
        read.errors.append((rows, config.export_name(date_col), messages))
    if kind == "complaints":
        responded = frame["responded"].to_numpy(dtype="datetime64[ns]")
        before = ok & ~np.isnat(responded) & (responded < dates)
        if before.any():
            rows = np.flatnonzero(before)
            got = pd.DatetimeIndex(responded[rows]).strftime("%d/%m/%Y")
            rec = pd.DatetimeIndex(dates[rows]).strftime("%d/%m/%Y")
            read.errors.append(
                (
                    rows,
                    config.export_name("responded"),
                    np.array(
                        [f"response {a} is before the complaint was received ({b})" for a, b in zip(got, rec)],
                        dtype=object,
                    ),
                )
            )
        for later, earlier, message in DATE_ORDER:
            if later in read.present and earlier in read.present:
                _date_order(read, config, later, earlier, message)
        outcome = _text(frame["outcome"])
        if "responded" in read.present:
            has_response = ~np.isnat(responded)
            responded_bad = _rows_with_problems(read, config.export_name("responded"), len(frame))
            ongoing_dated = (outcome == "ongoing") & has_response
            decided_undated = np.isin(outcome, DECIDED) & ~has_response & ~responded_bad
            for mask, message in (
                (ongoing_dated, "has a response date but the outcome is ongoing"),
                (decided_undated, "is empty, but a complaint with an outcome needs the date it was answered"),
            ):
                if mask.any():
                    rows = np.flatnonzero(mask)
                    read.errors.append(
                        (rows, config.export_name("responded"), np.full(len(rows), message, dtype=object))
                    )
    if kind == "contacts":
        months = frame["month"]
        dup = months.notna() & months.duplicated(keep=False)
        if dup.any():
            rows = np.flatnonzero(dup.to_numpy())
            first_line = frame.loc[dup].groupby("month")["line"].transform("min").to_numpy()
            read.errors.append(
                (
                    rows,
                    config.export_name("month"),
                    np.array(
                        [f"the month appears more than once (first on line {f})" for f in first_line], dtype=object
                    ),
                )
            )


# (later, earlier, message): the date in `later` may not be before the one in `earlier` ({a}: later, {b}: earlier)
DATE_ORDER = (
    ("acknowledged", "received", "acknowledged {a}, before the complaint was received ({b})"),
    ("acknowledged", "requested", "acknowledged {a}, before the complainant asked for this stage ({b})"),
    ("received", "requested", "received {a}, before the complainant asked for this stage ({b})"),
    ("responded", "acknowledged", "response {a} is before the acknowledgement ({b})"),
    ("extension_date", "received", "extension agreed {a}, before the complaint was received ({b})"),
)


def _date_order(read: _Read, config: KindConfig, later: str, earlier: str, message: str) -> None:
    a = read.frame[later].to_numpy(dtype="datetime64[ns]")
    b = read.frame[earlier].to_numpy(dtype="datetime64[ns]")
    wrong = ~np.isnat(a) & ~np.isnat(b) & (a < b)
    if wrong.any():
        rows = np.flatnonzero(wrong)
        shown_a = pd.DatetimeIndex(a[rows]).strftime("%d/%m/%Y")
        shown_b = pd.DatetimeIndex(b[rows]).strftime("%d/%m/%Y")
        messages = np.array([message.format(a=x, b=y) for x, y in zip(shown_a, shown_b)], dtype=object)
        read.errors.append((rows, config.export_name(later), messages))


def _rows_with_problems(read: _Read, column: str, n: int) -> np.ndarray:
    """Which rows already have a problem in `column`."""
    out = np.zeros(n, dtype=bool)
    for rows, col, messages in read.errors:
        if col == column:
            out[rows[messages != ""]] = True
    return out


def _text(series: pd.Series) -> np.ndarray:
    """A column's values as an array of str (as np.asarray(series.astype(str))), once per category."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = np.array([str(c) for c in series.cat.categories] + ["nan"], dtype=object)
        return names[series.cat.codes.to_numpy()]
    return np.asarray(series.astype(str), dtype=object)


# ---------------------------------------------------------------------------------------------
# Loading every extract


@dataclass
class Records:
    """Canonical record-level data for every council and year found."""

    complaints: pd.DataFrame  # SCHEMA['complaints'] + council, year, file, line
    feedback: pd.DataFrame
    contacts: pd.DataFrame
    configs: dict[str, RecordsConfig]
    files: pd.DataFrame  # one row per file found: FILE_COLUMNS
    present: dict = field(default_factory=dict)  # (council, year, kind) -> canonical columns the export had
    set_aside_rows: dict = field(default_factory=dict)  # (council, year, kind) -> invalid rows with their reasons
    # values outside the council's vocabulary in the rows kept, each with its file, line and column
    # (VOCABULARY_CHECK_COLUMNS): raw cells, so written only under outputs/private
    outside_vocabulary: pd.DataFrame = field(default_factory=lambda: _empty_outside())

    def outside_vocabulary_counts(self) -> pd.DataFrame:
        """How many values of each council-year and column are outside the vocabulary (rows: `values`; distinct:
        `distinct`), without the values themselves: what may be said in a log."""
        frame = self.outside_vocabulary
        keys = ["council", "year", "kind", "column", "canonical"]
        if frame.empty:
            return pd.DataFrame(columns=[*keys, "values", "distinct"])
        grouped = frame.astype(dict.fromkeys(keys, str)).groupby(keys, sort=True)["value"]
        return pd.concat([grouped.size().rename("values"), grouped.nunique().rename("distinct")], axis=1).reset_index()

    def set_aside_counts(self) -> pd.DataFrame:
        """How many rows of each file were set aside (only files read)."""
        used = self.files[self.files["used"]]
        return used[["file", "council", "year", "kind", "rows", "kept", "set_aside", "set_aside_file"]].reset_index(
            drop=True
        )

    @property
    def set_aside_total(self) -> int:
        return int(self.files["set_aside"].sum()) if len(self.files) else 0


def records_folders(paths: Paths) -> list[tuple[Path, bool]]:
    """The folders extracts are read from: data/records (shipped) and data/private (real, git-ignored)."""
    return [(paths.data / "records", False), (paths.data / "private", True)]


def extract_files(paths: Paths, councils) -> tuple[list[ExtractFile], list[Problem]]:
    files, problems = [], []
    for root, private in records_folders(paths):
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if folder.name not in councils:
                problems.append(
                    Problem(
                        display(folder, paths.data.parent),
                        None,
                        None,
                        f"'{folder.name}' is not a council with a configuration in data/councils/",
                    )
                )
                continue
            for path in sorted(folder.iterdir()):
                if path.name.startswith((".", "~$")) or path.is_dir() or path.suffix.lower() in (".md", ".txt"):
                    continue
                name = display(path, paths.data.parent)
                if path.suffix.lower() not in (".csv", ".xlsx"):
                    problems.append(
                        Problem(
                            name,
                            None,
                            None,
                            "is not a CSV or Excel (.xlsx) file, so it cannot be read; "
                            "save it as CSV (or .xlsx) or move it out of the folder",
                        )
                    )
                    continue
                match = FILE_NAME.match(path.name)
                if not match or not is_year(match.group("year")):
                    problems.append(
                        Problem(
                            name,
                            None,
                            None,
                            "the file name should be <year>_<anything>_<complaints|feedback|contacts>.csv "
                            "(or .xlsx), with the financial year written like 2024-25",
                        )
                    )
                    continue
                files.append(ExtractFile(path, name, folder.name, match.group("year"), match.group("kind"), private))
    return files, problems


def _empty_outside() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=np.int64 if c == "line" else object) for c in VOCABULARY_CHECK_COLUMNS})


def _outside_frame(read: _Read, bad: np.ndarray) -> pd.DataFrame | None:
    """The values outside the vocabulary in the rows of one file that are kept (not set aside), by line."""
    lines, columns, values = [], [], []
    row_lines = read.frame["line"].to_numpy()
    for i, (rows, _column, _canonical, texts) in enumerate(read.outside):
        keep = ~bad[rows]
        if keep.any():
            lines.append(row_lines[rows[keep]])
            columns.append(np.full(int(keep.sum()), i, dtype=np.int16))
            values.append(pd.Categorical(texts[keep]))
    if not lines:
        return None
    line = np.concatenate(lines)
    which = np.concatenate(columns)
    order = np.lexsort((which, line))  # by line, then in the order of the export's columns
    n = len(line)

    def constant(value: str) -> pd.Categorical:
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [value])

    return pd.DataFrame(
        {
            "council": constant(read.file.council),
            "year": constant(read.file.year),
            "kind": constant(read.file.kind),
            "file": constant(read.file.name),
            "line": line[order],
            "column": pd.Categorical.from_codes(which[order], [o[1] for o in read.outside]),
            "canonical": pd.Categorical.from_codes(which[order], [o[2] for o in read.outside]),
            "value": union_categoricals(values)[order],
        }
    )


def _empty(kind: str) -> pd.DataFrame:
    columns = ["council", "year", "file", "line", *SCHEMA[kind]]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _duplicates(reads: list[_Read]) -> None:
    """(reference, stage) must be unique within a council, across its files: every row of a repeated pair is a
    problem."""
    if not reads:
        return
    # references as numbers: the same number for the same reference in any file
    references = pa.chunked_array([_arrow(r.frame["reference"]) for r in reads], type=pa.string())
    encoded = pc.dictionary_encode(references.combine_chunks())
    ref_codes = encoded.indices.to_numpy(zero_copy_only=False)
    blank_ref = pc.equal(pc.binary_length(references), 0).to_numpy()
    starts = np.cumsum([0, *(len(r.frame) for r in reads)])
    # stages as numbers: 0 for a blank (a cell with a problem of its own), from 1 for each canonical stage
    stage_values = sorted({str(v) for r in reads for v in r.frame["stage"].cat.categories} - {""})
    number = {v: i + 1 for i, v in enumerate(stage_values)}
    stage_codes = np.concatenate(
        [
            np.array([number.get(str(v), 0) for v in r.frame["stage"].cat.categories], dtype=np.int64)[
                r.frame["stage"].cat.codes.to_numpy()
            ]
            for r in reads
        ]
    )
    key = ref_codes.astype(np.int64) * (len(stage_values) + 1) + stage_codes
    dup = pd.Series(key).duplicated(keep=False).to_numpy() & ~blank_ref & (stage_codes > 0)
    if not dup.any():
        return
    dup_refs = np.concatenate(
        [r.frame["reference"][dup[starts[i] : starts[i + 1]]].to_numpy(dtype=object) for i, r in enumerate(reads)]
    )
    stages = np.array(["", *stage_values], dtype=object)[stage_codes[dup]]
    which = np.concatenate([np.full(len(r.frame), i) for i, r in enumerate(reads)])[dup]
    pos = np.concatenate([np.arange(len(r.frame)) for r in reads])[dup]
    lines = [int(reads[w].frame["line"].iat[p]) for w, p in zip(which, pos)]
    groups: dict[tuple, list[tuple[int, int, int]]] = {}
    for ref, stage, w, p, line in zip(dup_refs, stages, which, pos, lines):
        groups.setdefault((ref, stage), []).append((int(w), int(p), line))
    for (ref, stage), members in groups.items():
        for w, p, _line in members:
            others = [
                (f"line {other_line}" if ow == w else f"{reads[ow].file.name} line {other_line}")
                for ow, op, other_line in members
                if (ow, op) != (w, p)
            ]
            reads[w].errors.append(
                (
                    np.array([p]),
                    reads[w].config.export_name("reference"),
                    np.array(
                        [f"reference '{ref}' at stage {stage} appears more than once (also on {', '.join(others)})"],
                        dtype=object,
                    ),
                )
            )


def _problems_of(read: _Read) -> tuple[list[Problem], dict[int, list[str]]]:
    """Problems, sorted by line then column order, and the reasons per row position."""
    reasons: dict[int, list[str]] = {}
    items = []
    for rows, column, messages in read.errors:
        for r, m in zip(rows.tolist(), messages.tolist()):
            items.append((int(r), column, m))
    order = {c: i for i, c in enumerate(read.raw.column_names)}
    items.sort(key=lambda t: (t[0], order.get(t[1], 99)))
    lines = read.frame["line"].to_numpy()
    problems = []
    for r, column, message in items:
        problems.append(Problem(read.file.name, int(lines[r]), column, message))
        reasons.setdefault(r, []).append(f"{column}: {message}")
    return problems, reasons


def set_aside_path(paths: Paths, council: str, year: str, kind: str) -> Path:
    return paths.set_aside_dir / f"{council}_{year}_{kind}.csv"


def records_in_blocks(paths: Paths, defs: Definitions, block_bytes: int = BLOCK_BYTES) -> Iterator[Records]:
    """The records load_records(paths, defs) reads, as a series of Records each holding one block of one
    extract (about half a million complaints), so that memory is bounded by a block, not by the extracts.

    Only for extracts free of problems, in CSV: NotQuick is raised as soon as anything needs the careful reader
    or is a problem (a configuration, a file name, a cell, an Excel file...); the caller then uses
    load_records, which names every problem (or sets the rows aside). A (reference, stage) repeated across
    blocks is found only after the last block: the blocks are checked against each other through a 64-bit
    hash of each pair (8 bytes a complaint), and any two equal hashes raise NotQuick too, for load_records to
    say exactly which rows repeat. `present` is as load_records gives it: the columns of every file of a
    council, year and kind, joined."""
    configs, files, superseded, problems = _extracts(paths, defs)
    used = [f for f in files if f.name not in superseded]
    if problems or any(f.path.suffix.lower() != ".csv" for f in used):
        raise NotQuick("a problem with the configuration or the files, or an Excel file")
    present: dict[tuple, frozenset] = {}
    for f in used:
        key = (f.council, f.year, f.kind)
        present[key] = present.get(key, frozenset()) | _header_present(f.path, configs[f.council].kind(f.kind))
    hashes: dict[str, list[np.ndarray]] = {}
    for f in used:
        config = configs[f.council]
        kind_config = config.kind(f.kind)
        if f.kind == "contacts":  # a row a month, checked against each other: the whole file at once
            read, problems = _convert_file(f, kind_config, config.partially_upheld)
            reads = iter([(read, problems)])
        else:
            reads = (
                _convert_rows(f, kind_config, config.partially_upheld, table, lines, [])
                for table, lines in _quick_blocks(f.path, kind_config, f.name, block_bytes)
            )
        for read, problems in reads:
            if read is None or problems:
                raise NotQuick(f.name)
            _row_checks(read, kind_config)
            if any(len(rows) for rows, _column, _messages in read.errors):
                raise NotQuick(f.name)
            if f.kind == "complaints":
                hashes.setdefault(f.council, []).append(_pair_hashes(read.frame))
            frames = {kind: _empty(kind) for kind in KINDS}
            frames[f.kind] = _canonical_frame(f.kind, [_with_file(read.frame, f)], categories=False)
            files_frame = pd.DataFrame(columns=FILE_COLUMNS)
            yield Records(frames["complaints"], frames["feedback"], frames["contacts"], configs, files_frame, present)
    for council, parts in hashes.items():
        pairs = np.concatenate(parts)
        del parts
        pairs.sort()
        if (pairs[1:] == pairs[:-1]).any():
            raise NotQuick(f"{council}: a reference may appear more than once at the same stage")


def _header_present(path: Path, config: KindConfig) -> frozenset:
    """The canonical columns a CSV extract's header has (NotQuick when the header cannot be read quickly)."""
    try:
        with open(path, "rb") as handle:
            first = handle.readline(2**20)
        cells = next(csv.reader([first.removeprefix(b"\xef\xbb\xbf").decode("utf-8").rstrip("\r\n")]), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise NotQuick(str(path)) from exc
    header = {c.strip() for c in cells}
    return frozenset(c for c in SCHEMA[config.kind] if config.export_name(c) in header)


def _arrow(values: pd.Series) -> pa.Array:
    """A column of text as one Arrow array (no copy when it is Arrow text already)."""
    array = pa.array(values.array, type=pa.string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


_PRIME = np.uint64(0x100000001B3)  # odd, so that it has an inverse modulo 2**64
_POWERS: list[np.ndarray] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """_PRIME ** i and its inverse ** i modulo 2**64, for i up to n (worked out once, then kept)."""
    if len(_POWERS[0]) <= n:
        size = max(n + 1, 2 * len(_POWERS[0]))
        inverse = np.uint64(pow(int(_PRIME), -1, 2**64))
        with np.errstate(over="ignore"):
            _POWERS[0] = np.concatenate(([np.uint64(1)], np.full(size - 1, _PRIME, dtype=np.uint64).cumprod()))
            _POWERS[1] = np.concatenate(([np.uint64(1)], np.full(size - 1, inverse, dtype=np.uint64).cumprod()))
    return _POWERS[0][: n + 1], _POWERS[1][: n + 1]


def _pair_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's (reference, stage): a polynomial of the reference's bytes modulo 2**64,
    worked out for every row at once from Arrow's buffers (prefix sums), mixed with its length and stage."""
    text = _arrow(frame["reference"]).cast(pa.large_string())
    n = len(text)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + n + 1]
    data = text.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]] if data is not None else np.zeros(0, np.uint8)
    offsets = offsets - offsets[0]
    stage = frame["stage"]
    stages = np.array([int.from_bytes(str(c).encode()[:8], "little") for c in stage.cat.categories], dtype=np.uint64)
    powers, back = _powers(len(data))
    with np.errstate(over="ignore"):
        sums = np.concatenate(([np.uint64(0)], np.cumsum((data.astype(np.uint64) + np.uint64(1)) * powers[:-1])))
        start, end = offsets[:-1], offsets[1:]
        h = (sums[end] - sums[start]) * back[start]
        h ^= (end - start).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        h ^= stages[stage.cat.codes.to_numpy()]
        h = (h ^ (h >> np.uint64(31))) * np.uint64(0xBF58476D1CE4E5B9)
        return h ^ (h >> np.uint64(29))


def _extracts(paths: Paths, defs: Definitions, unchecked: tuple[str, ...] = ()) -> tuple:
    """(configurations, extract files, {superseded file: the files that replace it}, problems): every extract
    of a council with a configuration free of problems; a real extract replaces the shipped ones for its
    council, year and kind."""
    configs, problems = records_configs(paths, defs)
    files, file_problems = extract_files(paths, {*defs.councils, *unchecked})
    problems += file_problems
    files = [f for f in files if f.council in configs]  # the others wait for their configuration
    private_keys = {(f.council, f.year, f.kind) for f in files if f.private}
    superseded = {}
    for f in files:
        if not f.private and (f.council, f.year, f.kind) in private_keys:
            superseded[f.name] = ", ".join(
                g.name for g in files if g.private and (g.council, g.year, g.kind) == (f.council, f.year, f.kind)
            )
    return configs, files, superseded, problems


def _with_file(frame: pd.DataFrame, f: ExtractFile) -> pd.DataFrame:
    constant = np.zeros(len(frame), dtype=np.int8)
    return frame.assign(
        council=pd.Categorical.from_codes(constant, [f.council]),
        year=pd.Categorical.from_codes(constant, [f.year]),
        file=pd.Categorical.from_codes(constant, [f.name]),
    )


def _canonical_frame(kind: str, frames: list[pd.DataFrame], categories: bool = True) -> pd.DataFrame:
    """The rows of one kind (frames of _Read.frame, with their file), in the canonical columns and types
    (categories=False: the reference stays text, which costs less for a block that is only counted)."""
    if not frames:
        return _empty(kind)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for col, kind_type in SCHEMA[kind].items():
        if kind_type in CATEGORICAL and not isinstance(frame[col].dtype, pd.CategoricalDtype):
            if col == "reference" and not categories:
                continue
            if col == "reference":  # one category per complaint: in the order read (sorting costs)
                codes, names = pd.factorize(frame[col].astype(str))
                frame[col] = pd.Categorical.from_codes(codes, categories=pd.Index(names))
            else:
                frame[col] = frame[col].astype(str).astype("category")
    if kind == "complaints":
        stage = frame["stage"]
        frame["stage"] = (
            pd.to_numeric(pd.Series(stage.cat.categories), errors="coerce")
            .fillna(0)
            .to_numpy(dtype=np.int8)[stage.cat.codes.to_numpy()]
            if len(frame)
            else np.array([], dtype=np.int8)
        )
    frame = frame[["council", "year", "file", "line", *SCHEMA[kind]]]
    for col in ("council", "year", "file"):
        if not isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype("category")
    return frame.reset_index(drop=True)


def load_records(paths: Paths, defs: Definitions, set_aside: bool = False, unchecked: tuple[str, ...] = ()) -> Records:
    """Read every extract in data/records and data/private, mapped onto the canonical schema.

    By default any bad row stops the run: InputError lists every problem (file, line, column).
    With set_aside=True, bad rows are kept in `Records.set_aside_rows` with their line and reasons
    (the main job writes them to outputs/private/records_set_aside/<council>_<year>_<kind>.csv, named in
    `Records.files`), and `Records.files` says how many each file lost. Nothing is written here. Problems with a
    whole file (missing required columns, empty, unreadable) or with the configuration always stop the run.

    Every file is read whatever the others hold, but a council's files only with a configuration free of
    problems; unchecked: councils with a configuration file the definitions could not read (its problems
    listed with theirs), whose folders are theirs all the same.
    """
    configs, files, superseded, problems = _extracts(paths, defs, unchecked)
    used = [f for f in files if f.name not in superseded]
    reads: list[_Read] = []
    for f in used:
        config = configs[f.council]
        read, file_problems = _convert_file(f, config.kind(f.kind), config.partially_upheld)
        problems += file_problems
        if read is not None:
            _row_checks(read, config.kind(f.kind))
            reads.append(read)
    for council in sorted({r.file.council for r in reads}):
        _duplicates([r for r in reads if r.file.council == council and r.file.kind == "complaints"])
    row_problems: list[Problem] = []
    per_read_reasons = []
    for read in reads:
        p, reasons = _problems_of(read)
        row_problems += p
        per_read_reasons.append(reasons)
    if problems or (row_problems and not set_aside):
        raise InputError(problems + row_problems)
    # build the canonical frames, setting invalid rows aside
    summary = {
        f.name: {
            "file": f.name,
            "council": f.council,
            "year": f.year,
            "kind": f.kind,
            "private": f.private,
            "used": f.name not in superseded,
            "rows": 0,
            "kept": 0,
            "set_aside": 0,
            "set_aside_file": "",
            "blank_rows": 0,
            "superseded_by": superseded.get(f.name, ""),
            "not_recorded": "",
        }
        for f in files
    }
    frames = {k: [] for k in KINDS}
    aside: dict[tuple, list[pd.DataFrame]] = {}
    present: dict[tuple, frozenset] = {}
    outside: list[pd.DataFrame] = []
    for read, reasons in zip(reads, per_read_reasons):
        f = read.file
        bad = np.zeros(len(read.frame), dtype=bool)
        if reasons:
            bad[list(reasons)] = True
        keep = read.frame.loc[~bad] if bad.any() else read.frame
        outside_part = _outside_frame(read, bad)
        if outside_part is not None:
            outside.append(outside_part)
        frames[f.kind].append(_with_file(keep, f))
        key = (f.council, f.year, f.kind)
        present[key] = present.get(key, frozenset()) | read.present
        summary[f.name].update(
            rows=len(read.frame),
            kept=int((~bad).sum()),
            set_aside=int(bad.sum()),
            blank_rows=read.blank_rows,
            not_recorded=";".join(c for c in SCHEMA[f.kind] if c not in read.present),
        )
        if bad.any():
            positions = np.flatnonzero(bad)
            rows = read.raw.take(positions).to_pandas().astype(str)
            rows.insert(0, "reasons", ["; ".join(reasons[p]) for p in positions])
            rows.insert(0, "line", read.frame["line"].to_numpy()[positions])
            rows.insert(0, "file", f.name)
            aside.setdefault(key, []).append(rows)
    set_aside_rows = {key: pd.concat(parts, ignore_index=True) for key, parts in aside.items()}
    for key in set_aside_rows:
        for entry in summary.values():
            if (entry["council"], entry["year"], entry["kind"]) == key and entry["set_aside"]:
                entry["set_aside_file"] = paths.relative(set_aside_path(paths, *key))
    out = {kind: _canonical_frame(kind, frames[kind]) for kind in KINDS}
    files_frame = pd.DataFrame(list(summary.values()), columns=FILE_COLUMNS)
    outside_vocabulary = (
        pd.DataFrame(
            {
                c: np.concatenate([part[c].to_numpy() for part in outside])
                if c == "line"
                else union_categoricals([part[c].array for part in outside])
                for c in VOCABULARY_CHECK_COLUMNS
            }
        )
        if outside
        else _empty_outside()
    )
    return Records(
        out["complaints"],
        out["feedback"],
        out["contacts"],
        configs,
        files_frame,
        present,
        set_aside_rows,
        outside_vocabulary,
    )


# ---------------------------------------------------------------------------------------------
# The measures records give (aggregated in complaints.analysis.record_measures)


RECORD_MEASURES = {
    # stage 1 counts and outcomes, by procedure
    "statutory_received",
    "corporate_received",
    "complaints_received",
    "statutory_stage1_responded",
    "statutory_stage2_received",
    "statutory_stage3_received",
    "corporate_stage2_received",
    "statutory_upheld",
    "statutory_partially_upheld",
    "statutory_upheld_any",
    "statutory_upheld_unsplit",
    "statutory_not_upheld",
    "statutory_withdrawn",
    "corporate_upheld",
    "corporate_partially_upheld",
    "corporate_upheld_any",
    "corporate_not_upheld",
    "corporate_withdrawn",
    "complaints_upheld_any",
    "statutory_stage2_resolved",
    "statutory_stage2_ongoing",
    "statutory_stage3_upheld",
    "statutory_stage3_not_upheld",
    "corporate_stage2_upheld",
    "corporate_stage2_by_team",
    # timeliness
    "statutory_within_10wd",
    "statutory_within_11_20wd",
    "statutory_over_20wd",
    "statutory_within_20wd",
    "corporate_within_20wd",
    "complaints_within_20wd",
    "complaints_overdue",
    "overdue_reason",
    "statutory_average_response_days",
    "statutory_stage2_average_days",
    # who, how, what, where
    "complaints_from_children",
    "complaints_from_children_in_care",
    "statutory_complainant_type",
    "statutory_channel",
    "statutory_digital_channel",
    "statutory_issues",
    "statutory_issues_total",
    "statutory_issue_areas",
    "corporate_issues",
    "corporate_issues_total",
    "corporate_issue_areas",
    "corporate_service_areas",
    "statutory_received_by_team",
    "statutory_upheld_by_team",
    "statutory_upheld_theme",
    "statutory_remedy",
    # SEND
    "send_received",
    "send_upheld",
    "send_partially_upheld",
    "send_upheld_any",
    "send_within_20wd",
    "send_issues",
    "send_issues_total",
    "send_issue_areas",
    "send_issues_upheld",
    "send_ombudsman_cases",
    "send_ombudsman_upheld",
    "send_compliments_received",
    "send_comments_received",
    # Ombudsman
    "ombudsman_cases",
    "ombudsman_upheld",
    "ombudsman_not_upheld",
    "ombudsman_not_investigated",
    "ombudsman_ongoing",
    "ombudsman_by_team",
    # feedback and contacts
    "compliments_received",
    "comments_received",
    "compliments_by_team",
    "compliment_teams",
    "contacts",
    # clocks, extensions and refusals (complaints.analysis.clock_measures)
    "timescale_complaints",
    "timescale_answered",
    "timescale_answered_in_time",
    "complaints_extended",
    "extension_reason",
    "complaints_refused",
    "refusal_reason",
    "corporate_complainant_type",
    "corporate_channel",
    "corporate_remedy",
    "code_stage1_received",
    "code_stage1_acknowledged_in_time",
    "code_stage1_answered",
    "code_stage1_answered_in_time",
    "code_stage1_extended",
    "code_stage1_extension_within_limit",
    "code_stage1_extension_with_reason",
    "code_stage2_received",
    "code_stage2_acknowledged_in_time",
    "code_stage2_answered",
    "code_stage2_answered_in_time",
    "code_stage2_extended",
    "code_stage2_extension_within_limit",
    "code_stage2_extension_with_reason",
}
