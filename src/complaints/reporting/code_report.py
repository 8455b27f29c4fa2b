"""The Complaint Handling Code's annual report: what each section of notebooks/code_report.ipynb shows.

From 1 April 2026 the Local Government and Social Care Ombudsman's Complaint Handling Code applies to a
council's complaints outside the statutory children's procedure. Its section 8 asks for an annual
complaints performance and service improvement report with six contents, each a section here:

1. the self-assessment against the Code (input: data/code/<council>/<year>_..._self_assessment.csv);
2. a quantitative and qualitative analysis of complaint handling, including the types of complaint the
   council refused to accept (from the council's complaint records, measured against the clock in force
   when each complaint was received: complaints.analysis.clock_measures);
3. any findings of non-compliance with the Code (the Ombudsman's, from ..._code_report.toml; and what
   the records show: late acknowledgements and responses, extensions beyond the limit or without a reason);
4. the service improvements made from learning (data/learning/learning.csv);
5. the Ombudsman's annual letter (..._ombudsman_letter.csv);
6. other relevant Ombudsman reports (..._code_report.toml);
and the governance response, printed when given. A missing input says "not provided", never a blank.

Two kinds: 'code' (the council's own records, data/private/, and its own inputs) and 'code-demonstration'
(the shipped synthetic extract and synthetic inputs, "synthetic" in the title, banner, captions and
alt text). Every number comes from outputs/metrics.csv and outputs/figures.csv (records rows) or from
the checked input files; the public version is built from the frames after disclosure control, as the
council report is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..inputs.clocks import CODE, CODE_IN_FORCE, CODE_NAME
from ..inputs.code_inputs import FIRST_YEAR, load_code_inputs
from ..inputs.paths import CODE as CODE_KIND
from ..inputs.paths import CODE_DEMONSTRATION
from . import narrative, numbers
from .council_report import SYNTHETIC_TAG, Report, load_report
from .html import hashes_block
from .templating import Column, Part, Table, bullet_list, heading, none, paragraph, quote, table

KINDS = (CODE_KIND, CODE_DEMONSTRATION)
NOT_PROVIDED = "Not provided"
# the six contents of section 8 of the Code, in its order: (section, heading)
CONTENTS = (
    ("self_assessment", "1. Self-assessment against the Code"),
    ("performance", "2. Complaint handling performance"),
    ("non_compliance", "3. Findings of non-compliance with the Code"),
    ("improvements", "4. Service improvements made from learning"),
    ("ombudsman_letter", "5. The Ombudsman's annual letter"),
    ("other_reports", "6. Other relevant Ombudsman reports"),
)
CODE_METRICS = tuple(
    f"code_stage{s}_{m}_rate"
    for s in (1, 2)
    for m in ("acknowledged_in_time", "answered_in_time", "extension_within_limit", "extension_with_reason")
)
MET = {"yes": "Met", "partly": "Partly met", "no": "Not met"}
# the Ombudsman's annual letter: measure -> (what the report calls it, unit)
LETTER = {
    "complaints_and_enquiries_received": ("Complaints and enquiries received", "count"),
    "decisions_made": ("Decisions made", "count"),
    "detailed_investigations": ("Detailed investigations", "count"),
    "upheld": ("Complaints upheld", "count"),
    "upheld_rate": ("Upheld, as a share of detailed investigations", "percent"),
    "similar_authorities_upheld_rate": ("Average upheld share of similar authorities", "percent"),
    "compliance_rate": ("Recommendations complied with", "percent"),
    "satisfactory_remedy": ("Upheld cases where the council had already provided a satisfactory remedy", "count"),
}


@dataclass
class CodeReport(Report):
    self_assessment: pd.DataFrame = field(default_factory=pd.DataFrame)
    letter: pd.DataFrame = field(default_factory=pd.DataFrame)
    statement: object = None  # the checked ..._code_report.toml, or None
    code_files: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def SECTIONS(self) -> tuple[str, ...]:
        return ("title", "summary", *(name for name, _ in CONTENTS), "governance", "appendix")

    @property
    def synthetic(self) -> bool:
        return self.kind == CODE_DEMONSTRATION

    def build_part(self, name: str) -> Part:
        return getattr(self, f"p_{name}")()

    def contents(self) -> dict:
        return {
            "title": self.part("title").title,
            "kind": self.kind,
            "synthetic": self.synthetic,
            "sections": [
                p.heading_text + (" (not provided)" if _not_provided(p) else "")
                for p in self.parts()
                if p.heading_text and p.heading_text not in ("Summary", "About this report")
            ],
        }

    # ------------------------------------------------------------------ helpers
    def count_of(self, measure: str) -> str:
        """A count for a sentence or table: '–' where the records do not give it (not recorded)."""
        row = self.figure(measure)
        if row is None:
            return numbers.MISSING
        return self.count_text(row["value"], narrative.is_withheld(row))

    def statement_value(self, key: str):
        return getattr(self.statement, key, None) if self.statement is not None else None

    def under_code(self) -> bool:
        return self.figure("code_stage1_received") is not None or self.figure("code_stage2_received") is not None

    # ------------------------------------------------------------------ title and summary
    def p_title(self) -> Part:
        name = f"{self.council.name}, {self.year}"
        if self.synthetic:
            title = f"Synthetic demonstration: annual complaints performance and service improvement report, {name}"
            banner = (
                "Every figure and statement in this report is SYNTHETIC: complaint records, self-assessment, "
                "Ombudsman letter and governance response were generated or invented to show what the report "
                "looks like. None of them is a real complaint or the council's own assessment."
            )
        else:
            title = f"Annual complaints performance and service improvement report: {name}"
            banner = ""
        lede = [
            f"How {self.name} handled complaints outside the statutory children's procedure from {self.period}, "
            f"against {CODE_NAME} of the Local Government and Social Care Ombudsman, which applies to complaints "
            f"received from 1 April {CODE_IN_FORCE.year}. Section 8 of the Code asks for this report; its six "
            "contents are the sections below, then the governance response."
        ]
        if self.public:
            from .council_report import PUBLIC_NOTE

            lede.append(PUBLIC_NOTE)
        depth = 4 if self.synthetic else 3
        return Part(kind="title", title=title, banner=banner, lede=lede, index="../" * depth + "index.html")

    def p_summary(self) -> Part:
        items = []
        if not self.under_code():
            items.append(
                none(
                    f"No complaint in this year's records was measured against {CODE_NAME}'s clocks "
                    f"(they apply to corporate complaints received from 1 April {CODE_IN_FORCE.year})."
                )
            )
        rows = [self.row(m) for m in CODE_METRICS]
        rows = [r for r in rows if r is not None]
        facts = []
        for r in rows:
            counts = ""
            k, n = numbers.as_float(r.get("numerator")), numbers.as_float(r.get("denominator"))
            if not narrative.is_withheld(r) and k is not None and n:
                counts = f" ({numbers.count(k)} of {numbers.count(n)})"
            facts.append(f"{self.label(r['metric'])}: {narrative.row_value(r)}{counts}.")
        refused = self.figure("complaints_refused")
        if refused is not None:
            facts.append(f"Complaints not accepted into a procedure: {self.count_of('complaints_refused')}.")
        if len(self.self_assessment):
            met = self.self_assessment["met"].value_counts()
            facts.append(
                f"Self-assessment: {int(met.get('yes', 0))} of {len(self.self_assessment)} provisions assessed met, "
                f"{int(met.get('partly', 0))} partly met, {int(met.get('no', 0))} not met."
            )
        else:
            facts.append(f"Self-assessment against the Code: {NOT_PROVIDED.lower()}.")
        upheld, similar = self.letter_value("upheld_rate"), self.letter_value("similar_authorities_upheld_rate")
        if upheld is not None and similar is not None:
            facts.append(
                f"The Ombudsman upheld {numbers.number(upheld)}% of its detailed investigations of {self.name}, "
                f"against {numbers.number(similar)}% for similar authorities."
            )
        missing = self.not_recorded()
        if missing:
            facts.append("Not recorded in the extract, so not reported: " + "; ".join(missing) + ".")
        items.append(bullet_list(facts))
        return Part(items, heading_text="Summary", anchor="summary")

    # ------------------------------------------------------------------ 1. self-assessment
    def p_self_assessment(self) -> Part:
        title = dict(CONTENTS)["self_assessment"]
        sa = self.self_assessment
        if not len(sa):
            return Part(
                [none(f"{NOT_PROVIDED}: no self-assessment against the Code is given for {self.year}.")],
                heading_text=title,
                anchor="self_assessment",
            )
        met = sa["met"].value_counts()
        items = [
            paragraph(
                f"{self.name} assessed itself against {len(sa)} provisions of the Code: "
                f"{int(met.get('yes', 0))} met, {int(met.get('partly', 0))} partly met and {int(met.get('no', 0))} "
                "not met. Where a provision is not fully met, the action the council gives is shown."
            )
        ]
        t = Table(
            self.caption(f"Self-assessment against the Complaint Handling Code, {self.name} {self.year}"),
            [
                Column("Provision"),
                Column("Section"),
                Column("What the Code asks"),
                Column("Met"),
                Column("Evidence"),
                Column("Action"),
            ],
            [
                [
                    str(r["provision"]),
                    str(r["section"]),
                    str(r["requirement"]),
                    MET.get(str(r["met"]), str(r["met"])),
                    str(r["evidence"]),
                    str(r["action"]),
                ]
                for _, r in sa.iterrows()
            ],
            kind="learning",
        )
        items.append(table(t))
        return Part(items, heading_text=title, anchor="self_assessment")

    # ------------------------------------------------------------------ 2. performance
    def p_performance(self) -> Part:
        title = dict(CONTENTS)["performance"]
        items: list[dict] = []
        clocks = [c for c in self.council.clocks if c.rules == CODE]
        if clocks:
            items.append(
                paragraph("The Code's clocks: " + "; ".join(f"stage {c.stage}: {c.terms}" for c in clocks) + ".")
            )
        volumes = [
            ("Corporate stage 1 complaints under the Code", "code_stage1_received"),
            ("Corporate stage 2 complaints under the Code", "code_stage2_received"),
            ("Complaints not accepted into a procedure", "complaints_refused"),
            (
                "Statutory stage 1 complaints (for comparison: the statutory procedure's own clocks)",
                "statutory_received",
            ),
        ]
        rows = [[label, self.count_of(m)] for label, m in volumes if self.figure(m) is not None]
        if rows:
            items.append(
                table(
                    Table(
                        self.caption(f"Complaints received, {self.name} {self.year}"),
                        [Column("Complaints"), Column(self.year, numeric=True)],
                        rows,
                        kind="metrics",
                    )
                )
            )
        shown: set = set()
        present = [m for m in CODE_METRICS if self.row(m) is not None]
        if present:
            items.append(heading("Against the Code's clocks"))
            items += self.metric_blocks(present, "timescales", shown, dry=False)
        elif self.under_code():
            items.append(none("Whether complaints were acknowledged and answered in time is not recorded (see below)."))
        for measure in (
            "timescale_complaints",
            "refusal_reason",
            "extension_reason",
            "corporate_issues",
            "corporate_channel",
            "corporate_remedy",
        ):
            if measure in self.defs.measures.index:
                items += self.breakdown_block(measure, shown, dry=False)
        items += self.not_recorded_block()
        if not items:
            items.append(none(f"{NOT_PROVIDED}: no complaint records for {self.year}."))
        return Part(items, heading_text=title, anchor="performance")

    # ------------------------------------------------------------------ 3. non-compliance
    def p_non_compliance(self) -> Part:
        title = dict(CONTENTS)["non_compliance"]
        items: list[dict] = [heading("Findings of the Ombudsman")]
        findings = self.statement_value("ombudsman_non_compliance")
        if findings is None:
            items.append(none(f"{NOT_PROVIDED}: the Ombudsman's findings of non-compliance are not given."))
        elif not findings:
            items.append(paragraph(f"The Ombudsman made no finding of non-compliance with the Code about {self.name}."))
        else:
            items.append(bullet_list(list(findings)))
        items.append(heading("What the records show"))
        lines: list[str] = []
        for s in (1, 2):
            if self.figure(f"code_stage{s}_received") is None:
                continue
            parts = [
                self.shortfall(s, "received", "acknowledged_in_time", "{} not acknowledged within 5 working days")
                or "acknowledgements not recorded",
                self.shortfall(s, "answered", "answered_in_time", "{} answered outside the Code's time")
                or "response times against the Code not recorded",
                self.shortfall(s, "extended", "extension_within_limit", "{} extensions beyond 10 working days"),
                self.shortfall(s, "extended", "extension_with_reason", "{} extensions without a reason recorded"),
            ]
            lines.append(f"Stage {s}: " + "; ".join(p for p in parts if p) + ".")
        items.append(bullet_list(lines) if lines else none("No complaint in the records was under the Code's clocks."))
        sa = self.self_assessment
        gaps = sa[sa["met"].isin(["partly", "no"])] if len(sa) else sa
        items.append(heading("From the self-assessment"))
        if not len(sa):
            items.append(none(f"{NOT_PROVIDED}: no self-assessment."))
        elif not len(gaps):
            items.append(paragraph("The council assessed every provision as met."))
        else:
            items.append(
                bullet_list(
                    [
                        f"{r['provision']} {r['requirement']}: {MET[str(r['met'])].lower()}. {r['action']}".strip()
                        for _, r in gaps.iterrows()
                    ]
                )
            )
        return Part(items, heading_text=title, anchor="non_compliance")

    def shortfall(self, stage: int, whole: str, part: str, words: str) -> str:
        """'{n} ...' for the complaints of `whole` not in `part` at a stage ('' when the records do not give both);
        withheld where the public version withholds either count (a difference of unwithheld counts is never
        1 to 4: disclosure control treats the complement of a part as a count too)."""
        w, p = self.figure(f"code_stage{stage}_{whole}"), self.figure(f"code_stage{stage}_{part}")
        if w is None or p is None:
            return ""
        if narrative.is_withheld(w) or narrative.is_withheld(p):
            return words.format(numbers.WITHHELD_WORD)
        return words.format(self.count_text(numbers.as_float(w["value"]) - numbers.as_float(p["value"])))

    # ------------------------------------------------------------------ 4. improvements
    def p_improvements(self) -> Part:
        title = dict(CONTENTS)["improvements"]
        block = self.learning_block()
        if not block:
            return Part(
                [
                    none(
                        f"{NOT_PROVIDED}: no learning actions are recorded for {self.year} "
                        "(data/learning/learning.csv)."
                    )
                ],
                heading_text=title,
                anchor="improvements",
            )
        return Part(block, heading_text=title, anchor="improvements")

    # ------------------------------------------------------------------ 5. the Ombudsman's letter
    def letter_value(self, measure: str) -> float | None:
        rows = self.letter[self.letter["measure"] == measure] if len(self.letter) else self.letter
        return numbers.as_float(rows.iloc[0]["value"]) if len(rows) else None

    def p_ombudsman_letter(self) -> Part:
        title = dict(CONTENTS)["ombudsman_letter"]
        if not len(self.letter) or self.letter["value"].isna().all():
            return Part(
                [none(f"{NOT_PROVIDED}: the figures of the Ombudsman's annual letter for {self.year} are not given.")],
                heading_text=title,
                anchor="ombudsman_letter",
            )
        rows = []
        for measure, (label, unit) in LETTER.items():
            v = self.letter_value(measure)
            shown = (
                NOT_PROVIDED.lower()
                if v is None
                else (f"{numbers.number(v, 1)}%" if unit == "percent" else self.count_text(v))
            )
            rows.append([label, shown])
        t = Table(
            self.caption(f"The Ombudsman's annual letter about {self.name}, {self.year}"),
            [Column("Measure"), Column("Value", numeric=True)],
            rows,
            kind="metrics",
            notes=["As the Ombudsman's letter gives them (data/code/); not computed from the council's records."],
        )
        return Part([table(t)], heading_text=title, anchor="ombudsman_letter")

    # ------------------------------------------------------------------ 6. other reports
    def p_other_reports(self) -> Part:
        title = dict(CONTENTS)["other_reports"]
        reports = self.statement_value("other_ombudsman_reports")
        if reports is None:
            item = none(f"{NOT_PROVIDED}: no other Ombudsman reports are listed for {self.year}.")
        elif not reports:
            item = paragraph("The council lists no other relevant Ombudsman report for this year.")
        else:
            item = bullet_list(list(reports))
        return Part([item], heading_text=title, anchor="other_reports")

    # ------------------------------------------------------------------ governance
    def p_governance(self) -> Part:
        title = "The governance response"
        response = self.statement_value("governance_response")
        if not response:
            return Part(
                [
                    none(
                        f"{NOT_PROVIDED}: the Code asks for this report to be published with the response of the "
                        "council's governing body; none is given yet."
                    )
                ],
                heading_text=title,
                anchor="governance",
            )
        body, when = self.statement_value("governance_body"), self.statement_value("governance_date")
        said = "The response of " + (str(body) if body else "the governing body") + (f" ({when})" if when else "") + ":"
        return Part([paragraph(said), quote(str(response))], heading_text=title, anchor="governance")

    # ------------------------------------------------------------------ appendix
    def p_appendix(self) -> Part:
        items = [heading("The clocks")]
        items.append(
            paragraph(
                "Each complaint is measured against the clock in force on the day it was received (its procedure and "
                "stage); working days are Monday to Friday less England's bank holidays, counted after the day the "
                "clock starts. The clocks that apply to this council:"
            )
        )
        items.append(bullet_list([f"{c.label}: {c.terms}." for c in self.council.clocks]))
        files = [Path(p) for p in self.code_files.get("path", [])]
        if files:
            items += [heading("Input files"), hashes_block(files, self.paths)]
        if len(self.record_files):
            rec = self.record_files[self.record_files["year"] == self.year]
            items.append(
                paragraph(
                    "Complaint records: "
                    + "; ".join(f"{f} ({int(n):,} rows)" for f, n in zip(rec["file"], rec["rows"]))
                )
            )
        return Part(items, heading_text="About this report", anchor="appendix")


def _not_provided(part: Part) -> bool:
    """A section that is only a 'Not provided' note."""
    blocks = [b for b in part.items if b.get("type") != "heading"]
    return bool(blocks) and all(
        b.get("type") == "none" and str(b.get("text", "")).startswith(NOT_PROVIDED) for b in blocks
    )


def load_code_report(
    council: str,
    year: str,
    data_dir: str = "",
    outputs_dir: str = "",
    public: bool = False,
    suppress_below: int = 5,
    kind: str = CODE_KIND,
) -> CodeReport:
    """Everything one council-year's Code report needs: the council report's frames (records first) and the
    Code's input files (synthetic ones for kind 'code-demonstration')."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of Code report '{kind}'; kinds are {', '.join(KINDS)}")
    synthetic = kind == CODE_DEMONSTRATION
    base = load_report(
        council, year, data_dir, outputs_dir, public, suppress_below, kind="demonstration" if synthetic else "council"
    )
    inputs = load_code_inputs(base.paths, base.defs)
    sa, letter, statement = inputs.for_report(str(council), str(year), synthetic)
    files = inputs.files
    files = (
        files[
            (files["council"] == str(council))
            & (files["year"] == str(year))
            & files["used"].astype(bool)
            & (files["synthetic"].astype(bool) == synthetic)
        ]
        if len(files)
        else files
    )
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(Report) if f.init}
    values["kind"] = kind
    report = CodeReport(**values, self_assessment=sa, letter=letter, statement=statement, code_files=files)
    return report


__all__ = ["CONTENTS", "FIRST_YEAR", "KINDS", "NOT_PROVIDED", "SYNTHETIC_TAG", "CodeReport", "load_code_report"]
