"""Benchmarking councils (complaints.analysis.comparability, and its words and pictures in
complaints.reporting.comparisons): funnel limits against brute-force binomial tails, the
comparability rule, a year with one council, the publication matrix and the charts."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, chi2, mstats, norm

from complaints.analysis import comparability as bm
from complaints.analysis import stats
from complaints.reporting import comparisons as views

# ---------------------------------------------------------------------------------------------
# Fixtures: the published figures of the fixture data (`results` is in conftest.py)


@pytest.fixture(scope="module")
def defs(results):
    return results.definitions


@pytest.fixture(scope="module")
def metrics(results):
    # through CSV, as readers of outputs/metrics.csv see it (published and records rows alike)
    from io import StringIO

    return pd.read_csv(StringIO(results.metrics.to_csv(index=False)))


# ---------------------------------------------------------------------------------------------
# Funnel limits, worked independently


def brute_lower(p0: float, n: int, tail: float) -> float:
    """Spiegelhalter's interpolated lower limit, by walking up the counts with binom.cdf."""
    r = 0
    while binom.cdf(r, n, p0) < tail:
        r += 1
    f_r = binom.cdf(r, n, p0)
    f_below = binom.cdf(r - 1, n, p0) if r > 0 else 0.0
    return (r - (f_r - tail) / (f_r - f_below)) / n


def brute_upper(p0: float, n: int, tail: float) -> float:
    """The same interpolation from the top: walk down the counts with binom.sf (P(X >= s))."""
    s = n
    while binom.sf(s - 1, n, p0) < tail:  # P(X >= s) still below the tail: go down
        s -= 1
    at_s = binom.sf(s - 1, n, p0)  # P(X >= s) >= tail
    above = binom.sf(s, n, p0)  # P(X >= s + 1) < tail
    return (s + (at_s - tail) / (at_s - above)) / n


CASES = [(0.5, 10), (0.3, 49), (0.84, 23), (0.9, 5), (0.9, 12), (0.95, 30), (0.1, 200), (0.62, 72)]


@pytest.mark.parametrize("p0,n", CASES)
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_funnel_limits_match_brute_force(p0, n, level):
    tail = (1 - level) / 2
    lab = "95" if level == 0.95 else "99_8"
    limits = bm.funnel_limits_two_sided(p0, [n], levels=(level,))
    assert limits[f"lower_{lab}"].iloc[0] == pytest.approx(max(brute_lower(p0, n, tail), 0.0), abs=1e-9)
    assert limits[f"upper_{lab}"].iloc[0] == pytest.approx(min(brute_upper(p0, n, tail), 1.0), abs=1e-9)


@pytest.mark.parametrize("p0,n", CASES)
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_outside_the_limits_exactly_when_the_binomial_tail_is_below_it(p0, n, level):
    """Every possible count k: above the upper limit iff P(X >= k) < tail; below the lower limit
    iff P(X <= k) < tail (the exact binomial definition of the limits)."""
    tail = (1 - level) / 2
    lab = "95" if level == 0.95 else "99_8"
    limits = bm.funnel_limits_two_sided(p0, [n], levels=(level,)).iloc[0]
    for k in range(n + 1):
        p = k / n
        assert (p > limits[f"upper_{lab}"] + 1e-12) == (binom.sf(k - 1, n, p0) < tail), k
        assert (p < limits[f"lower_{lab}"] - 1e-12) == (binom.cdf(k, n, p0) < tail), k


def test_worked_values():
    # p0 = 0.5, n = 10, 95%: P(X <= 1) = 11/1024 < 0.025 <= P(X <= 2) = 56/1024, so r = 2 and
    # lower = (2 - (56/1024 - 0.025) / (45/1024)) / 10; by symmetry upper = 1 - lower.
    lower = (2 - (56 / 1024 - 0.025) / (45 / 1024)) / 10
    limits = bm.funnel_limits_two_sided(0.5, [10]).iloc[0]
    assert limits["lower_95"] == pytest.approx(lower)
    assert limits["upper_95"] == pytest.approx(1 - lower)
    # p0 = 0.9, n = 5: k = 5 (probability 0.59, the likeliest count) must be inside the limits.
    limits = bm.funnel_limits_two_sided(0.9, [5]).iloc[0]
    assert limits["upper_95"] == pytest.approx(1.0)
    assert limits["upper_99_8"] == pytest.approx(1.0)


