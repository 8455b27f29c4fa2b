"""Small-sample statistics for complaint counts and proportions.

Pure functions built on scipy. Every interval and test is two-sided; the
default confidence level is 95% (``alpha=0.05``). Scalar inputs give plain
Python floats back.

Over-dispersion (year-to-year variation beyond chance) follows quasi-likelihood: the variance of
a count is phi x its mean, of a binomial count phi x n p (1 - p), with phi the Pearson chi-square
of a series divided by its degrees of freedom (Wedderburn RWM (1974) Biometrika 61:439-447;
McCullagh P, Nelder JA (1989) Generalized Linear Models, 2nd ed., sections 4.5 and 9.2), and
Spiegelhalter's multiplicative and additive models for funnel plots (Spiegelhalter DJ (2005)
Handling over-dispersion of performance indicators. Qual Saf Health Care 14:347-351).

Edge-case conventions (see each function for details):

* Counts must be non-negative whole numbers. Integral floats such as ``3.0``
  are accepted (pandas often stores counts as floats); ``3.5``, NaN, inf,
  booleans and strings raise ``ValueError``.
* A proportion with ``n == 0`` is undefined and raises ``ValueError``.
* ``count_change_test`` with ``k1 + k2 == 0`` carries no information: it
  returns ``p_value = 1.0`` and ``nan`` for the rate ratio and its limits.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "bh_qvalues",
    "binomial_dispersion",
    "clopper_pearson_ci",
    "count_change_test",
    "dispersion_factor",
    "funnel_dispersion",
    "funnel_limits",
    "funnel_limits_overdispersed",
    "poisson_ci",
    "poisson_dispersion",
    "pooled_proportion",
    "proportion_change_test",
    "quasi_poisson_change_test",
    "quasi_proportion_change_test",
    "wilson_ci",
    "winsorise",
]


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------
def _check_count(x, name: str) -> int:
    """Return ``x`` as a non-negative int or raise ValueError."""
    if isinstance(x, (bool, np.bool_)):
        raise ValueError(f"{name} must be a whole-number count, not a boolean ({x!r})")
    if isinstance(x, numbers.Integral):
        value = int(x)
    elif isinstance(x, numbers.Real):
        xf = float(x)
        if not math.isfinite(xf) or not xf.is_integer():
            raise ValueError(f"{name} must be a whole-number count, got {x!r}")
        value = int(xf)
    else:
        raise ValueError(f"{name} must be a whole-number count, got {x!r}")
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {x!r}")
    return value


def _check_k_n(k, n, k_name: str = "k", n_name: str = "n") -> tuple[int, int]:
    k = _check_count(k, k_name)
    n = _check_count(n, n_name)
    if n == 0:
        raise ValueError(f"{n_name} must be positive: a proportion with {n_name} == 0 is undefined")
    if k > n:
        raise ValueError(f"{k_name} ({k}) cannot exceed {n_name} ({n})")
    return k, n


def _check_alpha(alpha) -> float:
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real):
        raise ValueError(f"alpha must be a number in (0, 1), got {alpha!r}")
    a = float(alpha)
    if not (0.0 < a < 1.0):
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    return a


def _check_exposure(e, name: str) -> float:
    if isinstance(e, (bool, np.bool_)) or not isinstance(e, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {e!r}")
    ef = float(e)
    if not math.isfinite(ef) or ef <= 0.0:
        raise ValueError(f"{name} must be positive and finite, got {e!r}")
    return ef


def _check_count_array(x, name: str) -> np.ndarray:
    """Return ``x`` as an int64 array of non-negative whole numbers."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain numeric counts") from exc
    if np.asarray(x).dtype == bool:
        raise ValueError(f"{name} must contain whole-number counts, not booleans")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must not contain NaN or infinite values")
    if np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must contain whole-number counts")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative")
    return arr.astype(np.int64)


