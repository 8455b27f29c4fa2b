"""narrative.py and numbers.py: plain-English sentences built only from rows of metrics.csv, in one voice.

Rows are built by hand for every case (rise, fall, no change, not significant, small numbers,
not tested, no earlier year, contested, counts from percentages, empty cells). Every number in a
sentence must be a rounding of a value in its row, and the word "significant" must appear only
when q < 0.05. Finally every row of the real metrics.csv is put through every function.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURE_DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.reporting import numbers
from complaints.reporting.narrative import (
    PHRASES,
    change_sentence,
    format_change,
    format_value,
    key_message,
    verdict_of,
    verdict_phrase,
)

NAN = float("nan")
TOO_FEW = "too few to conclude from"
WITHIN = "within what chance would produce"


# --- building rows by hand ------------------------------------------------------------------------


def make_row(**values) -> dict:
    """A row with every metrics.csv column; empty cells are NaN, as pandas reads them."""
    row = {
        "council": "dudley",
        "year": "2024-25",
        "metric": "complaints_received",
        "kind": "count",
        "value": NAN,
        "numerator": NAN,
        "denominator": NAN,
        "ci_low": NAN,
        "ci_high": NAN,
        "prev_year": NAN,
        "prev_value": NAN,
        "change": NAN,
        "pct_change": NAN,
        "test": NAN,
        "p_value": NAN,
        "q_value": NAN,
        "verdict": "not_tested",
        "source": "published",
        "numerator_measure": "complaints_received",
        "denominator_measure": NAN,
        "numerator_basis": "published",
        "effect_measure": NAN,
        "effect": NAN,
        "effect_ci_low": NAN,
        "effect_ci_high": NAN,
        "small_numbers": False,
        "contested": False,
        "note": NAN,
    }
    row.update(values)
    if not _empty(row["prev_value"]) and not _empty(row["value"]):
        row["change"] = row["value"] - row["prev_value"]
        row["pct_change"] = row["change"] / row["prev_value"] if row["prev_value"] else NAN
        if _empty(row["prev_year"]):
            start = int(row["year"][:4]) - 1
            row["prev_year"] = f"{start}-{(start + 1) % 100:02d}"
    return row


def _empty(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def count_row(k1, k2, *, p=None, q=None, small=None, **extra) -> dict:
    """A count compared with the year before (k1 -> k2), tested when p or q is given."""
    row = make_row(value=float(k2), numerator=float(k2), prev_value=None if k1 is None else float(k1), **extra)
    if k1 is None:
        row["prev_value"] = NAN
    if q is not None:
        row.update(
            test="exact conditional binomial",
            p_value=q if p is None else p,
            q_value=q,
            verdict=("increase" if k2 > k1 else "decrease") if q < 0.05 else "no_evidence_of_change",
        )
    row["small_numbers"] = (min(k2, k1 if k1 is not None else k2) < 10) if small is None else small
    return row


def proportion_row(k1, n1, k2, n2, *, q=None, **extra) -> dict:
    row = make_row(
        metric="corporate_within_20wd_rate",
        kind="proportion",
        value=k2 / n2,
        numerator=float(k2),
        denominator=float(n2),
        prev_value=k1 / n1,
        denominator_measure="corporate_received",
        **extra,
    )
    if q is not None:
        row.update(
            test="Fisher's exact",
            p_value=q,
            q_value=q,
            verdict=("increase" if k2 / n2 > k1 / n1 else "decrease") if q < 0.05 else "no_evidence_of_change",
        )
    row["small_numbers"] = min(n1, n2) < 10
    return row


# --- every number in a sentence comes from its row ---------------------------------------------------

YEAR = re.compile(r"\b\d{4}-\d{2}\b")
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
ENTITY = re.compile(r"&#?\w+;")


def _f(row, key):
    value = row.get(key) if isinstance(row, dict) else row[key]
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def row_quantities(row) -> list[float]:
    """The row's values on the scales a sentence prints them at."""
    kind = row["kind"]
    value, prev, low, high = (_f(row, k) for k in ("value", "prev_value", "ci_low", "ci_high"))
    scale = {"proportion": 100, "rate": 1000}.get(kind, 1)
    found = [x * scale for x in (value, prev, low, high) if x is not None]
    if value is not None and prev is not None:
        if kind in ("proportion",):
            found.append(abs(value - prev) * 100)
        else:
            found.append(abs(value - prev) * scale)
            if prev:
                found.append(abs(value - prev) / prev * 100)
    found += [x for x in (_f(row, "p_value"), _f(row, "q_value")) if x is not None]
    text = row.get("p_value_range") if isinstance(row, dict) else row.get("p_value_range", None)
    if isinstance(text, str):
        found += [float(x) for x in re.findall(r"\d+(?:\.\d+)?(?:e-?\d+)?", text)]
    return found


