"""Councils side by side: what can be compared, the figures to compare, and funnel limits.

Pure functions over metrics.csv rows (a DataFrame) and the project's definitions
(`complaints.inputs.definitions.Definitions`, or just its `councils` dict where only councils are
needed). Only rows with ``source == "published"`` are ever benchmarked: figures built from synthetic
or record-level data are dropped on the way in. The words and pictures are in
complaints.reporting.comparisons.

    judge(rows, defs)                                 one metric-year's rows: comparable, and what differs
    comparability(metrics, year, defs)                each metric two or more councils publish: comparable?
    require_comparable(metrics, year, metric, defs)   the comparability rule: NotComparable if not
    side_by_side(metrics, year, metric, defs)         each council's value, interval, counts, definition
    funnel_data(metrics, year, metric, defs)          k, n, p, pooled p0 and the 95% / 99.8% limits
    rate_per_10000(count, children)                   a count per 10,000 children, with its exact interval
    per_children(metrics, year, metric, defs)         each council's count per 10,000 children (council size)
    reference_band_from_figures(figures)              the West Midlands range Dudley quotes (2021)
    trend_table(metrics, metric, councils, defs)      councils' values over the years
    benchmark_years(metrics, defs)                    years with at least one comparable measure

The comparability rule. A metric identifier means one definition (docs/methods.md), but councils
may override the denominator of a proportion (data/councils/<id>.toml, [denominators]) and each
counts "contacts" its own way. Two councils' figures go on one axis only when they share the metric
id, numerator and denominator measures that count the same unit by the same definition (`counts`
and `description` in data/definitions/measures.csv: definitions decide, not identifiers) and, for
anything per contact, the same stated contacts definition. Otherwise they are shown in a table,
each with its definition, never on one axis: `require_comparable` (and so the chart builders and
`funnel_data`) raise NotComparable (a ValueError) naming the councils and what differs.

Council size. A bigger council can expect more complaints. Where a council's configuration gives
the number of children aged 0 to 17 in its area with the official release it comes from ([population]
in data/councils/<id>.toml), a comparable count is also compared per 10,000 children:
rate = 10,000 k / children, with the exact Poisson (Garwood) interval of k (stats.poisson_ci) divided
the same way, the population being taken as known exactly. Nothing is assumed for a council whose
configuration gives no population: its count is not compared for size.

Small numbers: the project's one rule (complaints.analysis.small_numbers, docs/methods.md), the
same as metrics.csv's: a count, the events behind a rate or a share's numerator under 10, or a
share's base under 30.

Funnel limits. Lower limits are `stats.funnel_limits` as published (Spiegelhalter 2005). The
published interpolation places the mass of count r on (r - 1, r], which is right for the lower tail
but not for the upper: near p0 -> 1 with small n the upper limit never reaches 1, so a council
answering every complaint on time (k = n, often the most likely count) would be drawn above the
99.8% limit. Upper limits are therefore the lower-tail formula applied to failures,
upper(p0, n) = 1 - lower(1 - p0, n). With this choice a point lies above the upper limit exactly
when P(X >= k | p0, n) is below the tail probability, and below the lower limit exactly when
P(X <= k) is (tests/test_comparability.py checks both against brute-force binomial tails).

Over-dispersion. With at least MIN_FUNNEL_UNITS (10) councils on one funnel, the spread of their
proportions beyond the binomial is estimated as in Spiegelhalter (2005, Qual Saf Health Care
14:347-351): phi = the mean of the councils' squared z-scores, Winsorised at 10% each end; if I x phi
exceeds the 95% point of a chi-square on I - 1 df, the limits are widened to p0 +/- z sqrt(phi p0
(1 - p0) / n) (stats.funnel_limits_overdispersed). With fewer councils (the data shipped has two at
most) phi cannot be estimated: `dispersion` is 1 and `dispersion_basis` 'none'.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import stats
from .small_numbers import SMALL_COUNT, SMALL_DENOMINATOR
from .small_numbers import is_small as _rule_is_small

__all__ = [
    "FUNNEL_POSITIONS",
    "LEVELS",
    "MIN_FUNNEL_UNITS",
    "PER_CHILDREN",
    "PER_CHILDREN_COLUMNS",
    "SMALL_COUNT",
    "SMALL_DENOMINATOR",
    "Judgement",
    "NotComparable",
    "PerChildren",
    "benchmark_years",
    "comparability",
    "definition_of",
    "funnel_data",
    "funnel_limits_two_sided",
    "judge",
    "per_children",
    "published_rows",
    "rate_per_10000",
    "reference_band_from_figures",
    "require_comparable",
    "side_by_side",
    "trend_table",
]

LEVELS = (0.95, 0.998)
MIN_FUNNEL_UNITS = 10  # councils needed on one funnel before over-dispersion is estimated
FUNNEL_POSITIONS = ("within_95", "between_95_and_99_8", "outside_99_8")
TWENTY_DAYS = re.compile(r"^[a-z0-9_]+_within_20wd_rate$")


# ---------------------------------------------------------------------------------------------
# Inputs


def published_rows(metrics: pd.DataFrame) -> pd.DataFrame:
    """Only the published figures with a value: synthetic and record-level rows are never benchmarked."""
    if metrics is None or len(metrics) == 0:
        return pd.DataFrame(columns=["council", "year", "metric", "kind", "value", "source"])
    rows = metrics
    if "source" in rows.columns:
        rows = rows[rows["source"].astype(str) == "published"]
    rows = rows[pd.to_numeric(rows["value"], errors="coerce").notna()]
    return rows.copy()


def councils_of(defs) -> dict:
    if defs is None:
        return {}
    if isinstance(defs, Mapping):
        return dict(defs)
    return dict(getattr(defs, "councils", {}) or {})


def _metric_defs(defs) -> pd.DataFrame | None:
    m = getattr(defs, "metrics", None)
    return m if isinstance(m, pd.DataFrame) else None


def short_name(council_id: str, councils: Mapping) -> str:
    c = councils.get(council_id)
    return getattr(c, "short_name", None) or str(council_id)


def year_key(year: str):
    m = re.match(r"^(\d{4})-\d{2}$", str(year))
    return (0, int(m.group(1))) if m else (1, str(year))


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


# ---------------------------------------------------------------------------------------------
# The comparability rule


def definition_of(row: pd.Series, defs) -> tuple[str, str]:
    """(numerator measure, denominator measure) of a row: from metrics.csv, else the definitions
    with the council's own [denominators] override."""
    num, den = _text(row.get("numerator_measure")), _text(row.get("denominator_measure"))
    table = _metric_defs(defs)
    metric = str(row["metric"])
    if table is not None and metric in table.index:
        if not num:
            num = _text(table.at[metric, "numerator"])
        if not den:
            den = _text(table.at[metric, "denominator"])
            council = councils_of(defs).get(str(row["council"]))
            if council is not None and den:
                den = council.denominator(metric, den)
    return num, den


