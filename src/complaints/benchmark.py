"""Councils side by side: which council publishes what, what can be compared, and funnel plots.

Pure functions over metrics.csv rows (a DataFrame) and the project's definitions
(`complaints.definitions.Definitions`, or just its `councils` dict where only councils are needed).
Only rows with ``source == "published"`` are ever benchmarked: figures built from synthetic or
record-level data are dropped on the way in.

    publication_matrix(metrics, councils, defs)      metric x council: the years each publishes
    publication_matrix_year(metrics, councils, year) metric x council: a tick where published
    comparability(metrics, year, defs)                each metric two or more councils publish: comparable?
    require_comparable(metrics, year, metric, defs)   the comparability rule: ValueError if not
    side_by_side(metrics, year, metric, defs)         each council's value, interval, counts, definition
    side_by_side_chart(metrics, year, metric, defs)   points with 95% intervals (None below 2 councils)
    funnel_data(metrics, year, metric, defs)          k, n, p, pooled p0 and the 95% / 99.8% limits
    funnel_chart(metrics, year, metric, defs)         the funnel plot (None below 2 councils)
    reference_band_from_figures(figures)              the West Midlands range Dudley quotes (2021)
    trend_table(metrics, metric, councils, defs)      comparable councils' values over the years
    benchmark_years(metrics, defs)                    years with at least one comparable measure
    narrative(metrics, year, defs)                    plain-English sentences (HTML-escaped)

The comparability rule. A metric identifier means one definition (METHODS.md), but councils may
override the denominator of a proportion (data/councils/<id>.toml, [denominators]) and each counts
"contacts" its own way. Two councils' figures go on one axis only when they share the metric id,
the numerator measure, the denominator measure and, for anything per contact, the same stated
contacts definition. Otherwise they are shown in a table, each with its definition, never on one
axis: `require_comparable` (and so both chart builders and `funnel_data`) raise ValueError naming
the councils and the reason.

Small numbers: a proportion with a denominator under 30, or a count (or the count behind a rate)
under 10, is flagged "small numbers: wide interval". The count threshold is the one METHODS.md uses
for changes; 30 for denominators is the usual rule of thumb below which a share's 95% interval is
wider than about +/-18 percentage points.

Funnel limits. Lower limits are `stats.funnel_limits` as published (Spiegelhalter 2005). The
published interpolation places the mass of count r on (r - 1, r], which is right for the lower tail
but not for the upper: near p0 -> 1 with small n the upper limit never reaches 1, so a council
answering every complaint on time (k = n, often the most likely count) would be drawn above the
99.8% limit. Upper limits are therefore the lower-tail formula applied to failures,
upper(p0, n) = 1 - lower(1 - p0, n). With this choice a point lies above the upper limit exactly
when P(X >= k | p0, n) is below the tail probability, and below the lower limit exactly when
P(X <= k) is (tests/test_benchmark.py checks both against brute-force binomial tails).
"""
from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from . import stats  # noqa: E402
from .charts import (  # noqa: E402
    _RC, CI_HIGH, CI_LOW, MARKERS, Chart, _footnote, _join, _lower_first, _new_figure, _plain, _png, _wrap,
    format_cell, palette,
)
from .narrative import format_value  # noqa: E402

__all__ = [
    "SMALL_DENOMINATOR", "SMALL_COUNT", "SMALL_NOTE", "LEVELS",
    "published_rows", "publication_matrix", "publication_matrix_year", "comparability", "require_comparable",
    "side_by_side", "side_by_side_chart", "funnel_limits_two_sided", "funnel_data", "funnel_chart",
    "reference_band_from_figures", "trend_table", "benchmark_years", "narrative",
]

SMALL_DENOMINATOR = 30  # proportions: flagged when the denominator is below this
SMALL_COUNT = 10  # counts, and the count behind a rate: flagged when below this
SMALL_NOTE = "small numbers: wide interval"
LEVELS = (0.95, 0.998)
TICK = "✓"
_TWENTY_DAYS = re.compile(r"^[a-z0-9_]+_within_20wd_rate$")
_ESC = lambda s: html.escape(str(s), quote=True)  # noqa: E731


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


