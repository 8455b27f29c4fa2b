"""Statistical process control (SPC) for monthly timeliness, from record-level data only.

Follows NHS England's "Making Data Count" (MDC) approach: plot the monthly figure with its
centre line and 3-sigma process limits, and call a month "special cause" variation only when one
of four rules fires. Published annual figures cannot be charted this way: this module needs one row
per complaint.

    monthly_timeliness(records, target_days)   responded / within target / proportion per month
    p_chart(monthly)                            pooled centre line, 2- and 3-sigma limits per month
    xmr_chart(values)                           individuals (XmR) chart: mean +/- 2.66 x mean MR
    run_rules(chart, ...)                       the four MDC rules, one boolean column each
    describe_signals(flags, months)             the signals as plain-English sentences
    before_after(records, change_date)          share within target before vs on/after a date
    spc_chart(chart_frame, flags, title, ...)   the p-chart as a charts.Chart (PNG, alt, table)

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

Text returned by describe_signals and before_after is plain, unescaped text: callers that put it
into HTML must escape it (charts.chart_html does so for chart titles, alt text and tables).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd

from matplotlib.ticker import PercentFormatter

from complaints import charts
from complaints.charts import Chart, _fmt_percent, _join, _new_figure, _plain, _png, _wrap, palette
from complaints.stats import proportion_change_test, wilson_ci
from complaints.workdays import working_days

__all__ = [
    "XMR_CONSTANT",
    "RUN_LENGTH",
    "monthly_timeliness",
    "p_chart",
    "xmr_chart",
    "run_rules",
    "describe_signals",
    "before_after",
    "spc_chart",
]

XMR_CONSTANT = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of 2 (MDC and NHSRplotthedots use 2.66)
RUN_LENGTH = 7  # points in a shift or a trend (MDC)
SMALL = 10  # fewer responses than this in either group: too few to conclude from (METHODS.md)
_ON_LINE = 1e-12

RULE_NAMES = {
    "outside_limits": "beyond a control limit",
    "shift": "shift",
    "trend": "trend",
    "two_of_three": "2 of 3 near a limit",
}


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


def monthly_timeliness(records: pd.DataFrame, target_days: int = 20, date_col: str = "received",
                       days_col: str = "working_days", responded_col: str = "responded") -> pd.DataFrame:
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
    grouped = frame.groupby("month").agg(received=("days", "size"), responded=("responded", "sum"),
                                         within=("within", "sum"))
    months = pd.date_range(frame["month"].min(), frame["month"].max(), freq="MS")
    out = grouped.reindex(months, fill_value=0).rename_axis("month").reset_index()
    for column in ["received", "responded", "within"]:
        out[column] = out[column].astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["proportion"] = np.where(out["responded"] > 0,
                                     out["within"] / out["responded"].where(out["responded"] > 0), np.nan)
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


def _shift_runs(side: np.ndarray) -> list[tuple[int, int, int]]:
    return [(a, b, s) for a, b, s in _runs(side) if b - a + 1 >= RUN_LENGTH]


def _trend_runs(change: np.ndarray) -> list[tuple[int, int, int]]:
    # change[i] compares point i with point i - 1; a run of m equal changes spans m + 1 points
    return [(a - 1, b, s) for a, b, s in _runs(change) if b - a + 2 >= RUN_LENGTH]


def _two_of_three_windows(beyond: np.ndarray, valid: np.ndarray) -> list[tuple[list[int], int]]:
    windows = []
    for i in range(len(beyond) - 2):
        if not valid[i:i + 3].all():
            continue
        for s in (1, -1):
            hits = [j for j in range(i, i + 3) if beyond[j] == s]
            if len(hits) >= 2:
                windows.append((hits, s))
    return windows


def run_rules(chart: pd.DataFrame, value_col: str = "proportion", centre_col: str = "centre",
              upper_col: str = "upper", lower_col: str = "lower", upper2_col: str = "upper2",
              lower2_col: str = "lower2") -> pd.DataFrame:
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
    for a, b, _ in _shift_runs(side):
        shift[a:b + 1] = True
    trend = np.zeros(n, dtype=bool)
    for a, b, _ in _trend_runs(change):
        trend[a:b + 1] = True
    two = np.zeros(n, dtype=bool)
    for hits, _ in _two_of_three_windows(beyond2, valid):
        two[hits] = True

    flags = pd.DataFrame({"outside_limits": outside, "shift": shift, "trend": trend, "two_of_three": two},
                         index=chart.index)
    flags["special_cause"] = flags[["outside_limits", "shift", "trend", "two_of_three"]].any(axis=1)
    flags["side"] = side
    flags["change"] = change
    flags["beyond2"] = beyond2
    flags["has_value"] = valid
    return flags


def _month_name(month, fmt: str = "%B %Y") -> str:
    if isinstance(month, pd.Period):
        month = month.to_timestamp()
    try:
        return pd.Timestamp(month).strftime(fmt)
    except (TypeError, ValueError):
        return str(month)


def describe_signals(flags: pd.DataFrame, months: Sequence, what: str = "the figure") -> list[str]:
    """The signals found by run_rules as plain-English sentences, in time order, e.g.
    "From April 2021 to October 2021, 7 months in a row were below the average: a shift."

    `months` gives the period of each row of `flags` (Timestamps or Periods, same order); `what`
    names the quantity in sentences ("the share answered within 20 working days"). An empty list
    means no special cause: only common-cause variation. The text is not HTML-escaped.
    """
    months = list(months)
    if len(months) != len(flags):
        raise ValueError(f"{len(months)} months given for {len(flags)} rows of flags")
    names = [_month_name(m) for m in months]
    side = flags["side"].to_numpy(dtype=int)
    change = flags["change"].to_numpy(dtype=int)
    beyond2 = flags["beyond2"].to_numpy(dtype=int)
    outside = flags["outside_limits"].to_numpy(dtype=bool)
    two = flags["two_of_three"].to_numpy(dtype=bool)
    valid = flags["has_value"].to_numpy(dtype=bool)
    found: list[tuple[int, int, str]] = []  # (position, order, sentence)

    for s in (1, -1):
        where = [i for i in range(len(flags)) if outside[i] and side[i] == s]
        if where:
            limit = "upper" if s > 0 else "lower"
            listed = _join([names[i] for i in where])
            found.append((where[0], 0, f"In {listed}, {what} was {'above' if s > 0 else 'below'} the "
                                        f"{limit} control limit: special cause variation."))
    for a, b, s in _shift_runs(side):
        found.append((a, 1, f"From {names[a]} to {names[b]}, {b - a + 1} months in a row were "
                            f"{'above' if s > 0 else 'below'} the average: a shift."))
    for a, b, s in _trend_runs(change):
        found.append((a, 2, f"From {names[a]} to {names[b]}, {what} {'rose' if s > 0 else 'fell'} month on "
                            f"month, {b - a + 1} months in a row each {'higher' if s > 0 else 'lower'} "
                            f"than the one before: a trend."))
    for s in (1, -1):
        windows = _two_of_three_windows(beyond2, valid)
        hits = sorted({j for w, ws in windows if ws == s for j in w} & set(np.flatnonzero(two).tolist()))
        # group into episodes: flagged points no more than 2 months apart
        episodes: list[list[int]] = []
        for j in hits:
            if episodes and j - episodes[-1][-1] <= 2:
                episodes[-1].append(j)
            else:
                episodes.append([j])
        limit = "upper" if s > 0 else "lower"
        for ep in episodes:
            found.append((ep[0], 3, f"In {_join([names[j] for j in ep])}, {what} was more than two standard "
                                    f"deviations {'above' if s > 0 else 'below'} the average in at least 2 of "
                                    f"3 months in a row: close to the {limit} control limit."))
    return [sentence for _, _, sentence in sorted(found, key=lambda t: (t[0], t[1]))]


# ---------------------------------------------------------------------------------------------
# Before and after a change


def _day_name(date: pd.Timestamp) -> str:
    return f"{date.day} {date.strftime('%B %Y')}"


def _p_text(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    text = f"{p:.2g}"
    if (p < 0.05) != (float(text) < 0.05):  # never let rounding cross the 0.05 line
        text = f"{p:.4g}"
    return f"p = {text}"


def _points(x: float) -> str:
    v = abs(x) * 100
    return f"{v:.1f}" if 0 < v < 1 else f"{v:.0f}"


def _signed_points(x: float) -> str:
    v = x * 100
    text = f"{v:.1f}" if 0 < abs(v) < 1 else f"{v:.0f}"
    return "0" if float(text) == 0 else text


def before_after(records: pd.DataFrame, change_date, target_days: int = 20, date_col: str = "received",
                 days_col: str = "working_days", responded_col: str = "responded") -> dict:
    """The share of complaints answered within `target_days` working days, for complaints received
    before `change_date` against those received on or after it.

    A single pre-specified comparison: Fisher's exact test and the Newcombe hybrid score interval
    for the difference (after - before), via complaints.stats.proportion_change_test, and Wilson
    intervals for each share. Only answered complaints (a working-days figure) count.

    Returns a dict: change_date, target_days, n_before, k_before, p_before, ci_low_before,
    ci_high_before, the same with _after, difference, diff_ci_low, diff_ci_high, p_value, test,
    too_few (either group has fewer than 10 responses), significant (p < 0.05 and not too_few)
    and sentence. With no responses in a group its share, intervals and p_value are NaN.

    Words: "statistically significant" only when p < 0.05 (one pre-specified test, so no q-value);
    otherwise the difference is "within what chance variation would produce"; with fewer than 10
    responses in either group the sentence says the numbers are too few to conclude from and
    draws no conclusion. The sentence is plain text, not HTML-escaped: callers escape it.
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
        out.update({f"n_{name}": n, f"k_{name}": k, f"p_{name}": k / n if n else math.nan,
                    f"ci_low_{name}": low, f"ci_high_{name}": high})
    n1, k1, n2, k2 = out["n_before"], out["k_before"], out["n_after"], out["k_after"]
    if n1 and n2:
        test = proportion_change_test(k1, n1, k2, n2)
        out.update(difference=test["difference"], diff_ci_low=test["ci_low"], diff_ci_high=test["ci_high"],
                   p_value=test["p_value"], test=test["test"])
    else:
        out.update(difference=math.nan, diff_ci_low=math.nan, diff_ci_high=math.nan, p_value=math.nan,
                   test="Fisher's exact")
    out["too_few"] = n1 < SMALL or n2 < SMALL
    out["significant"] = bool(not out["too_few"] and out["p_value"] < 0.05)

    when_before, when_after = f"Before {_day_name(change)}", f"from {_day_name(change)}"
    timescale = f"within {target_days} working days"

    def share(k: int, n: int, first: bool) -> str:
        if n == 0:
            return "no complaints were answered" if first else "none were answered"
        noun = "response" if n == 1 else "responses"
        return f"{k:,} of {n:,} {noun} ({_fmt_percent(k / n)}) were {timescale}" if first else \
            f"{k:,} of {n:,} ({_fmt_percent(k / n)})"

    parts = [f"{when_before}, {share(k1, n1, True)}; {when_after}, {share(k2, n2, n1 == 0)}."]
    if out["too_few"]:
        parts.append(f"With fewer than {SMALL} responses {'before' if n1 < SMALL else 'after'}"
                     f"{' and after' if n1 < SMALL and n2 < SMALL else ''} the change, the numbers are "
                     "too few to conclude from.")
    else:
        diff = out["difference"]
        if _signed_points(diff) == "0":
            what = "The difference, under half a percentage point"
        else:
            what = f"This {'rise' if diff > 0 else 'fall'} of {_points(diff)} percentage points"
        interval = (f"(95% confidence interval {_signed_points(out['diff_ci_low'])} to "
                    f"{_signed_points(out['diff_ci_high'])} points)")
        p_text = f"Fisher's exact test, {_p_text(out['p_value'])}"
        if out["significant"]:
            parts.append(f"{what} {interval} is statistically significant ({p_text}).")
        else:
            parts.append(f"{what} {interval} is within what chance variation would produce ({p_text}).")
    out["sentence"] = " ".join(parts)
    return out