def assert_numbers_from_row(sentence: str, row) -> None:
    """Each number printed is a rounding of one of the row's values; each year is the row's year or
    the one before; the only other numbers are the 95 of "95% confidence interval" and the 1,000 of
    "per 1,000"."""
    text = ENTITY.sub("", sentence)
    start = int(str(row["year"])[:4]) - 1
    years = {str(row["year"]), f"{start}-{(start + 1) % 100:02d}"}
    for year in YEAR.findall(text):
        assert year in years, (year, sentence)
    text = YEAR.sub("", text)
    if "< 0.001" in text:
        assert (_f(row, "q_value") is not None and _f(row, "q_value") < 0.001) or (
            _f(row, "p_value") is not None and _f(row, "p_value") < 0.001
        ), sentence
        text = text.replace("< 0.001", "")
    text = text.replace("95% confidence interval", "")
    text = text.replace("per 1,000", "")
    quantities = row_quantities(row)
    for written in NUMBER.findall(text):
        number = float(written.replace(",", ""))
        decimals = len(written.split(".")[1]) if "." in written else 0
        tolerance = 0.5 * 10**-decimals + 1e-9
        # "less than 0.1" and "more than 99.9" bound a value rather than round it
        bounded = (f"less than {written}" in text and any(0 < q < number for q in quantities)) or (
            f"more than {written}" in text and any(number < q < 100 for q in quantities)
        )
        assert bounded or any(abs(number - q) <= tolerance for q in quantities), (written, sentence, quantities)


# --- format_value (complaints.reporting.numbers: the one formatter) ----------------------------------


@pytest.mark.parametrize(
    "value, kind, expected",
    [
        (1234, "count", "1,234"),
        (0, "count", "0"),
        (301.0, "count", "301"),
        ("301", "count", "301"),
        (0.49, "proportion", "49%"),
        (0.006, "proportion", "0.6%"),
        (0.0, "proportion", "0%"),
        (1.0, "proportion", "100%"),
        (0.285, "proportion", "29%"),  # half up, despite 0.285 * 100 == 28.499999999999996
        (0.125, "proportion", "13%"),  # half up, not to even
        (0.998, "proportion", "99.8%"),  # not 100% unless all
        (0.0001, "proportion", "less than 0.1%"),
        (0.017852, "rate", "17.9 per 1,000 contacts"),
        (0.012, "rate", "12.0 per 1,000 contacts"),
        (71608.96, "money", "£71,608.96"),
        (40630, "money", "£40,630"),
        (9240.1, "money", "£9,240.10"),
        (14, "mean", "14 days"),
        (14.25, "mean", "14.3 days"),
        (14.04, "mean", "14 days"),
        (1, "mean", "1 day"),
    ],
)
def test_format_value(value, kind, expected):
    assert format_value(value, kind) == expected


@pytest.mark.parametrize("kind", ["count", "proportion", "rate", "money", "mean"])
@pytest.mark.parametrize("empty", [NAN, None, "", np.nan, pd.NA])
def test_format_value_empty_is_not_published(kind, empty):
    assert format_value(empty, kind) == "not published"


def test_format_value_is_plain_text():
    assert format_value(0.0029, "rate", denominator="calls & <visits>") == "2.9 per 1,000 calls & <visits>"


def test_format_value_unknown_kind():
    with pytest.raises(ValueError):
        format_value(1, "ratio")


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.0075, "0.0075"),
        (0.056239, "0.056"),
        (0.287691, "0.29"),
        (0.004965, "0.005"),
        (1.0, "1"),
        (0.00099, "< 0.001"),
        (0.000083, "< 0.001"),
        (0.001, "0.001"),
        (0.0496, "0.0496"),  # never rounded across 0.05
    ],
)
def test_p_values(value, expected):
    assert numbers.p_value(value) == expected