def _councils(defs) -> dict:
    if defs is None:
        return {}
    if isinstance(defs, Mapping):
        return dict(defs)
    return dict(getattr(defs, "councils", {}) or {})


def _metric_defs(defs) -> pd.DataFrame | None:
    m = getattr(defs, "metrics", None)
    return m if isinstance(m, pd.DataFrame) else None


def _short(council_id: str, councils: Mapping) -> str:
    c = councils.get(council_id)
    return getattr(c, "short_name", None) or str(council_id)


def _description(metric: str, defs) -> str:
    if isinstance(defs, Mapping) and metric in defs and isinstance(defs[metric], str):
        return defs[metric]
    table = defs if isinstance(defs, pd.DataFrame) else _metric_defs(defs)
    if table is not None and metric in table.index and "description" in table.columns:
        return str(table.at[metric, "description"])
    return metric.replace("_", " ")


def _measure_words(measure: str, defs) -> str:
    table = getattr(defs, "measures", None)
    if isinstance(table, pd.DataFrame) and measure in table.index and "description" in table.columns:
        return _lower_first(str(table.at[measure, "description"]))
    return str(measure).replace("_", " ")


def _year_key(year: str):
    m = re.match(r"^(\d{4})-\d{2}$", str(year))
    return (0, int(m.group(1))) if m else (1, str(year))


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


# ---------------------------------------------------------------------------------------------
# 1. Who publishes what


def publication_matrix(metrics: pd.DataFrame, councils: Mapping, defs=None) -> pd.DataFrame:
    """Rows: metric with its description; columns: council short names; cells: the years that
    council publishes the metric ("2022-23, 2024-25"), or "" where it never does. Published only.
    `defs` (Definitions, or the metrics table) supplies descriptions."""
    rows = published_rows(metrics)
    ids = list(councils) or sorted(rows["council"].astype(str).unique())
    names = [_short(c, councils) for c in ids]
    metric_ids = sorted(rows["metric"].astype(str).unique())
    out = []
    for metric in metric_ids:
        these = rows[rows["metric"] == metric]
        record = {"Metric": metric, "Description": _description(metric, defs)}
        for cid, name in zip(ids, names):
            years = sorted(these.loc[these["council"] == cid, "year"].astype(str).unique(), key=_year_key)
            record[name] = ", ".join(years)
        out.append(record)
    return pd.DataFrame(out, columns=["Metric", "Description", *names])


def publication_matrix_year(metrics: pd.DataFrame, councils: Mapping, year: str, defs=None) -> pd.DataFrame:
    """The matrix for one year: a tick where the council publishes the metric, blank otherwise.
    Only metrics someone publishes that year are listed."""
    rows = published_rows(metrics)
    rows = rows[rows["year"].astype(str) == str(year)]
    ids = list(councils) or sorted(rows["council"].astype(str).unique())
    names = [_short(c, councils) for c in ids]
    out = []
    for metric in sorted(rows["metric"].astype(str).unique()):
        have = set(rows.loc[rows["metric"] == metric, "council"].astype(str))
        record = {"Metric": metric, "Description": _description(metric, defs)}
        record.update({name: (TICK if cid in have else "") for cid, name in zip(ids, names)})
        out.append(record)
    return pd.DataFrame(out, columns=["Metric", "Description", *names])


# ---------------------------------------------------------------------------------------------
# 2. The comparability rule