# ---------------------------------------------------------------------------------------------
# The chart


def _signal_text(row) -> str:
    found = [text for key, text in RULE_NAMES.items() if bool(row[key])]
    return "; ".join(found) if found else "none"


def _stepped(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates for a limit that is flat across each month (x - 0.5 to x + 0.5)."""
    xs = np.concatenate([x - 0.5, [x[-1] + 0.5]])
    ys = np.concatenate([y, [y[-1]]])
    return xs, ys


def spc_chart(chart_frame: pd.DataFrame, flags: pd.DataFrame | None, title: str, label: str,
              target_text: str | None = None, target: float | None = None) -> Chart | None:
    """A p-chart of monthly timeliness as a charts.Chart (PNG, alt text, table of the numbers).

    chart_frame: the output of p_chart (month, responded, within, proportion, centre, lower,
    upper). flags: run_rules on it (computed here if None). `label` names the proportion ("Answered
    within 20 working days"). `target`, a fraction, draws a target line labelled `target_text`
    (default "Target: <pct>"); `target_text` without `target` is added as a note under the chart.

    Monthly points are joined by a line (broken where a month has no responses); the centre line
    is solid; the 3-sigma limits are dashed and stepped, as they widen in months with fewer
    responses; special-cause months are orange diamonds (colour AND marker). None if fewer than
    two months have data.
    """
    if chart_frame is None or len(chart_frame) == 0:
        return None
    frame = chart_frame.reset_index(drop=True)
    y = pd.to_numeric(frame["proportion"], errors="coerce").to_numpy(dtype=float)
    if np.isfinite(y).sum() < 2:
        return None
    if flags is None:
        flags = run_rules(frame)
    flags = flags.reset_index(drop=True)
    months = [pd.Timestamp(m.to_timestamp() if isinstance(m, pd.Period) else m) for m in frame["month"]]
    short = [_month_name(m, "%b %Y") for m in months]
    x = np.arange(len(frame), dtype=float)
    centre = float(frame["centre"].iloc[0])
    lower = frame["lower"].to_numpy(dtype=float)
    upper = frame["upper"].to_numpy(dtype=float)
    special = flags["special_cause"].to_numpy(dtype=bool) & np.isfinite(y)
    has = np.isfinite(y)

    table = pd.DataFrame({
        "Month": short,
        "Responded": frame["responded"].astype(int),
        "Within target": frame["within"].astype(int),
        "Proportion": y,
        "Lower limit": lower,
        "Upper limit": upper,
        "Signal": [_signal_text(row) if h else "no responses" for (_, row), h in zip(flags.iterrows(), has)],
    })
    formats = {"Month": "text", "Responded": "number", "Within target": "number", "Proportion": "percent",
               "Lower limit": "percent", "Upper limit": "percent", "Signal": "text"}

    colours = palette()
    point_colour, special_colour, target_colour = colours[0], colours[1], colours[2]
    line_grey = "#333333"
    with matplotlib.rc_context(charts._RC):
        fig = _new_figure(7.6, 4.8)
        ax = fig.add_subplot()
        xs, ys = _stepped(x, upper * 100)
        ax.plot(xs, ys, drawstyle="steps-post", color="#777777", linestyle="--", linewidth=1.3, zorder=1.5,
                label="Control limits (3 sigma)")
        xs, ys = _stepped(x, lower * 100)
        ax.plot(xs, ys, drawstyle="steps-post", color="#777777", linestyle="--", linewidth=1.3, zorder=1.5)
        ax.axhline(centre * 100, color=line_grey, linewidth=1.6, zorder=1.6,
                   label=_plain(f"Average (centre line): {_fmt_percent(centre)}"))
        if target is not None and math.isfinite(float(target)):
            ax.axhline(float(target) * 100, color=target_colour, linestyle="-.", linewidth=1.8, zorder=1.7,
                       label=_plain(target_text or f"Target: {_fmt_percent(target)}"))
        ax.plot(x, y * 100, color=point_colour, linewidth=1.4, zorder=2)  # NaN months break the line
        common = has & ~special
        ax.plot(x[common], y[common] * 100, linestyle="none", marker="o", markersize=6.5, color=point_colour,
                zorder=3, label=_plain(f"{label}, by month"))
        if special.any():
            ax.plot(x[special], y[special] * 100, linestyle="none", marker="D", markersize=8,
                    color=special_colour, markeredgecolor="#222222", markeredgewidth=0.8, zorder=4,
                    label="Special cause (Making Data Count rules)")
        for i in np.flatnonzero(~has):
            ax.text(x[i], 0.03, "no\nresponses", transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=8, color=charts.FOOTNOTE_COLOUR, style="italic")
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        ax.set_ylabel(_wrap(f"{label} (%)", 40))
        step = max(1, math.ceil(len(x) / 12))
        ticks = x[::step]
        ax.set_xticks(ticks)
        rotate = len(ticks) > 6
        ax.set_xticklabels([short[int(i)] for i in ticks], rotation=45 if rotate else 0,
                           ha="right" if rotate else "center")
        ax.set_xlim(-0.7, len(x) - 0.3)
        ax.set_xlabel("Month of receipt")
        ax.set_title(_wrap(title, 60), loc="left")
        fig.canvas.draw()
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: (not labels[i].endswith("by month"),
                                                          not labels[i].startswith("Special"), i))
        legend = ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper left",
                           bbox_to_anchor=(0, charts._bottom_in_axes(fig, ax) - 0.03), frameon=False, ncol=2,
                           borderaxespad=0)
        notes = ["Control limits: 3 standard deviations either side of the average; they are wider in",
                 "months with fewer responses."]
        if target_text and target is None:
            notes.append(str(target_text))
        charts._footnote(fig, ax, [_plain(n) for n in notes], below=legend)
        png = _png(fig)

    good = np.flatnonzero(has)
    low_i, high_i = good[np.argmin(y[good])], good[np.argmax(y[good])]
    names = [_month_name(m) for m in months]
    total_n = int(frame["responded"].sum())
    parts = [f"Control chart (p-chart): {label}, by month of receipt, {names[0]} to {names[-1]}.",
             f"Average (centre line) {_fmt_percent(centre)} of {total_n:,} responses.",
             f"Monthly values ranged from {_fmt_percent(y[low_i])} in {names[low_i]} to "
             f"{_fmt_percent(y[high_i])} in {names[high_i]}."]
    lo_ok, hi_ok = lower[good], upper[good]
    parts.append(f"3-sigma control limits, which vary with the number of responses: lower "
                 f"{_range_text(lo_ok)}, upper {_range_text(hi_ok)}.")
    if target is not None and math.isfinite(float(target)):
        pct = _fmt_percent(target)
        extra = f" ({target_text})" if target_text and pct not in str(target_text) else ""
        parts.append(f"Target line at {pct}{extra}.")
    elif target_text:
        parts.append(f"{target_text}.".replace("..", "."))
    empty = [names[i] for i in np.flatnonzero(~has)]
    if empty:
        parts.append(f"No responses in {_join(empty)}.")
    sentences = describe_signals(flags, months)
    if sentences:
        parts.append("Signals: " + " ".join(sentences))
    else:
        parts.append("No special cause: every month is within the limits and there is no shift, trend or "
                     "run of months near a limit, so the variation is common cause.")
    return Chart(title=str(title), alt=" ".join(parts), table=table, png=png, formats=formats)


def _range_text(values: np.ndarray) -> str:
    lo, hi = _fmt_percent(np.nanmin(values)), _fmt_percent(np.nanmax(values))
    return lo if lo == hi else f"{lo} to {hi}"
