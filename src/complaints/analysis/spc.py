"""Statistical process control (SPC) for monthly timeliness, from record-level data only.

Follows NHS England's "Making Data Count" (MDC) approach: plot the monthly figure with its
centre line and 3-sigma process limits, and call a month "special cause" variation only when one
of four rules fires. Published annual figures cannot be charted this way: this module needs one row
per complaint.

    monthly_timeliness(records, target_days)   responded / within target / proportion per month
    p_chart(monthly)                            pooled centre line, 2- and 3-sigma limits per month
    xmr_chart(values)                           individuals (XmR) chart: mean +/- 2.66 x mean MR
    run_rules(chart, ...)                       the four MDC rules, one boolean column each
    before_after(records, change_date)          share within target before vs on/after a date

The chart, and the signals and comparisons in words, are in complaints.reporting.spc_charts.

The rules (MDC; NHS-R community "NHSRplotthedots", R/ptd_spc_standard.R and
R/ptd_calculate_point_type.R, which implements MDC's "plot the dots"):

(a) outside_limits: a point strictly above the upper or strictly below the lower 3-sigma limit.
    A point exactly on a limit is inside.
(b) shift: 7 or more consecutive points all strictly above, or all strictly below, the centre
    line. Every point of the run is flagged.
(c) trend: 7 or more consecutive points each strictly higher (or each strictly lower) than the
    point before: 7 points, 6 rises. Every point of the run is flagged, including the first. A tie
    (equal consecutive values) ends a trend.
(d) two_of_three: in some window of 3 consecutive points, 2 or 3 are beyond the same 2-sigma limit
    (strictly above the upper 2-sigma line, or strictly below the lower one; a point beyond the
    3-sigma limit also counts, as MDC's "close to or beyond a limit"). The points beyond 2 sigma in
    such a window are flagged; the third point of the window is not (it may lie anywhere).
    NHSRplotthedots additionally requires the third point to be on the same side of the mean and
    counts only points between 2 and 3 sigma; we follow the rule as worded (Western Electric /
    MDC "two out of three"), which is slightly more sensitive.
special_cause = any of the four.

Conventions, chosen and tested:

* A point exactly on the centre line BREAKS a shift and counts for neither side. This is what
  NHSRplotthedots does (relative_to_mean = sign(y - mean); a 0 ends the seven-point run). The IHI
  run-chart convention, where values on the median neither add to nor break a run, is for run
  charts around a median; we do not use it. Breaking the run is the conservative choice: it can
  only remove signals. "On the line" allows for floating-point noise: |y - centre| <= 1e-12 x
  max(1, |centre|). In a p-chart, k/n and the pooled proportion are exact rational numbers
  correctly rounded, so a month whose share equals the average is detected exactly.
* A month with no value (no responses: NaN) breaks every sequence: shifts, trends and the
  3-point windows are only formed from consecutive months that have values, and a month without
  a value is never flagged. "7 months in a row" therefore always means 7 calendar months.
* XmR moving ranges are taken only between adjacent points that both have values (a gap is not
  bridged), as NHSRplotthedots does (mr = abs(diff(y)), mean with na.rm).
* p-chart limits are clipped to [0, 1]; a month with n = 0 has no limits.

Caveat: with hundreds of responses a month, p-chart limits become narrow and between-month
variation beyond the binomial ("over-dispersion") shows as special cause; Laney's p'-chart is the
usual remedy and is not implemented here.

"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .stats import proportion_change_test, wilson_ci
from .workdays import working_days

__all__ = [
    "RUN_LENGTH",
    "XMR_CONSTANT",
    "before_after",
    "monthly_timeliness",
    "p_chart",
    "run_rules",
    "shift_runs",
    "trend_runs",
    "two_of_three_windows",
    "xmr_chart",
]

XMR_CONSTANT = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of 2 (MDC and NHSRplotthedots use 2.66)
RUN_LENGTH = 7  # points in a shift or a trend (MDC)
SMALL = 10  # fewer responses than this in either group: too few to conclude from (docs/methods.md)
_ON_LINE = 1e-12


# ---------------------------------------------------------------------------------------------
# Monthly figures


def _month_start(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.to_period("M").dt.to_timestamp()


def _working_days_of(records: pd.DataFrame, date_col: str, days_col: str, responded_col: str) -> np.ndarray:
    """The records' working days to respond: their `days_col`, or computed from the two dates."""
    if date_col not in records.columns:
        raise ValueError(f"records have no {date_col!r} column (the date of receipt)")
    if days_col in records.columns:
        return pd.to_numeric(records[days_col], errors="coerce").to_numpy(dtype=float)
    if responded_col in records.columns:
        return working_days(records[date_col], records[responded_col])
    raise ValueError(f"records need a {days_col!r} column, or {responded_col!r} dates to compute it from")


