"""Tests for complaints.analysis.spc and complaints.reporting.spc_charts: monthly timeliness, p-chart and XmR
limits, the Making Data Count run rules, the before/after comparison and the SPC chart.

Every rule is tested on hand-built series whose answer is known, at its boundary (6 against 7
points, a point exactly on a limit or on the centre line) and across a month without data. The
run rules are also tested with NHSRplotthedots' own test cases (tests/testthat/
test-ptd_calculate_point_type.R: ptd_seven_point_one_side_mean, ptd_seven_point_trend,
ptd_two_in_three, ptd_part_of_two_in_three) and its vignette's worked XmR example with and without
moving-range screening. The before/after figures are checked against scipy and statsmodels computed
independently.
"""

from __future__ import annotations

import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from complaints.analysis import spc
from complaints.analysis.small_numbers import is_small
from complaints.analysis.spc import (
    monthly_timeliness,
    p_chart,
    run_rules,
    xmr_chart,
)
from complaints.reporting.charts import Chart, chart_html
from complaints.reporting.spc_charts import before_after_sentence, describe_signals, spc_chart


def before_after(*args, **kwargs) -> dict:
    """The numbers (analysis) with their sentence (reporting), as one dict."""
    result = spc.before_after(*args, **kwargs)
    return dict(result, sentence=before_after_sentence(result))


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NAN = math.nan
RULES = ["outside_limits", "shift", "trend", "two_of_three"]


# ---------------------------------------------------------------------------------------------
# Helpers


def unit_chart(values, centre=0.0) -> pd.DataFrame:
    """A chart with fixed limits: centre 0, 2-sigma lines at +/-2, 3-sigma limits at +/-3."""
    values = [float(v) for v in values]
    return pd.DataFrame(
        {
            "value": values,
            "centre": centre,
            "upper": centre + 3.0,
            "lower": centre - 3.0,
            "upper2": centre + 2.0,
            "lower2": centre - 2.0,
        }
    )


def flags_for(values, centre=0.0) -> pd.DataFrame:
    return run_rules(unit_chart(values, centre), value_col="value")


def flagged(values, rule: str, centre=0.0) -> list[int]:
    return list(np.flatnonzero(flags_for(values, centre)[rule].to_numpy()))


def months(n: int, start: str = "2021-04-01") -> list[pd.Timestamp]:
    return list(pd.date_range(start, periods=n, freq="MS"))


def records_from(groups: list[tuple[str, int, int]], target_days: int = 20) -> pd.DataFrame:
    """(date received, number answered within target, number answered late) -> one row per complaint."""
    rows = []
    for date, within, late in groups:
        rows += [{"received": pd.Timestamp(date), "working_days": float(target_days)}] * within
        rows += [{"received": pd.Timestamp(date), "working_days": float(target_days + 1)}] * late
    return pd.DataFrame(rows)


def blocks(mask) -> list[int]:
    """Lengths of the blocks of consecutive True values."""
    out, length = [], 0
    for v in [*list(mask), False]:
        if v:
            length += 1
        elif length:
            out.append(length)
            length = 0
    return out


# ---------------------------------------------------------------------------------------------
# Monthly figures


def test_monthly_timeliness_counts_by_month_of_receipt_and_keeps_empty_months():
    records = pd.DataFrame(
        {
            "received": pd.to_datetime(["2021-04-01", "2021-04-15", "2021-04-30", "2021-06-02", "2021-06-30", None]),
            "working_days": [5.0, 20.0, 21.0, NAN, 3.0, 1.0],
        }
    )
    m = monthly_timeliness(records, target_days=20)
    assert list(m["month"]) == list(pd.to_datetime(["2021-04-01", "2021-05-01", "2021-06-01"]))
    assert list(m["received"]) == [3, 0, 2]
    assert list(m["responded"]) == [3, 0, 1]
    assert list(m["within"]) == [2, 0, 1]  # 20 days is within a 20-day target, 21 is not
    assert m["proportion"].iloc[0] == pytest.approx(2 / 3, abs=1e-12)
    assert math.isnan(m["proportion"].iloc[1])  # May: no responses, kept as a visible gap
    assert m["proportion"].iloc[2] == 1.0


def test_monthly_timeliness_target_is_a_parameter():
    records = pd.DataFrame({"received": pd.to_datetime(["2021-04-01"] * 3), "working_days": [9.0, 10.0, 11.0]})
    assert list(monthly_timeliness(records, target_days=10)["within"]) == [2]
    assert list(monthly_timeliness(records, target_days=20)["within"]) == [3]


def test_monthly_timeliness_computes_working_days_from_dates_when_missing():
    # Monday 3 June 2024 answered Monday 10 June 2024: 5 working days (docs/domain.md)
    records = pd.DataFrame(
        {"received": pd.to_datetime(["2024-06-03", "2024-06-03"]), "responded": pd.to_datetime(["2024-06-10", None])}
    )
    m = monthly_timeliness(records, target_days=5)
    assert list(m["responded"]) == [1] and list(m["within"]) == [1]
    assert list(monthly_timeliness(records, target_days=4)["within"]) == [0]


