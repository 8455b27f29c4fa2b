"""metrics.csv: the contract of docs/methods.md, values derived by hand from the documents, and
statistics checked against statsmodels (an independent implementation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import fisher_exact, norm
from statsmodels.stats import rates
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from complaints.analysis.metrics import ALL_COLUMNS, COLUMNS
from complaints.analysis.small_numbers import is_small

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
    """Chance alone: the exact conditional test. Allowing for over-dispersion phi: the score test of two
    Poisson rates (statsmodels) with its statistic divided by sqrt(phi), the quasi-Poisson score test."""
    tested = metrics[(metrics.kind == "count") & metrics.p_value.notna()]
    assert len(tested) >= 8
    for _, r in tested.iterrows():
        k2, k1 = int(r.numerator), int(r.prev_value)
        expected = rates.test_poisson_2indep(k2, 1, k1, 1, method="exact-cond").pvalue
        assert r.p_value_sampling == pytest.approx(expected, rel=1e-6), r.metric
        if r.dispersion == 1:
            assert r.p_value == r.p_value_sampling
        else:
            score = rates.test_poisson_2indep(k2, 1, k1, 1, method="score").statistic
            assert r.p_value == pytest.approx(2 * norm.sf(abs(score) / np.sqrt(r.dispersion)), rel=1e-9), r.metric
            assert r.test == "quasi-Poisson score test"


def test_proportion_changes_match_fisher(metrics):
    full = metrics
    tested = full[(full.kind == "proportion") & full.p_value.notna()]
    assert len(tested) >= 4
    for _, r in tested.iterrows():
        prev = one(full, r.council, r.prev_year, r.metric, r.source)
        table = [[r.numerator, r.denominator - r.numerator], [prev.numerator, prev.denominator - prev.numerator]]
        assert r.p_value_sampling == pytest.approx(fisher_exact(table).pvalue, rel=1e-9)
        # no council has 4 years of a share yet: no dispersion, Fisher's exact is the test
        assert (r.dispersion, r.dispersion_basis) == (1, "none") and r.p_value == r.p_value_sampling


def test_q_values_are_benjamini_hochberg_per_council_year(metrics, results):
    """The family: the year-on-year tests of one council, year and source, and (for records) the
    before/after test of a process change dated in that year (outputs/changes.csv)."""
    changes = results.changes
    for (council, year, source), group in metrics[metrics.p_value.notna()].groupby(["council", "year", "source"]):
        extra = changes[(changes.council == council) & (changes.year == year)] if source == "records" else changes[:0]
        p = np.concatenate([group.p_value.to_numpy(), extra.p_value.dropna().to_numpy(float)])
        expected = multipletests(p, method="fdr_bh")[1][: len(group)]
        np.testing.assert_allclose(group.q_value.to_numpy(), expected, rtol=1e-9)
    for _, change in changes.iterrows():
        family = metrics[(metrics.council == change.council) & (metrics.year == change.year)]
        family = family[(family.source == "records") & family.p_value.notna()]
        p = np.concatenate([[change.p_value], family.p_value.to_numpy()])
        assert change.q_value == pytest.approx(multipletests(p, method="fdr_bh")[1][0], rel=1e-12)
        assert change.significant == (change.q_value < 0.05 and not change.too_few)


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
    assert r.verdict == "no_evidence_of_change"  # p is about 0.056 against chance alone, 0.26 with phi 3
    assert r.p_value_sampling == pytest.approx(0.0562, abs=5e-4) and r.p_value == pytest.approx(0.261, abs=1e-3)
    assert r.dispersion_basis == "own_series"


def test_dudley_statutory_complaints_2022_23(metrics):
    r = one(metrics, "dudley", "2022-23", "statutory_received")
    assert (r.prev_value, r.numerator) == (27, 8)
    # against chance alone a fall; against year-to-year variation (phi 3.0, pooled from Dudley's
    # totals) not: the issue's worked figure, p = 0.064
    assert r.p_value_sampling < 0.01 and r.p_value == pytest.approx(0.064, abs=5e-4)
    assert r.verdict == "no_evidence_of_change" and r.small_numbers  # 8 is fewer than 10


def test_contested_figures_are_marked(metrics):
    assert one(metrics, "dudley", "2022-23", "corporate_within_20wd_rate").contested
    assert one(metrics, "telford-wrekin", "2024-25", "statutory_stage2_received").contested
    assert not one(metrics, "dudley", "2024-25", "complaints_received").contested


def test_impossible_percentage_is_kept_as_published_and_not_tested(metrics):
    r = one(metrics, "dudley", "2022-23", "statutory_within_20wd_rate")
    assert r.value == 0.9 and pd.isna(r.numerator) and r.verdict == "not_tested"
    assert "no whole number of 8" in r.note


# ---------------------------------------------------------------------------------------------
# The December 2026 extensions: dispersion, robust verdicts, one small-number rule, synthetic rows

NEW_COLUMNS = [
    "p_value_sampling",
    "dispersion",
    "dispersion_basis",
    "verdict_robust",
    "p_value_range",
    "values_tested",
    "synthetic",
]


def test_new_columns_come_after_the_existing_ones(metrics):
    assert ALL_COLUMNS[-len(NEW_COLUMNS) :] == NEW_COLUMNS
    tested = metrics[metrics.p_value.notna()]
    assert set(tested.dispersion_basis) <= {"own_series", "pooled", "none"}
    assert (tested.dispersion >= 1).all()
    assert (metrics.loc[metrics.p_value.isna(), "dispersion_basis"] == "").all()
    assert tested.verdict_robust.isin([True, False]).all() and (tested.values_tested >= 1).all()


def pearson_over_df(counts) -> float:
    """statsmodels: a Poisson GLM with only an intercept; its Pearson chi-square over its residual df."""
    fit = sm.GLM(np.asarray(counts, float), np.ones((len(counts), 1)), family=sm.families.Poisson()).fit()
    return fit.pearson_chi2 / fit.df_resid


def test_dispersion_from_the_councils_own_series_matches_statsmodels(metrics):
    # Dudley's totals 271, 234, 255, 301: chi-square 9.0 on 3 df (the issue's worked figure)
    phi = pearson_over_df([271, 234, 255, 301])
    assert phi * 3 == pytest.approx(9.02, abs=0.01)
    for year in ("2022-23", "2023-24", "2024-25"):
        r = one(metrics, "dudley", year, "complaints_received")
        assert (r.dispersion_basis, r.dispersion) == ("own_series", pytest.approx(phi, rel=1e-12))


def test_pooled_dispersion_counts_each_complaint_once(metrics):
    """Series with 3 or more years pool; statutory and corporate (parts of Dudley's total, also pooled)
    are left out, so the pooled phi is that of Dudley's totals."""
    phi = pearson_over_df([271, 234, 255, 301])
    for council, year, metric in [
        ("dorset", "2023-24", "non_social_care_complaint_contacts"),
        ("dudley", "2022-23", "statutory_received"),
        ("dudley", "2022-23", "compliments_received"),
    ]:
        r = one(metrics, council, year, metric)
        assert (r.dispersion_basis, r.dispersion) == ("pooled", pytest.approx(phi, rel=1e-12))


def test_the_issues_worked_p_values(metrics):
    """With phi about 3: Dorset's non-social-care fall 309 -> 248 has p = 0.14 (was reported as a
    significant fall, q = 0.022), Dudley's statutory 27 -> 8 has p = 0.064."""
    dorset = one(metrics, "dorset", "2023-24", "non_social_care_complaint_contacts")
    assert dorset.p_value_sampling == pytest.approx(0.0109, abs=1e-4)
    assert round(dorset.p_value, 2) == 0.14 and dorset.verdict == "no_evidence_of_change"
    assert round(one(metrics, "dudley", "2022-23", "statutory_received").p_value, 3) == 0.064


def fits(k: int, n: int, pct: float) -> bool:
    """Independent of the code: 100 k / n shows as pct (a whole percentage) rounded half up or truncated."""
    x = 100 * k / n
    return int(x + 0.5 + 1e-9) == pct or int(x + 1e-9) == pct


def test_contested_and_percentage_figures_are_tested_at_every_value_they_allow(metrics):
    """Dudley 2022-23 corporate responses within 20 working days: 48% or 42% of 226 (108-110 or
    94-97), against 58% of 244 in 2021-22 (141-143). Fisher's exact test at every combination."""
    r = one(metrics, "dudley", "2022-23", "corporate_within_20wd_rate")
    now = [k for k in range(227) if fits(k, 226, 48) or fits(k, 226, 42)]
    before = [k for k in range(245) if fits(k, 244, 58)]
    assert now == [94, 95, 96, 97, 108, 109, 110] and before == [141, 142, 143]
    ps = [fisher_exact([[k2, 226 - k2], [k1, 244 - k1]]).pvalue for k1 in before for k2 in now]
    assert r.values_tested == len(ps) == 21
    low, high = (float(x) for x in r.p_value_range.split(" to "))
    assert low == pytest.approx(min(ps), rel=0.05) and high == pytest.approx(max(ps), rel=0.05)
    # the issue's range for 42% alone: 0.0003 to 0.0017
    only_42 = [fisher_exact([[k2, 226 - k2], [k1, 244 - k1]]).pvalue for k1 in before for k2 in now[:4]]
    assert (round(min(only_42), 4), round(max(only_42), 4)) == (0.0003, 0.0017)
    assert r.contested and not r.verdict_robust
    assert "depends on which published figure is right" in r.note


def test_a_metric_is_contested_when_the_previous_years_figure_is(metrics):
    r = one(metrics, "dudley", "2022-23", "compliments_received")
    assert r.contested and "compliments_received (2021-22) is contested: the documents give 132; 160" in r.note
    assert r.values_tested == 2
    # against chance alone the verdict would depend on the figure (p 0.0004 with 160, 0.058 with 132);
    # allowing for year-to-year variation (phi 3.0) neither value gives a significant change
    assert rates.test_poisson_2indep(102, 1, 160, 1, method="exact-cond").pvalue < 0.001
    assert rates.test_poisson_2indep(102, 1, 132, 1, method="exact-cond").pvalue == pytest.approx(0.058, abs=1e-3)
    assert r.verdict == "no_evidence_of_change" and r.verdict_robust


def test_every_row_gets_the_one_small_number_rule(metrics):
    for _, r in metrics.iterrows():
        now = (r.numerator, r.denominator if r.kind == "proportion" else None)
        expected = is_small(r.kind, *now)
        if pd.notna(r.p_value):
            prev = one(metrics, r.council, r.prev_year, r.metric, r.source)
            expected = expected or is_small(
                r.kind, prev.numerator, prev.denominator if r.kind == "proportion" else None
            )
        assert r.small_numbers == expected, (r.council, r.year, r.metric)
    # rates too: Dudley's statutory complaints per contact in 2022-23 rest on 8 complaints
    assert one(metrics, "dudley", "2022-23", "statutory_per_contact_rate").small_numbers
    assert one(metrics, "telford-wrekin", "2024-25", "statutory_within_20wd_rate").small_numbers  # 20 of 23
    assert not one(metrics, "dudley", "2024-25", "statutory_upheld_any_rate").small_numbers  # 25 of 49


def test_rows_from_synthetic_extracts_say_so(metrics):
    assert metrics.loc[metrics.source == "records", "synthetic"].all()
    assert not metrics.loc[metrics.source == "published", "synthetic"].any()
