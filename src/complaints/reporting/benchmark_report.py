"""The benchmarking report: what each section of notebooks/benchmark_report.ipynb shows.

Councils side by side for one year, from published figures only (synthetic records are never
benchmarked). complaints.analysis.comparability decides what can be compared; this module presents it.

The public version (`public=True`) shows the figures after disclosure control
(complaints.analysis.disclosure, through complaints.reporting.public, so it withholds exactly what the
council reports withhold): which councils publish what, and what can be compared, is judged on every
published figure; the tables, charts and sentences show only what is not withheld, a withheld figure
as "fewer than 5" or "[c]", and a council whose figure is withheld is left off the charts (and out of
a funnel plot's pooled proportion), with a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..analysis import comparability as benchmark
from ..analysis import disclosure
from ..inputs.definitions import Definitions, load_definitions
from ..inputs.paths import Paths, default_paths
from . import charts, comparisons, narrative, numbers
from .html import HtmlSections, frame_table, git_commit, hashes_block, run_time
from .public import protect_outputs
from .templating import Part, figure, heading, none, paragraph, table

SECTIONS = [
    "title",
    "compared",
    "side_by_side",
    "size",
    "funnel",
    "contacts",
    "trends",
    "reference",
    "methods",
    "provenance",
]
TIMELINESS_20 = ("statutory_within_20wd_rate", "corporate_within_20wd_rate", "complaints_within_20wd_rate")
PER_CONTACT = ("complaints_per_contact_rate", "statutory_per_contact_rate")
# at most this many councils on a chart of councils side by side (one labelled row each): beyond it the table
# gives the figures, in council order, and the funnel plot shows every council (issue 15: national scale)
MAX_CHART_COUNCILS = 20
NO_POPULATION = "No council's configuration gives its number of children, so counts are not compared for council size."


def _table(frame: pd.DataFrame, caption: str, numeric: tuple[str, ...] = (), notes=()) -> dict:
    """A table block without the columns that are empty in every row, with notes under it."""
    shown = comparisons.without_empty_columns(frame)
    t = frame_table(shown, caption, numeric=tuple(c for c in numeric if c in shown.columns))
    t.notes = list(notes)
    return table(t)


@dataclass
class BenchmarkReport(HtmlSections):
    SECTIONS = tuple(SECTIONS)
    year: str
    defs: Definitions
    paths: Paths
    metrics: pd.DataFrame  # published rows of the councils in this report, every year (withheld: NaN, marked)
    figures: pd.DataFrame
    public: bool = False
    published: pd.DataFrame | None = None  # the same rows before disclosure control: who publishes what

    @property
    def structure(self) -> pd.DataFrame:
        """Every published figure, to judge who publishes what and what can be compared (never shown)."""
        return self.metrics if self.published is None else self.published

    @property
    def councils(self) -> dict:
        ids = sorted(self.structure["council"].unique())
        return {c: self.defs.councils[c] for c in ids if c in self.defs.councils}

    def withheld(self, metric: str, year: str | None = None) -> pd.DataFrame:
        """The rows of `metric` in `year` that the public version withholds (none when not public)."""
        m = self.metrics
        if "suppressed" not in m.columns:
            return m.iloc[:0]
        year = self.year if year is None else year
        return m[(m["metric"] == metric) & (m["year"].astype(str) == str(year)) & (m["suppressed"].fillna("") != "")]

    def withheld_note(self, metric: str, where: str) -> list[dict]:
        """A sentence naming the councils left off a chart because their figure is withheld."""
        rows = self.withheld(metric)
        if not len(rows):
            return []
        names = comparisons.join(sorted(self.name(c) for c in rows["council"]))
        return [paragraph(f"Not {where}: {names}, whose figure is withheld in this public version (small numbers).")]

    def name(self, council: str) -> str:
        return self.defs.councils[council].short_name if council in self.defs.councils else council

    def label(self, metric: str) -> str:
        return self.defs.metrics.at[metric, "description"] if metric in self.defs.metrics.index else metric

    def kind(self, metric: str) -> str:
        return str(self.defs.metrics.at[metric, "kind"]) if metric in self.defs.metrics.index else ""

    def comparisons(self, year: str | None = None) -> pd.DataFrame:
        """What can be compared in `year` (this report's by default): comparability.comparability, worked
        out once per year (the sections ask for it once per measure)."""
        year = self.year if year is None else str(year)
        known = self.__dict__.setdefault("_comparisons", {})
        if year not in known:
            known[year] = benchmark.comparability(self.structure, year, self.defs)
        return known[year]

    def comparable_metrics(self) -> list[str]:
        table = self.comparisons()
        return list(table.loc[table["comparable"], "metric"]) if len(table) else []

    def differing_metrics(self) -> list[str]:
        """Published by two councils or more on different definitions, other than the rates per contact
        of s_contacts (shown there with each council's definition of a contact)."""
        table = self.comparisons()
        if not len(table):
            return []
        differs = table["differs"].isin(["numerator", "denominator", "contacts"]) & ~table["metric"].isin(PER_CONTACT)
        return list(table.loc[differs, "metric"])

    # ------------------------------------------------------------------ the reference band
    def band(self, metric: str) -> dict | None:
        """The regional reference band, for the charts of a share answered within 20 working days only."""
        return benchmark.reference_band_from_figures(self.figures) if metric in TIMELINESS_20 else None

    def band_drawn_on(self) -> dict[str, list[str]]:
        """{metric: the charts of this report the reference band is drawn on}: the same conditions as
        s_side_by_side and s_funnel, so that s_reference says what is actually drawn."""
        out: dict[str, list[str]] = {}
        for metric in self.comparable_metrics():
            if self.band(metric) is None:
                continue
            charts_ = []
            rows = benchmark.side_by_side(self.metrics, self.year, metric, self.defs)
            if 2 <= rows["value"].notna().sum() <= MAX_CHART_COUNCILS:
                charts_.append("the chart of councils side by side")
            if (
                self.kind(metric) == "proportion"
                and len(benchmark.funnel_data(self.metrics, self.year, metric, self.defs)) >= 2
            ):
                charts_.append("the funnel plot")
            if charts_:
                out[metric] = charts_
        return out

    # ------------------------------------------------------------------ sections
    def p_title(self) -> Part:
        this_year = sorted(self.structure.loc[self.structure["year"] == self.year, "council"].unique())
        names = ", ".join(self.name(c) for c in this_year) or "no council"
        lede = [
            f"Figures published by {names}, set side by side only where they follow the same definition. "
            "Councils define and count complaints, contacts and timeliness differently; a figure that means "
            "something different in two councils is shown in a table with its definition, never on one axis."
        ]
        if self.public:
            lede.append(PUBLIC_NOTE)
        return Part(
            kind="title",
            index="../../index.html",
            title=f"Complaints to children's services: councils side by side, {self.year}",
            lede=lede,
        )

    def p_compared(self) -> Part:
        items = [paragraph(s) for s in comparisons.sentences(self.metrics, self.year, self.defs)]
        if self.public:
            withheld = self.metrics[
                (self.metrics["year"].astype(str) == self.year) & (self.metrics["suppressed"].fillna("") != "")
            ]
            if len(withheld):
                listed = comparisons.join(
                    [
                        f"{self.name(r['council'])} ({_lower_first(self.label(r['metric']))})"
                        for _, r in withheld.sort_values(["council", "metric"]).iterrows()
                    ]
                )
                items.append(paragraph(f"Withheld in this public version (small numbers): {listed}."))
        table_ = self.comparisons()
        if len(table_):
            shown = pd.DataFrame(
                {
                    "Measure": [self.label(m) for m in table_["metric"]],
                    "Councils": [", ".join(self.name(c) for c in ids) for ids in table_["councils"]],
                    "Can they be compared?": ["yes" if c else "no" for c in table_["comparable"]],
                    "Why": [comparisons.reason(j, self.defs) for j in table_["judgement"]],
                }
            )
            items.append(_table(shown, f"Measures published by more than one council in {self.year}"))
        matrix = comparisons.publication_matrix_year(self.structure, self.councils, self.year, self.defs)
        if len(matrix):
            items += [
                heading("Who publishes what"),
                _table(
                    _readable_matrix(matrix, self.defs),
                    f"Measures each council publishes for {self.year}",
                    notes=[f"{comparisons.TICK}: published for {self.year}."],
                ),
            ]
        full = comparisons.publication_matrix(self.structure, self.councils, self.defs)
        if len(full):
            items.append(
                _table(_readable_matrix(full, self.defs), "Years for which each council publishes each measure")
            )
        return Part(items, heading_text="What can be compared", anchor="compared")

    def _figures_table(self, metric: str, definitions: bool) -> dict:
        rows = benchmark.side_by_side(self.metrics, self.year, metric, self.defs)
        frame = pd.DataFrame(
            {
                "Council": rows["short_name"],
                str(self.year): [numbers.value(v, k) for v, k in zip(rows["value"], rows["kind"])],
                "95% confidence interval": [narrative.format_interval(r) for _, r in rows.iterrows()],
                "What the figure is": [comparisons.definition_words(r, self.defs) for _, r in rows.iterrows()]
                if definitions
                else "",
                "Small numbers": ["yes: wide interval" if s else "" for s in rows["small_numbers"]],
            }
        )
        withheld = self.withheld(metric)
        if len(withheld):  # the public version: in the table with their mark, in council order
            marked = pd.DataFrame(
                {
                    "Council": [self.name(c) for c in withheld["council"]],
                    str(self.year): [narrative.row_value(r) for _, r in withheld.iterrows()],
                    "95% confidence interval": numbers.WITHHELD_CELL,
                    "What the figure is": [comparisons.definition_words(r, self.defs) for _, r in withheld.iterrows()]
                    if definitions
                    else "",
                    "Small numbers": "",
                    "_council": withheld["council"].to_numpy(),
                }
            )
            frame["_council"] = rows["council"].to_numpy()
            frame = pd.concat([frame, marked], ignore_index=True).sort_values("_council", kind="stable")
            frame = frame.drop(columns="_council").reset_index(drop=True)
        caption = f"{self.label(metric)}, {self.year}" + (": each council with its definition" if definitions else "")
        return _table(frame, caption, numeric=(str(self.year), "95% confidence interval"))

    def p_side_by_side(self) -> Part:
        items = []
        metrics = self.comparable_metrics()
        if not metrics:
            items.append(none(f"No measure is published with the same definition by two councils for {self.year}."))
        for metric in metrics:
            judgement = self.comparisons().set_index("metric").at[metric, "judgement"]
            items += [
                heading(self.label(metric)),
                paragraph(comparisons.reason(judgement, self.defs)),
                self._figures_table(metric, definitions=False),
            ]
            shown = benchmark.side_by_side(self.metrics, self.year, metric, self.defs)["value"].notna().sum()
            if shown > MAX_CHART_COUNCILS:
                items.append(
                    paragraph(
                        f"{shown} councils publish it: too many for a chart with a row for each, so the table above "
                        "gives their figures"
                        + (", and the funnel plot below shows them all." if self.kind(metric) == "proportion" else ".")
                    )
                )
                continue
            chart = comparisons.side_by_side_chart(
                self.metrics, self.year, metric, self.defs, reference_band=self.band(metric)
            )
            if chart is not None:
                items.append(figure(charts.figure_view(chart)))
                items += self.withheld_note(metric, "on the chart")
        differing = self.differing_metrics()
        if differing:
            items.append(
                paragraph(
                    "Published by more than one council, but on different definitions: each council's figure "
                    "with its definition, not on one chart."
                )
            )
            table_ = self.comparisons().set_index("metric")
            for metric in differing:
                items += [
                    heading(self.label(metric)),
                    paragraph(comparisons.reason(table_.at[metric, "judgement"], self.defs)),
                    self._figures_table(metric, definitions=True),
                ]
        return Part(items, heading_text="Side by side", anchor="side_by_side")

    def p_size(self) -> Part:
        counts = [m for m in self.comparable_metrics() if self.kind(m) == "count"]
        publishing = sorted(self.metrics.loc[self.metrics["year"] == self.year, "council"].unique())
        with_population = [c for c in publishing if getattr(self.defs.councils.get(c), "population", None)]
        items = []
        if not any(getattr(c, "population", None) for c in self.defs.councils.values()):
            items.append(paragraph(NO_POPULATION))
        elif not with_population:
            names = [self.name(c) for c in publishing]
            items.append(
                paragraph(
                    f"{'Neither' if len(names) == 2 else 'None'} of the councils publishing for {self.year} "
                    f"({comparisons.join(names)}) gives its number of children in its configuration, so counts are "
                    "not compared for council size."
                )
            )
        elif not counts:
            items.append(
                none(
                    f"No count is published with the same definition by two councils for {self.year}, so no count "
                    "is compared for council size."
                )
            )
        else:
            items.append(
                paragraph(
                    "A council with more children can expect more complaints. Where a council's configuration gives "
                    "the number of children aged 0 to 17 in its area, from a named official estimate, its count is "
                    "also given per 10,000 children, with an exact 95% interval."
                )
            )
        for metric in counts if with_population else []:
            data = benchmark.per_children(self.metrics, self.year, metric, self.defs)
            label = self.label(metric)
            items.append(heading(f"{label} per 10,000 children"))
            items += self.withheld_note(metric, "compared for size")
            items += [paragraph(s) for s in comparisons.size_sentences(data, label, self.year)]
            known = data[data["per_10000"].notna()]
            if len(known) < 2:
                continue
            frame = pd.DataFrame(
                {
                    "Council": known["short_name"],
                    label: [numbers.value(v, "count") for v in known["count"]],
                    "Children aged 0 to 17": [numbers.count(v) for v in known["children_0_17"]],
                    "Population estimate": [
                        f"{s} ({y})" for s, y in zip(known["population_source"], known["population_year"])
                    ],
                    "Per 10,000 children": [comparisons.per_10000(v) for v in known["per_10000"]],
                    "95% confidence interval": [
                        comparisons.per_10000_interval(lo, hi) for lo, hi in zip(known["ci_low"], known["ci_high"])
                    ],
                    "Small numbers": ["yes: wide interval" if s else "" for s in known["small_numbers"]],
                }
            )
            items.append(
                _table(
                    frame,
                    f"{label} per 10,000 children aged 0 to 17, {self.year}",
                    numeric=(label, "Children aged 0 to 17", "Per 10,000 children", "95% confidence interval"),
                    notes=[
                        "95% intervals: exact Poisson (Garwood) intervals of the count, divided by the number of "
                        "children (taken as known exactly)."
                    ],
                )
            )
        return Part(items, heading_text="Council size: per 10,000 children", anchor="size")

    def p_funnel(self) -> Part:
        items = []
        proportions = [m for m in self.comparable_metrics() if self.kind(m) == "proportion"]
        for metric in proportions:
            chart = comparisons.funnel_chart(
                self.metrics, self.year, metric, self.defs, reference_band=self.band(metric)
            )
            if chart is not None:
                items += [heading(self.label(metric)), figure(charts.figure_view(chart))]
                items += self.withheld_note(metric, "in the funnel plot or its pooled proportion")
        if not items:
            items.append(
                none(
                    "No proportion (such as timeliness or the upheld share) is published with the same definition "
                    f"by two councils for {self.year}, so no funnel plot can be drawn."
                )
            )
        return Part(items, heading_text="Funnel plots", anchor="funnel")

    def p_contacts(self) -> Part:
        items = [
            paragraph(
                "Each council counts its contacts its own way, so these rates are shown with each "
                "definition and are not put on one axis."
            )
        ]
        rows = []
        for metric in PER_CONTACT:
            shown = benchmark.side_by_side(self.metrics, self.year, metric, self.defs)
            shown = shown.assign(text=[numbers.value(v, k) for v, k in zip(shown["value"], shown["kind"])])
            withheld = self.withheld(metric)
            withheld = withheld.assign(
                short_name=[self.name(c) for c in withheld["council"]],
                text=[narrative.row_value(r) for _, r in withheld.iterrows()],
            )
            both = pd.concat([shown[["council", "short_name", "text"]], withheld[["council", "short_name", "text"]]])
            for _, r in both.sort_values("council", kind="stable").iterrows():
                council = self.defs.councils.get(r["council"])
                rows.append(
                    {
                        "Council": r["short_name"],
                        "Measure": self.label(metric),
                        str(self.year): r["text"],
                        "What counts as a contact": comparisons.contacts_definition_words(council),
                    }
                )
        if rows:
            items.append(_table(pd.DataFrame(rows), f"Complaints per contact, {self.year}", numeric=(str(self.year),)))
        else:
            items.append(none(f"No council publishes complaints and contacts for {self.year}."))
        return Part(items, heading_text="Complaints per contact", anchor="contacts")

    def _trend(self, metric: str) -> dict | None:
        trend = benchmark.trend_table(self.structure, metric, self.councils, self.defs)
        if not len(trend):
            return None
        kind = self.kind(metric)
        names = [c for c in trend.columns if c not in ("Year", "comparable")]
        shown = benchmark.trend_table(self.metrics, metric, self.councils, self.defs).set_index("Year")
        marks = {
            (str(r["year"]), self.name(r["council"])): narrative.row_value(r)
            for _, r in self.metrics[self.metrics["metric"] == metric].iterrows()
            if narrative.is_withheld(r)
        }
        frame = pd.DataFrame({"Year": trend["Year"]})
        for name in names:
            frame[name] = [
                marks.get((year, name))
                or (
                    numbers.value(shown.at[year, name], kind)
                    if year in shown.index and pd.notna(shown.at[year, name])
                    else numbers.MISSING
                )
                for year in trend["Year"]
            ]
        answers, why = [], {}
        for year, comparable, row in zip(trend["Year"], trend["comparable"], trend[names].itertuples(index=False)):
            if sum(pd.notna(v) for v in row) < 2:
                answers.append("only one council publishes it")
            elif comparable:
                answers.append("yes")
            else:
                answers.append("no: different definitions")
                judgement = self.comparisons(year).set_index("metric").at[metric, "judgement"]
                why.setdefault(comparisons.reason(judgement, self.defs), []).append(year)
        frame["Can they be compared?"] = answers
        names = [n for n in names if trend[n].notna().any()]  # only the councils that publish it
        frame = frame[["Year", *names, "Can they be compared?"]]
        notes = (
            [f"{numbers.MISSING}: not published for that year."]
            if (frame[names] == numbers.MISSING).any().any()
            else []
        )
        notes += [f"Not comparable in {comparisons.join(years)}: {text}" for text, years in why.items()]
        return _table(frame, f"{self.label(metric)} by year", numeric=tuple(names), notes=notes)

    def p_trends(self) -> Part:
        items = []
        shared = self.structure.groupby("metric")["council"].nunique()
        for metric in sorted(shared[shared >= 2].index, key=lambda m: _place(m, self.defs)):
            block = self._trend(metric)
            if block is not None:
                items += [heading(self.label(metric)), block]
        if not items:
            items.append(none("No measure is published by two councils in any year."))
        return Part(items, heading_text="Trends", anchor="trends")

    def p_reference(self) -> Part:
        band = benchmark.reference_band_from_figures(self.figures)
        if band is None:
            items = [none("No regional reference figures are published.")]
        else:
            drawn = {self.label(m): places for m, places in self.band_drawn_on().items()}
            items = [paragraph(comparisons.reference_words(band, drawn, self.year))]
        return Part(items, heading_text="A regional reference", anchor="reference")

    def p_methods(self) -> Part:
        text = BENCHMARK_METHODS.format(
            small_denominator=benchmark.SMALL_DENOMINATOR, small_count=benchmark.SMALL_COUNT
        )
        items = [paragraph(text)]
        if self.public:
            items.append(paragraph(PUBLIC_METHODS))
        return Part(items, heading_text="Data and methods", anchor="methods")

    def p_provenance(self) -> Part:
        files = [self.paths.metrics_definitions_file, self.paths.measures_file]
        files += [self.paths.councils / f"{c}.toml" for c in self.councils]
        return Part(
            [
                paragraph(
                    f"Run at {run_time()} from commit {git_commit()}, for {self.year}, from the rows of "
                    "metrics.csv with source 'published'."
                ),
                hashes_block(files, self.paths),
            ],
            heading_text="Appendix: provenance",
            anchor="provenance",
        )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _place(metric: str, defs: Definitions) -> tuple:
    """Where a metric comes in a council report: its section (data/definitions/sections.csv), then its
    order there. Measures are listed in this order, as readers of the council reports know them."""
    sections = list(defs.sections.index) if len(defs.sections) else []
    if metric not in defs.metrics.index:
        return (len(sections), float("inf"), metric)
    row = defs.metrics.loc[metric]
    where = sections.index(row["section"]) if row["section"] in sections else len(sections)
    return (where, float(row["order"] or 0), metric)


def _readable_matrix(matrix: pd.DataFrame, defs: Definitions) -> pd.DataFrame:
    """A publication matrix for reading: the measure's description, not its identifier, in report order."""
    order = sorted(range(len(matrix)), key=lambda i: _place(str(matrix["Metric"].iloc[i]), defs))
    return matrix.iloc[order].drop(columns=["Metric"]).rename(columns={"Description": "Measure"})


PUBLIC_NOTE = (
    f"This is the public version. Counts of 1 to {disclosure.THRESHOLD - 1} are shown as '{numbers.FEWER_THAN}', "
    f"and '{numbers.WITHHELD_CELL}' marks a figure left out so that such a count cannot be worked out from it (a "
    "share, an interval, a rate or another count); a council whose figure is withheld is left off the charts, "
    "and a note says so. The same figures are withheld as in the councils' own public reports."
)
PUBLIC_METHODS = (
    f"In this public version every count of 1 to {disclosure.THRESHOLD - 1}, and every figure from which one "
    "could be worked out, is withheld, as in the public version of each council's report (see the methods of "
    "those reports); the councils left off a chart are also left out of its pooled proportion and limits."
)
BENCHMARK_METHODS = (
    "Only figures councils published are compared; figures from complaint records (including the synthetic "
    "extracts this project ships) are not. Two councils' figures are compared only when they have the same metric, "
    "computed from the same numerator and denominator measures, and, for rates per contact, the same definition of "
    "a contact. Intervals are 95%: exact Poisson (Garwood) for counts and rates, Wilson for proportions. Where a "
    "council's configuration gives the number of children aged 0 to 17 in its area, with the official estimate it "
    "comes from, a count is also compared per 10,000 children, its interval the count's exact Poisson interval "
    "divided by the number of children; no number of children is assumed where none is given. Funnel plots show each "
    "council's proportion against its denominator with exact binomial 95% and 99.8% limits around the pooled "
    "proportion (Spiegelhalter 2005; upper limits from the same formula applied to the other outcome, so that a "
    "small council answering every complaint on time is not drawn as an outlier). A council outside the 99.8% "
    "limits differs from the pooled figure by more than chance would explain; when ten or more councils share a "
    "measure and vary more than chance allows, the limits are widened for it (Spiegelhalter 2005). Figures whose "
    "count is under {small_count}, or whose base is under {small_denominator}, are flagged as small numbers."
)


def load_benchmark(
    year: str, councils: str = "", data_dir: str = "", outputs_dir: str = "", public: bool = False
) -> BenchmarkReport:
    """The benchmarking report for one year, from the outputs of the main job (published figures only).
    public: the public version, with small numbers withheld as in the council reports."""
    paths = default_paths(data_dir or None, outputs_dir or None)
    defs = load_definitions(paths)
    every = pd.read_csv(paths.metrics_csv, dtype={"year": str, "prev_year": str})
    metrics = benchmark.published_rows(every)
    chosen = [c.strip() for c in str(councils).split(",") if c.strip()]
    unknown = [c for c in chosen if c not in defs.councils]
    if unknown:
        raise ValueError(f"unknown council(s) {', '.join(unknown)}; councils are {', '.join(sorted(defs.councils))}")
    if chosen:
        metrics = metrics[metrics["council"].isin(chosen)]
    figures = pd.read_csv(paths.figures_csv, dtype={"year": str, "category": str})
    published = None
    if public:  # every council's frames, as each council report protects them, then these rows
        protected = protect_outputs(paths, defs, every, figures)
        published, metrics = metrics, protected.metrics.loc[metrics.index]
    return BenchmarkReport(
        year=str(year),
        defs=defs,
        paths=paths,
        metrics=metrics.reset_index(drop=True),
        figures=figures,
        public=bool(public),
        published=None if published is None else published.reset_index(drop=True),
    )