def test_monthly_timeliness_empty_and_bad_input():
    empty = monthly_timeliness(pd.DataFrame({"received": pd.to_datetime([]), "working_days": []}))
    assert len(empty) == 0 and list(empty.columns) == ["month", "received", "responded", "within", "proportion"]
    with pytest.raises(ValueError):
        monthly_timeliness(pd.DataFrame({"received": pd.to_datetime(["2021-04-01"])}))
    with pytest.raises(ValueError):
        monthly_timeliness(pd.DataFrame({"working_days": [1.0]}))


# ---------------------------------------------------------------------------------------------
# p-chart


def test_p_chart_limits_by_hand():
    monthly = pd.DataFrame({"month": months(4), "responded": [10, 20, 0, 50], "within": [6, 10, 0, 40]})
    chart = p_chart(monthly)
    # pooled p = (6 + 10 + 0 + 40) / (10 + 20 + 0 + 50) = 56 / 80 = 0.7
    assert chart["centre"].iloc[0] == pytest.approx(0.7, abs=1e-12)
    # n = 10: sigma = sqrt(0.7 * 0.3 / 10) = sqrt(0.021) = 0.1449138
    #         upper = 0.7 + 3 * 0.1449138 = 1.1347413 -> clipped to 1
    #         lower = 0.7 - 0.4347413 = 0.2652587; upper2 = 0.7 + 0.2898275 = 0.9898275;
    #         lower2 = 0.4101725
    # n = 20: sigma = sqrt(0.0105) = 0.1024695; upper = 1.0074085 -> 1; lower = 0.3925915;
    #         upper2 = 0.9049390; lower2 = 0.4950610
    # n = 0:  no limits
    # n = 50: sigma = sqrt(0.0042) = 0.0648074; upper = 0.8944222; lower = 0.5055778;
    #         upper2 = 0.8296148; lower2 = 0.5703852
    expected = {
        "sigma": [0.1449138, 0.1024695, NAN, 0.0648074],
        "upper": [1.0, 1.0, NAN, 0.8944222],
        "lower": [0.2652587, 0.3925915, NAN, 0.5055778],
        "upper2": [0.9898275, 0.9049390, NAN, 0.8296148],
        "lower2": [0.4101725, 0.4950610, NAN, 0.5703852],
        "proportion": [0.6, 0.5, NAN, 0.8],
    }
    for column, values in expected.items():
        got = chart[column].to_numpy(dtype=float)
        for g, e in zip(got, values):
            if math.isnan(e):
                assert math.isnan(g), column
            else:
                assert g == pytest.approx(e, abs=5e-8), column
    # the same from the formula itself, to full precision
    assert chart["lower"].iloc[3] == pytest.approx(0.7 - 3 * math.sqrt(0.7 * 0.3 / 50), abs=1e-12)


def test_p_chart_degenerate_and_invalid():
    none = p_chart(pd.DataFrame({"responded": [0, 0], "within": [0, 0]}))
    assert none["centre"].isna().all() and none["upper"].isna().all()
    allin = p_chart(pd.DataFrame({"responded": [5, 8], "within": [5, 8]}))
    assert (allin["upper"] == 1.0).all() and (allin["lower"] == 1.0).all()
    assert not run_rules(allin)["special_cause"].any()  # every point on the centre line
    with pytest.raises(ValueError):
        p_chart(pd.DataFrame({"responded": [5], "within": [6]}))
    with pytest.raises(ValueError):
        p_chart(pd.DataFrame({"responded": [5]}))


# ---------------------------------------------------------------------------------------------
# XmR


def test_xmr_worked_example():
    chart = xmr_chart(pd.Series([10, 12, 11, 15, 13]))
    # mean = 61 / 5 = 12.2; moving ranges 2, 1, 4, 2 -> mean 9 / 4 = 2.25
    assert chart["centre"].iloc[0] == pytest.approx(12.2, abs=1e-9)
    assert list(chart["moving_range"].iloc[1:]) == [2.0, 1.0, 4.0, 2.0]
    assert math.isnan(chart["moving_range"].iloc[0])
    assert chart["mr_mean"].iloc[0] == pytest.approx(2.25, abs=1e-9)
    assert chart["upper"].iloc[0] == pytest.approx(18.185, abs=1e-9)  # 12.2 + 2.66 * 2.25
    assert chart["lower"].iloc[0] == pytest.approx(6.215, abs=1e-9)  # 12.2 - 5.985
    assert chart["upper2"].iloc[0] == pytest.approx(16.19, abs=1e-9)  # 12.2 + (2/3) * 5.985 = 12.2 + 3.99
    assert chart["lower2"].iloc[0] == pytest.approx(8.21, abs=1e-9)


def test_xmr_does_not_bridge_gaps():
    chart = xmr_chart(pd.Series([10.0, NAN, 12.0, 14.0, 13.0]))
    # moving ranges only between neighbours that both have values: |14 - 12| = 2, |13 - 14| = 1
    assert chart["mr_mean"].iloc[0] == pytest.approx(1.5, abs=1e-12)
    assert chart["centre"].iloc[0] == pytest.approx(12.25, abs=1e-12)
    assert chart["moving_range"].isna().sum() == 3