def _definition_of(row: pd.Series, defs) -> tuple[str, str]:
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
            council = _councils(defs).get(str(row["council"]))
            if council is not None and den:
                den = council.denominator(metric, den)
    return num, den


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


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _judge(rows: pd.DataFrame, defs) -> tuple[bool, str, dict]:
    """(comparable, reason, per-council definition text) for one metric-year's rows."""
    councils = _councils(defs)
    info = {}
    for _, row in rows.iterrows():
        num, den = _definition_of(row, defs)
        contacts = None
        if _per_contact(row, den, defs):
            c = councils.get(str(row["council"]))
            contacts = ((c.contacts_definition if c is not None else "") or "definition not stated").rstrip(". ")
        info[str(row["council"])] = {"num": num, "den": den, "contacts": contacts,
                                    "name": _short(str(row["council"]), councils)}
    names = {cid: d["name"] for cid, d in info.items()}
    kind = str(rows["kind"].iloc[0]) if len(rows) and "kind" in rows.columns else ""
    what = "share" if kind == "proportion" else "figure"

    def differ(key: str, words, verb: str) -> str | None:
        groups: dict[str, list[str]] = {}
        for cid, d in info.items():
            groups.setdefault(d[key] or "", []).append(names[cid])
        if len(groups) < 2:
            return None
        items = list(groups.items())
        text = f"{_possessive(_join(items[0][1]))} {verb} {words(items[0][0])}"
        for k, ns in items[1:]:
            text += f", {_possessive(_join(ns))} of {words(k)}" if verb.endswith(" of") else \
                f", {_possessive(_join(ns))} {words(k)}"
        return text

    definition = {cid: "" for cid in info}
    for cid, d in info.items():
        bits = []
        if d["contacts"] is not None:
            bits.append(f"{_measure_words(d['num'], defs)} per contact")
        elif d["den"]:
            bits.append(f"{_measure_words(d['num'], defs)} out of {_measure_words(d['den'], defs)}")
        elif d["num"]:
            bits.append(_measure_words(d["num"], defs))
        if d["contacts"] is not None:
            bits.append(f"Contacts: {d['contacts']}")
        definition[cid] = ". ".join(b[0].upper() + b[1:] for b in bits if b)
    if len(info) < 2:
        return False, f"only {_join(list(names.values())) or 'no council'} publishes it", definition
    reason = differ("num", lambda m: _measure_words(m, defs) if m else "an unstated measure", "figure counts")
    if reason:
        return False, reason, definition
    reason = differ("den", lambda m: _measure_words(m, defs) if m else "an unstated base", f"{what} is of")
    if reason:
        return False, reason, definition
    contact_defs = {d["contacts"] for d in info.values()}
    if None not in contact_defs and len(contact_defs) > 1:
        listed = "; ".join(f"{names[cid]}: {d['contacts']}" for cid, d in info.items())
        return False, f"each council counts contacts its own way ({listed})", definition
    return True, "the same definition (metric, numerator and denominator)", definition


def comparability(metrics: pd.DataFrame, year: str, defs) -> pd.DataFrame:
    """For each metric two or more councils publish in `year` (published rows only): metric,
    description, councils (short names, joined), comparable (bool) and reason in plain English.
    Empty (with those columns) when fewer than two councils publish anything in common."""
    rows = published_rows(metrics)
    rows = rows[rows["year"].astype(str) == str(year)]
    out = []
    for metric, group in rows.groupby("metric", sort=True):
        group = group.drop_duplicates(subset=["council"]).sort_values("council")
        if len(group) < 2:
            continue
        ok, reason, _ = _judge(group, defs)
        councils = _councils(defs)
        out.append({"metric": str(metric), "description": _description(str(metric), defs),
                    "councils": _join([_short(c, councils) for c in group["council"].astype(str)]),
                    "comparable": bool(ok), "reason": reason})
    frame = pd.DataFrame(out, columns=["metric", "description", "councils", "comparable", "reason"])
    return frame.astype({"comparable": bool})


