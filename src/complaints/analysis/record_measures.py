"""Complaint records into measures: working days, then the same measures as the published figures.

The rows come from complaints.inputs.records, read and checked. `with_working_days` adds each
complaint's working days to respond (complaints.analysis.workdays); `aggregate` counts the rows into
the measures of data/definitions/measures.csv, with exactly the columns of outputs/figures.csv
(basis = 'records'), so the metrics engine treats them like published figures. Every measure is added up
over blocks of rows (_Partial), so `figures_from_extracts` gives the same figures for extracts too large to
hold, a block at a time.

Nothing that identifies anyone leaves here. The categories of breakdowns (by team, issue, complainant
type, channel, reason for delay, remedy) are the reader's: the council's vocabulary, or
'Other (not in the vocabulary)' for anything else (complaints.inputs.records.OTHER), never a cell's own
text. The complaint reference is used only to count an Ombudsman case once; it is never a category,
and `file` names the extract, not a complaint.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..inputs.clocks import CODE
from ..inputs.definitions import Definitions
from ..inputs.paths import Paths, default_paths
from ..inputs.records import (
    BLOCK_BYTES,
    CHOICES,
    DECIDED,
    FIGURE_COLUMNS,
    SCHEMA,
    NotQuick,
    Records,
    RecordsConfig,
    load_records,
    records_in_blocks,
)
from .clock_measures import as_text, measure_clocks
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


class _Values:
    """A column's values compared through its distinct values (a categorical's codes), so that `outcome ==
    'upheld'` costs one comparison per category, not one per complaint; as the array of its values as text
    would compare."""

    def __init__(self, series: pd.Series):
        if isinstance(series.dtype, pd.CategoricalDtype):
            self.codes = series.cat.codes.to_numpy()
            self.names = [str(c) for c in series.cat.categories] + ["nan"]  # code -1 (never in records): 'nan'
        else:
            self.codes, names = pd.factorize(as_text(series))
            self.names = [str(c) for c in names]

    def isin(self, values) -> np.ndarray:
        wanted = set(values)
        return np.array([n in wanted for n in self.names], dtype=bool)[self.codes]

    def __eq__(self, value) -> np.ndarray:  # type: ignore[override]
        return self.isin((value,))

    def __ne__(self, value) -> np.ndarray:  # type: ignore[override]
        return ~self.isin((value,))

    __hash__ = None  # type: ignore[assignment]


def _value_counts(values: pd.Series) -> pd.Series:
    """How many rows hold each value (as text); a categorical column counts each category (zeros included,
    which _Emitter.counts leaves out), without converting every row to text."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        counts = values.value_counts(sort=False)
        counts.index = [str(c) for c in counts.index]
        return counts.groupby(level=0, sort=False).sum()
    return values.astype(str).value_counts()


