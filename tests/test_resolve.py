"""Choosing one value per figure, and recovering counts from published percentages."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.analysis.resolve import (
    RULE,
    count_candidates,
    count_from_percentage,
    decimals_of,
    fits_sum_of_percentages,
    fits_weighted_average,
    percentage_check,
    resolve_figures,
    weighted_share_range,
)


@pytest.mark.parametrize("stated, expected", [(14, 0), (1.79, 2), (0.37, 2), (1.2, 1)])
def test_decimals_of(stated, expected):
    assert decimals_of(stated) == expected


@pytest.mark.parametrize(
    "numerator, base, stated, ok",
    [
        (2, 8, 25, True),  # exact
        (4, 8, 44, False),  # Dudley 2022-23: 4 of 8 is 50%
        (10, 23, 43, True),  # 43.48% rounds to 43
        (25, 40, 62, True),  # 62.5% truncated to 62 (rounding gives 63)
        (250, 1838, 13, True),  # Dorset: 13.6% truncated to 13
        (61, 309, 24, False),  # Dorset: 19.7%, stated 24%
        (1, 23, 5, False),  # 4.35% is neither 5 rounded nor truncated
        (301, 16861, 1.79, True),  # two decimals
    ],
)
def test_percentage_check(numerator, base, stated, ok):
    assert percentage_check(numerator, base, stated)[0] is ok


def test_percentage_check_with_bounds():
    assert percentage_check(234, 19448, 1.2, "<")[0] is False  # 1.203% is not less than 1.2%
    assert percentage_check(148, 16861, 1, "<")[0] is True
    assert percentage_check(48, 100, 50, "~")[0] is True
    assert percentage_check(47, 100, 50, "~")[0] is False


@pytest.mark.parametrize(
    "stated, base, expected",
    [
        (25, 8, 2),
        (44, 27, 12),
        (49, 49, 24),
        (84, 49, 41),
        (48, 226, 108),
        (42, 226, 95),
        (90, 8, None),  # 7/8 = 87.5%, 8/8 = 100%: no count gives 90%
        (57, 27, None),  # 15/27 = 55.6%, 16/27 = 59.3%
        (0.37, 19448, 72),
    ],
)
def test_count_from_percentage(stated, base, expected):
    assert count_from_percentage(stated, base) == expected


def statement(value=None, pct=None, *, order, report_year="2022-23", role="detail", year="2021-22"):
    return {
        "council": "x",
        "year": year,
        "measure": "m",
        "category": "",
        "value": value,
        "stated_pct": pct,
        "pct_qualifier": "",
        "pct_of": "",
        "report_year": report_year,
        "section_role": role,
        "order": order,
        "file": "f.csv",
        "line": order + 2,
        "quote": f"q{order}",
        "source": "s.txt",
        "note": "",
    }


def resolved(rows):
    figures = resolve_figures(pd.DataFrame(rows))
    assert len(figures) == 1
    return figures.iloc[0]


def test_one_value_is_not_contested():
    fig = resolved([statement(5, order=0), statement(5, order=1)])
    assert fig["value"] == 5 and not fig["contested"]


def test_rule_own_year_report_first():
    fig = resolved(
        [
            statement(5, order=0, role="detail"),
            statement(5, order=1),
            statement(6, order=2, report_year="2021-22", role="summary"),
        ]
    )
    assert fig["value"] == 6 and fig["contested"] and fig["values_stated"] == "5; 6"


def test_rule_most_statements_second():
    fig = resolved([statement(20, order=0), statement(23, order=1), statement(23, order=2)])
    assert fig["value"] == 23


def test_rule_detail_over_summary_third():
    fig = resolved([statement(132, order=0, role="summary"), statement(160, order=1, role="detail")])
    assert fig["value"] == 160


def test_rule_first_statement_last():
    fig = resolved([statement(7, order=0), statement(9, order=1)])
    assert fig["value"] == 7 and fig["quote"] == "q0"


def test_percentages_alone_are_resolved_the_same_way():
    fig = resolved([statement(pct=48, order=0, role="summary"), statement(pct=42, order=1)])
    assert pd.isna(fig["value"]) and fig["pct"] == 42 and fig["contested"]


# ---------------------------------------------------------------------------------------------
# Every count a percentage allows


def shows_as(k: int, base: int, stated: int) -> bool:
    """Independent of the code: a whole percentage 100 k / base rounded half up, or truncated."""
    exact = 100 * k / base
    return int(exact + 0.5 + 1e-9) == stated or int(exact + 1e-9) == stated


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 400), st.integers(0, 100))
def test_count_candidates_are_every_whole_number_that_fits(base, stated):
    expected = [k for k in range(base + 1) if shows_as(k, base, stated)]
    assert count_candidates(stated, base) == expected
    nearest = min(expected, key=lambda k: (abs(k - stated * base / 100), k)) if expected else None
    assert count_from_percentage(stated, base) == nearest


@pytest.mark.parametrize(
    "stated, base, expected",
    [
        (42, 226, [94, 95, 96, 97]),  # the issue: 42% of 226 fits 94 to 97
        (49, 234, [114, 115, 116]),  # 49% of 234 fits 114 to 116
        (48, 226, [108, 109, 110]),
        (11, 139, [15, 16]),  # Dorset: 15 and 16 both show as 11%
        (90, 8, []),
    ],
)
def test_count_candidates_worked(stated, base, expected):
    assert count_candidates(stated, base) == expected


# ---------------------------------------------------------------------------------------------
# Shares that must agree: weighted averages and sums of percentages


def test_weighted_average_worked_examples():
    """Dudley 2022-23: overall 49% of 234 from statutory 90% of 8 and corporate 48% or 42% of 226;
    2021-22: overall 56% of 271 from 57% of 27 and 58% of 244."""
    low, high = weighted_share_range([(90, 8), (48, 226)])
    assert low == pytest.approx((89.5 * 8 + 47.5 * 226) / 234) and high == pytest.approx((90.5 * 8 + 48.5 * 226) / 234)
    assert fits_weighted_average(49, [(90, 8), (48, 226)])[0]
    assert not fits_weighted_average(49, [(90, 8), (42, 226)])[0]  # 43.1% to 44.1%
    assert not fits_weighted_average(56, [(57, 27), (58, 244)])[0]  # below both its parts
    assert fits_weighted_average(57, [(57, 27), (58, 244)])[0]  # 57.4% rounds to 57
    # the check with counts: (108 + 7) / 234 = 49.1%, (95 + 7) / 234 = 43.6%
    assert round(100 * (108 + 7) / 234, 1) == 49.1 and round(100 * (95 + 7) / 234, 1) == 43.6


def test_sum_of_percentages():
    assert not fits_sum_of_percentages(75, [25, 44])[0]  # 69%, even allowing 0.5 per part: 68 to 70
    assert fits_sum_of_percentages(37, [15, 22])[0]
    assert fits_sum_of_percentages(70, [25, 44])[0]


# ---------------------------------------------------------------------------------------------
# Step 0 of the rule: the value consistent with the document's other figures


def test_rule_says_consistency_comes_first():
    assert RULE.startswith("first the value consistent with the same document's other figures")


def test_consistent_value_wins_over_the_other_steps():
    fig = resolved_with([statement(pct=48, order=0, role="summary"), statement(pct=42, order=1)], {48.0})
    assert fig["pct"] == 48 and fig["contested"] and fig["chosen_by"] == "why"


def resolved_with(rows, preferred):
    figures = resolve_figures(pd.DataFrame(rows), {("x", "2021-22", "m", ""): (preferred, "why")})
    return figures.iloc[0]


@pytest.mark.parametrize(
    "council, year, measure, chosen, allowed, why",
    [
        (
            "dudley",
            "2022-23",
            "corporate_within_20wd",
            108,
            "94; 95; 96; 97; 108; 109; 110",
            "only 48% fits the same document's other figures: complaints_within_20wd 49% of complaints_received",
        ),
        (
            "telford-wrekin",
            "2024-25",
            "statutory_stage1_responded",
            23,
            "20; 23",
            "only 23 fits the same document's other figures: its exhaustive breakdown statutory_within_10wd 10 + "
            "statutory_within_11_20wd 10 + statutory_over_20wd 3 adds up to 23",
        ),
    ],
)
def test_contested_figures_resolve_to_the_consistent_value(results, council, year, measure, chosen, allowed, why):
    figures = results.figures
    fig = figures[
        (figures.council == council) & (figures.year == year) & (figures.measure == measure) & (figures.category == "")
    ]
    fig = fig[fig.basis != "records"].iloc[0]
    assert fig["value"] == chosen and fig["contested"] and fig["allowed"] == allowed
    assert fig["chosen_by"].startswith(why)


def test_allowed_values_of_other_figures(results):
    figures = results.figures.set_index(["council", "year", "measure", "category", "basis"])
    assert figures.loc[("dudley", "2021-22", "compliments_received", "", "published"), "allowed"] == "132; 160"
    assert figures.loc[("dudley", "2022-23", "complaints_within_20wd", "", "from_percentage"), "allowed"] == (
        "114; 115; 116"
    )
    assert figures.loc[("dorset", "2023-24", "csc_justified_any", "", "from_percentage"), "allowed"] == "34; 35; 36"