def require_comparable(metrics: pd.DataFrame, year: str, metric: str, defs) -> pd.DataFrame:
    """The comparability rule: the rows of `metric` in `year`, if they may share one axis.
    Raises ValueError naming the councils and the reason when their definitions differ. Fewer than
    two councils is not a breach: the rows are returned (there is nothing to compare)."""
    rows = _rows_for(metrics, year, metric)
    if len(rows) < 2:
        return rows
    ok, reason, _ = _judge(rows, defs)
    if not ok:
        names = _join([_short(c, _councils(defs)) for c in rows["council"].astype(str)])
        raise ValueError(f"{metric} in {year} cannot be put on one axis for {names}: {reason}. "
                         "Show it side by side as a table, with each definition stated.")
    return rows


# ---------------------------------------------------------------------------------------------
# 3. Side by side


def _small(kind: str, numerator, denominator, value) -> bool:
    def num(x):
        x = pd.to_numeric(pd.Series([x]), errors="coerce").iloc[0]
        return None if pd.isna(x) else float(x)
    n, d, v = num(numerator), num(denominator), num(value)
    if kind == "proportion":
        return d is not None and d < SMALL_DENOMINATOR
    if kind == "rate":
        return n is not None and n < SMALL_COUNT
    if kind == "count":
        return (n if n is not None else v) is not None and (n if n is not None else v) < SMALL_COUNT
    return False


def side_by_side(metrics: pd.DataFrame, year: str, metric: str, defs=None) -> pd.DataFrame:
    """Every council publishing `metric` in `year`: value, 95% CI, numerator, denominator, its
    definition stated in words, the small-numbers flag and the metrics.csv note. Columns: council,
    short_name, kind, value, ci_low, ci_high, numerator, denominator, definition, small_numbers,
    small_note, comparable, note. `comparable` is the same for every row (False with one council).
    This table may be shown whether or not the figures are comparable; the chart may not."""
    rows = _rows_for(metrics, year, metric)
    columns = ["council", "short_name", "kind", "value", "ci_low", "ci_high", "numerator", "denominator",
               "definition", "small_numbers", "small_note", "comparable", "note"]
    if len(rows) == 0:
        return pd.DataFrame(columns=columns)
    ok, _, definition = _judge(rows, defs)
    councils = _councils(defs)
    out = []
    for _, row in rows.iterrows():
        kind = _text(row.get("kind"))
        small = _small(kind, row.get("numerator"), row.get("denominator"), row.get("value"))
        out.append({"council": str(row["council"]), "short_name": _short(str(row["council"]), councils),
                    "kind": kind, **{c: pd.to_numeric(pd.Series([row.get(c)]), errors="coerce").iloc[0]
                                    for c in ["value", "ci_low", "ci_high", "numerator", "denominator"]},
                    "definition": definition.get(str(row["council"]), ""), "small_numbers": bool(small),
                    "small_note": SMALL_NOTE if small else "", "comparable": bool(ok),
                    "note": _text(row.get("note"))})
    return pd.DataFrame(out, columns=columns)


def _check_band(metric: str, band) -> dict | None:
    if band is None:
        return None
    if not _TWENTY_DAYS.match(str(metric)):
        raise ValueError(f"the reference band is of shares answered within 20 working days; "
                         f"it cannot be drawn on {metric}")
    return dict(band)


def _draw_band(ax, band: dict, scale: float) -> None:
    ax.axhspan(band["low"] * scale, band["high"] * scale, facecolor="#bbbbbb", alpha=0.35, zorder=0, linewidth=0,
               hatch="//", edgecolor="#999999", label=_plain(_wrap(band["label"], 70)))


