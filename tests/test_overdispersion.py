"""Year-to-year variation beyond chance: dispersion estimates and the tests that allow for them,
checked against independent implementations (statsmodels, scipy) and the issue's worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from scipy.stats import mstats
from statsmodels.stats import rates
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.proportion import proportions_ztest

from complaints.analysis import stats


def glm_pearson(endog, exog, family, offset=None):
    fit = sm.GLM(endog, exog, family=family, offset=offset).fit()
    return fit.pearson_chi2, fit.df_resid


# ---------------------------------------------------------------------------------------------
# Dispersion estimates


def test_worked_example_from_the_issue():
    chi2, df = stats.poisson_dispersion([271, 234, 255, 301])
    assert (round(chi2, 1), df) == (9.0, 3)
    assert stats.dispersion_factor(chi2, df) == pytest.approx(3.0, abs=0.01)


@pytest.mark.parametrize(
    "counts, exposures",
    [
        ([271, 234, 255, 301], None),
        ([27, 8, 49], None),
        ([12, 30, 18, 25, 40], [1000, 2100, 1500, 1800, 2600]),
        ([301, 255], [16861, 19448]),
    ],
)
def test_poisson_dispersion_matches_a_statsmodels_glm(counts, exposures):
    """Pearson chi-square of an intercept-only Poisson GLM (log exposure as offset) and its df."""
    offset = None if exposures is None else np.log(np.asarray(exposures, float))
    expected = glm_pearson(np.asarray(counts, float), np.ones((len(counts), 1)), sm.families.Poisson(), offset)
    chi2, df = stats.poisson_dispersion(counts, exposures)
    assert chi2 == pytest.approx(expected[0], rel=1e-9) and df == expected[1]


@pytest.mark.parametrize("k, n", [([10, 6, 25], [27, 8, 49]), ([90, 117, 123, 100], [244, 226, 252, 240])])
def test_binomial_dispersion_matches_a_statsmodels_glm(k, n):
    k, n = np.asarray(k, float), np.asarray(n, float)
    expected = glm_pearson(np.column_stack([k, n - k]), np.ones((len(k), 1)), sm.families.Binomial())
    chi2, df = stats.binomial_dispersion(k, n)
    assert chi2 == pytest.approx(expected[0], rel=1e-9) and df == expected[1]


def test_dispersion_edges():
    assert stats.poisson_dispersion([5]) == (0.0, 0)
    assert stats.poisson_dispersion([0, 0, 0]) == (0.0, 2)
    assert stats.binomial_dispersion([0, 0], [5, 6]) == (0.0, 1)
    assert stats.dispersion_factor(1.0, 3) == 1.0  # under-dispersion is floored at 1
    assert stats.dispersion_factor(5.0, 0) == 1.0
    with pytest.raises(ValueError):
        stats.poisson_dispersion([1, 2], [1, 0])
    with pytest.raises(ValueError):
        stats.binomial_dispersion([3, 2], [2, 5])


# ---------------------------------------------------------------------------------------------
# Tests of a change allowing for phi


@pytest.mark.parametrize("k1, k2, phi, expected", [(309, 248, 3.0, 0.14), (27, 8, 3.0, 0.064), (160, 102, 1.0, None)])
def test_quasi_poisson_worked_examples(k1, k2, phi, expected):
    """The issue: z = (k2 - k1) / sqrt(phi (k1 + k2))."""
    result = stats.quasi_poisson_change_test(k1, k2, phi=phi)
    z = (k2 - k1) / math.sqrt(phi * (k1 + k2))
    assert result["z"] == pytest.approx(z, rel=1e-12)
    assert result["p_value"] == pytest.approx(2 * sps.norm.sf(abs(z)), rel=1e-12)
    if expected is not None:
        assert round(result["p_value"], 3 if expected < 0.1 else 2) == expected


@pytest.mark.filterwarnings(
    "ignore::RuntimeWarning", "ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning"
)
@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 400),
    st.integers(1, 400),
    st.floats(50, 5000),
    st.floats(50, 5000),
    st.floats(1.0, 8.0),
)
def test_quasi_poisson_is_statsmodels_score_test_scaled_by_phi(k1, k2, e1, e2, phi):
    """statsmodels' score test of two Poisson rates, its statistic divided by sqrt(phi); the rate
    ratio's interval is a Poisson GLM's Wald interval with the scale fixed at phi."""
    mine = stats.quasi_poisson_change_test(k1, k2, e1, e2, phi=phi)
    score = rates.test_poisson_2indep(k2, e2, k1, e1, method="score").statistic
    assert mine["z"] == pytest.approx(score / math.sqrt(phi), rel=1e-9, abs=1e-12)
    exog = np.array([[1.0, 0.0], [1.0, 1.0]])
    model = sm.GLM(np.array([k1, k2], float), exog, family=sm.families.Poisson(), offset=np.log([e1, e2]))
    fit = model.fit(scale=phi, tol=1e-14, maxiter=300)
    low, high = np.exp(fit.conf_int()[1])
    assert mine["rate_ratio"] == pytest.approx(math.exp(fit.params[1]), rel=1e-5)  # IRLS tolerance
    assert (mine["ci_low"], mine["ci_high"]) == (pytest.approx(low, rel=1e-5), pytest.approx(high, rel=1e-5))


def test_quasi_poisson_edges():
    assert stats.quasi_poisson_change_test(0, 0, phi=2.0)["p_value"] == 1.0
    zero = stats.quasi_poisson_change_test(0, 9, phi=2.0)
    assert zero["rate_ratio"] == math.inf and zero["ci_high"] == math.inf and 0 < zero["p_value"] < 1
    with pytest.raises(ValueError):
        stats.quasi_poisson_change_test(3, 4, phi=0.5)
    with pytest.raises(ValueError):
        stats.quasi_poisson_change_test(3, 4, e1=10)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.data(), st.floats(1.0, 6.0))
def test_quasi_proportion_is_the_pooled_z_test_scaled_by_phi(n1, n2, data, phi):
    k1 = data.draw(st.integers(0, n1))
    k2 = data.draw(st.integers(0, n2))
    mine = stats.quasi_proportion_change_test(k1, n1, k2, n2, phi=phi)
    if k1 + k2 in (0, n1 + n2):
        assert mine["p_value"] == 1.0
        return
    z, _ = proportions_ztest([k2, k1], [n2, n1])
    assert mine["z"] == pytest.approx(z / math.sqrt(phi), rel=1e-9, abs=1e-12)
    assert mine["p_value"] == pytest.approx(2 * sps.norm.sf(abs(z) / math.sqrt(phi)), rel=1e-9, abs=1e-300)
    p1, p2 = k1 / n1, k2 / n2
    half = 1.959963984540054 * math.sqrt(phi * (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2))
    assert mine["ci_low"] == pytest.approx(max(-1.0, p2 - p1 - half), abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Funnel plots: Spiegelhalter (2005) over-dispersion


@pytest.mark.parametrize("seed", range(5))
def test_winsorise_matches_scipy(seed):
    x = np.random.default_rng(seed).normal(size=23)
    expected = np.asarray(mstats.winsorize(x, limits=(0.1, 0.1)))
    np.testing.assert_allclose(stats.winsorise(x, 0.1), expected)


def test_additive_tau2_is_dersimonian_laird_without_winsorising():
    """With no Winsorising and p0 the pooled proportion, I phi is Cochran's Q and tau^2 the
    DerSimonian-Laird estimate: statsmodels' combine_effects on the same shares and variances."""
    rng = np.random.default_rng(3)
    n = rng.integers(30, 400, size=14)
    k = rng.binomial(n, rng.uniform(0.4, 0.8, size=14))
    found = stats.funnel_dispersion(k, n, fraction=0.0)
    p0 = k.sum() / n.sum()
    combined = combine_effects(k / n, np.full(14, p0 * (1 - p0)) / n, method_re="dl")
    assert found["chi2"] == pytest.approx(combined.q, rel=1e-9)
    assert found["tau2"] == pytest.approx(combined.tau2, rel=1e-9)
    assert found["p_value"] == pytest.approx(sps.chi2.sf(combined.q, 13), rel=1e-9)
    assert found["overdispersed"]


def test_no_overdispersion_when_units_are_binomial():
    n = np.full(20, 200)
    k = np.array([100 + d for d in (-7, 3, 0, 5, -4, 8, -2, 1, -6, 4, 0, -3, 6, -5, 2, -1, 7, -8, 3, -2)])
    found = stats.funnel_dispersion(k, n)
    assert not found["overdispersed"] and found["tau2"] == 0.0


def test_widened_funnel_limits():
    limits = stats.funnel_limits_overdispersed(0.6, [25, 100, 400], phi=2.5)
    for level in (0.95, 0.998):
        label = f"{100 * level:.10g}".replace(".", "_")
        z = sps.norm.isf((1 - level) / 2)
        half = z * np.sqrt(2.5 * 0.6 * 0.4 / np.array([25, 100, 400]))
        np.testing.assert_allclose(limits[f"lower_{label}"], np.clip(0.6 - half, 0, 1))
        np.testing.assert_allclose(limits[f"upper_{label}"], np.clip(0.6 + half, 0, 1))