class _Emitter:
    """The measures of one council-year (or of one block of its rows), as (measure, category, value); a measure
    that is not a sum over rows (a mean, a number of distinct categories, Ombudsman cases counted once per
    complaint) keeps in `parts` what adding up blocks needs, and is worked out in _Partial.figures."""

    def __init__(self):
        self.rows: list[tuple[str, str, float]] = []
        self.parts: dict[tuple, object] = {}

    def add(self, measure: str, value, category: str = "") -> None:
        self.rows.append((measure, category, float(value)))

    def counts(self, measure: str, series: pd.Series) -> None:
        for category, value in series.items():
            if value > 0 and category != "":
                self.add(measure, value, str(category))

    def mean(self, measure: str, values: np.ndarray) -> None:
        """The mean of values (left out when there are none): their sum and number, added up over blocks."""
        if len(values):
            total, n = self.parts.get(("mean", measure), (0.0, 0))
            self.parts[("mean", measure)] = (total + float(values.sum()), n + len(values))

    def areas(self, measure: str, counts: pd.Series) -> None:
        """How many categories a breakdown has: the categories, joined over blocks."""
        self.parts.setdefault(("areas", measure), set()).update(str(c) for c in counts.index)

    def referrals(self, rows: pd.DataFrame) -> None:
        """The complaints referred to the Ombudsman, each counted once however many blocks and stages hold it."""
        self.parts.setdefault(("referrals",), []).append(rows)


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
    procedure = _Values(g["procedure"])
    outcome = _Values(g["outcome"])
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
            emit.add("statutory_upheld_any", count(S & outcome.isin(("upheld", "partially_upheld"))))
        else:
            emit.add("statutory_upheld_unsplit", count(S & (outcome == "upheld")))
        emit.add("statutory_not_upheld", count(S & (outcome == "not_upheld")))
        emit.add("statutory_withdrawn", count(S & (outcome == "withdrawn")))
        emit.add("statutory_within_10wd", count(S & responded & (wd <= 10)))
        emit.add("statutory_within_11_20wd", count(S & responded & (wd > 10) & (wd <= 20)))
        emit.add("statutory_over_20wd", count(S & responded & (wd > 20)))
        emit.add("statutory_within_20wd", count(S & responded & (wd <= 20)))
        emit.mean("statutory_average_response_days", wd[S & responded])
        s2 = stat & (stage == 2)
        emit.add("statutory_stage2_resolved", count(s2 & outcome.isin(DECIDED)))
        emit.add("statutory_stage2_ongoing", count(s2 & (outcome == "ongoing")))
        emit.mean("statutory_stage2_average_days", wd[s2 & responded & outcome.isin(DECIDED)])
        s3 = stat & (stage == 3)
        emit.add("statutory_stage3_upheld", count(s3 & (outcome == "upheld")))
        emit.add("statutory_stage3_not_upheld", count(s3 & (outcome == "not_upheld")))
    if has_corp:
        emit.add("corporate_received", count(C))
        if split:
            emit.add("corporate_upheld", count(C & (outcome == "upheld")))
            emit.add("corporate_partially_upheld", count(C & (outcome == "partially_upheld")))
            emit.add("corporate_upheld_any", count(C & outcome.isin(("upheld", "partially_upheld"))))
        emit.add("corporate_not_upheld", count(C & (outcome == "not_upheld")))
        emit.add("corporate_withdrawn", count(C & (outcome == "withdrawn")))
        emit.add("corporate_within_20wd", count(C & responded & (wd <= 20)))
        c2 = corp & (stage == 2)
        emit.add("corporate_stage2_received", count(c2))
        emit.add("corporate_stage2_upheld", count(c2 & (outcome == "upheld")))
        if "team" in present:
            emit.counts("corporate_stage2_by_team", split_counts(g.loc[c2, "team"], sep))
            emit.areas("corporate_service_areas", split_counts(g.loc[C, "team"], sep))
    if has_stat and has_corp:
        emit.add("complaints_received", count(S) + count(C))
        emit.add("complaints_within_20wd", count((S | C) & responded & (wd <= 20)))
        if split:
            emit.add("complaints_upheld_any", count((S | C) & outcome.isin(("upheld", "partially_upheld"))))
    # late responses: stage 1, after the timescale (statutory: 10 working days, or 20 when an extension was agreed)
    # (the clock in force when each was received, with its extension: complaints.analysis.clock_measures)
    measured = measure_clocks(g, config.clocks, present)
    overdue = (S | C) & (measured["in_time"].to_numpy(dtype=object) == False)  # noqa: E712
    emit.add("complaints_overdue", count(overdue))
    if "delay_reason" in present:
        emit.counts("overdue_reason", _value_counts(g.loc[overdue, "delay_reason"]))
    if "child_or_young_person" in present:
        emit.add("complaints_from_children", count((S | C) & g["child_or_young_person"].to_numpy(dtype=bool)))
    if "complainant_type" in present:
        if config.children_in_care_types:
            emit.add(
                "complaints_from_children_in_care",
                count((S | C) & _has(g["complainant_type"], config.children_in_care_types)),
            )
        if has_stat:
            emit.counts("statutory_complainant_type", _value_counts(g.loc[S, "complainant_type"]))
    if "channel" in present and has_stat:
        emit.counts("statutory_channel", _value_counts(g.loc[S, "channel"]))
        if config.digital_channels:
            emit.add("statutory_digital_channel", count(S & _has(g["channel"], config.digital_channels)))
    upheld = outcome == "upheld"
    if "issues" in present:
        for prefix, mask in (("statutory", S), ("corporate", C)):
            if (prefix == "statutory" and has_stat) or (prefix == "corporate" and has_corp):
                issues = split_counts(g.loc[mask, "issues"], sep)
                emit.counts(f"{prefix}_issues", issues)
                emit.add(f"{prefix}_issues_total", int(issues.sum()))
                emit.areas(f"{prefix}_issue_areas", issues)
        if has_stat:
            emit.counts("statutory_upheld_theme", split_counts(g.loc[S & upheld, "issues"], sep))
    if "team" in present and has_stat:
        emit.counts("statutory_received_by_team", split_counts(g.loc[S, "team"], sep))
        emit.counts("statutory_upheld_by_team", split_counts(g.loc[S & upheld, "team"], sep))
    if "remedy" in present and has_stat:
        emit.counts("statutory_remedy", split_counts(g.loc[S, "remedy"], sep))
    referral = g["ombudsman_referral"].to_numpy(dtype=bool)
    if "ombudsman_referral" in present:
        emit.referrals(g.loc[referral, ["reference", "stage", "ombudsman_outcome", "team", "send"]])
    if "send" in present:
        send = g["send"].to_numpy(dtype=bool)
        N = (S | C) & send
        emit.add("send_received", count(N))
        if split:
            emit.add("send_upheld", count(N & upheld))
            emit.add("send_partially_upheld", count(N & (outcome == "partially_upheld")))
            emit.add("send_upheld_any", count(N & outcome.isin(("upheld", "partially_upheld"))))
        emit.add("send_within_20wd", count(N & responded & (wd <= 20)))
        if "issues" in present:
            issues = split_counts(g.loc[N, "issues"], sep)
            emit.counts("send_issues", issues)
            emit.add("send_issues_total", int(issues.sum()))
            emit.areas("send_issue_areas", issues)
            emit.counts("send_issues_upheld", split_counts(g.loc[N & upheld, "issues"], sep))
    _clock_measures(g, present, emit, measured)