def monthly_timeliness(
    records: pd.DataFrame,
    target_days: int = 20,
    date_col: str = "received",
    days_col: str = "working_days",
    responded_col: str = "responded",
) -> pd.DataFrame:
    """Per calendar month of receipt: how many complaints were answered, and how many in time.

    Columns: `month` (first day of the month, a Timestamp), `received` (rows received that
    month), `responded` (rows with a working-days figure), `within` (working days <= target_days)
    and `proportion` (= within / responded; NaN when nothing was answered). Every month from the
    first to the last month of receipt is present, so a month with no responses shows as a gap
    (responded 0, proportion NaN) rather than being closed up.

    Working days come from `days_col`; if the records have no such column they are computed from
    `date_col` and `responded_col` with complaints.workdays.working_days. Rows without a date of
    receipt cannot be placed in a month and are left out.
    """
    days = _working_days_of(records, date_col, days_col, responded_col)
    target_days = int(target_days)
    month = _month_start(records[date_col])
    frame = pd.DataFrame({"month": month.to_numpy(), "days": days})
    frame = frame[frame["month"].notna()]
    columns = ["month", "received", "responded", "within", "proportion"]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "month" else float) for c in columns})
    frame["responded"] = frame["days"].notna()
    frame["within"] = frame["days"] <= target_days  # False for NaN
    grouped = frame.groupby("month").agg(
        received=("days", "size"), responded=("responded", "sum"), within=("within", "sum")
    )
    months = pd.date_range(frame["month"].min(), frame["month"].max(), freq="MS")
    out = grouped.reindex(months, fill_value=0).rename_axis("month").reset_index()
    for column in ["received", "responded", "within"]:
        out[column] = out[column].astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["proportion"] = np.where(
            out["responded"] > 0, out["within"] / out["responded"].where(out["responded"] > 0), np.nan
        )
    return out[columns]


# ---------------------------------------------------------------------------------------------
# Control limits


