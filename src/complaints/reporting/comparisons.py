"""Councils side by side, in words, tables and pictures.

complaints.analysis.comparability decides what can be compared and computes the figures; this
module says so in plain English and draws them.

    publication_matrix(metrics, councils, defs)      metric x council: the years each publishes
    publication_matrix_year(metrics, councils, year) metric x council: a tick where published
    reason(judgement, defs)                           why councils' figures can or cannot be compared (a sentence)
    definition_words(definition, defs)                one council's definition of a figure
    band_label(band)                                  the regional reference band, described
    reference_words(band, drawn, year)                the band, and where this report draws it (or not)
    side_by_side_chart(metrics, year, metric, defs)   points with 95% intervals (None below 2 councils)
    funnel_chart(metrics, year, metric, defs)         the funnel plot (None below 2 councils)
    sentences(metrics, year, defs)                    plain-English sentences (plain text: templates escape)
    per_10000(x), per_10000_interval(lo, hi)          a count per 10,000 children, written by reporting.numbers
    size_sentences(table, label, year)                counts per 10,000 children, in words (council size)

Every number is written by complaints.reporting.numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from ..analysis import comparability as cmp
from ..analysis.comparability import Judgement, check_band, councils_of, short_name, year_key
from . import numbers
from .charts import (
    _RC,
    CI_HIGH,
    CI_LOW,
    MARKERS,
    Chart,
    _footnote,
    _images,
    _join,
    _lower_first,
    _new_figure,
    _plain,
    _wrap,
    format_cell,
    palette,
)
from .narrative import format_value

__all__ = [
    "POSITION_WORDS",
    "SMALL_NOTE",
    "TICK",
    "band_label",
    "definition_words",
    "describe",
    "funnel_chart",
    "join",
    "per_10000",
    "per_10000_interval",
    "publication_matrix",
    "publication_matrix_year",
    "reason",
    "reference_words",
    "sentences",
    "side_by_side_chart",
    "size_sentences",
    "without_empty_columns",
]

SMALL_NOTE = "small numbers: wide interval"
TICK = "✓"
POSITION_WORDS = dict(
    zip(
        cmp.FUNNEL_POSITIONS,
        ("within the 95% limits", "between the 95% and 99.8% limits", "outside the 99.8% limits"),
        strict=True,
    )
)


def describe(metric: str, defs) -> str:
    """A metric's description from data/definitions/metrics.csv (its identifier in words if none)."""
    table = defs if isinstance(defs, pd.DataFrame) else getattr(defs, "metrics", None)
    if isinstance(table, pd.DataFrame) and metric in table.index and "description" in table.columns:
        return str(table.at[metric, "description"])
    return metric.replace("_", " ")


def measure_words(measure: str, defs) -> str:
    table = getattr(defs, "measures", None)
    if isinstance(table, pd.DataFrame) and measure in table.index and "description" in table.columns:
        return _lower_first(str(table.at[measure, "description"]))
    return str(measure).replace("_", " ")


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def definition_words(definition: cmp.CouncilDefinition | pd.Series, defs) -> str:
    """One council's definition of a figure: "Statutory complaints received at stage 1 out of ...",
    with its definition of a contact for figures per contact. `definition` is a judgement's
    CouncilDefinition or a row of comparability.side_by_side."""
    if isinstance(definition, pd.Series):
        contacts = definition.get("contacts_definition")
        definition = cmp.CouncilDefinition(
            str(definition.get("numerator_measure") or ""),
            str(definition.get("denominator_measure") or ""),
            contacts if isinstance(contacts, str) else None,
        )
    bits = []
    if definition.contacts is not None:
        bits.append(f"{measure_words(definition.numerator, defs)} per contact")
        bits.append(f"Contacts: {definition.contacts}")
    elif definition.denominator:
        bits.append(f"{measure_words(definition.numerator, defs)} out of {measure_words(definition.denominator, defs)}")
    elif definition.numerator:
        bits.append(measure_words(definition.numerator, defs))
    return ". ".join(b[0].upper() + b[1:] for b in bits if b)


