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
    complainant_type     text           who complained, in the council's own words
    channel              text           how the complaint was made, in the council's own words
    child_or_young_person  boolean      made by a child or young person themselves
    send                 boolean        about special educational needs and disabilities
    outcome              upheld | partially_upheld | not_upheld | withdrawn | ongoing   required
    responded            date           empty while ongoing
    extension_agreed     boolean        an extended timescale was agreed with the complainant
    delay_reason         text           main reason a late response was late
    ombudsman_referral   boolean        referred to the Local Government and Social Care Ombudsman
    ombudsman_outcome    upheld | not_upheld | not_investigated | ongoing | empty
    remedy               text           remedy recorded; several separated by ";"
feedback    one row per compliment or comment
    date (required), kind (compliment | comment, required), team, send
contacts    one row per month
    month (YYYY-MM, required), contacts (a count, required)

Files: data/records/<council>/<year>_<anything>_<kind>.<csv|xlsx> (shipped, synthetic) and
data/private/<council>/... (real extracts: personal data, git-ignored). Where data/private has a
file for a council, year and kind, it replaces the files in data/records for them.

Bad rows (unparseable dates, a response before receipt, a code the mapping doesn't know,
duplicate (reference, stage), a date outside the year in the file name...) stop the run with
every problem listed (file, line, column). With set_aside=True they are kept aside instead, with
their reasons (`Records.set_aside_rows`, which the main job writes to
outputs/records_set_aside/<council>_<year>_<kind>.csv), and counted. Missing
required columns, empty files and configuration errors always stop the run. Nothing is dropped
silently: blank lines (every cell empty) are not records, and are counted in `Records.files`.

Everything is vectorised: values are checked and converted once per distinct value (categorical
columns), so a million complaints are read, checked and aggregated in a few seconds.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .definitions import Definitions
from .paths import Paths
from .problems import InputError, Problem, display, raise_if_any
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
    "outcome": ("upheld", "partially_upheld", "not_upheld", "withdrawn", "ongoing"),
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

    def kind(self, kind: str) -> KindConfig:
        return getattr(self, kind)


RECORDS_KEYS = (
    "complaints",
    "feedback",
    "contacts",
    "partially_upheld",
    "digital_channels",
    "children_in_care_types",
    "measures",
)
KIND_KEYS = ("columns", "codes", "booleans", "date_format", "separator", "sheet")


def _date_format_ok(fmt: str) -> bool:
    try:
        sample = datetime(2023, 1, 31)
        return "%" in fmt and datetime.strptime(sample.strftime(fmt), fmt).date().replace(day=1) == date(2023, 1, 1)
    except (ValueError, TypeError):
        return False


