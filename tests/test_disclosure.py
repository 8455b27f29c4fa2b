"""Disclosure control for the public version (complaints.analysis.disclosure; docs/methods.md,
"Disclosure control (--public)").

First the rule on small hand-made tables: counts of 1 to 4 are withheld, 0 shows; a total with one
withheld part gets a second; the rest of a share (its base minus its count) is a count too; shares,
intervals and changes resting on a withheld count are withheld. Then the recovery test: every public
report the fixture data can build is built in-process, and
(a) an attacker who knows the additive structure of data/definitions/ (sums, parts of a whole,
    numerator and denominator of each share) solves, with scipy's linprog, for the smallest and
    largest value of every withheld count given everything the report's frames show, with a count
    shown as "fewer than 5" known to lie in 1 to 4 and any other withheld or unshown count in 0 and
    up: no withheld count (nor any unshown count of 1 to 4, such as the rest of a share) may come out
    at one value;
(b) the HTML (tables, the tables under charts, alt text and sentences) may show no withheld count
    where that count belongs, no share, interval or change of it, and no 1 to 4 in a count cell.
The attacker here is written apart from the module's own (which is stricter: it also knows that "[c]"
is never 1 to 4), so that the two check each other. The sweep over every report is slow (`make
test-slow`); one report is checked in the quick loop.
"""

from __future__ import annotations

import base64
import functools
import math
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from complaints.analysis import comparability
from complaints.analysis import disclosure as sdc
from complaints.inputs.definitions import load_definitions
from complaints.inputs.paths import Paths
from complaints.reporting import charts, narrative, numbers
from complaints.reporting.benchmark_report import load_benchmark
from complaints.reporting.council_report import load_report
from complaints.running.batch import plan_jobs

MARKERS = {numbers.FEWER_THAN, numbers.WITHHELD_CELL}

# --------------------------------------------------------------------------- hand-made tables

MEASURE_COLUMNS = ["unit", "by_category", "sum_of", "part_of", "partition", "exhaustive", "description"]


def measures(*rows) -> SimpleNamespace:
    """Definitions with only the measures a test needs: (measure, by_category, sum_of, part_of,
    partition, exhaustive)."""
    frame = pd.DataFrame(
        [
            {
                "measure": m,
                "unit": "count",
                "by_category": cat,
                "sum_of": sum_of,
                "part_of": part_of,
                "partition": partition,
                "exhaustive": exhaustive,
                "description": m.replace("_", " ").capitalize(),
            }
            for m, cat, sum_of, part_of, partition, exhaustive in rows
        ]
    ).set_index("measure")
    return SimpleNamespace(measures=frame)


def figures(values: dict, year: str = "2024-25", basis: str = "published") -> pd.DataFrame:
    """figures.csv rows: {measure or (measure, category): value}."""
    rows = []
    for key, value in values.items():
        measure, category = key if isinstance(key, tuple) else (key, "")
        rows.append(
            {
                "council": "x",
                "year": year,
                "measure": measure,
                "category": category,
                "value": value,
                "basis": basis,
                "pct": np.nan,
                "pct_of": "",
                "quote": f"{measure} {category} was {value}.",
            }
        )
    columns = ["council", "year", "measure", "category", "value", "basis", "pct", "pct_of", "quote"]
    return pd.DataFrame(rows, columns=columns)


def metric_rows(*rows) -> pd.DataFrame:
    """metrics.csv rows: (metric, kind, numerator measure, denominator measure, value, numerator,
    denominator[, year, prev_year, prev_value])."""
    out = []
    for row in rows:
        metric, kind, num, den, value, k, n, *rest = row
        year, prev_year, prev_value = rest if rest else ("2024-25", "", np.nan)
        out.append(
            {
                "council": "x",
                "year": year,
                "metric": metric,
                "kind": kind,
                "value": value,
                "numerator": k,
                "denominator": n,
                "ci_low": value * 0.8 if pd.notna(value) else np.nan,
                "ci_high": value * 1.2 if pd.notna(value) else np.nan,
                "prev_year": prev_year,
                "prev_value": prev_value,
                "change": value - prev_value if pd.notna(prev_value) else np.nan,
                "p_value": 0.01 if pd.notna(prev_value) else np.nan,
                "q_value": 0.02 if pd.notna(prev_value) else np.nan,
                "verdict": "increase" if pd.notna(prev_value) else "not_tested",
                "source": "published",
                "numerator_measure": num,
                "denominator_measure": den,
                "small_numbers": False,
            }
        )
    columns = ["council", "year", "metric", "kind", "value", "numerator", "denominator", "ci_low", "ci_high"]
    columns += ["prev_year", "prev_value", "change", "p_value", "q_value", "verdict", "source"]
    columns += ["numerator_measure", "denominator_measure", "small_numbers"]
    return pd.DataFrame(out, columns=columns)


