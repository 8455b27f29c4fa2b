"""Statistical process control (SPC) for monthly timeliness, from record-level data only.

Follows NHS England's "Making Data Count" (MDC) approach as the NHS-R community's NHSRplotthedots
package implements it (R/ptd_spc_standard.R, R/ptd_calculate_point_type.R; its tests in
tests/testthat/test-ptd_calculate_point_type.R are ported to tests/test_spc.py): plot the monthly
figure with its centre line and 3-sigma process limits, and call a month "special cause" variation
only when one of four rules fires. Published annual figures cannot be charted this way: this module
needs one row per complaint.

    monthly_timeliness(records, target_days)   responded / within target / proportion per month
    p_chart(monthly)                            pooled centre line, 2- and 3-sigma limits per month
    laney_p_chart(monthly)                      Laney's p'-chart: p-chart limits x sigma_z
    control_chart(monthly)                      the p'-chart when the denominators are large and the
                                                months over-dispersed, else the p-chart
    chart_capability(monthly)                   can this chart show a signal at all; what it would need
    xmr_chart(values)                           individuals (XmR) chart, moving ranges screened
    run_rules(chart, ...)                       the four MDC rules, one boolean column each
    before_after(records, change_date)          share within target before vs on/after a date

The chart, and the signals and comparisons in words, are in complaints.reporting.spc_charts.

The rules, as NHSRplotthedots implements them:

(a) outside_limits: a point strictly above the upper or strictly below the lower 3-sigma limit.
    A point exactly on a limit is inside.
(b) shift: 7 or more consecutive points all strictly above, or all strictly below, the centre
    line (relative_to_mean = sign(y - mean); a 0 ends the run). Every point of the run is flagged.
(c) trend: 7 or more consecutive points each strictly higher (or each strictly lower) than the
    point before: 7 points, 6 rises. Every point of the run is flagged, including the first. A tie
    (equal consecutive values) ends a trend.
(d) two_of_three: in some window of 3 consecutive points, at least 2 are "close to the limits" and
    all 3 are on the same side of the centre line (none on it). A point is close to the limits when
    it is beyond a 2-sigma line but not beyond the 3-sigma limit (close_to_limits = !outside_limits &
    (y < lower2 | y > upper2); a point beyond 3 sigma is rule (a), not (d)). Only the close points
    of such a window are flagged (ptd_part_of_two_in_three). Until December 2026 this project
    followed the Western Electric wording (third point anywhere, points beyond 3 sigma counting); it
    now follows NHSRplotthedots, the reference implementation of NHS England's rules.
special_cause = any of the four.

Conventions, chosen and tested:

* A point exactly on the centre line BREAKS a shift and counts for neither side, as in
  NHSRplotthedots (sign(y - mean) = 0). "On the line" allows for floating-point noise:
  |y - centre| <= 1e-12 x max(1, |centre|).
* A month with no value (no responses: NaN) breaks every sequence: shifts, trends and the
  3-point windows are only formed from consecutive months that have values, and a month without
  a value is never flagged. (NHSRplotthedots asks for a series with no gaps.)
* XmR moving ranges are taken only between adjacent points that both have values (a gap is not
  bridged), and are screened as NHSRplotthedots does by default (screen_outliers = TRUE): a moving
  range of 3.267 x the mean moving range or more is left out and the mean recomputed before the
  limits are set (Nelson LS (1982) J Qual Technol 14:172-173; 3.267 = D4 for ranges of 2).
* p-chart limits are clipped to [0, 1]; a month with n = 0 has no limits.
* With hundreds of responses a month, p-chart limits become narrow and between-month variation
  beyond the binomial ("over-dispersion") shows as special cause. control_chart then uses Laney's
  p'-chart (Laney DB (2002) Improved control charts for attributes. Quality Engineering
  14:531-537): the binomial sigma of each month times sigma_z, the spread of the months' z-scores
  estimated from their average moving range / 1.128.
* A chart with fewer than 12 months of values gives only trial limits (NHSRplotthedots warns so,
  ptd_add_short_group_warnings), and a month with too few responses has 3-sigma limits wider than
  the whole 0-1 range, so nothing that month can fall outside them: chart_capability says whether
  a chart can show a signal at all and what it would need. Reports never call the variation of
  such a chart "what a stable process produces".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .small_numbers import SMALL_COUNT, SMALL_DENOMINATOR, is_small
from .stats import proportion_change_test, wilson_ci
from .workdays import working_days

__all__ = [
    "LANEY_MIN_MEAN_RESPONSES",
    "MIN_POINTS",
    "MR_SCREEN",
    "RUN_LENGTH",
    "SMALL",
    "SMALL_DENOMINATOR",
    "XMR_CONSTANT",
    "before_after",
    "chart_capability",
    "control_chart",
    "laney_p_chart",
    "monthly_timeliness",
    "p_chart",
    "run_rules",
    "shift_runs",
    "trend_runs",
    "two_in_three",
    "two_in_three_windows",
    "two_of_three_windows",
    "xmr_chart",
]

XMR_CONSTANT = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of 2 (MDC and NHSRplotthedots use 2.66)
D2 = 1.128  # expected moving range of two standard normal points
MR_SCREEN = 3.267  # D4 for moving ranges of 2: larger moving ranges are screened out (NHSRplotthedots)
RUN_LENGTH = 7  # points in a shift or a trend (MDC)
MIN_POINTS = 12  # fewer months with values give only trial limits (NHSRplotthedots)
LANEY_MIN_MEAN_RESPONSES = 50  # the p'-chart is used only with at least this many responses a month on average
SMALL = SMALL_COUNT  # kept for callers: the small-number rule is complaints.analysis.small_numbers
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


def laney_p_chart(monthly: pd.DataFrame) -> pd.DataFrame:
    """Laney's p'-chart: the p-chart's limits widened (or narrowed) by sigma_z.

    z_i = (p_i - p) / sigma_i for months with responses (p and sigma_i as in p_chart); sigma_z =
    mean moving range of the z_i (between consecutive months that both have values) / 1.128; limits
    p +/- 3 sigma_i sigma_z (and 2 sigma_i sigma_z), clipped to [0, 1]. Returns p_chart's columns with
    `sigma` = sigma_i sigma_z and `sigma_z`. With fewer than two months of values, or p at 0 or 1,
    sigma_z is NaN and the limits are the p-chart's.

    Reference: Laney DB (2002) Improved control charts for attributes. Quality Engineering
    14:531-537.
    """
    out = p_chart(monthly)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (out["proportion"] - out["centre"]) / out["sigma"]
    z = z.where(np.isfinite(z))
    mr = (z - z.shift(1)).abs()
    sigma_z = float(mr.mean() / D2) if mr.notna().any() else np.nan
    out["sigma_z"] = sigma_z
    if np.isfinite(sigma_z):
        out["sigma"] = out["sigma"] * sigma_z
        for name, width in [("lower", -3), ("upper", 3), ("lower2", -2), ("upper2", 2)]:
            out[name] = np.clip(out["centre"] + width * out["sigma"], 0.0, 1.0)
    return out


def control_chart(monthly: pd.DataFrame) -> pd.DataFrame:
    """The chart to draw for monthly shares: Laney's p'-chart when the months have at least
    LANEY_MIN_MEAN_RESPONSES responses on average and sigma_z > 1 (over-dispersed), else the p-chart.
    The returned frame has a `chart` column: "p'" or "p"."""
    laney = laney_p_chart(monthly)
    n = pd.to_numeric(monthly["responded"], errors="coerce").fillna(0)
    mean_n = float(n[n > 0].mean()) if (n > 0).any() else 0.0
    sigma_z = float(laney["sigma_z"].iloc[0]) if len(laney) else np.nan
    if mean_n >= LANEY_MIN_MEAN_RESPONSES and np.isfinite(sigma_z) and sigma_z > 1.0:
        return laney.assign(chart="p'")
    return p_chart(monthly).assign(chart="p")


def chart_capability(monthly: pd.DataFrame, min_points: int = MIN_POINTS) -> dict:
    """Can a chart of these monthly shares show a signal at all, and if not, what would it need?

    Returns a dict:
      points            months with at least one response
      points_needed     min_points (12: fewer give only trial limits)
      median_responses  the median number of responses in those months
      responses_needed  the fewest responses for which a month's 3-sigma limits do not both lie
                        outside the 0-1 range at the chart's centre p, so that the month can fall
                        beyond a limit: the smallest n > 9 min(p/(1 - p), (1 - p)/p) (NaN when p is 0 or 1)
      blind_months      months whose 3-sigma limits cover the whole 0-1 range (nothing can fall outside)
      centre            the pooled proportion p
      reasons           [] or any of "too_few_points", "too_few_responses", "no_variation"
      can_show_signal   no reason against it
    Data only: complaints.reporting words it.
    """
    chart = p_chart(monthly)
    n = pd.to_numeric(chart["responded"], errors="coerce").fillna(0).to_numpy(dtype=float)
    has = n > 0
    points = int(has.sum())
    centre = float(chart["centre"].iloc[0]) if len(chart) else np.nan
    median_n = float(np.median(n[has])) if points else 0.0
    reasons = []
    if points < min_points:
        reasons.append("too_few_points")
    if not np.isfinite(centre) or centre <= 0.0 or centre >= 1.0:
        needed = np.nan
        if points:
            reasons.append("no_variation")
    else:
        needed = math.floor(9 * min(centre / (1 - centre), (1 - centre) / centre)) + 1
        if median_n < needed:
            reasons.append("too_few_responses")
    blind = int(((chart["lower"] <= 0.0) & (chart["upper"] >= 1.0) & has).sum())
    return {
        "points": points,
        "points_needed": int(min_points),
        "median_responses": median_n,
        "responses_needed": needed,
        "blind_months": blind,
        "centre": centre,
        "reasons": reasons,
        "can_show_signal": not reasons,
    }


def xmr_chart(values: pd.Series, screen_outliers: bool = True) -> pd.DataFrame:
    """Individuals (XmR) chart for a series of values in time order.

    moving_range_i = |x_i - x_{i-1}| where both are present (NaN otherwise: gaps are not bridged);
    centre = mean of the values present; mr_mean = mean of the moving ranges present, after screening
    (screen_outliers, the default, as in NHSRplotthedots): moving ranges of 3.267 x their mean or more
    are left out and the mean is recomputed; upper/lower = centre +/- 2.66 mr_mean; upper2/lower2 =
    centre +/- (2/3) 2.66 mr_mean. Limits are not clipped. Returns a DataFrame on the index of
    `values` with columns `value`, `moving_range`, `mr_screened_out`, `centre`, `mr_mean`, `lower`,
    `upper`, `lower2`, `upper2`.

    Worked examples: 10, 12, 11, 15, 13 -> centre 12.2, moving ranges 2, 1, 4, 2, mr_mean 2.25
    (none screened), upper 12.2 + 2.66 x 2.25 = 18.185. NHSRplotthedots' vignette: 1, 2, 1, 2, 10,
    1, 2, 1, ... (18 points) gives limits -0.72 to 4.6 screened and -3.06 to 6.95 unscreened.

    Reference: Wheeler DJ, Understanding Variation (2000); Nelson LS (1982) Control charts for
    individual measurements. J Qual Technol 14:172-173; NHS England, Making Data Count.
    """
    series = pd.Series(values)
    x = pd.to_numeric(series, errors="coerce").astype(float)
    mr = (x - x.shift(1)).abs()
    centre = float(x.mean()) if x.notna().any() else np.nan
    mr_mean = float(mr.mean()) if mr.notna().any() else np.nan
    screened = pd.Series(False, index=series.index)
    if screen_outliers and np.isfinite(mr_mean):
        screened = (mr >= MR_SCREEN * mr_mean) & mr.notna()
        kept = mr[~screened]
        mr_mean = float(kept.mean()) if kept.notna().any() else np.nan
    out = pd.DataFrame({"value": x, "moving_range": mr, "mr_screened_out": screened.to_numpy()}, index=series.index)
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


def two_in_three_windows(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """NHSRplotthedots' ptd_two_in_three: 1 for every point of a window of 3 consecutive points with
    at least 2 close to the limits (close != 0) and all 3 on the same side of the centre line
    (|sum of side| = 3); 0 elsewhere. Windows run only over the series (no padding counts)."""
    close = np.abs(np.asarray(close, dtype=float))
    side = np.asarray(side, dtype=float)
    out = np.zeros(len(close))
    for i in range(len(close) - 2):
        if close[i : i + 3].sum() >= 2 and abs(side[i : i + 3].sum()) == 3:
            out[i : i + 3] = 1
    return out


def two_in_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """The points flagged by rule (d): in a two_in_three_windows window and close to the limits
    themselves (NHSRplotthedots' ptd_part_of_two_in_three)."""
    close = np.asarray(close, dtype=float)
    return (two_in_three_windows(close, side) == 1) & (np.abs(close) == 1)


def two_of_three_windows(
    beyond: np.ndarray, valid: np.ndarray, side: np.ndarray | None = None
) -> list[tuple[list[int], int]]:
    """The 3-point windows of rule (d), as (the points close to a limit in it, the side +1/-1).

    `beyond` is +1/-1 for a point beyond the upper/lower 2-sigma line (run_rules' `close_to_limits`
    for the rule itself; its `beyond2` includes points beyond 3 sigma too), `valid` whether a point
    has a value. With `side` (run_rules' `side`), all three points must be on that side of the centre
    line, as NHSRplotthedots requires; callers without it should keep only the points run_rules flags.
    """
    windows = []
    for i in range(len(beyond) - 2):
        if not valid[i : i + 3].all():
            continue
        for s in (1, -1):
            if side is not None and not (np.asarray(side[i : i + 3]) == s).all():
                continue
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
    neither or no value; points beyond 3 sigma included), `close_to_limits` (the same, but only
    points between the 2-sigma line and the 3-sigma limit: rule (d) counts these) and the boolean
    `has_value`.
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
        close = np.where(outside, 0, beyond2).astype(int)
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
    for hits, _ in two_of_three_windows(close, valid, side):
        two[hits] = True

    flags = pd.DataFrame(
        {"outside_limits": outside, "shift": shift, "trend": trend, "two_of_three": two}, index=chart.index
    )
    flags["special_cause"] = flags[["outside_limits", "shift", "trend", "two_of_three"]].any(axis=1)
    flags["side"] = side
    flags["change"] = change
    flags["beyond2"] = beyond2
    flags["close_to_limits"] = close
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
    too_few (either group's share rests on small numbers by the project's one rule,
    complaints.analysis.small_numbers: fewer than 30 responses, or fewer than 10 answered in time) and
    significant (p < 0.05 and not too_few; changes.csv replaces p by its q-value in the BH family).
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
    out["too_few"] = is_small("proportion", k1, n1) or is_small("proportion", k2, n2)
    out["significant"] = bool(not out["too_few"] and out["p_value"] < 0.05)
    return out