def test_xmr_feeds_run_rules():
    values = pd.Series([10, 11, 10, 11, 10, 11, 10, 11, 30])
    flags = run_rules(xmr_chart(values, screen_outliers=False), value_col="value")
    assert list(np.flatnonzero(flags["outside_limits"])) == [8]
    # screened, the jump to 30 (a moving range of 19, over 3.267 x the mean 3.25) no longer widens
    # the limits: mean 12.67 +/- 2.66 x 1, so the 10s fall below the lower limit too
    screened = xmr_chart(values)
    assert screened["mr_screened_out"].tolist() == [False] * 8 + [True]
    assert screened["mr_mean"].iloc[0] == pytest.approx(1.0)
    flags = run_rules(screened, value_col="value")
    assert list(np.flatnonzero(flags["outside_limits"])) == [0, 2, 4, 6, 8]


# NHSRplotthedots vignette "Screening outliers" (vignettes/intro.Rmd): 18 daily values with one spike.
VIGNETTE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


@pytest.mark.parametrize(
    "screen, upper, lower", [(True, 4.6, -0.72), (False, 6.95, -3.06)], ids=["screened", "unscreened"]
)
def test_xmr_screening_matches_the_nhsrplotthedots_vignette(screen, upper, lower):
    chart = xmr_chart(pd.Series(VIGNETTE), screen_outliers=screen)
    assert round(chart["centre"].iloc[0], 2) == 1.94
    assert round(chart["upper"].iloc[0], 2) == upper
    assert round(chart["lower"].iloc[0], 2) == lower
    # the caption: one special cause point (the 10), the rest common cause
    assert list(np.flatnonzero(run_rules(chart, value_col="value")["special_cause"])) == [4]


def test_xmr_screening_keeps_a_moving_range_just_below_the_cut():
    # moving ranges 1, 1, 1, 2: mean 1.25, cut 3.267 x 1.25 = 4.08; none screened
    chart = xmr_chart(pd.Series([1.0, 2.0, 1.0, 2.0, 4.0]))
    assert not chart["mr_screened_out"].any() and chart["mr_mean"].iloc[0] == pytest.approx(1.25)


# ---------------------------------------------------------------------------------------------
# Rule (a): beyond a 3-sigma limit


def test_outside_limits_is_strict():
    assert flagged([0, 3.0, -3.0, 0], "outside_limits") == []  # on a limit is inside
    assert flagged([0, 3.01, -3.5, 0], "outside_limits") == [1, 2]


# ---------------------------------------------------------------------------------------------
# Rule (b): shift


def test_shift_seven_flags_every_point_six_does_not():
    assert flagged([1] * 7, "shift") == list(range(7))
    assert flagged([1] * 6, "shift") == []
    assert flagged([-1] * 6 + [1], "shift") == []
    assert flagged([1, -1] + [-1] * 6 + [1], "shift") == list(range(1, 8))  # exactly the run
    assert flagged([-1] * 8 + [1] * 7, "shift") == list(range(15))  # two adjacent shifts


def test_point_on_centre_line_breaks_a_shift():
    # convention (NHSRplotthedots, sign(y - mean) == 0): a point on the centre line ends the run
    assert flagged([1] * 6 + [0] + [1] * 6, "shift") == []
    assert flagged([1] * 3 + [0] + [1] * 7, "shift") == list(range(4, 11))
    # "on the line" survives floating-point noise: 0.1 + 0.2 is not exactly 0.3
    chart = pd.DataFrame(
        {
            "value": [0.4] * 3 + [0.3] + [0.4] * 3,
            "centre": 0.1 + 0.2,
            "upper": 1.0,
            "lower": 0.0,
            "upper2": 0.9,
            "lower2": 0.1,
        }
    )
    assert not run_rules(chart, value_col="value")["shift"].any()


def test_nan_month_breaks_a_shift_and_is_never_flagged():
    assert flagged([1] * 3 + [NAN] + [1] * 4, "shift") == []
    assert flagged([1] * 7 + [NAN], "shift") == list(range(7))
    flags = flags_for([NAN] * 3)
    assert not flags[[*RULES, "special_cause"]].to_numpy().any()


# ---------------------------------------------------------------------------------------------
# Rule (c): trend


def test_trend_seven_points_six_rises():
    rising7 = [-0.6, -0.4, -0.2, 0.1, 0.2, 0.4, 0.6]  # crosses the centre: no shift
    assert flagged(rising7, "trend") == list(range(7))
    assert flagged(rising7[:6], "trend") == []
    falling7 = rising7[::-1]
    assert flagged(falling7, "trend") == list(range(7))
    assert flagged([0.3, *falling7[1:]], "trend") == []  # a rise, then 6 points with 5 falls
    assert flags_for(rising7)["shift"].sum() == 0


def test_ties_and_nan_break_a_trend():
    assert flagged([-0.6, -0.4, -0.2, -0.2, 0.2, 0.4, 0.6, 0.8], "trend") == []
    assert flagged([-0.6, -0.4, -0.2, NAN, 0.2, 0.4, 0.6, 0.8], "trend") == []
    assert flagged([-0.6, -0.4, -0.2, 0.0, 0.2, 0.4, 0.6, 0.7, 0.7], "trend") == list(range(8))


