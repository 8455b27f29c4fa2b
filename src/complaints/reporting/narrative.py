"""Plain-English sentences about metrics, built only from rows of outputs/metrics.csv.

Readers are councillors on a scrutiny committee and the public, so the words follow GOV.UK style:
plain English, short sentences, and every number comes from the row (none is typed here, apart
from the fixed "95%" of the interval and the "per 1,000" of rates). Numbers are rounded only when
printed.

The words follow the numbers (docs/methods.md):
- "statistically significant" only when the q-value is below 0.05;
- otherwise the change is "within what year-to-year variation would produce";
- results from small numbers (fewer than 10 in either year) are "too few to conclude from",
  whatever the test says.

Every string returned is safe HTML: text that came from data (labels, council names, years,
metric identifiers, notes) is escaped with `html.escape`.

A row is a pandas Series or a dict with the metrics.csv columns. Empty cells may be NaN, None or
"" (when the file is read with `dtype=str, keep_default_na=False`); numbers may be floats or text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from ..inputs.years import previous_year

SIGNIFICANCE = 0.05  # words follow q: "statistically significant" only below this
NOT_PUBLISHED = "not published"
DISAGREE_SECTION = "Figures the documents disagree on"

# Why a change with a previous value was not tested, in a short clause.
REASON_PERCENTAGE_ONLY = "no counts are published behind the percentage"
REASON_MONEY = "amounts of money are not tested"
REASON_MEAN = "averages are not tested without the individual times"

KINDS = ("count", "proportion", "rate", "mean", "money")

__all__ = [
    "change_sentence",
    "format_change",
    "format_p",
    "format_value",
    "headline_sentences",
    "sentence_html",
    "trace_attr",
    "verdict_phrase",
]


# --- reading a row -------------------------------------------------------------------------------


def _get(row: Mapping | pd.Series, key: str) -> Any:
    try:
        return row[key]
    except (KeyError, IndexError):
        return None


def _num(row: Mapping | pd.Series, key: str) -> float | None:
    """A number from the row, or None when the cell is empty (NaN, None, "") or not a number."""
    return _as_float(_get(row, key))


def _as_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        if not value:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _text(row: Mapping | pd.Series, key: str) -> str:
    """Text from the row ('' when empty), not yet escaped."""
    value = _get(row, key)
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


def _flag(row: Mapping | pd.Series, key: str) -> bool:
    value = _get(row, key)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if value is None:
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        pass
    return bool(value)


def _prev_year(row: Mapping | pd.Series) -> str:
    """The previous financial year: from the row, or worked out from `year` when it is empty."""
    prev = _text(row, "prev_year")
    if prev:
        return prev
    year = _text(row, "year")
    try:
        return previous_year(year)
    except (ValueError, TypeError):
        return "the year before"


# --- numbers as words ------------------------------------------------------------------------------


def _round(value: float, places: int) -> Decimal:
    """Round half up (as people do), after removing binary noise such as 28.499999999999996."""
    cleaned = Decimal(f"{value:.10f}")
    return cleaned.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _number(value: float, places: int = 0, *, drop_zero: bool = True) -> str:
    """Thousands separators; `places` decimals; a trailing .0 (or .00) dropped if drop_zero."""
    rounded = _round(value, places)
    if drop_zero and rounded == rounded.to_integral_value():
        rounded = rounded.quantize(Decimal(1))
        places = 0
    return f"{rounded:,.{places}f}"


def _percent(fraction: float) -> str:
    """A fraction as a percentage, without the % sign: whole percent, except one decimal place when
    it is strictly between 0% and 1% (or strictly between 99% and 100%), so that a small share is
    not printed as 0% and an incomplete one not as 100%."""
    pct = abs(fraction) * 100
    if pct == 0:
        return "0"
    if pct < 0.05:
        return "less than 0.1"
    if pct < 1:
        return _number(pct, 1, drop_zero=False)
    if 99 < pct < 100:
        if pct >= 99.95:
            return "more than 99.9"
        return _number(pct, 1, drop_zero=False)
    return _number(pct, 0)


def _per_thousand(value: float) -> str:
    per = value * 1000
    if 0 < abs(per) < 0.05:
        return "less than 0.1"
    return _number(per, 1, drop_zero=False)


def _count(value: float) -> str:
    return _number(value, 0) if float(value).is_integer() else _number(value, 1)


def _money(value: float) -> str:
    return "£" + _number(value, 2, drop_zero=True)


def _days(value: float) -> str:
    text = _number(value, 1)
    return f"{text} day" if text == "1" else f"{text} days"


def _rate_unit(denominator: str | None) -> str:
    return f"per 1,000 {html.escape(denominator) if denominator else 'contacts'}"


def format_value(value: Any, kind: str, *, denominator: str | None = None) -> str:
    """One figure in words: count "1,234"; proportion "49%" (one decimal place only strictly
    between 0% and 1%, or 99% and 100%); rate "17.9 per 1,000 contacts"; money "£71,608.96"
    ("£40,630" when whole pounds); mean "14 days". Empty -> "not published".

    `denominator` is what a rate is counted against, in words (plural); it defaults to
    "contacts" and is ignored for other kinds.
    """
    number = _as_float(value)
    if number is None:
        return NOT_PUBLISHED
    if kind == "count":
        return _count(number)
    if kind == "proportion":
        return f"{_percent(number)}%" if number >= 0 else f"minus {_percent(number)}%"
    if kind == "rate":
        return f"{_per_thousand(number)} {_rate_unit(denominator)}"
    if kind == "money":
        return _money(number) if number >= 0 else f"minus {_money(-number)}"
    if kind == "mean":
        return _days(number)
    raise ValueError(f"unknown kind of metric: {kind!r} (expected one of {', '.join(KINDS)})")


def format_p(value: float) -> str:
    """A p- or q-value: "< 0.001" below 0.001, otherwise "= " and 2 significant figures, without
    trailing zeros (0.0075, 0.056, 0.29, 0.005, 1)."""
    if value < 0.001:
        return "< 0.001"
    return f"= {value:.2g}"


def _row_denominator_words(row: Mapping | pd.Series) -> str | None:
    measure = _text(row, "denominator_measure")
    return measure.replace("_", " ") if measure else None


def _fmt(row: Mapping | pd.Series, value: float | None) -> str:
    """A value of this row's kind (the rate unit taken from the row)."""
    return format_value(value, _text(row, "kind"), denominator=_row_denominator_words(row))


