"""metrics.xlsx: the rows of metrics.csv as a spreadsheet for analysts, laid out as the Government
Analysis Function's guidance "Releasing statistics in spreadsheets" asks, built with gptables.

A workbook holds a Cover (what it holds, where the figures come from, which rows are synthetic,
when it was made, a contact), a Contents sheet, a Notes sheet (one note per column, the small-number
rule, fractions, synthetic rows) and then one table per sheet.

The tables are split by the kind of metric: Counts, Proportions, Rates, Means and Money (only the
kinds that have rows). Why by kind rather than by source (published or records):
- every column of a table then has one unit: a value is a number of events on Counts, a fraction
  between 0 and 1 on Proportions, events per unit of exposure on Rates, days on Means and pounds on
  Money; the size of a change is a rate ratio for counts and rates and a difference of fractions for
  proportions. Mixed in one column, a filter or a sum would add fractions to counts;
- the kinds are analysed differently (intervals, tests, effect measures), so each table's columns
  are the ones that apply to it: a column of metrics.csv that is empty for every row of a table is
  left out of it (the table's instructions name them) rather than shown blank;
- published figures and figures from complaint records sit in the same table, one row each, with
  `source` and `synthetic` columns, so an analyst checking records against what the council published
  filters one table instead of matching rows across two sheets.

Rows keep the order of metrics.csv (council, year, metric, source). Every column header is in plain
words and ends with the metrics.csv column name in brackets, e.g. "Value (value)", then its unit and
its note on the lines below, so each column maps back to metrics.csv. Empty cells are empty (the
figure does not apply to that row, or does not exist): the note of each column says when.

The builder is pure: `build_workbook` returns the bytes of the .xlsx file; the caller writes them
(running/pipeline.py, atomically, beside the CSVs).
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import gptables as gpt
import pandas as pd

from ..inputs.definitions import KINDS, Definitions

CONTACT = "See README.md of the project"
TITLE = "Complaints to English councils' children's services: metrics"

# plain words for each column of metrics.csv; the header is "<words> (<column>)"
LABELS = {
    "council": "Council",
    "year": "Financial year",
    "metric": "Metric",
    "kind": "Kind of metric",
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "ci_low": "95% interval, lower end",
    "ci_high": "95% interval, upper end",
    "prev_year": "Previous year",
    "prev_value": "Value in the previous year",
    "change": "Change from the previous year",
    "pct_change": "Relative change",
    "test": "Test of the change",
    "p_value": "p-value",
    "q_value": "q-value, adjusted for multiple tests",
    "verdict": "Verdict on the change",
    "source": "Source",
    "numerator_measure": "Numerator measure",
    "denominator_measure": "Denominator measure",
    "numerator_basis": "Where the numerator comes from",
    "effect_measure": "Measure of the size of the change",
    "effect": "Size of the change",
    "effect_ci_low": "Size of the change, 95% interval lower end",
    "effect_ci_high": "Size of the change, 95% interval upper end",
    "small_numbers": "Too few to conclude from",
    "contested": "Documents give two values",
    "note": "Note",
    "p_value_sampling": "p-value against chance alone",
    "dispersion": "Over-dispersion factor",
    "dispersion_basis": "Where the over-dispersion factor comes from",
    "verdict_robust": "Verdict the same at every value the documents allow",
    "p_value_range": "Range of p-values",
    "values_tested": "Combinations of values tested",
    "synthetic": "Synthetic",
}

# one note per column (what it means, and when it is empty)
COLUMN_NOTES = {
    "council": "The council's identifier (for example dudley, telford-wrekin, dorset).",
    "year": "The financial year the figure is for, April to March, written 2024-25.",
    "metric": (
        "The metric identifier, defined in data/definitions/metrics.csv of the project. One identifier means "
        "one definition everywhere; a figure with another definition has another identifier."
    ),
    "kind": "The kind of metric: count, proportion, rate, mean or money. Each kind has a table of its own.",
    "value": (
        "The figure. Counts are numbers of events; proportions and rates are fractions (0.49, not 49); "
        "means are averages in the unit of their measure (the Means table gives it); money is in pounds."
    ),
    "numerator": (
        "The count behind the value: the count itself, a proportion's numerator or a rate's events. "
        "Empty for means and money."
    ),
    "denominator": (
        "The base of a proportion, or the exposure of a rate (such as contacts). Empty for counts, means and money."
    ),
    "ci_low": (
        "Lower end of the 95% interval: exact Poisson (Garwood) for counts and rates, Wilson for proportions. "
        "Empty for means, money and figures published only as a percentage."
    ),
    "ci_high": "Upper end of the 95% interval (see the lower end).",
    "prev_year": (
        "The year before, when the council published the metric for it. Empty when it did not: the change "
        "columns are then empty too."
    ),
    "prev_value": "The value in the previous year, in the unit of the value. Empty when there is no previous year.",
    "change": "Value minus the value in the previous year, in the unit of the value.",
    "pct_change": ("The change relative to the value in the previous year, as a fraction: 0.18 is an increase of 18%."),
    "test": (
        "The test of the change: quasi-Poisson for counts and rates when the series varies more than chance "
        "allows, otherwise the exact conditional binomial test; Fisher's exact test for proportions. "
        "Empty when the change was not tested (means, money, percentages without counts, no previous year)."
    ),
    "p_value": "The two-sided p-value of the test of the change. Empty when not tested.",
    "q_value": (
        "The Benjamini-Hochberg adjusted p-value over the tests of one council, year and source (the "
        "before-and-after test of a process change included). Empty when not tested."
    ),
    "verdict": (
        "increase or decrease (q-value below 0.05), no_evidence_of_change, or not_tested. Read it with "
        "the small-number rule (Too few to conclude from)."
    ),
    "source": (
        "published: from the councils' published documents. records: computed from complaint extracts (see Synthetic)."
    ),
    "numerator_measure": "The measure the value (or its numerator) was computed from.",
    "denominator_measure": (
        "The measure of the base (proportions) or exposure (rates): it says which base the council uses. "
        "Empty for counts, means and money."
    ),
    "numerator_basis": (
        "published (a published count), sum (added up from published parts), from_percentage (a count "
        "recovered from a published percentage of a known base), percentage_only (only a percentage "
        "exists: no interval, no test) or records (from complaint records)."
    ),
    "effect_measure": (
        "How the size of the change is measured: rate ratio (counts, rates) or difference in proportions. "
        "Empty when not tested."
    ),
    "effect": (
        "The size of the change: a rate ratio (1 is no change; inf when the earlier count is 0), or a "
        "difference of two fractions (0 is no change). Empty when not tested."
    ),
    "effect_ci_low": "Lower end of the 95% interval of the size of the change (Newcombe's for proportions).",
    "effect_ci_high": "Upper end of the 95% interval of the size of the change.",
    "small_numbers": (
        "The small-number rule: TRUE when a count (a rate's events, a share's numerator) is under 10, or a "
        "share's base is under 30, in either year. Such a change is too few to conclude from, whatever "
        "the test says. Means and money are never flagged."
    ),
    "contested": (
        "TRUE when the documents give a figure behind this metric (in either year) more than one value; "
        "outputs/audit.csv lists them."
    ),
    "note": "What a reader needs to know about this row. Empty when there is nothing to add.",
    "p_value_sampling": (
        "The p-value against chance (sampling) variation alone: the exact tests. Empty when not tested."
    ),
    "dispersion": (
        "The over-dispersion factor the test allows for: year-to-year variation beyond chance (1 when none)."
    ),
    "dispersion_basis": (
        "Where the over-dispersion factor came from: own_series (the council's own series of 4 years or "
        "more), pooled (across councils and measures of the same kind) or none."
    ),
    "verdict_robust": (
        "TRUE when the verdict is the same at every value the documents allow (both values of a contested "
        "figure, every whole count that fits a published percentage). Empty when not tested."
    ),
    "p_value_range": "The range of p-values across the values the documents allow.",
    "values_tested": "How many combinations of the values the documents allow were tested.",
    "synthetic": (
        "TRUE when the row is computed from a synthetic complaint extract: generated data calibrated to the "
        "published figures, not real complaints. Such rows never reach a council's own report."
    ),
}

FRACTIONS_NOTE = (
    "Proportions and rates are fractions, not percentages: a proportion of 0.49 is 49%; a rate of 0.0108 "
    "per contact is 1.08 per 100 contacts. Relative changes are fractions too: 0.18 is an increase of 18%."
)

BLANKS = (
    "An empty cell means the column does not apply to that row or the figure does not exist (for example "
    "no previous year was published, or the change was not tested); the Notes worksheet says when each "
    "column is empty."
)

WRAPPED = {"note": 480}  # columns of free text: their width in pixels (the text wraps)
NUMBER = "number"
FRACTION = "fraction between 0 and 1"
RATIO = "ratio"


@dataclass(frozen=True)
class Table:
    sheet: str  # worksheet name
    name: str  # the Excel table name
    title: str  # what the rows are
    units: str  # one sentence on the units
    columns: Mapping[str, str]  # unit of each column where it applies


TABLES = {
    "count": Table(
        "Counts",
        "counts",
        "Counts of complaints, compliments and other events",
        "Values are numbers of events; the size of a change is a rate ratio.",
        {
            "value": NUMBER,
            "numerator": NUMBER,
            "ci_low": NUMBER,
            "ci_high": NUMBER,
            "prev_value": NUMBER,
            "change": NUMBER,
            "pct_change": "fraction",
            "effect": RATIO,
            "effect_ci_low": RATIO,
            "effect_ci_high": RATIO,
        },
    ),
    "proportion": Table(
        "Proportions",
        "proportions",
        "Proportions, such as the share of complaints answered in time",
        "Proportions are fractions between 0 and 1 (0.49 is 49%); the size of a change is a difference of "
        "two fractions.",
        {
            "value": FRACTION,
            "numerator": NUMBER,
            "denominator": NUMBER,
            "ci_low": FRACTION,
            "ci_high": FRACTION,
            "prev_value": FRACTION,
            "change": "difference of fractions",
            "pct_change": "fraction",
            "effect": "difference of fractions",
            "effect_ci_low": "difference of fractions",
            "effect_ci_high": "difference of fractions",
        },
    ),
    "rate": Table(
        "Rates",
        "rates",
        "Rates, such as complaints per contact",
        "Rates are fractions: events per unit of exposure (0.0108 per contact is 1.08 per 100 contacts); "
        "the size of a change is a rate ratio.",
        {
            "value": "per unit of exposure",
            "numerator": "number of events",
            "denominator": "exposure",
            "ci_low": "per unit of exposure",
            "ci_high": "per unit of exposure",
            "prev_value": "per unit of exposure",
            "change": "per unit of exposure",
            "pct_change": "fraction",
            "effect": RATIO,
            "effect_ci_low": RATIO,
            "effect_ci_high": RATIO,
        },
    ),
    "mean": Table(
        "Means",
        "means",
        "Means, such as the average time to respond",
        "Means are averages in the unit of their measure; they have no interval and no test.",
        {"value": "{unit}", "prev_value": "{unit}", "change": "{unit}", "pct_change": "fraction"},
    ),
    "money": Table(
        "Money",
        "money",
        "Money, such as financial remedies paid",
        "Amounts are in pounds; they have no interval and no test.",
        {"value": "pounds", "prev_value": "pounds", "change": "pounds", "pct_change": "fraction"},
    ),
}


def header(column: str) -> str:
    """The column's header (before its unit and note): plain words, then the metrics.csv name in brackets."""
    label = LABELS.get(column)
    return f"{label} ({column})" if label and label != column else column


