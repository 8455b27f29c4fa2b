"""Clocks with dates: each complaint is measured against the clock in force when it was received.

Working days here are counted by hand from a calendar (England's bank holidays of Easter 2026: Good
Friday 3 April and Easter Monday 6 April), not by the code under test.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from test_config import edited, setting

from complaints.analysis.clock_measures import NO_CLOCK, measure_clocks
from complaints.inputs.clocks import (
    CODE,
    COMPLAINT_HANDLING_CODE,
    COUNCIL,
    STATUTORY,
    Clock,
    clocks_for,
    in_force,
)
from complaints.inputs.problems import InputError

DUDLEY = clocks_for(("statutory", "corporate"), 20, council="Dudley")
ALL = frozenset(
    [
        "reference",
        "received",
        "procedure",
        "stage",
        "outcome",
        "responded",
        "acknowledged",
        "extension_agreed",
        "extension_days",
        "extension_reason",
    ]
)


def complaints(*rows: dict) -> pd.DataFrame:
    base = {
        "procedure": "corporate",
        "stage": 1,
        "outcome": "not_upheld",
        "acknowledged": None,
        "responded": None,
        "extension_agreed": False,
        "extension_days": np.nan,
        "extension_reason": "",
    }
    frame = pd.DataFrame([{**base, **r} for r in rows])
    for column in ("received", "acknowledged", "responded"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def test_the_day_before_and_the_day_the_code_took_effect_are_measured_against_different_clocks():
    # received Tuesday 31 March 2026 and Wednesday 1 April 2026; both acknowledged Thursday 2 April and
    # answered Wednesday 22 April. From 31 March: 1, 2 April, (3 and 6 April are bank holidays), 7-10,
    # 13-17, 20-22 April = 2 + 4 + 5 + 3 = 14 working days; from the acknowledgement (2 April): 4 + 5 + 3 = 12.
    frame = complaints(
        {"received": "2026-03-31", "acknowledged": "2026-04-02", "responded": "2026-04-22"},
        {"received": "2026-04-01", "acknowledged": "2026-04-02", "responded": "2026-04-22"},
    )
    measured = measure_clocks(frame, DUDLEY, ALL)
    before, after = measured.iloc[0], measured.iloc[1]
    assert before["clock"] == "Corporate stage 1: Dudley's corporate procedure"
    assert before["rules"] == COUNCIL
    assert after["clock"] == "Corporate stage 1: the Complaint Handling Code (from 1 April 2026)"
    assert after["rules"] == CODE
    assert before["answer_days"] == 14  # from receipt
    assert after["answer_days"] == 12  # from the acknowledgement
    assert before["in_time"] is True  # within 20 working days
    assert after["in_time"] is False  # more than 10 working days after the acknowledgement
    assert before["ack_in_time"] is None  # Dudley's own clock sets no acknowledgement time
    assert after["ack_in_time"] is True  # 2 April is 1 working day after 1 April


def test_an_extension_allows_the_codes_further_ten_days_and_is_checked_against_the_limit():
    frame = complaints(
        # answered 12 working days after the acknowledgement, with a 5-day extension and a reason
        {
            "received": "2026-04-01",
            "acknowledged": "2026-04-02",
            "responded": "2026-04-22",
            "extension_agreed": True,
            "extension_days": 5,
            "extension_reason": "Awaiting information",
        },
        # a 15-day extension (beyond the Code's 10) without a reason
        {"received": "2026-04-01", "acknowledged": "2026-04-02", "responded": "2026-04-22", "extension_days": 15},
        # a 1-day extension: 12 working days is more than the 10 + 1 agreed
        {
            "received": "2026-04-01",
            "acknowledged": "2026-04-02",
            "responded": "2026-04-22",
            "extension_days": 1,
            "extension_reason": "Complex case",
        },
    )
    measured = measure_clocks(frame, DUDLEY, ALL)
    assert list(measured["extended"]) == [True, True, True]
    assert list(measured["allowed_days"]) == [15, 20, 11]  # the days agreed, up to the Code's 10 more
    assert list(measured["in_time"]) == [True, True, False]
    assert list(measured["extension_in_limit"]) == [True, False, True]
    assert list(measured["extension_with_reason"]) == [True, False, True]


def test_an_extract_without_acknowledgements_gives_not_recorded_never_false():
    frame = complaints({"received": "2026-04-01", "responded": "2026-04-08"})
    without = ALL - {"acknowledged"}
    measured = measure_clocks(frame.drop(columns="acknowledged"), DUDLEY, without)
    row = measured.iloc[0]
    assert row["ack_in_time"] is None
    assert row["in_time"] is None  # the Code's clock runs from the acknowledgement
    assert np.isnan(row["answer_days"])


def test_a_blank_acknowledgement_counts_a_quick_response_and_starts_the_clock_at_receipt():
    frame = complaints(
        # 2, 7, 8 April: 3 working days (Easter): the response is the acknowledgement
        {"received": "2026-04-01", "responded": "2026-04-08"},
        # 2, 7-10, 13-17, 20-24, 27-30 April: 19 working days, never acknowledged
        {"received": "2026-04-01", "responded": "2026-04-30"},
    )
    measured = measure_clocks(frame, DUDLEY, ALL)
    assert list(measured["ack_in_time"]) == [True, False]
    assert list(measured["answer_days"]) == [3, 19]
    assert list(measured["in_time"]) == [True, False]


def test_statutory_clocks_are_the_regulations_throughout_and_unaccepted_complaints_have_none():
    frame = complaints(
        {"procedure": "statutory", "received": "2020-05-01", "responded": "2020-05-29"},
        {"procedure": "statutory", "received": "2027-01-05", "responded": "2027-01-06"},
        {"procedure": "statutory", "stage": 2, "received": "2027-01-05", "responded": "2027-01-06"},
        {"received": "2026-05-01", "outcome": "not_accepted"},
    )
    measured = measure_clocks(frame, DUDLEY, ALL)
    assert list(measured["clock"][:2]) == ["Statutory stage 1: the statutory procedure's regulations"] * 2
    assert measured["clock"][2].startswith("Statutory stage 2")
    assert measured["clock"][3] == NO_CLOCK
    # 1 May 2020 (Friday) to 29 May 2020: 4 + 4 (8 May and 25 May bank holidays) + 5 + 5 = 18 > 10
    assert measured["answer_days"][0] == 18 and measured["in_time"][0] is False


def test_a_dated_council_clock_splits_a_year():
    later = Clock("corporate", 1, 15, start=date(2020, 8, 18), name="Newshire's revised procedure")
    clocks = clocks_for(("corporate",), 20, (later,), council="Newshire")
    chosen = in_force(clocks, ["corporate"] * 3, [1, 1, 1], ["2020-08-17", "2020-08-18", "2021-03-31"])
    labels = [clocks[i].label for i in chosen]
    assert labels == [
        "Corporate stage 1: Newshire's corporate procedure",
        "Corporate stage 1: Newshire's revised procedure (from 18 August 2020)",
        "Corporate stage 1: Newshire's revised procedure (from 18 August 2020)",
    ]


def test_the_built_in_clocks_are_the_regulations_and_the_codes():
    assert [(c.stage, c.days, c.days + (c.extension_days or 0)) for c in STATUTORY] == [
        (1, 10, 20),
        (2, 25, 65),
        (3, 30, 30),
    ]
    assert [(c.stage, c.acknowledge_days, c.days, c.extension_days) for c in COMPLAINT_HANDLING_CODE] == [
        (1, 5, 10, 10),
        (2, 5, 20, 10),
    ]
    assert all(c.start == date(2026, 4, 1) for c in COMPLAINT_HANDLING_CODE)
    # a statutory-only council has no Code clocks
    assert not [c for c in clocks_for(("statutory",), None) if c.rules == CODE]


# --------------------------------------------------------------------------- configuration


CLOCK = """
[[clocks]]
procedure = "corporate"
stage = 1
days = 15
from = 2021-04-01
name = "Newshire's revised procedure"
"""


def test_a_configured_clock_is_read_with_its_date(project):
    edited(project)
    path = project.councils / "newshire.toml"
    path.write_text(path.read_text(encoding="utf-8") + CLOCK, encoding="utf-8")
    from complaints.inputs.definitions import load_definitions

    clocks = load_definitions(project).councils["newshire"].clocks
    labels = [c.label for c in clocks if c.procedure == "corporate" and c.stage == 1]
    assert labels == [
        "Corporate stage 1: Newshire's corporate procedure",
        "Corporate stage 1: Newshire's revised procedure (from 1 April 2021)",
        "Corporate stage 1: the Complaint Handling Code (from 1 April 2026)",
    ]


@pytest.mark.parametrize(
    "old, new, path, message",
    [
        ('procedure = "corporate"', 'procedure = "statutory"', "clocks[0].procedure", "the regulations'"),
        ("from = 2021-04-01", "from = 2026-04-01", "clocks[0].from", "on or after 1 April 2026"),
        ("stage = 1", "stage = 3", "clocks[0].stage", "1 or 2"),
        ("days = 15", "days = 0", "clocks[0].days", "positive whole number of working days"),
    ],
)
def test_a_clock_setting_that_cannot_be(project, old, new, path, message):
    text = CLOCK.replace(old, new)
    edited(project)
    file = project.councils / "newshire.toml"
    file.write_text(file.read_text(encoding="utf-8") + text, encoding="utf-8")
    from complaints.inputs.definitions import load_definitions

    with pytest.raises(InputError) as caught:
        load_definitions(project)
    assert message in setting([str(p) for p in caught.value.problems], path)


def test_two_clocks_of_a_stage_on_the_same_day_are_refused(project):
    edited(project)
    file = project.councils / "newshire.toml"
    file.write_text(file.read_text(encoding="utf-8") + CLOCK + CLOCK, encoding="utf-8")
    from complaints.inputs.definitions import load_definitions

    with pytest.raises(InputError) as caught:
        load_definitions(project)
    messages = [str(p) for p in caught.value.problems]
    assert "one clock per stage and date" in setting(messages, "clocks[1]")
