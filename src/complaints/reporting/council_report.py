"""The council report: what each section of notebooks/council_report.ipynb shows.

The notebook only calls `load_report(...)` and `report.show(section)`; every section is built
here, as HTML, from outputs/metrics.csv (every number in the prose), outputs/figures.csv
(breakdowns such as teams and channels), outputs/audit.csv and the council's configuration.
Text that comes from data files is escaped.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..analysis import spc
from ..analysis.record_summaries import upheld_rates
from ..inputs.definitions import Council, Definitions, load_definitions
from ..inputs.paths import Paths, default_paths
from ..inputs.published import load_learning, published_files
from ..inputs.years import financial_year
from . import charts, narrative, spc_charts
from .html import STYLE, HtmlSections, esc, hashes_table, none_html, run_line, section_html, table_html

SECTIONS = [
    "title",
    "headlines",
    "volumes",
    "outcomes",
    "timeliness",
    "feedback",
    "themes",
    "learning",
    "records",
    "audit",
    "other",
    "methods",
    "provenance",
]

HEADLINE_METRICS = [
    "complaints_received",
    "statutory_received",
    "corporate_received",
    "council_complaint_contacts",
    "csc_complaint_contacts",
    "statutory_upheld_any_rate",
    "statutory_upheld_unsplit_rate",
    "corporate_upheld_any_rate",
    "csc_justified_any_rate",
    "statutory_within_10wd_rate",
    "statutory_within_20wd_rate",
    "corporate_within_20wd_rate",
    "complaints_within_20wd_rate",
    "compliments_received",
    "ombudsman_cases",
]
VOLUME_METRICS = [
    "complaints_received",
    "statutory_received",
    "corporate_received",
    "statutory_stage2_received",
    "statutory_stage3_received",
    "corporate_stage2_received",
    "corporate_withdrawn",
    "council_complaint_contacts",
    "csc_complaint_contacts",
    "non_social_care_complaint_contacts",
    "complaints_from_children",
    "complaints_from_children_in_care",
    "complaints_per_contact_rate",
    "statutory_per_contact_rate",
    "complaints_upheld_any_per_contact_rate",
]
OUTCOME_METRICS = [
    "statutory_upheld_any_rate",
    "statutory_upheld_unsplit_rate",
    "corporate_upheld_any_rate",
    "csc_justified_any_rate",
]
TIMELINESS_METRICS = [
    "statutory_within_10wd_rate",
    "statutory_within_20wd_rate",
    "corporate_within_20wd_rate",
    "complaints_within_20wd_rate",
    "statutory_average_response_days",
    "statutory_stage2_average_days",
]
TIMELINESS_TARGETS = {
    "statutory_within_10wd_rate": 10,
    "statutory_within_20wd_rate": 20,
    "corporate_within_20wd_rate": 20,
    "complaints_within_20wd_rate": 20,
}
FEEDBACK_METRICS = [
    "compliments_received",
    "comments_received",
    "ombudsman_cases",
    "send_ombudsman_cases",
    "financial_remedies_total",
    "financial_remedies_paid",
    "stage2_investigation_cost",
    "schools_advice_income",
]
SEND_METRICS = ["send_received", "send_upheld_any_rate", "send_within_20wd_rate"]
OUTCOME_PARTS = {
    "Statutory complaints": [
        "statutory_upheld",
        "statutory_partially_upheld",
        "statutory_upheld_unsplit",
        "statutory_not_upheld",
        "statutory_withdrawn",
    ],
    "Corporate complaints": [
        "corporate_upheld",
        "corporate_partially_upheld",
        "corporate_not_upheld",
        "corporate_withdrawn",
    ],
    "SEND complaints": ["send_upheld", "send_partially_upheld"],
    "Children's social care complaint contacts": ["csc_justified", "csc_partially_justified"],
}
OMBUDSMAN_PARTS = ["ombudsman_upheld", "ombudsman_not_upheld", "ombudsman_not_investigated", "ombudsman_ongoing"]
THEME_BREAKDOWNS = [  # (measure, heading, chart?)
    ("statutory_complainant_type", "Who made statutory complaints", True),
    ("statutory_channel", "How statutory complaints were made", True),
    ("statutory_issues", "Issues raised in statutory complaints", False),
    ("corporate_issues", "Issues raised in corporate complaints", False),
    ("send_issues", "Issues raised in SEND complaints", False),
    ("send_issues_upheld", "Upheld issues in SEND complaints", False),
    ("statutory_upheld_theme", "Themes of upheld statutory complaints", False),
    ("statutory_received_by_team", "Statutory complaints by team", False),
    ("statutory_upheld_by_team", "Upheld statutory complaints by team", False),
    ("statutory_upheld_share_by_directorate", "Share of statutory complaints upheld, by directorate", False),
    ("corporate_stage2_by_team", "Corporate stage 2 complaints by team", False),
    ("compliments_by_team", "Compliments by team", False),
]
FEEDBACK_BREAKDOWNS = [
    ("ombudsman_by_team", "Ombudsman cases by team", False),
    ("statutory_remedy", "Remedies for statutory complaints", False),
]
OTHER_BREAKDOWNS = [
    ("overdue_reason", "Main reasons for late responses", False),
    ("benchmark_within_20wd", "Other councils' response times quoted in the report", False),
]


@dataclass
class Report(HtmlSections):
    SECTIONS = tuple(SECTIONS)
    council: Council
    year: str
    defs: Definitions
    paths: Paths
    metrics: pd.DataFrame  # this council, every year
    audit: pd.DataFrame  # this council
    figures: pd.DataFrame  # this council
    learning: pd.DataFrame  # this council
    public: bool = False
    suppress_below: int = 0
    source: str = "published"  # what the main sections are built from: published figures or records
    records_metrics: pd.DataFrame = field(default_factory=pd.DataFrame)  # this council, source = records
    records_figures: pd.DataFrame = field(default_factory=pd.DataFrame)  # this council, basis = records
    published_figures: pd.DataFrame = field(default_factory=pd.DataFrame)  # this council, from documents
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)  # outputs/monthly.csv, this council
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # outputs/changes.csv, this council
    record_files: pd.DataFrame = field(default_factory=pd.DataFrame)  # outputs/records_files.csv, this council
    shown_measures: set = field(default_factory=set)

    # ------------------------------------------------------------------ lookups
    @property
    def name(self) -> str:
        return self.council.short_name

    def label(self, metric: str) -> str:
        if metric in self.defs.metrics.index:
            return self.defs.metrics.at[metric, "description"]
        return self.defs.measures.at[metric, "description"] if metric in self.defs.measures.index else metric

    def row(self, metric: str) -> pd.Series | None:
        rows = self.metrics[(self.metrics["year"] == self.year) & (self.metrics["metric"] == metric)]
        return rows.iloc[0] if len(rows) else None

    def series(self, metric: str) -> pd.DataFrame:
        return self.metrics[self.metrics["metric"] == metric].sort_values("year")

    def breakdown(self, measure: str) -> pd.DataFrame:
        rows = self.figures[(self.figures["year"] == self.year) & (self.figures["measure"] == measure)]
        return rows[rows["category"].fillna("") != ""]

    def figure(self, measure: str) -> pd.Series | None:
        rows = self.figures[
            (self.figures["year"] == self.year)
            & (self.figures["measure"] == measure)
            & (self.figures["category"].fillna("") == "")
        ]
        return rows.iloc[0] if len(rows) else None

    def count_text(self, value) -> str:
        if pd.isna(value):
            return ""
        if self.suppress_below and 0 < value < self.suppress_below:
            return f"fewer than {self.suppress_below}"
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"

    # ------------------------------------------------------------------ building blocks
    def sentences(self, metrics: list[str]) -> list[str]:
        out = []
        for metric in metrics:
            row = self.row(metric)
            if row is not None:
                self.shown_measures.add(row["numerator_measure"])
                out.append(narrative.sentence_html(row, self.label(metric)))
        return out

    def metric_table(self, metrics: list[str], caption: str) -> str:
        rows = []
        for metric in metrics:
            row = self.row(metric)
            if row is None:
                continue
            ci = narrative.format_interval(row)
            rows.append(
                {
                    "Measure": self.label(metric),
                    str(self.year): narrative.format_value(row["value"], row["kind"]),
                    "95% confidence interval": ci,
                    "Year before": narrative.format_value(row["prev_value"], row["kind"])
                    if pd.notna(row["prev_value"])
                    else "not published",
                    "What the change shows": narrative.verdict_phrase(row),
                    "metrics.csv row": f"{row['council']} / {row['year']} / {row['metric']}",
                }
            )
        if not rows:
            return ""
        return table_html(pd.DataFrame(rows), caption, numeric=(str(self.year), "Year before"))

    def trend_charts(self, metrics: list[str]) -> str:
        out = []
        for metric in metrics:
            if self.row(metric) is None:
                continue
            chart = charts.trend_chart(self.series(metric), f"{self.label(metric)}, {self.name}", self.label(metric))
            if chart is not None:
                out.append(charts.chart_html(chart))
        return "".join(out)

    def breakdown_block(self, measure: str, heading: str, chart: bool) -> str:
        rows = self.breakdown(measure)
        if rows.empty:
            return ""
        self.shown_measures.add(measure)
        table = pd.DataFrame(
            {
                "Category": rows["category"],
                "Number": [self.count_text(v) for v in rows["value"]],
                "Stated percentage": [f"{p:g}%" if pd.notna(p) else "" for p in rows["pct"]],
            }
        )
        if (table["Stated percentage"] == "").all():
            table = table.drop(columns="Stated percentage")
        if (table["Number"] == "").all():
            table = table.drop(columns="Number")
        out = [
            f"<h3>{esc(heading)}</h3>",
            table_html(table, f"{heading}, {self.name} {self.year}", numeric=("Number",)),
        ]
        if chart and rows["value"].notna().sum() >= 2:
            total = rows["value"].sum()
            shares = pd.DataFrame(
                {"category": rows["category"], "count": rows["value"], "share": rows["value"] / total}
            )
            drawn = charts.shares_chart(shares, f"{heading}, {self.name} {self.year}", heading)
            if drawn is not None:
                out.append(charts.chart_html(drawn))
        return "".join(out)

    def parts_block(self, heading: str, measures: list[str]) -> str:
        rows = []
        for measure in measures:
            fig = self.figure(measure)
            if fig is None or (pd.isna(fig["value"]) and pd.isna(fig["pct"])):
                continue
            self.shown_measures.add(measure)
            rows.append({"category": self.label(measure), "count": fig["value"], "pct": fig["pct"]})
        if len(rows) < 1:
            return ""
        frame = pd.DataFrame(rows)
        table = pd.DataFrame(
            {
                "Outcome": frame["category"],
                "Number": [self.count_text(v) for v in frame["count"]],
                "Stated percentage": [f"{p:g}%" if pd.notna(p) else "" for p in frame["pct"]],
            }
        )
        out = [
            f"<h3>{esc(heading)}</h3>",
            table_html(table, f"{heading}: outcomes, {self.name} {self.year}", numeric=("Number",)),
        ]
        counted = frame.dropna(subset=["count"])
        if len(counted) >= 2:
            base = self.figure(
                {
                    "Statutory complaints": "statutory_received",
                    "Corporate complaints": "corporate_received",
                    "SEND complaints": "send_received",
                }.get(heading, "")
            )
            total = base["value"] if base is not None and pd.notna(base["value"]) else counted["count"].sum()
            shares = pd.DataFrame(
                {"category": counted["category"], "count": counted["count"], "share": counted["count"] / total}
            )
            drawn = charts.shares_chart(shares, f"{heading}: outcomes, {self.name} {self.year}", "Outcome")
            if drawn is not None:
                out.append(charts.chart_html(drawn))
        return "".join(out)

    # ------------------------------------------------------------------ sections
    @property
    def synthetic(self) -> bool:
        files = (
            self.record_files[self.record_files["year"] == self.year] if len(self.record_files) else self.record_files
        )
        return bool(len(files)) and bool(files["synthetic"].astype(str).eq("True").any())

    def s_title(self) -> str:
        start = int(self.year[:4])
        period = f"the year 1 April {start} to 31 March {start + 1}"
        banner = ""
        if self.synthetic:
            banner = (
                '<p role="note" style="border:3px solid #D55E00;padding:0.5rem 0.75rem;font-weight:bold">'
                "Part of this report is built from SYNTHETIC complaint records: generated to match the figures the "
                "council published, to show what record-level data adds. They are not real complaints.</p>"
            )
        if self.source == "records":
            kind = "synthetic complaint records" if self.synthetic else "complaint records"
            lede = (
                f"Figures computed from {esc(self.council.name)}'s {kind} for {period}: the council published "
                "no figure from which a metric can be computed for this year (what it did publish is listed under "
                "&lsquo;Other published figures&rsquo;)."
            )
        else:
            lede = f"Figures that {esc(self.council.name)} published for {period}."
        return STYLE + section_html(
            f"<h1>Complaints to children's services: {esc(self.council.name)}, {esc(self.year)}</h1>"
            + banner
            + f"<p>{lede} Each change from the year before is tested. Every number in the text is a row of "
            "<code>metrics.csv</code>; breakdowns come from <code>figures.csv</code>. The last sections say where the "
            "figures come from and where the council's documents disagree with themselves.</p>"
        )

    def s_headlines(self) -> str:
        body = ["<h2>Headlines</h2>"]
        items = []
        for metric in HEADLINE_METRICS:
            row = self.row(metric)
            if row is None:
                continue
            value = narrative.format_value(row["value"], row["kind"])
            if pd.isna(row["prev_value"]):
                text = value
            elif row["kind"] in ("proportion", "rate"):
                text = narrative.format_change(row)  # "up from 37% to 75% (38 percentage points)"
            else:
                text = f"{value}, {narrative.format_change(row)}"
            items.append(
                f"<li {narrative.trace_attr(row)}>{esc(self.label(metric))}: {esc(text)} "
                f"({esc(narrative.verdict_phrase(row))}).</li>"
            )
        body.append(
            f"<ul>{''.join(items)}</ul>"
            if items
            else none_html(f"No metric can be computed from what {self.name} published for {self.year}.")
        )
        if items:
            body.append("<p>Each change is explained, with its confidence interval, in the sections below.</p>")
        problems = self.audit_problems()
        if len(problems):
            body.append(
                f"<p>The council's documents disagree with their own figures in {len(problems)} "
                f"place{'s' if len(problems) != 1 else ''} for {esc(self.year)}: see "
                "&lsquo;Figures the documents disagree on&rsquo;.</p>"
            )
        return section_html("".join(body))

    def s_volumes(self) -> str:
        body = [
            "<h2>Complaints by procedure and stage</h2>",
            f"<p>{esc(self.name)} reports: {esc(', '.join(self.council.procedures))}.</p>",
        ]
        table = self.metric_table(VOLUME_METRICS, f"Complaints by procedure and stage, {self.name} {self.year}")
        if not table:
            body.append(none_html(f"{self.name} publishes no complaint counts for {self.year}."))
            return section_html("".join(body))
        body.append(table)
        body += self.sentences(VOLUME_METRICS)
        if any(self.row(m) is not None for m in ("complaints_per_contact_rate", "statutory_per_contact_rate")):
            body.append(
                f"<p>Contacts, as {esc(self.name)} counts them: {esc(self.council.contacts_definition)} "
                "Other councils count contacts differently, so this rate is not comparable between councils.</p>"
            )
        body.append(self.trend_charts(VOLUME_METRICS))
        return section_html("".join(body))

    def s_outcomes(self) -> str:
        body = ["<h2>Outcomes</h2>"]
        table = self.metric_table(OUTCOME_METRICS, f"Complaints upheld, {self.name} {self.year}")
        parts = "".join(self.parts_block(h, m) for h, m in OUTCOME_PARTS.items())
        if not table and not parts:
            body.append(none_html(f"{self.name} publishes no complaint outcomes for {self.year}."))
            return section_html("".join(body))
        body.append(table)
        body += self.sentences(OUTCOME_METRICS)
        for metric in OUTCOME_METRICS:
            row = self.row(metric)
            if row is not None and isinstance(row["denominator_measure"], str):
                body.append(
                    f"<p>{esc(self.label(metric))}: the share is of "
                    f"{esc(self.label(row['denominator_measure']).lower())}, the base {esc(self.name)} uses.</p>"
                )
        body.append(parts)
        body.append(self.trend_charts(OUTCOME_METRICS))
        return section_html("".join(body))

    def s_timeliness(self) -> str:
        t = self.council.timescales
        clocks = []
        if "statutory_stage1" in t:
            clocks.append(
                f"statutory stage 1 within {t['statutory_stage1']} working days"
                + (f", extendable to {t['statutory_stage1_extended']}" if "statutory_stage1_extended" in t else "")
            )
        if "statutory_stage2" in t:
            clocks.append(
                f"stage 2 within {t['statutory_stage2']} working days"
                + (f", extendable to {t['statutory_stage2_extended']}" if "statutory_stage2_extended" in t else "")
            )
        if "corporate" in t:
            clocks.append(f"corporate complaints within {t['corporate']} working days")
        body = ["<h2>Timeliness</h2>", f"<p>The clocks {esc(self.name)} works to: {esc('; '.join(clocks))}.</p>"]
        table = self.metric_table(TIMELINESS_METRICS, f"Responses within timescale, {self.name} {self.year}")
        if not table:
            body.append(none_html(f"{self.name} publishes no response times for {self.year}."))
        else:
            body.append(table)
            body += self.sentences(TIMELINESS_METRICS)
            rows = self.metrics[self.metrics["metric"].isin(TIMELINESS_TARGETS)]
            chart = charts.timeliness_chart(rows, f"Responses within timescale, {self.name}", TIMELINESS_TARGETS)
            if chart is not None:
                body.append(charts.chart_html(chart))
        body.append(self.breakdown_block("overdue_reason", "Main reasons for late responses", False))
        return section_html("".join(body))

    def s_feedback(self) -> str:
        body = ["<h2>Compliments, comments, the Ombudsman and remedies</h2>"]
        table = self.metric_table(
            FEEDBACK_METRICS, f"Compliments, comments, Ombudsman cases and remedies, {self.name} {self.year}"
        )
        extra = self.parts_block("Ombudsman cases", OMBUDSMAN_PARTS)
        extra += "".join(self.breakdown_block(m, h, c) for m, h, c in FEEDBACK_BREAKDOWNS)
        if not table and not extra:
            body.append(
                none_html(
                    f"{self.name} publishes no compliments, comments, Ombudsman cases or remedies for {self.year}."
                )
            )
            return section_html("".join(body))
        body.append(table)
        body += self.sentences(FEEDBACK_METRICS)
        body.append(extra)
        body.append(self.trend_charts(["compliments_received", "comments_received", "ombudsman_cases"]))
        return section_html("".join(body))

    def s_themes(self) -> str:
        body = ["<h2>Themes, services and who complained</h2>"]
        blocks = "".join(self.breakdown_block(m, h, c) for m, h, c in THEME_BREAKDOWNS)
        send = self.metric_table(
            SEND_METRICS, f"Complaints about special educational needs and disabilities (SEND), {self.name} {self.year}"
        )
        if not blocks and not send:
            body.append(
                none_html(
                    f"{self.name} publishes no themes, service areas, complainant types or channels for {self.year}."
                )
            )
            return section_html("".join(body))
        body.append(blocks)
        if send:
            body += ["<h3>Special educational needs and disabilities (SEND)</h3>", send, *self.sentences(SEND_METRICS)]
        return section_html("".join(body))

    def s_learning(self) -> str:
        body = ["<h2>Learning from complaints</h2>"]
        rows = self.learning[self.learning["year"] == self.year]
        if rows.empty:
            body.append(none_html(f"{self.name} publishes no learning actions for {self.year}."))
        else:
            table = pd.DataFrame(
                {
                    "Learning": rows["learning"],
                    "Complaint about": rows["complaint_about"],
                    "Action": rows["action"],
                    "Status": rows["status"],
                }
            )
            table = table.loc[:, (table != "").any()]
            body.append(table_html(table, f"Learning actions published by {self.name} for {self.year}"))
        return section_html("".join(body))

    # ------------------------------------------------------------------ records
    def records_row(self, metric: str) -> pd.Series | None:
        m = self.records_metrics
        rows = m[(m["year"] == self.year) & (m["metric"] == metric)] if len(m) else m
        return rows.iloc[0] if len(rows) else None

    def agreement_table(self) -> tuple[str, int, int]:
        """Published against records for every metric both give for this year: (html, compared, disagreeing)."""
        rows = []
        for metric in self.defs.metrics.index:
            pub = self.published_row(metric)
            rec = self.records_row(metric)
            if pub is None or rec is None or pd.isna(pub["value"]) or pd.isna(rec["value"]):
                continue
            if pd.notna(pub["numerator"]) and pd.notna(rec["numerator"]):
                agree = pub["numerator"] == rec["numerator"] and (
                    pd.isna(pub["denominator"]) or pub["denominator"] == rec["denominator"]
                )
            else:  # only a published percentage: agree when the records show it the same way, rounded
                agree = round(100 * pub["value"]) == round(100 * rec["value"])
            rows.append(
                {
                    "Measure": self.label(metric),
                    "Published": narrative.format_value(pub["value"], pub["kind"]),
                    "From the records": narrative.format_value(rec["value"], rec["kind"]),
                    "Agree": "yes" if agree else "no",
                }
            )
        if not rows:
            return "", 0, 0
        frame = pd.DataFrame(rows)
        return (
            table_html(frame, f"Published figures against the records, {self.name} {self.year}"),
            len(frame),
            int((frame["Agree"] == "no").sum()),
        )

    def published_row(self, metric: str) -> pd.Series | None:
        return self.row(metric) if self.source == "published" else None

    def s_records(self) -> str:
        body = ["<h2>What the complaint records add</h2>"]
        files = (
            self.record_files[self.record_files["year"] == self.year] if len(self.record_files) else self.record_files
        )
        has_metrics = len(self.records_metrics) and (self.records_metrics["year"] == self.year).any()
        if not len(files) and not has_metrics:
            body.append(
                none_html(
                    f"No complaint records are loaded for {self.name} {self.year}: "
                    "this report uses published figures only."
                )
            )
            return section_html("".join(body))
        described = ", ".join(f"{f} ({int(n):,} rows)" for f, n in zip(files["file"], files["rows"]))
        set_aside = int(pd.to_numeric(files["set_aside"], errors="coerce").fillna(0).sum()) if len(files) else 0
        body.append(
            f"<p>Record-level extracts used: {esc(described)}. "
            + (
                f"{set_aside:,} invalid rows were set aside with their reasons (see "
                "<code>outputs/records_set_aside/</code>); the figures below leave them out.</p>"
                if set_aside
                else "No row was set aside as invalid.</p>"
            )
        )
        if self.source == "published":
            table, compared, disagree = self.agreement_table()
            if compared:
                verdict = (
                    "The records agree with every published figure they can be compared with."
                    if not disagree
                    else f"The records disagree with {disagree} of the {compared} published figures "
                    "they can be compared with."
                )
                body += [f"<p>{esc(verdict)}</p>", table]
        # monthly timeliness (SPC), over every month the records cover
        monthly = self.monthly
        if len(monthly):  # the twelve months of this financial year
            start = int(self.year[:4])
            months = pd.period_range(f"{start}-04", f"{start + 1}-03", freq="M").strftime("%Y-%m")
            monthly = monthly[(monthly["procedure"] == "all") & monthly["month"].isin(months)]
        if len(monthly) >= 2:
            frame = pd.DataFrame(
                {
                    "month": pd.to_datetime(monthly["month"] + "-01"),
                    "responded": monthly["responded"],
                    "within": monthly["within_20wd"],
                }
            )
            frame["proportion"] = frame["within"] / frame["responded"].where(frame["responded"] > 0)
            chart = spc.p_chart(frame)
            flags = spc.run_rules(chart)
            drawn = spc_charts.spc_chart(
                chart,
                flags,
                f"{self.name}: stage 1 complaints answered within 20 working days, by month",
                "Answered within 20 working days",
            )
            body.append("<h3>Month by month: answered within 20 working days</h3>")
            body.append(
                "<p>A statistical process control chart (NHS England's &lsquo;Making Data Count&rsquo; rules): "
                "months outside the limits, or runs of seven above or below the average, are signals worth "
                "looking into; the rest is ordinary variation.</p>"
            )
            signals = spc_charts.describe_signals(
                flags, chart["month"], what="the share answered within 20 working days"
            )
            body.append(
                "".join(f"<p>{esc(t)}</p>" for t in signals)
                or "<p>No month shows a signal: the variation is what a stable process produces.</p>"
            )
            if drawn is not None:
                body.append(charts.chart_html(drawn))
        # before and after a process change in this year
        changes = self.changes[financial_year(self.changes["date"]) == self.year] if len(self.changes) else self.changes
        for _, change in changes.iterrows():
            body.append(
                f"<h3>Before and after {esc(change['description'] or 'the process change')} "
                f"({esc(change['date'])})</h3>"
                f"<p>{esc(spc_charts.before_after_sentence(change))}</p>"
            )
        # themes, teams, reasons for delay, who complained and how, from the records
        blocks = []
        for measure, heading in [
            ("overdue_reason", "Reasons for late responses"),
            ("statutory_complainant_type", "Who made statutory complaints"),
            ("statutory_channel", "How statutory complaints were made"),
            ("statutory_issues", "Issues raised in statutory complaints"),
            ("corporate_issues", "Issues raised in corporate complaints"),
        ]:
            blocks.append(self.records_breakdown(measure, heading))
        blocks.append(
            self.upheld_rates(
                "statutory_received_by_team",
                "statutory_upheld_by_team",
                "Upheld statutory complaints by team",
                "Team",
                "A complaint that names several teams counts once for each.",
            )
        )
        blocks.append(
            self.upheld_rates(
                "statutory_issues",
                "statutory_upheld_theme",
                "Upheld statutory complaints by theme",
                "Theme",
                "A complaint that raises several issues counts once for each.",
            )
        )
        body += [b for b in blocks if b]
        return section_html("".join(body))

    def records_breakdown(self, measure: str, heading: str) -> str:
        f = self.records_figures
        rows = f[(f["year"] == self.year) & (f["measure"] == measure) & (f["category"] != "")] if len(f) else f
        if rows.empty:
            return ""
        rows = rows.sort_values("value", ascending=False)
        total = rows["value"].sum()
        table = pd.DataFrame(
            {
                "Category": rows["category"],
                "Number": [self.count_text(v) for v in rows["value"]],
                "Share": [f"{100 * v / total:.0f}%" for v in rows["value"]],
            }
        )
        return f"<h3>{esc(heading)} (records)</h3>" + table_html(
            table, f"{heading}, {self.name} {self.year}, from the records", numeric=("Number", "Share")
        )

    def upheld_rates(self, received_measure: str, upheld_measure: str, heading: str, what: str, note: str) -> str:
        """Upheld share per category (team, theme) from the records, with Wilson intervals."""
        f = self.records_figures
        if not len(f):
            return ""
        mine = f[f["year"] == self.year]
        rates = upheld_rates(
            mine[mine["measure"] == received_measure].set_index("category")["value"],
            mine[mine["measure"] == upheld_measure].set_index("category")["value"],
        )
        if rates.empty:
            return ""
        rows = []
        for _, r in rates.iterrows():
            rows.append(
                {
                    what: r["category"],
                    "Complaints": self.count_text(r["n"]),
                    "Upheld": self.count_text(r["k"]),
                    "Upheld share": f"{100 * r['share']:.0f}%",
                    "95% interval": f"{100 * r['ci_low']:.0f}% to {100 * r['ci_high']:.0f}%",
                }
            )
        return (
            f"<h3>{esc(heading)} (records)</h3><p>{esc(note)} Categories with few complaints have wide intervals: "
            "their shares are not evidence of a difference.</p>"
            + table_html(
                pd.DataFrame(rows),
                f"{heading}, {self.name} {self.year}, from the records",
                numeric=("Complaints", "Upheld", "Upheld share"),
            )
        )

    def audit_problems(self) -> pd.DataFrame:
        a = self.audit
        return a[(a["year"] == self.year) & a["verdict"].isin(["mismatch", "contradiction"])]

    def s_audit(self) -> str:
        body = ["<h2>Figures the documents disagree on</h2>"]
        mine = self.audit[self.audit["year"] == self.year]
        problems = self.audit_problems()
        counts = mine["verdict"].value_counts()
        body.append(
            f"<p>Every published percentage, change and total for {esc(self.year)} was checked against the counts it "
            f"describes: {counts.get('ok', 0)} agree, {counts.get('mismatch', 0)} do not, "
            f"{counts.get('contradiction', 0)} figures are given two values or have parts adding up to more than the "
            f"whole, and {counts.get('cannot_check', 0)} give nothing to check against. Percentages count as right "
            "when the counts give them rounded or truncated.</p>"
        )
        if problems.empty:
            body.append(none_html(f"No disagreements found for {self.year}."))
        for _, row in problems.iterrows():
            quotes = "".join(f"<blockquote>{esc(q.strip())}</blockquote>" for q in row["quote"].split(" | "))
            what = {"mismatch": "does not match its counts", "contradiction": "is contradicted"}[row["verdict"]]
            detail = f" {esc(row['detail'])}" if row["detail"] else ""
            body.append(
                f"<h3>{esc(self.label(row['measure']))}{(': ' + esc(row['category'])) if row['category'] else ''}</h3>"
                f"<p>The statement ({esc(row['check'])} check) {what}. Stated: {esc(row['stated'])}. "
                f"The counts give: {esc(row['counts_give'] or 'no value')}.{detail}</p>{quotes}"
                f"<p>Source: {esc(self.source_title(row['source']))}.</p>"
            )
        contested = self.metrics[(self.metrics["year"] == self.year) & self.metrics["contested"]]
        if len(contested):
            body.append(
                "<p>Metrics in this report that stand on a contested figure: "
                + esc(", ".join(self.label(m) for m in contested["metric"]))
                + ".</p>"
            )
        return section_html("".join(body))

    def s_other(self) -> str:
        year_figs = self.published_figures[(self.published_figures["year"] == self.year)]
        # sections above show records when the council published no metric this year: list every published figure then
        rest = year_figs if self.source == "records" else year_figs[~year_figs["measure"].isin(self.shown_measures)]
        rest = rest[rest["basis"].fillna("").isin(["published", ""]) & rest["quote"].fillna("").ne("")]
        body = ["<h2>Other published figures</h2>"]
        if rest.empty:
            body.append(none_html("Every figure published for this year is shown above."))
            return section_html("".join(body))
        table = pd.DataFrame(
            {
                "Figure": [
                    self.label(m) + (f": {c}" if isinstance(c, str) and c else "")
                    for m, c in zip(rest["measure"], rest["category"])
                ],
                "Value": [
                    self.count_text(v) if pd.notna(v) else (f"{p:g}%" if pd.notna(p) else "")
                    for v, p in zip(rest["value"], rest["pct"])
                ],
                "As published": rest["quote"],
            }
        )
        body.append(
            "<p>Figures the documents give for this year that are not in the sections above, each with the sentence it "
            "comes from.</p>"
        )
        body.append(table_html(table, f"Other figures published by {self.name} for {self.year}", numeric=("Value",)))
        return section_html("".join(body))

    def source_title(self, source: str) -> str:
        titles = []
        for s in str(source).split("; "):
            titles.append(self.defs.sources.at[s, "title"] if s in self.defs.sources.index else s)
        return "; ".join(titles)

    def s_methods(self) -> str:
        sources = self.defs.sources[self.defs.sources["council"] == self.council.id]
        items = "".join(
            f"<li>{esc(r['title'])} ({esc(r['kind'])}, reporting on {esc(r['report_year'])}; "
            f"file {esc(r['source'])})</li>"
            for _, r in sources.iterrows()
        )
        notes = "".join(f"<li>{esc(n)}</li>" for n in self.council.notes)
        return section_html(
            "<h2>Data and methods</h2>"
            f"<h3>Where the figures come from</h3><ul>{items}</ul>"
            "<p>Every figure in these documents was transcribed with the sentence it comes from. Where a document "
            "gives one figure two values, both are kept and the one used is chosen by a fixed rule: the council's "
            "report for that year over a later restatement; then the value most statements give; then a section about "
            "the measure over a summary; then the first statement. Such figures are marked as contested.</p>"
            f"<h3>What {esc(self.name)}'s figures mean</h3><ul>{notes}</ul>"
            "<h3>Statistics</h3>"
            "<p>Every interval is a 95% confidence interval: exact Poisson (Garwood) for counts and for rates per "
            "contact, Wilson score for proportions. A change in a count from one year to the next is tested with an "
            "exact conditional test (the second year's count out of both years' total, as a binomial, with contacts as "
            "exposure when both years publish them); a change in a proportion with Fisher's exact test, with "
            "Newcombe's interval for the difference. All tests in one council-year are adjusted together "
            "(Benjamini-Hochberg q-values).</p>"
            "<p>A change is called statistically significant only when its q-value is below 0.05. Otherwise the change "
            "is within what year-to-year variation would produce: it may be real, but these figures cannot show it. "
            "Results built on fewer than 10 in either year are too few to conclude from, whatever the test says. Where "
            "only a percentage is published, the count is worked out from it: the whole number of the base nearest to "
            "that percentage among those that round to it (when several fit, the count is uncertain by one or two); "
            "where none fits, the percentage is shown as published and not tested.</p>"
        )

    def s_provenance(self) -> str:
        files = [
            self.paths.councils / f"{self.council.id}.toml",
            self.paths.measures_file,
            self.paths.metrics_definitions_file,
            self.paths.sources_file,
        ]
        files += [p for p in published_files(self.paths) if p.parent.name == self.council.id]
        files += [
            self.paths.source_documents / s
            for s in self.defs.sources.index[self.defs.sources["council"] == self.council.id]
        ]
        files += sorted(self.paths.learning.glob("*.csv"))
        packages = []
        for name in ("complaints", "pandas", "numpy", "scipy", "matplotlib", "seaborn", "papermill", "nbconvert"):
            try:
                packages.append({"Package": name, "Version": importlib.metadata.version(name)})
            except importlib.metadata.PackageNotFoundError:
                continue
        params = pd.DataFrame(
            [
                {"Parameter": "council", "Value": self.council.id},
                {"Parameter": "year", "Value": self.year},
                {"Parameter": "data", "Value": self.paths.data.name},
                {"Parameter": "outputs", "Value": self.paths.outputs.name},
                {"Parameter": "public version", "Value": "yes" if self.public else "no"},
            ]
        )
        return section_html(
            "<h2>Provenance</h2>"
            f"<p>{run_line()}.</p>"
            + table_html(params, "Parameters of this run")
            + table_html(pd.DataFrame(packages), "Package versions")
            + hashes_table(files, self.paths)
        )


def _read_optional(path: Path, council: str, **kw) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame()
    frame = pd.read_csv(path, **kw)
    return frame[frame["council"] == council].reset_index(drop=True) if len(frame) else frame


def load_report(
    council: str, year: str, data_dir: str = "", outputs_dir: str = "", public: bool = False, suppress_below: int = 5
) -> Report:
    """Everything one council-year report needs, read from the outputs of the main job."""
    paths = default_paths(data_dir or None, outputs_dir or None)
    defs = load_definitions(paths)
    council, year = str(council), str(year)
    if council not in defs.councils:
        raise ValueError(f"unknown council '{council}'; councils are {', '.join(sorted(defs.councils))}")
    metrics = pd.read_csv(paths.metrics_csv, dtype={"year": str, "prev_year": str})
    audit = pd.read_csv(paths.audit_csv, dtype=str, keep_default_na=False)
    figures = pd.read_csv(paths.figures_csv, dtype={"year": str, "category": str, "pct_of": str, "quote": str})
    figures["category"] = figures["category"].fillna("")
    learning = load_learning(paths, defs)

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["council"] == council].reset_index(drop=True)

    metrics, figures = mine(metrics), mine(figures)
    from_records = figures["basis"] == "records"
    # the main sections show published metrics where the council published any for the year, else the records'
    has_published = ((metrics["source"] == "published") & (metrics["year"] == year)).any()
    has_records = ((metrics["source"] == "records") & (metrics["year"] == year)).any()
    source = "records" if has_records and not has_published else "published"
    return Report(
        council=defs.councils[council],
        year=year,
        defs=defs,
        paths=paths,
        metrics=metrics[metrics["source"] == source].reset_index(drop=True),
        audit=mine(audit),
        figures=figures[from_records == (source == "records")].reset_index(drop=True),
        published_figures=figures[~from_records].reset_index(drop=True),
        learning=mine(learning),
        public=bool(public),
        suppress_below=int(suppress_below) if public else 0,
        source=source,
        records_metrics=metrics[metrics["source"] == "records"].reset_index(drop=True),
        records_figures=figures[from_records].reset_index(drop=True),
        monthly=_read_optional(paths.monthly_csv, council, dtype={"month": str}),
        changes=_read_optional(paths.changes_csv, council, dtype={"date": str}, keep_default_na=False),
        record_files=_read_optional(paths.record_files_csv, council, dtype={"year": str}),
    )