def _kind_config(kind: str, raw, name: str, prefix: str) -> tuple[KindConfig, list[Problem]]:
    problems: list[Problem] = []
    schema = SCHEMA[kind]
    if raw is None:
        return KindConfig(kind, {c: c for c in schema}), []
    if not isinstance(raw, dict):
        return KindConfig(kind, {c: c for c in schema}), [Problem(name, None, prefix, "must be a table")]
    for key in raw:
        if key not in KIND_KEYS:
            problems.append(
                Problem(name, None, f"{prefix}.{key}", f"is not a setting of [{prefix}] ({', '.join(KIND_KEYS)})")
            )
    columns_raw = raw.get("columns")
    if columns_raw is None:
        columns = {c: c for c in schema}
    else:
        columns = {}
        if not isinstance(columns_raw, dict):
            problems.append(
                Problem(name, None, f"{prefix}.columns", "must be a table of canonical column = export column name")
            )
            columns_raw = {}
        seen: dict[str, str] = {}
        for canonical, export in columns_raw.items():
            where = f"{prefix}.columns.{canonical}"
            if canonical not in schema:
                problems.append(
                    Problem(
                        name, None, where, f"'{canonical}' is not a canonical column of {kind} ({', '.join(schema)})"
                    )
                )
                continue
            if not isinstance(export, str) or not export.strip():
                problems.append(Problem(name, None, where, "must name a column of the export (a non-empty text)"))
                continue
            if export.strip() in seen:
                problems.append(
                    Problem(
                        name, None, where, f"export column '{export}' is already mapped to '{seen[export.strip()]}'"
                    )
                )
                continue
            seen[export.strip()] = canonical
            columns[canonical] = export.strip()
        for canonical in REQUIRED[kind]:
            if (
                canonical not in columns
                and canonical in schema
                and isinstance(columns_raw, dict)
                and canonical not in columns_raw
            ):
                problems.append(
                    Problem(name, None, f"{prefix}.columns", f"no mapping for required column '{canonical}'")
                )
    codes: dict[str, dict] = {}
    codes_raw = raw.get("codes", {})
    if not isinstance(codes_raw, dict):
        problems.append(Problem(name, None, f"{prefix}.codes", "must be a table of tables"))
        codes_raw = {}
    for canonical, table in codes_raw.items():
        where = f"{prefix}.codes.{canonical}"
        if canonical not in schema:
            problems.append(
                Problem(name, None, where, f"'{canonical}' is not a canonical column of {kind} ({', '.join(schema)})")
            )
            continue
        kind_type = schema[canonical]
        if kind_type in ("date", "month", "count"):
            problems.append(Problem(name, None, where, f"'{canonical}' is a {kind_type}: it takes a format, not codes"))
            continue
        if not isinstance(table, dict):
            problems.append(Problem(name, None, where, "must be a table of export code = canonical value"))
            continue
        mapped = {}
        for code, value in table.items():
            if kind_type == "bool":
                if not isinstance(value, bool):
                    problems.append(Problem(name, None, f"{where}.{code}", f"{value!r} is not true or false"))
                    continue
            elif kind_type in CHOICES:
                value = str(value)
                if value not in CHOICES[kind_type]:
                    problems.append(
                        Problem(
                            name,
                            None,
                            f"{where}.{code}",
                            f"'{value}' is not a canonical {canonical} ({', '.join(CHOICES[kind_type])})",
                        )
                    )
                    continue
            elif not isinstance(value, str):
                problems.append(Problem(name, None, f"{where}.{code}", f"{value!r} is not a text"))
                continue
            mapped[str(code).strip()] = value
        codes[canonical] = mapped
    booleans = raw.get("booleans")
    if booleans is not None:
        if not isinstance(booleans, dict) or not all(isinstance(v, bool) for v in booleans.values()):
            problems.append(Problem(name, None, f"{prefix}.booleans", "must be a table of export code = true or false"))
            booleans = None
        else:
            booleans = {str(k).strip(): v for k, v in booleans.items()}
    date_format = raw.get("date_format")
    if date_format is not None and (not isinstance(date_format, str) or not _date_format_ok(date_format)):
        problems.append(
            Problem(name, None, f"{prefix}.date_format", f'{date_format!r} is not a date format such as "%d/%m/%Y"')
        )
        date_format = None
    separator = raw.get("separator", ";")
    if not isinstance(separator, str) or not separator:
        problems.append(Problem(name, None, f"{prefix}.separator", "must be a non-empty text"))
        separator = ";"
    sheet = raw.get("sheet", 0)
    return KindConfig(kind, columns, codes, booleans, date_format, separator, sheet), problems