def _contacts_published(council) -> bool:
    """False when the council's configuration marks its definition of a contact not published."""
    published = getattr(council, "is_published", None)
    return published is None or published("contacts.definition")


def contacts_definition_words(council) -> str:
    """What the council counts as a contact, as a table cell: its definition, "not published" while its
    configuration marks it so (never a default said as its practice), or "definition not stated"."""
    if council is None:
        return ""
    if not _contacts_published(council):
        return "not published"
    return council.contacts_definition or "definition not stated"


def reason(judgement: Judgement, defs) -> str:
    """Why the councils' figures can or cannot be compared, as one plain sentence (plain text: the
    templates escape it)."""
    councils = councils_of(defs)
    names = {c: short_name(c, councils) for c in judgement.definitions}
    if judgement.differs == "councils":
        if not names:
            return "No council publishes it."
        return f"Only {_join(list(names.values()))} publishes it, so there is no other council to compare it with."
    if judgement.differs in ("numerator", "denominator"):
        if judgement.differs == "numerator":
            words, verb = (lambda m: measure_words(m, defs) if m else "an unstated measure"), "figure counts"
        else:
            what = "share" if judgement.kind == "proportion" else "figure"
            words, verb = (lambda m: measure_words(m, defs) if m else "an unstated base"), f"{what} is of"
        items = list(judgement.groups(judgement.differs).items())
        text = f"{_possessive(_join([names[c] for c in items[0][1]]))} {verb} {words(items[0][0])}"
        for value, ids in items[1:]:
            council_names = _possessive(_join([names[c] for c in ids]))
            text += (
                f", {council_names} of {words(value)}" if verb.endswith(" of") else f", {council_names} {words(value)}"
            )
        return f"{text}, so the figures do not measure the same thing."
    if judgement.differs == "contacts":
        listed = "; ".join(
            f"{_possessive(names[c])} definition of a contact is not published yet"
            if not _contacts_published(councils.get(c))
            else f"{names[c]} does not say what it counts as a contact"
            if d.contacts in ("", "definition not stated")
            else f"{_possessive(names[c])} are {_lower_first(d.contacts)}"
            for c, d in judgement.definitions.items()
        )
        return f"Each council counts contacts its own way: {listed}."
    definition = next(iter(judgement.definitions.values()), None)
    said = f" ({_lower_first(definition_words(definition, defs))})" if definition is not None else ""
    said = "" if said == " ()" else said
    return f"{_join(list(names.values()))} publish it on the same definition{said}, so it can be compared."


def band_label(band: dict) -> str:
    """The regional reference band, described where it is drawn and in the alt text."""
    if band.get("label"):
        return str(band["label"])
    return (
        f"West Midlands Complaints Officer Group range, {numbers.percent(band['low'])} to "
        f"{numbers.percent(band['high'])}, quoted in "
        f"Dudley's {band['year']} report (2021); the councils' years and definitions are unknown"
    )


def reference_words(band: dict, drawn: Mapping[str, list[str]], year: str) -> str:
    """The regional reference band in words, saying where this report draws it: `drawn` maps the
    description of each measure it is drawn for to the charts it is drawn on. With nothing drawn,
    says so and why."""
    if drawn:
        where = "; ".join(f"{_join(places)} of {_lower_first(label)}" for label, places in drawn.items())
        placed = f"It is drawn as a shaded band on {where}"
    else:
        placed = (
            "It is not drawn on any chart in this report: it is a range of shares of complaints answered within "
            "20 working days, and no such share is published with the same definition by two councils for "
            f"{year}"
        )
    return (
        f"{band_label(band)}. {placed}. It is context only: the councils, years and definitions behind it are "
        "not stated."
    )