# ---------------------------------------------------------------------------
# single-sample intervals
# ---------------------------------------------------------------------------
def poisson_ci(k, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood) confidence interval for a Poisson count.

    low = chi2.ppf(alpha/2, 2k)/2 (0 when k == 0),
    high = chi2.ppf(1 - alpha/2, 2k + 2)/2.

    Reference: Garwood F (1936) Biometrika 28:437-442.
    """
    k = _check_count(k, "k")
    alpha = _check_alpha(alpha)
    low = 0.0 if k == 0 else float(stats.chi2.ppf(alpha / 2, 2 * k) / 2)
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2)
    return low, high


def wilson_ci(k, n, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n, clipped to [0, 1].

    The limits are exactly 0 when k == 0 and exactly 1 when k == n.

    Reference: Wilson EB (1927) JASA 22:209-212; Newcombe RG (1998)
    Stat Med 17:857-872 (method 3).
    """
    k, n = _check_k_n(k, n)
    alpha = _check_alpha(alpha)
    z = stats.norm.isf(alpha / 2)
    z2 = z * z
    p = k / n
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    low = 0.0 if k == 0 else min(max(centre - half, 0.0), 1.0)
    high = 1.0 if k == n else min(max(centre + half, 0.0), 1.0)
    return float(low), float(high)