def test_published_upper_limit_quirk_is_why_the_mirror_is_used():
    """The published interpolation's upper limit stays below 1 for p0 = 0.9, n = 5, and so would
    put k = n (P = 0.59) outside the 99.8% limits; the mirrored upper limit does not."""
    published = stats.funnel_limits(0.9, [5]).iloc[0]
    assert published["upper_99_8"] < 1.0
    assert binom.pmf(5, 5, 0.9) > 0.5
    # the lower limits are the published ones
    for p0, n in CASES:
        assert np.allclose(bm.funnel_limits_two_sided(p0, [n])["lower_95"], stats.funnel_limits(p0, [n])["lower_95"])


# ---------------------------------------------------------------------------------------------
# The comparability rule, on the real published data


def definitions_in_words(table: pd.DataFrame, defs) -> pd.Series:
    return pd.Series([views.definition_words(r, defs) for _, r in table.iterrows()], index=table.index)


def test_timeliness_with_different_denominators_is_refused(metrics, defs):
    with pytest.raises(bm.NotComparable) as err:
        bm.require_comparable(metrics, "2024-25", "statutory_within_10wd_rate", defs)
    assert err.value.judgement.differs == "denominator"
    assert set(err.value.judgement.definitions) == {"dudley", "telford-wrekin"}
    assert "statutory_received" in str(err.value) and "statutory_stage1_responded" in str(err.value)
    words = views.reason(err.value.judgement, defs)
    assert "Dudley" in words and "Telford & Wrekin" in words
    assert "responded to" in words and "received" in words
    table = bm.comparability(metrics, "2024-25", defs).set_index("metric")
    row = table.loc["statutory_within_10wd_rate"]
    assert not row["comparable"] and row["differs"] == "denominator"
    reason = views.reason(row["judgement"], defs)
    assert "Telford & Wrekin's of statutory stage 1 complaints responded to" in reason
    assert "Dudley's share is of statutory complaints received" in reason
    # the refusal reaches the charts and the funnel
    for build in (views.side_by_side_chart, views.funnel_chart, bm.funnel_data):
        with pytest.raises(ValueError, match="cannot be put on one axis"):
            build(metrics, "2024-25", "statutory_within_20wd_rate", defs)
    # but the table, with each definition stated, is allowed
    table = bm.side_by_side(metrics, "2024-25", "statutory_within_10wd_rate", defs).set_index("council")
    words = definitions_in_words(table, defs)
    assert "responded to" in words["telford-wrekin"]
    assert "received" in words["dudley"]


def test_complaints_per_contact_is_refused(metrics, defs):
    with pytest.raises(bm.NotComparable) as err:
        bm.require_comparable(metrics, "2024-25", "statutory_per_contact_rate", defs)
    assert err.value.judgement.differs == "contacts"
    words = views.reason(err.value.judgement, defs)
    assert "contacts its own way" in words and "Dudley" in words and "Telford & Wrekin" in words
    # complaints_per_contact_rate, were Telford & Wrekin to publish it too
    extra = metrics[
        (metrics["metric"] == "complaints_per_contact_rate")
        & (metrics["year"] == "2024-25")
        & (metrics["source"] == "published")
    ].copy()
    extra["council"] = "telford-wrekin"
    both = pd.concat([metrics, extra], ignore_index=True)
    with pytest.raises(bm.NotComparable) as err:
        bm.require_comparable(both, "2024-25", "complaints_per_contact_rate", defs)
    assert "contacts its own way" in views.reason(err.value.judgement, defs)
    sbs = bm.side_by_side(both, "2024-25", "complaints_per_contact_rate", defs)
    words = definitions_in_words(sbs, defs)
    assert words.str.contains("Contacts:").all()
    assert words.nunique() == 2


def test_statutory_received_is_comparable(metrics, defs):
    rows = bm.require_comparable(metrics, "2024-25", "statutory_received", defs)
    assert set(rows["council"]) == {"dudley", "telford-wrekin"}
    table = bm.comparability(metrics, "2024-25", defs).set_index("metric")
    assert table.at["statutory_received", "comparable"]


