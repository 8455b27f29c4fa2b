"""The metrics engine: figures to the metrics of docs/methods.md, with intervals and year-on-year tests.

One row per council x year x metric. Methods (all two-sided, 95%; docs/methods.md has the detail):

- count: exact Poisson (Garwood) interval. rate: the same over its exposure. proportion: Wilson.
- A change from the year before is compared with chance alone (`p_value_sampling`: the exact
  conditional binomial test for counts and rates, Fisher's exact test for proportions) and with
  year-to-year variation beyond chance (`p_value`): a quasi-Poisson score test for counts and rates
  and a quasi-binomial z-test for proportions, with the dispersion phi estimated from the council's
  own series of the metric (at least 4 years), else pooled over every series of counts and rates
  with at least 3 years (counts and rates only), floored at 1. With phi = 1 the p-value is the
  exact test's.
- Benjamini-Hochberg q-values over the tests of one council, financial year and source (and any
  other tests reported for it: the before/after test of a process change, `other_tests`).
  Verdicts follow q < 0.05.
- Every test is repeated at every value the documents allow for the figures it uses (both values
  of a contested figure; every whole count that fits a published percentage): `verdict_robust`
  says whether the verdict is the same at all of them.
- `small_numbers`: the one rule of complaints.analysis.small_numbers.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..inputs.definitions import Definitions
from ..inputs.years import previous_year
from . import stats
from .resolve import allowed_values, figure_index, limit_combinations
from .small_numbers import is_small, is_small_change

COLUMNS = [
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
EXTRA_COLUMNS = [
    "numerator_measure",
    "denominator_measure",
    "numerator_basis",
    "effect_measure",
    "effect",
    "effect_ci_low",
    "effect_ci_high",
    "small_numbers",
    "contested",
    "note",
    # the extensions asked for in December 2026 (METHODS.md)
    "p_value_sampling",
    "dispersion",
    "dispersion_basis",
    "verdict_robust",
    "p_value_range",
    "values_tested",
    "synthetic",
]
ALL_COLUMNS = COLUMNS + EXTRA_COLUMNS
SIGNIFICANCE = 0.05
OWN_SERIES_YEARS = 4  # a council's own series needs this many years (3 degrees of freedom) for its own phi
POOLED_SERIES_YEARS = 3  # a series joins the pooled estimate with this many years (2 degrees of freedom)
POISSON_KINDS = ("count", "rate")  # pooled together: both are counts of events
DISPERSION_BASES = ("own_series", "pooled", "none")


def _figure(index: dict, council: str, year: str, measure: str) -> pd.Series | None:
    return index.get((council, year, measure, ""))


def _usable(fig: pd.Series | None) -> bool:
    return fig is not None and pd.notna(fig["value"])


def metric_value(figs: dict, council, year: str, metric: pd.Series, source: str = "published") -> dict | None:
    """The value of one metric for one council-year, or None when the council doesn't publish it.

    Besides the metrics.csv columns the row carries, for the tests of change, `_figures`: the figures
    it uses ({role: figure}, roles numerator, denominator and exposure).
    """
    kind = metric["kind"]
    num = _figure(figs, council.id, year, metric["numerator"])
    if num is None:
        return None
    den_measure = council.denominator(metric["metric"], metric["denominator"]) if metric["denominator"] else ""
    den = _figure(figs, council.id, year, den_measure) if den_measure else None
    row = {
        "council": council.id,
        "year": year,
        "metric": metric["metric"],
        "kind": kind,
        "source": source,
        "numerator_measure": metric["numerator"],
        "denominator_measure": den_measure,
        "numerator_basis": num["basis"] or "",
        "note": "",
        "_figures": {"numerator": num},
    }
    notes = []
    has_count = pd.notna(num["value"])
    if kind in ("count", "mean", "money"):
        if not has_count:
            return None
        row["value"] = float(num["value"])
        if kind == "count":
            row["numerator"] = int(num["value"])
            row["ci_low"], row["ci_high"] = stats.poisson_ci(int(num["value"]))
            exposure = metric.get("exposure", "") if hasattr(metric, "get") else ""
            if exposure:
                row["_figures"]["exposure"] = _figure(figs, council.id, year, exposure)
    elif kind == "proportion":
        row["_figures"]["denominator"] = den
        den_value = den["value"] if den is not None else np.nan
        usable = (
            has_count
            and pd.notna(den_value)
            and not (num["basis"] == "from_percentage" and num["pct_of"] != den_measure)
        )
        if usable:
            k, n = int(num["value"]), int(den_value)
            row.update(value=k / n, numerator=k, denominator=n)
            row["ci_low"], row["ci_high"] = stats.wilson_ci(k, n)
            if num["basis"] == "from_percentage":
                stated = f"{num['pct']:g}%" if pd.notna(num["pct"]) else "percentages"
                allowed = allowed_values(num)
                fits = (
                    f"; {', '.join(f'{v:g}' for v in allowed)} all fit"
                    if len(allowed) > 1 and not num["contested"]
                    else ""
                )
                notes.append(f"numerator recovered from the published {stated} of {n}{fits}")
        elif pd.notna(num["pct"]):
            row["value"] = num["pct"] / 100
            row["numerator_basis"] = "percentage_only"
            if pd.notna(den_value) and num["pct_of"] == den_measure:
                row["denominator"] = int(den_value)
                notes.append(
                    f"published as {num['pct']:g}% of {int(den_value)}, which no whole number of {int(den_value)} gives"
                )
            else:
                notes.append(f"published as {num['pct']:g}% with no count behind it")
        else:
            return None
    elif kind == "rate":
        row["_figures"]["denominator"] = den
        if not has_count or den is None or pd.isna(den["value"]):
            return None
        k, exposure = int(num["value"]), float(den["value"])
        row.update(value=k / exposure, numerator=k, denominator=exposure)
        low, high = stats.poisson_ci(k)
        row.update(ci_low=low / exposure, ci_high=high / exposure)
    row["_notes"] = notes
    return row


# ---------------------------------------------------------------------------------------------
# Over-dispersion: how much more than chance the council's figures vary from year to year


def _series_point(row: dict) -> tuple[float, float] | None:
    """(count, exposure or base) of a row for a dispersion series; None when it has no count."""
    if pd.isna(row.get("numerator", np.nan)):
        return None
    if row["kind"] == "count":
        return float(row["numerator"]), 1.0
    if pd.isna(row.get("denominator", np.nan)) or float(row["denominator"]) <= 0:
        return None
    return float(row["numerator"]), float(row["denominator"])


def _chi2(kind: str, points: list[tuple[float, float]]) -> tuple[float, int]:
    k = [p[0] for p in points]
    e = [p[1] for p in points]
    if kind == "count":
        return stats.poisson_dispersion(k)
    if kind == "rate":
        return stats.poisson_dispersion(k, e)
    return stats.binomial_dispersion(k, e)


def _all_parts(measure: str, defs: Definitions | None) -> set[str]:
    """Every measure a measure is the sum of, at any depth (measures.csv sum_of)."""
    if defs is None or measure not in defs.measures.index:
        return set()
    out: set[str] = set()
    for part in defs.sum_parts(measure):
        out |= {part} | _all_parts(part, defs)
    return out


def dispersions(values: dict, defs: Definitions | None = None) -> dict[tuple[str, str], tuple[float, str, str]]:
    """The dispersion phi for the tests of each (council, metric): {(council, metric): (phi, basis, detail)}.

    own_series: the council's own yearly series of the metric has at least OWN_SERIES_YEARS years with
    counts; phi = Pearson chi-square / df against a constant mean (counts), a constant rate per unit
    of exposure (rates) or a constant proportion (proportions). pooled (counts and rates only): the
    summed chi-square over the summed df of the series of counts and rates, of any council and metric
    of this source, with at least POOLED_SERIES_YEARS years, each count entering once: a series whose
    numerator is a part of another pooled series' numerator (statutory_received within
    complaints_received, by measures.csv sum_of) is left out, and so is a rate whose numerator is
    already pooled as a count. none: phi = 1. phi is floored at 1.
    """
    series: dict[tuple[str, str], dict] = {}
    for (council, _year, metric), row in sorted(values.items()):
        if row["kind"] not in (*POISSON_KINDS, "proportion"):
            continue
        point = _series_point(row)
        if point is not None:
            entry = series.setdefault(
                (council, metric), {"kind": row["kind"], "numerator": row["numerator_measure"], "points": []}
            )
            entry["points"].append(point)
    for entry in series.values():
        entry["chi2"], entry["df"] = _chi2(entry["kind"], entry["points"])
    pool = {
        key: e for key, e in series.items() if e["kind"] in POISSON_KINDS and len(e["points"]) >= POOLED_SERIES_YEARS
    }
    # the council's other pooled series (the pool as it stands, less those already left out), by council so
    # that each council's cost is the same however many councils there are
    by_council: dict[str, dict] = {}
    for key, entry in pool.items():
        by_council.setdefault(key[0], {})[key] = entry
    for key, entry in list(pool.items()):
        mine = by_council[key[0]]
        others = [e for k, e in mine.items() if k != key]
        inside = any(entry["numerator"] in _all_parts(e["numerator"], defs) for e in others)
        counted = entry["kind"] == "rate" and any(
            e["kind"] == "count" and e["numerator"] == entry["numerator"] for e in others
        )
        if inside or counted:
            del pool[key], mine[key]
    pooled_chi2 = sum(e["chi2"] for e in pool.values())
    pooled_df = sum(e["df"] for e in pool.values())
    named = ", ".join(f"{council} {metric}" for council, metric in sorted(pool))
    out = {}
    for key, entry in series.items():
        years = len(entry["points"])
        if years >= OWN_SERIES_YEARS:
            out[key] = (
                stats.dispersion_factor(entry["chi2"], entry["df"]),
                "own_series",
                f"Pearson chi-square {entry['chi2']:.1f} on {entry['df']} df over the council's own {years} years",
            )
        elif entry["kind"] in POISSON_KINDS and pooled_df > 0:
            out[key] = (
                stats.dispersion_factor(pooled_chi2, pooled_df),
                "pooled",
                f"Pearson chi-square {pooled_chi2:.1f} on {pooled_df} df pooled over {named}",
            )
        else:
            out[key] = (1.0, "none", "")
    return out


# ---------------------------------------------------------------------------------------------
# Tests of change


def _change_test(kind: str, k1, n1, k2, n2, e1, e2, phi: float) -> dict:
    """One test of a change: p_value (allowing for phi), p_value_sampling (chance alone), the effect."""
    if kind in POISSON_KINDS:
        if kind == "rate":
            e1, e2 = n1, n2
        exact = stats.count_change_test(k1, k2, e1, e2)
        label = " (contacts as exposure)" if kind == "count" and e1 is not None else ""
        out = {
            "p_value_sampling": exact["p_value"],
            "effect_measure": "rate ratio",
            "test": exact["test"] + label,
            "p_value": exact["p_value"],
            "effect": exact["rate_ratio"],
            "effect_ci_low": exact["ci_low"],
            "effect_ci_high": exact["ci_high"],
        }
        if phi > 1.0:
            quasi = stats.quasi_poisson_change_test(k1, k2, e1, e2, phi=phi)
            out.update(
                test=quasi["test"] + label,
                p_value=quasi["p_value"],
                effect_ci_low=quasi["ci_low"],
                effect_ci_high=quasi["ci_high"],
            )
        return out
    exact = stats.proportion_change_test(k1, n1, k2, n2)
    out = {
        "p_value_sampling": exact["p_value"],
        "effect_measure": "difference in proportions",
        "test": exact["test"],
        "p_value": exact["p_value"],
        "effect": exact["difference"],
        "effect_ci_low": exact["ci_low"],
        "effect_ci_high": exact["ci_high"],
    }
    if phi > 1.0:
        quasi = stats.quasi_proportion_change_test(k1, n1, k2, n2, phi=phi)
        out.update(
            test=quasi["test"],
            p_value=quasi["p_value"],
            effect_ci_low=quasi["ci_low"],
            effect_ci_high=quasi["ci_high"],
        )
    return out


def _options(fig: pd.Series | None, chosen) -> list[float]:
    """The values a figure may take (its allowed values), or [chosen] when it has none listed."""
    values = allowed_values(fig) if fig is not None else []
    if chosen is None or pd.isna(chosen):
        return values
    return sorted(set(values) | {float(chosen)})


def _exposures(row: dict, prev: dict) -> tuple[pd.Series | None, pd.Series | None]:
    f1, f2 = prev["_figures"].get("exposure"), row["_figures"].get("exposure")
    return (f1, f2) if _usable(f1) and _usable(f2) else (None, None)


def _combinations(row: dict, prev: dict) -> list[tuple]:
    """Every (k1, n1, k2, n2, e1, e2) the documents allow for a change (n: base or exposure of a rate;
    e: contacts as exposure of a count), limited by resolve.limit_combinations; k never above n."""
    kind = row["kind"]
    f_num1, f_num2 = prev["_figures"]["numerator"], row["_figures"]["numerator"]
    options = [_options(f_num1, prev["numerator"])]
    chosen = [float(prev["numerator"])]
    if kind in ("proportion", "rate"):
        options.append(_options(prev["_figures"].get("denominator"), prev["denominator"]))
        chosen.append(float(prev["denominator"]))
    options.append(_options(f_num2, row["numerator"]))
    chosen.append(float(row["numerator"]))
    if kind in ("proportion", "rate"):
        options.append(_options(row["_figures"].get("denominator"), row["denominator"]))
        chosen.append(float(row["denominator"]))
    e1, e2 = _exposures(row, prev)
    if kind == "count" and e1 is not None:
        options += [_options(e1, e1["value"]), _options(e2, e2["value"])]
        chosen += [float(e1["value"]), float(e2["value"])]
    options = limit_combinations(options, chosen)
    combos = []
    for values in itertools.product(*options):
        if kind in ("proportion", "rate"):
            k1, n1, k2, n2 = values[:4]
            e = (None, None)
        else:
            k1, k2 = values[0], values[1]
            n1 = n2 = None
            e = (values[2], values[3]) if len(values) == 4 else (None, None)
        if kind == "proportion" and (k1 > n1 or k2 > n2 or n1 <= 0 or n2 <= 0):
            continue
        if kind == "rate" and (n1 <= 0 or n2 <= 0):
            continue
        combos.append((k1, n1, k2, n2, *e))
    return combos


def _value_of(kind: str, k, n) -> float:
    return k / n if kind in ("proportion", "rate") else k


def _compare(row: dict, prev: dict, phi: float) -> dict:
    """Year-on-year change and its tests for one metric, at the chosen values and at every allowed one."""
    out = {
        "prev_year": prev["year"],
        "prev_value": prev["value"],
        "change": row["value"] - prev["value"],
        "pct_change": (row["value"] - prev["value"]) / prev["value"] if prev["value"] else np.nan,
    }
    kind = row["kind"]
    have_counts = pd.notna(row.get("numerator", np.nan)) and pd.notna(prev.get("numerator", np.nan))
    if kind not in (*POISSON_KINDS, "proportion") or not have_counts:
        return out
    k1, k2 = int(prev["numerator"]), int(row["numerator"])
    n1 = n2 = e1 = e2 = None
    if kind in ("proportion", "rate"):
        n1, n2 = prev["denominator"], row["denominator"]
        n1, n2 = (int(n1), int(n2)) if kind == "proportion" else (float(n1), float(n2))
    else:
        f1, f2 = _exposures(row, prev)
        if f1 is not None:
            e1, e2 = float(f1["value"]), float(f2["value"])
    tested: dict[tuple, dict] = {}  # the same test is run once (the chosen values are usually among the allowed)

    def test_of(*args) -> dict:
        if args not in tested:
            tested[args] = _change_test(kind, *args, phi)
        return tested[args]

    out.update(test_of(k1, n1, k2, n2, e1, e2))
    alternatives = []
    for c1, d1, c2, d2, x1, x2 in _combinations(row, prev):
        d1i, d2i = (int(d1), int(d2)) if kind == "proportion" else (d1, d2)
        test = test_of(int(c1), d1i, int(c2), d2i, x1, x2)
        change = _value_of(kind, c2, d2) - _value_of(kind, c1, d1)
        alternatives.append((test["p_value"], change, test["p_value_sampling"]))
    out["_alternatives"] = alternatives or [(out["p_value"], out["change"], out["p_value_sampling"])]
    return out


def verdict(change: float, q_value: float) -> str:
    if pd.isna(q_value):
        return "not_tested"
    if q_value < SIGNIFICANCE:
        return "increase" if change > 0 else "decrease"
    return "no_evidence_of_change"


def _p_text(p: float) -> str:
    return f"{p:.2g}"


def _family_q(p_values: np.ndarray) -> np.ndarray:
    return stats.bh_qvalues(p_values)


def compute_metrics(
    figures: pd.DataFrame,
    defs: Definitions,
    source: str = "published",
    synthetic=None,
    other_tests: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every metric for every council-year that has figures, with year-on-year statistics.

    `source` labels the rows: `published` for figures from council documents, `records` for
    figures aggregated from complaint extracts. Years are compared only within one source.
    `synthetic`: the (council, year) pairs whose records come only from synthetic extracts (their
    rows get synthetic = True). `other_tests`: further tests in the same Benjamini-Hochberg families
    (columns council, year, p_value; the before/after tests of process changes), which change the
    q-values of this source's rows but are not returned.
    """
    figs = figure_index(figures)
    synthetic = {tuple(x) for x in (synthetic or ())}
    values: dict[tuple, dict] = {}
    years_of = figures.groupby("council", sort=False)["year"].unique() if len(figures) else {}
    for council_id, council in sorted(defs.councils.items()):
        years = sorted(years_of[council_id]) if council_id in years_of else []
        for year in years:
            for _, metric in defs.metrics.iterrows():
                row = metric_value(figs, council, year, metric, source)
                if row is not None:
                    values[(council_id, year, metric["metric"])] = row
    phis = dispersions(values, defs)
    rows = []
    for (council_id, year, metric_id), base in values.items():
        prev = values.get((council_id, previous_year(year), metric_id))
        row = {k: v for k, v in base.items() if not k.startswith("_")}
        notes = list(base["_notes"])
        # the figures the row uses: its numerator and denominator; for a test, both years' and the contacts
        used = [(year, f) for role, f in base["_figures"].items() if f is not None and role != "exposure"]
        if prev is not None:
            phi, basis, _detail = phis.get((council_id, metric_id), (1.0, "none", ""))
            row.update(_compare(base, prev, phi))
            if pd.notna(row.get("p_value", np.nan)):
                row.update(dispersion=phi, dispersion_basis=basis)
                used += [(prev["year"], f) for f in prev["_figures"].values() if f is not None]
                used += [(year, f) for role, f in base["_figures"].items() if f is not None and role == "exposure"]
        contested = {(y, f["measure"]): f for y, f in used if bool(f["contested"])}
        row["contested"] = bool(contested)
        for (y, measure), fig in sorted(contested.items()):
            if fig["values_stated"]:
                notes.append(f"{measure} ({y}) is contested: the documents give {fig['values_stated']}")
        kind = row["kind"]
        now = (row.get("numerator"), row.get("denominator") if kind == "proportion" else None)
        if pd.notna(row.get("p_value", np.nan)):
            before = (prev.get("numerator"), prev.get("denominator") if kind == "proportion" else None)
            row["small_numbers"] = is_small_change(kind, now, before)
        else:
            row["small_numbers"] = is_small(kind, *now)
        row["synthetic"] = source == "records" and (council_id, year) in synthetic
        row["_notes"] = notes
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in [*ALL_COLUMNS, "_alternatives", "_notes"]:
        if column not in frame.columns:
            frame[column] = np.nan
    frame["q_value"] = np.nan
    frame["verdict_robust"] = pd.Series([pd.NA] * len(frame), dtype="object")
    frame["p_value_range"] = ""
    extra = other_tests if other_tests is not None else pd.DataFrame(columns=["council", "year", "p_value"])
    extra_of = extra.groupby(["council", "year"], sort=False).indices if len(extra) else {}
    for (council, year, _source), group in frame.groupby(["council", "year", "source"]):
        tested = group.index[group["p_value"].notna()]
        if not len(tested):
            continue
        others = extra["p_value"].iloc[extra_of.get((council, year), [])].dropna().to_numpy(float)
        p = np.concatenate([frame.loc[tested, "p_value"].to_numpy(float), others])
        q = _family_q(p)
        frame.loc[tested, "q_value"] = q[: len(tested)]
        # the verdict at every value the documents allow: this row's p replaced, the family's others kept
        for position, i in enumerate(tested):
            chosen = verdict(frame.at[i, "change"], q[position])
            verdicts, ps, sampling = set(), [], []
            for p_alt, change_alt, p_chance in frame.at[i, "_alternatives"]:
                trial = p.copy()
                trial[position] = p_alt
                verdicts.add(verdict(change_alt, _family_q(trial)[position]))
                ps.append(p_alt)
                sampling.append(p_chance)
            robust = verdicts == {chosen}
            frame.at[i, "verdict_robust"] = robust
            frame.at[i, "values_tested"] = len(ps)
            if len(ps) > 1:
                frame.at[i, "p_value_range"] = f"{_p_text(min(ps))} to {_p_text(max(ps))}"
            if not robust:
                frame.at[i, "_notes"] = [
                    *frame.at[i, "_notes"],
                    "the verdict depends on which published figure is right: at the values the documents "
                    f"allow, p ranges from {_p_text(min(ps))} to {_p_text(max(ps))}",
                ]
            elif len(ps) > 1 and min(sampling) < SIGNIFICANCE <= max(sampling):
                frame.at[i, "_notes"] = [
                    *frame.at[i, "_notes"],
                    "the verdict is the same at every value the documents allow (p from "
                    f"{_p_text(min(ps))} to {_p_text(max(ps))}); against chance alone p would range from "
                    f"{_p_text(min(sampling))} to {_p_text(max(sampling))}, either side of 0.05",
                ]
    frame["verdict"] = [verdict(c, q) for c, q in zip(frame["change"], frame["q_value"])]
    frame["note"] = ["; ".join(n) for n in frame["_notes"]]
    frame["small_numbers"] = frame["small_numbers"].fillna(False).astype(bool)
    frame["contested"] = frame["contested"].fillna(False).astype(bool)
    frame["synthetic"] = frame["synthetic"].fillna(False).astype(bool)
    frame["dispersion_basis"] = frame["dispersion_basis"].astype("object").where(frame["p_value"].notna(), "")
    frame["values_tested"] = frame["values_tested"].astype("Int64")
    frame = frame[ALL_COLUMNS]
    return frame.sort_values(["council", "year", "metric"]).reset_index(drop=True)


def family_qvalues(metrics: pd.DataFrame, tests: pd.DataFrame, source: str = "records") -> pd.Series:
    """Benjamini-Hochberg q-values of further tests (columns council, year, p_value; e.g. the
    before/after tests of process changes) in the families of metrics.csv: one council, financial
    year and `source`, together with that family's year-on-year tests. Indexed like `tests`."""
    out = pd.Series(np.nan, index=tests.index, dtype=float)
    if tests.empty:
        return out
    rows = metrics[metrics["source"] == source]
    for (council, year), group in tests.groupby(["council", "year"]):
        tested = group.index[group["p_value"].notna()]
        if not len(tested):
            continue
        mine = rows[(rows["council"] == council) & (rows["year"] == year)]["p_value"].dropna().to_numpy(float)
        p = np.concatenate([tests.loc[tested, "p_value"].to_numpy(float), mine])
        out.loc[tested] = stats.bh_qvalues(p)[: len(tested)]
    return out