def _table_spec(kind: str) -> Table:
    if kind in TABLES:
        return TABLES[kind]
    plain = kind.replace("_", " ")
    return Table(plain.title()[:31], f"kind_{kind}", f"Metrics of kind {kind}", "See the Notes worksheet.", {})


def _mean_unit(rows: pd.DataFrame, definitions: Definitions | None) -> str:
    """The unit of the means' measures (days) when they share one, else a pointer to the metric."""
    if definitions is None or "unit" not in definitions.measures.columns:
        return "unit of the metric"
    units = {str(definitions.measures["unit"].get(m, "")) for m in rows["numerator_measure"]}
    return units.pop() if len(units) == 1 and "" not in units else "unit of the metric"


def _cells(frame: pd.DataFrame) -> dict[str, list]:
    """Each column as plain Python values for xlsxwriter: floats, ints, bools, strings and None (an
    empty cell); an infinite value as the text metrics.csv writes (inf, -inf)."""

    def cell(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        if isinstance(v, float) and math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if isinstance(v, str) and not v.strip():
            return None
        return v

    return {c: [cell(v) for v in frame[c].tolist()] for c in frame.columns}


def _thousands(values: list) -> bool:
    """Whole numbers of 1,000 or more: shown with a thousands separator."""
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return (
        len(numbers) == len([v for v in values if v is not None])
        and any(abs(v) >= 1000 for v in numbers)
        and all(float(v).is_integer() for v in numbers)
    )


def _gptable(
    kind: str, rows: pd.DataFrame, definitions: Definitions | None, place: str
) -> tuple[str, gpt.GPTable, set[str], list[str]]:
    """The sheet name, the GPTable, the note references it uses and its metrics.csv columns."""
    spec = _table_spec(kind)
    cells = _cells(rows)
    kept = [c for c, values in cells.items() if any(v is not None for v in values)]
    left_out = [c for c in cells if c not in kept]
    notes = {f"col_{c}" for c in kept if c in COLUMN_NOTES}
    subtitles = [spec.units + ("$$fractions$$" if kind in ("proportion", "rate") else "")]
    synthetic = int(rows["synthetic"].astype(bool).sum()) if "synthetic" in rows.columns else 0
    if synthetic:
        which = f"All {synthetic} rows are" if synthetic == len(rows) else f"{synthetic} of these {len(rows)} rows are"
        subtitles.append(
            f"{which} synthetic (Synthetic is TRUE): computed from generated complaint extracts, not real complaints."
        )
    if kind in ("proportion", "rate"):
        notes.add("fractions")
    instructions = "This worksheet contains one table, one row per council, financial year, metric and source. "
    instructions += BLANKS
    if left_out:
        instructions += " Columns of metrics.csv empty for every row here are left out: " + ", ".join(left_out) + "."
    mean_unit = _mean_unit(rows, definitions) if kind == "mean" else ""
    units = {kept.index(c): u.format(unit=mean_unit) for c, u in spec.columns.items() if c in kept}
    table_notes = {i: f"$$col_{c}$$" for i, c in enumerate(kept) if c in COLUMN_NOTES}
    formatting = [
        {"column": {"columns": [i], "format": {"num_format": "#,##0"}, "include_names": False}}
        for i, c in enumerate(kept)
        if _thousands(cells[c])
    ]
    table = gpt.GPTable(
        table=pd.DataFrame({header(c): cells[c] for c in kept}, dtype=object),
        table_name=spec.name,
        title=f"{spec.title}: {place or 'all councils'}",
        subtitles=subtitles,
        instructions=instructions,
        source=(
            "Source: the councils' published documents (rows with source published) and complaint extracts "
            "(rows with source records)"
        ),
        units=units,
        table_notes=table_notes,
        index_columns={},
        additional_formatting=formatting,
    )
    return spec.sheet, table, notes, kept


def _notes_table(used: set[str]) -> pd.DataFrame:
    rows = [("fractions", "the Proportions and Rates tables", FRACTIONS_NOTE)]
    rows += [(f"col_{c}", header(c), text) for c, text in COLUMN_NOTES.items()]
    rows = [r for r in rows if r[0] in used]
    return pd.DataFrame(rows, columns=["Note reference", "Applies to", "Note text"])


def _cover(metrics: pd.DataFrame, place: str, made: datetime, sheets: list[str]) -> gpt.Cover:
    source, synthetic = metrics["source"].astype(str), metrics["synthetic"].astype(bool)
    published, records = int((source == "published").sum()), int((source == "records").sum())
    synthetic_records = int((synthetic & (source == "records")).sum())
    councils = ", ".join(sorted(metrics["council"].astype(str).unique()))
    years = sorted(metrics["year"].astype(str).unique())
    what = "every row of outputs/metrics.csv" if not place else f"the rows of outputs/metrics.csv for {place}"
    return gpt.Cover(
        title=f"{TITLE} for {place}" if place else TITLE,
        intro=[
            f"This workbook holds {what}: one row per council, financial year, metric and source, with the "
            "value, its 95% interval, the change from the year before, the test of that change and its "
            f"verdict. {len(metrics)} rows; councils: {councils}; years {years[0]} to {years[-1]}.",
            "One table per kind of metric, each on its own worksheet (" + ", ".join(sheets) + "), so that every "
            "column of a table has one unit. The Contents worksheet links to each; the Notes worksheet "
            "explains every column.",
            "Each column header gives the column's name in metrics.csv in brackets, then its unit and its note.",
        ],
        about=[
            f"Source: published rows ({published}, source published) are transcribed from the councils' "
            "published documents about complaints to their children's services (annual reports, board papers, "
            "news releases), listed in data/published/sources.csv of the project.",
            f"Records rows ({records}, source records) are computed from complaint extracts. {synthetic_records} "
            "of them are synthetic (Synthetic is TRUE): generated data calibrated to the published figures, "
            "not real complaints. Synthetic rows never reach a council's own report.",
            "Proportions and rates are fractions between 0 and 1, not percentages. The small-number rule "
            "(Too few to conclude from) marks changes that rest on too few events to conclude from.",
            f"Made on {made:%Y-%m-%d} at {made:%H:%M} {made.tzname() or ''}".rstrip()
            + " by the project's main job (complaints metrics or complaints reports).",
        ],
        contact=[CONTACT],
    )


def build_workbook(
    metrics: pd.DataFrame,
    made: datetime,
    definitions: Definitions | None = None,
    council: str | None = None,
) -> bytes:
    """The .xlsx file (bytes) of `metrics` (the rows of metrics.csv): every row, or with `council` that
    council's rows only. `made` is the time the cover gives; `definitions` give the council's name and
    the unit of means (days)."""
    rows = metrics if council is None else metrics[metrics["council"] == council]
    if rows.empty:
        raise ValueError(f"no rows of metrics.csv{f' for {council}' if council else ''}: nothing to put in a workbook")
    place = ""
    if council is not None:
        known = definitions.councils.get(council) if definitions is not None else None
        place = known.short_name if known is not None and known.short_name else council
    kinds = [k for k in KINDS if (rows["kind"] == k).any()]
    kinds += sorted(set(rows["kind"].astype(str)) - set(kinds))
    sheets: dict[str, gpt.GPTable] = {}
    columns: dict[str, list[str]] = {}
    used: set[str] = set()
    for kind in kinds:
        sheet, table, notes, columns[sheet] = _gptable(kind, rows[rows["kind"] == kind], definitions, place)
        sheets[sheet] = table
        used |= notes
    out = io.BytesIO()
    with warnings.catch_warnings():
        # the instructions of each table say what an empty cell means
        warnings.filterwarnings("ignore", message=r"\s*Empty or null cell found")
        # gptables 2.0 uses pandas features that pandas 3 deprecates: not ours to act on
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="gptables")
        warnings.filterwarnings("ignore", category=FutureWarning, module="gptables")
        workbook = gpt.produce_workbook(
            out,
            sheets,
            cover=_cover(rows, place, made, list(sheets)),
            contentsheet_options={
                "subtitles": ["The Notes worksheet explains every column; the Cover says where the figures come from."]
            },
            notes_table=_notes_table(used),
            notesheet_options={
                "title": "Notes",
                "instructions": "This worksheet contains one table: one note per column, and the notes on units.",
            },
            workbook_options={"in_memory": True},
        )
        for sheet, kept in columns.items():
            for i, column in enumerate(kept):
                if column in WRAPPED:  # free text: wrapped in a column of readable width
                    workbook.get_worksheet_by_name(sheet).set_column_pixels(i, i, WRAPPED[column])
        workbook.set_properties({"title": TITLE, "created": made.replace(tzinfo=None)})
        workbook.close()
    return out.getvalue()