def reference_band_from_figures(figures: pd.DataFrame, council: str = "dudley", year: str = "2020-21",
                                measure: str = "benchmark_within_20wd") -> dict | None:
    """The range of other councils' 20-working-day timeliness that Dudley quotes from the West
    Midlands Complaints Officer Group in its 2020-21 report (published 2021): {low, high, label}
    as fractions, from figures.csv (the 'highest' and 'lowest' rows). None if not there."""
    if figures is None or len(figures) == 0 or "measure" not in figures.columns:
        return None
    f = figures[(figures["measure"].astype(str) == measure) & (figures["council"].astype(str) == council)
                & (figures["year"].astype(str) == year)]
    f = f[f["category"].astype(str).str.contains("West Midlands Complaints Officer Group", regex=False)]
    pct = pd.to_numeric(f["pct"], errors="coerce").dropna()
    if len(pct) < 2:
        return None
    low, high = float(pct.min()) / 100, float(pct.max()) / 100
    return {"low": low, "high": high,
            "label": (f"West Midlands Complaints Officer Group range, {low:.0%} to {high:.0%}, quoted in "
                      f"Dudley's {year} report (2021); the councils' years and definitions are unknown")}


def side_by_side_chart(metrics: pd.DataFrame, year: str, metric: str, defs=None, title: str | None = None,
                       reference_band: dict | None = None) -> Chart | None:
    """One point per council with its 95% interval, on one axis. None with fewer than two councils;
    ValueError (the comparability rule) when their definitions differ."""
    band = _check_band(metric, reference_band)
    require_comparable(metrics, year, metric, defs)
    data = side_by_side(metrics, year, metric, defs)
    data = data[data["value"].notna()].reset_index(drop=True)
    if len(data) < 2:
        return None
    kind = str(data["kind"].iloc[0])
    label = _description(metric, defs)
    title = title or f"{label}, {year}: councils side by side"
    fmt = "percent" if kind == "proportion" else "number"
    scale = 100.0 if kind == "proportion" else 1000.0 if kind == "rate" else 1.0
    tscale = 1000.0 if kind == "rate" else 1.0
    value_name = f"{label} per 1,000" if kind == "rate" else label
    table = pd.DataFrame({"Council": data["short_name"], value_name: data["value"] * tscale,
                          "Number": data["numerator"], "Out of": data["denominator"],
                          CI_LOW: data["ci_low"] * tscale, CI_HIGH: data["ci_high"] * tscale,
                          "Small numbers": data["small_note"]})
    formats = {"Council": "text", value_name: fmt, "Number": "number", "Out of": "number",
               CI_LOW: fmt, CI_HIGH: fmt, "Small numbers": "text"}
    if kind not in ("proportion", "rate"):
        table = table.drop(columns=["Out of"])
    n = len(data)
    with matplotlib.rc_context(_RC):
        fig = _new_figure(7.2, 1.6 + 0.6 * n)
        ax = fig.add_subplot()
        ax.grid(axis="x", color="#dddddd")
        ax.grid(axis="y", visible=False)
        if band:
            ax.axvspan(band["low"] * scale, band["high"] * scale, color="#bbbbbb", alpha=0.35, zorder=0,
                       linewidth=0, label=_plain(_wrap(band["label"], 70)))
        for i, row in data.iterrows():
            colour, marker = palette()[i % len(palette())], MARKERS[i % len(MARKERS)]
            v = row["value"] * scale
            has_ci = pd.notna(row["ci_low"]) and pd.notna(row["ci_high"])
            if has_ci:
                ax.errorbar([v], [i], xerr=[[max(v - row["ci_low"] * scale, 0)], [max(row["ci_high"] * scale - v, 0)]],
                            fmt="none", ecolor=colour, elinewidth=1.6, capsize=5, zorder=2)
            ax.plot([v], [i], marker=marker, markersize=9, color=colour, linestyle="none", zorder=3,
                    markerfacecolor=colour if has_ci else "white", markeredgewidth=2)
            ax.annotate(format_cell(row["value"] * tscale, fmt), (v, i), xytext=(0, 9), textcoords="offset points",
                        ha="center", va="bottom", fontsize=10.5, fontweight="bold")
        ax.set_yticks(range(n))
        ax.set_yticklabels([_plain(s) + (" *" if f else "") for s, f in zip(data["short_name"], data["small_numbers"])])
        ax.set_ylim(n - 0.4, -0.7)
        if kind == "proportion":
            ax.set_xlim(0, 100)
            ax.xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        else:
            top = float(np.nanmax(np.fmax(data["ci_high"].fillna(0), data["value"]) * scale))
            ax.set_xlim(0, top * 1.15 if top > 0 else 1)
        ax.set_xlabel(_wrap(f"{label} (%)" if kind == "proportion" else value_name, 60))
        ax.set_title(_wrap(title, 60), loc="left")
        notes = ["Horizontal bars: 95% confidence intervals."]
        if data["small_numbers"].any():
            notes.append(f"* {SMALL_NOTE.capitalize()}.")
        legend = ax.legend(loc="upper left", bbox_to_anchor=(0, -0.25), frameon=False) if band else None
        _footnote(fig, ax, notes, below=legend)
        png = _png(fig)
    values = _join([f"{r['short_name']} {format_value(r['value'], kind)}"
                    + (f" (95% interval {format_value(r['ci_low'], kind)} to {format_value(r['ci_high'], kind)})"
                       if pd.notna(r["ci_low"]) else "") for _, r in data.iterrows()])
    alt = [f"Chart: {label}, {year}, one point per council: {values}."]
    flagged = list(data.loc[data["small_numbers"], "short_name"])
    if flagged:
        alt.append(f"Small numbers, so a wide interval: {_join(flagged)}.")
    if band:
        alt.append(f"Shaded: {band['label']}.")
    return Chart(title=title, alt=" ".join(alt), table=table, png=png, formats=formats)