def measure_definition(measure: str, defs) -> tuple[str, str]:
    """What decides whether two figures count the same thing: the measure's counting unit (`counts` in
    data/definitions/measures.csv: a complaint, a stage 1 response, a case reaching the Ombudsman...) and
    its definition (`description`), not its identifier. A measure not in the definitions is its identifier."""
    table = getattr(defs, "measures", None)
    if not measure or table is None or measure not in table.index or "counts" not in table.columns:
        return (measure, "")
    return (_text(table.at[measure, "counts"]).strip(), _text(table.at[measure, "description"]).strip())


def _per_contact(row: pd.Series, den: str, defs) -> bool:
    if den == "contacts":
        return True
    table = _metric_defs(defs)
    metric = str(row["metric"])
    if str(row.get("kind", "")) == "rate" and table is not None and metric in table.index:
        return _text(table.at[metric, "denominator"]) == "contacts"
    return False


def _rows_for(metrics: pd.DataFrame, year: str, metric: str) -> pd.DataFrame:
    rows = published_rows(metrics)
    rows = rows[(rows["year"].astype(str) == str(year)) & (rows["metric"].astype(str) == str(metric))]
    return rows.drop_duplicates(subset=["council"]).sort_values("council").reset_index(drop=True)


@dataclass(frozen=True)
class CouncilDefinition:
    numerator: str  # measure
    denominator: str  # measure, '' for a count
    contacts: str | None  # the council's definition of a contact, for figures per contact; None otherwise