def publication_matrix(metrics: pd.DataFrame, councils: Mapping, defs=None) -> pd.DataFrame:
    """Rows: metric with its description; columns: council short names; cells: the years that
    council publishes the metric ("2022-23, 2024-25"), or "" where it never does. Published only.
    `defs` (Definitions, or the metrics table) supplies descriptions."""
    rows = cmp.published_rows(metrics)
    ids = list(councils) or sorted(rows["council"].astype(str).unique())
    names = [short_name(c, councils) for c in ids]
    metric_ids = sorted(rows["metric"].astype(str).unique())
    # the years of each (metric, council), gathered in one pass rather than searched for per cell
    years_of: dict[tuple, set] = {}
    for metric, council, year in zip(rows["metric"], rows["council"], rows["year"].astype(str)):
        years_of.setdefault((metric, council), set()).add(year)
    out = []
    for metric in metric_ids:
        record = {"Metric": metric, "Description": describe(metric, defs)}
        for cid, name in zip(ids, names):
            record[name] = ", ".join(sorted(years_of.get((metric, cid), ()), key=year_key))
        out.append(record)
    return pd.DataFrame(out, columns=["Metric", "Description", *names])


def publication_matrix_year(metrics: pd.DataFrame, councils: Mapping, year: str, defs=None) -> pd.DataFrame:
    """The matrix for one year: a tick where the council publishes the metric, blank otherwise.
    Only metrics someone publishes that year are listed."""
    rows = cmp.published_rows(metrics)
    rows = rows[rows["year"].astype(str) == str(year)]
    ids = list(councils) or sorted(rows["council"].astype(str).unique())
    names = [short_name(c, councils) for c in ids]
    publishing: dict[str, set] = {}
    for metric, council in zip(rows["metric"], rows["council"].astype(str)):
        publishing.setdefault(metric, set()).add(council)
    out = []
    for metric in sorted(rows["metric"].astype(str).unique()):
        have = publishing.get(metric, set())
        record = {"Metric": metric, "Description": describe(metric, defs)}
        record.update({name: (TICK if cid in have else "") for cid, name in zip(ids, names)})
        out.append(record)
    return pd.DataFrame(out, columns=["Metric", "Description", *names])


def _draw_band(ax, band: dict, scale: float) -> None:
    ax.axhspan(
        band["low"] * scale,
        band["high"] * scale,
        facecolor="#bbbbbb",
        alpha=0.35,
        zorder=0,
        linewidth=0,
        hatch="//",
        edgecolor="#999999",
        label=_plain(_wrap(band_label(band), 70)),
    )