NO_METRICS = metric_rows()


def status(protected: sdc.Protected, measure: str, category: str = "", year: str = "2024-25") -> str:
    f = protected.figures
    row = f[(f["measure"] == measure) & (f["category"] == category) & (f["year"] == year)]
    return str(row["suppressed"].iloc[0])


def test_counts_of_1_to_4_are_withheld_and_0_and_5_show():
    defs = measures(("a", "no", "", "", "", "no"), ("b", "no", "", "", "", "no"), ("c", "no", "", "", "", "no"))
    p = sdc.protect(NO_METRICS, figures({"a": 0, "b": 4, "c": 5}), defs)
    assert [status(p, m) for m in "abc"] == ["", "primary", ""]
    f = p.figures.set_index("measure")
    assert f.at["a", "value"] == 0 and math.isnan(f.at["b", "value"]) and f.at["c", "value"] == 5
    assert f.at["b", "quote"] == ""  # the document's sentence that gives it is not quoted


def test_a_total_with_one_withheld_part_gets_a_second():
    defs = measures(
        ("whole", "no", "", "", "", "no"),
        ("part_a", "no", "", "whole", "kind", "yes"),
        ("part_b", "no", "", "whole", "kind", "yes"),
        ("part_c", "no", "", "whole", "kind", "yes"),
    )
    p = sdc.protect(NO_METRICS, figures({"whole": 20, "part_a": 3, "part_b": 8, "part_c": 9}), defs)
    assert status(p, "part_a") == "primary"
    assert status(p, "part_b") == "secondary"  # the smallest other part, not the total
    assert status(p, "whole") == "" and status(p, "part_c") == ""
    # 20 - 9 = a + b with b 5 or more: a is 1 to 4 still, not one value
    cells = p.cells.set_index("measure")
    assert cells.at["part_a", "status"] == "primary" and not p.unresolved


def test_a_figure_that_cannot_be_protected_stops_the_public_version(monkeypatch):
    """Never a public report with a recoverable figure: when no cell can be found to withhold (made to
    happen here), protect refuses, naming the figure."""
    defs = measures(
        ("whole", "no", "", "", "", "no"),
        ("part_a", "no", "", "whole", "kind", "yes"),
        ("part_b", "no", "", "whole", "kind", "yes"),
    )
    monkeypatch.setattr(sdc, "_choose", lambda model, key: [])
    with pytest.raises(sdc.DisclosureError, match=r"could still be worked out.*part_a"):
        sdc.protect(NO_METRICS, figures({"whole": 20, "part_a": 3, "part_b": 17}), defs)


def test_marked_c_is_known_to_be_0_or_5_and_over_so_the_smaller_part_will_not_do():
    """6 = a + b with a 'fewer than 5': withholding b (5) would not do, as '[c]' says b is at least 5,
    which pins a at 1; the total goes instead (a = total - 5 is then 1 to 4)."""
    defs = measures(
        ("whole", "no", "", "", "", "no"),
        ("a", "no", "", "whole", "kind", "yes"),
        ("b", "no", "", "whole", "kind", "yes"),
    )
    p = sdc.protect(NO_METRICS, figures({"whole": 6, "a": 1, "b": 5}), defs)
    assert status(p, "a") == "primary" and status(p, "b") == "" and status(p, "whole") == "secondary"


def test_the_rest_of_a_share_is_a_count_too():
    """38 of 40 answered in time: the 2 answered late are a count of 1 to 4."""
    defs = measures(("received", "no", "", "", "", "no"), ("in_time", "no", "", "received", "", "no"))
    metrics = metric_rows(("in_time_rate", "proportion", "in_time", "received", 0.95, 38, 40))
    p = sdc.protect(metrics, figures({"received": 40, "in_time": 38}), defs)
    assert {status(p, "received"), status(p, "in_time")} == {"", "secondary"}
    row = p.metrics.iloc[0]
    assert row["suppressed"] == "secondary" and math.isnan(row["value"]) and math.isnan(row["ci_low"])
    rest = p.cells[p.cells["frame"] == "implied"]
    assert list(rest["status"]) == ["primary"] and list(rest["value"]) == [2]


def test_shares_intervals_and_changes_of_a_withheld_count_are_withheld():
    defs = measures(("received", "no", "", "", "", "no"), ("upheld", "no", "", "received", "", "no"))
    metrics = metric_rows(
        ("received", "count", "received", "", 30, 30, np.nan),
        ("upheld_rate", "proportion", "upheld", "received", 3 / 30, 3, 30),
        ("received", "count", "received", "", 3, 3, np.nan, "2025-26", "2024-25", 30),
    )
    both = pd.concat([figures({"received": 30, "upheld": 3}), figures({"received": 3}, year="2025-26")])
    p = sdc.protect(metrics, both, defs)
    m = p.metrics
    share = m[m["metric"] == "upheld_rate"].iloc[0]
    assert share["suppressed"] == "secondary" and share["numerator_suppressed"] == "primary"
    assert share["denominator"] == 30 and math.isnan(share["value"]) and math.isnan(share["ci_high"])
    later = m[(m["metric"] == "received") & (m["year"] == "2025-26")].iloc[0]
    assert later["suppressed"] == "primary" and later["verdict"] == sdc.WITHHELD
    assert all(math.isnan(later[c]) for c in ("value", "change", "p_value", "q_value", "ci_low"))
    assert later["prev_value"] == 30  # the year before is shown: only the change goes


