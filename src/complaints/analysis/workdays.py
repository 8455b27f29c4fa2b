"""Working days in England, and the statutory clocks.

Working days are Monday to Friday less England's bank holidays, taken from the maintained
`holidays` calendar (including substitute days and one-off holidays such as 19 September 2022).
A complaint's working days are counted after the day of receipt up to and including the day of
response: received on a Monday and answered the next Monday is 5 working days. A complaint
received on a weekend or bank holiday starts on the next working day (docs/domain.md).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

# the widest span of dates (in days) counted from a table: wider, numpy counts each complaint itself
MAX_TABLE_DAYS = 20_000


@lru_cache(maxsize=32)
def bank_holidays(first_year: int, last_year: int) -> np.ndarray:
    """England's bank holidays from 1 January first_year to 31 December last_year (datetime64[D])."""
    import holidays

    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(calendar), dtype="datetime64[D]")


def _days(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]")


def _calendar(*arrays: np.ndarray) -> np.busdaycalendar:
    ends = [a[~np.isnat(a)] for a in arrays]
    ends = [day for a in ends if a.size for day in (a.min(), a.max())]
    years = [int(day.astype("datetime64[Y]").astype(int)) + 1970 for day in ends] or [2000]
    # a year either side, so that a response early in January can roll over the holidays before it
    return np.busdaycalendar(holidays=bank_holidays(min(years) - 1, max(years) + 1))


def working_days(received, responded) -> np.ndarray:
    """Working days taken to respond, element-wise; NaN where either date is missing.

    Counted from a table of the days between the earliest and the latest date (numpy's business-day
    functions once per calendar day, then a look-up per complaint), so ten million complaints take about
    as long as reading their dates; the same counts as np.busday_count, which a much wider span of
    dates (a typing error in a year) still uses.
    """
    start, end = _days(received), _days(responded)
    out = np.full(start.shape, np.nan)
    ok = ~(np.isnat(start) | np.isnat(end))
    if not ok.any():
        return out
    start, end = start[ok], end[ok]
    calendar = _calendar(start, end)
    first = min(start.min(), end.min())
    span = int((max(start.max(), end.max()) - first).astype(int)) + 1
    if span > MAX_TABLE_DAYS:
        clock_starts = np.busday_offset(start, 0, roll="forward", busdaycal=calendar)
        out[ok] = np.maximum(np.busday_count(clock_starts + 1, end + 1, busdaycal=calendar), 0)
        return out
    # the table runs a few weeks past the last date, for the day the clock starts on a holiday after it
    days = first + np.arange(span + 32)
    working = np.is_busday(days, busdaycal=calendar)
    before = np.concatenate(([0], np.cumsum(working)))  # before[k]: working days in [first, first + k)
    # the day each clock starts: the day itself when a working day, else the next working day
    following = np.flatnonzero(working)
    rolled = following[np.searchsorted(following, np.arange(span))]
    a = rolled[(start - first).astype(np.int64)]
    b = (end - first).astype(np.int64)
    # working days in (clock start, end]: before[end + 1] - before[clock start + 1]
    out[ok] = np.maximum(before[b + 1] - before[a + 1], 0)
    return out


def add_working_days(received, days: int) -> np.ndarray:
    """The date by which a response is due: `days` working days after the clock starts."""
    start = _days(received)
    calendar = _calendar(start, start + np.timedelta64(400, "D"))
    clock_starts = np.busday_offset(start, 0, roll="forward", busdaycal=calendar)
    return np.busday_offset(clock_starts, days, roll="forward", busdaycal=calendar)