def test_one_rounding_for_tables_charts_and_sentences():
    """A share rounds the same way in a table cell, a chart's numbers and a sentence."""
    for fraction in (0.125, 0.285, 0.995, 0.0049, 0.5):
        assert numbers.cell(fraction, "percent") == format_value(fraction, "proportion")


# --- format_change ---------------------------------------------------------------------------------


def test_format_change_counts():
    assert format_change(count_row(255, 301, q=0.056)) == "up 46 (18%) from 255"
    assert format_change(count_row(27, 8, q=0.0075)) == "down 19 (70%) from 27"
    assert format_change(count_row(23, 23, q=1.0, year="2024-25")) == "the same as the 23 in 2023-24"
    assert format_change(count_row(0, 5, q=0.06)) == "up 5 from 0"


def test_format_change_proportions_and_rates():
    assert format_change(proportion_row(10, 27, 6, 8, q=0.29)) == "up from 37% to 75% (38 percentage points)"
    one_point = make_row(kind="proportion", value=0.434783, prev_value=0.42)
    assert format_change(one_point) == "up from 42% to 43% (1 percentage point)"
    rate = make_row(kind="rate", value=301 / 16861, prev_value=234 / 19448, denominator_measure="contacts")
    assert format_change(rate) == "up from 12.0 to 17.9 per 1,000 contacts"


def test_format_change_money_mean_and_missing():
    assert (
        format_change(make_row(kind="money", value=71608.96, prev_value=40630.0)) == "up £30,978.96 (76%) from £40,630"
    )
    assert format_change(make_row(kind="mean", value=71.0, prev_value=65.0)) == "up 6 days (9%) from 65 days"
    assert format_change(make_row(value=301.0)) == "no earlier figure"
    earlier = make_row(year="2021-22", value=271.0)
    assert format_change(make_row(value=301.0), earlier) == "no figure for 2023-24; 271 in 2021-22"


# --- change_sentence: one verdict, in one voice ---------------------------------------------------


def test_rise_within_chance():
    row = count_row(255, 301, p=0.056239, q=0.056239, ci_low=267.952727, ci_high=336.997581)
    text = change_sentence(row, "Complaints received")
    assert text == (
        "Complaints received rose from 255 in 2023-24 to 301 in 2024-25, up 18%. "
        "This rise is within what chance would produce (q = 0.056)."
    )
    assert "significant" not in text
    assert verdict_phrase(row) == "within chance variation"
    assert_numbers_from_row(text, row)


def test_rise_within_chance_and_year_to_year_variation():
    row = count_row(255, 301, p=0.3, q=0.3, dispersion=3.0, dispersion_basis="own_series", p_value_sampling=0.056)
    text = change_sentence(row, "Complaints received")
    assert "within what chance and the usual year-to-year variation would produce (q = 0.3)" in text
    assert verdict_phrase(row) == "within chance and year-to-year variation"


def test_rise_significant():
    row = proportion_row(90, 244, 117, 226, q=0.007513, year="2022-23", ci_low=0.452803, ci_high=0.582004)
    text = change_sentence(row, "Corporate complaints upheld or partially upheld")
    assert text == (
        "Corporate complaints upheld or partially upheld rose from 37% in 2021-22 to 52% in 2022-23, "
        "up 15 percentage points. This rise is statistically significant: larger than chance would produce "
        "(q = 0.0075)."
    )
    assert verdict_phrase(row) == "statistically significant rise"
    assert_numbers_from_row(text, row)


def test_fall_significant():
    row = count_row(1838, 1588, q=0.000083, year="2023-24", ci_low=1510.8, ci_high=1668.1)
    text = change_sentence(row, "Complaint contacts")
    assert "fell from 1,838 in 2022-23 to 1,588 in 2023-24" in text
    assert "down 14%" in text
    assert "This fall is statistically significant: larger than chance would produce (q < 0.001)." in text
    assert TOO_FEW not in text
    assert verdict_phrase(row) == "statistically significant fall"
    assert_numbers_from_row(text, row)