# ---------------------------------------------------------------------------------------------
# 4. Funnel plots


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


FUNNEL_COLUMNS = ["council", "short_name", "k", "n", "p", "p0", "lower_95", "upper_95", "lower_99_8", "upper_99_8",
                  "within_95", "within_99_8", "position", "small_numbers"]


def funnel_data(metrics: pd.DataFrame, year: str, metric: str, defs=None) -> pd.DataFrame:
    """Per council: k (numerator), n (denominator), p = k/n, the pooled p0 = sum k / sum n, the
    95% and 99.8% limits at its n, whether it lies within each, and `position` in words
    ("within the 95% limits", "between the 95% and 99.8% limits", "outside the 99.8% limits").
    Proportions only, with whole-number counts. Empty with fewer than two such councils;
    ValueError (the comparability rule) when the councils' definitions differ."""
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
    councils = _councils(defs)
    out = pd.DataFrame({"council": rows["council"].astype(str), "short_name": [_short(c, councils) for c in rows["council"]],
                        "k": k, "n": n, "p": k / n, "p0": p0})
    for c in ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]:
        out[c] = limits[c].to_numpy()
    eps = 1e-12
    out["within_95"] = (out["p"] >= out["lower_95"] - eps) & (out["p"] <= out["upper_95"] + eps)
    out["within_99_8"] = (out["p"] >= out["lower_99_8"] - eps) & (out["p"] <= out["upper_99_8"] + eps)
    out["position"] = np.where(out["within_95"], "within the 95% limits",
                               np.where(out["within_99_8"], "between the 95% and 99.8% limits",
                                        "outside the 99.8% limits"))
    out["small_numbers"] = out["n"] < SMALL_DENOMINATOR
    return out[FUNNEL_COLUMNS]


