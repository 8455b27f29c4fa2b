"""Financial years, 1 April to 31 March, written like 2024-25."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def is_year(text: str) -> bool:
    """A financial year written like 2024-25 (the second part is the year after the first)."""
    match = YEAR_PATTERN.match(text)
    return bool(match) and (int(match.group(1)) + 1) % 100 == int(match.group(2))


def previous_year(year: str) -> str:
    start = int(year[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


def year_bounds(year: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a financial year written 2024-25."""
    start = int(year[:4])
    return pd.Timestamp(start, 4, 1), pd.Timestamp(start + 1, 3, 31)


def financial_year(dates) -> np.ndarray:
    """The financial year (1 April to 31 March) of each date, written 2024-25; '' where missing."""
    dates = pd.DatetimeIndex(pd.to_datetime(dates))
    start = np.where(dates.month < 4, dates.year - 1, dates.year)
    start = np.where(dates.isna(), -1, start).astype(int)
    labels = {s: (f"{s}-{(s + 1) % 100:02d}" if s >= 0 else "") for s in np.unique(start)}
    return pd.Series(start).map(labels).to_numpy(dtype=object)