def p_chart(monthly: pd.DataFrame) -> pd.DataFrame:
    """p-chart limits for the monthly proportions (columns `responded` and `within`).

    centre = pooled proportion p = sum(within) / sum(responded) over all months;
    sigma_i = sqrt(p (1 - p) / n_i); upper/lower = p +/- 3 sigma_i and upper2/lower2 =
    p +/- 2 sigma_i, all clipped to [0, 1]. Months with n_i = 0 keep NaN limits and proportion.
    Returns a copy of `monthly` with `proportion` (recomputed), `centre`, `sigma`, `lower`,
    `upper`, `lower2`, `upper2`. If no month has a response every limit is NaN.

    Reference: Montgomery DC, Introduction to Statistical Quality Control, ch. 7 (p-chart with
    variable sample size); NHS England, Making Data Count.
    """
    for column in ["responded", "within"]:
        if column not in monthly.columns:
            raise ValueError(f"monthly figures need a {column!r} column")
    out = monthly.copy()
    n = pd.to_numeric(out["responded"], errors="coerce").fillna(0).to_numpy(dtype=float)
    k = pd.to_numeric(out["within"], errors="coerce").fillna(0).to_numpy(dtype=float)
    if np.any(n < 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("each month needs 0 <= within <= responded")
    has = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out["proportion"] = np.where(has, k / np.where(has, n, 1.0), np.nan)
        total = n.sum()
        centre = k.sum() / total if total > 0 else np.nan
        sigma = np.where(has, np.sqrt(centre * (1 - centre) / np.where(has, n, 1.0)), np.nan)
    out["centre"] = centre
    out["sigma"] = sigma
    for name, width in [("lower", -3), ("upper", 3), ("lower2", -2), ("upper2", 2)]:
        out[name] = np.clip(centre + width * sigma, 0.0, 1.0)
    return out


def xmr_chart(values: pd.Series) -> pd.DataFrame:
    """Individuals (XmR) chart for a series of values in time order.

    moving_range_i = |x_i - x_{i-1}| where both are present (NaN otherwise: gaps are not bridged);
    centre = mean of the values present; mr_mean = mean of the moving ranges present;
    upper/lower = centre +/- 2.66 mr_mean; upper2/lower2 = centre +/- (2/3) 2.66 mr_mean.
    Limits are not clipped. Returns a DataFrame on the index of `values` with columns `value`,
    `moving_range`, `centre`, `mr_mean`, `lower`, `upper`, `lower2`, `upper2`.

    Worked example: 10, 12, 11, 15, 13 -> centre 12.2, moving ranges 2, 1, 4, 2, mr_mean 2.25,
    upper 12.2 + 2.66 x 2.25 = 18.185.

    Reference: Wheeler DJ, Understanding Variation (2000); NHS England, Making Data Count.
    """
    series = pd.Series(values)
    x = pd.to_numeric(series, errors="coerce").astype(float)
    mr = (x - x.shift(1)).abs()
    centre = float(x.mean()) if x.notna().any() else np.nan
    mr_mean = float(mr.mean()) if mr.notna().any() else np.nan
    out = pd.DataFrame({"value": x, "moving_range": mr}, index=series.index)
    out["centre"] = centre
    out["mr_mean"] = mr_mean
    out["lower"] = centre - XMR_CONSTANT * mr_mean
    out["upper"] = centre + XMR_CONSTANT * mr_mean
    out["lower2"] = centre - (2.0 / 3.0) * XMR_CONSTANT * mr_mean
    out["upper2"] = centre + (2.0 / 3.0) * XMR_CONSTANT * mr_mean
    return out


# ---------------------------------------------------------------------------------------------
# Run rules


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """Maximal runs of equal non-zero labels: (first index, last index, label)."""
    runs = []
    start = None
    for i, label in enumerate(labels):
        if start is not None and label != labels[start]:
            if labels[start] != 0:
                runs.append((start, i - 1, int(labels[start])))
            start = None
        if start is None:
            start = i
    if start is not None and len(labels) and labels[start] != 0:
        runs.append((start, len(labels) - 1, int(labels[start])))
    return runs


def shift_runs(side: np.ndarray) -> list[tuple[int, int, int]]:
    return [(a, b, s) for a, b, s in _runs(side) if b - a + 1 >= RUN_LENGTH]


def trend_runs(change: np.ndarray) -> list[tuple[int, int, int]]:
    # change[i] compares point i with point i - 1; a run of m equal changes spans m + 1 points
    return [(a - 1, b, s) for a, b, s in _runs(change) if b - a + 2 >= RUN_LENGTH]


def two_of_three_windows(beyond: np.ndarray, valid: np.ndarray) -> list[tuple[list[int], int]]:
    windows = []
    for i in range(len(beyond) - 2):
        if not valid[i : i + 3].all():
            continue
        for s in (1, -1):
            hits = [j for j in range(i, i + 3) if beyond[j] == s]
            if len(hits) >= 2:
                windows.append((hits, s))
    return windows


def run_rules(
    chart: pd.DataFrame,
    value_col: str = "proportion",
    centre_col: str = "centre",
    upper_col: str = "upper",
    lower_col: str = "lower",
    upper2_col: str = "upper2",
    lower2_col: str = "lower2",
) -> pd.DataFrame:
    """Flag each point by the Making Data Count rules (see the module docstring for the exact rules
    and conventions). The rows must be in time order, one per period, gaps included as NaN.

    Returns a DataFrame on the chart's index with boolean columns `outside_limits`, `shift`,
    `trend`, `two_of_three` and `special_cause` (any of them), plus the integer columns the
    rules were computed from, which describe_signals reads: `side` (+1 above the centre line,
    -1 below, 0 on it or no value), `change` (+1 higher than the point before, -1 lower, 0 equal
    or either missing), `beyond2` (+1 beyond the upper 2-sigma line, -1 beyond the lower, 0
    neither or no value) and the boolean `has_value`.
    """
    for column in [value_col, centre_col, upper_col, lower_col, upper2_col, lower2_col]:
        if column not in chart.columns:
            raise ValueError(f"chart has no {column!r} column")
    y = pd.to_numeric(chart[value_col], errors="coerce").to_numpy(dtype=float)
    centre = pd.to_numeric(chart[centre_col], errors="coerce").to_numpy(dtype=float)
    upper = pd.to_numeric(chart[upper_col], errors="coerce").to_numpy(dtype=float)
    lower = pd.to_numeric(chart[lower_col], errors="coerce").to_numpy(dtype=float)
    upper2 = pd.to_numeric(chart[upper2_col], errors="coerce").to_numpy(dtype=float)
    lower2 = pd.to_numeric(chart[lower2_col], errors="coerce").to_numpy(dtype=float)
    n = len(y)
    valid = np.isfinite(y)

    with np.errstate(invalid="ignore"):
        diff = y - centre
        on_line = np.abs(diff) <= _ON_LINE * np.maximum(1.0, np.abs(centre))
        side = np.where(valid & np.isfinite(centre) & ~on_line, np.sign(diff), 0).astype(int)
        outside = valid & ((y > upper) | (y < lower))
        beyond2 = np.where(valid & (y > upper2), 1, np.where(valid & (y < lower2), -1, 0)).astype(int)
        change = np.zeros(n, dtype=int)
        if n > 1:
            both = valid[1:] & valid[:-1]
            change[1:] = np.where(both, np.sign(y[1:] - y[:-1]), 0).astype(int)

    shift = np.zeros(n, dtype=bool)
    for a, b, _ in shift_runs(side):
        shift[a : b + 1] = True
    trend = np.zeros(n, dtype=bool)
    for a, b, _ in trend_runs(change):
        trend[a : b + 1] = True
    two = np.zeros(n, dtype=bool)
    for hits, _ in two_of_three_windows(beyond2, valid):
        two[hits] = True

    flags = pd.DataFrame(
        {"outside_limits": outside, "shift": shift, "trend": trend, "two_of_three": two}, index=chart.index
    )
    flags["special_cause"] = flags[["outside_limits", "shift", "trend", "two_of_three"]].any(axis=1)
    flags["side"] = side
    flags["change"] = change
    flags["beyond2"] = beyond2
    flags["has_value"] = valid
    return flags


# ---------------------------------------------------------------------------------------------
# Before and after a change


def before_after(
    records: pd.DataFrame,
    change_date,
    target_days: int = 20,
    date_col: str = "received",
    days_col: str = "working_days",
    responded_col: str = "responded",
) -> dict:
    """The share of complaints answered within `target_days` working days, for complaints received
    before `change_date` against those received on or after it.

    A single pre-specified comparison: Fisher's exact test and the Newcombe hybrid score interval
    for the difference (after - before), via complaints.analysis.stats.proportion_change_test, and Wilson
    intervals for each share. Only answered complaints (a working-days figure) count.

    Returns a dict: change_date, target_days, n_before, k_before, p_before, ci_low_before,
    ci_high_before, the same with _after, difference, diff_ci_low, diff_ci_high, p_value, test,
    too_few (either group has fewer than 10 responses) and significant (p < 0.05 and not too_few).
    With no responses in a group its share, intervals and p_value are NaN. The words are
    complaints.reporting.spc_charts.before_after_sentence.
    """
    days = _working_days_of(records, date_col, days_col, responded_col)
    change = pd.Timestamp(change_date).normalize()
    received = pd.to_datetime(records[date_col], errors="coerce").dt.normalize().to_numpy()
    has_date = ~pd.isna(received)
    answered = has_date & np.isfinite(days)
    after = np.zeros(len(days), dtype=bool)
    after[has_date] = received[has_date] >= change.to_datetime64()
    before = answered & ~after
    after = answered & after
    target_days = int(target_days)
    within = np.where(np.isfinite(days), days <= target_days, False)

    out: dict = {"change_date": change, "target_days": target_days}
    for name, mask in [("before", before), ("after", after)]:
        n, k = int(mask.sum()), int((within & mask).sum())
        low, high = wilson_ci(k, n) if n else (math.nan, math.nan)
        out.update(
            {
                f"n_{name}": n,
                f"k_{name}": k,
                f"p_{name}": k / n if n else math.nan,
                f"ci_low_{name}": low,
                f"ci_high_{name}": high,
            }
        )
    n1, k1, n2, k2 = out["n_before"], out["k_before"], out["n_after"], out["k_after"]
    if n1 and n2:
        test = proportion_change_test(k1, n1, k2, n2)
        out.update(
            difference=test["difference"],
            diff_ci_low=test["ci_low"],
            diff_ci_high=test["ci_high"],
            p_value=test["p_value"],
            test=test["test"],
        )
    else:
        out.update(
            difference=math.nan, diff_ci_low=math.nan, diff_ci_high=math.nan, p_value=math.nan, test="Fisher's exact"
        )
    out["too_few"] = n1 < SMALL or n2 < SMALL
    out["significant"] = bool(not out["too_few"] and out["p_value"] < 0.05)
    return out