def clopper_pearson_ci(k, n, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper-Pearson) binomial interval from beta quantiles.

    low = beta.ppf(alpha/2, k, n-k+1) (0 when k == 0),
    high = beta.ppf(1-alpha/2, k+1, n-k) (1 when k == n).

    Reference: Clopper CJ, Pearson ES (1934) Biometrika 26:404-413.
    """
    k, n = _check_k_n(k, n)
    alpha = _check_alpha(alpha)
    low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


# ---------------------------------------------------------------------------
# two-sample comparisons
# ---------------------------------------------------------------------------
def count_change_test(k1, k2, e1=None, e2=None, alpha: float = 0.05) -> dict:
    """Exact conditional (binomial) test for a change in a count, year 1 -> year 2.

    Conditional on k1 + k2, k2 ~ Binomial(k1 + k2, p0) under H0 of equal
    rates, with p0 = e2/(e1 + e2) if exposures are given, else 0.5. The
    two-sided p-value is scipy.stats.binomtest (minimum-likelihood method).
    The rate ratio (k2/e2)/(k1/e1) has a confidence interval obtained by
    transforming the Clopper-Pearson limits (pl, pu) of pi = k2/(k1 + k2):
    RR = pi/(1 - pi) * e1/e2.

    Edge cases: k1 == 0 < k2 gives rate_ratio = inf and ci_high = inf;
    k2 == 0 < k1 gives rate_ratio = 0 and ci_low = 0; k1 == k2 == 0 gives
    p_value = 1.0 and nan for rate_ratio, ci_low and ci_high. Exposures must
    be given together (both or neither).

    Reference: Przyborowski J, Wilenski H (1940) Biometrika 31:313-323;
    Breslow NE, Day NE (1987) Statistical Methods in Cancer Research II,
    IARC, section 2.2.
    """
    k1 = _check_count(k1, "k1")
    k2 = _check_count(k2, "k2")
    alpha = _check_alpha(alpha)
    if (e1 is None) != (e2 is None):
        raise ValueError("give both exposures e1 and e2, or neither")
    if e1 is None:
        e1f = e2f = 1.0
    else:
        e1f = _check_exposure(e1, "e1")
        e2f = _check_exposure(e2, "e2")
    p0 = e2f / (e1f + e2f)
    total = k1 + k2
    result = {"test": "exact conditional binomial"}
    if total == 0:
        result.update(p_value=1.0, rate_ratio=math.nan, ci_low=math.nan, ci_high=math.nan)
        return result

    p_value = float(stats.binomtest(k2, total, p0, alternative="two-sided").pvalue)
    p_value = min(max(p_value, 0.0), 1.0)
    rate_ratio = math.inf if k1 == 0 else k2 / e2f / (k1 / e1f)

    pl, pu = clopper_pearson_ci(k2, total, alpha=alpha)
    scale = e1f / e2f
    ci_low = pl / (1 - pl) * scale
    ci_high = math.inf if pu >= 1.0 else pu / (1 - pu) * scale
    result.update(
        p_value=p_value,
        rate_ratio=float(rate_ratio),
        ci_low=float(ci_low),
        ci_high=float(ci_high),
    )
    return result


def proportion_change_test(k1, n1, k2, n2, alpha: float = 0.05) -> dict:
    """Compare two independent proportions, year 1 (k1/n1) -> year 2 (k2/n2).

    p_value: two-sided Fisher's exact test on [[k2, n2-k2], [k1, n1-k1]]
    (scipy.stats.fisher_exact). difference = k2/n2 - k1/n1, with Newcombe's
    hybrid score interval (method 10) built from the two Wilson intervals,
    clipped to [-1, 1].

    Reference: Fisher RA (1935) J R Stat Soc 98:39-82; Newcombe RG (1998)
    Stat Med 17:873-890.
    """
    k1, n1 = _check_k_n(k1, n1, "k1", "n1")
    k2, n2 = _check_k_n(k2, n2, "k2", "n2")
    alpha = _check_alpha(alpha)
    table = [[k2, n2 - k2], [k1, n1 - k1]]
    p_value = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
    p_value = min(max(p_value, 0.0), 1.0)

    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_ci(k1, n1, alpha=alpha)
    l2, u2 = wilson_ci(k2, n2, alpha=alpha)
    diff = p2 - p1
    low = diff - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = diff + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return {
        "test": "Fisher's exact",
        "p_value": p_value,
        "difference": float(diff),
        "ci_low": float(min(max(low, -1.0), 1.0)),
        "ci_high": float(min(max(high, -1.0), 1.0)),
    }


# ---------------------------------------------------------------------------
# multiple testing
# ---------------------------------------------------------------------------
def bh_qvalues(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), in input order.

    NaN entries stay NaN and are not counted in m. Uses
    scipy.stats.false_discovery_control(method='bh').

    Reference: Benjamini Y, Hochberg Y (1995) J R Stat Soc B 57:289-300.
    """
    try:
        p = np.asarray(pvalues, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError("pvalues must be numeric") from exc
    if p.ndim != 1:
        raise ValueError(f"pvalues must be one-dimensional, got shape {p.shape}")
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if np.any(np.isinf(p)) or np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ValueError("p-values must lie in [0, 1] (NaN allowed)")
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out


# ---------------------------------------------------------------------------
# funnel plots
# ---------------------------------------------------------------------------
def _level_label(level: float) -> str:
    return f"{100 * level:.10g}".replace(".", "_")


def _exact_binomial_limit(prob: float, n: np.ndarray, p0: float) -> np.ndarray:
    """Interpolated exact binomial limit (r_P - alpha)/n for probability ``prob``."""
    r = stats.binom.ppf(prob, n, p0)
    # guard against rounding in ppf: r must be the smallest r with F(r) >= prob
    r = np.where(stats.binom.cdf(r, n, p0) < prob, r + 1, r)
    r = np.where((r > 0) & (stats.binom.cdf(r - 1, n, p0) >= prob), r - 1, r)
    f_r = stats.binom.cdf(r, n, p0)
    f_rm1 = stats.binom.cdf(r - 1, n, p0)
    a = (f_r - prob) / (f_r - f_rm1)
    return np.clip((r - a) / n, 0.0, 1.0)


def funnel_limits(p0, n, levels: Iterable[float] = (0.95, 0.998)) -> pd.DataFrame:
    """Exact binomial funnel-plot control limits around a target proportion p0.

    For probability P: r_P = binom.ppf(P, n, p0),
    alpha = (F(r_P) - P) / (F(r_P) - F(r_P - 1)), limit = (r_P - alpha)/n,
    with lower P = (1 - level)/2 and upper P = 1 - (1 - level)/2, clipped to
    [0, 1]. Returns a DataFrame with column ``n`` (input order) and
    ``lower_<pct>``/``upper_<pct>`` per level, e.g. ``lower_95``,
    ``upper_99_8``.

    Note: the interpolation is implemented exactly as published. It places
    the mass of count r on (r - 1, r], so for 0 < p0 < 1 the upper limit is
    always below 1 and has a small sawtooth in n. For very small n * p0
    (e.g. p0 = 0.01, n <= 2) the upper 95% limit falls below p0, and for
    p0 > 0.5 with small n the upper limit stays below 1 even though k = n is
    a likely count. Lower limits are not affected in this way. If p0 is 0 or 1
    the distribution is degenerate and every limit equals p0.

    References: Spiegelhalter DJ (2005) Funnel plots for comparing
    institutional performance. Stat Med 24:1185-1202 (exact binomial limits);
    Manktelow BN, Seaton SE, Evans TA (2012) PLoS ONE 7:e45723 (probability
    properties of interpolated limits).
    """
    if isinstance(p0, (bool, np.bool_)) or not isinstance(p0, numbers.Real):
        raise ValueError(f"p0 must be a proportion in [0, 1], got {p0!r}")
    p0 = float(p0)
    if not (0.0 <= p0 <= 1.0):
        raise ValueError(f"p0 must be a proportion in [0, 1], got {p0!r}")

    n_arr = _check_count_array(n, "n")
    n_arr = np.atleast_1d(n_arr)
    if n_arr.ndim != 1:
        raise ValueError("n must be a scalar or one-dimensional")
    if n_arr.size == 0:
        raise ValueError("n must not be empty")
    if np.any(n_arr == 0):
        raise ValueError("n must be positive (denominator of zero)")

    if isinstance(levels, numbers.Real):
        levels = (levels,)
    levels = list(levels)
    if not levels:
        raise ValueError("levels must not be empty")
    labels = []
    for level in levels:
        if isinstance(level, (bool, np.bool_)) or not isinstance(level, numbers.Real):
            raise ValueError(f"each level must be a number in (0, 1), got {level!r}")
        if not (0.0 < float(level) < 1.0):
            raise ValueError(f"each level must be in (0, 1), got {level!r}")
        labels.append(_level_label(float(level)))
    if len(set(labels)) != len(labels):
        raise ValueError(f"levels must be distinct, got {levels!r}")

    out = {"n": n_arr}
    for level, label in zip(levels, labels):
        tail = (1.0 - float(level)) / 2.0
        if p0 in (0.0, 1.0):
            lower = upper = np.full(n_arr.shape, p0)
        else:
            lower = _exact_binomial_limit(tail, n_arr, p0)
            upper = _exact_binomial_limit(1.0 - tail, n_arr, p0)
        out[f"lower_{label}"] = lower
        out[f"upper_{label}"] = upper
    return pd.DataFrame(out)


def pooled_proportion(k, n) -> float:
    """Pooled proportion sum(k)/sum(n) over units (the usual funnel target).

    k and n are scalars or equal-length sequences of whole-number counts with
    k <= n elementwise and sum(n) > 0. NaN is rejected: drop missing rows first.

    Reference: Spiegelhalter DJ (2005) Stat Med 24:1185-1202.
    """
    k_arr = _check_count_array(k, "k")
    n_arr = _check_count_array(n, "n")
    if k_arr.shape != n_arr.shape:
        raise ValueError(f"k and n must have the same shape, got {k_arr.shape} and {n_arr.shape}")
    if np.any(k_arr > n_arr):
        raise ValueError("each k must not exceed its n")
    total = int(n_arr.sum())
    if total == 0:
        raise ValueError("sum(n) must be positive")
    return float(k_arr.sum() / total)


# ---------------------------------------------------------------------------
# over-dispersion: year-to-year variation beyond chance
# ---------------------------------------------------------------------------
def poisson_dispersion(counts, exposures=None) -> tuple[float, int]:
    """Pearson chi-square of a series of counts against a constant mean, and its degrees of freedom.

    With exposures e_t (contacts), against a constant rate per unit of exposure: mu_t = e_t x
    sum(k) / sum(e). chi2 = sum (k_t - mu_t)^2 / mu_t on T - 1 degrees of freedom. A series of
    fewer than two points, or of zeros only, gives (0.0, max(T - 1, 0)).

    This is the Pearson statistic of a Poisson GLM with only an intercept (and the log exposure as
    offset); chi2 / df is the quasi-Poisson dispersion estimate (McCullagh and Nelder 1989, 4.5).
    """
    k = _check_count_array(counts, "counts").astype(float)
    if k.ndim != 1:
        raise ValueError("counts must be one-dimensional")
    if exposures is None:
        e = np.ones_like(k)
    else:
        try:
            e = np.asarray(exposures, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError("exposures must be positive numbers") from exc
        if e.shape != k.shape:
            raise ValueError(f"counts and exposures must have the same shape, got {k.shape} and {e.shape}")
        if not np.all(np.isfinite(e)) or np.any(e <= 0):
            raise ValueError("exposures must be positive and finite")
    df = max(len(k) - 1, 0)
    if len(k) < 2 or k.sum() == 0:
        return 0.0, df
    mu = e * k.sum() / e.sum()
    return float(np.sum((k - mu) ** 2 / mu)), df


def binomial_dispersion(k, n) -> tuple[float, int]:
    """Pearson chi-square of a series of proportions k_t / n_t against the pooled proportion, and its df.

    p = sum(k) / sum(n); chi2 = sum (k_t - n_t p)^2 / (n_t p (1 - p)) on T - 1 degrees of freedom
    (Spiegelhalter 2005's multiplicative over-dispersion model, with the target estimated from the
    series). A pooled proportion of 0 or 1 gives chi2 = 0.
    """
    k_arr = _check_count_array(k, "k").astype(float)
    n_arr = _check_count_array(n, "n").astype(float)
    if k_arr.shape != n_arr.shape or k_arr.ndim != 1:
        raise ValueError("k and n must be one-dimensional and of the same length")
    if np.any(n_arr == 0):
        raise ValueError("every n must be positive")
    if np.any(k_arr > n_arr):
        raise ValueError("each k must not exceed its n")
    df = max(len(k_arr) - 1, 0)
    if len(k_arr) < 2:
        return 0.0, df
    p = k_arr.sum() / n_arr.sum()
    if p <= 0.0 or p >= 1.0:
        return 0.0, df
    return float(np.sum((k_arr - n_arr * p) ** 2 / (n_arr * p * (1 - p)))), df


def dispersion_factor(chi2: float, df: int) -> float:
    """phi = chi2 / df, floored at 1 (under-dispersion is not used to narrow a test); 1 when df = 0."""
    if df <= 0 or not math.isfinite(chi2):
        return 1.0
    return max(1.0, float(chi2) / df)


def _check_phi(phi) -> float:
    if isinstance(phi, (bool, np.bool_)) or not isinstance(phi, numbers.Real):
        raise ValueError(f"phi must be a number of at least 1, got {phi!r}")
    value = float(phi)
    if not math.isfinite(value) or value < 1.0:
        raise ValueError(f"phi must be finite and at least 1, got {phi!r}")
    return value


def quasi_poisson_change_test(k1, k2, e1=None, e2=None, phi: float = 1.0, alpha: float = 0.05) -> dict:
    """Test a change in a count, year 1 -> year 2, allowing for over-dispersion phi (quasi-Poisson).

    Under H0 of equal rates the expected counts given k1 + k2 are m_t = (k1 + k2) e_t / (e1 + e2);
    the score for the year effect of a log-linear model is U = k2 - m2, with variance
    phi x (k1 + k2) p0 (1 - p0), p0 = e2 / (e1 + e2). So

        z = (k2 e1 - k1 e2) / sqrt(phi (k1 + k2) e1 e2),   with equal exposures (k2 - k1) / sqrt(phi (k1 + k2)),

    and the two-sided p-value is 2 (1 - Phi(|z|)). With phi = 1 this is the score test of two
    Poisson rates (the normal approximation to the exact conditional test). The rate ratio's
    interval is the quasi-likelihood Wald interval exp(log RR +/- z_{alpha/2} sqrt(phi (1/k1 + 1/k2)));
    when either count is 0 the Clopper-Pearson interval of the exact conditional test is used
    (sampling variation only). k1 + k2 == 0 gives p = 1 and nan.

    Reference: Wedderburn RWM (1974) Biometrika 61:439-447; McCullagh P, Nelder JA (1989)
    Generalized Linear Models, 2nd ed., 4.5 and 9.2; Spiegelhalter DJ (2005) Qual Saf Health Care
    14:347-351 (multiplicative over-dispersion).
    """
    k1 = _check_count(k1, "k1")
    k2 = _check_count(k2, "k2")
    alpha = _check_alpha(alpha)
    phi = _check_phi(phi)
    if (e1 is None) != (e2 is None):
        raise ValueError("give both exposures e1 and e2, or neither")
    e1f, e2f = (1.0, 1.0) if e1 is None else (_check_exposure(e1, "e1"), _check_exposure(e2, "e2"))
    total = k1 + k2
    result = {"test": "quasi-Poisson score test", "phi": phi}
    if total == 0:
        result.update(z=0.0, p_value=1.0, rate_ratio=math.nan, ci_low=math.nan, ci_high=math.nan)
        return result
    z = (k2 * e1f - k1 * e2f) / math.sqrt(phi * total * e1f * e2f)
    p_value = float(min(1.0, 2 * stats.norm.sf(abs(z))))
    if k1 == 0 or k2 == 0:
        exact = count_change_test(k1, k2, e1, e2, alpha=alpha)
        rate_ratio, ci_low, ci_high = exact["rate_ratio"], exact["ci_low"], exact["ci_high"]
    else:
        rate_ratio = k2 / e2f / (k1 / e1f)
        half = stats.norm.isf(alpha / 2) * math.sqrt(phi * (1 / k1 + 1 / k2))
        ci_low, ci_high = rate_ratio * math.exp(-half), rate_ratio * math.exp(half)
    result.update(
        z=float(z), p_value=p_value, rate_ratio=float(rate_ratio), ci_low=float(ci_low), ci_high=float(ci_high)
    )
    return result


def quasi_proportion_change_test(k1, n1, k2, n2, phi: float = 1.0, alpha: float = 0.05) -> dict:
    """Test a change in a proportion, year 1 -> year 2, allowing for over-dispersion phi.

    z = (p2 - p1) / sqrt(phi p (1 - p) (1/n1 + 1/n2)) with p the pooled proportion (the score test
    of two proportions with the binomial variance multiplied by phi, as in Spiegelhalter 2005's
    multiplicative model); two-sided p = 2 (1 - Phi(|z|)). The difference's interval is the Wald
    interval with the variance inflated the same way, phi (p1 (1 - p1)/n1 + p2 (1 - p2)/n2),
    clipped to [-1, 1]. A pooled proportion of 0 or 1 gives z = 0 and p = 1.

    Reference: Spiegelhalter DJ (2005) Qual Saf Health Care 14:347-351; McCullagh P, Nelder JA
    (1989) Generalized Linear Models, 2nd ed., 4.5.
    """
    k1, n1 = _check_k_n(k1, n1, "k1", "n1")
    k2, n2 = _check_k_n(k2, n2, "k2", "n2")
    alpha = _check_alpha(alpha)
    phi = _check_phi(phi)
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    diff = p2 - p1
    if pooled in (0.0, 1.0):
        z, p_value = 0.0, 1.0
    else:
        z = diff / math.sqrt(phi * pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        p_value = float(min(1.0, 2 * stats.norm.sf(abs(z))))
    half = stats.norm.isf(alpha / 2) * math.sqrt(phi * (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2))
    return {
        "test": "quasi-binomial z-test",
        "phi": phi,
        "z": float(z),
        "p_value": p_value,
        "difference": float(diff),
        "ci_low": float(min(max(diff - half, -1.0), 1.0)),
        "ci_high": float(min(max(diff + half, -1.0), 1.0)),
    }


def winsorise(values, fraction: float = 0.1) -> np.ndarray:
    """The values with the int(fraction x N) smallest set to the next smallest and the int(fraction x N)
    largest to the next largest (the Winsorised z-scores of Spiegelhalter 2005, 10% at each end)."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or not np.all(np.isfinite(x)):
        raise ValueError("values must be a one-dimensional array of finite numbers")
    if not (0.0 <= float(fraction) < 0.5):
        raise ValueError(f"fraction must be in [0, 0.5), got {fraction!r}")
    cut = int(float(fraction) * len(x))
    if cut == 0:
        return x.copy()
    order = np.sort(x)
    return np.clip(x, order[cut], order[len(x) - cut - 1])


def funnel_dispersion(k, n, p0: float | None = None, fraction: float = 0.1, alpha: float = 0.05) -> dict:
    """Over-dispersion of units' proportions around a funnel plot's target (Spiegelhalter 2005).

    z_i = (y_i - p0) / sqrt(p0 (1 - p0) / n_i), Winsorised (`fraction` at each end); phi = mean(z^2)
    over the I units. Over-dispersion is declared when I x phi exceeds the 1 - alpha quantile of a
    chi-square on I - 1 degrees of freedom (I - 1 because p0 is estimated from the units). The
    additive random-effects variance is tau^2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)),
    w_i = 1 / s_i^2 = n_i / (p0 (1 - p0)): with no Winsorising and p0 the pooled proportion this is
    the DerSimonian-Laird estimate. Returns units, p0, phi (the estimate, not floored), chi2 (I phi),
    p_value, overdispersed, tau2.

    Reference: Spiegelhalter DJ (2005) Handling over-dispersion of performance indicators. Qual Saf
    Health Care 14:347-351; DerSimonian R, Laird N (1986) Control Clin Trials 7:177-188.
    """
    k_arr = _check_count_array(k, "k").astype(float)
    n_arr = _check_count_array(n, "n").astype(float)
    if k_arr.shape != n_arr.shape or k_arr.ndim != 1 or len(k_arr) < 2:
        raise ValueError("k and n must be one-dimensional, of the same length and at least two units")
    if np.any(n_arr == 0) or np.any(k_arr > n_arr):
        raise ValueError("every n must be positive and no k above its n")
    target = float(k_arr.sum() / n_arr.sum()) if p0 is None else float(p0)
    if not (0.0 < target < 1.0):
        raise ValueError(f"the target p0 must lie strictly between 0 and 1, got {target!r}")
    variance = target * (1 - target) / n_arr
    z = winsorise((k_arr / n_arr - target) / np.sqrt(variance), fraction)
    units = len(z)
    phi = float(np.mean(z**2))
    chi2 = units * phi
    p_value = float(stats.chi2.sf(chi2, units - 1))
    w = 1.0 / variance
    tau2 = max(0.0, (chi2 - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return {
        "units": units,
        "p0": target,
        "phi": phi,
        "chi2": chi2,
        "p_value": p_value,
        "overdispersed": bool(p_value < _check_alpha(alpha)),
        "tau2": float(tau2),
    }


def funnel_limits_overdispersed(p0, n, phi: float = 1.0, levels: Iterable[float] = (0.95, 0.998)) -> pd.DataFrame:
    """Funnel limits widened for multiplicative over-dispersion: p0 +/- z sqrt(phi p0 (1 - p0) / n),
    clipped to [0, 1], columns as funnel_limits (Spiegelhalter 2005, Qual Saf Health Care)."""
    phi = _check_phi(phi)
    p0 = float(p0)
    if not (0.0 <= p0 <= 1.0):
        raise ValueError(f"p0 must be a proportion in [0, 1], got {p0!r}")
    n_arr = np.atleast_1d(_check_count_array(n, "n")).astype(float)
    if np.any(n_arr == 0):
        raise ValueError("n must be positive (denominator of zero)")
    out = {"n": n_arr.astype(np.int64)}
    for level in levels:
        z = stats.norm.isf((1.0 - float(level)) / 2.0)
        half = z * np.sqrt(phi * p0 * (1 - p0) / n_arr)
        label = _level_label(float(level))
        out[f"lower_{label}"] = np.clip(p0 - half, 0.0, 1.0)
        out[f"upper_{label}"] = np.clip(p0 + half, 0.0, 1.0)
    return pd.DataFrame(out)
