"""Tests for complaints.analysis.stats.

Every statistic is checked against an independent source: statsmodels,
published worked examples, exact rational arithmetic, or the defining
equations of the method. No expected value comes from the function's own
earlier output.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.rates import confint_poisson
from statsmodels.stats.rates import test_poisson_2indep as sm_poisson_2indep_test

from complaints.analysis.stats import (
    bh_qvalues,
    clopper_pearson_ci,
    count_change_test,
    funnel_limits,
    poisson_ci,
    pooled_proportion,
    proportion_change_test,
    wilson_ci,
)

PROPS = settings(max_examples=200, deadline=None)

N_GRID = [1, 2, 3, 5, 10, 20, 29, 50, 148, 263, 1000]
ALPHAS = [0.05, 0.01, 0.1]


def _k_values(n):
    if n <= 10:
        return list(range(n + 1))
    return sorted({0, 1, 2, n // 3, n // 2, n - 2, n - 1, n})


KN_GRID = [(k, n) for n in N_GRID for k in _k_values(n)]


@st.composite
def k_and_n(draw, max_n=2000):
    n = draw(st.integers(min_value=1, max_value=max_n))
    k = draw(st.integers(min_value=0, max_value=n))
    return k, n


# ---------------------------------------------------------------------------
# Wilson and Clopper-Pearson
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("k,n", KN_GRID)
def test_wilson_matches_statsmodels(k, n, alpha):
    low, high = wilson_ci(k, n, alpha=alpha)
    sm_low, sm_high = proportion_confint(k, n, alpha=alpha, method="wilson")
    assert low == pytest.approx(sm_low, rel=1e-10, abs=1e-12)
    assert high == pytest.approx(sm_high, rel=1e-10, abs=1e-12)
    assert isinstance(low, float) and isinstance(high, float)


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("k,n", KN_GRID)
def test_clopper_pearson_matches_statsmodels(k, n, alpha):
    low, high = clopper_pearson_ci(k, n, alpha=alpha)
    sm_low, sm_high = proportion_confint(k, n, alpha=alpha, method="beta")
    assert low == pytest.approx(sm_low, rel=1e-10, abs=1e-12)
    assert high == pytest.approx(sm_high, rel=1e-10, abs=1e-12)
    assert isinstance(low, float) and isinstance(high, float)


# Newcombe (1998) Stat Med 17:857-872, Table I, method 3 (Wilson score).
@pytest.mark.parametrize(
    "k,n,expected",
    [
        (81, 263, (0.2553, 0.3662)),
        (15, 148, (0.0624, 0.1605)),
        (0, 20, (0.0, 0.1611)),
        (1, 29, (0.0061, 0.1718)),
    ],
)
def test_wilson_newcombe_table_1(k, n, expected):
    low, high = wilson_ci(k, n)
    assert abs(low - expected[0]) <= 5e-5
    assert abs(high - expected[1]) <= 5e-5


def test_clopper_pearson_edges_are_exact():
    assert clopper_pearson_ci(0, 20)[0] == 0.0
    assert clopper_pearson_ci(20, 20)[1] == 1.0
    # defining equations of the exact interval: P(X >= k | low) = P(X <= k | high) = alpha/2
    low, high = clopper_pearson_ci(7, 30)
    assert sps.binom.sf(6, 30, low) == pytest.approx(0.025, rel=1e-8)
    assert sps.binom.cdf(7, 30, high) == pytest.approx(0.025, rel=1e-8)


def test_wilson_edges_are_exact():
    assert wilson_ci(0, 20)[0] == 0.0
    assert wilson_ci(20, 20)[1] == 1.0


def test_integral_floats_and_numpy_ints_accepted():
    assert wilson_ci(3.0, 10.0) == wilson_ci(3, 10)
    assert clopper_pearson_ci(np.int64(3), np.int32(10)) == clopper_pearson_ci(3, 10)
    assert poisson_ci(np.int64(4)) == poisson_ci(4)


# ---------------------------------------------------------------------------
# Garwood Poisson
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("k", [0, 1, 2, 3, 5, 10, 17, 50, 100, 1000, 12345])
def test_poisson_matches_statsmodels(k, alpha):
    low, high = poisson_ci(k, alpha=alpha)
    sm_low, sm_high = confint_poisson(k, 1, method="exact-c", alpha=alpha)
    assert low == pytest.approx(float(sm_low), rel=1e-10, abs=1e-12)
    assert high == pytest.approx(float(sm_high), rel=1e-10, abs=1e-12)
    assert isinstance(low, float) and isinstance(high, float)


def test_poisson_textbook_values():
    low, high = poisson_ci(0)
    assert low == 0.0
    assert abs(high - 3.689) <= 5e-4
    low, high = poisson_ci(10)
    assert abs(low - 4.795) <= 5e-4
    assert abs(high - 18.39) <= 5e-3


def test_poisson_defining_equations():
    # P(X >= k | low) = alpha/2 and P(X <= k | high) = alpha/2
    low, high = poisson_ci(6)
    assert sps.poisson.sf(5, low) == pytest.approx(0.025, rel=1e-8)
    assert sps.poisson.cdf(6, high) == pytest.approx(0.025, rel=1e-8)


# ---------------------------------------------------------------------------
# count_change_test
# ---------------------------------------------------------------------------
def _exact_binomial_two_sided(k, n, p):
    """Two-sided minimum-likelihood binomial p-value in exact rationals."""
    p = Fraction(p)
    pmf = [math.comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(n + 1)]
    return float(sum(v for v in pmf if v <= pmf[k]))


COUNT_GRID = [(k1, k2) for k1 in [0, 1, 2, 5, 12, 40] for k2 in [0, 1, 3, 5, 12, 41] if k1 + k2 > 0]
EXPOSURES = [None, (1, 1), (100, 150), (250, 90), (7, 3)]


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # statsmodels' ratio when k2 == 0
@pytest.mark.parametrize("exposures", EXPOSURES)
@pytest.mark.parametrize("k1,k2", COUNT_GRID)
def test_count_change_pvalue_matches_statsmodels_and_direct(k1, k2, exposures):
    if exposures is None:
        res = count_change_test(k1, k2)
        e1, e2 = 1, 1
    else:
        e1, e2 = exposures
        res = count_change_test(k1, k2, e1, e2)
    # statsmodels: ratio = rate1/rate2 and it tests count1 ~ Bin(k1 + k2, e1/(e1+e2));
    # by the symmetry of the binomial this is the same test as ours on k2.
    sm = sm_poisson_2indep_test(k1, e1, k2, e2, method="exact-cond")
    assert res["p_value"] == pytest.approx(float(sm.pvalue), rel=1e-9, abs=1e-14)
    direct = _exact_binomial_two_sided(k2, k1 + k2, Fraction(e2, e1 + e2))
    assert res["p_value"] == pytest.approx(direct, rel=1e-9, abs=1e-14)
    # our ratio is year2/year1, statsmodels' is year1/year2
    if k1 > 0 and k2 > 0:
        assert res["rate_ratio"] == pytest.approx(1.0 / float(sm.ratio), rel=1e-12)
    assert res["test"] == "exact conditional binomial"


@pytest.mark.parametrize("alpha", [0.05, 0.01])
@pytest.mark.parametrize("k1,k2,e1,e2", [(3, 7, 1, 1), (20, 35, 100, 120), (9, 2, 50, 20), (1, 1, 3, 5)])
def test_count_change_ci_solves_defining_equations(k1, k2, e1, e2, alpha):
    """At the limits, the binomial tails of k2 | k1 + k2 equal alpha/2."""
    res = count_change_test(k1, k2, e1, e2, alpha=alpha)
    n = k1 + k2

    def pi_of(rr):  # RR = pi/(1 - pi) * e1/e2  <=>  pi = RR*e2/(e1 + RR*e2)
        return rr * e2 / (e1 + rr * e2)

    assert sps.binom.sf(k2 - 1, n, pi_of(res["ci_low"])) == pytest.approx(alpha / 2, rel=1e-7)
    assert sps.binom.cdf(k2, n, pi_of(res["ci_high"])) == pytest.approx(alpha / 2, rel=1e-7)
    assert res["rate_ratio"] == pytest.approx((k2 / e2) / (k1 / e1))


def test_count_change_worked_example():
    # 3 complaints then 7, equal exposure: P = 2 * P(X >= 7 | Bin(10, .5)) = 2 * 176/1024
    res = count_change_test(3, 7)
    assert res["p_value"] == pytest.approx(2 * 176 / 1024)
    assert res["rate_ratio"] == pytest.approx(7 / 3)


def test_count_change_edge_cases():
    res = count_change_test(0, 0)
    assert res["p_value"] == 1.0
    assert math.isnan(res["rate_ratio"]) and math.isnan(res["ci_low"]) and math.isnan(res["ci_high"])

    res = count_change_test(0, 5)
    assert res["rate_ratio"] == math.inf and res["ci_high"] == math.inf
    assert 0 < res["ci_low"] < math.inf
    assert res["p_value"] == pytest.approx(2 * 0.5**5)

    res = count_change_test(5, 0)
    assert res["rate_ratio"] == 0.0 and res["ci_low"] == 0.0
    assert math.isfinite(res["ci_high"])

    res = count_change_test(0, 0, 10, 20)
    assert res["p_value"] == 1.0 and math.isnan(res["rate_ratio"])


def test_count_change_returns_plain_floats():
    res = count_change_test(4, 9, 10.0, 12.5)
    for key in ("p_value", "rate_ratio", "ci_low", "ci_high"):
        assert type(res[key]) is float


# ---------------------------------------------------------------------------
# proportion_change_test
# ---------------------------------------------------------------------------
def _fisher_two_sided_exact(k1, n1, k2, n2):
    """Two-sided Fisher p-value for [[k2, n2-k2],[k1, n1-k1]] in exact rationals.

    Sums the hypergeometric probabilities of all tables with the same margins
    that are no more likely than the observed one.
    """
    col = k1 + k2
    total = n1 + n2
    denom = math.comb(total, n2)
    lo, hi = max(0, col - n1), min(col, n2)
    pmf = {x: Fraction(math.comb(col, x) * math.comb(total - col, n2 - x), denom) for x in range(lo, hi + 1)}
    return float(sum(v for v in pmf.values() if v <= pmf[k2]))


FISHER_NS = [1, 2, 5, 9, 12]


@pytest.mark.parametrize("n1", FISHER_NS)
@pytest.mark.parametrize("n2", FISHER_NS)
def test_fisher_pvalue_matches_exact_hypergeometric_sum(n1, n2):
    for k1 in range(n1 + 1):
        for k2 in range(n2 + 1):
            res = proportion_change_test(k1, n1, k2, n2)
            expected = _fisher_two_sided_exact(k1, n1, k2, n2)
            assert res["p_value"] == pytest.approx(expected, rel=1e-9), (k1, n1, k2, n2)


def test_fisher_matches_scipy_hypergeom_on_larger_table():
    k1, n1, k2, n2 = 30, 120, 52, 130
    col, total = k1 + k2, n1 + n2
    support = np.arange(max(0, col - n1), min(col, n2) + 1)
    pmf = sps.hypergeom.pmf(support, total, col, n2)
    observed = sps.hypergeom.pmf(k2, total, col, n2)
    expected = pmf[pmf <= observed * (1 + 1e-7)].sum()
    assert proportion_change_test(k1, n1, k2, n2)["p_value"] == pytest.approx(expected, rel=1e-9)


def test_fisher_tea_tasting():
    # [[3, 1], [1, 3]]: R fisher.test gives p = 0.4857 (= 34/70)
    res = proportion_change_test(1, 4, 3, 4)
    assert res["p_value"] == pytest.approx(0.4857, abs=5e-5)
    assert res["p_value"] == pytest.approx(34 / 70)
    assert res["test"] == "Fisher's exact"


NEWCOMBE_GRID = [
    (48, 80, 56, 70),
    (0, 10, 0, 20),
    (0, 10, 10, 10),
    (10, 10, 0, 10),
    (5, 5, 3, 7),
    (1, 29, 0, 20),
    (15, 148, 81, 263),
    (9, 10, 3, 10),
    (2, 3, 2, 3),
    (120, 400, 95, 410),
]


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("k1,n1,k2,n2", NEWCOMBE_GRID)
def test_newcombe_matches_statsmodels(k1, n1, k2, n2, alpha):
    res = proportion_change_test(k1, n1, k2, n2, alpha=alpha)
    # statsmodels gives the CI of count1/nobs1 - count2/nobs2, so pass year 2 first
    sm_low, sm_high = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff", alpha=alpha)
    assert res["ci_low"] == pytest.approx(float(sm_low), rel=1e-10, abs=1e-12)
    assert res["ci_high"] == pytest.approx(float(sm_high), rel=1e-10, abs=1e-12)
    assert res["difference"] == pytest.approx(k2 / n2 - k1 / n1)


def test_newcombe_worked_example():
    # Newcombe (1998) Stat Med 17:873-890, example (a): 56/70 - 48/80, method 10
    res = proportion_change_test(48, 80, 56, 70)
    assert res["difference"] == pytest.approx(0.2)
    assert abs(res["ci_low"] - 0.0524) <= 5e-5
    assert abs(res["ci_high"] - 0.3339) <= 5e-5


def test_proportion_change_all_zero():
    res = proportion_change_test(0, 10, 0, 12)
    assert res["p_value"] == 1.0 and res["difference"] == 0.0
    assert res["ci_low"] < 0 < res["ci_high"]


# ---------------------------------------------------------------------------
# bh_qvalues
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_bh_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(size=20), rng.uniform(0, 0.01, size=5), [0.0, 1.0, 0.03, 0.03]])
    rng.shuffle(p)
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(bh_qvalues(p), expected, rtol=1e-12, atol=0)


def test_bh_with_nans_ignores_them():
    p = np.array([0.01, np.nan, 0.04, 0.03, np.nan, 0.5])
    q = bh_qvalues(p)
    assert np.isnan(q[[1, 4]]).all()
    ok = ~np.isnan(p)
    np.testing.assert_allclose(q[ok], multipletests(p[ok], method="fdr_bh")[1], rtol=1e-12)
    # m = 4 (NaNs not counted): q for the smallest p is min_j p_(j) * m / j
    assert q[0] == pytest.approx(min(0.01 * 4 / 1, 0.03 * 4 / 2, 0.04 * 4 / 3, 0.5))


def test_bh_edge_inputs():
    assert bh_qvalues([]).shape == (0,)
    assert np.isnan(bh_qvalues([np.nan, np.nan])).all()
    assert bh_qvalues([0.2]).tolist() == [0.2]
    assert isinstance(bh_qvalues(pd.Series([0.1, 0.2])), np.ndarray)


# ---------------------------------------------------------------------------
# funnel_limits
# ---------------------------------------------------------------------------
def _binom_pmf_list(n, p):
    """Binomial pmf computed from first principles (log scale, no scipy)."""
    logp, logq = math.log(p), math.log1p(-p)
    return [
        math.exp(math.lgamma(n + 1) - math.lgamma(x + 1) - math.lgamma(n - x + 1) + x * logp + (n - x) * logq)
        for x in range(n + 1)
    ]


FUNNEL_CASES = [(p0, n) for p0 in [0.05, 0.1, 0.3, 0.5, 0.72, 0.9] for n in [1, 2, 3, 5, 8, 13, 20, 37, 100, 333, 1000]]


@pytest.mark.parametrize("p0,n", FUNNEL_CASES)
def test_funnel_limits_brute_force_definition(p0, n):
    """Check each limit against the definition by brute force over the support.

    With F the binomial CDF, r_P is the smallest r with F(r) >= P and
    the limit x = n * limit lies in (r_P - 1, r_P] where the linearly
    interpolated CDF G(x) = F(r_P - 1) + (x - r_P + 1) * pmf(r_P) equals P.
    """
    df = funnel_limits(p0, [n])
    pmf = _binom_pmf_list(n, p0)
    cdf = np.cumsum(pmf)
    for level, label in [(0.95, "95"), (0.998, "99_8")]:
        for side, prob in [("lower", (1 - level) / 2), ("upper", 1 - (1 - level) / 2)]:
            limit = df[f"{side}_{label}"].iloc[0]
            r = 0
            while cdf[r] < prob:
                r += 1
            f_prev = cdf[r - 1] if r > 0 else 0.0
            x_unclipped = r - (cdf[r] - prob) / pmf[r]
            if x_unclipped <= 0:
                assert limit == 0.0
                continue
            x = n * limit
            assert r - 1 - 1e-9 < x <= r + 1e-9
            g = f_prev + (x - (r - 1)) * pmf[r]
            assert g == pytest.approx(prob, rel=1e-8, abs=1e-12)
            # exactness on the count scale: a count above the limit is at least r_P
            assert sps.binom.cdf(math.ceil(x - 1e-9), n, p0) >= prob - 1e-12
            if r > 0:
                assert sps.binom.cdf(math.ceil(x - 1e-9) - 1, n, p0) < prob


def _reference_limit(prob, n, p0):
    """Spiegelhalter's formula written out step by step with scipy.stats.binom."""
    r = 0
    while sps.binom.cdf(r, n, p0) < prob:  # smallest r with P(R <= r) >= prob
        r += 1
    upper_cdf = sps.binom.cdf(r, n, p0)
    lower_cdf = sps.binom.cdf(r - 1, n, p0)
    alpha = (upper_cdf - prob) / (upper_cdf - lower_cdf)
    limit = (r - alpha) / n
    return min(max(limit, 0.0), 1.0)