@dataclass(frozen=True)
class Judgement:
    """Whether one metric-year's figures may share an axis.

    `differs` says what stops them: '' (comparable), 'councils' (fewer than two publish it),
    'numerator', 'denominator' or 'contacts' (the first of these that differs between councils).
    `definitions` holds each council's definition of the figure.
    """

    comparable: bool
    differs: str
    definitions: dict[str, CouncilDefinition] = field(default_factory=dict)
    kind: str = ""  # the metric's kind (count, proportion, rate...)

    def groups(self, attribute: str) -> dict[str, list[str]]:
        """Councils grouped by one attribute of their definitions: {value: [council ids]}."""
        out: dict[str, list[str]] = {}
        for council, d in self.definitions.items():
            out.setdefault(getattr(d, attribute) or "", []).append(council)
        return out


def judge(rows: pd.DataFrame, defs) -> Judgement:
    """The comparability rule for one metric-year's rows (one row per council)."""
    councils = councils_of(defs)
    definitions = {}
    for _, row in rows.iterrows():
        num, den = definition_of(row, defs)
        contacts = None
        if _per_contact(row, den, defs):
            c = councils.get(str(row["council"]))
            contacts = ((c.contacts_definition if c is not None else "") or "definition not stated").rstrip(". ")
        definitions[str(row["council"])] = CouncilDefinition(num, den, contacts)
    kind = str(rows["kind"].iloc[0]) if len(rows) and "kind" in rows.columns else ""
    if len(definitions) < 2:
        return Judgement(False, "councils", definitions, kind)
    for attribute in ("numerator", "denominator"):
        if len({measure_definition(getattr(d, attribute), defs) for d in definitions.values()}) > 1:
            return Judgement(False, attribute, definitions, kind)
    contact_defs = {d.contacts for d in definitions.values()}
    if None not in contact_defs and len(contact_defs) > 1:
        return Judgement(False, "contacts", definitions, kind)
    return Judgement(True, "", definitions, kind)


class NotComparable(ValueError):
    """Two councils' figures with different definitions were asked to share one axis."""

    def __init__(self, metric: str, year: str, judgement: Judgement):
        self.metric, self.year, self.judgement = metric, year, judgement
        detail = "; ".join(f"{c}: {getattr(d, judgement.differs)}" for c, d in judgement.definitions.items())
        super().__init__(
            f"{metric} in {year} cannot be put on one axis for {', '.join(judgement.definitions)}: "
            f"their {judgement.differs} differs ({detail}). Show it side by side as a table, "
            "with each definition stated."
        )


def comparability(metrics: pd.DataFrame, year: str, defs) -> pd.DataFrame:
    """For each metric two or more councils publish in `year` (published rows only): metric,
    councils (their ids, in order), comparable (bool), differs (see Judgement) and the judgement.
    Empty (with those columns) when fewer than two councils publish anything in common."""
    rows = published_rows(metrics)
    rows = rows[rows["year"].astype(str) == str(year)]
    out = []
    for metric, group in rows.groupby("metric", sort=True):
        group = group.drop_duplicates(subset=["council"]).sort_values("council")
        if len(group) < 2:
            continue
        judgement = judge(group, defs)
        out.append(
            {
                "metric": str(metric),
                "councils": list(group["council"].astype(str)),
                "comparable": judgement.comparable,
                "differs": judgement.differs,
                "judgement": judgement,
            }
        )
    frame = pd.DataFrame(out, columns=["metric", "councils", "comparable", "differs", "judgement"])
    return frame.astype({"comparable": bool})


def require_comparable(metrics: pd.DataFrame, year: str, metric: str, defs) -> pd.DataFrame:
    """The comparability rule: the rows of `metric` in `year`, if they may share one axis.
    Raises NotComparable when their definitions differ. Fewer than two councils is not a breach:
    the rows are returned (there is nothing to compare)."""
    rows = _rows_for(metrics, year, metric)
    if len(rows) < 2:
        return rows
    judgement = judge(rows, defs)
    if not judgement.comparable:
        raise NotComparable(metric, year, judgement)
    return rows


# ---------------------------------------------------------------------------------------------
# Side by side


