"""Financial years, 1 April to 31 March, written like 2024-25.

pandas and numpy are imported only by the functions over dates, so that the command line can
check a --year without them.
"""

from __future__ import annotations

import re

YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def is_year(text: str) -> bool:
    """A financial year written like 2024-25 (the second part is the year after the first)."""
    match = YEAR_PATTERN.match(text)
    return bool(match) and (int(match.group(1)) + 1) % 100 == int(match.group(2))


def previous_year(year: str) -> str:
    start = int(year[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


def year_bounds(year: str):
    """First and last day of a financial year written 2024-25 (pandas Timestamps)."""
    import pandas as pd

    start = int(year[:4])
    return pd.Timestamp(start, 4, 1), pd.Timestamp(start + 1, 3, 31)


def financial_year(dates):
    """The financial year (1 April to 31 March) of each date, written 2024-25; '' where missing (a numpy array)."""
    import numpy as np
    import pandas as pd

    dates = pd.DatetimeIndex(pd.to_datetime(dates))
    start = np.where(dates.month < 4, dates.year - 1, dates.year)
    start = np.where(dates.isna(), -1, start).astype(int)
    labels = {s: (f"{s}-{(s + 1) % 100:02d}" if s >= 0 else "") for s in np.unique(start)}
    return pd.Series(start).map(labels).to_numpy(dtype=object)