def test_trend_up_then_down_shares_the_peak():
    values = [0.1 * i - 0.3 for i in range(7)] + [0.3 - 0.1 * i for i in range(1, 7)]
    assert flagged(values, "trend") == list(range(13))
    sentences = describe_signals(flags_for(values), months(13))
    assert sentences[0].startswith("From April 2021 to October 2021, the figure rose")
    assert sentences[1].startswith("From October 2021 to April 2022, the figure fell")


# ---------------------------------------------------------------------------------------------
# Rule (d): two of three close to a limit, all three on one side (NHSRplotthedots)


def test_two_of_three_positive_and_negative():
    assert flagged([2.5, 0.5, 2.5], "two_of_three") == [0, 2]  # the middle point is not flagged
    assert flagged([0.5, 2.5, 2.6, 0.5], "two_of_three") == [1, 2]
    assert flagged([-2.5, -2.1, -2.9], "two_of_three") == [0, 1, 2]
    assert flagged([2.5, 0.5, 0.5, 2.5], "two_of_three") == []  # 2 of 4
    assert flagged([2.5, -2.5, 0.5], "two_of_three") == []  # opposite sides
    assert flagged([2.0, 2.5, 0.5], "two_of_three") == []  # on the 2-sigma line is not beyond
    assert flagged([2.5], "two_of_three") == [] and flagged([2.5, 2.5], "two_of_three") == []


def test_two_of_three_third_point_on_the_same_side_and_beyond_three_sigma_not_counted():
    # NHSRplotthedots: all three points on one side of the mean (none on it) ...
    assert flagged([2.5, -1, 2.5], "two_of_three") == []
    assert flagged([2.5, 0, 2.5], "two_of_three") == []  # on the centre line is on neither side
    assert flagged([0, 2.5, 2.6, 0], "two_of_three") == []
    # ... and only points between 2 and 3 sigma count: beyond 3 sigma is rule (a)
    flags = flags_for([2.5, 3.5, 0.5])
    assert not flags["two_of_three"].any()
    assert list(np.flatnonzero(flags["outside_limits"])) == [1]
    assert list(flags["close_to_limits"]) == [1, 0, 0] and list(flags["beyond2"]) == [1, 1, 0]
    assert flagged([2.5, 3.0, 0.5], "two_of_three") == [0, 1]  # exactly on the 3-sigma limit is inside


def test_two_of_three_needs_three_consecutive_months_with_values():
    assert flagged([2.5, NAN, 2.5], "two_of_three") == []
    assert flagged([NAN, 2.5, 2.5, NAN], "two_of_three") == []
    assert flagged([0.5, 2.5, 2.5, NAN], "two_of_three") == [1, 2]


# NHSRplotthedots' own test cases (tests/testthat/test-ptd_calculate_point_type.R), with its
# vectors: close_to_limits (1 close, 0 not) and relative_to_mean (+1 / -1).
@pytest.mark.parametrize(
    "close, side, windows",
    [
        ([], [], []),
        ([1, 0, 1], [1, 1, 1], [1, 1, 1]),
        ([0, 1, 1], [1, 1, 1], [1, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 1]),
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 1, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 1, 1, 1, 1, 0, 0]),
        # "when points are on opposite sides of the mean"
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
        ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
        ([1, 1, 0], [1, -1, 1], [0, 0, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
        ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
    ],
)
def test_ptd_two_in_three_cases(close, side, windows):
    assert list(spc.two_in_three_windows(close, side)) == windows