def is_small(kind: str, numerator, denominator, value=None) -> bool:
    """The small-numbers flag: the project's one rule (complaints.analysis.small_numbers). A count
    with no numerator is judged on its value."""

    def num(x):
        x = pd.to_numeric(pd.Series([x]), errors="coerce").iloc[0]
        return None if pd.isna(x) else float(x)

    n, d, v = num(numerator), num(denominator), num(value)
    if kind == "count" and n is None:
        n = v
    return _rule_is_small(kind, n, d if kind == "proportion" else None)


SIDE_BY_SIDE_COLUMNS = [
    "council",
    "short_name",
    "kind",
    "value",
    "ci_low",
    "ci_high",
    "numerator",
    "denominator",
    "numerator_measure",
    "denominator_measure",
    "contacts_definition",
    "small_numbers",
    "comparable",
    "note",
]


def side_by_side(metrics: pd.DataFrame, year: str, metric: str, defs=None) -> pd.DataFrame:
    """Every council publishing `metric` in `year`: value, 95% CI, numerator, denominator, the
    measures they count and (for figures per contact) the council's definition of a contact, the
    small-numbers flag and the metrics.csv note. `comparable` is the same for every row (False with
    one council). This table may be shown whether or not the figures are comparable; a chart may not."""
    rows = _rows_for(metrics, year, metric)
    if len(rows) == 0:
        return pd.DataFrame(columns=SIDE_BY_SIDE_COLUMNS)
    judgement = judge(rows, defs)
    councils = councils_of(defs)
    out = []
    for _, row in rows.iterrows():
        kind = _text(row.get("kind"))
        d = judgement.definitions[str(row["council"])]
        out.append(
            {
                "council": str(row["council"]),
                "short_name": short_name(str(row["council"]), councils),
                "kind": kind,
                **{
                    c: pd.to_numeric(pd.Series([row.get(c)]), errors="coerce").iloc[0]
                    for c in ["value", "ci_low", "ci_high", "numerator", "denominator"]
                },
                "numerator_measure": d.numerator,
                "denominator_measure": d.denominator,
                "contacts_definition": d.contacts,
                "small_numbers": is_small(kind, row.get("numerator"), row.get("denominator"), row.get("value")),
                "comparable": judgement.comparable,
                "note": _text(row.get("note")),
            }
        )
    return pd.DataFrame(out, columns=SIDE_BY_SIDE_COLUMNS)


def check_band(metric: str, band) -> dict | None:
    """A reference band may only be drawn on shares answered within 20 working days."""
    if band is None:
        return None
    if not TWENTY_DAYS.match(str(metric)):
        raise ValueError(
            f"the reference band is of shares answered within 20 working days; it cannot be drawn on {metric}"
        )
    return dict(band)


def reference_band_from_figures(
    figures: pd.DataFrame, council: str = "dudley", year: str = "2020-21", measure: str = "benchmark_within_20wd"
) -> dict | None:
    """The range of other councils' 20-working-day timeliness that Dudley quotes from the West
    Midlands Complaints Officer Group in its 2020-21 report (published 2021): {low, high, council,
    year} with low and high as fractions, from figures.csv (the 'highest' and 'lowest' rows). None
    if not there."""
    if figures is None or len(figures) == 0 or "measure" not in figures.columns:
        return None
    f = figures[
        (figures["measure"].astype(str) == measure)
        & (figures["council"].astype(str) == council)
        & (figures["year"].astype(str) == year)
    ]
    f = f[f["category"].astype(str).str.contains("West Midlands Complaints Officer Group", regex=False)]
    pct = pd.to_numeric(f["pct"], errors="coerce").dropna()
    if len(pct) < 2:
        return None
    return {"low": float(pct.min()) / 100, "high": float(pct.max()) / 100, "council": council, "year": year}


# ---------------------------------------------------------------------------------------------
# Funnel plots


def _level_label(level: float) -> str:
    return f"{100 * level:.10g}".replace(".", "_")