def funnel_chart(metrics: pd.DataFrame, year: str, metric: str, defs=None, title: str | None = None,
                 reference_band: dict | None = None) -> Chart | None:
    """Funnel plot: x = denominator, y = proportion, the pooled proportion with its 95% (dashed)
    and 99.8% (dotted) limits, one labelled point per council (colour and marker). None with fewer
    than two councils. `reference_band` ({low, high, label}, see reference_band_from_figures) is
    drawn as a shaded band, and only on 20-working-day timeliness metrics (ValueError otherwise)."""
    band = _check_band(metric, reference_band)
    data = funnel_data(metrics, year, metric, defs)
    if len(data) < 2:
        return None
    label = _description(metric, defs)
    title = title or f"{label}, {year}: funnel plot"
    p0 = float(data["p0"].iloc[0])
    n_max = int(data["n"].max())
    grid = np.unique(np.linspace(1, max(n_max * 1.25, 20), 300).round().astype(int))
    lim = funnel_limits_two_sided(p0, grid)
    with matplotlib.rc_context(_RC):
        fig = _new_figure(7.2, 4.8)
        ax = fig.add_subplot()
        if band:
            _draw_band(ax, band, 100.0)
        ax.axhline(p0 * 100, color="#333333", linewidth=1.4, label=f"Pooled proportion {format_cell(p0, 'percent')}")
        ax.plot(grid, lim["lower_95"] * 100, color="#555555", linestyle="--", linewidth=1.2, label="95% limits")
        ax.plot(grid, lim["upper_95"] * 100, color="#555555", linestyle="--", linewidth=1.2)
        ax.plot(grid, lim["lower_99_8"] * 100, color="#555555", linestyle=":", linewidth=1.6, label="99.8% limits")
        ax.plot(grid, lim["upper_99_8"] * 100, color="#555555", linestyle=":", linewidth=1.6)
        for i, row in data.iterrows():
            colour, marker = palette()[i % len(palette())], MARKERS[i % len(MARKERS)]
            ax.plot([row["n"]], [row["p"] * 100], marker=marker, markersize=9, color=colour, linestyle="none", zorder=3)
            ax.annotate(_plain(f"{row['short_name']} {format_cell(row['p'], 'percent')}"), (row["n"], row["p"] * 100),
                        xytext=(7, 4), textcoords="offset points", fontsize=10.5, color="#222222")
        ax.set_ylim(0, 100)
        ax.set_xlim(0, grid.max())
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        ax.set_xlabel("Denominator (number of complaints the share is of)")
        ax.set_ylabel(_wrap(f"{label} (%)", 40))
        ax.set_title(_wrap(title, 60), loc="left")
        fig.canvas.draw()
        legend = ax.legend(loc="upper left", bbox_to_anchor=(0, -0.18), frameon=False, ncol=1)
        _footnote(fig, ax, ["Exact binomial limits around the pooled proportion (Spiegelhalter 2005)."], below=legend)
        png = _png(fig)
    table = pd.DataFrame({"Council": data["short_name"], "Number": data["k"], "Out of": data["n"], "Share": data["p"],
                          "Pooled": data["p0"], "95% lower": data["lower_95"], "95% upper": data["upper_95"],
                          "99.8% lower": data["lower_99_8"], "99.8% upper": data["upper_99_8"],
                          "Position": data["position"]})
    formats = {"Council": "text", "Number": "number", "Out of": "number", "Share": "percent", "Pooled": "percent",
               "95% lower": "percent", "95% upper": "percent", "99.8% lower": "percent", "99.8% upper": "percent",
               "Position": "text"}
    points = _join([f"{r['short_name']} {format_cell(r['p'], 'percent')} ({r['k']:,} of {r['n']:,}), {r['position']}"
                    for _, r in data.iterrows()])
    alt = [f"Funnel plot: {label}, {year}, against the number of complaints it is of. Pooled proportion "
           f"{format_cell(p0, 'percent')}, with 95% and 99.8% limits that narrow as the number grows. {points}."]
    if band:
        alt.append(f"Shaded: {band['label']}.")
    return Chart(title=title, alt=" ".join(alt), table=table, png=png, formats=formats)


# ---------------------------------------------------------------------------------------------
# 5, 6. Over the years