def test_benchmark_years_on_the_real_data(metrics, defs):
    assert bm.benchmark_years(metrics, defs) == ["2024-25"]


def test_records_rows_are_never_benchmarked(metrics, defs):
    synthetic = metrics[
        (metrics["metric"] == "statutory_received")
        & (metrics["year"] == "2024-25")
        & (metrics["source"] == "published")
    ].copy()
    synthetic["source"] = "records"
    synthetic["year"] = "2019-20"
    assert "2019-20" not in bm.benchmark_years(pd.concat([metrics, synthetic]), defs)


# ---------------------------------------------------------------------------------------------
# A year with one council


@pytest.mark.parametrize("year", ["2019-20"])
def test_a_year_with_one_council(metrics, defs, year):
    assert year not in bm.benchmark_years(metrics, defs)
    assert len(bm.comparability(metrics, year, defs)) == 0
    assert len(bm.funnel_data(metrics, year, "complaints_within_20wd_rate", defs)) == 0
    assert views.funnel_chart(metrics, year, "complaints_within_20wd_rate", defs) is None
    assert views.side_by_side_chart(metrics, year, "complaints_within_20wd_rate", defs) is None
    assert len(bm.side_by_side(metrics, year, "complaints_within_20wd_rate", defs)) == 1
    assert len(bm.side_by_side(metrics, year, "no_such_metric", defs)) == 0
    words = " ".join(views.sentences(metrics, year, defs))
    assert "Only one council, Dudley, publishes figures for 2019-20" in words


def test_a_year_with_councils_but_nothing_in_common(metrics, defs):
    assert "2021-22" not in bm.benchmark_years(metrics, defs)
    words = " ".join(views.sentences(metrics, "2021-22", defs))
    assert "nothing can be compared" in words


def test_narrative_2024_25(metrics, defs):
    sentences = views.sentences(metrics, "2024-25", defs)
    words = " ".join(sentences)
    assert "Telford & Wrekin" in words  # plain text: the templates escape it
    assert "Statutory stage 1 responses within 10 working days cannot be compared" in words
    assert "counts contacts its own way" in words
    assert "statutory complaints received at stage 1 (Dudley and Telford & Wrekin)" in words
    assert "Small numbers" in words and "statistically" not in words and "chance" not in words


# ---------------------------------------------------------------------------------------------
# The matrix


def test_publication_matrix(metrics, defs):
    matrix = views.publication_matrix(metrics, defs.councils, defs).set_index("Metric")
    assert list(matrix.columns) == ["Description", "Dorset", "Dudley", "Telford & Wrekin"]
    assert matrix.at["statutory_received", "Dudley"] == "2021-22, 2022-23, 2024-25"
    assert matrix.at["statutory_received", "Telford & Wrekin"] == "2023-24, 2024-25"
    assert matrix.at["statutory_received", "Dorset"] == ""
    assert matrix.at["statutory_received", "Description"] == "Statutory complaints received at stage 1"
    year = views.publication_matrix_year(metrics, defs.councils, "2024-25", defs).set_index("Metric")
    assert year.at["statutory_received", "Dudley"] == views.TICK
    assert year.at["statutory_upheld_any_rate", "Telford & Wrekin"] == ""


# ---------------------------------------------------------------------------------------------
# Funnel and charts on a made-up comparable proportion


def made_up(ks, ns, metric="statutory_within_20wd_rate", year="2030-31") -> pd.DataFrame:
    councils = ["dudley", "telford-wrekin", "dorset"][: len(ks)]
    rows = []
    for c, k, n in zip(councils, ks, ns):
        lo, hi = stats.wilson_ci(k, n)
        rows.append(
            {
                "council": c,
                "year": year,
                "metric": metric,
                "kind": "proportion",
                "value": k / n,
                "numerator": k,
                "denominator": n,
                "ci_low": lo,
                "ci_high": hi,
                "source": "published",
                "numerator_measure": "statutory_within_20wd",
                "denominator_measure": "statutory_received",
            }
        )
    return pd.DataFrame(rows)