def funnel_limits_two_sided(p0: float, n, levels=LEVELS) -> pd.DataFrame:
    """Funnel limits with the published (Spiegelhalter 2005) lower limits and upper limits from the
    same formula applied to failures: upper(p0, n) = 1 - lower(1 - p0, n). See the module docstring."""
    lower = stats.funnel_limits(p0, n, levels)
    mirror = stats.funnel_limits(1.0 - float(p0), n, levels)
    out = lower[["n"]].copy()
    for level in levels:
        lab = _level_label(level)
        out[f"lower_{lab}"] = lower[f"lower_{lab}"].to_numpy()
        out[f"upper_{lab}"] = 1.0 - mirror[f"lower_{lab}"].to_numpy()
    return out


FUNNEL_COLUMNS = [
    "council",
    "short_name",
    "k",
    "n",
    "p",
    "p0",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "within_95",
    "within_99_8",
    "position",
    "small_numbers",
    "dispersion",
    "dispersion_basis",
]


def funnel_data(metrics: pd.DataFrame, year: str, metric: str, defs=None) -> pd.DataFrame:
    """Per council: k (numerator), n (denominator), p = k/n, the pooled p0 = sum k / sum n, the
    95% and 99.8% limits at its n, whether it lies within each, and `position` (one of
    FUNNEL_POSITIONS: within the 95% limits, between the 95% and 99.8% limits, outside the 99.8%
    limits). Proportions only, with whole-number counts. Empty with fewer than two such councils;
    NotComparable (the comparability rule) when the councils' definitions differ. With at least
    MIN_FUNNEL_UNITS councils and over-dispersion found, the limits are Spiegelhalter's widened ones
    and `dispersion` is phi with `dispersion_basis` 'pooled'; otherwise 1 and 'none'."""
    rows = require_comparable(metrics, year, metric, defs)
    empty = pd.DataFrame(columns=FUNNEL_COLUMNS)
    if len(rows) < 2 or str(rows["kind"].iloc[0]) != "proportion":
        return empty
    k = pd.to_numeric(rows["numerator"], errors="coerce")
    n = pd.to_numeric(rows["denominator"], errors="coerce")
    keep = k.notna() & n.notna() & (n > 0) & (k == k.round()) & (n == n.round()) & (k <= n)
    rows, k, n = rows[keep].reset_index(drop=True), k[keep].astype(int).to_numpy(), n[keep].astype(int).to_numpy()
    if len(rows) < 2:
        return empty
    p0 = stats.pooled_proportion(k, n)
    limits = funnel_limits_two_sided(p0, n)
    phi, basis = 1.0, "none"
    if len(rows) >= MIN_FUNNEL_UNITS and 0.0 < p0 < 1.0:
        found = stats.funnel_dispersion(k, n, p0)
        if found["overdispersed"]:
            phi, basis = max(1.0, found["phi"]), "pooled"
            limits = stats.funnel_limits_overdispersed(p0, n, phi, LEVELS)
    councils = councils_of(defs)
    out = pd.DataFrame(
        {
            "council": rows["council"].astype(str),
            "short_name": [short_name(c, councils) for c in rows["council"]],
            "k": k,
            "n": n,
            "p": k / n,
            "p0": p0,
        }
    )
    for c in ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]:
        out[c] = limits[c].to_numpy()
    eps = 1e-12
    out["within_95"] = (out["p"] >= out["lower_95"] - eps) & (out["p"] <= out["upper_95"] + eps)
    out["within_99_8"] = (out["p"] >= out["lower_99_8"] - eps) & (out["p"] <= out["upper_99_8"] + eps)
    out["position"] = np.where(
        out["within_95"], FUNNEL_POSITIONS[0], np.where(out["within_99_8"], FUNNEL_POSITIONS[1], FUNNEL_POSITIONS[2])
    )
    out["small_numbers"] = [_rule_is_small("proportion", a, b) for a, b in zip(out["k"], out["n"])]
    out["dispersion"] = phi
    out["dispersion_basis"] = basis
    return out[FUNNEL_COLUMNS]


# ---------------------------------------------------------------------------------------------
# Council size: counts per 10,000 children

PER_CHILDREN = 10_000


class PerChildren(NamedTuple):
    """A count per 10,000 children with its 95% interval."""

    rate: float
    ci_low: float
    ci_high: float