@pytest.mark.parametrize(
    "close, flagged_points",
    [
        ([], []),
        ([1, 0, 1], [1, 0, 1]),
        ([0, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0]),
        ([1, 0, 0, 1], [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
    ],
)
def test_ptd_part_of_two_in_three_cases(close, flagged_points):
    side = [1] * len(close)
    assert [int(x) for x in spc.two_in_three(close, side)] == flagged_points


@pytest.mark.parametrize(
    "side, expected",
    [
        ([1] * 6, []),
        ([1] * 6 + [-1], []),
        ([1] * 8 + [-1], list(range(8))),
        ([-1] * 8 + [1], list(range(8))),
        ([-1] + [1] * 8 + [-1], list(range(1, 9))),
        ([1] + [-1] * 8 + [1], list(range(1, 9))),
    ],
)
def test_ptd_seven_point_one_side_mean_cases(side, expected):
    # ptd_seven_point_one_side_mean flags the 7th point on; ptd_part_of_seven_trend the whole run
    assert flagged(side, "shift") == expected


@pytest.mark.parametrize(
    "values, expected",
    [
        (list(range(1, 7)), []),
        ([1, 2, 3, 3, 4, 5, 6], []),
        (list(range(1, 8)), list(range(7))),
        ([2, *range(1, 8), 3], list(range(1, 8))),
        (list(range(7, 0, -1)), list(range(7))),
        ([2, *range(7, 0, -1), 3], list(range(1, 8))),
    ],
)
def test_ptd_seven_point_trend_cases(values, expected):
    chart = unit_chart([0.0] * len(values)).assign(value=[float(v) for v in values], upper=99.0, lower=-99.0)
    chart = chart.assign(upper2=98.0, lower2=-98.0, centre=4.0)
    assert list(np.flatnonzero(run_rules(chart, value_col="value")["trend"])) == expected


def test_special_cause_is_any_rule_and_frame_shape():
    values = [0, 0.5, -0.5, 0.5, 3.5, -0.5, 0.5, -0.5, 0.5]
    flags = flags_for(values)
    assert list(flags.columns[:5]) == [*RULES, "special_cause"]
    assert all(flags[c].dtype == bool for c in [*RULES, "special_cause"])
    assert list(np.flatnonzero(flags["special_cause"])) == [4]
    assert (flags["special_cause"] == flags[RULES].any(axis=1)).all()
    assert list(flags["side"]) == [0, 1, -1, 1, 1, -1, 1, -1, 1]
    chart = unit_chart(values).set_index(pd.Index(list("abcdefghi")))
    assert list(run_rules(chart, value_col="value").index) == list("abcdefghi")


def test_run_rules_on_a_p_chart_with_defaults():
    monthly = pd.DataFrame({"month": months(9), "responded": [40] * 9, "within": [20, 20, 20, 20, 20, 20, 20, 38, 20]})
    flags = run_rules(p_chart(monthly))
    assert flags["outside_limits"].iloc[7]
    assert flags["shift"].iloc[:7].all() and not flags["shift"].iloc[7:].any()


def test_run_rules_missing_column():
    with pytest.raises(ValueError):
        run_rules(unit_chart([1, 2, 3]))  # default value column "proportion" is absent


# ---------------------------------------------------------------------------------------------
# Sentences


def test_describe_shift_sentence_exactly():
    flags = flags_for([-1] * 7 + [1, -1])
    assert describe_signals(flags, months(9)) == [
        "From April 2021 to October 2021, 7 months in a row were below the average: a shift."
    ]


def test_describe_each_rule_and_order():
    values = [0.5, 3.5, -0.5, 0.5, -0.5, 2.5, 0.5, 2.5, -0.5]
    sentences = describe_signals(flags_for(values), months(9), what="the share answered in time")
    assert sentences == [
        "In May 2021, the share answered in time was above the upper control limit: special cause variation.",
        "In September 2021 and November 2021, the share answered in time was more than two standard "
        "deviations above the average in at least 2 of 3 months in a row: close to the upper control limit.",
    ]
    assert describe_signals(flags_for([0.5, -0.5] * 5), months(10)) == []
    periods = pd.period_range("2021-04", periods=7, freq="M")
    assert describe_signals(flags_for([1] * 7), periods)[0].startswith("From April 2021 to October 2021")
    with pytest.raises(ValueError):
        describe_signals(flags_for([1] * 7), months(6))


# ---------------------------------------------------------------------------------------------
# Before and after


def test_before_after_matches_scipy_and_statsmodels():
    records = records_from(
        [
            ("2022-01-10", 30, 20),
            ("2022-03-31", 5, 5),  # before: 35 of 60
            ("2022-04-01", 40, 5),
            ("2022-06-01", 8, 2),
        ]
    )  # on/after: 48 of 55
    result = before_after(records, "2022-04-01")
    assert (result["k_before"], result["n_before"], result["k_after"], result["n_after"]) == (35, 60, 48, 55)
    table = [[48, 55 - 48], [35, 60 - 35]]
    assert result["p_value"] == pytest.approx(sps.fisher_exact(table).pvalue, rel=1e-12)
    low, high = confint_proportions_2indep(48, 55, 35, 60, method="newcomb", compare="diff")
    assert result["difference"] == pytest.approx(48 / 55 - 35 / 60, abs=1e-12)
    assert result["diff_ci_low"] == pytest.approx(low, abs=1e-9)
    assert result["diff_ci_high"] == pytest.approx(high, abs=1e-9)
    for k, n, name in [(35, 60, "before"), (48, 55, "after")]:
        wl, wh = proportion_confint(k, n, method="wilson")
        assert result[f"ci_low_{name}"] == pytest.approx(wl, abs=1e-9)
        assert result[f"ci_high_{name}"] == pytest.approx(wh, abs=1e-9)
    assert result["p_value"] < 0.05 and result["significant"] and not result["too_few"]
    p = result["p_value"]
    assert 0.0001 < p < 0.001
    assert result["sentence"] == (
        "Before 1 April 2022, 35 of 60 responses (58%) were within 20 working days; from 1 April 2022, "
        "48 of 55 (87%). This rise of 29 percentage points (95% confidence interval "
        f"{low * 100:.0f} to {high * 100:.0f} points) is statistically significant (Fisher's exact test, "
        "p < 0.001)."
    )
    moderate = before_after(records_from([("2022-01-10", 30, 20), ("2022-05-01", 40, 10)]), "2022-04-01")
    assert 0.001 < moderate["p_value"] < 0.05
    assert f"(Fisher's exact test, p = {moderate['p_value']:.2g})" in moderate["sentence"]
    assert "statistically significant" in moderate["sentence"]


def test_before_after_no_significance_claim_when_p_at_least_005():
    records = records_from([("2022-01-10", 30, 20), ("2022-05-01", 32, 18)])
    result = before_after(records, pd.Timestamp("2022-04-01"))
    assert result["p_value"] >= 0.05 and not result["significant"]
    assert "significant" not in result["sentence"].lower()
    assert "within what chance variation would produce" in result["sentence"]


def test_before_after_small_numbers():
    records = records_from([("2022-01-10", 1, 8), ("2022-05-01", 30, 0)])  # 9 before: too few
    result = before_after(records, "2022-04-01")
    assert result["too_few"] and not result["significant"]
    assert result["p_value"] < 0.05  # the test alone would say otherwise
    assert "too few to conclude from" in result["sentence"]
    assert "significant" not in result["sentence"].lower()
    # the one small-number rule (complaints.analysis.small_numbers): a share rests on small numbers
    # with a base under 30 or fewer than 10 in it; 30 in each group, 10 or more in time, is enough
    assert before_after(records_from([("2022-01-10", 10, 19), ("2022-05-01", 29, 0)]), "2022-04-01")["too_few"]
    assert before_after(records_from([("2022-01-10", 9, 21), ("2022-05-01", 30, 0)]), "2022-04-01")["too_few"]
    ok = before_after(records_from([("2022-01-10", 10, 20), ("2022-05-01", 30, 0)]), "2022-04-01")
    assert not ok["too_few"] and "too few" not in ok["sentence"]


def test_before_after_empty_group_and_unanswered_rows():
    records = records_from([("2022-05-01", 12, 3)])
    records.loc[len(records)] = {"received": pd.Timestamp("2022-01-01"), "working_days": NAN}
    result = before_after(records, "2022-04-01", target_days=20)
    assert result["n_before"] == 0 and math.isnan(result["p_value"]) and math.isnan(result["p_before"])
    assert result["too_few"] and "too few to conclude from" in result["sentence"]
    assert result["sentence"].startswith(
        "Before 1 April 2022, no complaints were answered; from 1 April 2022, "
        "12 of 15 responses (80%) were within 20 working days."
    )


def test_before_after_change_date_is_inclusive_and_target_used():
    records = pd.DataFrame(
        {"received": pd.to_datetime(["2022-03-31 16:00", "2022-04-01 09:30"]), "working_days": [10.0, 11.0]}
    )
    result = before_after(records, "2022-04-01", target_days=10)
    assert (result["n_before"], result["k_before"], result["n_after"], result["k_after"]) == (1, 1, 1, 0)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))