def test_funnel_data_and_words(defs):
    frame = made_up([180, 20, 3], [200, 40, 25])
    data = bm.funnel_data(frame, "2030-31", "statutory_within_20wd_rate", defs).set_index("council")
    p0 = 203 / 265
    assert data["p0"].iloc[0] == pytest.approx(p0)
    for c, k, n in [("dudley", 180, 200), ("telford-wrekin", 20, 40), ("dorset", 3, 25)]:
        tail = 0.001
        outside = binom.sf(k - 1, n, p0) < tail or binom.cdf(k, n, p0) < tail
        assert (not data.at[c, "within_99_8"]) == outside
    assert not data.at["dorset", "within_99_8"]
    assert data.at["dorset", "small_numbers"]
    words = " ".join(views.sentences(frame, "2030-31", defs))
    assert "Dorset's 12% (3 of 25) differs from the pooled figure by more than chance would explain" in words


def test_charts(defs):
    before = plt.get_fignums()
    one = made_up([10], [20])
    assert views.funnel_chart(one, "2030-31", "statutory_within_20wd_rate", defs) is None
    assert views.side_by_side_chart(one, "2030-31", "statutory_within_20wd_rate", defs) is None
    frame = made_up([40, 15], [49, 23])
    band = {"low": 0.5, "high": 0.73, "label": "West Midlands Complaints Officer Group range (2021)"}
    for build in (views.funnel_chart, views.side_by_side_chart):
        chart = build(frame, "2030-31", "statutory_within_20wd_rate", defs, reference_band=band)
        assert chart.png[:8] == b"\x89PNG\r\n\x1a\n"
        assert "Dudley" in chart.alt and "82%" in chart.alt and "West Midlands" in chart.alt
        assert len(chart.table) == 2
    ten = made_up([40, 15], [49, 23], metric="statutory_within_10wd_rate")
    ten["numerator_measure"] = "statutory_within_10wd"
    with pytest.raises(ValueError, match="20 working days"):
        views.funnel_chart(ten, "2030-31", "statutory_within_10wd_rate", defs, reference_band=band)
    assert plt.get_fignums() == before


def test_reference_band_from_figures(results):
    band = bm.reference_band_from_figures(results.figures)
    assert band["low"] == pytest.approx(0.5) and band["high"] == pytest.approx(0.73)
    label = views.band_label(band)
    assert "definitions are unknown" in label and "2021" in label


def test_side_by_side_real_chart(metrics, defs):
    chart = views.side_by_side_chart(metrics, "2024-25", "statutory_received", defs)
    assert "Dudley 49" in chart.alt and "Telford & Wrekin 23" in chart.alt
    assert list(chart.table["Council"]) == ["Dudley", "Telford & Wrekin"]


def test_trend_table(metrics, defs):
    table = bm.trend_table(metrics, "statutory_received", defs.councils, defs).set_index("Year")
    assert table.at["2024-25", "Dudley"] == 49 and table.at["2024-25", "Telford & Wrekin"] == 23
    assert table.at["2024-25", "comparable"] and not table.at["2021-22", "comparable"]


def test_text_is_plain_and_escaped_by_the_templates(defs):
    frame = made_up([40, 15], [49, 23])
    sentences = views.sentences(frame, "2030-31", defs)
    assert sentences[0].startswith("Dudley and Telford & Wrekin")
    from complaints.reporting.templating import paragraph, section

    assert "Telford &amp; Wrekin" in section([paragraph(sentences[0])])


# --------------------------------------------------------------------------- the benchmarking report


@pytest.fixture(scope="module")
def built_outputs(built):
    return built


def test_benchmark_report_for_a_year_with_a_comparable_measure(built_outputs):
    from complaints.reporting.benchmark_report import SECTIONS, load_benchmark

    report = load_benchmark("2024-25", data_dir=str(built_outputs.data), outputs_dir=str(built_outputs.outputs))
    page = {name: report.section(name) for name in SECTIONS}
    assert "Dudley, Telford &amp; Wrekin" in page["title"] and "Dorset" not in page["title"]
    assert "Statutory complaints received at stage 1" in page["side_by_side"] and "<img" in page["side_by_side"]
    assert "cannot be compared" in page["compared"]
    assert "no funnel plot can be drawn" in page["funnel"]
    assert "What counts as a contact" in page["contacts"]