def test_small_numbers_never_say_significant():
    """One voice: a change on small numbers is 'too few to conclude from', whatever q is."""
    row = count_row(27, 8, p=0.001878, q=0.0075, year="2022-23", ci_low=3.453832, ci_high=15.763189)
    assert row["small_numbers"]
    text = change_sentence(row, "Statutory complaints received")
    assert text == (
        "Statutory complaints received fell from 27 in 2021-22 to 8 in 2022-23, down 70%. "
        "The numbers are too few to conclude whether this is more than chance."
    )
    assert "significant" not in text
    assert verdict_phrase(row) == TOO_FEW
    assert_numbers_from_row(text, row)


def test_small_numbers_not_significant():
    row = count_row(6, 9, q=0.69, year="2022-23")
    text = change_sentence(row, "Ombudsman cases")
    assert "too few to conclude" in text and "significant" not in text and "within what" not in text


def test_no_earlier_figure():
    row = count_row(None, 3)
    text = change_sentence(row, "Ombudsman cases")
    assert text == "Ombudsman cases stood at 3 in 2024-25. No earlier figure is published."
    assert verdict_phrase(row) == "no earlier figure"


def test_the_latest_earlier_figure_when_the_year_before_is_missing():
    row = make_row(value=49.0, numerator=49.0, ci_low=36.25047, ci_high=64.780599)
    earlier = make_row(year="2022-23", value=8.0, numerator=8.0)
    text = change_sentence(row, "Statutory complaints received", earlier)
    assert text == (
        "Statutory complaints received stood at 49 in 2024-25. No figure is published for 2023-24; the latest "
        "earlier one is 8 in 2022-23. The change is not tested, as the years are not consecutive."
    )
    assert verdict_phrase(row, earlier) == "not tested: no figure for the year before"
    assert verdict_phrase(row) == "no earlier figure"
    assert key_message(row, "Statutory complaints received", earlier) == (
        "Statutory complaints received: 49 in 2024-25; the latest earlier figure is 8 in 2022-23 (not tested)."
    )


def test_no_change_at_all():
    row = count_row(23, 23, q=1.0, ci_low=14.580027, ci_high=34.511293)
    text = change_sentence(row, "Statutory complaints received")
    assert text == "Statutory complaints received stayed at 23 in 2024-25, the same as in 2023-24."
    assert verdict_phrase(row) == "no change"
    assert_numbers_from_row(text, row)


def test_percentage_only_not_tested():
    row = make_row(
        metric="statutory_within_20wd_rate",
        kind="proportion",
        year="2022-23",
        value=0.9,
        denominator=8.0,
        prev_value=0.57,
        numerator_basis="percentage_only",
        small_numbers=True,
        note="published as 90% of 8, which no whole number of 8 gives",
    )
    text = change_sentence(row, "Statutory responses within 20 working days")
    assert text.startswith(
        "Statutory responses within 20 working days rose from 57% in 2021-22 to 90% "
        "in 2022-23, up 33 percentage points."
    )
    assert "too few to conclude" in text and "significant" not in text
    assert verdict_phrase(row) == TOO_FEW
    untested = dict(row, small_numbers=False)
    assert "This rise was not tested because no counts are published behind the percentage." in change_sentence(
        untested, "x"
    )
    assert verdict_phrase(untested) == "not tested"


def test_earlier_year_percentage_only_not_tested():
    row = make_row(kind="proportion", value=10 / 23, numerator=10.0, denominator=23.0, prev_value=0.42)
    text = change_sentence(row, "Responses in time")
    assert "not tested because no counts are published behind the percentage for 2023-24" in text
    assert_numbers_from_row(text, row)


def test_money_not_tested():
    row = make_row(
        council="dorset",
        year="2023-24",
        metric="financial_remedies_total",
        kind="money",
        value=71608.96,
        prev_value=40630.0,
    )
    text = change_sentence(row, "Financial remedies agreed")
    assert text == (
        "Financial remedies agreed rose from £40,630 in 2022-23 to £71,608.96 in 2023-24, up 76%. "
        "This rise was not tested because amounts of money are not tested."
    )
    assert verdict_phrase(row) == "not tested"
    assert_numbers_from_row(text, row)


