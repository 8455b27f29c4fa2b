"""The audit finds the real slips in the published documents, and passes what is right."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def audit(results) -> pd.DataFrame:
    return results.audit


def find(audit, council, year, measure, check):
    rows = audit[
        (audit.council == council) & (audit.year == year) & (audit.measure == measure) & (audit.check == check)
    ]
    assert len(rows) >= 1, (council, year, measure, check)
    return rows


def test_only_known_verdicts(audit):
    assert set(audit["verdict"]) <= {"ok", "mismatch", "contradiction", "cannot_check"}
    assert list(audit.columns[:8]) == [
        "council",
        "year",
        "measure",
        "category",
        "check",
        "stated",
        "counts_give",
        "verdict",
    ]


@pytest.mark.parametrize(
    "council, year, measure, check",
    [
        ("dudley", "2022-23", "statutory_partially_upheld", "percentage"),  # 4 of 8 called 44%
        ("dudley", "2022-23", "statutory_within_20wd", "percentage"),  # 90% of 8 is impossible
        ("dudley", "2021-22", "statutory_within_20wd", "percentage"),  # 57% of 27 is impossible
        ("dudley", "2022-23", "complaints_upheld_any", "percentage"),  # 123 of 19,448 called 0.37%
        ("dudley", "2022-23", "complaints_received", "percentage"),  # 1.203% called less than 1.2%
        ("dudley", "2022-23", "corporate_received", "change"),  # 244 -> 226 called 8% / 20
        ("dudley", "2022-23", "send_received", "change"),  # 44 -> 40 called an increase of 30%
        ("dudley", "2022-23", "statutory_received", "change"),  # 27 -> 8 called an increase
        ("dorset", "2023-24", "non_social_care_complaint_contacts", "change"),  # 309 -> 248 called 24%
        ("telford-wrekin", "2024-25", "statutory_not_upheld", "percentage"),  # 12 of 23 called 60%
        ("telford-wrekin", "2024-25", "statutory_withdrawn", "percentage"),  # 1 of 23 called 5%
        ("telford-wrekin", "2024-25", "statutory_stage2_received", "change"),  # 5 -> 4 called the same
    ],
)
def test_known_mismatches_are_found(audit, council, year, measure, check):
    assert "mismatch" in set(find(audit, council, year, measure, check)["verdict"])


@pytest.mark.parametrize(
    "council, year, measure, values",
    [
        ("dudley", "2021-22", "compliments_received", "132; 160"),
        ("dudley", "2022-23", "corporate_within_20wd", "48%; 42%"),
        ("telford-wrekin", "2024-25", "statutory_stage2_received", "5; 4"),
        ("telford-wrekin", "2024-25", "statutory_stage1_responded", "20; 23"),
    ],
)
def test_figures_stated_twice_are_contradictions(audit, council, year, measure, values):
    row = find(audit, council, year, measure, "same figure").iloc[0]
    assert row["verdict"] == "contradiction" and row["stated"] == values
    assert row["quote"].count("|") >= 1  # every statement quoted


def test_parts_above_their_whole(audit):
    row = find(audit, "telford-wrekin", "2024-25", "statutory_stage3_received", "parts").iloc[0]
    assert row["verdict"] == "contradiction" and row["counts_give"] == "4 of 1"


@pytest.mark.parametrize(
    "council, year, measure, check",
    [
        ("dudley", "2024-25", "complaints_received", "change"),  # 255 -> 301 is +18%
        ("dudley", "2024-25", "complaints_received", "percentage"),  # 1.79% of contacts
        ("dudley", "2022-23", "complaints_received", "change"),  # 271 -> 234 is -13.7%, "14%"
        ("dudley", "2022-23", "comments_received", "change"),  # +9 (69%)
        ("dorset", "2023-24", "council_complaint_contacts", "change"),  # -13.6%, "13%" (truncated)
        ("telford-wrekin", "2024-25", "statutory_received", "parts"),  # complainant types add up to 23
    ],
)
def test_right_statements_pass(audit, council, year, measure, check):
    assert set(find(audit, council, year, measure, check)["verdict"]) == {"ok"}


def test_statements_without_a_base_are_listed_not_judged(audit):
    rows = audit[(audit.measure == "statutory_remedy")]
    assert len(rows) == 4 and set(rows["verdict"]) == {"cannot_check"}