def test_benchmark_report_for_a_year_with_one_council(built_outputs):
    from complaints.reporting.benchmark_report import SECTIONS, load_benchmark

    report = load_benchmark("2019-20", data_dir=str(built_outputs.data), outputs_dir=str(built_outputs.outputs))
    page = {name: report.section(name) for name in SECTIONS}
    assert "Only one council, Dudley" in page["compared"]
    assert "<img" not in page["side_by_side"]


# ---------------------------------------------------------------------------------------------
# Over-dispersion on a funnel (Spiegelhalter 2005) and the one small-number rule


def many_councils(ks, ns) -> pd.DataFrame:
    frame = made_up([1] * len(ks), [2] * len(ks))  # three known councils at most: the rest made up
    rows = []
    for i, (k, n) in enumerate(zip(ks, ns)):
        rows.append(
            dict(
                frame.iloc[0],
                council=f"council-{i:02d}",
                value=k / n,
                numerator=k,
                denominator=n,
            )
        )
    return pd.DataFrame(rows)


def test_funnel_widened_for_overdispersion_with_ten_councils(defs):
    ks = [60, 150, 95, 170, 40, 120, 200, 75, 130, 55, 180, 90]
    ns = [100, 200, 190, 210, 90, 150, 240, 150, 170, 110, 220, 160]
    data = bm.funnel_data(many_councils(ks, ns), "2030-31", "statutory_within_20wd_rate", defs)
    p0 = sum(ks) / sum(ns)
    z = (np.array(ks) / np.array(ns) - p0) / np.sqrt(p0 * (1 - p0) / np.array(ns))
    phi = float(np.mean(np.asarray(mstats.winsorize(z, limits=(0.1, 0.1))) ** 2))
    assert len(ks) * phi > chi2.ppf(0.95, len(ks) - 1)  # over-dispersed
    assert (data["dispersion_basis"] == "pooled").all() and data["dispersion"].iloc[0] == pytest.approx(phi)
    half = norm.isf(0.025) * np.sqrt(phi * p0 * (1 - p0) / np.array(ns))
    assert data["upper_95"].to_numpy() == pytest.approx(np.clip(p0 + half, 0, 1))
    assert data["lower_95"].to_numpy() == pytest.approx(np.clip(p0 - half, 0, 1))


def test_funnel_with_fewer_than_ten_councils_says_no_dispersion(defs):
    data = bm.funnel_data(made_up([180, 20, 3], [200, 40, 25]), "2030-31", "statutory_within_20wd_rate", defs)
    assert (data["dispersion"] == 1).all() and (data["dispersion_basis"] == "none").all()


@pytest.mark.parametrize(
    "kind, numerator, denominator, small",
    [
        ("count", 9, None, True),
        ("count", 10, None, False),
        ("rate", 8, 19448, True),  # Dudley's statutory complaints per contact, 2022-23
        ("proportion", 20, 29, True),  # base under 30
        ("proportion", 9, 40, True),  # numerator under 10
        ("proportion", 10, 30, False),
        ("mean", 3, None, False),
    ],
)
def test_benchmark_small_numbers_is_the_one_rule(kind, numerator, denominator, small):
    assert bm.is_small(kind, numerator, denominator, None) is small


# ---------------------------------------------------------------------------------------------
# Council size: counts per 10,000 children


@pytest.mark.parametrize("k, children", [(0, 50_000), (3, 12_345), (49, 61_234), (23, 41_000), (301, 250_000)])
def test_rate_per_10000_is_the_exact_poisson_interval_over_the_children(k, children):
    from statsmodels.stats.rates import confint_poisson

    rate = bm.rate_per_10000(k, children)
    low, high = confint_poisson(k, children / 10_000, method="exact-c")
    assert rate.rate == pytest.approx(k / children * 10_000)
    assert rate.ci_low == pytest.approx(low, abs=1e-12) and rate.ci_high == pytest.approx(high)
    if k == 0:
        assert rate.ci_low == 0


@pytest.mark.parametrize("children", [0, -5, float("nan"), None, True])
def test_rate_per_10000_needs_children(children):
    with pytest.raises(ValueError):
        bm.rate_per_10000(10, children)


POPULATIONS = {
    # made up for the test: never in data/ (the shipped configurations give no population)
    "dudley": (72_000, "mid-2023", "A made-up estimate for this test"),
    "telford-wrekin": (41_000, "mid-2022", "Another made-up estimate"),
}