def side_by_side_chart(
    metrics: pd.DataFrame,
    year: str,
    metric: str,
    defs=None,
    title: str | None = None,
    reference_band: dict | None = None,
) -> Chart | None:
    """One point per council with its 95% interval, on one axis. None with fewer than two councils;
    ValueError (the comparability rule) when their definitions differ."""
    band = check_band(metric, reference_band)
    cmp.require_comparable(metrics, year, metric, defs)
    data = cmp.side_by_side(metrics, year, metric, defs)
    data = data[data["value"].notna()].reset_index(drop=True)
    if len(data) < 2:
        return None
    kind = str(data["kind"].iloc[0])
    label = describe(metric, defs)
    title = title or f"{label}, {year}: councils side by side"
    fmt = "percent" if kind == "proportion" else "number"
    scale = 100.0 if kind == "proportion" else 1000.0 if kind == "rate" else 1.0
    tscale = 1000.0 if kind == "rate" else 1.0
    value_name = f"{label} per 1,000" if kind == "rate" else label
    table = pd.DataFrame(
        {
            "Council": data["short_name"],
            value_name: data["value"] * tscale,
            "Number": data["numerator"],
            "Out of": data["denominator"],
            CI_LOW: data["ci_low"] * tscale,
            CI_HIGH: data["ci_high"] * tscale,
            "Small numbers": [SMALL_NOTE if s else "" for s in data["small_numbers"]],
        }
    )
    formats = {
        "Council": "text",
        value_name: fmt,
        "Number": "number",
        "Out of": "number",
        CI_LOW: fmt,
        CI_HIGH: fmt,
        "Small numbers": "text",
    }
    if kind not in ("proportion", "rate"):
        table = table.drop(columns=["Out of", "Number"])  # a count's number is its value
    table, formats = without_empty_columns(table, formats)
    n = len(data)
    with matplotlib.rc_context(_RC):
        fig = _new_figure(7.2, 1.6 + 0.6 * n)
        ax = fig.add_subplot()
        ax.grid(axis="x", color="#dddddd")
        ax.grid(axis="y", visible=False)
        if band:
            ax.axvspan(
                band["low"] * scale,
                band["high"] * scale,
                color="#bbbbbb",
                alpha=0.35,
                zorder=0,
                linewidth=0,
                label=_plain(_wrap(band_label(band), 70)),
            )
        for i, row in data.iterrows():
            colour, marker = palette()[i % len(palette())], MARKERS[i % len(MARKERS)]
            v = row["value"] * scale
            has_ci = pd.notna(row["ci_low"]) and pd.notna(row["ci_high"])
            if has_ci:
                ax.errorbar(
                    [v],
                    [i],
                    xerr=[[max(v - row["ci_low"] * scale, 0)], [max(row["ci_high"] * scale - v, 0)]],
                    fmt="none",
                    ecolor=colour,
                    elinewidth=1.6,
                    capsize=5,
                    zorder=2,
                )
            ax.plot(
                [v],
                [i],
                marker=marker,
                markersize=9,
                color=colour,
                linestyle="none",
                zorder=3,
                markerfacecolor=colour if has_ci else "white",
                markeredgewidth=2,
            )
            ax.annotate(
                format_cell(row["value"] * tscale, fmt),
                (v, i),
                xytext=(0, 9),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=11,
                fontweight="bold",
            )
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
        png, svg = _images(fig)
    values = _join(
        [
            f"{r['short_name']} {format_value(r['value'], kind)}"
            + (
                f" (95% interval {numbers.interval(r['ci_low'], r['ci_high'], kind)})"
                if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"])
                else ""
            )
            for _, r in data.iterrows()
        ]
    )
    alt = [f"Chart: {label}, {year}, one point per council: {values}."]
    flagged = list(data.loc[data["small_numbers"], "short_name"])
    if flagged:
        alt.append(f"Small numbers, so a wide interval: {_join(flagged)}.")
    if band:
        alt.append(f"Shaded: {band_label(band)}.")
    return Chart(title=title, alt=" ".join(alt), table=table, png=png, formats=formats, svg=svg)