def rate_per_10000(count, children, alpha: float = 0.05) -> PerChildren:
    """`count` per 10,000 children, with the exact Poisson (Garwood) interval of the count
    (stats.poisson_ci) divided by the children in the same way; the population is taken as known
    exactly (it is an estimate, but one far more precise than a count of complaints)."""
    size = pd.to_numeric(pd.Series([children]), errors="coerce").iloc[0]
    if isinstance(children, bool) or pd.isna(size) or not math.isfinite(size) or size <= 0:
        raise ValueError(f"the number of children must be a positive number, not {children!r}")
    low, high = stats.poisson_ci(count, alpha)
    k = float(count)
    scale = PER_CHILDREN / float(size)
    return PerChildren(k * scale, low * scale, high * scale)


PER_CHILDREN_COLUMNS = [
    "council",
    "short_name",
    "count",
    "children_0_17",
    "population_year",
    "population_source",
    "per_10000",
    "ci_low",
    "ci_high",
    "small_numbers",
]


def per_children(metrics: pd.DataFrame, year: str, metric: str, defs) -> pd.DataFrame:
    """Every council publishing the count `metric` in `year`: its count and, where its configuration
    gives its population ([population]), the children aged 0 to 17 with the estimate's date and
    source, and the count per 10,000 children with its exact 95% interval (rate_per_10000). A council
    with no population keeps empty (NaN) population and rate columns: nothing is assumed for it.
    Counts only (empty for other kinds); NotComparable when the councils' definitions differ."""
    rows = require_comparable(metrics, year, metric, defs)
    if len(rows) == 0 or str(rows["kind"].iloc[0]) != "count":
        return pd.DataFrame(columns=PER_CHILDREN_COLUMNS)
    councils = councils_of(defs)
    out = []
    for _, row in rows.iterrows():
        council = str(row["council"])
        k = pd.to_numeric(pd.Series([row.get("value")]), errors="coerce").iloc[0]
        population = getattr(councils.get(council), "population", None)
        record = {
            "council": council,
            "short_name": short_name(council, councils),
            "count": k,
            "children_0_17": np.nan,
            "population_year": None,
            "population_source": None,
            "per_10000": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "small_numbers": is_small("count", k, None, k),
        }
        if population is not None and pd.notna(k) and k >= 0 and float(k).is_integer():
            rate = rate_per_10000(int(k), population.children_0_17)
            record.update(
                children_0_17=population.children_0_17,
                population_year=population.year,
                population_source=population.source,
                per_10000=rate.rate,
                ci_low=rate.ci_low,
                ci_high=rate.ci_high,
            )
        out.append(record)
    return pd.DataFrame(out, columns=PER_CHILDREN_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Over the years


def trend_table(metrics: pd.DataFrame, metric: str, councils, defs=None) -> pd.DataFrame:
    """One row per year (financial-year order), one column per council (short names) with its
    published value of `metric` (NaN where none), and `comparable`: whether the councils publishing
    that year share one definition (False where fewer than two publish). `councils` is a list of
    ids or the councils dict."""
    ids = list(councils)
    lookup = councils if isinstance(councils, Mapping) else councils_of(defs)
    rows = published_rows(metrics)
    rows = rows[(rows["metric"].astype(str) == str(metric)) & rows["council"].astype(str).isin(ids)]
    names = [short_name(c, lookup) for c in ids]
    out = []
    for year in sorted(rows["year"].astype(str).unique(), key=year_key):
        these = rows[rows["year"].astype(str) == year].drop_duplicates(subset=["council"])
        # each council's value, looked up (not searched for once per council)
        value_of = dict(zip(these["council"], pd.to_numeric(these["value"], errors="coerce")))
        record = {"Year": year}
        for cid, name in zip(ids, names, strict=True):
            record[name] = float(value_of[cid]) if cid in value_of else np.nan
        record["comparable"] = bool(len(these) >= 2 and judge(these.sort_values("council"), defs).comparable)
        out.append(record)
    return pd.DataFrame(out, columns=["Year", *names, "comparable"])


def benchmark_years(metrics: pd.DataFrame, defs) -> list[str]:
    """Financial years (in order) in which at least two councils publish a comparable measure."""
    rows = published_rows(metrics)
    years = sorted(rows["year"].astype(str).unique(), key=year_key)
    return [y for y in years if comparability(rows, y, defs)["comparable"].any()]