def test_before_after_words_follow_the_numbers(k1, late1, k2, late2):
    records = records_from([("2022-01-10", k1, late1), ("2022-06-10", k2, late2)])
    if len(records) == 0:
        return
    result = before_after(records, "2022-04-01")
    says_significant = "significant" in result["sentence"].lower()
    small = is_small("proportion", k1, k1 + late1) or is_small("proportion", k2, k2 + late2) or not (k1 + late1)
    small = small or not (k2 + late2)
    assert result["too_few"] == small
    assert says_significant == (not small and result["p_value"] < 0.05)
    assert ("too few to conclude from" in result["sentence"]) == small


# ---------------------------------------------------------------------------------------------
# The chart


def shifted_monthly() -> pd.DataFrame:
    within = [12, 11, 13, 12, 11, 12, 13, 12, 25, 26, 24, 25, 26, 25, 24, 26]
    return pd.DataFrame({"month": months(16), "responded": [30] * 16, "within": within})


def test_spc_chart_none_with_fewer_than_two_months_of_data():
    one = p_chart(pd.DataFrame({"month": months(1), "responded": [10], "within": [6]}))
    assert spc_chart(one, None, "T", "Answered in time") is None
    gap = p_chart(pd.DataFrame({"month": months(3), "responded": [10, 0, 0], "within": [6, 0, 0]}))
    assert spc_chart(gap, run_rules(gap), "T", "Answered in time") is None
    assert spc_chart(pd.DataFrame(), None, "T", "x") is None


