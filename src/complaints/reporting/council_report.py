"""The council report: what each section of notebooks/council_report.ipynb shows.

The notebook calls `load_report(...)` and then `report.show(section)`, one line per section. The
report is declared as data, not code: data/definitions/sections.csv lists its sections (the content
the statutory guidance, "Getting the Best from Complaints" (2006), asks an annual report to cover),
and each metric and measure in data/definitions/ names the section it belongs to, its order there,
whether it may be a headline and its chart. A council's new measures land in their section with no
code change. The HTML comes from the templates in templates/ (autoescaped); this module builds the
blocks they render, from outputs/metrics.csv (every number in the prose), outputs/figures.csv
(breakdowns and parts), outputs/audit.csv and the council's configuration.

Two kinds of report come from it:
- `council`: what the council published (and, where a real extract is in data/private/, a section
  from the council's own records). No figure computed from a synthetic extract ever appears in it.
- `demonstration`: every section built from the shipped synthetic extract, with "synthetic" in its
  title, banner, every caption and every chart's alt text.

Order: the title, the summary (at most eight key messages and one table, "What changed and how sure
we are"), what the report covers, the guidance's sections, what the records add, the figures the
documents disagree on, and an appendix with the methods, the metric identifiers and the provenance.
Metric identifiers, file paths and hashes appear in the appendix only.

The public version (`public=True`) is built from the same frames after disclosure control
(complaints.analysis.disclosure): every table, chart, alt text and sentence comes from the withheld
frames, so a count of 1 to 4 shows as "fewer than 5" and a figure that would give one away as "[c]"
(or "withheld" in a sentence); the title page says so once.
"""

from __future__ import annotations

import functools
import importlib.metadata
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..analysis import disclosure, spc
from ..analysis.record_summaries import upheld_rates
from ..analysis.resolve import percentage_check
from ..inputs.definitions import Council, Definitions, load_definitions
from ..inputs.paths import Paths, default_paths
from ..inputs.published import load_learning, published_files
from ..inputs.years import financial_year
from . import charts, narrative, numbers, spc_charts
from .html import HtmlSections, file_sha256, git_commit, run_time
from .public import protect_outputs
from .templating import (
    Column,
    Part,
    Table,
    bullet_list,
    figure,
    heading,
    none,
    paragraph,
    quote,
    table,
)

KINDS = ("council", "demonstration")
MAX_MESSAGES = 8  # key messages in the summary
MIN_TREND_YEARS = 3  # a trend chart needs at least this many years: two are in the table already
MIN_SHARES = 3  # a chart of shares needs at least this many categories
FRONT = ("title", "summary", "coverage")
BACK = ("records", "disagreements", "appendix")
SYNTHETIC_TAG = "Synthetic data: "
# what cannot be said when a complaint extract has no such column (complaints.inputs.records.SCHEMA)
NOT_RECORDED = {
    "acknowledged": (
        "acknowledgement dates (whether complaints were acknowledged in time, and whether those under a clock that "
        "runs from the acknowledgement, such as the Complaint Handling Code's, were answered in time)"
    ),
    "extension_days": "how many working days extensions added (whether extensions stayed within the limit)",
    "extension_reason": "the reasons for extensions",
    "refusal_reason": "the reasons complaints were not accepted",
}