def _ombudsman_measures(referred: pd.DataFrame, present: frozenset, emit: _Emitter) -> None:
    """Ombudsman cases: each complaint referred counted once (at its first stage), whatever its other stages."""
    if "ombudsman_referral" not in present:
        return
    cases = referred.sort_values("stage").drop_duplicates("reference")
    emit.add("ombudsman_cases", len(cases))
    oo = cases["ombudsman_outcome"].astype(str)
    for value in CHOICES["ombudsman_outcome"]:
        emit.add(f"ombudsman_{value}", int((oo == value).sum()))
    if "team" in present:
        emit.counts("ombudsman_by_team", split_counts(cases["team"], ";"))
    if "send" in present:
        cases = referred[referred["send"].to_numpy(dtype=bool)].sort_values("stage").drop_duplicates("reference")
        emit.add("send_ombudsman_cases", len(cases))
        emit.add("send_ombudsman_upheld", int((cases["ombudsman_outcome"].astype(str) == "upheld").sum()))


def _clock_measures(g: pd.DataFrame, present: frozenset, emit: _Emitter, measured: pd.DataFrame) -> None:
    """Every complaint against the clock in force when it was received (complaints.analysis.clock_measures):
    how many fell under each clock and how many were answered in time; the Complaint Handling Code's
    measures for complaints under its clocks; refusals and extensions. Measures needing a column the
    extract does not have are left out (not recorded), never counted as zero."""
    sep = ";"
    stage = g["stage"].to_numpy()
    outcome = _Values(g["outcome"])
    accepted = outcome != "not_accepted"
    clock = measured["clock"].to_numpy(dtype=object)
    in_time = measured["in_time"].to_numpy(dtype=object)
    responded = g["responded"].notna().to_numpy()
    clock_codes, clock_names = pd.factorize(clock)

    def clock_counts(mask) -> pd.Series:
        counts = np.bincount(clock_codes[mask], minlength=len(clock_names))
        return pd.Series(counts, index=[str(c) for c in clock_names])

    emit.counts("timescale_complaints", clock_counts(accepted))
    emit.counts("timescale_answered", clock_counts(accepted & responded))
    emit.counts("timescale_answered_in_time", clock_counts(in_time == True))  # noqa: E712
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
            emit.counts("refusal_reason", _value_counts(g.loc[refused, "refusal_reason"]))
    if records_extensions:
        s1_extended = accepted & (stage == 1) & (measured["extended"].to_numpy(dtype=object) == True)  # noqa: E712
        emit.add("complaints_extended", int(s1_extended.sum()))
        if "extension_reason" in present:
            emit.counts("extension_reason", _value_counts(g.loc[s1_extended, "extension_reason"]))
    corp1 = accepted & (stage == 1) & (_Values(g["procedure"]) == "corporate")
    if corp1.any():
        if "complainant_type" in present:
            emit.counts("corporate_complainant_type", _value_counts(g.loc[corp1, "complainant_type"]))
        if "channel" in present:
            emit.counts("corporate_channel", _value_counts(g.loc[corp1, "channel"]))
        if "remedy" in present:
            emit.counts("corporate_remedy", split_counts(g.loc[corp1, "remedy"], sep))


def _feedback_measures(g: pd.DataFrame, config: RecordsConfig, present: frozenset, emit: _Emitter) -> None:
    kind = _Values(g["kind"])
    compliment, comment = kind == "compliment", kind == "comment"
    emit.add("compliments_received", int(compliment.sum()))
    emit.add("comments_received", int(comment.sum()))
    if "team" in present:
        teams = split_counts(g.loc[compliment, "team"], ";")
        emit.counts("compliments_by_team", teams)
        emit.areas("compliment_teams", teams)
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
    partial = _Partial()
    partial.add(records)
    return partial.figures(records.configs, defs)


