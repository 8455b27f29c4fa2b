"""metrics.csv: the contract of docs/methods.md, values derived by hand from the documents, and
statistics checked against statsmodels (an independent implementation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact
from statsmodels.stats import rates
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from complaints.analysis.metrics import ALL_COLUMNS, COLUMNS

CONTRACT = [
    "council",
    "year",
    "metric",
    "kind",
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "prev_year",
    "prev_value",
    "change",
    "pct_change",
    "test",
    "p_value",
    "q_value",
    "verdict",
    "source",
]
EXPECTED = pd.read_csv(__import__("pathlib").Path(__file__).parent / "expected/published_metrics.csv")


@pytest.fixture(scope="module")
def metrics(results) -> pd.DataFrame:
    return results.metrics


def one(metrics, council, year, metric, source="published") -> pd.Series:
    rows = metrics[
        (metrics.council == council) & (metrics.year == year) & (metrics.metric == metric) & (metrics.source == source)
    ]
    assert len(rows) == 1, (council, year, metric)
    return rows.iloc[0]


def test_columns_follow_the_contract(metrics):
    assert COLUMNS == CONTRACT
    assert list(metrics.columns) == ALL_COLUMNS and ALL_COLUMNS[: len(CONTRACT)] == CONTRACT


def test_identifiers_and_vocabularies(metrics):
    assert set(metrics.council) == {"dudley", "telford-wrekin", "dorset"}
    assert metrics.year.str.fullmatch(r"\d{4}-\d{2}").all()
    assert set(metrics.kind) <= {"count", "proportion", "rate", "mean", "money"}
    assert set(metrics.verdict) <= {"increase", "decrease", "no_evidence_of_change", "not_tested"}
    assert set(metrics.source) == {"published", "records"}
    assert not metrics.duplicated(["council", "year", "metric", "source"]).any()
    proportions = metrics[metrics.kind.isin(["proportion", "rate"])]
    assert proportions.value.between(0, 1).all()


def test_every_year_of_the_documents(metrics):
    years = metrics[metrics.source == "published"].groupby("council").year.apply(set).to_dict()
    assert years["dudley"] >= {"2019-20", "2021-22", "2022-23", "2023-24", "2024-25"}
    assert years["telford-wrekin"] == {"2023-24", "2024-25"}
    assert years["dorset"] == {"2021-22", "2022-23", "2023-24"}


@pytest.mark.parametrize("row", EXPECTED.to_dict("records"), ids=lambda r: f"{r['council']}-{r['year']}-{r['metric']}")
def test_values_derived_by_hand(metrics, row):
    got = one(metrics, row["council"], row["year"], row["metric"])
    assert got["numerator"] == row["numerator"]
    if pd.notna(row["denominator"]):
        assert got["denominator"] == row["denominator"]
        assert got["value"] == pytest.approx(row["numerator"] / row["denominator"])
    else:
        assert got["value"] == row["numerator"]


def test_intervals_match_statsmodels(metrics):
    for _, r in metrics[metrics.kind == "proportion"].dropna(subset=["numerator"]).iterrows():
        low, high = proportion_confint(r.numerator, r.denominator, method="wilson")
        assert (r.ci_low, r.ci_high) == pytest.approx((low, high), abs=1e-9)


def test_count_changes_match_statsmodels(metrics):
    tested = metrics[(metrics.kind == "count") & metrics.p_value.notna()]
    assert len(tested) >= 8
    for _, r in tested.iterrows():
        expected = rates.test_poisson_2indep(int(r.numerator), 1, int(r.prev_value), 1, method="exact-cond").pvalue
        assert r.p_value == pytest.approx(expected, rel=1e-6), r.metric


def test_proportion_changes_match_fisher(metrics):
    full = metrics
    tested = full[(full.kind == "proportion") & full.p_value.notna()]
    assert len(tested) >= 4
    for _, r in tested.iterrows():
        prev = one(full, r.council, r.prev_year, r.metric, r.source)
        table = [[r.numerator, r.denominator - r.numerator], [prev.numerator, prev.denominator - prev.numerator]]
        assert r.p_value == pytest.approx(fisher_exact(table).pvalue, rel=1e-9)


def test_q_values_are_benjamini_hochberg_per_council_year(metrics):
    for _, group in metrics[metrics.p_value.notna()].groupby(["council", "year", "source"]):
        expected = multipletests(group.p_value.to_numpy(), method="fdr_bh")[1]
        np.testing.assert_allclose(group.q_value.to_numpy(), expected, rtol=1e-9)


def test_verdicts_follow_q_values(metrics):
    tested = metrics[metrics.q_value.notna()]
    significant = tested.q_value < 0.05
    assert (tested[~significant].verdict == "no_evidence_of_change").all()
    assert (tested[significant & (tested.change > 0)].verdict == "increase").all()
    assert (tested[significant & (tested.change < 0)].verdict == "decrease").all()
    assert (metrics[metrics.q_value.isna()].verdict == "not_tested").all()


def test_previous_year_columns_empty_when_not_published(metrics):
    first = one(metrics, "dudley", "2024-25", "statutory_received")  # 2023-24 not published
    assert pd.isna(first.prev_year) and pd.isna(first.prev_value) and pd.isna(first.p_value)
    assert first.verdict == "not_tested"


def test_dudley_total_complaints_2024_25(metrics):
    r = one(metrics, "dudley", "2024-25", "complaints_received")
    assert (r.prev_year, r.prev_value, r.change) == ("2023-24", 255, 46)
    assert r["pct_change"] == pytest.approx(46 / 255)
    assert r.verdict == "no_evidence_of_change"  # p is about 0.056


def test_dudley_statutory_complaints_2022_23(metrics):
    r = one(metrics, "dudley", "2022-23", "statutory_received")
    assert (r.prev_value, r.numerator) == (27, 8)
    assert r.verdict == "decrease" and r.small_numbers  # 8 is fewer than 10: too few to conclude from


def test_contested_figures_are_marked(metrics):
    assert one(metrics, "dudley", "2022-23", "corporate_within_20wd_rate").contested
    assert one(metrics, "telford-wrekin", "2024-25", "statutory_stage2_received").contested
    assert not one(metrics, "dudley", "2024-25", "complaints_received").contested


def test_impossible_percentage_is_kept_as_published_and_not_tested(metrics):
    r = one(metrics, "dudley", "2022-23", "statutory_within_20wd_rate")
    assert r.value == 0.9 and pd.isna(r.numerator) and r.verdict == "not_tested"
    assert "no whole number of 8" in r.note