def test_a_share_whose_base_is_withheld_is_withheld():
    defs = measures(
        ("total", "no", "a + b", "", "", "no"),
        ("a", "no", "", "", "", "no"),
        ("b", "no", "", "", "", "no"),
        ("c", "no", "", "", "", "no"),
    )
    metrics = metric_rows(("c_of_a", "proportion", "c", "a", 0.5, 10, 20))
    p = sdc.protect(metrics, figures({"total": 23, "a": 20, "b": 3, "c": 10}), defs)
    assert status(p, "b") == "primary" and "secondary" in {status(p, "a"), status(p, "total")}
    if status(p, "a"):
        assert p.metrics.iloc[0]["suppressed"] == "secondary"


def test_a_months_chart_is_withheld_whole_and_a_comparison_with_it():
    defs = measures(("complaints_within_20wd", "no", "", "", "", "no"))
    monthly = pd.DataFrame(
        {
            "council": "x",
            "procedure": "all",
            "month": ["2024-04", "2024-05", "2024-06"],
            "received": [30, 30, 30],
            "responded": [30, 30, 30],
            "within_10wd": [10, 10, 10],
            "within_20wd": [20, 27, 20],  # 3 late in May
        }
    )
    p = sdc.protect(NO_METRICS, figures({}, basis="records").iloc[:0], defs, monthly=monthly)
    assert list(p.monthly["suppressed"]) == ["secondary", "primary", "secondary"]
    assert p.monthly["within_20wd"].isna().all()


def test_zeros_show_even_in_a_withheld_table():
    defs = measures(("whole", "no", "", "", "", "no"), ("a", "yes", "", "whole", "", "yes"))
    p = sdc.protect(NO_METRICS, figures({"whole": 7, ("a", "x"): 0, ("a", "y"): 2, ("a", "z"): 5}), defs)
    assert status(p, "a", "x") == "" and status(p, "a", "y") == "primary"
    assert "secondary" in {status(p, "a", "z"), status(p, "whole")}


def test_a_figure_given_by_published_and_real_records_is_one_number():
    """The records split a total the published figures do not. Apart, the records withhold their 10
    to protect their 2, while the published 10 shows; where the records are a council's own (real)
    ones shown beside the published figures, the two 10s are one number, withheld in both or neither."""
    defs = measures(
        ("whole", "no", "", "", "", "no"), ("a", "no", "", "whole", "k", "yes"), ("c", "no", "", "whole", "k", "yes")
    )
    both = pd.concat([figures({"c": 10}), figures({"whole": 12, "a": 2, "c": 10}, basis="records")])
    apart = sdc.protect(NO_METRICS, both, defs)
    linked = sdc.protect(NO_METRICS, both, defs, linked={("x", "2024-25")})

    def marks(p):
        f = p.figures
        return {(b, m): s for b, m, s in zip(f["basis"], f["measure"], f["suppressed"])}

    assert marks(apart)[("records", "c")] == "secondary" and marks(apart)[("published", "c")] == ""
    # linked, the 10 cannot be withheld in one and shown in the other: the records' total goes instead
    linked_marks = marks(linked)
    assert linked_marks[("published", "c")] == linked_marks[("records", "c")] == ""
    assert linked_marks[("records", "whole")] == "secondary"
    assert apart.unresolved == linked.unresolved == []


def test_the_audit_withholds_what_quotes_a_withheld_number():
    assert sdc.numbers_in("1.3 We received just three complaints in 2023-24, against 10 the year before.") == {
        3.0,
        10.0,
    }
    defs = measures(("a", "no", "", "", "", "no"))
    p = sdc.protect(NO_METRICS, figures({"a": 3}), defs)
    audit = pd.DataFrame(
        {
            "council": "x",
            "year": "2024-25",
            "measure": ["a", "other", "other"],
            "category": "",
            "stated": ["3", "12", "a fall from three"],
            "counts_give": "",
            "detail": "",
            "quote": ["", "We had 12.", "It fell from three to none."],
        }
    )
    assert list(sdc.withheld_audit(audit, p)) == [True, False, True]