def _bare(row: Mapping | pd.Series, value: float) -> str:
    """A value of this row's kind without a rate's unit (for "from 12.0 to 17.9 per 1,000 ...")."""
    if _text(row, "kind") == "rate":
        return _per_thousand(value)
    return _fmt(row, value)


def _amount(row: Mapping | pd.Series, difference: float) -> str:
    """The size of a change of a count, money or mean (always positive; the caller says up or down)."""
    kind = _text(row, "kind")
    size = abs(difference)
    if kind == "money":
        return _money(size)
    if kind == "mean":
        return _days(size)
    return _count(size)


def _percentage_points(difference: float) -> str:
    points = _percent(difference)
    return f"{points} percentage point" if points == "1" else f"{points} percentage points"


def _relative(value: float, prev: float) -> str | None:
    """The change relative to the earlier value, as "18%"; None when the earlier value is 0."""
    if prev == 0:
        return None
    return f"{_percent((value - prev) / prev)}%"


# --- the change -----------------------------------------------------------------------------------


def format_change(row: Mapping | pd.Series) -> str:
    """The size of the change from the year before, in words.

    counts, money, means: "up 46 (18%) from 255", "down 19 (70%) from 27",
    "the same as the 23 in 2023-24"; proportions: "up from 37% to 75% (38 percentage points)";
    rates: "up from 12.0 to 17.9 per 1,000 contacts"; no earlier figure:
    "no figure published for 2023-24".
    """
    kind = _text(row, "kind")
    value, prev = _num(row, "value"), _num(row, "prev_value")
    prev_year = html.escape(_prev_year(row))
    if prev is None:
        return f"no figure published for {prev_year}"
    if value is None:
        return f"no figure published for {html.escape(_text(row, 'year'))}"
    if value == prev:
        return f"the same as the {_fmt(row, prev)} in {prev_year}"
    direction = "up" if value > prev else "down"
    if kind == "proportion":
        return f"{direction} from {_fmt(row, prev)} to {_fmt(row, value)} ({_percentage_points(value - prev)})"
    if kind == "rate":
        return f"{direction} from {_bare(row, prev)} to {_bare(row, value)} {_rate_unit(_row_denominator_words(row))}"
    relative = _relative(value, prev)
    size = _amount(row, value - prev)
    if relative is None:
        return f"{direction} {size} from {_fmt(row, prev)}"
    return f"{direction} {size} ({relative}) from {_fmt(row, prev)}"


def _confidence_interval(row: Mapping | pd.Series) -> str:
    """ " (95% confidence interval 268 to 337)", or "" when the row has no interval."""
    words = format_interval(row)
    return f" (95% confidence interval {words})" if words else ""


def format_interval(row: Mapping | pd.Series) -> str:
    """The row's 95% confidence interval in words for a table ("268 to 337"), or "" when it has none."""
    low, high = _num(row, "ci_low"), _num(row, "ci_high")
    if low is None or high is None:
        return ""
    kind = _text(row, "kind")
    if kind == "count":
        # whole numbers, except one decimal place below 10 so that small intervals keep their shape
        bound = lambda x: _number(x, 1) if abs(x) < 10 else _number(x, 0)  # noqa: E731
        words = f"{bound(low)} to {bound(high)}"
    elif kind == "proportion":
        words = f"{_percent(low)}% to {_percent(high)}%"
    elif kind == "rate":
        words = f"{_per_thousand(low)} to {_per_thousand(high)} {_rate_unit(_row_denominator_words(row))}"
    else:
        words = f"{_fmt(row, low)} to {_fmt(row, high)}"
    return words


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
        return f"{REASON_PERCENTAGE_ONLY} for {html.escape(_prev_year(row))}"
    return None


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _statistic(row: Mapping | pd.Series) -> str | None:
    """ "q = 0.056" (the q-value the words follow), or "p = ..." when only a p-value exists."""
    q, p = _num(row, "q_value"), _num(row, "p_value")
    if q is not None:
        return f"q {format_p(q)}"
    if p is not None:
        return f"p {format_p(p)}"
    return None