@pytest.fixture(scope="module")
def with_population(tmp_path_factory):
    """A copy of the fixture data whose Dudley and Telford & Wrekin configurations give a [population],
    with the main job's outputs written."""
    import shutil

    from conftest import FIXTURE_DATA

    from complaints.inputs.paths import Paths
    from complaints.running.pipeline import compute, write_results

    root = tmp_path_factory.mktemp("population")
    shutil.copytree(FIXTURE_DATA, root / "data")
    (root / "outputs").mkdir()
    for council, (children, year, source) in POPULATIONS.items():
        path = root / "data" / "councils" / f"{council}.toml"
        text = f'\n[population]\nchildren_0_17 = {children}\nyear = "{year}"\nsource = "{source}"\n'
        path.write_text(path.read_text() + text)
    paths = Paths(data=root / "data", outputs=root / "outputs")
    write_results(compute(paths), paths)
    return paths


def test_counts_per_10000_children(with_population):
    from scipy.stats import chi2

    from complaints.reporting.benchmark_report import load_benchmark

    report = load_benchmark("2024-25", data_dir=str(with_population.data), outputs_dir=str(with_population.outputs))
    table = bm.per_children(report.metrics, "2024-25", "statutory_received", report.defs).set_index("council")
    for council, k in [("dudley", 49), ("telford-wrekin", 23)]:
        children, year, source = POPULATIONS[council]
        row = table.loc[council]
        assert row["count"] == k and row["children_0_17"] == children
        assert row["population_year"] == year and row["population_source"] == source
        assert row["per_10000"] == pytest.approx(k / children * 10_000)
        assert row["ci_low"] == pytest.approx(chi2.ppf(0.025, 2 * k) / 2 / children * 10_000)
        assert row["ci_high"] == pytest.approx(chi2.ppf(0.975, 2 * k + 2) / 2 / children * 10_000)
    page = report.section("size")
    # 49 of 72,000 is 6.8 per 10,000 (5.0 to 9.0); 23 of 41,000 is 5.6 (3.6 to 8.4)
    assert "Dudley 6.8 (95% interval 5.0 to 9.0; 49 among 72,000 children)" in page
    assert "Telford &amp; Wrekin 5.6 (95% interval 3.6 to 8.4; 23 among 41,000 children)" in page
    assert "A made-up estimate for this test (mid-2023)" in page and "Another made-up estimate (mid-2022)" in page
    assert "estimates are for different dates" in page
    assert "No council&#39;s configuration" not in page
    # a council of the pair without a population: its count is not compared for size
    dudley_only = {**report.defs.councils}
    dudley_only["telford-wrekin"] = replace(dudley_only["telford-wrekin"], population=None)
    one = replace(report, defs=replace(report.defs, councils=dudley_only))
    page = one.section("size")
    assert "Only Dudley&#39;s configuration gives its number of children" in page
    assert "6.8" not in page
    assert bm.per_children(one.metrics, "2024-25", "statutory_received", one.defs)["per_10000"].notna().sum() == 1


def test_without_a_population_counts_are_not_compared_for_size(built_outputs):
    from complaints.reporting.benchmark_report import NO_POPULATION, load_benchmark

    report = load_benchmark("2024-25", data_dir=str(built_outputs.data), outputs_dir=str(built_outputs.outputs))
    assert all(c.population is None for c in report.defs.councils.values())
    page = report.section("size")
    assert NO_POPULATION.replace("'", "&#39;") in page
    assert "<table" not in page and "per 10,000 children aged" not in page


# ---------------------------------------------------------------------------------------------
# The benchmarking report reads as words and formatted numbers