def test_spc_chart_png_alt_and_table():
    chart_frame = p_chart(shifted_monthly())
    flags = run_rules(chart_frame)
    title = 'Answered within 20 working days <script>alert("x")</script>'
    chart = spc_chart(
        chart_frame, flags, title, "Answered within 20 working days", target_text="Target: 80%", target=0.8
    )
    assert isinstance(chart, Chart)
    assert chart.png.startswith(PNG_MAGIC)
    assert plt.get_fignums() == [], "spc_chart left a matplotlib figure open"
    centre = (96 + 201) / 480  # (12+11+13+12+11+12+13+12) + (25+26+24+25+26+25+24+26), 16 months x 30
    assert f"Average (centre line) {round(centre * 100)}% of 480 responses" in chart.alt
    assert "April 2021 to July 2022" in chart.alt
    assert "From April 2021 to November 2021, 8 months in a row were below the average: a shift." in chart.alt
    assert "Target line at 80%" in chart.alt
    assert list(chart.table.columns) == [
        "Month",
        "Responded",
        "Within target",
        "Proportion",
        "Lower limit",
        "Upper limit",
        "Signal",
    ]
    assert list(chart.table["Month"][:2]) == ["Apr 2021", "May 2021"]
    assert chart.table["Proportion"].to_numpy() == pytest.approx(chart_frame["proportion"].to_numpy())
    assert chart.table["Upper limit"].to_numpy() == pytest.approx(chart_frame["upper"].to_numpy())
    assert chart.table["Signal"].iloc[0] == "shift; 2 of 3 near a limit"
    html = chart_html(chart)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_spc_chart_with_gap_month_and_no_signals():
    monthly = pd.DataFrame({"month": months(5), "responded": [20, 20, 0, 20, 20], "within": [10, 11, 0, 10, 11]})
    chart_frame = p_chart(monthly)
    chart = spc_chart(chart_frame, None, "Stable", "Answered in time")
    assert chart is not None and chart.png.startswith(PNG_MAGIC)
    assert "No responses in June 2021." in chart.alt
    assert "No special cause" in chart.alt
    assert chart.table["Signal"].iloc[2] == "no responses"
    assert plt.get_fignums() == []


def test_spc_chart_from_records_end_to_end(tmp_path):
    rng = np.random.default_rng(1)
    rows = []
    for i, month in enumerate(months(20)):
        p = 0.5 if i < 10 else 0.85
        for _ in range(30):
            rows.append(
                {
                    "received": month + pd.Timedelta(days=int(rng.integers(0, 27))),
                    "working_days": float(rng.integers(1, 20) if rng.random() < p else rng.integers(21, 40)),
                }
            )
    monthly = monthly_timeliness(pd.DataFrame(rows))
    chart_frame = p_chart(monthly)
    flags = run_rules(chart_frame)
    assert flags["special_cause"].any()
    chart = spc_chart(chart_frame, flags, "Example", "Answered within 20 working days")
    (tmp_path / "spc.png").write_bytes(chart.png)
    assert chart.png.startswith(PNG_MAGIC) and plt.get_fignums() == []


# ---------------------------------------------------------------------------------------------
# Properties


counts = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=1, max_size=30).map(
    lambda pairs: [(min(a, b), max(a, b)) for a, b in pairs]
)


@settings(max_examples=150, deadline=None)
@given(counts)
def test_p_chart_limits_contain_centre_and_stay_in_unit_interval(pairs):
    monthly = pd.DataFrame({"within": [k for k, _ in pairs], "responded": [n for _, n in pairs]})
    chart = p_chart(monthly)
    has = chart["responded"] > 0
    if not has.any():
        assert chart["upper"].isna().all()
        return
    c = chart.loc[has]
    for column in ["lower", "lower2", "upper2", "upper"]:
        assert ((c[column] >= 0) & (c[column] <= 1)).all()
    assert (c["lower"] <= c["lower2"] + 1e-15).all() and (c["lower2"] <= c["centre"] + 1e-15).all()
    assert (c["centre"] <= c["upper2"] + 1e-15).all() and (c["upper2"] <= c["upper"] + 1e-15).all()
    assert chart.loc[~has, ["lower", "upper", "proportion"]].isna().all().all()
    flags = run_rules(chart)
    assert all(length >= 7 for length in blocks(flags["shift"]))
    assert not flags.loc[~has.to_numpy(), "special_cause"].any()


def reference_shift(values: list[float]) -> list[bool]:
    """Brute force: a point is in a shift if some 7 consecutive points containing it all have values
    and are all strictly above, or all strictly below, 0."""
    n, out = len(values), [False] * len(values)
    for start in range(n - 6):
        window = values[start : start + 7]
        if all(not math.isnan(v) for v in window) and (all(v > 0 for v in window) or all(v < 0 for v in window)):
            for i in range(start, start + 7):
                out[i] = True
    return out


def reference_trend(values: list[float]) -> list[bool]:
    n, out = len(values), [False] * len(values)
    for start in range(n - 6):
        w = values[start : start + 7]
        if any(math.isnan(v) for v in w):
            continue
        if all(b > a for a, b in itertools.pairwise(w)) or all(b < a for a, b in itertools.pairwise(w)):
            for i in range(start, start + 7):
                out[i] = True
    return out