def change_sentence(row: Mapping | pd.Series, label: str, *, with_note: bool = False) -> str:
    """One to four short sentences about one metric: its value, the change from the year before,
    and what the test says, in words that follow the numbers. Safe HTML (the label is escaped).

    With `with_note`, the row's `note` (escaped) is added at the end.
    """
    name = _first_upper(html.escape(str(label)))
    kind = _text(row, "kind")
    year = html.escape(_text(row, "year"))
    prev_year = html.escape(_prev_year(row))
    value, prev = _num(row, "value"), _num(row, "prev_value")
    small = _flag(row, "small_numbers")
    sentences: list[str] = []

    if value is None:
        sentences.append(f"{name}: no figure is published for {year}.")
    else:
        ci = _confidence_interval(row)
        if prev is None:
            sentences.append(f"{name} stood at {_fmt(row, value)} in {year}{ci}.")
            sentences.append(f"No figure is published for {prev_year} to compare with.")
        elif value == prev:
            sentences.append(f"{name} stayed at {_fmt(row, value)} in {year}{ci}, the same as in {prev_year}.")
        else:
            rose = value > prev
            verb, direction, noun = ("rose", "up", "rise") if rose else ("fell", "down", "fall")
            if kind == "proportion":
                size = f", {direction} {_percentage_points(value - prev)}"
            else:
                relative = _relative(value, prev)
                size = f", {direction} {relative}" if relative else ""
            sentences.append(
                f"{name} {verb} from {_fmt(row, prev)} in {prev_year} to {_fmt(row, value)} in {year}{ci}{size}."
            )
            q = _num(row, "q_value")
            statistic = _statistic(row)
            if q is not None and q < SIGNIFICANCE:
                if small:
                    sentences.append(
                        f"This {noun} is statistically significant ({statistic}), "
                        "but the numbers are too few to conclude from."
                    )
                else:
                    sentences.append(f"This is a statistically significant {noun} ({statistic}).")
            elif statistic is not None:
                sentences.append(f"This {noun} is within what year-to-year variation would produce ({statistic}).")
            else:
                reason = _not_tested_reason(row)
                sentences.append(
                    f"This {noun} was not tested because {reason}." if reason else f"This {noun} was not tested."
                )
        already_said = any("too few to conclude from" in s for s in sentences)
        if small and not already_said:
            sentences.append("The numbers are too few to conclude from.")

    if _flag(row, "contested"):
        sentences.append(f"The documents give two different values for a figure behind this; see '{DISAGREE_SECTION}'.")
    if _text(row, "numerator_basis") == "from_percentage":
        sentences.append("The count is worked out from the published percentage.")
    note = _text(row, "note")
    if with_note and note:
        sentences.append(f"Note: {html.escape(note)}.")
    return " ".join(sentences)


def verdict_phrase(row: Mapping | pd.Series) -> str:
    """A short phrase for a table column: "statistically significant rise", "statistically
    significant fall", "within normal variation", "too few to conclude from", "not tested" or
    "no earlier year"."""
    value, prev = _num(row, "value"), _num(row, "prev_value")
    if prev is None or value is None:
        return "no earlier year"
    if _flag(row, "small_numbers"):
        return "too few to conclude from"
    q = _num(row, "q_value")
    if q is not None and q < SIGNIFICANCE and value != prev:
        return "statistically significant rise" if value > prev else "statistically significant fall"
    if _statistic(row) is None:
        return "not tested"
    return "within normal variation"


# --- a council-year -------------------------------------------------------------------------------


def _label(metric: str, labels: Mapping[str, str]) -> str:
    label = labels.get(metric)
    if label is None or (isinstance(label, float) and math.isnan(label)) or not str(label).strip():
        return metric.replace("_", " ")
    return str(label)


def headline_sentences(metrics: pd.DataFrame, labels: Mapping[str, str], order: list[str]) -> list[str]:
    """The change sentences for one council-year's rows, for the metrics in `order` that exist
    (missing ones are skipped), each labelled from `labels` (fallback: the metric identifier with
    underscores as spaces)."""
    sentences = []
    for metric in order:
        for _, row in metrics.loc[metrics["metric"] == metric].iterrows():
            sentences.append(change_sentence(row, _label(metric, labels)))
    return sentences


def trace_attr(row: Mapping | pd.Series) -> str:
    """`data-metric="council/year/metric"`: ties a sentence to its row of metrics.csv."""
    key = "/".join(_text(row, column) for column in ("council", "year", "metric"))
    return f'data-metric="{html.escape(key, quote=True)}"'


def sentence_html(row: Mapping | pd.Series, label: str) -> str:
    """`<p data-metric="council/year/metric">sentence</p>`."""
    return f"<p {trace_attr(row)}>{change_sentence(row, label)}</p>"
