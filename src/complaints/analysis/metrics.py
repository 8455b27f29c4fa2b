"""The metrics engine: figures to the metrics of docs/methods.md, with intervals and year-on-year tests.

One row per council x year x metric. Methods (all two-sided, 95%):
count: exact Poisson (Garwood) interval; change by the exact conditional binomial test, with
contacts as exposure when both years have them. proportion: Wilson interval; change by Fisher's
exact test with Newcombe's hybrid score interval for the difference. rate: Garwood interval of the
count over its exposure; change by the exact conditional test with exposures. Benjamini-Hochberg
q-values over the tests of one council-year. Verdicts follow q < 0.05.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..inputs.definitions import Definitions
from ..inputs.years import previous_year
from . import stats
from .resolve import figure_index

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
]
ALL_COLUMNS = COLUMNS + EXTRA_COLUMNS
SMALL = 10  # fewer than this in either year: too few to conclude from
SIGNIFICANCE = 0.05


def _figure(index: dict, council: str, year: str, measure: str) -> pd.Series | None:
    return index.get((council, year, measure, ""))


def metric_value(figs: dict, council, year: str, metric: pd.Series, source: str = "published") -> dict | None:
    """The value of one metric for one council-year, or None when the council doesn't publish it."""
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
        "contested": bool(num["contested"]) or bool(den is not None and den["contested"]),
        "note": "",
    }
    notes = []
    if row["contested"]:
        for fig in (num, den):
            if fig is not None and fig["contested"] and fig["values_stated"]:
                notes.append(f"{fig['measure']} is contested: the documents give {fig['values_stated']}")
    has_count = pd.notna(num["value"])
    if kind in ("count", "mean", "money"):
        if not has_count:
            return None
        row["value"] = float(num["value"])
        if kind == "count":
            row["numerator"] = int(num["value"])
            row["ci_low"], row["ci_high"] = stats.poisson_ci(int(num["value"]))
    elif kind == "proportion":
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
                notes.append(f"numerator recovered from the published {stated} of {n}")
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
        if not has_count or den is None or pd.isna(den["value"]):
            return None
        k, exposure = int(num["value"]), float(den["value"])
        row.update(value=k / exposure, numerator=k, denominator=exposure)
        low, high = stats.poisson_ci(k)
        row.update(ci_low=low / exposure, ci_high=high / exposure)
    row["note"] = "; ".join(notes)
    return row


def _compare(row: dict, prev: dict, metric: pd.Series, figs: dict) -> dict:
    """Year-on-year change and its test for one metric."""
    out = {
        "prev_year": prev["year"],
        "prev_value": prev["value"],
        "change": row["value"] - prev["value"],
        "pct_change": (row["value"] - prev["value"]) / prev["value"] if prev["value"] else np.nan,
    }
    kind = row["kind"]
    have_counts = pd.notna(row.get("numerator", np.nan)) and pd.notna(prev.get("numerator", np.nan))
    if kind == "count" and have_counts:
        k1, k2 = int(prev["numerator"]), int(row["numerator"])
        e1 = e2 = None
        if metric["exposure"]:
            f1 = _figure(figs, row["council"], prev["year"], metric["exposure"])
            f2 = _figure(figs, row["council"], row["year"], metric["exposure"])
            if f1 is not None and f2 is not None and pd.notna(f1["value"]) and pd.notna(f2["value"]):
                e1, e2 = float(f1["value"]), float(f2["value"])
        result = stats.count_change_test(k1, k2, e1, e2)
        out.update(
            test=result["test"] + (" (contacts as exposure)" if e1 else ""),
            p_value=result["p_value"],
            effect_measure="rate ratio",
            effect=result["rate_ratio"],
            effect_ci_low=result["ci_low"],
            effect_ci_high=result["ci_high"],
            small_numbers=min(k1, k2) < SMALL,
        )
    elif kind == "rate" and have_counts:
        k1, k2 = int(prev["numerator"]), int(row["numerator"])
        result = stats.count_change_test(k1, k2, float(prev["denominator"]), float(row["denominator"]))
        out.update(
            test=result["test"],
            p_value=result["p_value"],
            effect_measure="rate ratio",
            effect=result["rate_ratio"],
            effect_ci_low=result["ci_low"],
            effect_ci_high=result["ci_high"],
            small_numbers=min(k1, k2) < SMALL,
        )
    elif kind == "proportion" and have_counts:
        k1, n1 = int(prev["numerator"]), int(prev["denominator"])
        k2, n2 = int(row["numerator"]), int(row["denominator"])
        result = stats.proportion_change_test(k1, n1, k2, n2)
        out.update(
            test=result["test"],
            p_value=result["p_value"],
            effect_measure="difference in proportions",
            effect=result["difference"],
            effect_ci_low=result["ci_low"],
            effect_ci_high=result["ci_high"],
            small_numbers=min(n1, n2) < SMALL,
        )
    return out


def verdict(change: float, q_value: float) -> str:
    if pd.isna(q_value):
        return "not_tested"
    if q_value < SIGNIFICANCE:
        return "increase" if change > 0 else "decrease"
    return "no_evidence_of_change"


def compute_metrics(figures: pd.DataFrame, defs: Definitions, source: str = "published") -> pd.DataFrame:
    """Every metric for every council-year that has figures, with year-on-year statistics.

    `source` labels the rows: `published` for figures from council documents, `records` for
    figures aggregated from complaint extracts. Years are compared only within one source.
    """
    figs = figure_index(figures)
    rows = []
    values: dict[tuple, dict] = {}
    for council_id, council in sorted(defs.councils.items()):
        years = sorted(figures.loc[figures["council"] == council_id, "year"].unique())
        for year in years:
            for _, metric in defs.metrics.iterrows():
                row = metric_value(figs, council, year, metric, source)
                if row is not None:
                    values[(council_id, year, metric["metric"])] = row
    for (council_id, year, metric_id), row in values.items():
        prev = values.get((council_id, previous_year(year), metric_id))
        row = dict(row, small_numbers=False)
        if prev is not None:
            row.update(_compare(row, prev, defs.metrics.loc[metric_id], figs))
        if row["kind"] == "count" and pd.notna(row.get("numerator", np.nan)) and row["numerator"] < SMALL:
            row["small_numbers"] = True
        if row["kind"] == "proportion" and pd.notna(row.get("denominator", np.nan)) and row["denominator"] < SMALL:
            row["small_numbers"] = True
        rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=ALL_COLUMNS)
    frame["q_value"] = np.nan
    for _, group in frame.groupby(["council", "year", "source"]):
        tested = group["p_value"].notna()
        if tested.any():
            frame.loc[group.index[tested], "q_value"] = stats.bh_qvalues(group.loc[tested, "p_value"].to_numpy())
    frame["verdict"] = [verdict(c, q) for c, q in zip(frame["change"], frame["q_value"])]
    frame["small_numbers"] = frame["small_numbers"].fillna(False).astype(bool)
    frame["contested"] = frame["contested"].fillna(False).astype(bool)
    return frame.sort_values(["council", "year", "metric"]).reset_index(drop=True)
