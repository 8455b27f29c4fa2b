"""The benchmarking report: what each section of notebooks/benchmark_report.ipynb shows.

Councils side by side for one year, from published figures only (synthetic records are never
benchmarked). complaints.analysis.comparability decides what can be compared; this module presents it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..analysis import comparability as benchmark
from ..inputs.definitions import Definitions, load_definitions
from ..inputs.paths import Paths, default_paths
from . import charts, comparisons, narrative
from .html import HtmlSections, git_commit, hashes_block, run_time, table_block
from .templating import figure, heading, none, paragraph, render, section

SECTIONS = ["title", "compared", "side_by_side", "funnel", "contacts", "trends", "reference", "methods", "provenance"]
TIMELINESS_20 = ("statutory_within_20wd_rate", "corporate_within_20wd_rate", "complaints_within_20wd_rate")


@dataclass
class BenchmarkReport(HtmlSections):
    SECTIONS = tuple(SECTIONS)
    year: str
    defs: Definitions
    paths: Paths
    metrics: pd.DataFrame  # published rows of the councils in this report, every year
    figures: pd.DataFrame

    @property
    def councils(self) -> dict:
        ids = sorted(self.metrics["council"].unique())
        return {c: self.defs.councils[c] for c in ids if c in self.defs.councils}

    def name(self, council: str) -> str:
        return self.defs.councils[council].short_name if council in self.defs.councils else council

    def label(self, metric: str) -> str:
        return self.defs.metrics.at[metric, "description"] if metric in self.defs.metrics.index else metric

    def comparisons(self) -> pd.DataFrame:
        return benchmark.comparability(self.metrics, self.year, self.defs)

    def comparable_metrics(self) -> list[str]:
        table = self.comparisons()
        return list(table.loc[table["comparable"], "metric"]) if len(table) else []

    # ------------------------------------------------------------------ sections
    def s_title(self) -> str:
        this_year = sorted(self.metrics.loc[self.metrics["year"] == self.year, "council"].unique())
        names = ", ".join(self.name(c) for c in this_year) or "no council"
        return render(
            "title.html.j2",
            css=_css(),
            index="../../index.html",
            banner="",
            title=f"Complaints to children's services: councils side by side, {self.year}",
            lede=[
                f"Figures published by {names}, set side by side only where they follow the same definition. "
                "Councils define and count complaints, contacts and timeliness differently; a figure that means "
                "something different in two councils is shown in a table with its definition, never on one axis."
            ],
        )

    def s_compared(self) -> str:
        items = [paragraph(s) for s in comparisons.sentences(self.metrics, self.year, self.defs)]
        table = self.comparisons()
        if len(table):
            shown = pd.DataFrame(
                {
                    "Measure": [self.label(m) for m in table["metric"]],
                    "Councils": [", ".join(self.name(c) for c in ids) for ids in table["councils"]],
                    "Comparable": ["yes" if c else "no" for c in table["comparable"]],
                    "Why": [comparisons.reason(j, self.defs) for j in table["judgement"]],
                }
            )
            items.append(table_block(shown, f"Measures published by more than one council in {self.year}"))
        matrix = comparisons.publication_matrix_year(self.metrics, self.councils, self.year, self.defs)
        if len(matrix):
            items += [
                heading("Who publishes what"),
                table_block(matrix, f"Measures each council publishes for {self.year}"),
            ]
        full = comparisons.publication_matrix(self.metrics, self.councils, self.defs)
        if len(full):
            items.append(table_block(full, "Years for which each council publishes each measure"))
        return section(items, heading_text="What can be compared", anchor="compared")

    def s_side_by_side(self) -> str:
        items = []
        metrics = self.comparable_metrics()
        if not metrics:
            items.append(none(f"No measure is published with the same definition by two councils for {self.year}."))
        for metric in metrics:
            rows = benchmark.side_by_side(self.metrics, self.year, metric, self.defs)
            table = pd.DataFrame(
                {
                    "Council": rows["short_name"],
                    str(self.year): [narrative.format_value(v, k) for v, k in zip(rows["value"], rows["kind"])],
                    "95% confidence interval": [narrative.format_interval(r) for _, r in rows.iterrows()],
                    "Small numbers": ["yes: wide interval" if s else "" for s in rows["small_numbers"]],
                }
            )
            items += [
                heading(self.label(metric)),
                table_block(table, f"{self.label(metric)}, {self.year}", numeric=(str(self.year),)),
            ]
            band = benchmark.reference_band_from_figures(self.figures) if metric in TIMELINESS_20 else None
            chart = comparisons.side_by_side_chart(self.metrics, self.year, metric, self.defs, reference_band=band)
            if chart is not None:
                items.append(figure(charts.figure_view(chart)))
        return section(items, heading_text="Side by side", anchor="side_by_side")

    def s_funnel(self) -> str:
        items = []
        proportions = [
            m
            for m in self.comparable_metrics()
            if m in self.defs.metrics.index and self.defs.metrics.at[m, "kind"] == "proportion"
        ]
        for metric in proportions:
            band = benchmark.reference_band_from_figures(self.figures) if metric in TIMELINESS_20 else None
            chart = comparisons.funnel_chart(self.metrics, self.year, metric, self.defs, reference_band=band)
            if chart is not None:
                items += [heading(self.label(metric)), figure(charts.figure_view(chart))]
        if not items:
            items.append(
                none(
                    "No proportion (such as timeliness or the upheld share) is published with the same definition "
                    f"by two councils for {self.year}, so no funnel plot can be drawn."
                )
            )
        return section(items, heading_text="Funnel plots", anchor="funnel")

    def s_contacts(self) -> str:
        items = [
            paragraph(
                "Each council counts its contacts its own way, so these rates are shown with each "
                "definition and are not put on one axis."
            )
        ]
        rows = []
        for metric in ("complaints_per_contact_rate", "statutory_per_contact_rate"):
            for _, r in benchmark.side_by_side(self.metrics, self.year, metric, self.defs).iterrows():
                council = self.defs.councils.get(r["council"])
                rows.append(
                    {
                        "Council": r["short_name"],
                        "Measure": self.label(metric),
                        str(self.year): narrative.format_value(r["value"], r["kind"]),
                        "What counts as a contact": council.contacts_definition if council else "",
                    }
                )
        if rows:
            items.append(table_block(pd.DataFrame(rows), f"Complaints per contact, {self.year}"))
        else:
            items.append(none(f"No council publishes complaints and contacts for {self.year}."))
        return section(items, heading_text="Complaints per contact", anchor="contacts")

    def s_trends(self) -> str:
        items = []
        shared = self.metrics.groupby("metric")["council"].nunique()
        for metric in shared[shared >= 2].index:
            table = benchmark.trend_table(self.metrics, metric, self.councils, self.defs)
            if len(table):
                items += [
                    heading(self.label(metric)),
                    table_block(table.astype(str).replace({"nan": "", "None": ""}), f"{self.label(metric)} by year"),
                ]
        if not items:
            items.append(none("No measure is published by two councils in any year."))
        return section(items, heading_text="Trends", anchor="trends")

    def s_reference(self) -> str:
        band = benchmark.reference_band_from_figures(self.figures)
        if band is None:
            items = [none("No regional reference figures are published.")]
        else:
            items = [
                paragraph(
                    f"{comparisons.band_label(band)}. It is drawn as a shaded band only on charts of "
                    "responses within 20 working days, and only as context: the councils, years and "
                    "definitions behind it are not stated."
                )
            ]
        return section(items, heading_text="A regional reference", anchor="reference")

    def s_methods(self) -> str:
        text = BENCHMARK_METHODS.format(
            small_denominator=benchmark.SMALL_DENOMINATOR, small_count=benchmark.SMALL_COUNT
        )
        return section([paragraph(text)], heading_text="Data and methods", anchor="methods")

    def s_provenance(self) -> str:
        files = [self.paths.metrics_definitions_file, self.paths.measures_file]
        files += [self.paths.councils / f"{c}.toml" for c in self.councils]
        return section(
            [
                paragraph(
                    f"Run at {run_time()} from commit {git_commit()}, for {self.year}, from the rows of "
                    "metrics.csv with source 'published'."
                ),
                hashes_block(files, self.paths),
            ],
            heading_text="Provenance",
            anchor="provenance",
        )


BENCHMARK_METHODS = (
    "Only figures councils published are compared; figures from complaint records (including the synthetic "
    "extracts this project ships) are not. Two councils' figures are compared only when they have the same metric, "
    "computed from the same numerator and denominator measures, and, for rates per contact, the same definition of "
    "a contact. Intervals are 95%: exact Poisson for counts, Wilson for proportions. Funnel plots show each "
    "council's proportion against its denominator with exact binomial 95% and 99.8% limits around the pooled "
    "proportion (Spiegelhalter 2005; upper limits from the same formula applied to the other outcome, so that a "
    "small council answering every complaint on time is not drawn as an outlier). A council outside the 99.8% "
    "limits differs from the pooled figure by more than chance would explain; when ten or more councils share a "
    "measure and vary more than chance allows, the limits are widened for it (Spiegelhalter 2005). Figures whose "
    "count is under {small_count}, or whose base is under {small_denominator}, are flagged as small numbers."
)


def _css() -> str:
    from .templating import css

    return css()


def load_benchmark(year: str, councils: str = "", data_dir: str = "", outputs_dir: str = "") -> BenchmarkReport:
    """The benchmarking report for one year, from the outputs of the main job (published figures only)."""
    paths = default_paths(data_dir or None, outputs_dir or None)
    defs = load_definitions(paths)
    metrics = pd.read_csv(paths.metrics_csv, dtype={"year": str, "prev_year": str})
    metrics = benchmark.published_rows(metrics)
    chosen = [c.strip() for c in str(councils).split(",") if c.strip()]
    unknown = [c for c in chosen if c not in defs.councils]
    if unknown:
        raise ValueError(f"unknown council(s) {', '.join(unknown)}; councils are {', '.join(sorted(defs.councils))}")
    if chosen:
        metrics = metrics[metrics["council"].isin(chosen)]
    figures = pd.read_csv(paths.figures_csv, dtype={"year": str, "category": str})
    return BenchmarkReport(
        year=str(year), defs=defs, paths=paths, metrics=metrics.reset_index(drop=True), figures=figures
    )