class _Page(HTMLParser):
    """The text a reader sees (alt text included: it is read aloud), and every table's cells."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._skip = 0
        self._cell: list[str] | None = None
        self._in_table = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "img" and attrs.get("alt"):
            self.text.append(attrs["alt"])
        if tag == "table":
            self.tables.append([])
        if tag == "tr" and self.tables:
            self.tables[-1].append([])
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "td" and self._cell is not None:
            self.tables[-1][-1].append(" ".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


RAW_NUMBER = re.compile(r"(?<![\w.,£])(\d+)\.(\d+)(?![\w.])")


def _significant_digits(whole: str, fraction: str) -> int:
    return len((whole + fraction).lstrip("0"))


def readability_problems(sections: dict[str, str], identifiers: list[str]) -> list[str]:
    """What a person should never meet in the report: raw floats (more than 3 significant digits),
    Python booleans, metric or measure identifiers (outside the appendix), and table columns that are
    empty in every row."""
    problems = []
    for name, html in sections.items():
        page = _read(html)
        text = " ".join(page.text)
        for m in RAW_NUMBER.finditer(text):
            if _significant_digits(m.group(1), m.group(2)) > 3:
                problems.append(f"{name}: raw number {m.group(0)}")
        problems += [f"{name}: {b}" for b in re.findall(r"\b(?:True|False)\b", text)]
        if name != "provenance":  # the appendix
            for identifier in identifiers:
                if re.search(rf"(?<![A-Za-z0-9_]){re.escape(identifier)}(?![A-Za-z0-9_])", text):
                    problems.append(f"{name}: identifier {identifier}")
        for t, rows in enumerate(page.tables):
            rows = [r for r in rows if r]
            width = max((len(r) for r in rows), default=0)
            for c in range(width):
                if all((r[c] if c < len(r) else "") in ("", "–") for r in rows):
                    problems.append(f"{name}: table {t + 1} has an empty column {c + 1}")
    return problems


def made_up_year(report, year="2030-31"):
    """The report's metrics plus a made-up year in which Dudley and Telford & Wrekin publish a
    comparable share answered within 20 working days (40 of 49, 15 of 23) and a comparable count."""
    rows = made_up([40, 15], [49, 23], year=year)
    counts = rows.assign(
        metric="statutory_received",
        kind="count",
        value=rows["denominator"],
        numerator=rows["denominator"],
        denominator=np.nan,
        ci_low=[stats.poisson_ci(n)[0] for n in rows["denominator"]],
        ci_high=[stats.poisson_ci(n)[1] for n in rows["denominator"]],
        numerator_measure="statutory_received",
        denominator_measure="",
    )
    metrics = pd.concat([report.metrics, rows, counts], ignore_index=True)
    return replace(report, year=year, metrics=metrics)


def with_made_up_population(report):
    from complaints.inputs.definitions import Population

    councils = {**report.defs.councils}
    for council, (children, year, source) in POPULATIONS.items():
        councils[council] = replace(councils[council], population=Population(children, year, source))
    return replace(report, defs=replace(report.defs, councils=councils))


def test_the_benchmarking_report_reads_as_words_and_formatted_numbers(built_outputs, metrics, defs):
    from complaints.reporting.benchmark_report import SECTIONS, load_benchmark

    identifiers = [i for i in [*defs.metrics.index, *defs.measures.index] if "_" in i]
    # every identifier but 'contacts' and 'referrals', which are the plain English words they name
    assert {i for i in [*defs.metrics.index, *defs.measures.index] if "_" not in i} == {"contacts", "referrals"}
    years = bm.benchmark_years(metrics, defs)
    assert years == ["2024-25"]
    reports = {
        year: load_benchmark(year, data_dir=str(built_outputs.data), outputs_dir=str(built_outputs.outputs))
        for year in [*years, "2019-20", "2021-22"]
    }
    made_up_report = made_up_year(reports["2024-25"])
    reports["2030-31 (made up)"] = made_up_report
    reports["2030-31 (made up, with populations)"] = with_made_up_population(made_up_report)
    problems = []
    for label, report in reports.items():
        sections = {name: report.section(name) for name in SECTIONS}
        problems += [f"{label}, {p}" for p in readability_problems(sections, identifiers)]
    assert problems == []


def test_the_readability_check_finds_what_it_should():
    bad = (
        "<p>0.4897959184 and comparable: False, statutory_received</p>"
        "<table><tr><th>Metric</th><th>Dorset</th></tr><tr><td>x</td><td></td></tr></table>"
    )
    problems = readability_problems({"trends": bad}, ["statutory_received"])
    assert len(problems) == 4
    good = "<p>49% (95% interval 36% to 63%), 17.9 per 1,000 contacts, £71,608.96, 99.8% limits</p>"
    assert readability_problems({"trends": good}, ["statutory_received"]) == []
    assert readability_problems({"provenance": "<p>statutory_received</p>"}, ["statutory_received"]) == []


def test_the_old_report_lines_are_gone(built_outputs):
    from complaints.reporting.benchmark_report import load_benchmark

    report = load_benchmark("2024-25", data_dir=str(built_outputs.data), outputs_dir=str(built_outputs.outputs))
    trends = report.section("trends")
    assert "0.4897959184" not in trends and "49%" in trends and "43%" in trends
    assert "0.002906114703" not in trends and "2.9 per 1,000 contacts" in trends
    assert "no: different definitions" in trends and ">yes<" in trends
    assert "Dorset" not in trends  # no figure for any of these measures: no empty column
    compared = report.section("compared")
    assert "statutory_received" not in compared and ">Measure<" in compared and ">Metric<" not in compared
    assert "Dorset" not in compared.split("Years for which each council")[0]


# ---------------------------------------------------------------------------------------------
# Why not: one sentence


def test_each_reason_is_one_plain_sentence(metrics, defs):
    table = bm.comparability(metrics, "2024-25", defs)
    for judgement in table["judgement"]:
        words = views.reason(judgement, defs)
        assert re.fullmatch(r"[A-Z][^.]*\.", words), words
    published = bm.published_rows(metrics)
    one = bm.judge(published[(published["metric"] == "statutory_received") & (published["year"] == "2021-22")], defs)
    assert one.differs == "councils"
    assert views.reason(one, defs) == "Only Dudley publishes it, so there is no other council to compare it with."
    row = table.set_index("metric").loc["statutory_received"]
    assert views.reason(row["judgement"], defs) == (
        "Dudley and Telford & Wrekin publish it on the same definition (statutory complaints received at "
        "stage 1), so it can be compared."
    )


# ---------------------------------------------------------------------------------------------
# The regional reference band: the words say what is drawn


def test_the_reference_band_is_said_to_be_drawn_only_where_it_is(built_outputs):
    from complaints.reporting.benchmark_report import load_benchmark

    report = load_benchmark("2024-25", data_dir=str(built_outputs.data), outputs_dir=str(built_outputs.outputs))
    assert report.band_drawn_on() == {}
    words = report.section("reference")
    assert "It is not drawn on any chart in this report" in words and "West Midlands" in words
    page = report.section("side_by_side") + report.section("funnel")
    assert "Shaded:" not in page

    made = made_up_year(report)
    assert made.band_drawn_on() == {
        "statutory_within_20wd_rate": ["the chart of councils side by side", "the funnel plot"]
    }
    words = made.section("reference")
    assert (
        "It is drawn as a shaded band on the chart of councils side by side and the funnel plot of statutory "
        "stage 1 responses within 20 working days" in words
    )
    for name in ("side_by_side", "funnel"):
        assert made.section(name).count("Shaded: West Midlands") == 1


# ---------------------------------------------------------------------------------------------
# Definitions, not identifiers, decide


def test_definitions_not_identifiers_decide_comparability(metrics, defs):
    """Dudley's and Telford & Wrekin's timeliness shares have different denominators (complaints received,
    stage 1 responses): not comparable. Give the two denominator measures the same counting unit and
    definition and they are; give them different counting units and the same words, and they are not."""
    rows = bm._rows_for(metrics, "2024-25", "statutory_within_10wd_rate")
    assert not bm.judge(rows, defs).comparable
    measures = defs.measures.copy()
    same = ("complaint", "Statutory complaints received at stage 1")
    for measure in ("statutory_received", "statutory_stage1_responded"):
        measures.loc[measure, ["counts", "description"]] = same
    assert bm.judge(rows, replace(defs, measures=measures)).comparable
    measures.loc["statutory_stage1_responded", "counts"] = "stage 1 response"
    judged = bm.judge(rows, replace(defs, measures=measures))
    assert not judged.comparable and judged.differs == "denominator"


def test_every_measure_says_what_it_counts(defs):
    counts = defs.measures["counts"]
    assert (counts.str.strip() != "").all()
    assert counts["ombudsman_cases"] == "case reaching the Ombudsman"
    assert counts["statutory_within_10wd"] == "stage 1 response" and counts["statutory_received"] == "complaint"