def funnel_chart(
    metrics: pd.DataFrame,
    year: str,
    metric: str,
    defs=None,
    title: str | None = None,
    reference_band: dict | None = None,
) -> Chart | None:
    """Funnel plot: x = denominator, y = proportion, the pooled proportion with its 95% (dashed)
    and 99.8% (dotted) limits, one labelled point per council (colour and marker). None with fewer
    than two councils. `reference_band` ({low, high, label}, see reference_band_from_figures) is
    drawn as a shaded band, and only on 20-working-day timeliness metrics (ValueError otherwise)."""
    band = check_band(metric, reference_band)
    data = cmp.funnel_data(metrics, year, metric, defs)
    if len(data) < 2:
        return None
    label = describe(metric, defs)
    title = title or f"{label}, {year}: funnel plot"
    p0 = float(data["p0"].iloc[0])
    n_max = int(data["n"].max())
    grid = np.unique(np.linspace(1, max(n_max * 1.25, 20), 300).round().astype(int))
    lim = cmp.funnel_limits_two_sided(p0, grid)
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
            ax.annotate(
                _plain(f"{row['short_name']} {format_cell(row['p'], 'percent')}"),
                (row["n"], row["p"] * 100),
                xytext=(7, 4),
                textcoords="offset points",
                fontsize=11,
                color="#222222",
            )
        ax.set_ylim(0, 100)
        ax.set_xlim(0, grid.max())
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        ax.set_xlabel("Denominator (number of complaints the share is of)")
        ax.set_ylabel(_wrap(f"{label} (%)", 40))
        ax.set_title(_wrap(title, 60), loc="left")
        fig.draw_without_rendering()
        legend = ax.legend(loc="upper left", bbox_to_anchor=(0, -0.18), frameon=False, ncol=1)
        _footnote(fig, ax, ["Exact binomial limits around the pooled proportion (Spiegelhalter 2005)."], below=legend)
        png, svg = _images(fig)
    table = pd.DataFrame(
        {
            "Council": data["short_name"],
            "Number": data["k"],
            "Out of": data["n"],
            "Share": data["p"],
            "Pooled": data["p0"],
            "95% lower": data["lower_95"],
            "95% upper": data["upper_95"],
            "99.8% lower": data["lower_99_8"],
            "99.8% upper": data["upper_99_8"],
            "Position": [POSITION_WORDS[p] for p in data["position"]],
        }
    )
    formats = {
        "Council": "text",
        "Number": "number",
        "Out of": "number",
        "Share": "percent",
        "Pooled": "percent",
        "95% lower": "percent",
        "95% upper": "percent",
        "99.8% lower": "percent",
        "99.8% upper": "percent",
        "Position": "text",
    }
    points = _join(
        [
            f"{r['short_name']} {format_cell(r['p'], 'percent')} ({numbers.count(r['k'])} of "
            f"{numbers.count(r['n'])}), "
            f"{POSITION_WORDS[r['position']]}"
            for _, r in data.iterrows()
        ]
    )
    alt = [
        f"Funnel plot: {label}, {year}, against the number of complaints it is of. Pooled proportion "
        f"{format_cell(p0, 'percent')}, with 95% and 99.8% limits that narrow as the number grows. {points}."
    ]
    if band:
        alt.append(f"Shaded: {band_label(band)}.")
    return Chart(title=title, alt=" ".join(alt), table=table, png=png, formats=formats, svg=svg)


def sentences(metrics: pd.DataFrame, year: str, defs) -> list[str]:
    """Plain-English sentences (plain text) for the benchmark report of `year`: who publishes,
    which measures can be compared and which cannot and why, small numbers, and, for comparable
    proportions, where each council lies on the funnel plot. "Chance" words only for the funnel."""
    councils = councils_of(defs)
    rows = cmp.published_rows(metrics)
    rows = rows[rows["year"].astype(str) == str(year)]
    present = sorted(rows["council"].astype(str).unique())
    names = [short_name(c, councils) for c in present]
    if len(present) == 0:
        return [f"No council publishes figures for {year}, so there is nothing to compare."]
    if len(present) == 1:
        return [
            (
                f"Only one council, {names[0]}, publishes figures for {year}, so there is no other "
                "council to compare it with."
            )
        ]
    out = [f"{_join(names)} publish figures for {year}."]
    table = cmp.comparability(rows, year, defs)
    if len(table) == 0:
        out.append("No measure is published by more than one of them, so nothing can be compared.")
        return out
    same = table[table["comparable"]]
    differ = table[~table["comparable"]]
    if len(same):
        out.append(
            "Measures published on the same definition, so they can be set side by side: "
            + "; ".join(
                f"{_lower_first(describe(r['metric'], defs))} "
                f"({_join([short_name(c, councils) for c in r['councils']])})"
                for _, r in same.iterrows()
            )
            + "."
        )
    else:
        out.append("No measure is published by two councils on the same definition.")
    for _, r in differ.iterrows():
        out.append(
            f"{describe(r['metric'], defs)} cannot be compared. {reason(r['judgement'], defs)} It is shown in a "
            "table, each council's figure with its definition, and not on one chart."
        )
    flagged = []
    for metric in table["metric"]:
        sbs = cmp.side_by_side(rows, year, metric, defs)
        for _, s in sbs[sbs["small_numbers"]].iterrows():
            flagged.append(f"{s['short_name']} ({_lower_first(describe(metric, defs))})")
    if flagged:
        out.append(f"Small numbers, so wide intervals: {_join(flagged)}.")
    for _, r in same.iterrows():
        f = cmp.funnel_data(rows, year, r["metric"], defs)
        if len(f) < 2:
            continue
        p0 = format_cell(float(f["p0"].iloc[0]), "percent")
        for _, c in f.iterrows():
            where = (
                "differs from the pooled figure by more than chance would explain"
                if not c["within_99_8"]
                else "is within what chance would produce"
            )
            out.append(
                f"{_lower_first(describe(r['metric'], defs)).capitalize()}: {c['short_name']}'s "
                f"{format_cell(c['p'], 'percent')} ({numbers.count(c['k'])} of {numbers.count(c['n'])}) {where}, "
                f"against the pooled {p0} ({POSITION_WORDS[c['position']]} of the funnel plot)."
            )
    return out