def test_mean_not_tested():
    row = make_row(metric="statutory_stage2_average_days", kind="mean", value=65.0, prev_value=71.0)
    text = change_sentence(row, "Mean days to complete an investigation")
    assert "fell from 71 days in 2023-24 to 65 days in 2024-25, down 8%." in text
    assert "This fall was not tested because averages are not tested without the individual times." in text
    assert_numbers_from_row(text, row)


def test_rate_sentence():
    row = make_row(
        kind="rate",
        value=301 / 16861,
        numerator=301.0,
        denominator=16861.0,
        denominator_measure="contacts",
        ci_low=0.015892,
        ci_high=0.019987,
    )
    text = change_sentence(row, "Complaints per contact")
    assert text == "Complaints per contact stood at 17.9 per 1,000 contacts in 2024-25. No earlier figure is published."
    assert_numbers_from_row(text, row)


def test_a_verdict_that_depends_on_which_published_figure_is_right():
    row = proportion_row(
        142,
        244,
        108,
        226,
        q=0.004965,
        year="2022-23",
        contested=True,
        verdict_robust=False,
        p_value_range="0.00031 to 0.052",
    )
    text = change_sentence(row, "Corporate responses within 20 working days")
    assert "depends on which published figure is right" in text and "(p from 0.00031 to 0.052)" in text
    assert "statistically significant" not in text
    assert verdict_phrase(row) == "depends on which published figure is right"
    assert "depends on which published figure is right" in key_message(row, "Corporate responses")


def test_contested_robust_and_from_percentage():
    row = proportion_row(
        142,
        244,
        95,
        226,
        q=0.004965,
        year="2022-23",
        contested=True,
        verdict_robust=True,
        numerator_basis="from_percentage",
    )
    text = change_sentence(row, "Corporate responses within 20 working days")
    assert "statistically significant" in text
    assert (
        "The documents give more than one value for a figure behind this; the conclusion is the same with any" in text
    )
    assert "The count is worked out from the published percentage." in text
    unknown = dict(row, verdict_robust=NAN)  # robustness not computed: no claim about it
    assert "see 'Figures the documents disagree on'" in change_sentence(unknown, "x")
    plain = proportion_row(142, 244, 95, 226, q=0.004965, year="2022-23")
    assert "more than one value" not in change_sentence(plain, "x") and "worked out" not in change_sentence(plain, "x")


def test_empty_cells_as_text():
    """metrics.csv read with dtype=str and keep_default_na=False: empty cells are '' and flags 'False'."""
    row = {k: ("" if _empty(v) else str(v)) for k, v in count_row(255, 301, q=0.056239).items()}
    assert row["small_numbers"] == "False"
    text = change_sentence(row, "Complaints received")
    assert text.startswith("Complaints received rose from 255 in 2023-24 to 301 in 2024-25, up 18%.")
    assert TOO_FEW not in text
    missing = {k: ("" if _empty(v) else str(v)) for k, v in make_row(value=49.0).items()}
    assert "No earlier figure is published." in change_sentence(missing, "x")


def test_series_rows_work_like_dicts():
    row = count_row(27, 8, q=0.0075, year="2022-23")
    assert change_sentence(pd.Series(row), "Statutory") == change_sentence(row, "Statutory")
    assert verdict_phrase(pd.Series(row)) == verdict_phrase(row)


def test_missing_value():
    assert change_sentence(make_row(value=NAN), "Complaints") == "Complaints: no figure is published for 2024-25."


def test_text_is_plain_for_the_templates_to_escape():
    evil = "<script>alert('x')</script> & co"
    text = change_sentence(count_row(255, 301, q=0.056), evil)
    assert text.startswith(evil[:1].upper() + evil[1:])
    from complaints.reporting.templating import paragraph, section

    page = section([paragraph(text, trace='dud"ley<b>/2024-25/a&b')])
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; co" in page
    assert 'data-metric="dud&#34;ley&lt;b&gt;/2024-25/a&amp;b"' in page


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    k1=st.integers(0, 200_000),
    k2=st.integers(0, 200_000),
    q=st.floats(0, 1),
    label=st.sampled_from(["Complaints received", "SEND & other <cases>"]),
)
def test_count_sentences_property(k1, k2, q, label):
    row = count_row(k1, k2, q=q)
    text = change_sentence(row, label)
    assert_numbers_from_row(text, row)
    small = min(k1, k2) < 10
    assert ("significant" in text) == (q < 0.05 and k1 != k2 and not small)
    assert ("too few to conclude" in text) == (small and k1 != k2)
    assert not ("significant" in text and "too few" in text)  # never both in one voice
    if k1 == k2:
        assert "stayed at" in text
    else:
        assert ("rose" in text) == (k2 > k1) and ("fell" in text) == (k2 < k1)
        assert (WITHIN in text) == (q >= 0.05 and not small)
    assert_numbers_from_row(format_change(row), row)
    assert verdict_phrase(row) == PHRASES[verdict_of(row)]