def parse_records_config(
    raw: dict, council_id: str, name: str, defs: Definitions | None = None
) -> tuple[RecordsConfig, list[Problem]]:
    """The [records] section of one council's configuration (raw: the whole parsed TOML file)."""
    section = raw.get("records", {})
    problems: list[Problem] = []
    if not isinstance(section, dict):
        section = {}
        problems.append(Problem(name, None, "records", "must be a table"))
    for key in section:
        if key not in RECORDS_KEYS:
            problems.append(
                Problem(name, None, f"records.{key}", f"is not a setting of [records] ({', '.join(RECORDS_KEYS)})")
            )
    kinds = {}
    for kind in KINDS:
        kinds[kind], kind_problems = _kind_config(kind, section.get(kind), name, f"records.{kind}")
        problems += kind_problems
    partially = section.get("partially_upheld", True)
    if not isinstance(partially, bool):
        problems.append(Problem(name, None, "records.partially_upheld", f"{partially!r} is not true or false"))
        partially = True
    lists = {}
    for key in ("digital_channels", "children_in_care_types"):
        value = section.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(name, None, f"records.{key}", "must be a list of texts"))
            value = []
        lists[key] = tuple(value)
    measures = section.get("measures", {})
    if not isinstance(measures, dict):
        problems.append(
            Problem(name, None, "records.measures", "must be a table of published measure = records measure")
        )
        measures = {}
    for published, recorded in measures.items():
        where = f"records.measures.{published}"
        if defs is not None and published not in defs.measures.index:
            problems.append(
                Problem(name, None, where, f"'{published}' is not a measure in data/definitions/measures.csv")
            )
        if recorded not in RECORD_MEASURES:
            problems.append(
                Problem(
                    name,
                    None,
                    where,
                    f"'{recorded}' is not a measure records give ({', '.join(sorted(RECORD_MEASURES))})",
                )
            )
    timescales = raw.get("timescales", {}) if isinstance(raw.get("timescales", {}), dict) else {}
    config = RecordsConfig(
        council=council_id,
        source=name,
        partially_upheld=partially,
        measures=dict(measures),
        digital_channels=lists["digital_channels"],
        children_in_care_types=lists["children_in_care_types"],
        procedures=tuple(raw.get("procedures", ("statutory", "corporate"))),
        statutory_timescale=int(timescales.get("statutory_stage1", 10)),
        statutory_extended=int(timescales.get("statutory_stage1_extended", 20)),
        corporate_timescale=int(timescales.get("corporate", 20)),
        **kinds,
    )
    return config, problems


def load_records_configs(paths: Paths, defs: Definitions) -> dict[str, RecordsConfig]:
    """Every council's [records] section, checked. Raises InputError listing every problem."""
    configs, problems = {}, []
    for council_id in sorted(defs.councils):
        path = paths.councils / f"{council_id}.toml"
        name = display(path, paths.data.parent)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            problems.append(Problem(name, None, None, f"cannot be read: {exc}"))
            continue
        configs[council_id], council_problems = parse_records_config(raw, council_id, name, defs)
        problems += council_problems
    raise_if_any(problems)
    return configs


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


def _factor(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values stripped of surrounding spaces); code -1 never occurs (blank is '')."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        cats = np.asarray(series.cat.categories.astype(str), dtype=object)
    else:
        codes, cats = pd.factorize(series, use_na_sentinel=True)
        cats = np.asarray(cats, dtype=object)
    stripped = np.array([str(c).strip() if c == c else "" for c in cats], dtype=object)
    inverse, uniq = pd.factorize(stripped)
    uniq = np.asarray(uniq, dtype=object)
    if len(uniq) == 0 or not (uniq == "").any():
        uniq = np.append(uniq, "")
    blank = int(np.flatnonzero(uniq == "")[0])
    codes = np.where(codes >= 0, inverse[np.maximum(codes, 0)] if len(inverse) else blank, blank)
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
        if table is not None:
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