def _is(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _num(value) -> float | None:
    return numbers.as_float(value)


@dataclass
class Report(HtmlSections):
    council: Council
    year: str
    defs: Definitions
    paths: Paths
    kind: str  # council | demonstration
    metrics: pd.DataFrame  # the rows this report is built from (one source), this council, years up to `year`
    figures: pd.DataFrame  # the figures of that source, this council, years up to `year`
    published_figures: pd.DataFrame  # this council's published figures (for the records' agreement table)
    published_metrics: pd.DataFrame  # this council's published metrics (the same)
    audit: pd.DataFrame  # this council
    learning: pd.DataFrame  # this council
    records_metrics: pd.DataFrame = field(default_factory=pd.DataFrame)  # records rows this report may show
    records_figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    record_files: pd.DataFrame = field(default_factory=pd.DataFrame)  # the extracts behind records_*
    public: bool = False
    suppress_below: int = 0  # the public version's threshold: counts under it are withheld (0: not public)
    shown: set = field(default_factory=set)  # measures already shown in a section

    # ------------------------------------------------------------------ what it is
    @property
    def SECTIONS(self) -> tuple[str, ...]:
        return (*FRONT, *self.defs.sections.index, *BACK)

    @property
    def synthetic(self) -> bool:
        return self.kind == "demonstration"

    @property
    def name(self) -> str:
        return self.council.short_name

    @property
    def period(self) -> str:
        start = int(self.year[:4])
        return f"1 April {start} to 31 March {start + 1}"

    def caption(self, text: str) -> str:
        return SYNTHETIC_TAG + text if self.synthetic else text

    def label(self, metric_or_measure: str) -> str:
        for table_ in (self.defs.metrics, self.defs.measures):
            if metric_or_measure in table_.index:
                return str(table_.at[metric_or_measure, "description"])
        return metric_or_measure.replace("_", " ")

    def lower_label(self, key: str) -> str:
        text = self.label(key)
        return text[:1].lower() + text[1:] if text[1:2].islower() else text

    def trace(self, row: pd.Series) -> str:
        return f"{row['council']}/{row['year']}/{row['metric']}"

    # ------------------------------------------------------------------ lookups
    @functools.cached_property
    def _by_metric(self) -> dict[str, pd.DataFrame]:
        """metrics split by metric once (rows in their order): a report asks for a metric thousands of
        times, and filtering the whole frame each time was a fifth of building it."""
        return {str(m): rows for m, rows in self.metrics.groupby("metric", sort=False)}

    def row(self, metric: str) -> pd.Series | None:
        rows = self._by_metric.get(metric)
        if rows is None:
            return None
        rows = rows[rows["year"] == self.year]
        return rows.iloc[0] if len(rows) else None

    def series(self, metric: str) -> pd.DataFrame:
        rows = self._by_metric.get(metric)
        return self.metrics.iloc[:0] if rows is None else rows.sort_values("year")

    @functools.cached_property
    def _year_figures(self) -> pd.DataFrame:
        return self.figures[self.figures["year"] == self.year]

    def earlier(self, metric: str) -> pd.Series | None:
        """The latest published figure of `metric` before this year (for when the year before has none);
        a figure the public version withholds counts as published."""
        rows = self.series(metric)
        rows = rows[(rows["year"] < self.year) & (rows["value"].notna() | (numbers.marks(rows) != ""))]
        return rows.iloc[-1] if len(rows) else None

    def year_figures(self) -> pd.DataFrame:
        return self._year_figures.copy()

    def figure(self, measure: str) -> pd.Series | None:
        f = self._year_figures
        rows = f[(f["measure"] == measure) & (f["category"] == "")]
        return rows.iloc[0] if len(rows) else None

    def count_text(self, value, status: str = "") -> str:
        """A count for a table: "fewer than 5" or "[c]" where the public version withholds it."""
        if status:
            return numbers.withheld(status)
        v = _num(value)
        if v is None:
            return numbers.MISSING
        if self.suppress_below and 0 < v < self.suppress_below:  # never reached: disclosure withholds it
            return numbers.FEWER_THAN
        return numbers.count(v)

    def section_metrics(self, section_id: str) -> list[str]:
        m = self.defs.metrics
        ids = m.index[m["section"] == section_id]
        order = m.loc[ids, "order"].astype(float).sort_values(kind="stable")
        return [metric for metric in order.index if self.row(metric) is not None]

    def section_measures(self, section_id: str) -> list[str]:
        m = self.defs.measures
        ids = m.index[m["section"] == section_id]
        return list(m.loc[ids, "order"].astype(float).sort_values(kind="stable").index)

    def audit_problems(self) -> pd.DataFrame:
        a = self.audit
        return a[(a["year"] == self.year) & a["verdict"].isin(["mismatch", "contradiction"])]

    def words(self, text: str) -> str:
        """Text from the audit with measure identifiers replaced by their descriptions."""

        def swap(match: re.Match) -> str:
            key = match.group(0)
            return self.lower_label(key) if key in self.defs.measures.index else key

        return re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", swap, str(text))

    # ------------------------------------------------------------------ title and summary
    def p_title(self) -> Part:
        titles = self.defs.sources.loc[self.defs.sources["council"] == self.council.id]
        titles = titles[titles["report_year"] == self.year]["title"].tolist()
        if self.synthetic:
            title = f"Synthetic demonstration: complaints to children's services, {self.council.name}, {self.year}"
            banner = (
                "Every figure in this report is computed from SYNTHETIC complaint records: generated to "
                "match what the council published, to show what an analyst's own records add. None of them "
                "is a real complaint, and nothing here is a finding about the council."
            )
            lede = [
                f"Synthetic complaint records for {self.name}, {self.period}, analysed as the council's own "
                "records would be. Each change from the year before is tested for whether it is more than chance."
            ]
        else:
            title = f"Complaints to children's services: {self.council.name}, {self.year}"
            banner = ""
            documents = "; ".join(titles) if titles else "its published documents"
            lede = [
                f"What {self.council.name} published about complaints to its children's services for "
                f"{self.period} ({documents}). Each change from the year before is tested for whether it is "
                "more than chance."
            ]
        if self.public:
            lede.append(PUBLIC_NOTE)
        problems = len(self.audit_problems())
        if problems and not self.synthetic:
            lede.append(
                f"The council's documents disagree with their own figures in {problems} "
                f"place{'s' if problems != 1 else ''}: see 'Figures the documents disagree on'."
            )
        depth = 3 if self.synthetic else 2
        return Part(kind="title", title=title, banner=banner, lede=lede, index="../" * depth + "index.html")

    def headline_rows(self) -> list[pd.Series]:
        m = self.defs.metrics
        chosen = m[m["headline"] == "yes"].copy()
        chosen["section_order"] = chosen["section"].map(self.defs.sections["order"]).astype(float)
        chosen["order_"] = chosen["order"].astype(float)
        ordered = chosen.sort_values(["section_order", "order_"], kind="stable").index
        return [r for r in (self.row(metric) for metric in ordered) if r is not None]

    def key_messages(self) -> list[pd.Series]:
        """At most eight headline rows: first the changes the tests support (significant, not on small
        numbers, the same whichever published figure is right), largest first; then the other
        headline figures in the report's order (docs/methods.md, 'The summary')."""
        rows = self.headline_rows()
        supported = [r for r in rows if narrative.verdict_of(r, self.earlier(r["metric"])) in ("rise", "fall")]
        supported.sort(key=_size_of_change, reverse=True)
        rest = [r for r in rows if not any(r is s for s in supported)]
        return (supported + rest)[:MAX_MESSAGES]

    def p_summary(self) -> Part:
        items = []
        rows = self.key_messages()
        if not rows:
            items.append(none(f"{self.name} published no figure for {self.year} from which a headline can be drawn."))
        else:
            messages = []
            for r in rows:
                text = narrative.key_message(r, self.label(r["metric"]), self.earlier(r["metric"]))
                if (
                    _is(r.get("contested", False))
                    and narrative.verdict_of(r, self.earlier(r["metric"])) != "not_robust"
                ):
                    text += " The documents give more than one value for a figure behind this."
                messages.append(text)
            items.append(bullet_list(messages))
            items.append(table(self.changes_table()))
        return Part(
            items,
            heading_text=self.caption("Summary") if self.synthetic else "Summary",
            anchor="summary",
            extra_class="summary",
        )

    def changes_table(self) -> Table:
        rows, traces, notes = [], [], []
        for r in self.headline_rows():
            earlier = self.earlier(r["metric"])
            if narrative.is_withheld(r, "prev_suppressed"):
                mark = numbers.withheld(narrative.is_withheld(r, "prev_suppressed"), r["kind"])
                before = f"{mark} ({r['prev_year']})"
            elif _num(r["prev_value"]) is not None:
                before = f"{narrative.format_value(r['prev_value'], r['kind'])} ({r['prev_year']})"
            elif earlier is not None:
                before = f"{narrative.row_value(earlier)} ({earlier['year']})"
            else:
                before = numbers.MISSING
            contested = _is(r.get("contested", False))
            rows.append(
                [
                    self.label(r["metric"]) + (" *" if contested else ""),
                    narrative.row_value(r),
                    before,
                    _change_short(r),
                    narrative.verdict_phrase(r, earlier),
                ]
            )
            traces.append(self.trace(r))
            if contested and not notes:
                notes.append(
                    "* The documents give more than one value for a figure behind this: see 'Figures the "
                    "documents disagree on'."
                )
        notes.append(
            "'Statistically significant' means larger than chance (and, where the test allows for it, the "
            "usual variation from year to year) would produce, after allowing for the number of tests in "
            "this report. 'Too few to conclude from': the figures rest on small numbers."
        )
        return Table(
            self.caption(f"What changed and how sure we are, {self.name} {self.year}"),
            [
                Column("Measure"),
                Column(self.year, numeric=True),
                Column("Earlier", numeric=True),
                Column("Change"),
                Column("How sure we are"),
            ],
            rows,
            kind="changes",
            notes=notes,
            traces=traces,
        )

    @functools.cached_property
    def coverage(self) -> list[tuple[str, str, bool]]:
        """For each item of the guidance's list (data/definitions/sections.csv): the item, this
        report's section for it, and whether the section has anything to show this year."""
        return [
            (str(spec["guidance"]), str(spec["title"]), bool(self.section_content(sid, dry=True)))
            for sid, spec in self.defs.sections.iterrows()
        ]

    def contents(self) -> dict:
        """For the index: the title, the kind, and which of the guidance's sections have anything."""
        return {
            "title": self.part("title").title,
            "kind": self.kind,
            "synthetic": self.synthetic,
            "covered": [title for _item, title, covered in self.coverage if covered],
            "not_covered": [title for _item, title, covered in self.coverage if not covered],
        }

    def p_coverage(self) -> Part:
        rows = [
            [item, f"Yes: '{title}'" if covered else f"Not published for {self.year}"]
            for item, title, covered in self.coverage
        ]
        t = Table(
            self.caption(f"The guidance's list, and where this report covers each item for {self.year}"),
            [Column("What the statutory guidance asks an annual report to cover"), Column("In this report")],
            rows,
            kind="coverage",
            notes=["The guidance is 'Getting the Best from Complaints' (Department for Education and Skills, 2006)."],
        )
        return Part([table(t)], heading_text="What this report covers", anchor="coverage")

    # ------------------------------------------------------------------ the guidance's sections
    def build_part(self, name: str) -> Part:
        """A guidance section (data/definitions/sections.csv) or one of the report's own (p_<name>)."""
        return self.guidance_section(name) if name in self.defs.sections.index else getattr(self, f"p_{name}")()

    def guidance_section(self, section_id: str) -> Part:
        spec = self.defs.sections.loc[section_id]
        content = self.section_content(section_id)
        items = [paragraph(str(spec["intro"]))] if spec["intro"] else []
        items += content or [none(f"{self.name} published nothing about this for {self.year}.")]
        return Part(items, heading_text=str(spec["title"]), anchor=section_id)

    def section_content(self, section_id: str, dry: bool = False) -> list[dict]:
        """The blocks of one section: its metrics (a table and a sentence each), charts, the parts of a
        whole (outcomes...), breakdowns, the other figures of its measures and, for 'learning', the
        learning actions. With dry, whether there is anything (no charts drawn)."""
        items: list[dict] = []
        shown: set = set()
        metric_ids = self.section_metrics(section_id)
        if metric_ids:
            items += self.metric_blocks(metric_ids, section_id, shown, dry)
        for whole, partition, parts in self.parts_groups(section_id):
            items += self.parts_block(whole, partition, parts, shown, dry)
        for measure in self.section_measures(section_id):
            if self.defs.measures.at[measure, "by_category"] == "yes":
                items += self.breakdown_block(measure, shown, dry)
        items += self.other_figures(section_id, shown)
        last = section_id == self.defs.sections.index[-1] and "learning" not in self.defs.sections.index
        if (section_id == "learning" or last) and not self.synthetic:  # published actions, not records
            items += self.learning_block()
        if not dry:
            self.shown |= shown
        return items

    def metric_blocks(self, metric_ids: list[str], section_id: str, shown: set, dry: bool) -> list[dict]:
        rows = [self.row(m) for m in metric_ids]
        for r in rows:
            shown.add(r["numerator_measure"])
        if dry:
            return [paragraph("metrics")]
        proportions = all(r["kind"] == "proportion" for r in rows)
        kind = (
            "timeliness"
            if section_id == "timescales"
            else "outcomes"
            if proportions and section_id == "outcomes"
            else "metrics"
        )
        table_rows = [
            [
                self.label(r["metric"]),
                narrative.row_value(r),
                narrative.format_interval(r) or numbers.MISSING,
                narrative.verdict_phrase(r, self.earlier(r["metric"])),
            ]
            for r in rows
        ]
        bases: dict[str, list[str]] = {}
        for r in rows:
            den = r.get("denominator_measure")
            if r["kind"] == "proportion" and isinstance(den, str) and den:
                bases.setdefault(self.lower_label(den), []).append(self.lower_label(r["metric"]))
        if len(bases) == 1:
            notes = [f"The shares are of {next(iter(bases))}."]
        else:
            notes = (
                ["The shares are of: " + "; ".join(f"{base} ({', '.join(what)})" for base, what in bases.items()) + "."]
                if bases
                else []
            )
        t = Table(
            self.caption(f"{self.defs.sections.at[section_id, 'title']}: key figures, {self.name} {self.year}"),
            [
                Column("Measure"),
                Column(self.year, numeric=True, share=kind in ("timeliness", "outcomes")),
                Column("95% confidence interval", numeric=True),
                Column("What the change shows"),
            ],
            table_rows,
            kind=kind,
            notes=notes,
            traces=[self.trace(r) for r in rows],
        )
        items = [table(t)]
        for r in rows:  # a sentence where there is more to say than the table does
            earlier = self.earlier(r["metric"])
            if (
                narrative.verdict_of(r, earlier) not in ("no_earlier", "withheld")
                or _is(r.get("contested", False))
                or r.get("numerator_basis") == "from_percentage"
            ):
                items.append(
                    paragraph(narrative.change_sentence(r, self.label(r["metric"]), earlier), trace=self.trace(r))
                )
        items += self.metric_charts(metric_ids)
        return items

    def metric_charts(self, metric_ids: list[str]) -> list[dict]:
        out = []
        spec = self.defs.metrics
        timely = [m for m in metric_ids if spec.at[m, "chart"] == "timeliness"]
        for metric in metric_ids:
            if spec.at[metric, "chart"] != "trend":
                continue
            series = self.series(metric)
            if (series["value"].notna() | (numbers.marks(series) != "")).sum() < MIN_TREND_YEARS:
                continue
            drawn = charts.trend_chart(series, f"{self.label(metric)}, {self.name}", self.label(metric))
            if drawn is not None:
                out.append(figure(self.figure_view(drawn)))
        if timely:
            rows = self.metrics[self.metrics["metric"].isin(timely)]
            targets = {
                m: int(re.search(r"within_(\d+)wd", m).group(1)) for m in timely if re.search(r"within_(\d+)wd", m)
            }
            drawn = charts.timeliness_chart(
                rows[rows["metric"].isin(targets)], f"Responses within timescale, {self.name}", targets
            )
            if drawn is not None:
                out.append(figure(self.figure_view(drawn)))
        return out

    def figure_view(self, chart: charts.Chart) -> dict:
        if self.synthetic:
            chart.title = SYNTHETIC_TAG + chart.title
            chart.alt = "Synthetic data. " + chart.alt
        return charts.figure_view(chart)

    def parts_groups(self, section_id: str) -> list[tuple[str, str, list[str]]]:
        """Measures of this section that are parts of a whole (outcomes of complaints received...),
        grouped by their whole and partition, in the report's order."""
        m = self.defs.measures
        groups: dict[tuple[str, str], list[str]] = {}
        for measure in self.section_measures(section_id):
            if m.at[measure, "part_of"] and m.at[measure, "partition"] and m.at[measure, "by_category"] != "yes":
                groups.setdefault((m.at[measure, "part_of"], m.at[measure, "partition"]), []).append(measure)
        return [(whole, partition, parts) for (whole, partition), parts in groups.items()]

    def parts_block(self, whole: str, partition: str, parts: list[str], shown: set, dry: bool) -> list[dict]:
        found = [(p, self.figure(p)) for p in parts]
        found = [
            (p, f)
            for p, f in found
            if f is not None
            and (_num(f["value"]) is not None or _num(f["pct"]) is not None or narrative.is_withheld(f))
        ]
        if not found:
            return []
        shown.update(p for p, _ in found)
        if dry:
            return [paragraph("parts")]
        base = self.figure(whole)
        n = _num(base["value"]) if base is not None else None
        base_withheld = narrative.is_withheld(base) if base is not None else ""
        counted = [_num(f["value"]) for _, f in found if _num(f["value"]) is not None]
        any_withheld = any(narrative.is_withheld(f) for _, f in found)
        if base_withheld:
            total = None  # a share of a withheld total would give the total away
        elif n is not None:
            total = n
        else:  # shares of those listed: not when one is withheld, as they would give its count away
            total = sum(counted) if counted and not any_withheld else None
        rows, notes = [], []
        for measure, f in found:
            k, stated, mark = _num(f["value"]), _num(f["pct"]), narrative.is_withheld(f)
            if mark:
                share = numbers.WITHHELD_CELL
            elif k is not None and total:
                share = numbers.percent(k / total)
                if (
                    stated is not None
                    and f.get("pct_qualifier", "") in ("", None)
                    and not percentage_check(k, total, stated)[0]
                ):
                    notes.append(
                        f"{self.label(measure)}: the council's document says {stated:g}%; "
                        f"{numbers.count(k)} of {numbers.count(total)} is {share}."
                    )
            elif k is not None and base_withheld:
                share = numbers.WITHHELD_CELL
            elif stated is not None and k is None:
                share = f"{numbers.percent(stated / 100)} (as published)"
            else:
                share = numbers.MISSING
            count = self.count_text(k, mark) if (k is not None or mark) else numbers.MISSING
            rows.append([self.label(measure), count, share])
        whole_words = self.lower_label(whole)
        if base_withheld:
            notes.insert(
                0,
                f"The number of {whole_words} is {numbers.withheld(base_withheld, words=True)} in this public "
                "version, so no shares are shown.",
            )
        elif n is not None:
            notes.insert(0, f"Shares are of the {numbers.count(n)} {whole_words}, worked out from the counts.")
        elif counted and total is not None:
            notes.insert(0, f"The council publishes no total of {whole_words}: shares are of those listed.")
        elif counted:
            notes.insert(0, f"The council publishes no total of {whole_words}, and some are withheld: no shares.")
        title = f"{self.label(whole)}, by {partition.replace('_', ' ')}"
        kind = "timeliness" if "within" in partition or partition == "timeliness" else "outcomes"
        t = Table(
            self.caption(f"{title}, {self.name} {self.year}"),
            [Column("Category"), Column("Number", numeric=True), Column("Share", numeric=True, share=True)],
            rows,
            kind=kind,
            notes=notes,
        )
        items = [table(t)]
        with_counts = [(p, f) for p, f in found if _num(f["value"]) is not None or narrative.is_withheld(f)]
        if len(with_counts) >= MIN_SHARES and (total or base_withheld or any_withheld):
            shares = pd.DataFrame(
                {
                    "category": [self.label(p) for p, _ in with_counts],
                    "count": [_num(f["value"]) for _, f in with_counts],
                    "share": [
                        _num(f["value"]) / total if total and _num(f["value"]) is not None else math.nan
                        for _, f in with_counts
                    ],
                    "suppressed": [narrative.is_withheld(f) for _, f in with_counts],
                }
            )
            drawn = charts.shares_chart(shares, f"{title}, {self.name} {self.year}", "Complaints")
            if drawn is not None:
                items.append(figure(self.figure_view(drawn)))
        return items

    def breakdown_block(self, measure: str, shown: set, dry: bool) -> list[dict]:
        f = self.year_figures()
        rows = f[(f["measure"] == measure) & (f["category"] != "")]
        if rows.empty:
            return []
        shown.add(measure)
        if dry:
            return [paragraph("breakdown")]
        values = pd.to_numeric(rows["value"], errors="coerce")
        pcts = pd.to_numeric(rows["pct"], errors="coerce")
        marks = numbers.marks(rows)
        whole_measure = self.defs.measures.at[measure, "part_of"]
        whole = self.figure(whole_measure) if whole_measure else None
        whole_n = _num(whole["value"]) if whole is not None else None
        whole_withheld = narrative.is_withheld(whole) if whole is not None else ""
        listed = values.sum() if values.notna().any() else None
        any_withheld = bool((marks != "").any())
        exhaustive = self.defs.measures.at[measure, "exhaustive"] == "yes"
        if whole_withheld:
            total = None  # a share of a withheld total would give the total away
        elif whole_n is not None and listed is not None and whole_n >= listed:
            total = whole_n
        else:  # shares of the categories listed only when the list is the whole breakdown and all are shown
            total = listed if exhaustive and not any_withheld else None
        # largest first; the withheld last, in alphabetical order, so their place says nothing of their size
        order = list(values[marks == ""].fillna(-1).sort_values(ascending=False, kind="stable").index)
        order += list(rows[marks != ""].sort_values("category", kind="stable").index)
        table_rows = []
        for i in order:
            k, stated, mark = _num(values[i]), _num(pcts[i]), marks[i]
            if mark:
                share = numbers.WITHHELD_CELL
            elif k is not None and total:
                share = numbers.percent(k / total)
            elif stated is not None and k is None:
                share = f"{numbers.percent(stated / 100)} (as published)"
            else:
                share = numbers.MISSING
            count = self.count_text(k, mark) if (k is not None or mark) else numbers.MISSING
            table_rows.append([str(rows.at[i, "category"]), count, share])
        title = self.label(measure)
        if total is not None and total == whole_n:
            notes = [f"Shares are of the {numbers.count(whole_n)} {self.lower_label(whole_measure)}."]
        elif total is not None:
            notes = ["Shares are of the categories listed."]
        elif whole_withheld:
            notes = [
                f"The number of {self.lower_label(whole_measure)} is "
                f"{numbers.withheld(whole_withheld, words=True)} in this public version, so no shares are shown."
            ]
        else:
            notes = []
        columns = [Column("Category"), Column("Number", numeric=True), Column("Share", numeric=True, share=True)]
        if listed is None and not any_withheld:
            columns, table_rows = [columns[0], columns[2]], [[r[0], r[2]] for r in table_rows]
            notes = ["Only percentages are published, with no counts behind them."]
        elif total is None and pcts.isna().all() and not any_withheld:
            columns, table_rows = columns[:2], [r[:2] for r in table_rows]
        t = Table(self.caption(f"{title}, {self.name} {self.year}"), columns, table_rows, kind="breakdown", notes=notes)
        items = [table(t)]
        if self.defs.measures.at[measure, "chart"] == "shares" and values.notna().sum() >= 2:
            shares = pd.DataFrame(
                {
                    "category": rows["category"],
                    "count": values,
                    "share": values / total if total else math.nan,
                    "suppressed": marks,
                }
            )
            drawn = charts.shares_chart(shares, f"{title}, {self.name} {self.year}", title)
            if drawn is not None:
                items.append(figure(self.figure_view(drawn)))
        return items

    def other_figures(self, section_id: str, shown: set) -> list[dict]:
        f = self.year_figures()
        rows = []
        for measure in self.section_measures(section_id):
            if measure in shown:
                continue
            fig = f[(f["measure"] == measure) & (f["category"] == "")]
            if fig.empty:
                continue
            fig = fig.iloc[0]
            value, pct, mark = _num(fig["value"]), _num(fig["pct"]), narrative.is_withheld(fig)
            if value is None and pct is None and not mark:
                continue
            unit = self.defs.measures.at[measure, "unit"]
            if mark:
                text = self.count_text(None, mark) if unit == "count" else numbers.WITHHELD_CELL
            elif value is not None:
                text = {"money": numbers.money, "days": numbers.days}.get(unit, self.count_text)(value)
            else:
                text = f"{numbers.percent(pct / 100)} (as published)"
            rows.append([self.label(measure), text])
            shown.add(measure)
        if not rows:
            return []
        title = f"{self.defs.sections.at[section_id, 'title']}: other figures"
        return [
            table(
                Table(
                    self.caption(f"{title}, {self.name} {self.year}"),
                    [Column("Figure"), Column("Value", numeric=True)],
                    rows,
                    kind="figures",
                )
            )
        ]

    def learning_block(self) -> list[dict]:
        rows = self.learning[self.learning["year"] == self.year]
        if rows.empty:
            return []
        columns = [
            c
            for c, key in (
                ("Learning", "learning"),
                ("Complaint about", "complaint_about"),
                ("Action", "action"),
                ("Status", "status"),
            )
            if (rows[key] != "").any()
        ]
        keys = {"Learning": "learning", "Complaint about": "complaint_about", "Action": "action", "Status": "status"}
        t = Table(
            self.caption(f"Learning actions published by {self.name} for {self.year}"),
            [Column(c) for c in columns],
            [[str(r[keys[c]]) for c in columns] for _, r in rows.iterrows()],
            kind="learning",
        )
        return [table(t)]

    # ------------------------------------------------------------------ records
    def p_records(self) -> Part:
        title = "What the complaint records add" if self.synthetic else "From the council's own complaint records"
        files = (
            self.record_files[self.record_files["year"] == self.year] if len(self.record_files) else self.record_files
        )
        if not len(files):
            text = (
                "No complaint records of the council's own are used for this report: it shows published figures only."
                if not self.synthetic
                else "No complaint records are loaded for this year."
            )
            return Part([none(text)], heading_text=title, anchor="records")
        rows = int(pd.to_numeric(files["rows"], errors="coerce").fillna(0).sum())
        aside = int(pd.to_numeric(files["set_aside"], errors="coerce").fillna(0).sum())
        kinds = ", ".join(sorted(set(files["kind"])))
        items = [
            paragraph(
                f"{'Synthetic ' if self.synthetic else ''}record-level extracts for {self.year} ({kinds}): "
                f"{rows:,} rows. "
                + (
                    f"{aside:,} invalid rows were set aside with their reasons and are left out of every figure."
                    if aside
                    else "No row was set aside as invalid."
                )
            )
        ]
        items += self.not_recorded_block()
        items += self.agreement_blocks()
        items += self.spc_blocks()
        changes = self.changes[financial_year(self.changes["date"]) == self.year] if len(self.changes) else self.changes
        for _, change in changes.iterrows():
            items += [
                heading(f"Before and after {change['description'] or 'the process change'} ({change['date']})"),
                paragraph(
                    WITHHELD_COMPARISON if narrative.is_withheld(change) else spc_charts.before_after_sentence(change),
                ),
            ]
        words = {
            "statutory_received_by_team": ("team", "A complaint that names several teams counts once for each."),
            "statutory_issues": ("theme", "A complaint that raises several issues counts once for each."),
        }
        for received, upheld in disclosure.PAIRED_BREAKDOWNS:
            what, note = words[received]
            items += self.upheld_rates_block(received, upheld, what, note)
        return Part(items, heading_text=title, anchor="records")

    def not_recorded(self) -> list[str]:
        """What the clocks need that this year's complaint extract does not have, in words (NOT_RECORDED)."""
        files = self.record_files
        if not len(files) or "not_recorded" not in files:
            return []
        mine = files[(files["year"] == self.year) & (files["kind"] == "complaints")]
        absent = {c for cell in mine["not_recorded"].fillna("") for c in str(cell).split(";") if c}
        return [text for column, text in NOT_RECORDED.items() if column in absent]

    def not_recorded_block(self) -> list[dict]:
        missing = self.not_recorded()
        if not missing:
            return []
        text = "Not recorded in this year's extract, so not reported (never counted as zero): " + "; ".join(missing)
        return [paragraph(text + ".")]

    def agreement_blocks(self) -> list[dict]:
        """Published figures against the records for every metric both give for this year."""
        pub = self.published_metrics[self.published_metrics["year"] == self.year]
        rec = (
            self.records_metrics[self.records_metrics["year"] == self.year]
            if len(self.records_metrics)
            else pub.iloc[:0]
        )
        rows = []
        for _, p in pub.iterrows():
            r = rec[rec["metric"] == p["metric"]]
            if r.empty or not _has_value(p) or not _has_value(r.iloc[0]):
                continue
            r = r.iloc[0]
            if narrative.is_withheld(p) or narrative.is_withheld(
                r
            ):  # a figure withheld on either side: so is the other, and whether they agree
                rows.append(
                    [
                        self.label(p["metric"]),
                        narrative.row_value(p) if narrative.is_withheld(p) else numbers.WITHHELD_CELL,
                        narrative.row_value(r) if narrative.is_withheld(r) else numbers.WITHHELD_CELL,
                        numbers.WITHHELD_CELL,
                        numbers.WITHHELD_CELL,
                    ]
                )
                continue
            if _num(p["numerator"]) is not None and _num(r["numerator"]) is not None:
                agree = _num(p["numerator"]) == _num(r["numerator"]) and (
                    _num(p["denominator"]) is None or _num(p["denominator"]) == _num(r["denominator"])
                )
            else:
                agree = round(100 * float(p["value"])) == round(100 * float(r["value"]))
            rows.append(
                [
                    self.label(p["metric"]),
                    narrative.format_value(p["value"], p["kind"]),
                    narrative.format_value(r["value"], r["kind"]),
                    "yes" if agree else "no",
                    numbers.MISSING if agree else _why_they_differ(p, r),
                ]
            )
        if not rows:
            return []
        disagree = sum(r[-2] == "no" for r in rows)
        compared = sum(r[-2] != numbers.WITHHELD_CELL for r in rows)
        verdict = (
            "The records agree with every published figure they can be compared with."
            if not disagree
            else f"The records disagree with {disagree} of the {compared} published figures they can be compared with."
        )
        if compared < len(rows):
            verdict += (
                " Where either figure is withheld in this public version, so are the other and whether the two agree."
            )
        t = Table(
            self.caption(f"Published figures against the records, {self.name} {self.year}"),
            [
                Column("Measure"),
                Column("Published", numeric=True),
                Column("From the records", numeric=True),
                Column("Agree"),
                Column("Why they may differ"),
            ],
            rows,
            kind="agreement",
        )
        return [heading("Published figures against the records"), paragraph(verdict), table(t)]

    def spc_blocks(self) -> list[dict]:
        monthly = self.monthly
        if not len(monthly):
            return []
        start = int(self.year[:4])
        months = pd.period_range(f"{start}-04", f"{start + 1}-03", freq="M").strftime("%Y-%m")
        monthly = monthly[(monthly["procedure"] == "all") & monthly["month"].isin(months)]
        if len(monthly) < 2:
            return []
        if (numbers.marks(monthly) != "").any():
            return [heading("Month by month: answered within 20 working days"), paragraph(WITHHELD_CHART)]
        frame = pd.DataFrame(
            {
                "month": pd.to_datetime(monthly["month"] + "-01"),
                "responded": monthly["responded"],
                "within": monthly["within_20wd"],
            }
        )
        frame["proportion"] = frame["within"] / frame["responded"].where(frame["responded"] > 0)
        chart = spc.control_chart(frame)
        flags = spc.run_rules(chart)
        capability = spc.chart_capability(frame)
        drawn = spc_charts.spc_chart(
            chart,
            flags,
            f"{self.name}: stage 1 complaints answered within 20 working days, by month",
            "Answered within 20 working days",
            capability=capability,
        )
        signals = spc_charts.describe_signals(flags, chart["month"], what="the share answered within 20 working days")
        laney = str(chart["chart"].iloc[0]) == "p'"
        items = [
            heading("Month by month: answered within 20 working days"),
            paragraph(
                "A statistical process control chart (NHS England's 'Making Data Count' rules): months "
                "outside the limits, or runs of seven above or below the average, are signals worth looking "
                "into; the rest is ordinary variation."
                + (
                    " With this many responses a month, the months vary more than chance alone would make them, "
                    "so the limits allow for it (Laney's p'-chart)."
                    if laney
                    else ""
                )
            ),
        ]
        cannot = spc_charts.capability_sentence(capability)
        if signals:
            items += [paragraph(t) for t in signals]
        elif cannot:
            items.append(paragraph(cannot))
        else:
            items.append(paragraph("No month shows a signal: the variation is what a stable process produces."))
        if drawn is not None:
            items.append(figure(self.figure_view(drawn)))
        return items

    def upheld_rates_block(self, received_measure: str, upheld_measure: str, what: str, note: str) -> list[dict]:
        f = self.records_figures
        if not len(f):
            return []
        mine = f[f["year"] == self.year]
        received = mine[mine["measure"] == received_measure].set_index("category")
        upheld = mine[mine["measure"] == upheld_measure].set_index("category")
        received_marks, upheld_marks = numbers.marks(received), numbers.marks(upheld)
        shown = received_marks[received_marks == ""].index
        shown = [c for c in shown if not upheld_marks.get(c, "")]
        rates = upheld_rates(received.loc[shown, "value"], upheld["value"].drop(upheld_marks.index[upheld_marks != ""]))
        rows = [
            [
                r["category"],
                self.count_text(r["n"]),
                self.count_text(r["k"]),
                numbers.percent(r["share"]),
                numbers.interval(r["ci_low"], r["ci_high"], "proportion"),
            ]
            for _, r in rates.iterrows()
        ]
        # categories with a withheld count: after the others, in alphabetical order, with no share
        for category in sorted(c for c in received.index if c not in shown):
            n, n_mark = _num(received.at[category, "value"]), received_marks.get(category, "")
            if not n_mark and not n:
                continue
            k_mark = upheld_marks.get(category, "")
            k = _num(upheld.at[category, "value"]) if category in upheld.index and not k_mark else 0.0
            rows.append(
                [
                    category,
                    self.count_text(n, n_mark),
                    self.count_text(k, k_mark),
                    numbers.WITHHELD_CELL,
                    numbers.WITHHELD_CELL,
                ]
            )
        if not rows:
            return []
        title = f"Upheld statutory complaints by {what}"
        t = Table(
            self.caption(f"{title}, {self.name} {self.year}, from the records"),
            [
                Column(what.capitalize()),
                Column("Complaints", numeric=True),
                Column("Upheld", numeric=True),
                Column("Upheld share", numeric=True, share=True),
                Column("95% interval", numeric=True),
            ],
            rows,
            kind="outcomes",
        )
        return [
            heading(title),
            paragraph(
                f"{note} Categories with few complaints have wide intervals: their shares "
                "are not evidence of a difference."
            ),
            table(t),
        ]

    # ------------------------------------------------------------------ the documents' disagreements
    def p_disagreements(self) -> Part:
        title = "Figures the documents disagree on"
        if self.synthetic:
            return Part(
                [
                    none(
                        "This demonstration is built from synthetic records; the council's documents are "
                        "checked in its own report."
                    )
                ],
                heading_text=title,
                anchor="disagreements",
            )
        mine = self.audit[self.audit["year"] == self.year]
        problems = self.audit_problems()
        counts = mine["verdict"].value_counts()
        items = [
            paragraph(
                f"Every published percentage, change and total for {self.year} was checked against the counts it "
                f"describes: {counts.get('ok', 0)} agree, {counts.get('mismatch', 0)} do not, "
                f"{counts.get('contradiction', 0)} figures are given two values or have parts adding up to more than "
                f"the whole, and {counts.get('cannot_check', 0)} give nothing to check against. Percentages count as "
                "right when the counts give them rounded or truncated. The checks read as a careful reader would: "
                "an overall share must lie between the shares of its parts, stated parts must add up to the stated "
                "whole, words such as 'the majority' must fit the counts, and each figure must be for the year it "
                "is said to be for."
            )
        ]
        if problems.empty:
            items.append(none(f"No disagreements found for {self.year}."))
        sources = set(problems["source"]) if len(problems) else set()
        if len(sources) == 1:
            items.append(paragraph(f"All from: {self.source_title(next(iter(sources)))}."))
        for _, row in problems.iterrows():
            what = {"mismatch": "does not match its counts", "contradiction": "is contradicted"}.get(
                row["verdict"], row["verdict"]
            )
            label = self.label(row["measure"]) + (f": {row['category']}" if row["category"] else "")
            if _is(row.get("withheld", False)):
                items += [heading(label), paragraph(WITHHELD_STATEMENT)]
                continue
            detail = (
                re.split(r"\s*Rule: ", str(row["detail"]))[0] if row["detail"] else ""
            )  # the rule is in the appendix
            detail = f" {self.words(detail)}" if detail else ""
            items.append(heading(label))
            items.append(
                paragraph(
                    f"The statement {what}. Stated: {self.words(row['stated'])}. The counts give: "
                    f"{self.words(row['counts_give']) or 'no value'}.{detail}"
                )
            )
            items += [quote(q.strip()) for q in str(row["quote"]).split(" | ") if q.strip()]
            if len(sources) > 1:
                items.append(paragraph(f"Source: {self.source_title(row['source'])}."))
        contested = self.metrics[(self.metrics["year"] == self.year) & self.metrics["contested"].map(_is)]
        if len(contested):
            items.append(
                paragraph(
                    "Figures in this report that stand on a contested figure: "
                    + ", ".join(self.lower_label(m) for m in contested["metric"])
                    + "."
                )
            )
        return Part(items, heading_text=title, anchor="disagreements")

    def source_title(self, source: str) -> str:
        titles = []
        for s in str(source).split("; "):
            titles.append(str(self.defs.sources.at[s, "title"]) if s in self.defs.sources.index else s)
        return "; ".join(titles)

    # ------------------------------------------------------------------ appendix
    def p_appendix(self) -> Part:
        items = [heading("Where the figures come from")]
        sources = self.defs.sources[self.defs.sources["council"] == self.council.id]
        items.append(
            bullet_list([f"{r['title']} ({r['kind']}, reporting on {r['report_year']})" for _, r in sources.iterrows()])
        )
        if self.synthetic or len(self.record_files):
            files = (
                self.record_files[self.record_files["year"] == self.year]
                if len(self.record_files)
                else self.record_files
            )
            if len(files):
                items.append(
                    paragraph(
                        "Complaint extracts: "
                        + "; ".join(f"{f} ({int(n):,} rows)" for f, n in zip(files["file"], files["rows"]))
                        + "."
                    )
                )
        items.append(
            paragraph(
                "Every figure in these documents was transcribed with the sentence it comes from. Where a document "
                "gives one figure two values, both are kept and the one used is chosen by a fixed rule, and the figure "
                "is marked as contested (see docs/methods.md)."
            )
        )
        items += [
            heading(f"What {self.name}'s figures mean"),
            bullet_list(figures_mean(self.council)),
        ]
        items += [
            heading("How the figures were computed"),
            paragraph(METHODS_TEXT[0]),
            paragraph(METHODS_TEXT[1]),
            paragraph(METHODS_TEXT[2]),
        ]
        if self.public:
            items += [heading("Small numbers in this public version"), paragraph(PUBLIC_METHODS)]
        items += [
            heading("The figures in metrics.csv"),
            paragraph(
                "Each figure in this report is a row of outputs/metrics.csv (council, year and the identifier below); "
                "breakdowns come from outputs/figures.csv."
            ),
        ]
        used = self.metrics[self.metrics["year"] == self.year]
        items.append(
            table(
                Table(
                    "Metric identifiers",
                    [Column("Figure"), Column("Identifier")],
                    [[self.label(m), m] for m in used["metric"]],
                    kind="appendix",
                )
            )
        )
        items += self.provenance_blocks()
        return Part(items, heading_text="Appendix: about these figures", anchor="appendix", extra_class="appendix")

    def provenance_blocks(self) -> list[dict]:
        files = [
            self.paths.councils / f"{self.council.id}.toml",
            self.paths.sections_file,
            self.paths.measures_file,
            self.paths.metrics_definitions_file,
            self.paths.sources_file,
        ]
        # the council's published files that give the figures of this year and before (not a template without
        # rows, nor a file of later years only), and the documents they quote or that report on this year
        read = self.published_figures[self.published_figures["year"] <= self.year]
        giving = set(read.get("file", pd.Series(dtype=str)).astype(str))
        files += [
            p
            for p in published_files(self.paths)
            if p.parent.name == self.council.id and self.paths.relative(p) in giving
        ]
        sources = self.defs.sources
        quoted = set(read.get("source", pd.Series(dtype=str)).astype(str))
        this_year = set(sources.index[(sources["council"] == self.council.id) & (sources["report_year"] == self.year)])
        files += [self.paths.source_documents / s for s in sources.index if s in quoted | this_year]
        files += sorted(self.paths.learning.glob("*.csv"))
        packages = []
        for name in ("complaints", "pandas", "numpy", "scipy", "matplotlib", "seaborn", "papermill", "nbconvert"):
            try:
                packages.append([name, importlib.metadata.version(name)])
            except importlib.metadata.PackageNotFoundError:
                continue
        params = [
            ["council", self.council.id],
            ["year", self.year],
            ["kind", self.kind],
            ["public version", "yes" if self.public else "no"],
        ]
        return [
            heading("Provenance"),
            paragraph(f"Run at {run_time()} from commit {git_commit()}."),
            table(Table("Parameters of this run", [Column("Parameter"), Column("Value")], params, kind="appendix")),
            table(Table("Package versions", [Column("Package"), Column("Version")], packages, kind="appendix")),
            table(
                Table(
                    "Input files and their SHA-256 hashes",
                    [Column("Input file"), Column("SHA-256")],
                    [[self.paths.relative(p), file_sha256(p)] for p in files if p.exists()],
                    kind="appendix",
                )
            ),
        ]


PUBLIC_NOTE = (
    f"This is the public version. Counts of 1 to {disclosure.THRESHOLD - 1} are shown as "
    f"'{numbers.FEWER_THAN}', and '{numbers.WITHHELD_CELL}' (or 'withheld') marks a figure left out so that such "
    "a count cannot be worked out from it: another count of the same table or total, a share, an interval, or a "
    "change from the year before. The councils' own sentences that give a withheld figure are not quoted."
)
WITHHELD_CHART = (
    "The month-by-month control chart is not shown in this public version: in some months fewer than 5 "
    "complaints were answered, answered in time or answered late, and the chart would show how many."
)
WITHHELD_COMPARISON = (
    "This comparison is not shown in this public version: a count behind it is fewer than 5, or would "
    "give such a count away."
)
WITHHELD_STATEMENT = (
    "The statement, what its counts give and the council's own words are withheld in this public version: "
    "they give a number small enough to identify someone, or one from which such a number could be worked out."
)
PUBLIC_METHODS = (
    f"In this public version, every count of 1 to {disclosure.THRESHOLD - 1} is withheld and shown as "
    f"'{numbers.FEWER_THAN}'; so is a count never shown but that could be worked out by subtraction (the rest of a "
    "total after its listed parts, or the complaints not counted by a share, such as those answered late). Other "
    f"figures are then withheld ('{numbers.WITHHELD_CELL}'), the smallest first, until no withheld count can be "
    "worked out from the totals, parts, shares and intervals shown (checked by linear programming). Shares, "
    "intervals, rates and averages that rest on a withheld count are withheld, and so are the change from the "
    "year before and its test when either year's figure is withheld. A control chart or a before-and-after "
    "comparison with any withheld count is left out whole."
)

METHODS_TEXT = (
    "Every interval is a 95% confidence interval: exact Poisson (Garwood) for counts and for rates per contact, "
    "Wilson score for proportions. A change in a count from one year to the next is tested allowing for the "
    "variation from year to year that complaint numbers show beyond chance (a quasi-Poisson test, with the "
    "over-dispersion estimated from the council's own series of at least four years, or pooled across councils); "
    "where there is none, with an exact conditional test (with contacts as exposure when both years publish "
    "them). A change in a proportion is tested with Fisher's exact test, with Newcombe's interval for the "
    "difference. All the tests of one council, year and source (the year-on-year changes and any before/after "
    "comparison of a process change) are adjusted together (Benjamini-Hochberg q-values).",
    "A change is called statistically significant only when its q-value is below 0.05. Figures that rest on small "
    "numbers (a count under 10, or a share's base under 30, in either year) are too few to conclude from, and no "
    "verdict is drawn from them. Otherwise the change is within what the variation it is compared with would "
    "produce: it may be real, but these figures cannot show it. Where the documents give a figure more than one "
    "value, every test is run at each value; where the verdicts differ, the report says the verdict depends on "
    "which published figure is right.",
    "Where only a percentage is published, the count is worked out from it: the nearest of the whole counts of "
    "the base that give the percentage, and every one of them is tested; where none fits, the percentage is "
    "shown as published and not tested. Where a document gives one figure two values, the value consistent with "
    "the same document's other figures (parts and wholes, an overall share of its parts) is used first. Where "
    "the year before is not published, the latest earlier figure is given with its year, and the change is not "
    "tested.",
)


def _size_of_change(row: pd.Series) -> float:
    """How big a change is, for ordering key messages: the relative change of a count or rate; the change
    in percentage points (divided by 100) of a share."""
    value, prev = _num(row["value"]), _num(row["prev_value"])
    if value is None or prev is None:
        return 0.0
    if row["kind"] == "proportion":
        return abs(value - prev)
    return abs(value - prev) / prev if prev else math.inf


def _has_value(row) -> bool:
    """A figure with a value, or one the public version withholds."""
    return _num(row["value"]) is not None or bool(narrative.is_withheld(row))


def _change_short(row: pd.Series) -> str:
    """The change for a table cell: 'down 37 (14%)', 'up 15 points', '–' ('[c]' in the public version
    when either year's figure is withheld)."""
    if narrative.is_withheld(row, "prev_suppressed") or (
        narrative.is_withheld(row) and _num(row["prev_value"]) is not None
    ):
        return numbers.WITHHELD_CELL
    value, prev = _num(row["value"]), _num(row["prev_value"])
    if value is None or prev is None:
        return numbers.MISSING
    if value == prev:
        return "no change"
    direction = "up" if value > prev else "down"
    kind = row["kind"]
    if kind == "proportion":
        return f"{direction} {numbers.points(value - prev).replace('percentage ', '')}"
    if kind == "rate":
        return f"{direction} {numbers.per_thousand(abs(value - prev))} per 1,000"
    size = {"money": numbers.money, "mean": numbers.days}.get(kind, numbers.count)(abs(value - prev))
    return f"{direction} {size}" + (f" ({numbers.percent_number(abs(value - prev) / prev)}%)" if prev else "")


def _why_they_differ(published: pd.Series, records: pd.Series) -> str:
    """The likeliest reason a published figure and the records' differ, from what the two rows show."""
    if published.get("numerator_basis") == "from_percentage":
        return "published as a percentage only: its count is worked back from it, and rounding can move it"
    if _is(published.get("contested", False)):
        return "the council's documents give more than one figure for it (see 'Figures the documents disagree on')"
    p_den, r_den = _num(published.get("denominator")), _num(records.get("denominator"))
    if p_den is not None and r_den is not None and p_den != r_den:
        return (
            f"a different base: {numbers.count(p_den)} published, {numbers.count(r_den)} in the records "
            "(complaints logged, closed or recoded after the published count was taken, or counted differently)"
        )
    p_num, r_num = _num(published.get("numerator")), _num(records.get("numerator"))
    if p_num is not None and r_num is not None:
        more = "more" if r_num > p_num else "fewer"
        return (
            f"{numbers.count(abs(r_num - p_num))} {more} in the records: complaints logged, closed or recoded after "
            "the published count was taken, or a different definition of what is counted"
        )
    return "the published figure and the records' are rounded or defined differently"


def _read_optional(path: Path, council: str, **kw) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame()
    frame = pd.read_csv(path, **kw)
    return frame[frame["council"] == council].reset_index(drop=True) if len(frame) else frame


def load_report(
    council: str,
    year: str,
    data_dir: str = "",
    outputs_dir: str = "",
    public: bool = False,
    suppress_below: int = 5,
    kind: str = "council",
) -> Report:
    """Everything one council-year report needs, read from the outputs of the main job.

    kind 'council': the council's published figures, and a section from its own records only where the
    extract is real (data/private/). kind 'demonstration': the shipped synthetic extract, throughout."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of report '{kind}'; kinds are {', '.join(KINDS)}")
    paths = default_paths(data_dir or None, outputs_dir or None)
    charts.use_cache(paths.chart_cache)  # a chart whose data did not change since the last run is not redrawn
    defs = load_definitions(paths)
    council, year = str(council), str(year)
    if council not in defs.councils:
        raise ValueError(f"unknown council '{council}'; councils are {', '.join(sorted(defs.councils))}")
    metrics = pd.read_csv(paths.metrics_csv, dtype={"year": str, "prev_year": str})
    audit = pd.read_csv(paths.audit_csv, dtype=str, keep_default_na=False)
    figures = pd.read_csv(paths.figures_csv, dtype={"year": str, "category": str, "pct_of": str, "quote": str})
    figures["category"] = figures["category"].fillna("")
    learning = load_learning(paths, defs)
    record_files = _read_optional(paths.record_files_csv, council, dtype={"year": str})

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["council"] == council].reset_index(drop=True)

    metrics, figures = mine(metrics), mine(figures)
    monthly = _read_optional(paths.monthly_csv, council, dtype={"month": str})
    changes = _read_optional(paths.changes_csv, council, dtype={"date": str}, keep_default_na=False)
    audit = mine(audit)
    if public:  # disclosure control: every table, chart and sentence is built from the withheld frames
        protected = protect_outputs(paths, defs, metrics, figures, [council], threshold=int(suppress_below))
        metrics, figures, monthly, changes = protected.metrics, protected.figures, protected.monthly, protected.changes
        audit = audit.assign(withheld=disclosure.withheld_audit(audit, protected).to_numpy(dtype=bool))
    if len(record_files):
        record_files = record_files[record_files["used"].map(_is)] if "used" in record_files else record_files
        synthetic_file = record_files["synthetic"].map(_is)
    else:
        synthetic_file = pd.Series(dtype=bool)
    wanted = synthetic_file if kind == "demonstration" else ~synthetic_file
    files = record_files[wanted].reset_index(drop=True) if len(record_files) else record_files
    record_years = set(files["year"]) if len(files) else set()
    from_records = figures["basis"] == "records"
    published_metrics = metrics[metrics["source"] == "published"].reset_index(drop=True)
    records_metrics = metrics[(metrics["source"] == "records") & metrics["year"].isin(record_years)].reset_index(
        drop=True
    )
    records_figures = figures[from_records & figures["year"].isin(record_years)].reset_index(drop=True)
    published_figures = figures[~from_records].reset_index(drop=True)
    if kind == "demonstration" or year in record_years:  # records first: the council's own extract covers the year
        main_metrics, main_figures = records_metrics, records_figures
    else:
        main_metrics, main_figures = published_metrics, published_figures
    up_to = lambda frame: frame[frame["year"] <= year].reset_index(drop=True)  # noqa: E731
    if kind == "council" and len(changes) and "synthetic" in changes:
        changes = changes[~changes["synthetic"].map(_is)]
    if not record_years:
        monthly, changes = monthly.iloc[:0], changes.iloc[:0]
    return Report(
        council=defs.councils[council],
        year=year,
        defs=defs,
        paths=paths,
        kind=kind,
        metrics=up_to(main_metrics),
        figures=up_to(main_figures),
        published_figures=published_figures,
        published_metrics=published_metrics,
        audit=audit,
        learning=mine(learning),
        records_metrics=records_metrics,
        records_figures=records_figures,
        monthly=monthly,
        changes=changes,
        record_files=files,
        public=bool(public),
        suppress_below=int(suppress_below) if public else 0,
    )


# What a setting the council's documents have not supplied yet is about, as the report names it: such a
# setting is never printed as the council's practice (complaints.inputs.council_config.PUBLISHABLE).
NOT_PUBLISHED_WORDS = {
    "notes": "what a reader should know about its figures",
    "timescales": "its timescales",
    "timescales.statutory_stage1": "its statutory stage 1 timescale",
    "timescales.statutory_stage1_extended": "its extended statutory stage 1 timescale",
    "timescales.corporate": "its corporate timescale",
    "contacts": "whether it counts contacts and what it counts as one",
    "contacts.measure": "whether it counts contacts",
    "contacts.definition": "what it counts as a contact",
    "denominators": "the bases of its shares (the shares here are worked out from the counts, against the "
    "project's usual bases)",
    "vocabulary": "the names of its teams, issues and other categories (a category from its records is shown as "
    "'Other (not in the vocabulary)')",
    "events": "changes to its complaints process",
    "clocks": "its own corporate clocks",
    "population": "the children in its area",
}


def not_published_words(council) -> list[str]:
    """What the council's configuration marks not published, in words (nothing for a council with none)."""
    listed = list(getattr(council, "not_published", ()) or ())
    words = []
    for setting in listed:
        text = NOT_PUBLISHED_WORDS.get(setting)
        if text is None and setting.startswith("vocabulary."):
            text = "the names of its " + setting.split(".", 1)[1].replace("_", " ")
        words.append(text or setting)
    return words


def figures_mean(council) -> list[str]:
    """The bullets of "What <council>'s figures mean": its notes (or that they are not published), then the
    settings its documents have not supplied yet, said as not published (never the defaults as its practice)."""
    published = getattr(council, "is_published", lambda setting: True)
    if council.notes:
        lines = list(council.notes)
    elif not published("notes"):
        lines = [
            "Not published: the council's configuration does not yet say what a reader should know about its figures."
        ]
    else:
        lines = ["No notes are configured."]
    listed = getattr(council, "not_published", ()) or ()
    others = [w for s, w in zip(listed, not_published_words(council)) if s != "notes"]
    if others:
        lines.append("Not published yet, so not said here: " + "; ".join(others) + ".")
    return lines
