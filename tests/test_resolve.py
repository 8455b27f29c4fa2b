"""Choosing one value per figure, and recovering counts from published percentages."""

from __future__ import annotations

import pandas as pd
import pytest

from complaints.analysis.resolve import count_from_percentage, decimals_of, percentage_check, resolve_figures


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
