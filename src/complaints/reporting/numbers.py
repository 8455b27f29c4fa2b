"""The one number formatter: every figure in every report, table, chart and sentence is written here.

One figure is rounded one way everywhere: half up, as people round (after removing binary noise
such as 28.499999999999996), never to even. Shares are whole percentages, with one decimal place
strictly between 0% and 1% and between 99% and 100%, so that a small share is never printed as 0%
and an incomplete one never as 100%. Text returned is plain (not HTML-escaped): templates escape it.

    count(1838.0)               "1,838"
    percent(0.4915)             "49%"
    points(0.15)                "15 percentage points"
    per_thousand(0.0179)        "17.9"       (a rate per 1,000 of its exposure)
    money(71608.96)             "£71,608.96" ("£40,630" for whole pounds)
    days(14.25)                 "14.3 days"
    value(x, kind)              any metric's value by its kind ("not published" when empty)
    p_value(0.0075)             "0.0075"     ("< 0.001" below 0.001)
    cell(x, fmt)                a table cell: "number", "percent", "money" or "text" ("–" when empty)
    withheld(status, kind)      a figure the public version withholds: "fewer than 5" or "[c]"

In the public version (complaints.analysis.disclosure) a count of 1 to 4 is shown as "fewer than 5"
(FEWER_THAN) and a figure withheld so that such a count cannot be worked out as "[c]" (WITHHELD_CELL;
"withheld" in a sentence). Both pass through `cell` and `value` unchanged.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..analysis.disclosure import PRIMARY, THRESHOLD

NOT_PUBLISHED = "not published"
MISSING = "–"  # what a table cell shows where there is no number
KINDS = ("count", "proportion", "rate", "mean", "money")
FEWER_THAN = f"fewer than {THRESHOLD}"  # a count of 1 to 4, in the public version
WITHHELD_CELL = "[c]"  # a figure withheld so that a small count cannot be worked out from it
WITHHELD_WORD = "withheld"  # the same, in a sentence
MARKERS = (FEWER_THAN, WITHHELD_CELL, WITHHELD_WORD)


def withheld(status: str, kind: str = "count", *, words: bool = False) -> str:
    """What the public version shows for a withheld figure: a count of 1 to 4 (status 'primary') is
    "fewer than 5"; anything else withheld (a count that would give one away, or a share, interval,
    rate or change resting on one) is "[c]" in a table, "withheld" in a sentence. '' when not withheld."""
    if not status:
        return ""
    if status == PRIMARY and kind == "count":
        return FEWER_THAN
    return WITHHELD_WORD if words else WITHHELD_CELL


def marks(frame, column: str = "suppressed"):
    """The public version's mark on each row of a frame ('primary', 'secondary', or '' where the
    figure is shown or the frame carries no marks)."""
    import pandas as pd

    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=str)
    return frame[column].fillna("").astype(str)


def is_marker(x: Any) -> bool:
    return isinstance(x, str) and x in MARKERS


def as_float(value: Any) -> float | None:
    """A number, or None for an empty cell (None, NaN, '', pandas NA) or text that is not a number."""
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
    return number if math.isfinite(number) else None


def rounded(value: float, places: int) -> Decimal:
    """Round half up, after removing binary noise such as 28.499999999999996."""
    cleaned = Decimal(f"{value:.10f}")
    return cleaned.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value: float, places: int = 0, *, drop_zero: bool = True) -> str:
    """Thousands separators; `places` decimals; a trailing .0 (or .00) dropped if drop_zero."""
    r = rounded(value, places)
    if drop_zero and r == r.to_integral_value():
        r = r.quantize(Decimal(1))
        places = 0
    return f"{r:,.{places}f}"


def percent_number(fraction: float) -> str:
    """A fraction as a percentage without the % sign (see the module docstring for the rule)."""
    pct = abs(fraction) * 100
    if pct == 0:
        return "0"
    if pct < 0.05:
        return "less than 0.1"
    if pct < 1:
        return number(pct, 1, drop_zero=False)
    if 99 < pct < 100:
        if pct >= 99.95:
            return "more than 99.9"
        return number(pct, 1, drop_zero=False)
    return number(pct, 0)


def percent(fraction: float) -> str:
    """'49%'; a negative fraction is 'minus 3%'."""
    return f"{percent_number(fraction)}%" if fraction >= 0 else f"minus {percent_number(fraction)}%"


def points(difference: float) -> str:
    """A difference between two shares: '15 percentage points' ('1 percentage point')."""
    p = percent_number(difference)
    return f"{p} percentage point" if p == "1" else f"{p} percentage points"


def per_thousand(value: float) -> str:
    per = value * 1000
    if 0 < abs(per) < 0.05:
        return "less than 0.1"
    return number(per, 1, drop_zero=False)


def count(value: float) -> str:
    return number(value, 0) if float(value).is_integer() else number(value, 1)


def money(value: float) -> str:
    return "£" + number(value, 2, drop_zero=True) if value >= 0 else "minus £" + number(-value, 2, drop_zero=True)


def days(value: float) -> str:
    text = number(value, 1)
    return f"{text} day" if text == "1" else f"{text} days"


def rate_unit(denominator: str | None) -> str:
    return f"per 1,000 {denominator or 'contacts'}"


def value(x: Any, kind: str, *, denominator: str | None = None) -> str:
    """One figure by the kind of its metric: count '1,234'; proportion '49%'; rate '17.9 per 1,000
    contacts'; money '£71,608.96'; mean '14 days'. Empty: 'not published'. A withheld marker as it is."""
    if is_marker(x):
        return x
    v = as_float(x)
    if v is None:
        return NOT_PUBLISHED
    if kind == "count":
        return count(v)
    if kind == "proportion":
        return percent(v)
    if kind == "rate":
        return f"{per_thousand(v)} {rate_unit(denominator)}"
    if kind == "money":
        return money(v)
    if kind == "mean":
        return days(v)
    raise ValueError(f"unknown kind of metric: {kind!r} (expected one of {', '.join(KINDS)})")