def figures_from_extracts(
    paths: Paths, defs: Definitions, set_aside: bool = False, block_bytes: int = BLOCK_BYTES
) -> pd.DataFrame:
    """aggregate(with_working_days(load_records(paths, defs, set_aside)), defs), the same figures, in memory
    bounded by a block of rows rather than by the extracts: ten million complaints read, checked, timed and
    counted block by block (complaints.inputs.records.records_in_blocks), the blocks' figures added up.

    Only extracts free of problems go block by block: when anything in them needs the careful reader, or is a
    problem, they are read whole by load_records, which stops with every problem listed (file, line, column),
    or sets the rows aside with set_aside=True, exactly as it always does."""
    partial, configs = _Partial(), None
    try:
        for block in records_in_blocks(paths, defs, block_bytes):
            configs = block.configs
            partial.add(with_working_days(block))
    except NotQuick:
        configs = None
    if configs is None:
        return aggregate(with_working_days(load_records(paths, defs, set_aside=set_aside)), defs)
    return partial.figures(configs, defs)


@dataclass
class _Group:
    """What the blocks of one council-year's rows of one kind have given so far."""

    present: frozenset
    files: set = field(default_factory=set)
    values: dict = field(default_factory=dict)  # (measure, category) -> value, added up over blocks
    parts: dict = field(default_factory=dict)  # _Emitter.parts, joined over blocks


class _Partial:
    """Figures from records added up block by block: `add` the records of each block (complaints of one council
    and year may come in many), then `figures`. Every measure is a sum over rows but the means, the numbers of
    categories and the Ombudsman cases, which keep what they need in _Emitter.parts; so the figures are the
    same however the rows are split (aggregate is one block)."""

    def __init__(self):
        self.groups: dict[tuple[str, str, str], _Group] = {}

    def add(self, records: Records) -> None:
        if "working_days" not in records.complaints.columns:
            records = with_working_days(records)
        sources = (
            ("complaints", records.complaints, _complaint_measures),
            ("feedback", records.feedback, _feedback_measures),
            ("contacts", records.contacts, None),
        )
        for kind, frame, measure_fn in sources:
            if frame is None or frame.empty:
                continue
            groups = frame.groupby(["council", "year"], sort=True, observed=True).indices
            for (council, year), positions in sorted(groups.items(), key=lambda item: tuple(map(str, item[0]))):
                if not len(positions):
                    continue
                g = frame if len(positions) == len(frame) else frame.take(positions)
                council, year = str(council), str(year)
                present = records.present.get((council, year, kind), frozenset(SCHEMA[kind]))
                emit = _Emitter()
                if kind == "contacts":
                    emit.add("contacts", float(g["contacts"].sum()))
                else:
                    measure_fn(g, records.configs[council], present, emit)
                group = self.groups.setdefault((kind, council, year), _Group(present))
                group.files.update(map(str, g["file"].unique()))
                for measure, category, value in emit.rows:
                    group.values[(measure, category)] = group.values.get((measure, category), 0.0) + value
                for key, part in emit.parts.items():
                    if key[0] == "mean":
                        total, n = group.parts.get(key, (0.0, 0))
                        group.parts[key] = (total + part[0], n + part[1])
                    else:
                        group.parts.setdefault(key, type(part)())
                        group.parts[key] = group.parts[key] | part if key[0] == "areas" else group.parts[key] + part

    def figures(self, configs: dict[str, RecordsConfig], defs: Definitions | None = None) -> pd.DataFrame:
        """The figures, with exactly the columns of outputs/figures.csv (basis = 'records')."""
        rows: list[tuple] = []
        for (_kind, council, year), group in sorted(self.groups.items()):
            config = configs[council]
            values = dict(group.values)
            for key, part in group.parts.items():
                if key[0] == "mean":
                    values[(key[1], "")] = part[0] / part[1]
                elif key[0] == "areas":
                    values[(key[1], "")] = float(len(part))
                else:
                    emit = _Emitter()
                    _ombudsman_measures(pd.concat(part, ignore_index=True), group.present, emit)
                    for measure, category, value in emit.rows:
                        values[(measure, category)] = value
            file, note = _file_label(pd.Series(sorted(group.files)))
            emit_rows = [(council, year, m, c, v, file, note) for (m, c), v in values.items()]
            extra = []
            for published, recorded in config.measures.items():
                for row in emit_rows:
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
            rows += emit_rows + extra
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