@pytest.mark.parametrize("p0,n", [(0.3, 20), (0.3, 150), (0.12, 47), (0.5, 9), (0.85, 60), (0.02, 500)])
def test_funnel_limits_hand_values(p0, n):
    df = funnel_limits(p0, n)
    assert df["lower_95"].iloc[0] == pytest.approx(_reference_limit(0.025, n, p0), rel=1e-12, abs=1e-15)
    assert df["upper_95"].iloc[0] == pytest.approx(_reference_limit(0.975, n, p0), rel=1e-12, abs=1e-15)
    assert df["lower_99_8"].iloc[0] == pytest.approx(_reference_limit(0.001, n, p0), rel=1e-12, abs=1e-15)
    assert df["upper_99_8"].iloc[0] == pytest.approx(_reference_limit(0.999, n, p0), rel=1e-12, abs=1e-15)


def test_funnel_hand_value_spelled_out():
    # p0 = 0.3, n = 20, upper 95% (P = 0.975):
    # F(9) = 0.95203 < 0.975 <= F(10) = 0.98286, so r_P = 10
    f9, f10 = sps.binom.cdf(9, 20, 0.3), sps.binom.cdf(10, 20, 0.3)
    assert f9 < 0.975 <= f10
    alpha = (f10 - 0.975) / (f10 - f9)
    expected = (10 - alpha) / 20
    assert funnel_limits(0.3, 20)["upper_95"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.4873, abs=1e-4)