def trend_table(metrics: pd.DataFrame, metric: str, councils, defs=None) -> pd.DataFrame:
    """One row per year (financial-year order), one column per council (short names) with its
    published value of `metric` (NaN where none), and `comparable`: whether the councils publishing
    that year share one definition (False where fewer than two publish). `councils` is a list of
    ids or the councils dict."""
    ids = list(councils)
    lookup = councils if isinstance(councils, Mapping) else _councils(defs)
    rows = published_rows(metrics)
    rows = rows[(rows["metric"].astype(str) == str(metric)) & rows["council"].astype(str).isin(ids)]
    names = [_short(c, lookup) for c in ids]
    out = []
    for year in sorted(rows["year"].astype(str).unique(), key=_year_key):
        these = rows[rows["year"].astype(str) == year].drop_duplicates(subset=["council"])
        record = {"Year": year}
        for cid, name in zip(ids, names):
            v = these.loc[these["council"] == cid, "value"]
            record[name] = float(pd.to_numeric(v, errors="coerce").iloc[0]) if len(v) else np.nan
        record["comparable"] = bool(len(these) >= 2 and _judge(these.sort_values("council"), defs)[0])
        out.append(record)
    return pd.DataFrame(out, columns=["Year", *names, "comparable"])


def benchmark_years(metrics: pd.DataFrame, defs) -> list[str]:
    """Financial years (in order) in which at least two councils publish a comparable measure."""
    rows = published_rows(metrics)
    years = sorted(rows["year"].astype(str).unique(), key=_year_key)
    return [y for y in years if comparability(rows, y, defs)["comparable"].any()]


# ---------------------------------------------------------------------------------------------
# 7. Words


def narrative(metrics: pd.DataFrame, year: str, defs) -> list[str]:
    """Plain-English sentences (HTML-escaped) for the benchmark report of `year`: who publishes,
    which measures can be compared and which cannot and why, small numbers, and, for comparable
    proportions, where each council lies on the funnel plot. "Chance" words only for the funnel."""
    councils = _councils(defs)
    rows = published_rows(metrics)
    rows = rows[rows["year"].astype(str) == str(year)]
    present = sorted(rows["council"].astype(str).unique())
    names = [_short(c, councils) for c in present]
    if len(present) == 0:
        return [_ESC(f"No council publishes figures for {year}, so there is nothing to compare.")]
    if len(present) == 1:
        return [_ESC(f"Only one council, {names[0]}, publishes figures for {year}, so there is no other "
                     "council to compare it with.")]
    out = [f"{_join(names)} publish figures for {year}."]
    table = comparability(rows, year, defs)
    if len(table) == 0:
        out.append("No measure is published by more than one of them, so nothing can be compared.")
        return [_ESC(s) for s in out]
    same = table[table["comparable"]]
    differ = table[~table["comparable"]]
    if len(same):
        out.append("Measures published on the same definition, so they can be set side by side: "
                   + "; ".join(f"{_lower_first(r['description'])} ({r['councils']})" for _, r in same.iterrows()) + ".")
    else:
        out.append("No measure is published by two councils on the same definition.")
    for _, r in differ.iterrows():
        out.append(f"{r['description']} cannot be compared: {r['reason']}. It is shown in a table, each "
                   "council's figure with its definition, and not on one chart.")
    flagged = []
    for metric in table["metric"]:
        sbs = side_by_side(rows, year, metric, defs)
        for _, s in sbs[sbs["small_numbers"]].iterrows():
            flagged.append(f"{s['short_name']} ({_lower_first(_description(metric, defs))})")
    if flagged:
        out.append(f"Small numbers, so wide intervals: {_join(flagged)}.")
    for _, r in same.iterrows():
        f = funnel_data(rows, year, r["metric"], defs)
        if len(f) < 2:
            continue
        p0 = format_cell(float(f["p0"].iloc[0]), "percent")
        for _, c in f.iterrows():
            where = ("differs from the pooled figure by more than chance would explain"
                     if not c["within_99_8"] else "is within what chance would produce")
            out.append(f"{_lower_first(r['description']).capitalize()}: {c['short_name']}'s "
                       f"{format_cell(c['p'], 'percent')} ({c['k']:,} of {c['n']:,}) {where}, "
                       f"against the pooled {p0} ({c['position']} of the funnel plot).")
    return [_ESC(s) for s in out]