def test_words_and_tables_never_give_a_withheld_figure():
    row = metric_rows(("ombudsman_cases", "count", "ombudsman_cases", "", 3, 3, np.nan, "2024-25", "2023-24", 8))
    defs = measures(("ombudsman_cases", "no", "", "", "", "no"))
    both = pd.concat([figures({"ombudsman_cases": 3}), figures({"ombudsman_cases": 8}, year="2023-24")])
    r = sdc.protect(row, both, defs).metrics.iloc[0]
    assert narrative.verdict_of(r) == "withheld" and narrative.row_value(r) == "fewer than 5"
    for text in (narrative.change_sentence(r, "Ombudsman cases"), narrative.key_message(r, "Ombudsman cases")):
        assert "fewer than 5" in text and not re.search(r"\b3\b", text) and "q =" not in text, text
    assert narrative.format_interval(r) == numbers.WITHHELD_CELL
    assert numbers.cell(numbers.FEWER_THAN, "number") == numbers.FEWER_THAN


def test_charts_leave_withheld_bars_undrawn_and_last():
    shares = pd.DataFrame(
        {
            "category": ["Email", "Letter", "Web form", "Telephone"],
            "count": [9, np.nan, 11, np.nan],
            "share": [9 / 23, np.nan, 11 / 23, np.nan],
            "suppressed": ["", "primary", "", "secondary"],
        }
    )
    chart = charts.shares_chart(shares, "How complaints were made", "Complaints")
    assert list(chart.table["Category"]) == ["Web form", "Email", "Letter", "Telephone"]
    assert list(chart.table["Complaints"])[2:] == [numbers.FEWER_THAN, numbers.WITHHELD_CELL]
    assert "Letter fewer than 5" in chart.alt and "Telephone [c]" in chart.alt
    rows = pd.DataFrame(
        {
            "council": "x",
            "metric": "m",
            "kind": "count",
            "year": ["2021-22", "2022-23", "2023-24"],
            "value": [12, np.nan, 9],
            "suppressed": ["", "primary", ""],
        }
    )
    trend = charts.trend_chart(rows, "A trend", "Cases")
    assert list(trend.table["Cases"]) == [12, numbers.FEWER_THAN, 9]
    assert "fewer than 5 in 2022-23" in trend.alt


# --------------------------------------------------------------------------- the recovery test


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def _split(text) -> list[str]:
    return [t.strip() for t in _text(text).split("+") if t.strip()]


def _counted(defs, measure: str) -> bool:
    m = defs.measures
    return (
        measure in m.index
        and m.at[measure, "unit"] == "count"
        and not m.at[measure, "description"].startswith("Number of")
    )


