"""The one small-number rule, used by metrics.csv, the reports, the benchmarking report and the
before/after comparison of a process change (docs/methods.md, "Small numbers").

A figure rests on small numbers when

* a count behind it is under 10: the count itself, the events of a rate (complaints per contact)
  or the numerator of a share; or
* it is a share whose base (its denominator) is under 30.

For a change from one year to the next, the rule is applied to both years: a change rests on small
numbers when either year does. Means and amounts of money are never flagged (they carry no count).

Why these two numbers: with fewer than 10 events a count's relative standard error (1/sqrt(k)) is
over 30%, and the normal approximations behind the over-dispersion tests (docs/methods.md) are
poor; with a base under 30 a share's 95% Wilson interval is about +/-14 percentage points wide or
more wherever the share lies between 20% and 80% (+/-17 at 50%), too wide to say more than
roughly where it lies. Small numbers change the words ("too few to conclude from"), never the test or the
verdict column.
"""

from __future__ import annotations

import math

__all__ = ["RULE", "SMALL_COUNT", "SMALL_DENOMINATOR", "is_small", "is_small_change"]

SMALL_COUNT = 10  # a count (or the events of a rate, or the numerator of a share) under this is small
SMALL_DENOMINATOR = 30  # the base of a share under this is small
RULE = (
    f"a figure rests on small numbers when a count behind it (the count, the events of a rate or the "
    f"numerator of a share) is under {SMALL_COUNT}, or a share's base is under {SMALL_DENOMINATOR}; "
    "a change rests on small numbers when either year does"
)


def _number(x) -> float | None:
    """x as a float, or None when it is missing or not a number."""
    if x is None or isinstance(x, bool):
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def is_small(kind: str, numerator=None, denominator=None) -> bool:
    """Does one figure of this kind rest on small numbers (see the module docstring)?

    `numerator` is the count (for a count: the figure itself; for a rate: the events; for a
    proportion: the numerator), `denominator` the base of a proportion. Missing values are not
    judged: a share published without a count is flagged only on its base.
    """
    k, n = _number(numerator), _number(denominator)
    if kind in ("count", "rate"):
        return k is not None and k < SMALL_COUNT
    if kind == "proportion":
        return (k is not None and k < SMALL_COUNT) or (n is not None and n < SMALL_DENOMINATOR)
    return False


def is_small_change(kind: str, now: tuple, before: tuple) -> bool:
    """Does a change from `before` to `now` rest on small numbers? Each is (numerator, denominator)."""
    return is_small(kind, *now) or is_small(kind, *before)