@settings(max_examples=300, deadline=None)
@given(n1=st.integers(1, 5000), n2=st.integers(1, 5000), data=st.data(), q=st.floats(0, 1))
def test_proportion_sentences_property(n1, n2, data, q):
    k1 = data.draw(st.integers(0, n1))
    k2 = data.draw(st.integers(0, n2))
    row = proportion_row(k1, n1, k2, n2, q=q)
    text = change_sentence(row, "Answered in time")
    assert_numbers_from_row(text, row)
    assert_numbers_from_row(format_change(row), row)
    changed = k1 / n1 != k2 / n2
    small = min(n1, n2) < 10
    assert ("significant" in text) == (q < 0.05 and changed and not small)
    assert ("too few to conclude" in text) == (small and changed)


@settings(max_examples=200, deadline=None)
@given(value=st.floats(0, 1, allow_nan=False))
def test_proportion_never_rounds_to_zero_or_all(value):
    text = format_value(value, "proportion")
    if value > 0:
        assert text != "0%"
    if value < 1:
        assert text != "100%"


@settings(max_examples=200, deadline=None)
@given(pence=st.integers(0, 10**10))
def test_money_property(pence):
    text = format_value(pence / 100, "money")
    assert text.startswith("£")
    digits = text[1:].replace(",", "")
    assert float(digits) == pytest.approx(pence / 100)
    assert ("." in digits) == (pence % 100 != 0)


# --- the real metrics.csv ------------------------------------------------------------------------


def _exercise(frame: pd.DataFrame) -> None:
    labels = pd.read_csv(FIXTURE_DATA / "definitions" / "metrics.csv").set_index("metric")["description"].to_dict()
    for _, row in frame.iterrows():
        label = labels.get(row["metric"], row["metric"])
        assert format_value(row["value"], row["kind"]) != "not published"
        text = change_sentence(row, label)
        assert text and not re.search(r"\bnan\b", text.lower())
        assert_numbers_from_row(change_sentence(row, "The figure"), row)
        assert_numbers_from_row(format_change(row), row)
        assert verdict_phrase(row) in set(PHRASES.values())
        q = pd.to_numeric(pd.Series([row["q_value"]]), errors="coerce").iloc[0]
        if "significant" in text:
            assert q < 0.05
        assert not ("significant" in text and "too few" in text)
        if (
            str(row["small_numbers"]) == "True"
            and _f(row, "prev_value") is not None
            and _f(row, "prev_value") != _f(row, "value")
        ):
            assert "too few to conclude" in text


@pytest.fixture(scope="module")
def real_metrics_csv(built) -> Path:
    """metrics.csv as the main job writes it (from the fixture data)."""
    return built.metrics_csv


def test_every_row_of_real_metrics_csv(real_metrics_csv):
    _exercise(pd.read_csv(real_metrics_csv, dtype={"year": str, "prev_year": str}))
    _exercise(pd.read_csv(real_metrics_csv, dtype=str, keep_default_na=False))


def test_real_examples(real_metrics_csv):
    frame = pd.read_csv(real_metrics_csv, dtype={"year": str, "prev_year": str})

    def one(council, year, metric):
        rows = frame[
            (frame.council == council) & (frame.year == year) & (frame.metric == metric) & (frame.source == "published")
        ]
        assert len(rows) == 1, (council, year, metric)
        return rows.iloc[0]

    text = change_sentence(one("dudley", "2022-23", "statutory_received"), "Statutory complaints")
    assert "too few to conclude" in text and "significant" not in text
    text = change_sentence(one("telford-wrekin", "2024-25", "statutory_received"), "Statutory complaints")
    assert "the same as in 2023-24" in text
