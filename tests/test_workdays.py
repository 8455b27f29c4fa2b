"""Working days: weekends, England's bank holidays (substitute days included), receipt on a non-working day.
Expected values are counted by hand from a calendar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from complaints.analysis.workdays import add_working_days, bank_holidays, working_days


@pytest.mark.parametrize(
    "received, responded, expected, why",
    [
        ("2024-06-03", "2024-06-10", 5, "Monday to the next Monday (docs/domain.md)"),
        ("2024-06-03", "2024-06-03", 0, "answered the day it arrived"),
        ("2024-06-07", "2024-06-10", 1, "Friday to Monday"),
        ("2024-06-08", "2024-06-10", 0, "received Saturday: the clock starts Monday"),
        ("2024-06-08", "2024-06-11", 1, "received Saturday, answered Tuesday"),
        ("2024-05-24", "2024-05-28", 1, "Friday to Tuesday over the Spring bank holiday Monday 27 May"),
        ("2024-05-27", "2024-05-28", 0, "received on the Spring bank holiday: the clock starts Tuesday 28 May"),
        ("2024-05-27", "2024-05-29", 1, "received on the Spring bank holiday, answered Wednesday"),
        (
            "2020-12-24",
            "2020-12-29",
            1,
            "Christmas 2020: Boxing Day fell on Saturday, substitute day Monday 28 December",
        ),
        ("2021-12-24", "2021-12-29", 1, "Christmas 2021: substitute days Monday 27 and Tuesday 28 December"),
        ("2022-09-16", "2022-09-20", 1, "the Queen's state funeral, Monday 19 September 2022, a one-off bank holiday"),
        ("2022-12-30", "2023-01-03", 1, "New Year 2023: Sunday 1 January, substitute day Monday 2 January"),
        ("2024-04-01", "2024-04-15", 9, "Easter Monday 1 April 2024 is a holiday: the clock starts Tuesday"),
    ],
)
def test_working_days(received, responded, expected, why):
    assert working_days([received], [responded])[0] == expected, why


def test_missing_dates_give_nan_and_the_rest_still_count():
    out = working_days(["2024-06-03", None, "2024-06-03"], ["2024-06-10", "2024-06-10", None])
    assert out[0] == 5 and np.isnan(out[1]) and np.isnan(out[2])


def test_vectorised_over_many_rows_matches_row_by_row():
    rng = np.random.default_rng(1)
    start = pd.Timestamp("2019-04-01") + pd.to_timedelta(rng.integers(0, 2000, 500), unit="D")
    end = start + pd.to_timedelta(rng.integers(0, 90, 500), unit="D")
    together = working_days(start, end)
    one_by_one = [working_days([s], [e])[0] for s, e in zip(start, end)]
    assert list(together) == one_by_one


def test_holiday_calendar_is_englands():
    days = set(bank_holidays(2022, 2022).astype(str))
    assert {"2022-06-02", "2022-06-03", "2022-09-19", "2022-01-03", "2022-12-27"} <= days
    assert "2022-03-17" not in days  # St Patrick's Day is Northern Ireland's, not England's
    assert "2022-11-30" not in days  # St Andrew's Day is Scotland's


def test_due_dates():
    # 10 working days from Monday 3 June 2024 is Monday 17 June; over the Spring bank holiday it moves a day
    assert str(add_working_days(["2024-06-03"], 10)[0]) == "2024-06-17"
    assert str(add_working_days(["2024-05-20"], 10)[0]) == "2024-06-04"