def test_funnel_shape_and_columns():
    n = np.array([50, 10, 200])
    df = funnel_limits(0.25, n)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["n", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    assert df["n"].tolist() == [50, 10, 200]
    df = funnel_limits(0.25, 40, levels=(0.9,))
    assert list(df.columns) == ["n", "lower_90", "upper_90"]
    assert len(df) == 1


def test_funnel_widens_as_n_falls():
    n = np.array([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000])
    for p0 in [0.05, 0.1, 0.2, 0.3, 0.4, 0.5]:
        df = funnel_limits(p0, n)
        for label in ("95", "99_8"):
            assert (np.diff(df[f"lower_{label}"]) >= 0).all()
            assert (np.diff(df[f"upper_{label}"]) <= 0).all()
            width = (df[f"upper_{label}"] - df[f"lower_{label}"]).to_numpy()
            assert (np.diff(width) <= 0).all()
            # strictly narrower once the lower limit has left 0 (n >= 5 here)
            assert (np.diff(width[2:]) < 0).all()


def test_funnel_lower_limit_monotone_in_every_n():
    n = np.arange(1, 1001)
    for p0 in [0.05, 0.3, 0.5, 0.8, 0.95]:
        df = funnel_limits(p0, n)
        assert (np.diff(df["lower_95"]) >= -1e-12).all()
        assert (np.diff(df["lower_99_8"]) >= -1e-12).all()


def test_funnel_documented_quirks_of_the_published_interpolation():
    # Very small n * p0: the 95% upper limit falls below the target.
    assert funnel_limits(0.01, 1)["upper_95"].iloc[0] < 0.01
    # p0 above 1/2 with small n: the upper limit stays below 1 (k = n is flagged).
    assert funnel_limits(0.9, 6)["upper_99_8"].iloc[0] < 1.0


def test_funnel_degenerate_targets():
    df = funnel_limits(0.0, [1, 10])
    assert (df.drop(columns="n").to_numpy() == 0.0).all()
    df = funnel_limits(1.0, [1, 10])
    assert (df.drop(columns="n").to_numpy() == 1.0).all()


@PROPS
@given(
    p0=st.floats(min_value=0.05, max_value=0.95),
    n=st.integers(min_value=1, max_value=5000),
)
def test_funnel_ordering_and_containment_property(p0, n):
    row = funnel_limits(p0, n).iloc[0]
    assert 0.0 <= row["lower_99_8"] <= row["lower_95"] <= p0 <= row["upper_95"] <= row["upper_99_8"] <= 1.0


@PROPS
@given(
    p0=st.floats(min_value=0.05, max_value=0.95),
    n=st.integers(min_value=20, max_value=3000),
)
def test_funnel_doubling_n_narrows_property(p0, n):
    df = funnel_limits(p0, [n, 2 * n])
    for label in ("95", "99_8"):
        assert df[f"lower_{label}"].iloc[1] >= df[f"lower_{label}"].iloc[0] - 1e-12
        assert df[f"upper_{label}"].iloc[1] <= df[f"upper_{label}"].iloc[0] + 1e-12


# ---------------------------------------------------------------------------
# pooled_proportion
# ---------------------------------------------------------------------------
def test_pooled_proportion():
    assert pooled_proportion([1, 2, 3], [10, 20, 30]) == pytest.approx(0.1)
    assert pooled_proportion(np.array([0, 5]), pd.Series([5, 5])) == pytest.approx(0.5)
    assert pooled_proportion(3, 4) == pytest.approx(0.75)
    assert type(pooled_proportion([1], [3])) is float


# ---------------------------------------------------------------------------
# property tests
# ---------------------------------------------------------------------------
@PROPS
@given(kn=k_and_n())
def test_binomial_intervals_property(kn):
    k, n = kn
    for fn in (wilson_ci, clopper_pearson_ci):
        lo95, hi95 = fn(k, n)
        lo99, hi99 = fn(k, n, alpha=0.01)
        assert 0.0 <= lo95 <= k / n <= hi95 <= 1.0
        assert lo99 <= lo95 and hi95 <= hi99


@PROPS
@given(k=st.integers(min_value=0, max_value=100_000))
def test_poisson_interval_property(k):
    lo95, hi95 = poisson_ci(k)
    lo99, hi99 = poisson_ci(k, alpha=0.01)
    assert 0.0 <= lo95 <= k <= hi95
    assert lo99 <= lo95 and hi95 <= hi99


@PROPS
@given(k1=st.integers(0, 500), k2=st.integers(0, 500))
def test_count_change_swap_property(k1, k2):
    a = count_change_test(k1, k2)
    b = count_change_test(k2, k1)
    assert 0.0 <= a["p_value"] <= 1.0
    assert a["p_value"] == pytest.approx(b["p_value"], rel=1e-9, abs=1e-15)
    if k1 + k2 == 0:
        assert math.isnan(a["rate_ratio"]) and math.isnan(b["rate_ratio"])
        return
    if k1 > 0 and k2 > 0:
        assert a["rate_ratio"] == pytest.approx(1.0 / b["rate_ratio"], rel=1e-12)
        assert a["ci_low"] == pytest.approx(1.0 / b["ci_high"], rel=1e-8)
        assert a["ci_high"] == pytest.approx(1.0 / b["ci_low"], rel=1e-8)
    else:
        assert {a["rate_ratio"], b["rate_ratio"]} == {0.0, math.inf}
    assert a["ci_low"] <= a["rate_ratio"] <= a["ci_high"]


@PROPS
@given(
    k1=st.integers(0, 300),
    k2=st.integers(0, 300),
    e1=st.floats(min_value=0.1, max_value=1e4),
    e2=st.floats(min_value=0.1, max_value=1e4),
)
def test_count_change_with_exposure_property(k1, k2, e1, e2):
    a95 = count_change_test(k1, k2, e1, e2)
    a99 = count_change_test(k1, k2, e1, e2, alpha=0.01)
    assert 0.0 <= a95["p_value"] <= 1.0
    if k1 + k2 > 0:
        assert 0.0 <= a95["ci_low"] <= a95["rate_ratio"] <= a95["ci_high"]
        assert a99["ci_low"] <= a95["ci_low"] and a95["ci_high"] <= a99["ci_high"]


@PROPS
@given(a=k_and_n(500), b=k_and_n(500))
def test_proportion_change_property(a, b):
    (k1, n1), (k2, n2) = a, b
    r95 = proportion_change_test(k1, n1, k2, n2)
    r99 = proportion_change_test(k1, n1, k2, n2, alpha=0.01)
    assert 0.0 <= r95["p_value"] <= 1.0
    assert -1.0 <= r95["ci_low"] <= r95["difference"] <= r95["ci_high"] <= 1.0
    assert r99["ci_low"] <= r95["ci_low"] and r95["ci_high"] <= r99["ci_high"]
    swapped = proportion_change_test(k2, n2, k1, n1)
    assert swapped["p_value"] == pytest.approx(r95["p_value"], rel=1e-9)
    assert swapped["difference"] == pytest.approx(-r95["difference"], abs=1e-15)
    assert swapped["ci_low"] == pytest.approx(-r95["ci_high"], abs=1e-12)


@PROPS
@given(p=st.lists(st.one_of(st.floats(0.0, 1.0), st.just(float("nan"))), max_size=40))
def test_bh_property(p):
    p = np.array(p, dtype=float)
    q = bh_qvalues(p)
    assert q.shape == p.shape
    nan = np.isnan(p)
    assert np.array_equal(np.isnan(q), nan)
    pv, qv = p[~nan], q[~nan]
    assert ((qv >= pv - 1e-15) & (qv <= 1.0)).all()
    order = np.argsort(pv, kind="stable")
    assert (np.diff(qv[order]) >= -1e-15).all()


@PROPS
@given(
    k=st.one_of(
        st.integers(max_value=-1),
        st.floats(allow_nan=True).filter(lambda x: not (math.isfinite(x) and x.is_integer() and x >= 0)),
    ),
)
def test_bad_counts_raise_property(k):
    with pytest.raises(ValueError):
        poisson_ci(k)
    with pytest.raises(ValueError):
        wilson_ci(k, 10**9)
    with pytest.raises(ValueError):
        count_change_test(k, 3)


@PROPS
@given(n=st.integers(1, 1000), extra=st.integers(1, 1000))
def test_k_above_n_raises_property(n, extra):
    for fn in (wilson_ci, clopper_pearson_ci):
        with pytest.raises(ValueError, match="exceed"):
            fn(n + extra, n)
    with pytest.raises(ValueError, match="exceed"):
        proportion_change_test(n + extra, n, 0, 1)


# ---------------------------------------------------------------------------
# error cases
# ---------------------------------------------------------------------------
BAD_COUNTS = [-1, 1.5, float("nan"), float("inf"), "3", None, True]
BAD_ALPHAS = [0, 1, 1.5, -0.1, float("nan"), "0.05", None]


@pytest.mark.parametrize("k", BAD_COUNTS)
def test_poisson_bad_count(k):
    with pytest.raises(ValueError):
        poisson_ci(k)


@pytest.mark.parametrize("alpha", BAD_ALPHAS)
def test_bad_alpha_everywhere(alpha):
    with pytest.raises(ValueError, match="alpha"):
        poisson_ci(3, alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        wilson_ci(3, 10, alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        clopper_pearson_ci(3, 10, alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        count_change_test(3, 4, alpha=alpha)
    with pytest.raises(ValueError, match="alpha"):
        proportion_change_test(3, 10, 4, 10, alpha=alpha)


@pytest.mark.parametrize("fn", [wilson_ci, clopper_pearson_ci])
@pytest.mark.parametrize(
    "k,n,match",
    [
        (-1, 10, "non-negative"),
        (3, -10, "non-negative"),
        (11, 10, "exceed"),
        (0, 0, "undefined"),
        (2.5, 10, "whole-number"),
        (2, 10.5, "whole-number"),
        (float("nan"), 10, "whole-number"),
        (2, float("inf"), "whole-number"),
        (False, 10, "boolean"),
    ],
)
def test_binomial_interval_bad_inputs(fn, k, n, match):
    with pytest.raises(ValueError, match=match):
        fn(k, n)


@pytest.mark.parametrize(
    "args,match",
    [
        ((-1, 3), "non-negative"),
        ((3, -1), "non-negative"),
        ((1.5, 3), "whole-number"),
        ((3, 2.2), "whole-number"),
        ((3, 4, 1.0, None), "both exposures"),
        ((3, 4, None, 1.0), "both exposures"),
        ((3, 4, 0, 1.0), "positive"),
        ((3, 4, 1.0, 0), "positive"),
        ((3, 4, -1.0, 1.0), "positive"),
        ((3, 4, float("nan"), 1.0), "positive"),
        ((3, 4, 1.0, float("inf")), "positive"),
        ((3, 4, "1", 1.0), "positive"),
    ],
)
def test_count_change_bad_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        count_change_test(*args)


@pytest.mark.parametrize(
    "args,match",
    [
        ((-1, 10, 3, 10), "non-negative"),
        ((1, 10, -3, 10), "non-negative"),
        ((11, 10, 3, 10), "exceed"),
        ((1, 10, 13, 10), "exceed"),
        ((0, 0, 3, 10), "undefined"),
        ((1, 10, 0, 0), "undefined"),
        ((1.5, 10, 3, 10), "whole-number"),
        ((1, 10, 3, 10.2), "whole-number"),
    ],
)
def test_proportion_change_bad_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        proportion_change_test(*args)


@pytest.mark.parametrize(
    "p,match",
    [
        ([0.1, 1.2], r"\[0, 1\]"),
        ([-0.1, 0.2], r"\[0, 1\]"),
        ([0.1, np.inf], r"\[0, 1\]"),
        ([[0.1, 0.2], [0.3, 0.4]], "one-dimensional"),
        (0.3, "one-dimensional"),
        (["a", "b"], "numeric"),
    ],
)
def test_bh_bad_inputs(p, match):
    with pytest.raises(ValueError, match=match):
        bh_qvalues(p)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"p0": -0.1, "n": 10}, "p0"),
        ({"p0": 1.1, "n": 10}, "p0"),
        ({"p0": float("nan"), "n": 10}, "p0"),
        ({"p0": "0.3", "n": 10}, "p0"),
        ({"p0": 0.3, "n": 0}, "positive"),
        ({"p0": 0.3, "n": [10, 0]}, "positive"),
        ({"p0": 0.3, "n": -5}, "non-negative"),
        ({"p0": 0.3, "n": [10, 2.5]}, "whole-number"),
        ({"p0": 0.3, "n": [10, np.nan]}, "NaN"),
        ({"p0": 0.3, "n": []}, "empty"),
        ({"p0": 0.3, "n": [[1, 2], [3, 4]]}, "one-dimensional"),
        ({"p0": 0.3, "n": 10, "levels": (0.95, 1.0)}, "level"),
        ({"p0": 0.3, "n": 10, "levels": (0.0,)}, "level"),
        ({"p0": 0.3, "n": 10, "levels": ()}, "empty"),
        ({"p0": 0.3, "n": 10, "levels": (0.95, 0.95)}, "distinct"),
        ({"p0": 0.3, "n": 10, "levels": ("0.95",)}, "level"),
    ],
)
def test_funnel_bad_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        funnel_limits(**kwargs)


@pytest.mark.parametrize(
    "k,n,match",
    [
        ([1, 2], [10], "same shape"),
        ([11, 2], [10, 10], "exceed"),
        ([0, 0], [0, 0], "positive"),
        ([-1, 2], [10, 10], "non-negative"),
        ([1.5, 2], [10, 10], "whole-number"),
        ([np.nan, 2], [10, 10], "NaN"),
        ([1, 2], [10, np.nan], "NaN"),
        ([True, False], [1, 1], "boolean"),
        (["a"], [1], "numeric"),
    ],
)
def test_pooled_proportion_bad_inputs(k, n, match):
    with pytest.raises(ValueError, match=match):
        pooled_proportion(k, n)