def bare(x: float, kind: str) -> str:
    """A value without a rate's unit (for 'from 12.0 to 17.9 per 1,000 contacts')."""
    return per_thousand(x) if kind == "rate" else value(x, kind)


def interval(low: Any, high: Any, kind: str, *, denominator: str | None = None) -> str:
    """A 95% interval in words for a table ('268 to 337', '40% to 60%'), or '' when there is none.
    Counts keep one decimal place below 10, so that small intervals keep their shape."""
    lo, hi = as_float(low), as_float(high)
    if lo is None or hi is None:
        return ""
    if kind == "count":

        def bound(x: float) -> str:
            return number(x, 1) if abs(x) < 10 else number(x, 0)

        return f"{bound(lo)} to {bound(hi)}"
    if kind == "proportion":
        return f"{percent_number(lo)}% to {percent_number(hi)}%"
    if kind == "rate":
        return f"{per_thousand(lo)} to {per_thousand(hi)} {rate_unit(denominator)}"
    return f"{value(lo, kind)} to {value(hi, kind)}"


def p_value(p: float) -> str:
    """A p- or q-value: '< 0.001' below 0.001, otherwise 2 significant figures, never rounded across
    0.05 (0.0496 is '0.0496', not '0.05')."""
    if p < 0.001:
        return "< 0.001"
    text = f"{p:.2g}"
    if (p < 0.05) != (float(text) < 0.05):
        text = f"{p:.4g}"
    return text


def cell(x: Any, fmt: str) -> str:
    """One table cell as text: fmt is 'number', 'percent', 'money' or 'text'; '–' when empty; a
    withheld marker ("fewer than 5", "[c]") as it is."""
    if is_marker(x):
        return x
    if fmt == "text":
        return MISSING if x is None or (isinstance(x, float) and math.isnan(x)) or _is_na(x) else str(x)
    v = as_float(x)
    if v is None:
        return MISSING
    if fmt == "percent":
        return percent(v)
    if fmt == "money":
        return money(v) if v >= 0 else "-" + money(-v)
    if v == round(v) or abs(v) >= 100:
        return number(v, 0)
    return number(v, 1 if abs(v) >= 1 else 2, drop_zero=False)


def _is_na(x: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(x)) if not isinstance(x, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False