series = st.lists(
    st.one_of(st.sampled_from([-1.0, 0.0, 1.0, NAN]), st.integers(-4, 4).map(float)), min_size=0, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(series)
def test_shift_and_trend_match_brute_force_and_come_in_runs_of_seven(values):
    flags = flags_for(values)
    assert list(flags["shift"]) == reference_shift(values)
    assert list(flags["trend"]) == reference_trend(values)
    assert all(length >= 7 for length in blocks(flags["shift"]))
    assert all(length >= 7 for length in blocks(flags["trend"]))
    nan = np.isnan(np.asarray(values, dtype=float))
    assert not flags["special_cause"].to_numpy()[nan].any() if len(values) else True


def test_p_value_text_never_rounds_across_005():
    from complaints.reporting.spc_charts import _p_text

    assert _p_text(0.0496) == "p = 0.0496"  # not "0.05" beside "statistically significant"
    assert _p_text(0.0504) == "p = 0.05"  # 0.05 is not below 0.05: consistent with "not significant"
    assert _p_text(0.41) == "p = 0.41" and _p_text(0.0004) == "p < 0.001" and _p_text(0.012) == "p = 0.012"


# ---------------------------------------------------------------------------------------------
# Laney's p'-chart, the chart chooser and whether a chart can show a signal at all


def laney_by_hand(n, k):
    """Laney (2002), step by step in plain Python: p-bar, sigma_p_i, z_i, moving ranges of z,
    sigma_z = mean MR / 1.128, limits p-bar +/- 3 sigma_p_i sigma_z."""
    p = sum(k) / sum(n)
    sigma = [math.sqrt(p * (1 - p) / ni) for ni in n]
    z = [(ki / ni - p) / s for ki, ni, s in zip(k, n, sigma)]
    mr = [abs(b - a) for a, b in itertools.pairwise(z)]
    sigma_z = sum(mr) / len(mr) / 1.128
    upper = [min(1.0, p + 3 * s * sigma_z) for s in sigma]
    lower = [max(0.0, p - 3 * s * sigma_z) for s in sigma]
    return p, sigma_z, lower, upper


def test_laney_p_chart_by_hand():
    n = [200, 250, 300, 220, 260, 240, 280, 230]
    k = [120, 160, 170, 150, 140, 160, 150, 155]
    monthly = pd.DataFrame({"month": months(8), "responded": n, "within": k})
    chart = spc.laney_p_chart(monthly)
    p, sigma_z, lower, upper = laney_by_hand(n, k)
    assert chart["centre"].iloc[0] == pytest.approx(p, abs=1e-12)
    assert chart["sigma_z"].iloc[0] == pytest.approx(sigma_z, rel=1e-12)
    assert chart["upper"].to_numpy() == pytest.approx(upper, rel=1e-12)
    assert chart["lower"].to_numpy() == pytest.approx(lower, rel=1e-12)
    # sigma_z = 1 gives the p-chart back: the p'-chart only rescales its limits
    base = p_chart(monthly)
    assert (chart["upper"] - p).to_numpy() == pytest.approx(((base["upper"] - p) * sigma_z).to_numpy(), rel=1e-9)


def test_control_chart_uses_laney_only_for_large_overdispersed_months():
    big = pd.DataFrame({"month": months(8), "responded": [200, 250, 300, 220, 260, 240, 280, 230]}).assign(
        within=[120, 160, 170, 150, 140, 160, 150, 155]
    )
    chosen = spc.control_chart(big)
    assert chosen["chart"].iloc[0] == "p'" and chosen["sigma_z"].iloc[0] > 1
    # the same shares on 20 responses a month: too few for Laney's correction
    small = pd.DataFrame({"month": months(8), "responded": [20] * 8, "within": [12, 13, 11, 14, 10, 13, 11, 12]})
    assert spc.control_chart(small)["chart"].iloc[0] == "p"
    # large but binomial months: sigma_z below 1, the p-chart stays
    calm = pd.DataFrame(
        {"month": months(8), "responded": [400] * 8, "within": [200, 201, 199, 200, 202, 198, 200, 201]}
    )
    assert spc.control_chart(calm)["chart"].iloc[0] == "p"


def test_chart_capability_too_few_points_and_responses():
    """0 to 5 responses a month for 8 months: nothing can fall outside the limits at p near 0.5."""
    monthly = pd.DataFrame(
        {"month": months(8), "responded": [3, 5, 0, 2, 4, 3, 1, 5], "within": [2, 2, 0, 1, 2, 1, 1, 3]}
    )
    found = spc.chart_capability(monthly)
    assert found["points"] == 7 and found["points_needed"] == 12
    assert found["reasons"] == ["too_few_points", "too_few_responses"] and not found["can_show_signal"]
    p = 12 / 23
    assert found["centre"] == pytest.approx(p)
    # smallest n with a 3-sigma limit inside (0, 1): n > 9 (1 - p) / p
    needed = min(
        m for m in range(1, 100) if p - 3 * math.sqrt(p * (1 - p) / m) > 0 or p + 3 * math.sqrt(p * (1 - p) / m) < 1
    )
    assert found["responses_needed"] == needed == 9
    assert found["blind_months"] == 7


def test_chart_capability_enough():
    monthly = pd.DataFrame({"month": months(12), "responded": [40] * 12, "within": [28] * 12})
    found = spc.chart_capability(monthly)
    assert found["can_show_signal"] and found["reasons"] == [] and found["blind_months"] == 0
    # a share near 80% can fall below its lower limit with very few responses
    assert found["responses_needed"] == math.floor(9 * 0.3 / 0.7) + 1 == 4
    none = spc.chart_capability(pd.DataFrame({"month": months(12), "responded": [5] * 12, "within": [5] * 12}))
    assert none["reasons"] == ["no_variation"] and not none["can_show_signal"]
