"""Plain-English sentences about metrics, built only from rows of outputs/metrics.csv.

Readers are councillors on a scrutiny committee and the public, so the words follow GOV.UK style:
plain English, short sentences, and every number comes from a row (none is typed here). Numbers are
written by complaints.reporting.numbers, the one formatter of the project. Text returned is plain
(not HTML-escaped): the templates escape it.

The words follow the numbers, and give one verdict in one voice (`verdict_of` decides it, in this
order, and nothing else says otherwise):
1. no figure for the year before: the sentence says so, and gives the latest earlier published
   figure with its year when there is one ("no earlier figure" only when none exists);
2. small numbers (the row's `small_numbers`): "too few to conclude from", and nothing about
   significance;
3. a verdict that depends on which of the documents' values is right (`verdict_robust` false):
   "depends on which published figure is right";
4. q below 0.05: "statistically significant", a change larger than the variation it is compared
   with would produce;
5. otherwise a tested change is "within what" that variation "would produce": chance alone, or
   chance and the usual year-to-year variation where the test allows for over-dispersion
   (`dispersion` above 1);
6. an untested change says why it was not tested.

In the public version (complaints.analysis.disclosure) a row whose figure, or the year before's, is
withheld has the verdict "withheld" before all of these: its sentences give the figure as "fewer than
5" or "withheld" and say that the change is not shown, with no test, p- or q-value.

A row is a pandas Series or a dict with the metrics.csv columns. Empty cells may be NaN, None or
"" (when the file is read with `dtype=str, keep_default_na=False`); numbers may be floats or text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..inputs.years import previous_year
from . import numbers

SIGNIFICANCE = 0.05  # words follow q: "statistically significant" only below this

# Why a change with an earlier value was not tested, in a short clause.
REASON_PERCENTAGE_ONLY = "no counts are published behind the percentage"
REASON_MONEY = "amounts of money are not tested"
REASON_MEAN = "averages are not tested without the individual times"
REASON_NOT_CONSECUTIVE = "the years are not consecutive"

# The verdict of a row (see the module docstring), and its phrase for a table column.
PHRASES = {
    "no_earlier": "no earlier figure",
    "not_consecutive": "not tested: no figure for the year before",
    "same": "no change",
    "small": "too few to conclude from",
    "not_robust": "depends on which published figure is right",
    "rise": "statistically significant rise",
    "fall": "statistically significant fall",
    "chance": "within chance variation",
    "chance_and_years": "within chance and year-to-year variation",
    "not_tested": "not tested",
    "withheld": "not shown: small numbers",
}

__all__ = [
    "PHRASES",
    "change_sentence",
    "format_change",
    "format_interval",
    "format_value",
    "is_withheld",
    "key_message",
    "row_value",
    "verdict_of",
    "verdict_phrase",
]


# --- reading a row -------------------------------------------------------------------------------


def _get(row: Mapping | pd.Series, key: str) -> Any:
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


def _num(row: Mapping | pd.Series | None, key: str) -> float | None:
    """A number from the row, or None when the cell is empty (NaN, None, "") or not a number."""
    return None if row is None else numbers.as_float(_get(row, key))


def _text(row: Mapping | pd.Series | None, key: str) -> str:
    """Text from the row ('' when empty)."""
    value = None if row is None else _get(row, key)
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def _flag(row: Mapping | pd.Series, key: str, default: bool = False) -> bool:
    value = _get(row, key)
    if isinstance(value, str):
        text = value.strip().lower()
        return default if text == "" else text in ("true", "1", "yes")
    if value is None:
        return default
    try:
        if pd.isna(value):
            return default
    except (TypeError, ValueError):
        pass
    return bool(value)


def _prev_year(row: Mapping | pd.Series) -> str:
    """The previous financial year: from the row, or worked out from `year` when it is empty."""
    prev = _text(row, "prev_year")
    if prev:
        return prev
    try:
        return previous_year(_text(row, "year"))
    except (ValueError, TypeError):
        return "the year before"


def _denominator_words(row: Mapping | pd.Series) -> str | None:
    measure = _text(row, "denominator_measure")
    return measure.replace("_", " ") if measure else None


def format_value(value: Any, kind: str, *, denominator: str | None = None) -> str:
    """One figure in words by its kind (see complaints.reporting.numbers.value)."""
    return numbers.value(value, kind, denominator=denominator)


def is_withheld(row: Mapping | pd.Series | None, column: str = "suppressed") -> str:
    """The public version's mark on the row's figure ('primary' or 'secondary'; column
    'prev_suppressed' for the year before's), or '' when it is shown."""
    return "" if row is None else _text(row, column)


def row_value(row: Mapping | pd.Series, *, words: bool = False) -> str:
    """The row's figure for a table ('49%', 'fewer than 5', '[c]'), or for a sentence (words: 'withheld')."""
    status = is_withheld(row)
    if status:
        return numbers.withheld(status, _text(row, "kind"), words=words)
    return _fmt(row, _num(row, "value"))


def _prev_text(row: Mapping | pd.Series, *, words: bool = True) -> str:
    status = is_withheld(row, "prev_suppressed")
    if status:
        return numbers.withheld(status, _text(row, "kind"), words=words)
    return _fmt(row, _num(row, "prev_value"))


def _fmt(row: Mapping | pd.Series, value: float | str | None) -> str:
    return numbers.value(value, _text(row, "kind"), denominator=_denominator_words(row))


def _amount(row: Mapping | pd.Series, difference: float) -> str:
    """The size of a change of a count, money or mean (always positive; the caller says up or down)."""
    kind, size = _text(row, "kind"), abs(difference)
    if kind == "money":
        return numbers.money(size)
    if kind == "mean":
        return numbers.days(size)
    return numbers.count(size)


def _relative(value: float, prev: float) -> str | None:
    """The change relative to the earlier value, as '18%'; None when the earlier value is 0."""
    return None if prev == 0 else f"{numbers.percent_number((value - prev) / prev)}%"


def format_interval(row: Mapping | pd.Series) -> str:
    """The row's 95% confidence interval in words for a table ('268 to 337'), or '' when it has none
    ('[c]' when the public version withholds the figure)."""
    if is_withheld(row):
        return numbers.WITHHELD_CELL
    return numbers.interval(
        _get(row, "ci_low"), _get(row, "ci_high"), _text(row, "kind"), denominator=_denominator_words(row)
    )


# --- the verdict ---------------------------------------------------------------------------------


def _earlier_value(earlier: Mapping | pd.Series | None) -> tuple[float | str, str] | None:
    """(value, year) of the latest earlier published figure, when the report has one; the value is
    the public version's mark ('fewer than 5', 'withheld') when it withholds that figure."""
    if earlier is None:
        return None
    status = is_withheld(earlier)
    if status:
        return numbers.withheld(status, _text(earlier, "kind"), words=True), _text(earlier, "year")
    v = _num(earlier, "value")
    return None if v is None else (v, _text(earlier, "year"))


def _not_tested_reason(row: Mapping | pd.Series) -> str | None:
    kind = _text(row, "kind")
    if kind == "money":
        return REASON_MONEY
    if kind == "mean":
        return REASON_MEAN
    if _text(row, "numerator_basis") == "percentage_only":
        return REASON_PERCENTAGE_ONLY
    if kind == "proportion" and _num(row, "numerator") is not None and _num(row, "denominator") is not None:
        # the engine tests a proportion whenever both years have counts, so the earlier year had none
        return f"{REASON_PERCENTAGE_ONLY} for {_prev_year(row)}"
    return None


def _allows_for_years(row: Mapping | pd.Series) -> bool:
    """The test allowed for year-to-year variation beyond chance (a dispersion above 1)."""
    d = _num(row, "dispersion")
    return d is not None and d > 1 and _text(row, "dispersion_basis") not in ("", "none")


def verdict_of(row: Mapping | pd.Series, earlier: Mapping | pd.Series | None = None) -> str:
    """The one verdict of a row: a key of PHRASES (see the module docstring for the order)."""
    value, prev = _num(row, "value"), _num(row, "prev_value")
    if is_withheld(row, "prev_suppressed") or (is_withheld(row) and prev is not None):
        return "withheld"  # a change from or to a withheld figure
    if is_withheld(row):  # withheld, with no figure for the year before: no change to withhold
        return "not_consecutive" if _earlier_value(earlier) else "no_earlier"
    if value is None or prev is None:
        return "not_consecutive" if value is not None and _earlier_value(earlier) else "no_earlier"
    if value == prev:
        return "same"
    if _flag(row, "small_numbers"):
        return "small"
    q = _num(row, "q_value")
    if q is None:
        q = _num(row, "p_value")
    if q is None:
        return "not_tested"
    if not _flag(row, "verdict_robust", default=True):
        return "not_robust"
    if q < SIGNIFICANCE:
        return "rise" if value > prev else "fall"
    return "chance_and_years" if _allows_for_years(row) else "chance"


def verdict_phrase(row: Mapping | pd.Series, earlier: Mapping | pd.Series | None = None) -> str:
    """A short phrase for a table column (PHRASES)."""
    return PHRASES[verdict_of(row, earlier)]


def _statistic(row: Mapping | pd.Series) -> str | None:
    """'q = 0.056' (the q-value the words follow), or 'p = ...' when only a p-value exists."""
    q, p = _num(row, "q_value"), _num(row, "p_value")
    if q is not None:
        return f"q {_equals(q)}"
    if p is not None:
        return f"p {_equals(p)}"
    return None


def _equals(p: float) -> str:
    text = numbers.p_value(p)
    return text if text.startswith("<") else f"= {text}"


def _range(row: Mapping | pd.Series) -> str:
    text = _text(row, "p_value_range")
    return f" (p from {text})" if text else ""


# --- the change -----------------------------------------------------------------------------------


def format_change(row: Mapping | pd.Series, earlier: Mapping | pd.Series | None = None) -> str:
    """The size of the change from the year before, in words.

    counts, money, means: 'up 46 (18%) from 255', 'down 19 (70%) from 27',
    'the same as the 23 in 2023-24'; proportions: 'up from 37% to 75% (38 percentage points)';
    rates: 'up from 12.0 to 17.9 per 1,000 contacts'; no figure for the year before:
    'no figure for 2023-24; 301 in 2021-22' or 'no earlier figure'.
    """
    kind = _text(row, "kind")
    value, prev = _num(row, "value"), _num(row, "prev_value")
    if verdict_of(row, earlier) == "withheld":
        return "the change is not shown in this public version"
    if value is None and not is_withheld(row):
        return f"no figure for {_text(row, 'year')}"
    if prev is None:
        found = _earlier_value(earlier)
        if found is None:
            return "no earlier figure"
        return f"no figure for {_prev_year(row)}; {_fmt(row, found[0])} in {found[1]}"
    if value == prev:
        return f"the same as the {_fmt(row, prev)} in {_prev_year(row)}"
    direction = "up" if value > prev else "down"
    if kind == "proportion":
        return f"{direction} from {_fmt(row, prev)} to {_fmt(row, value)} ({numbers.points(value - prev)})"
    if kind == "rate":
        unit = numbers.rate_unit(_denominator_words(row))
        return f"{direction} from {numbers.per_thousand(prev)} to {numbers.per_thousand(value)} {unit}"
    relative = _relative(value, prev)
    size = _amount(row, value - prev)
    return (
        f"{direction} {size} from {_fmt(row, prev)}"
        if relative is None
        else f"{direction} {size} ({relative}) from {_fmt(row, prev)}"
    )


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _verdict_sentence(row: Mapping | pd.Series, verdict: str, noun: str) -> str:
    statistic = _statistic(row)
    if verdict == "small":
        return "The numbers are too few to conclude whether this is more than chance."
    if verdict == "not_robust":
        return (
            f"Whether this {noun} is more than chance depends on which published figure is right: "
            f"the documents give more than one value for a figure behind it{_range(row)}."
        )
    if verdict in ("rise", "fall"):
        compared = "chance and the usual year-to-year variation" if _allows_for_years(row) else "chance"
        return f"This {noun} is statistically significant: larger than {compared} would produce ({statistic})."
    if verdict == "chance_and_years":
        return f"This {noun} is within what chance and the usual year-to-year variation would produce ({statistic})."
    if verdict == "chance":
        return f"This {noun} is within what chance would produce ({statistic})."
    reason = _not_tested_reason(row)
    return f"This {noun} was not tested because {reason}." if reason else f"This {noun} was not tested."


def change_sentence(row: Mapping | pd.Series, label: str, earlier: Mapping | pd.Series | None = None) -> str:
    """A few short sentences about one metric: its value, the change from the year before, and what
    the test says, in one voice (see the module docstring). Plain text."""
    name = _first_upper(str(label))
    year = _text(row, "year")
    value, prev = _num(row, "value"), _num(row, "prev_value")
    verdict = verdict_of(row, earlier)
    sentences: list[str] = []
    if verdict == "withheld":
        return _withheld_sentence(row, name, year)
    if value is None and not is_withheld(row):
        return f"{name}: no figure is published for {year}."
    if verdict in ("no_earlier", "not_consecutive"):
        sentences.append(
            f"{name}: not shown for {year} in this public version (small numbers)."
            if is_withheld(row) and row_value(row, words=True) == numbers.WITHHELD_WORD
            else f"{name} stood at {row_value(row, words=True)} in {year}."
        )
        found = _earlier_value(earlier)
        if found is None:
            sentences.append("No earlier figure is published.")
        else:
            sentences.append(
                f"No figure is published for {_prev_year(row)}; the latest earlier one is "
                f"{_fmt(row, found[0])} in {found[1]}. The change is not tested, as the years "
                "are not consecutive."
            )
    elif verdict == "same":
        sentences.append(f"{name} stayed at {_fmt(row, value)} in {year}, the same as in {_prev_year(row)}.")
    else:
        rose = value > prev
        verb, direction, noun = ("rose", "up", "rise") if rose else ("fell", "down", "fall")
        if _text(row, "kind") == "proportion":
            size = f", {direction} {numbers.points(value - prev)}"
        else:
            relative = _relative(value, prev)
            size = f", {direction} {relative}" if relative else ""
        sentences.append(
            f"{name} {verb} from {_fmt(row, prev)} in {_prev_year(row)} to {_fmt(row, value)} in {year}{size}."
        )
        sentences.append(_verdict_sentence(row, verdict, noun))
    if _flag(row, "contested") and verdict != "not_robust":
        tested_with_all = _text(row, "verdict_robust") != "" and verdict in (
            "rise",
            "fall",
            "chance",
            "chance_and_years",
        )
        sentences.append(
            "The documents give more than one value for a figure behind this"
            + (
                "; the conclusion is the same with any of them."
                if tested_with_all
                else " (see 'Figures the documents disagree on')."
            )
        )
    if _text(row, "numerator_basis") == "from_percentage":
        sentences.append("The count is worked out from the published percentage.")
    return " ".join(sentences)


def _withheld_sentence(row: Mapping | pd.Series, name: str, year: str) -> str:
    """A row whose figure, or the year before's, the public version withholds: the figure as far as
    it may be shown, and no change or test."""
    if is_withheld(row) == "primary" and _text(row, "kind") == "count":
        return f"{name}: fewer than 5 in {year}. The change from the year before is not shown in this public version."
    if is_withheld(row):
        return (
            f"{name}: not shown for {year} in this public version, so that small numbers cannot be worked out from it."
        )
    return (
        f"{name} stood at {row_value(row)} in {year}. The figure for {_prev_year(row)} is "
        f"{_prev_text(row)} in this public version, so the change is not shown."
    )


def key_message(row: Mapping | pd.Series, label: str, earlier: Mapping | pd.Series | None = None) -> str:
    """One sentence for the summary: the figure, its change and what the test says."""
    name = _first_upper(str(label))
    year = _text(row, "year")
    verdict = verdict_of(row, earlier)
    head = (
        f"{name}: not shown for {year} in this public version (small numbers)"
        if is_withheld(row) and row_value(row, words=True) == numbers.WITHHELD_WORD
        else f"{name}: {row_value(row, words=True)} in {year}"
    )
    if verdict == "withheld":
        if is_withheld(row) == "primary" and _text(row, "kind") == "count":
            return f"{name}: fewer than 5 in {year} (the change is not shown in this public version)."
        if is_withheld(row):
            return f"{name}: not shown for {year} in this public version (small numbers)."
        return f"{head}; the figure for {_prev_year(row)} is {_prev_text(row)}, so the change is not shown."
    if verdict == "no_earlier":
        return f"{head}; no earlier figure is published."
    if verdict == "not_consecutive":
        found = _earlier_value(earlier)
        return f"{head}; the latest earlier figure is {_fmt(row, found[0])} in {found[1]} (not tested)."
    change = format_change(row, earlier)
    tail = {
        "same": "",
        "small": ", too few to conclude from",
        "not_robust": ": whether this is more than chance depends on which published figure is right",
        "rise": ", a statistically significant rise",
        "fall": ", a statistically significant fall",
        "chance": ", within what chance would produce",
        "chance_and_years": ", within what chance and the usual year-to-year variation would produce",
        "not_tested": " (not tested)",
    }[verdict]
    if verdict == "same":
        return f"{head}, {change}."
    return f"{head}, {change}{tail}."