class Attacker:
    """What a reader can work out about one council-year-source from what a report shows: cells (shown
    values, or withheld with what the marks say), the structure of data/definitions/, and the true
    values only to know which of its equations the data satisfy and which unshown counts are small."""

    def __init__(self, defs, shown: pd.DataFrame, truth: pd.DataFrame, metrics: pd.DataFrame):
        self.defs = defs
        self.variables: dict[tuple, tuple[float, float, float | None]] = {}  # name -> (low, high, true)
        self.known: dict[tuple, float] = {}
        self.rows: list[tuple[dict, float]] = []  # sum(coef * var) = rhs
        self.bands: list[tuple[dict, float, float]] = []  # low <= sum(coef * var) <= high
        true = {(r.measure, _text(r.category)): r.value for r in truth.itertuples() if pd.notna(r.value)}
        for r in shown.itertuples():
            key, mark = (r.measure, _text(r.category)), _text(getattr(r, "suppressed", ""))
            if not _counted(defs, r.measure) or key not in true:
                continue
            if mark:
                low, high = (1.0, 4.0) if mark == "primary" else (0.0, math.inf)
                self.variables[key] = (low, high, true[key])
            elif pd.notna(r.value):
                self.known[key] = float(r.value)
        self.true = true
        self._structure(metrics)

    def _term(self, key) -> dict | float | None:
        if key in self.known:
            return self.known[key]
        if key in self.variables:
            return {key: 1.0}
        if key in self.true:  # a count the report never shows: the reader knows only it is 0 or more
            self.variables[("unshown", *key)] = (0.0, math.inf, self.true[key])
            return {("unshown", *key): 1.0}
        return None

    def relate(self, total, parts, exact: bool, name: str) -> None:
        """total = sum(parts) (+ a rest of 0 or more unless exact), where the true values agree."""
        if total not in self.true or any(p not in self.true for p in parts):
            return
        rest = self.true[total] - sum(self.true[p] for p in parts)
        if rest < -1e-9 or (exact and abs(rest) > 1e-9):
            return
        coefs, rhs = {}, 0.0
        for key, sign in [(total, 1.0), *[(p, -1.0) for p in parts]]:
            term = self._term(key)
            if isinstance(term, dict):
                for k, v in term.items():
                    coefs[k] = coefs.get(k, 0.0) + sign * v
            else:
                rhs -= sign * term
        if not exact:
            slack = ("rest", name)
            self.variables[slack] = (0.0, math.inf, rest)
            coefs[slack] = -1.0
        if coefs:
            self.rows.append((coefs, rhs))

    def _structure(self, metrics: pd.DataFrame) -> None:
        m = self.defs.measures
        cats = {}
        for measure, category in self.true:
            if category:
                cats.setdefault(measure, []).append(category)
        for measure, spec in m.iterrows():
            if not _counted(self.defs, measure):
                continue
            names = _split(spec["sum_of"])
            if names:
                self.relate((measure, ""), [(n, "") for n in names], True, f"sum {measure}")
        groups: dict[tuple, list] = {}
        exhaustive: dict[tuple, bool] = {}
        for measure, spec in m.iterrows():
            whole = _text(spec["part_of"])
            if not whole or not _counted(self.defs, measure):
                continue
            if spec["by_category"] == "yes":
                group, parts = (whole, measure), [(measure, c) for c in cats.get(measure, [])]
            else:
                group, parts = (whole, _text(spec["partition"]) or measure), [(measure, "")]
            parts = [p for p in parts if p in self.true]
            groups.setdefault(group, []).extend(parts)
            exhaustive[group] = exhaustive.get(group, False) or spec["exhaustive"] == "yes"
        for (whole, name), parts in groups.items():
            if parts:
                exact = (
                    exhaustive[(whole, name)]
                    and abs(self.true.get((whole, ""), math.nan) - sum(self.true[p] for p in parts)) < 1e-9
                )
                self.relate((whole, ""), parts, exact, f"{whole} by {name}")
        for r in metrics[metrics["kind"] == "proportion"].itertuples():
            k, n = (_text(r.numerator_measure), ""), (_text(r.denominator_measure), "")
            if k != n:
                self.relate(n, [k], False, f"{n[0]} not {k[0]}")
        for received, upheld in sdc.PAIRED_BREAKDOWNS:
            for category in cats.get(received, []):
                if (upheld, category) in self.true:
                    self.relate((received, category), [(upheld, category)], False, f"{received} {category}")
        # what metrics.csv shows: shares and rates with their base, intervals of counts
        for r in metrics.itertuples():
            k, n = (_text(r.numerator_measure), ""), (_text(r.denominator_measure), "")
            value = r.value
            if pd.isna(value) or k not in self.variables:
                continue
            if r.kind == "count":
                self.bands.append(({k: 1.0}, value, value))  # a shown count of a withheld cell: given away
            elif r.kind in ("proportion", "rate") and n in self.known:
                step = 0.005 if r.kind == "proportion" else 0.00005  # the rounding of what is printed
                self.bands.append(({k: 1.0}, (value - step) * self.known[n], (value + step) * self.known[n]))

    def ranges(self) -> dict[tuple, tuple[float, float, float | None]]:
        """The smallest and largest value of every withheld or unshown cell a reader can work out."""
        names = list(self.variables)
        index = {k: i for i, k in enumerate(names)}
        a_eq = np.array([[c.get(k, 0.0) for k in names] for c, _ in self.rows]) if self.rows else None
        b_eq = np.array([rhs for _, rhs in self.rows]) if self.rows else None
        a_ub, b_ub = [], []
        for coefs, low, high in self.bands:
            row = np.array([coefs.get(k, 0.0) for k in names])
            a_ub += [row, -row]
            b_ub += [high, -low]
        bounds = [
            (self.variables[k][0], None if math.isinf(self.variables[k][1]) else self.variables[k][1]) for k in names
        ]
        out = {}
        for k in names:
            c = np.zeros(len(names))
            c[index[k]] = 1.0
            kw = {"A_eq": a_eq, "b_eq": b_eq, "A_ub": np.array(a_ub) if a_ub else None, "b_ub": b_ub or None}
            kw["bounds"] = bounds
            low, high = linprog(c, **kw, method="highs"), linprog(-c, **kw, method="highs")
            assert low.status in (0, 3) and high.status in (0, 3), (k, low.message, high.message)
            out[k] = (
                low.fun if low.status == 0 else -math.inf,
                -high.fun if high.status == 0 else math.inf,
                self.variables[k][2],
            )
        return out


def recovered(low: float, high: float) -> bool:
    """One whole number only between low and high."""
    return not math.isinf(high) and math.floor(high + 1e-6) - math.ceil(low - 1e-6) < 1


