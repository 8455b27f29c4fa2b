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


@lru_cache(maxsize=32)
def bank_holidays(first_year: int, last_year: int) -> np.ndarray:
    """England's bank holidays from 1 January first_year to 31 December last_year (datetime64[D])."""
    import holidays

    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(calendar), dtype="datetime64[D]")


def _days(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]")


def _calendar(*arrays: np.ndarray) -> np.busdaycalendar:
    years = [a[~np.isnat(a)].astype("datetime64[Y]").astype(int) + 1970 for a in arrays]
    found = np.concatenate([y for y in years if y.size]) if any(y.size for y in years) else np.array([2000])
    # a year either side, so that a response early in January can roll over the holidays before it
    return np.busdaycalendar(holidays=bank_holidays(int(found.min()) - 1, int(found.max()) + 1))


def working_days(received, responded) -> np.ndarray:
    """Working days taken to respond, element-wise; NaN where either date is missing.

    Vectorised with numpy's business-day functions: a million complaints take well under a second.
    """
    start, end = _days(received), _days(responded)
    out = np.full(start.shape, np.nan)
    ok = ~(np.isnat(start) | np.isnat(end))
    if not ok.any():
        return out
    calendar = _calendar(start[ok], end[ok])
    clock_starts = np.busday_offset(start[ok], 0, roll="forward", busdaycal=calendar)
    # working days in (clock_starts, end]: count [clock_starts + 1, end + 1)
    days = np.busday_count(clock_starts + 1, end[ok] + 1, busdaycal=calendar)
    out[ok] = np.maximum(days, 0)
    return out


def add_working_days(received, days: int) -> np.ndarray:
    """The date by which a response is due: `days` working days after the clock starts."""
    start = _days(received)
    calendar = _calendar(start, start + np.timedelta64(400, "D"))
    clock_starts = np.busday_offset(start, 0, roll="forward", busdaycal=calendar)
    return np.busday_offset(clock_starts, days, roll="forward", busdaycal=calendar)
