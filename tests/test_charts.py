"""Tests for complaints.reporting.charts: what deserves a chart, what the chart says, and the HTML around it.

The numbers in every chart's table are checked against the rows it was given; the HTML table is
parsed back and checked against the same rows. Every chart builder is also run over the project's
real outputs (every council, metric and published breakdown) to make sure nothing raises.
"""

from __future__ import annotations

import base64
import functools
import math
import re
import struct
import subprocess
import sys
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaints.reporting.charts import (
    CI_HIGH,
    CI_LOW,
    MAX_WIDTH_IN,
    SMALLEST_TEXT_PT,
    Chart,
    _consecutive_runs,
    _year_axis,
    chart_html,
    figure_view,
    format_cell,
    shares_chart,
    timeliness_chart,
    timeliness_label,
    trend_chart,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TARGETS = {"statutory_within_10wd_rate": 10, "statutory_within_20wd_rate": 20, "corporate_within_20wd_rate": 20}
EVIL = '<script>alert("x")</script> & "quotes"'


# ---------------------------------------------------------------------------------------------
# Helpers


def metric_rows(
    metric: str,
    kind: str,
    values: dict[str, float],
    ci: dict[str, tuple[float, float]] | None = None,
    num: dict[str, float] | None = None,
    den: dict[str, float] | None = None,
    council: str = "dudley",
) -> pd.DataFrame:
    rows = []
    for year, value in values.items():
        low, high = (ci or {}).get(year, (np.nan, np.nan))
        rows.append(
            {
                "council": council,
                "year": year,
                "metric": metric,
                "kind": kind,
                "value": value,
                "numerator": (num or {}).get(year, np.nan),
                "denominator": (den or {}).get(year, np.nan),
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)


COUNTS = metric_rows(
    "complaints_received",
    "count",
    {"2021-22": 271, "2022-23": 234, "2023-24": 255, "2024-25": 1838},
    ci={
        "2021-22": (239.69, 305.26),
        "2022-23": (204.98, 265.98),
        "2023-24": (224.66, 288.30),
        "2024-25": (1754.9, 1924.0),
    },
)
PROPORTIONS = metric_rows(
    "statutory_within_10wd_rate",
    "proportion",
    {"2021-22": 12 / 27, "2022-23": 2 / 8, "2024-25": 24 / 49},
    ci={"2021-22": (0.2759, 0.6269), "2022-23": (0.0715, 0.5907), "2024-25": (0.3558, 0.6253)},
    num={"2021-22": 12, "2022-23": 2, "2024-25": 24},
    den={"2021-22": 27, "2022-23": 8, "2024-25": 49},
)
RATES = metric_rows(
    "complaints_per_contact_rate",
    "rate",
    {"2022-23": 234 / 19448, "2024-25": 301 / 16861},
    ci={"2022-23": (0.010540, 0.013677), "2024-25": (0.015892, 0.019987)},
    num={"2022-23": 234, "2024-25": 301},
    den={"2022-23": 19448, "2024-25": 16861},
)
SHARES = pd.DataFrame(
    {
        "category": ["Not upheld", "Upheld", "Partially upheld"],
        "count": [24, 15, 10],
        "share": [24 / 49, 15 / 49, 10 / 49],
    }
)
TIMELINESS = pd.concat(
    [
        PROPORTIONS,
        metric_rows(
            "statutory_within_20wd_rate",
            "proportion",
            {"2021-22": 0.57, "2022-23": 0.9, "2024-25": 41 / 49},
            ci={"2024-25": (0.7096, 0.9149)},
            num={"2024-25": 41},
            den={"2021-22": 27, "2022-23": 8, "2024-25": 49},
        ),
        metric_rows(
            "corporate_within_20wd_rate",
            "proportion",
            {"2021-22": 142 / 244, "2022-23": 95 / 226},
            ci={"2021-22": (0.5193, 0.6421), "2022-23": (0.3579, 0.4855)},
            num={"2021-22": 142, "2022-23": 95},
            den={"2021-22": 244, "2022-23": 226},
        ),
        COUNTS,  # not a timeliness metric: ignored
    ],
    ignore_index=True,
)


@functools.cache
def example_charts() -> tuple[Chart, ...]:
    """Five charts, drawn once for the module (read them, never change them)."""
    return (
        trend_chart(COUNTS, "Complaints received", "Complaints"),
        trend_chart(PROPORTIONS, "Answered in time", "Within 10 working days"),
        trend_chart(RATES, "Complaints per contact", "Complaints"),
        shares_chart(SHARES, "Outcomes of statutory complaints", "Complaints"),
        timeliness_chart(TIMELINESS, "Timeliness", TARGETS),
    )


class _Page(HTMLParser):
    """Just enough of an HTML reader: tags with attributes, and the text of table cells."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.rows: list[list[str]] = []
        self.header: list[str] = []
        self.caption = self.figcaption = ""
        self._cell: list[str] | None = None
        self._in = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []
        if tag in ("caption", "figcaption"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            (self.header if tag == "th" else self.rows[-1]).append(text)
            self._cell = None
        if tag in ("caption", "figcaption"):
            self._in = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in == "caption":
            self.caption += data
        elif self._in == "figcaption":
            self.figcaption += data


def parse(markup: str) -> _Page:
    page = _Page()
    page.feed(markup)
    page.close()
    page.rows = [r for r in page.rows if r]
    return page


def as_number(text: str) -> float:
    """'1,838' -> 1838; '49%' -> 0.49; '£42,300' -> 42300; '–' -> nan."""
    if text == "–":
        return math.nan
    percent = text.endswith("%")
    value = float(text.replace("£", "").replace(",", "").rstrip("%"))
    return value / 100 if percent else value


@pytest.fixture(autouse=True)
def no_open_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a chart left a matplotlib figure open"


# ---------------------------------------------------------------------------------------------
# What does not deserve a chart


def test_trend_none_for_fewer_than_two_years():
    assert trend_chart(COUNTS.iloc[:1], "t", "Complaints") is None
    assert trend_chart(COUNTS.iloc[:0], "t", "Complaints") is None
    assert trend_chart(pd.DataFrame(), "t", "Complaints") is None
    both_but_one_missing = COUNTS.iloc[:2].copy()
    both_but_one_missing.loc[both_but_one_missing.index[1], "value"] = np.nan
    assert trend_chart(both_but_one_missing, "t", "Complaints") is None


def test_shares_none_for_fewer_than_two_categories():
    assert shares_chart(SHARES.iloc[:1], "t", "Complaints") is None
    assert shares_chart(SHARES.iloc[:0], "t", "Complaints") is None
    assert shares_chart(pd.DataFrame(), "t", "Complaints") is None
    nothing = SHARES.assign(count=np.nan, share=np.nan)
    assert shares_chart(nothing, "t", "Complaints") is None


def test_timeliness_none_for_fewer_than_two_points():
    one = PROPORTIONS.iloc[:1]
    assert timeliness_chart(one, "t", TARGETS) is None
    assert timeliness_chart(PROPORTIONS.iloc[:0], "t", TARGETS) is None
    assert timeliness_chart(pd.DataFrame(), "t", TARGETS) is None
    assert timeliness_chart(COUNTS, "t", TARGETS) is None  # no timeliness metric at all


def test_timeliness_counts_points_across_measures():
    two_measures_one_year = TIMELINESS[(TIMELINESS["year"] == "2024-25") & TIMELINESS["metric"].str.contains("within")]
    assert len(two_measures_one_year) == 2
    assert timeliness_chart(two_measures_one_year, "t", TARGETS) is not None


def test_rows_for_more_than_one_metric_or_council_are_refused():
    with pytest.raises(ValueError, match="metric"):
        trend_chart(pd.concat([COUNTS, PROPORTIONS]), "t", "x")
    with pytest.raises(ValueError, match="council"):
        trend_chart(pd.concat([COUNTS, COUNTS.assign(council="dorset")]), "t", "x")
    with pytest.raises(ValueError, match="year"):
        trend_chart(pd.concat([COUNTS, COUNTS]), "t", "x")


# ---------------------------------------------------------------------------------------------
# The image


@pytest.mark.parametrize("index", range(5))
def test_png_is_valid_and_not_trivial(index):
    chart = example_charts()[index]
    assert chart.png[:8] == PNG_MAGIC
    assert len(chart.png) > 5_000
    width, height = struct.unpack(">II", chart.png[16:24])
    assert 500 < width < 2500 and 200 < height < 2500


def test_agg_backend_and_light_import():
    import matplotlib

    assert matplotlib.get_backend().lower() == "agg"
    code = (
        "import sys, complaints.reporting.charts; "
        "heavy = [m for m in ('scipy', 'statsmodels', 'seaborn', 'IPython') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_year_axis_keeps_missing_years_in_order():
    assert _year_axis(["2024-25", "2019-20", "2021-22"]) == [
        "2019-20",
        "2020-21",
        "2021-22",
        "2022-23",
        "2023-24",
        "2024-25",
    ]
    assert _year_axis(["2099-00", "2098-99"]) == ["2098-99", "2099-00"]
    assert _year_axis(["b", "a"]) == ["a", "b"]  # not financial years: kept as they are, sorted


def test_lines_join_only_adjacent_years():
    assert _consecutive_runs([0, 1, 3, 4, 5]) == [[0, 1], [2, 3, 4]]
    assert _consecutive_runs([0, 2]) == [[0], [1]]


# ---------------------------------------------------------------------------------------------
# The table holds the numbers given


def test_trend_table_equals_input_counts():
    chart = trend_chart(COUNTS, "Complaints received", "Complaints")
    assert list(chart.table.columns) == ["Year", "Complaints", CI_LOW, CI_HIGH]
    assert list(chart.table["Year"]) == list(COUNTS["year"])
    np.testing.assert_array_equal(chart.table["Complaints"], COUNTS["value"])
    np.testing.assert_array_equal(chart.table[CI_LOW], COUNTS["ci_low"])
    np.testing.assert_array_equal(chart.table[CI_HIGH], COUNTS["ci_high"])


def test_trend_table_equals_input_proportions_with_counts():
    rows = PROPORTIONS.iloc[::-1]  # order of rows does not matter: years come out in order
    chart = trend_chart(rows, "Answered in time", "Within 10 working days")
    assert list(chart.table["Year"]) == ["2021-22", "2022-23", "2024-25"]
    np.testing.assert_allclose(chart.table["Within 10 working days"], PROPORTIONS["value"])
    np.testing.assert_array_equal(chart.table["Number"], PROPORTIONS["numerator"])
    np.testing.assert_array_equal(chart.table["Out of"], PROPORTIONS["denominator"])
    assert chart.formats["Within 10 working days"] == "percent"


def test_trend_rates_are_per_thousand_contacts():
    chart = trend_chart(RATES, "Complaints per contact", "Complaints")
    column = "Complaints per 1,000 contacts"
    np.testing.assert_allclose(chart.table[column], RATES["value"] * 1000)
    np.testing.assert_allclose(chart.table[CI_LOW], RATES["ci_low"] * 1000)
    np.testing.assert_array_equal(chart.table["Contacts"], RATES["denominator"])
    assert "12.0 per 1,000 contacts in 2022-23" in chart.alt
    assert "17.9 per 1,000 contacts in 2024-25" in chart.alt


def test_shares_table_sorted_and_equal_to_input():
    chart = shares_chart(SHARES.sample(frac=1, random_state=1), "Outcomes", "Complaints")
    assert list(chart.table["Category"]) == ["Not upheld", "Upheld", "Partially upheld"]
    merged = chart.table.merge(SHARES, left_on="Category", right_on="category")
    np.testing.assert_array_equal(merged["Complaints"], merged["count"])
    np.testing.assert_array_equal(merged["Share"], merged["share"])
    assert "Not upheld 24 (49%)" in chart.alt and "Partially upheld 10 (20%)" in chart.alt


def test_shares_by_share_when_counts_are_missing():
    remedies = pd.DataFrame(
        {
            "category": ["Information", "Explanation and apology", "Change of worker"],
            "count": np.nan,
            "share": [0.13, 0.39, 0.04],
        }
    )
    chart = shares_chart(remedies, "Remedies", "Complaints")
    assert list(chart.table.columns) == ["Category", "Share"]
    assert list(chart.table["Share"]) == [0.39, 0.13, 0.04]


def test_shares_leaves_out_and_names_a_category_without_a_figure():
    d = pd.concat([SHARES, pd.DataFrame({"category": ["Withdrawn"], "count": [np.nan], "share": [np.nan]})])
    chart = shares_chart(d, "Outcomes", "Complaints")
    assert "Withdrawn" not in set(chart.table["Category"])
    assert "Not shown" in chart.alt and "Withdrawn" in chart.alt


def test_timeliness_table_equals_input_and_uses_target_labels():
    chart = timeliness_chart(TIMELINESS, "Timeliness", TARGETS)
    table = chart.table
    wanted = TIMELINESS[TIMELINESS["metric"].str.contains("_within_")]
    assert len(table) == len(wanted)
    labels = {m: timeliness_label(m, TARGETS) for m in wanted["metric"].unique()}
    assert labels["statutory_within_10wd_rate"] == "Statutory stage 1 within 10 working days"
    assert labels["corporate_within_20wd_rate"] == "Corporate within 20 working days"
    for _, row in wanted.iterrows():
        got = table[(table["Year"] == row["year"]) & (table["Measure"] == labels[row["metric"]])]
        assert len(got) == 1
        assert got["Within timescale"].iloc[0] == pytest.approx(row["value"])
        pairs = [(CI_LOW, "ci_low"), (CI_HIGH, "ci_high"), ("Number", "numerator"), ("Out of", "denominator")]
        for mine, theirs in pairs:
            a, b = got[mine].iloc[0], row[theirs]
            assert (pd.isna(a) and pd.isna(b)) or a == pytest.approx(b)
    assert "Complaints" not in " ".join(table["Measure"])  # the count metric was ignored


def test_timeliness_label_follows_the_targets_given():
    assert timeliness_label("statutory_within_20wd_rate", {}) == "Statutory stage 1 within 20 working days"
    assert (
        timeliness_label("corporate_within_20wd_rate", {"corporate_within_20wd_rate": 15})
        == "Corporate within 15 working days"
    )
    assert timeliness_label("complaints_received", TARGETS) is None


# ---------------------------------------------------------------------------------------------
# Alt text


def test_alt_mentions_first_and_last_years_values():
    counts = trend_chart(COUNTS, "Complaints received", "Complaints")
    assert "271 in 2021-22" in counts.alt and "1,838 in 2024-25" in counts.alt
    props = trend_chart(PROPORTIONS, "Answered in time", "Within 10 working days")
    assert "44% in 2021-22" in props.alt and "49% in 2024-25" in props.alt
    assert "No figure for 2023-24" in props.alt
    timely = timeliness_chart(TIMELINESS, "Timeliness", TARGETS)
    assert "Statutory stage 1 within 10 working days: 44% in 2021-22, 25% in 2022-23 and 49% in 2024-25" in timely.alt
    assert "Corporate within 20 working days: 58% in 2021-22 and 42% in 2022-23" in timely.alt


def test_alt_says_where_there_is_no_interval():
    rows = PROPORTIONS.copy()
    rows.loc[0, ["ci_low", "ci_high", "numerator"]] = np.nan
    chart = trend_chart(rows, "Answered in time", "Within 10 working days")
    assert "No interval for 2021-22" in chart.alt
    assert pd.isna(chart.table.loc[0, CI_LOW])


def test_long_series_alt_gives_first_last_lowest_highest():
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(2010, 2020)]
    values = dict(zip(years, [50, 40, 70, 60, 55, 52, 30, 90, 61, 66]))
    chart = trend_chart(metric_rows("complaints_received", "count", values), "t", "Complaints")
    for text in ["50 in 2010-11", "66 in 2019-20", "lowest 30 in 2016-17", "highest 90 in 2017-18"]:
        assert text in chart.alt


# ---------------------------------------------------------------------------------------------
# HTML


@pytest.mark.parametrize("index", range(5))
def test_chart_html_is_self_contained_and_accessible(index):
    chart = example_charts()[index]
    markup = chart_html(chart)
    page = parse(markup)
    # base64 can spell anything, so look for links only in the rest of the markup
    text = re.sub(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", "data:", markup).lower()
    assert text.count("data:") == 1
    for link in ["http", "//", "url(", "<link", "<script", "@import"]:
        assert link not in text
    imgs = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(imgs) == 1
    assert imgs[0]["alt"] == chart.alt  # parser unescapes: the alt survives intact
    assert imgs[0]["src"].startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(imgs[0]["src"].split(",", 1)[1])
    assert svg == chart.svg
    # the picture is self-contained too: nothing fetched, no script; only the SVG namespaces name a URL
    inside = re.sub(
        rb'(xmlns(:xlink)?="http://www.w3.org/[^"]*"|"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd")', b"", svg
    )
    for link in [b"http", b"<script", b"<image", b"@import", b"url(http"]:
        assert link not in inside.lower()
    assert chart.png[:8] == b"\x89PNG\r\n\x1a\n"  # for PDF and Word
    assert [tag for tag, _ in page.tags][:2] == ["figure", "figcaption"]
    assert page.figcaption == chart.title
    assert chart.title in page.caption
    assert all(attrs.get("scope") == "col" for tag, attrs in page.tags if tag == "th")
    assert page.header == list(chart.table.columns)
    assert len(page.rows) == len(chart.table)


@pytest.mark.parametrize("index", range(5))
def test_chart_text_is_text_no_smaller_than_the_smallest_size_and_the_chart_fits_a4(index):
    chart = example_charts()[index]
    svg = chart.svg.decode("utf-8")
    sizes = [float(s) for s in re.findall(r"font-size: ?([0-9.]+)px", svg)]  # SVG px are the chart's points
    assert sizes and min(sizes) >= SMALLEST_TEXT_PT
    assert "<text" in svg  # text, not outlines: it scales, and prints crisp
    width_pt = float(re.search(r'<svg[^>]*width="([0-9.]+)pt"', svg)[1])
    assert width_pt <= MAX_WIDTH_IN * 72 + 1
    view = figure_view(chart)
    # on a phone the chart is never drawn narrower than min_width, where its smallest text is 10 px
    assert view["min_width"] / view["width"] * SMALLEST_TEXT_PT * 96 / 72 >= 10 - 0.05


@pytest.mark.parametrize("index", range(5))
def test_html_table_numbers_equal_chart_numbers(index):
    chart = example_charts()[index]
    page = parse(chart_html(chart))
    for cells, (_, row) in zip(page.rows, chart.table.iterrows()):
        for column, text in zip(chart.table.columns, cells):
            fmt = chart.formats.get(column, "text")
            value = row[column]
            if fmt == "text":
                assert text == str(value)
                continue
            if pd.isna(value):
                assert text == "–"
                continue
            shown = as_number(text)
            # shown rounded for reading: whole percentages, or counts/rates to their shown decimals
            decimals = len(text.rstrip("%").split(".")[1]) if "." in text else 0
            tolerance = (0.5 * 10**-decimals) / (100 if text.endswith("%") else 1)
            assert shown == pytest.approx(float(value), abs=tolerance + 1e-12), (column, text, value)


def test_html_formats_for_reading():
    assert format_cell(0.4915, "percent") == "49%"
    assert format_cell(0.004, "percent") == "0.4%"
    assert format_cell(1838, "number") == "1,838"
    assert format_cell(1838.0, "number") == "1,838"
    assert format_cell(239.69, "number") == "240"
    assert format_cell(14.58, "number") == "14.6"
    assert format_cell(0.0253, "number") == "0.03"
    assert format_cell(42300, "money") == "£42,300"
    assert format_cell(71608.96, "money") == "£71,608.96"
    assert format_cell(-500, "money") == "-£500"
    assert format_cell(np.nan, "percent") == "–"
    markup = chart_html(trend_chart(COUNTS, "Complaints received", "Complaints"))
    assert ">1,838<" in markup and ">1,924<" in markup
    markup = chart_html(trend_chart(PROPORTIONS, "Answered in time", "Within 10 working days"))
    assert ">44%<" in markup and ">49%<" in markup


def test_malicious_text_is_escaped():
    shares = SHARES.assign(category=[EVIL, "Upheld", "Partially upheld"])
    charts = [
        shares_chart(shares, EVIL, EVIL),
        trend_chart(COUNTS, EVIL, EVIL),
        timeliness_chart(TIMELINESS, EVIL, TARGETS),
    ]
    for chart in charts:
        markup = chart_html(chart)
        assert "<script" not in markup.lower()
        assert "&lt;script&gt;" in markup
        page = parse(markup)
        assert page.figcaption == EVIL
        assert [tag for tag, _ in page.tags].count("img") == 1
    page = parse(chart_html(charts[0]))
    assert EVIL in [cell for row in page.rows for cell in row]
    assert EVIL in page.header  # the label names the count column


def test_dollars_and_odd_text_in_data_are_drawn_as_written():
    odd = SHARES.assign(category=["Cost $5 and $6", r"$\foo$ {bad} ^_", "x" * 200])
    chart = shares_chart(odd, r"Title with $\alpha", "$ spent")
    assert chart is not None and chart.png[:8] == PNG_MAGIC
    assert trend_chart(COUNTS, r"$\badcommand$", "$") is not None


def test_chart_html_works_for_a_hand_made_chart():
    chart = Chart(
        title="T", alt="A", table=pd.DataFrame({"Year": ["2024-25"], "Value": [1234.0]}), png=example_charts()[0].png
    )
    page = parse(chart_html(chart))
    assert page.rows == [["2024-25", "1,234"]]


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 100_000)), min_size=1, max_size=12), st.integers(1990, 2030))
def test_trend_of_any_counts(values, start):
    years = [f"{start + i}-{(start + i + 1) % 100:02d}" for i in range(len(values))]
    rows = metric_rows(
        "complaints_received",
        "count",
        {y: (np.nan if v is None else v) for y, v in zip(years, values)},
        ci={
            y: (max(v - 3 * math.sqrt(v), 0), v + 3 * math.sqrt(v) + 3) for y, v in zip(years, values) if v is not None
        },
    )
    chart = trend_chart(rows, "Complaints", "Complaints")
    present = [(y, v) for y, v in zip(years, values) if v is not None]
    if len(present) < 2:
        assert chart is None
        return
    assert list(chart.table["Year"]) == [y for y, _ in present]
    assert list(chart.table["Complaints"]) == [v for _, v in present]
    assert f"{present[0][1]:,} in {present[0][0]}" in chart.alt
    assert f"{present[-1][1]:,} in {present[-1][0]}" in chart.alt
    gaps = [y for y, v in zip(years, values) if v is None and present[0][0] < y < present[-1][0]]
    if gaps:
        assert "No figure for" in chart.alt and all(g in chart.alt for g in gaps)
    assert chart.png[:8] == PNG_MAGIC


LATIN = st.characters(min_codepoint=32, max_codepoint=0x17F, exclude_categories=("Cc",))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(LATIN, min_size=1, max_size=60) | st.sampled_from([EVIL, "Cost $5 and $6", r"$\foo$", "a\nb"]),
            st.integers(0, 5000),
        ),
        min_size=0,
        max_size=15,
    )
)
def test_shares_of_any_categories(items):
    frame = pd.DataFrame(items, columns=["category", "count"])
    total = frame["count"].sum()
    frame["share"] = frame["count"] / total if total else np.nan
    chart = shares_chart(frame, "Breakdown", "Complaints")
    if len(frame) < 2:
        assert chart is None
        return
    assert sorted(chart.table["Complaints"], reverse=True) == list(chart.table["Complaints"])
    assert sorted(chart.table["Complaints"]) == sorted(frame["count"])
    markup = chart_html(chart)
    assert "<script" not in markup.lower()
    page = parse(markup)
    assert [row[0] for row in page.rows] == list(chart.table["Category"])


# ---------------------------------------------------------------------------------------------
# The real outputs: every council, metric and breakdown


@pytest.fixture(scope="module")
def real_outputs(built) -> tuple[pd.DataFrame, pd.DataFrame]:
    """metrics.csv and figures.csv as the main job writes them (from the fixture data)."""
    paths = built
    metrics = pd.read_csv(paths.metrics_csv, dtype={"year": str, "prev_year": str})
    figures = pd.read_csv(paths.figures_csv, dtype={"year": str})
    return metrics, figures


@pytest.mark.slow
def test_trend_over_every_real_council_and_metric(real_outputs):
    metrics, _ = real_outputs
    drawn = 0
    for (council, metric, _), rows in metrics.groupby(["council", "metric", "source"]):
        chart = trend_chart(rows, f"{council}: {metric}", metric)
        years = rows.loc[rows["value"].notna(), "year"].sort_values()
        if len(years) < 2:
            assert chart is None
            continue
        drawn += 1
        assert chart.png[:8] == PNG_MAGIC
        assert years.iloc[0] in chart.alt and years.iloc[-1] in chart.alt
        assert len(chart.table) == len(years)
        assert plt.get_fignums() == []
        chart_html(chart)
    assert drawn > 0


def test_timeliness_over_every_real_council(real_outputs):
    metrics, _ = real_outputs
    for (council, _), rows in metrics.groupby(["council", "source"]):
        chart = timeliness_chart(rows, f"Timeliness: {council}", TARGETS)
        timely = rows[rows["metric"].str.contains(r"_within_\d+wd_rate$") & rows["value"].notna()]
        assert (chart is None) == (len(timely) < 2)
        if chart is not None:
            assert len(chart.table) == len(timely)
            chart_html(chart)


@pytest.mark.slow
def test_shares_over_every_real_breakdown(real_outputs):
    _, figures = real_outputs
    breakdowns = figures[figures["category"].notna()]
    for (council, year, measure), rows in breakdowns.groupby(["council", "year", "measure"]):
        shares = pd.DataFrame(
            {
                "category": rows["category"],
                "count": rows["value"],
                "share": pd.to_numeric(rows["pct"], errors="coerce") / 100,
            }
        )
        chart = shares_chart(shares, f"{council} {year}: {measure}", "Complaints")
        if chart is not None:
            assert len(chart.table) >= 2
            chart_html(chart)
    outcomes = figures[
        figures["measure"].isin(
            [
                "statutory_upheld",
                "statutory_partially_upheld",
                "statutory_not_upheld",
                "corporate_upheld",
                "corporate_partially_upheld",
                "corporate_not_upheld",
            ]
        )
        & figures["category"].isna()
    ]
    for (council, year), rows in outcomes.groupby(["council", "year"]):
        for procedure in ["statutory", "corporate"]:
            part = rows[rows["measure"].str.startswith(procedure)]
            shares = pd.DataFrame(
                {
                    "category": part["measure"]
                    .str.replace(f"{procedure}_", "", regex=False)
                    .str.replace("_", " ")
                    .str.capitalize(),
                    "count": part["value"],
                    "share": np.nan,
                }
            )
            chart = shares_chart(shares, f"{council} {year}: {procedure} outcomes", "Complaints")
            assert (chart is None) == (part["value"].notna().sum() < 2)


# --------------------------------------------------------------------------- drawn once, kept across runs


def _view(chart: Chart) -> dict:
    view = figure_view(chart)
    view.pop("png")
    return view


def test_a_chart_is_drawn_once_and_its_png_only_when_asked_for(monkeypatch):
    from complaints.reporting import charts as module

    monkeypatch.setitem(module._CACHE, "folder", None)  # a report built earlier in this process may have set one
    saved: list[str] = []
    real = module.Figure.savefig
    monkeypatch.setattr(
        module.Figure, "savefig", lambda fig, out, **kw: (saved.append(kw["format"]), real(fig, out, **kw))
    )
    chart = trend_chart(COUNTS, "Complaints received", "Complaints")
    chart_html(chart)
    assert saved == ["svg"]  # a page needs no PNG
    assert chart.png[:8] == PNG_MAGIC and chart.png is chart.png
    assert saved == ["svg", "png"]  # drawn once, when first asked for, then kept


@pytest.mark.parametrize("draw", [0, 3, 4])
def test_a_kept_chart_is_the_chart_drawn_and_new_data_is_drawn_anew(tmp_path, monkeypatch, draw):
    from complaints.reporting import charts as module

    calls = {
        0: (trend_chart, COUNTS, "Complaints received", "Complaints"),
        3: (shares_chart, SHARES, "Outcomes of statutory complaints", "Complaints"),
        4: (timeliness_chart, TIMELINESS, "Timeliness", TARGETS),
    }
    function, data, *words = calls[draw]
    monkeypatch.setitem(module._CACHE, "folder", None)
    drawn = []
    real = module._images
    monkeypatch.setattr(module, "_images", lambda fig: (drawn.append(1), real(fig))[1])
    fresh = function(data, *words)
    module.use_cache(tmp_path)
    try:
        first = function(data, *words)  # drawn, and kept
        assert len(drawn) == 2
        again = function(data, *words)  # not drawn
        assert len(drawn) == 2
        assert _view(again) == _view(first) == _view(fresh)
        assert again.svg == fresh.svg
        assert again.png == fresh.png  # drawn now (it was not kept: nothing had asked for it), then kept
        assert function(data, *words).png == fresh.png and len(drawn) == 3
        changed = data.copy()
        column = "value" if "value" in changed.columns else changed.select_dtypes("number").columns[0]
        changed[column] = changed[column] * 2
        function(changed, *words)
        assert len(drawn) == 4  # other data: drawn anew
    finally:
        module.use_cache(None)
