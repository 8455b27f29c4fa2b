"""Complaint records into measures: working days, then the same measures as the published figures.

The rows come from complaints.inputs.records, read and checked. `with_working_days` adds each
complaint's working days to respond (complaints.analysis.workdays); `aggregate` counts the rows into
the measures of data/definitions/measures.csv, with exactly the columns of outputs/figures.csv
(basis = 'records'), so the metrics engine treats them like published figures.

Nothing that identifies anyone leaves here. The categories of breakdowns (by team, issue, complainant
type, channel, reason for delay, remedy) are the reader's: the council's vocabulary, or
'Other (not in the vocabulary)' for anything else (complaints.inputs.records.OTHER), never a cell's own
text. The complaint reference is used only to count an Ombudsman case once; it is never a category,
and `file` names the extract, not a complaint.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from ..inputs.clocks import CODE
from ..inputs.definitions import Definitions
from ..inputs.paths import Paths, default_paths
from ..inputs.records import CHOICES, DECIDED, FIGURE_COLUMNS, SCHEMA, Records, RecordsConfig
from .clock_measures import measure_clocks
from .workdays import working_days


def with_working_days(records: Records) -> Records:
    """The records with a `working_days` column on the complaints: working days from receipt to
    response (NaN when not answered), counted as complaints.analysis.workdays.working_days does."""
    complaints = records.complaints
    days = (
        working_days(complaints["received"], complaints["responded"]) if len(complaints) else np.array([], dtype=float)
    )
    return dataclasses.replace(records, complaints=complaints.assign(working_days=days))


def records_frame(
    paths: Paths | None = None,
    council: str | None = None,
    year: str | None = None,
    records: Records | None = None,
    set_aside: bool = False,
) -> pd.DataFrame:
    """The canonical complaints (one row per complaint per stage) with `working_days`, for SPC charts and
    before/after comparisons: `received` is a datetime, `working_days` a float (NaN when not answered)."""
    if records is None:
        from ..inputs.definitions import load_definitions
        from ..inputs.records import load_records

        paths = paths or default_paths()
        records = load_records(paths, load_definitions(paths), set_aside=set_aside)
    if "working_days" not in records.complaints.columns:
        records = with_working_days(records)
    frame = records.complaints
    if council is not None:
        frame = frame[frame["council"] == council]
    if year is not None:
        frame = frame[frame["year"] == year]
    return frame.reset_index(drop=True)


def split_counts(values: pd.Series, separator: str = ";") -> pd.Series:
    """Mentions per item of a column holding several items per row ('a; b'): a row with two items counts
    once for each; an item repeated within a row counts once. Works per distinct value, so it is fast."""
    if len(values) == 0:
        return pd.Series(dtype="int64")
    counts = (
        values.astype(str).value_counts(sort=False)
        if not isinstance(values.dtype, pd.CategoricalDtype)
        else values.value_counts(sort=False)
    )
    totals: dict[str, int] = {}
    for text, n in counts.items():
        if n == 0 or text == "":
            continue
        items = dict.fromkeys(p.strip() for p in str(text).split(separator))
        for item in items:
            if item:
                totals[item] = totals.get(item, 0) + int(n)
    return pd.Series(totals, dtype="int64").sort_index()


def _has(values: pd.Series, allowed) -> np.ndarray:
    return np.asarray(values.isin(list(allowed)))


class _Emitter:
    def __init__(self, council: str, year: str, file: str, note: str):
        self.rows: list[tuple] = []
        self.council, self.year, self.file, self.note = council, year, file, note

    def add(self, measure: str, value, category: str = "") -> None:
        self.rows.append((self.council, self.year, measure, category, float(value), self.file, self.note))

    def counts(self, measure: str, series: pd.Series) -> None:
        for category, value in series.items():
            if value > 0 and category != "":
                self.add(measure, value, str(category))

    def last(self, measure: str):
        for row in reversed(self.rows):
            if row[2] == measure and row[3] == "":
                return row[4]
        return None


def _file_label(files: pd.Series) -> tuple[str, str]:
    names = sorted(set(map(str, files.unique())))
    note = (
        "synthetic extract: generated data, not real complaints"
        if all("synthetic" in Path(n).name for n in names)
        else ""
    )
    return "; ".join(names), note


def _complaint_measures(g: pd.DataFrame, config: RecordsConfig, present: frozenset, emit: _Emitter) -> None:
    sep = ";"  # canonical list separator (exports' own separators are converted on reading)
    stage = g["stage"].to_numpy()
    procedure = np.asarray(g["procedure"].astype(str))
    outcome = np.asarray(g["outcome"].astype(str))
    wd = g["working_days"].to_numpy(dtype=float)
    responded = ~np.isnan(wd)
    s1 = stage == 1
    accepted = outcome != "not_accepted"  # a complaint not accepted into the procedure counts only as refused
    stat, corp = (procedure == "statutory") & accepted, (procedure == "corporate") & accepted
    has_stat = bool(stat.any()) or "statutory" in config.procedures
    has_corp = bool(corp.any()) or "corporate" in config.procedures
    split = config.partially_upheld

    def count(mask) -> int:
        return int(np.count_nonzero(mask))

    S, C = s1 & stat, s1 & corp
    if has_stat:
        emit.add("statutory_received", count(S))
        emit.add("statutory_stage1_responded", count(S & responded))
        emit.add("statutory_stage2_received", count(stat & (stage == 2)))
        emit.add("statutory_stage3_received", count(stat & (stage == 3)))
        if split:
            emit.add("statutory_upheld", count(S & (outcome == "upheld")))
            emit.add("statutory_partially_upheld", count(S & (outcome == "partially_upheld")))
            emit.add("statutory_upheld_any", count(S & np.isin(outcome, ("upheld", "partially_upheld"))))
        else:
            emit.add("statutory_upheld_unsplit", count(S & (outcome == "upheld")))
        emit.add("statutory_not_upheld", count(S & (outcome == "not_upheld")))
        emit.add("statutory_withdrawn", count(S & (outcome == "withdrawn")))
        emit.add("statutory_within_10wd", count(S & responded & (wd <= 10)))
        emit.add("statutory_within_11_20wd", count(S & responded & (wd > 10) & (wd <= 20)))
        emit.add("statutory_over_20wd", count(S & responded & (wd > 20)))
        emit.add("statutory_within_20wd", count(S & responded & (wd <= 20)))
        if (S & responded).any():
            emit.add("statutory_average_response_days", float(wd[S & responded].mean()))
        s2 = stat & (stage == 2)
        emit.add("statutory_stage2_resolved", count(s2 & np.isin(outcome, DECIDED)))
        emit.add("statutory_stage2_ongoing", count(s2 & (outcome == "ongoing")))
        if (s2 & responded & np.isin(outcome, DECIDED)).any():
            emit.add("statutory_stage2_average_days", float(wd[s2 & responded & np.isin(outcome, DECIDED)].mean()))
        s3 = stat & (stage == 3)
        emit.add("statutory_stage3_upheld", count(s3 & (outcome == "upheld")))
        emit.add("statutory_stage3_not_upheld", count(s3 & (outcome == "not_upheld")))
    if has_corp:
        emit.add("corporate_received", count(C))
        if split:
            emit.add("corporate_upheld", count(C & (outcome == "upheld")))
            emit.add("corporate_partially_upheld", count(C & (outcome == "partially_upheld")))
            emit.add("corporate_upheld_any", count(C & np.isin(outcome, ("upheld", "partially_upheld"))))
        emit.add("corporate_not_upheld", count(C & (outcome == "not_upheld")))
        emit.add("corporate_withdrawn", count(C & (outcome == "withdrawn")))
        emit.add("corporate_within_20wd", count(C & responded & (wd <= 20)))
        c2 = corp & (stage == 2)
        emit.add("corporate_stage2_received", count(c2))
        emit.add("corporate_stage2_upheld", count(c2 & (outcome == "upheld")))
        if "team" in present:
            emit.counts("corporate_stage2_by_team", split_counts(g.loc[c2, "team"], sep))
            emit.add("corporate_service_areas", len(split_counts(g.loc[C, "team"], sep)))
    if has_stat and has_corp:
        emit.add("complaints_received", count(S) + count(C))
        emit.add("complaints_within_20wd", count((S | C) & responded & (wd <= 20)))
        if split:
            emit.add("complaints_upheld_any", count((S | C) & np.isin(outcome, ("upheld", "partially_upheld"))))
    # late responses: stage 1, after the timescale (statutory: 10 working days, or 20 when an extension was agreed)
    # (the clock in force when each was received, with its extension: complaints.analysis.clock_measures)
    measured = measure_clocks(g, config.clocks, present)
    overdue = (S | C) & (measured["in_time"].to_numpy(dtype=object) == False)  # noqa: E712
    emit.add("complaints_overdue", count(overdue))
    if "delay_reason" in present:
        emit.counts("overdue_reason", g.loc[overdue, "delay_reason"].astype(str).value_counts())
    if "child_or_young_person" in present:
        emit.add("complaints_from_children", count((S | C) & g["child_or_young_person"].to_numpy(dtype=bool)))
    if "complainant_type" in present:
        if config.children_in_care_types:
            emit.add(
                "complaints_from_children_in_care",
                count((S | C) & _has(g["complainant_type"], config.children_in_care_types)),
            )
        if has_stat:
            emit.counts("statutory_complainant_type", g.loc[S, "complainant_type"].astype(str).value_counts())
    if "channel" in present and has_stat:
        emit.counts("statutory_channel", g.loc[S, "channel"].astype(str).value_counts())
        if config.digital_channels:
            emit.add("statutory_digital_channel", count(S & _has(g["channel"], config.digital_channels)))
    upheld = outcome == "upheld"
    if "issues" in present:
        for prefix, mask in (("statutory", S), ("corporate", C)):
            if (prefix == "statutory" and has_stat) or (prefix == "corporate" and has_corp):
                issues = split_counts(g.loc[mask, "issues"], sep)
                emit.counts(f"{prefix}_issues", issues)
                emit.add(f"{prefix}_issues_total", int(issues.sum()))
                emit.add(f"{prefix}_issue_areas", len(issues))
        if has_stat:
            emit.counts("statutory_upheld_theme", split_counts(g.loc[S & upheld, "issues"], sep))
    if "team" in present and has_stat:
        emit.counts("statutory_received_by_team", split_counts(g.loc[S, "team"], sep))
        emit.counts("statutory_upheld_by_team", split_counts(g.loc[S & upheld, "team"], sep))
    if "remedy" in present and has_stat:
        emit.counts("statutory_remedy", split_counts(g.loc[S, "remedy"], sep))
    referral = g["ombudsman_referral"].to_numpy(dtype=bool)
    if "ombudsman_referral" in present:
        cases = g.loc[referral].sort_values("stage").drop_duplicates("reference")
        emit.add("ombudsman_cases", len(cases))
        oo = cases["ombudsman_outcome"].astype(str)
        for value in CHOICES["ombudsman_outcome"]:
            emit.add(f"ombudsman_{value}", int((oo == value).sum()))
        if "team" in present:
            emit.counts("ombudsman_by_team", split_counts(cases["team"], sep))
    if "send" in present:
        send = g["send"].to_numpy(dtype=bool)
        N = (S | C) & send
        emit.add("send_received", count(N))
        if split:
            emit.add("send_upheld", count(N & upheld))
            emit.add("send_partially_upheld", count(N & (outcome == "partially_upheld")))
            emit.add("send_upheld_any", count(N & np.isin(outcome, ("upheld", "partially_upheld"))))
        emit.add("send_within_20wd", count(N & responded & (wd <= 20)))
        if "issues" in present:
            issues = split_counts(g.loc[N, "issues"], sep)
            emit.counts("send_issues", issues)
            emit.add("send_issues_total", int(issues.sum()))
            emit.add("send_issue_areas", len(issues))
            emit.counts("send_issues_upheld", split_counts(g.loc[N & upheld, "issues"], sep))
        if "ombudsman_referral" in present:
            cases = g.loc[referral & send].sort_values("stage").drop_duplicates("reference")
            emit.add("send_ombudsman_cases", len(cases))
            emit.add("send_ombudsman_upheld", int((cases["ombudsman_outcome"].astype(str) == "upheld").sum()))
    _clock_measures(g, present, emit, measured)


def _clock_measures(g: pd.DataFrame, present: frozenset, emit: _Emitter, measured: pd.DataFrame) -> None:
    """Every complaint against the clock in force when it was received (complaints.analysis.clock_measures):
    how many fell under each clock and how many were answered in time; the Complaint Handling Code's
    measures for complaints under its clocks; refusals and extensions. Measures needing a column the
    extract does not have are left out (not recorded), never counted as zero."""
    sep = ";"
    stage = g["stage"].to_numpy()
    outcome = np.asarray(g["outcome"].astype(str))
    accepted = outcome != "not_accepted"
    clock = measured["clock"].to_numpy(dtype=object)
    in_time = measured["in_time"].to_numpy(dtype=object)
    responded = g["responded"].notna().to_numpy()
    emit.counts("timescale_complaints", pd.Series(clock[accepted]).value_counts())
    emit.counts("timescale_answered", pd.Series(clock[accepted & responded]).value_counts())
    emit.counts("timescale_answered_in_time", pd.Series(clock[in_time == True]).value_counts())  # noqa: E712
    code = measured["rules"].to_numpy(dtype=object) == CODE
    records_extensions = bool({"extension_agreed", "extension_date", "extension_days"} & present)

    def true(column: str, mask) -> int:
        return int((measured.loc[mask, column].to_numpy(dtype=object) == True).sum())  # noqa: E712

    for s in (1, 2):
        under = code & (stage == s)
        if not under.any():
            continue
        prefix = f"code_stage{s}"
        emit.add(f"{prefix}_received", int(under.sum()))
        if "acknowledged" in present:  # the Code's clocks run from the acknowledgement
            emit.add(f"{prefix}_acknowledged_in_time", true("ack_in_time", under))
            emit.add(f"{prefix}_answered", int((under & responded).sum()))
            emit.add(f"{prefix}_answered_in_time", true("in_time", under))
        if records_extensions:
            emit.add(f"{prefix}_extended", true("extended", under))
            if "extension_days" in present:
                emit.add(f"{prefix}_extension_within_limit", true("extension_in_limit", under))
            if "extension_reason" in present:
                emit.add(f"{prefix}_extension_with_reason", true("extension_with_reason", under))
    if "refusal_reason" in present or (outcome == "not_accepted").any():
        refused = (outcome == "not_accepted") & (stage == 1)
        emit.add("complaints_refused", int(refused.sum()))
        if "refusal_reason" in present:
            emit.counts("refusal_reason", g.loc[refused, "refusal_reason"].astype(str).value_counts())
    if records_extensions:
        s1_extended = accepted & (stage == 1) & (measured["extended"].to_numpy(dtype=object) == True)  # noqa: E712
        emit.add("complaints_extended", int(s1_extended.sum()))
        if "extension_reason" in present:
            emit.counts("extension_reason", g.loc[s1_extended, "extension_reason"].astype(str).value_counts())
    corp1 = accepted & (stage == 1) & (np.asarray(g["procedure"].astype(str)) == "corporate")
    if corp1.any():
        if "complainant_type" in present:
            emit.counts("corporate_complainant_type", g.loc[corp1, "complainant_type"].astype(str).value_counts())
        if "channel" in present:
            emit.counts("corporate_channel", g.loc[corp1, "channel"].astype(str).value_counts())
        if "remedy" in present:
            emit.counts("corporate_remedy", split_counts(g.loc[corp1, "remedy"], sep))


def _feedback_measures(g: pd.DataFrame, config: RecordsConfig, present: frozenset, emit: _Emitter) -> None:
    kind = np.asarray(g["kind"].astype(str))
    compliment, comment = kind == "compliment", kind == "comment"
    emit.add("compliments_received", int(compliment.sum()))
    emit.add("comments_received", int(comment.sum()))
    if "team" in present:
        teams = split_counts(g.loc[compliment, "team"], ";")
        emit.counts("compliments_by_team", teams)
        emit.add("compliment_teams", len(teams))
    if "send" in present:
        send = g["send"].to_numpy(dtype=bool)
        emit.add("send_compliments_received", int((compliment & send).sum()))
        emit.add("send_comments_received", int((comment & send).sum()))


def aggregate(records: Records, defs: Definitions | None = None) -> pd.DataFrame:
    """Figures from records, with exactly the columns of outputs/figures.csv (basis = 'records').

    Year is the financial year of receipt (of the date, for feedback; of the month, for contacts).
    Counts that records give are emitted for every council-year with an extract, zeros included;
    breakdowns (by team, issue, channel...) list the categories that occur. Measures needing a
    column the export does not have are left out. A council's [records.measures] adds the
    measures its published figures use for the same counts (Dorset's complaint contacts).
    """
    if "working_days" not in records.complaints.columns:
        records = with_working_days(records)
    rows: list[tuple] = []
    sources = (
        ("complaints", records.complaints, _complaint_measures),
        ("feedback", records.feedback, _feedback_measures),
        ("contacts", records.contacts, None),
    )
    for kind, frame, measure_fn in sources:
        if frame is None or frame.empty:
            continue
        for (council, year), g in frame.groupby(["council", "year"], sort=True, observed=True):
            if g.empty:
                continue
            config = records.configs[str(council)]
            file, note = _file_label(g["file"])
            emit = _Emitter(str(council), str(year), file, note)
            present = records.present.get((str(council), str(year), kind), frozenset(SCHEMA[kind]))
            if kind == "contacts":
                emit.add("contacts", float(g["contacts"].sum()))
            else:
                measure_fn(g, config, present, emit)
            aliases = [(published, recorded) for published, recorded in config.measures.items()]
            extra = []
            for published, recorded in aliases:
                for row in emit.rows:
                    if row[2] == recorded:
                        extra.append(
                            (
                                row[0],
                                row[1],
                                published,
                                row[3],
                                row[4],
                                row[5],
                                (row[6] + "; " if row[6] else "")
                                + f"the count of {recorded} ([records.measures] in {config.source})",
                            )
                        )
            rows += emit.rows + extra
    frame = pd.DataFrame(rows, columns=["council", "year", "measure", "category", "value", "file", "note"])
    frame["basis"] = "records"
    frame["pct"] = np.nan
    frame["pct_of"] = ""
    frame["contested"] = False
    frame["values_stated"] = ""
    frame["statements"] = 0
    frame["source"] = [Path(f.split("; ")[0]).name if f else "" for f in frame["file"]]
    frame["line"] = 0
    frame["quote"] = ""
    if defs is not None and len(frame):
        unknown = sorted(set(frame["measure"]) - set(defs.measures.index))
        if unknown:
            raise ValueError(f"records gave measures not in measures.csv: {unknown}")
    frame = frame[FIGURE_COLUMNS].sort_values(["council", "year", "measure", "category"], kind="stable")
    return frame.reset_index(drop=True)