def without_empty_columns(table: pd.DataFrame, formats: dict | None = None, keep=()):
    """The table without the columns that are empty in every row (no value, '' or '–'), so that a
    table never shows a column with nothing in it. With `formats`, returns (table, formats)."""

    def empty(value) -> bool:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return True
        return isinstance(value, str) and value.strip() in ("", numbers.MISSING)

    drop = [c for c in table.columns if c not in keep and len(table) and all(empty(v) for v in table[c])]
    table = table.drop(columns=drop)
    if formats is None:
        return table
    return table, {c: f for c, f in formats.items() if c in table.columns}


def per_10000(x) -> str:
    """A count per 10,000 children: one decimal place (a whole number from 100 up)."""
    v = numbers.as_float(x)
    if v is None:
        return numbers.MISSING
    return numbers.number(v, 1, drop_zero=False) if abs(v) < 100 else numbers.number(v, 0)


def per_10000_interval(low, high) -> str:
    """Its 95% interval, '5.0 to 9.0' ('' when there is none)."""
    if numbers.as_float(low) is None or numbers.as_float(high) is None:
        return ""
    return f"{per_10000(low)} to {per_10000(high)}"


def _estimates(table: pd.DataFrame) -> str:
    """The population estimates behind a per-children table, named once each."""
    groups: dict[tuple[str, str], list[str]] = {}
    for _, r in table.iterrows():
        groups.setdefault((str(r["population_source"]), str(r["population_year"])), []).append(str(r["short_name"]))
    if len(groups) == 1:
        (source, year), _ = next(iter(groups.items()))
        return f"The numbers of children are from {source} ({year})."
    return (
        "The numbers of children are from "
        + "; ".join(f"{source} ({year}) for {_join(names)}" for (source, year), names in groups.items())
        + "."
    )


def size_sentences(table: pd.DataFrame, label: str, year: str) -> list[str]:
    """Counts per 10,000 children in words, from comparability.per_children: each council's figure
    with its interval, the estimates they rest on, and the councils whose configuration gives no
    population (whose counts are not compared for size). Plain text: the templates escape it."""
    known = table[table["per_10000"].notna()]
    missing = list(table.loc[table["per_10000"].isna(), "short_name"])
    out = []
    if len(known) >= 2:
        figures = _join(
            [
                f"{r['short_name']} {per_10000(r['per_10000'])} (95% interval "
                f"{per_10000_interval(r['ci_low'], r['ci_high'])}; {numbers.count(r['count'])} among "
                f"{numbers.count(r['children_0_17'])} children)"
                for _, r in known.iterrows()
            ]
        )
        out.append(f"{label} per 10,000 children aged 0 to 17 in {year}: {figures}.")
        out.append(_estimates(known))
        if known["population_year"].nunique() > 1:
            out.append(
                "The estimates are for different dates, so the councils' figures are set against populations "
                "of different years."
            )
    elif len(known) == 1:
        only = known["short_name"].iloc[0]
        out.append(
            f"Only {_possessive(only)} configuration gives its number of children, so {_lower_first(label)} "
            "is not compared for council size."
        )
        return out
    if len(missing) == 1:
        out.append(
            f"{_possessive(missing[0])} configuration gives no number of children, so its figure is not "
            "compared for council size."
        )
    elif missing:
        out.append(
            f"The configurations of {_join(missing)} give no number of children, so their figures are not "
            "compared for council size."
        )
    return out


def join(items) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return _join(list(items))