def _read_raw(path: Path, config: KindConfig, name: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read the export's mapped columns, every cell as text."""
    wanted = {config.export_name(c): c for c in SCHEMA[config.kind]}
    try:
        if path.suffix.lower() == ".xlsx":
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
            frame = pd.read_excel(path, sheet_name=config.sheet, dtype=str, keep_default_na=False, na_filter=False)
            frame.columns = [str(c).strip() for c in frame.columns]
            frame = frame[[c for c in frame.columns if c in wanted]]
        else:
            # every cell as text (the parser shares repeated strings, so this is lean); categorical
            # parsing would turn codes such as 'TRUE' or '01' into other values
            header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", dtype=str)
            raw_names = list(header.columns)
            stripped = {c: str(c).strip() for c in raw_names}
            use = [c for c in raw_names if stripped[c] in wanted]
            frame = pd.read_csv(
                path,
                usecols=use,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
            )
            frame.columns = [stripped[c] for c in frame.columns]
    except pd.errors.EmptyDataError:
        return None, [Problem(name, None, None, "the file is empty")]
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        return None, [Problem(name, None, None, f"cannot be read: {exc}")]
    missing = [c for c in REQUIRED[config.kind] if config.export_name(c) not in frame.columns]
    problems = [
        Problem(name, 1, config.export_name(c), f"required column is missing (it holds the canonical '{c}')")
        for c in missing
    ]
    if not problems and frame.empty:
        problems.append(Problem(name, None, None, "the file has a header but no rows"))
    return frame, problems


@dataclass
class _Read:
    """One file read and converted: canonical columns, and per-row error messages."""

    file: ExtractFile
    config: KindConfig
    frame: pd.DataFrame  # canonical columns, plus line
    raw: pd.DataFrame  # the export's mapped columns as read (for the set-aside file)
    errors: list  # list of (row positions array, column, messages array)
    present: frozenset
    blank_rows: int


def _convert_file(file: ExtractFile, config: KindConfig, partially_upheld: bool) -> tuple[_Read | None, list[Problem]]:
    raw, problems = _read_raw(file.path, config, file.name)
    if raw is None or problems:
        return None, problems
    kind = config.kind
    lines = np.arange(len(raw), dtype=np.int64) + 2
    columns: dict[str, np.ndarray] = {}
    errors: list[tuple[np.ndarray, str, np.ndarray]] = []
    blank_all = np.ones(len(raw), dtype=bool)
    present = set()
    for canonical in SCHEMA[kind]:
        export = config.export_name(canonical)
        if export not in raw.columns:
            continue
        present.add(canonical)
        series = raw[export]
        if canonical == "reference":
            text = series.astype(str).str.strip()
            values = text.to_numpy(dtype=object)
            empty = values == ""
            blank_all &= empty
            columns[canonical] = values
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
        remap = np.full(len(raw), -1)
        remap[keep_positions] = np.arange(len(keep_positions))
        frame = frame.iloc[keep_positions].reset_index(drop=True)
        raw = raw.iloc[keep_positions].reset_index(drop=True)
        errors = [(remap[r][keep[r]], col, m[keep[r]]) for r, col, m in errors]
        if frame.empty:
            return None, [Problem(file.name, None, None, "the file has a header but no rows")]
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
    return _Read(file, config, frame, raw, errors, frozenset(present), blank_rows), []


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
        outcome = np.asarray(frame["outcome"].astype(str))
        if "responded" in read.present:
            has_response = ~np.isnat(responded)
            responded_bad = np.asarray(
                [m != "" for m in _messages_at(read, config.export_name("responded"), len(frame))]
            )
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


def _messages_at(read: _Read, column: str, n: int) -> np.ndarray:
    out = np.full(n, "", dtype=object)
    for rows, col, messages in read.errors:
        if col == column:
            out[rows] = messages
    return out


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


def _empty(kind: str) -> pd.DataFrame:
    columns = ["council", "year", "file", "line", *SCHEMA[kind]]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _duplicates(reads: list[_Read]) -> None:
    """(reference, stage) must be unique within a council, across its files: every row of a repeated pair is a
    problem."""
    if not reads:
        return
    refs = np.concatenate([r.frame["reference"].to_numpy(dtype=object) for r in reads])
    stages = np.concatenate([np.asarray(r.frame["stage"].astype(str)) for r in reads])
    ref_codes, _ = pd.factorize(refs, sort=False)
    stage_codes, _ = pd.factorize(stages, sort=False)
    key = ref_codes.astype(np.int64) * (int(stage_codes.max(initial=0)) + 1) + stage_codes
    dup = pd.Series(key).duplicated(keep=False).to_numpy() & (refs != "") & (stages != "")
    if not dup.any():
        return
    which = np.concatenate([np.full(len(r.frame), i) for i, r in enumerate(reads)])[dup]
    pos = np.concatenate([np.arange(len(r.frame)) for r in reads])[dup]
    lines = [int(reads[w].frame["line"].iat[p]) for w, p in zip(which, pos)]
    groups: dict[tuple, list[tuple[int, int, int]]] = {}
    for ref, stage, w, p, line in zip(refs[dup], stages[dup], which, pos, lines):
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
    order = {c: i for i, c in enumerate(read.raw.columns)}
    items.sort(key=lambda t: (t[0], order.get(t[1], 99)))
    lines = read.frame["line"].to_numpy()
    problems = []
    for r, column, message in items:
        problems.append(Problem(read.file.name, int(lines[r]), column, message))
        reasons.setdefault(r, []).append(f"{column}: {message}")
    return problems, reasons


def set_aside_path(paths: Paths, council: str, year: str, kind: str) -> Path:
    return paths.set_aside_dir / f"{council}_{year}_{kind}.csv"


def load_records(paths: Paths, defs: Definitions, set_aside: bool = False) -> Records:
    """Read every extract in data/records and data/private, mapped onto the canonical schema.

    By default any bad row stops the run: InputError lists every problem (file, line, column).
    With set_aside=True, bad rows are kept in `Records.set_aside_rows` with their line and reasons
    (the main job writes them to outputs/records_set_aside/<council>_<year>_<kind>.csv, named in
    `Records.files`), and `Records.files` says how many each file lost. Nothing is written here. Problems with a
    whole file (missing required columns, empty, unreadable) or with the configuration always stop the run.
    """
    configs = load_records_configs(paths, defs)
    files, problems = extract_files(paths, defs.councils)
    # a real extract replaces the shipped ones for its council, year and kind
    private_keys = {(f.council, f.year, f.kind) for f in files if f.private}
    superseded = {}
    for f in files:
        if not f.private and (f.council, f.year, f.kind) in private_keys:
            superseded[f.name] = ", ".join(
                g.name for g in files if g.private and (g.council, g.year, g.kind) == (f.council, f.year, f.kind)
            )
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
        }
        for f in files
    }
    frames = {k: [] for k in KINDS}
    aside: dict[tuple, list[pd.DataFrame]] = {}
    present: dict[tuple, frozenset] = {}
    for read, reasons in zip(reads, per_read_reasons):
        f = read.file
        bad = np.zeros(len(read.frame), dtype=bool)
        if reasons:
            bad[list(reasons)] = True
        keep = read.frame.loc[~bad] if bad.any() else read.frame
        constant = np.zeros(len(keep), dtype=np.int8)
        keep = keep.assign(
            council=pd.Categorical.from_codes(constant, [f.council]),
            year=pd.Categorical.from_codes(constant, [f.year]),
            file=pd.Categorical.from_codes(constant, [f.name]),
        )
        frames[f.kind].append(keep)
        key = (f.council, f.year, f.kind)
        present[key] = present.get(key, frozenset()) | read.present
        summary[f.name].update(
            rows=len(read.frame), kept=int((~bad).sum()), set_aside=int(bad.sum()), blank_rows=read.blank_rows
        )
        if bad.any():
            positions = np.flatnonzero(bad)
            rows = read.raw.iloc[positions].astype(str).reset_index(drop=True)
            rows.insert(0, "reasons", ["; ".join(reasons[p]) for p in positions])
            rows.insert(0, "line", read.frame["line"].to_numpy()[positions])
            rows.insert(0, "file", f.name)
            aside.setdefault(key, []).append(rows)
    set_aside_rows = {key: pd.concat(parts, ignore_index=True) for key, parts in aside.items()}
    for key in set_aside_rows:
        for entry in summary.values():
            if (entry["council"], entry["year"], entry["kind"]) == key and entry["set_aside"]:
                entry["set_aside_file"] = paths.relative(set_aside_path(paths, *key))
    out = {}
    for kind in KINDS:
        if frames[kind]:
            frame = pd.concat(frames[kind], ignore_index=True) if len(frames[kind]) > 1 else frames[kind][0]
            for col, kind_type in SCHEMA[kind].items():
                if kind_type in CATEGORICAL and not isinstance(frame[col].dtype, pd.CategoricalDtype):
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
            out[kind] = frame.reset_index(drop=True)
        else:
            out[kind] = _empty(kind)
    files_frame = pd.DataFrame(list(summary.values()), columns=FILE_COLUMNS)
    return Records(out["complaints"], out["feedback"], out["contacts"], configs, files_frame, present, set_aside_rows)


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
}