@functools.cache
def _truth(outputs: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    paths = Paths(Path("."), Path(outputs))
    f = pd.read_csv(paths.figures_csv, dtype={"year": str, "category": str})
    f["category"] = f["category"].fillna("")
    m = pd.read_csv(paths.metrics_csv, dtype={"year": str, "prev_year": str})
    return f, m


def attack_frames(defs, figures_shown: pd.DataFrame, metrics_shown: pd.DataFrame, outputs: str) -> list[str]:
    """Every withheld or small unshown count a reader can work out from these frames: 'what (value)'."""
    truth, _ = _truth(outputs)
    found = []
    units = figures_shown[["council", "year", "basis"]].assign(
        source=figures_shown["basis"].map(lambda b: "records" if b == "records" else "published")
    )
    for council, year, source in sorted(set(zip(units["council"], units["year"], units["source"]))):
        shown = figures_shown[
            (figures_shown["council"] == council)
            & (figures_shown["year"] == year)
            & ((figures_shown["basis"] == "records") == (source == "records"))
        ]
        true = truth[
            (truth["council"] == council)
            & (truth["year"] == year)
            & ((truth["basis"] == "records") == (source == "records"))
        ]
        mine = metrics_shown[
            (metrics_shown["council"] == council)
            & (metrics_shown["year"] == year)
            & (metrics_shown["source"] == source)
        ]
        attacker = Attacker(defs, shown, true, mine)
        for key, (low, high, value) in attacker.ranges().items():
            withheld = key in attacker.variables and key[0] not in ("unshown", "rest")
            small = value is not None and 0 < value < sdc.THRESHOLD
            if (withheld or small) and recovered(low, high):
                found.append(
                    f"{council} {year} {source}: {' '.join(map(str, key))} = {value} (range {low:g} to {high:g})"
                )
    return found


def metrics_leaks(metrics_shown: pd.DataFrame) -> list[str]:
    """A change, test or interval shown for a withheld figure."""
    out = []
    m = metrics_shown
    for r in m[(m["suppressed"] != "") | (m["prev_suppressed"] != "")].itertuples():
        shown = [c for c in ("change", "pct_change", "p_value", "q_value") if pd.notna(getattr(r, c))]
        if r.suppressed:
            shown += [c for c in ("value", "ci_low", "ci_high") if pd.notna(getattr(r, c))]
        if r.prev_suppressed and pd.notna(r.prev_value):
            shown.append("prev_value")
        if shown:
            out.append(f"{r.council} {r.year} {r.metric}: {', '.join(shown)}")
    return out


# --------------------------------------------------------------------------- reading the HTML


class Page(HTMLParser):
    """Tables (caption, header, rows of cell text; the tables under charts too), alt text, the SVG
    text drawn, and paragraphs with the metrics row they trace to."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.alts: list[str] = []
        self.svg_text: list[str] = []
        self.paragraphs: list[tuple[str, str]] = []
        self._buffer: list[str] | None = None
        self._trace = ""
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "img":
            self.alts.append(attrs.get("alt", ""))
            src = attrs.get("src", "")
            if src.startswith("data:image/svg+xml;base64,"):
                svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
                self.svg_text += [
                    re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
                ]
        if tag == "table":
            self.tables.append(
                {"kind": attrs.get("data-kind", attrs.get("class", "")), "caption": "", "header": [], "rows": []}
            )
        if tag == "tr" and self.tables:
            self.tables[-1]["rows"].append({"trace": attrs.get("data-metric", ""), "cells": []})
        if tag in ("td", "th", "caption", "p", "li"):
            self._buffer, self._trace = [], attrs.get("data-metric", "")

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        if tag in ("td", "th", "caption", "p", "li") and self._buffer is not None:
            text = " ".join("".join(self._buffer).split())
            if tag == "caption" and self.tables:
                self.tables[-1]["caption"] = text
            elif tag == "th" and self.tables:
                self.tables[-1]["header"].append(text)
            elif tag == "td" and self.tables:
                self.tables[-1]["rows"][-1]["cells"].append(text)
            elif tag in ("p", "li"):
                self.paragraphs.append((self._trace, text))
            self._buffer = None

    def handle_data(self, data):
        if not self._skip and self._buffer is not None:
            self._buffer.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


NOT_COUNTS = {  # columns of intervals, limits, shares and years: any other column may hold a count
    "95% CI low",
    "95% CI high",
    "95% confidence interval",
    "95% interval",
    "Lower limit",
    "Upper limit",
    "95% lower",
    "95% upper",
    "99.8% lower",
    "99.8% upper",
    "Year",
}
NOT_TABLES = {"appendix", "coverage", "learning"}
SMALL = re.compile(r"^[1-4]$")
NUMBER = re.compile(r"(?<![\w.,/£-])\d[\d,]*(?:\.\d+)?%?(?![\w/-])")


def small_counts_shown(page: Page) -> list[str]:
    """A count of 1 to 4 in a count cell of any table: a column of counts, or a row whose measure is a
    count (not the 'Number of ...' teams or categories, not an interval, year or limit)."""
    out = []
    for t in page.tables:
        if t["kind"] in NOT_TABLES or "Parameters" in t["caption"] or "Package" in t["caption"]:
            continue
        for row in t["rows"]:
            for column, cell in zip(t["header"], row["cells"]):
                if SMALL.match(cell) and column not in NOT_COUNTS and not row["cells"][0].startswith("Number of"):
                    out.append(f"{t['caption']}: {row['cells'][0]} | {column} = {cell}")
    return out


def _label(defs, measure: str) -> str:
    for table in (defs.metrics, defs.measures):
        if measure in table.index:
            return str(table.at[measure, "description"])
    return measure


def withheld_shown(page: Page, defs, figures_shown: pd.DataFrame, metrics_shown: pd.DataFrame, year: str, outputs: str):
    """A withheld cell whose true value, or a share or interval of it, appears where the cell is shown."""
    truth, true_metrics = _truth(outputs)
    out = []
    f = figures_shown[(figures_shown["year"] == year) & (figures_shown["suppressed"] != "")]
    for r in f.itertuples():
        true = truth[
            (truth["council"] == r.council)
            & (truth["year"] == r.year)
            & (truth["measure"] == r.measure)
            & (truth["category"] == r.category)
            & ((truth["basis"] == "records") == (r.basis == "records"))
        ]["value"]
        if not len(true) or pd.isna(true.iloc[0]):
            continue
        value = numbers.count(true.iloc[0])
        label = r.category or _label(defs, r.measure)
        measure_label = _label(defs, r.measure)
        for t in page.tables:
            relevant = t["caption"].removeprefix("Numbers in the chart: ").removeprefix("Synthetic data: ")
            if r.category and not relevant.startswith(measure_label):
                continue
            for row in t["rows"]:
                if not row["cells"] or row["cells"][0] != label:
                    continue
                for column, cell in zip(t["header"][1:], row["cells"][1:]):
                    if cell == value or ("%" in cell and column in ("Share", "Upheld share", "95% interval")):
                        out.append(f"{t['caption']}: {label} | {column} = {cell} (withheld, truly {value})")
        for alt in page.alts:
            if re.search(rf"{re.escape(label)} {re.escape(value)}\b(?! \w)", alt):
                out.append(f"alt text gives {label} {value}: {alt[:120]}")
    m = metrics_shown[(metrics_shown["year"] == year) & (metrics_shown["suppressed"] != "")]
    for r in m.itertuples():
        true = true_metrics[
            (true_metrics["council"] == r.council)
            & (true_metrics["year"] == r.year)
            & (true_metrics["metric"] == r.metric)
            & (true_metrics["source"] == r.source)
        ]
        if not len(true) or pd.isna(true["value"].iloc[0]):
            continue
        value = narrative.format_value(true["value"].iloc[0], r.kind)
        bare = value.split(" per ")[0]
        trace = f"{r.council}/{r.year}/{r.metric}"
        for t in page.tables:
            for row in t["rows"]:
                if row["trace"] == trace and any(cell in (value, bare) for cell in row["cells"][1:]):
                    out.append(f"{t['caption']}: {trace} shows {value}")
        label = _label(defs, r.metric)
        for traced, text in page.paragraphs:
            said = text.replace(label, "").replace(label[:1].lower() + label[1:], "")  # 'stage 2' is no count
            if traced == trace and bare in NUMBER.findall(said):
                out.append(f"sentence on {trace} gives {value}: {text[:120]}")
        for alt in page.alts:
            if _label(defs, r.metric) in alt and f"{bare} in {year}" in alt:
                out.append(f"alt text gives {r.metric} {value} in {year}")
    return out


# --------------------------------------------------------------------------- the sweep


def public_reports(built: Paths, results) -> list[tuple]:
    plan = plan_jobs(results)
    jobs = [(j.council, j.year, j.kind) for j in plan.reports if not j.is_benchmark]
    metrics = pd.read_csv(built.metrics_csv, dtype={"year": str})
    years = comparability.benchmark_years(metrics, load_definitions(built))
    return jobs + [("benchmark", y, "benchmark") for y in years]


def check_report(built: Paths, council: str, year: str, kind: str) -> list[str]:
    """Everything a reader could recover from one public report (empty when nothing)."""
    defs = load_definitions(built)
    outputs = str(built.outputs)
    if kind == "benchmark":
        report = load_benchmark(year, data_dir=str(built.data), outputs_dir=outputs, public=True)
        html = "".join(report.section(n) for n in report.SECTIONS)
        page = parse(html)
        problems = small_counts_shown(page) + metrics_leaks(report.metrics)
        # what the benchmark shows of each council is what that council's report shows
        for council_id in sorted(report.metrics["council"].unique()):
            own = load_report(council_id, year, data_dir=str(built.data), outputs_dir=outputs, public=True)
            key = ["year", "metric"]
            mine = report.metrics[report.metrics["council"] == council_id].set_index(key)["suppressed"]
            theirs = own.metrics.set_index(key)["suppressed"]
            common = mine.index.intersection(theirs.index)
            differ = mine.loc[common] != theirs.loc[common]
            problems += [f"benchmark and {council_id}'s report differ on {i}" for i in common[differ.to_numpy()]]
            pseudo = own.figures  # the same frames as the council report: the same attack applies
            problems += withheld_shown(
                page, defs, pseudo.iloc[:0], report.metrics[report.metrics["council"] == council_id], year, outputs
            )
        return problems
    report = load_report(council, year, data_dir=str(built.data), outputs_dir=outputs, public=True, kind=kind)
    html = "".join(report.section(n) for n in report.SECTIONS)
    page = parse(html)
    problems = attack_frames(defs, report.figures, report.metrics, outputs)
    problems += metrics_leaks(report.metrics)
    problems += small_counts_shown(page)
    problems += withheld_shown(page, defs, report.figures, report.metrics, year, outputs)
    problems += months_and_comparisons_shown(report, year, outputs)
    assert "This is the public version" in html
    return problems


def months_and_comparisons_shown(report, year: str, outputs: str) -> list[str]:
    """A control chart or before/after comparison shown whole although a count in it, or a count
    answered late, is 1 to 4 (they are shown together or not at all)."""
    out = []
    paths = Paths(Path("."), Path(outputs))
    start = int(year[:4])
    months = set(pd.period_range(f"{start}-04", f"{start + 1}-03", freq="M").strftime("%Y-%m"))
    shown = (
        report.monthly[(report.monthly["procedure"] == "all") & report.monthly["month"].isin(months)]
        if len(report.monthly)
        else report.monthly
    )
    if len(shown) >= 2 and (shown["suppressed"] == "").all():
        true = pd.read_csv(paths.monthly_csv, dtype={"month": str})
        true = true[(true["council"] == report.council.id) & (true["procedure"] == "all") & true["month"].isin(months)]
        for r in true.itertuples():
            if any(0 < v < sdc.THRESHOLD for v in (r.responded, r.within_20wd, r.responded - r.within_20wd)):
                out.append(f"control chart shown with a small count in {r.month}")
    if len(report.changes):
        true = pd.read_csv(paths.changes_csv, dtype={"date": str})
        for r in report.changes[report.changes["suppressed"] == ""].itertuples():
            t = true[(true["council"] == report.council.id) & (true["date"] == r.date)].iloc[0]
            counts = (t.n_before, t.k_before, t.n_after, t.k_after, t.n_before - t.k_before, t.n_after - t.k_after)
            if any(0 < v < sdc.THRESHOLD for v in counts):
                out.append(f"before/after comparison of {r.date} shown with a small count")
    return out


def test_one_public_report_gives_nothing_away(built):
    """The quick loop: Telford & Wrekin 2024-25, the report with most small numbers."""
    started = time.perf_counter()
    problems = check_report(built, "telford-wrekin", "2024-25", "council")
    assert not problems, "\n".join(problems)
    assert time.perf_counter() - started < 120


@pytest.mark.slow
def test_no_public_report_gives_a_withheld_count_away(built, results):
    """Every council report, demonstration and benchmarking report the fixture data can build."""
    jobs = public_reports(built, results)
    assert len(jobs) >= 11
    problems = []
    for council, year, kind in jobs:
        problems += [f"{council} {year} {kind}: {p}" for p in check_report(built, council, year, kind)]
    assert not problems, "\n".join(problems)


def test_the_attacker_finds_what_an_unprotected_report_gives_away(built):
    """The recovery test can fail: on the frames before disclosure control (with the small counts
    merely marked), it works out counts by subtraction, as the hostile tester did; and the report
    built without disclosure control shows the counts the public version withholds."""
    defs = load_definitions(built)
    report = load_report("telford-wrekin", "2024-25", data_dir=str(built.data), outputs_dir=str(built.outputs))
    f = report.figures.copy()
    f["suppressed"] = [sdc.primary_status(v) if _counted(defs, m) else "" for v, m in zip(f["value"], f["measure"])]
    metrics = report.metrics.assign(suppressed="", prev_suppressed="")
    found = attack_frames(defs, f, metrics, str(built.outputs))
    # 23 answered: 10 within 10 days, 10 in 11 to 20, so 3 late; 3 Ombudsman cases in three outcomes: 1 each
    assert any("statutory_over_20wd  = 3.0" in p for p in found), found
    assert any("ombudsman_ongoing  = 1.0" in p for p in found), found
    page = parse("".join(report.section(n) for n in report.SECTIONS))
    assert any("Former Service User" in p for p in small_counts_shown(page))
    public = load_report(
        "telford-wrekin", "2024-25", data_dir=str(built.data), outputs_dir=str(built.outputs), public=True
    )
    shown = withheld_shown(page, defs, public.figures, public.metrics, "2024-25", str(built.outputs))
    assert any("Former Service User | Number = 1" in p for p in shown), shown
    assert any("statutory_stage2_received shows 4" in p for p in shown), shown
