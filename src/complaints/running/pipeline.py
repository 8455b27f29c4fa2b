"""The main job's computing part: inputs to metrics and audit, all checked before anything is written.

Two sources feed the metrics: figures the councils published (data/published) and, where an
analyst has them, complaint records (data/records for the shipped synthetic extracts, data/private
for real ones). Both go through the same metrics engine; `source` in metrics.csv says which.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ..analysis import record_summaries
from ..analysis.audit import build_audit
from ..analysis.metrics import compute_metrics, family_qvalues
from ..analysis.record_measures import aggregate, with_working_days
from ..analysis.resolve import build_figures
from ..analysis.vocabulary_check import (
    CONFIGURED_NOT_IN_DATA,
    check_vocabulary,
    published_seen,
    records_seen,
    spellings,
    synthetic_only,
)
from ..inputs.code_inputs import CodeInputs, load_code_inputs
from ..inputs.definitions import Definitions, read_definitions
from ..inputs.paths import COUNCIL_ID, Paths
from ..inputs.problems import InputError, Problem, display
from ..inputs.published import load_learning, load_published
from ..inputs.records import FIGURE_COLUMNS as RECORD_FIGURE_COLUMNS
from ..inputs.records import FILE_COLUMNS, OTHER, VOCABULARY, Records, load_records, records_folders, set_aside_path
from .outputs import write_tables

log = logging.getLogger(__name__)


@dataclass
class Results:
    definitions: Definitions
    statements: pd.DataFrame  # every published statement, as transcribed
    figures: pd.DataFrame  # one value per council, year, measure and category (published, then records)
    metrics: pd.DataFrame  # outputs/metrics.csv
    audit: pd.DataFrame  # outputs/audit.csv
    learning: pd.DataFrame  # learning actions the councils published
    records: Records  # record-level complaints (never written to outputs)
    monthly: pd.DataFrame  # outputs/monthly.csv
    changes: pd.DataFrame  # outputs/changes.csv
    record_files: pd.DataFrame  # outputs/records_files.csv


@dataclass
class Inputs:
    """Every input, read and checked."""

    definitions: Definitions
    statements: pd.DataFrame  # every published statement, as transcribed
    published: pd.DataFrame  # the figures the statements give (build_figures)
    records: Records
    learning: pd.DataFrame
    code: CodeInputs | None = None  # the Complaint Handling Code report's inputs (data/code/)


# what waits when a definition file cannot be read (read_definitions' `unreadable`)
WAITS = {
    "sections": "the report sections named in measures.csv and metrics.csv",
    "measures": "the measures named in published figures, metrics.csv and the councils' configurations",
    "metrics": "the metrics named in the councils' [denominators]",
    "sources": "the source documents named in published figures and learning actions",
}


def check_inputs(paths: Paths, set_aside: bool = False) -> Inputs:
    """Read and check every input file: definitions, council configurations, published figures,
    complaint extracts, learning actions and the Complaint Handling Code report's inputs (data/code/).
    Each is checked whatever the others hold, and one InputError lists every problem of every file. A
    check that needs a file that cannot be read (the measures named in published figures, when
    measures.csv cannot be read) or an input with problems (a council's extracts, when its configuration
    has some) waits, and the error says which and why.
    """
    problems: list[Problem] = []
    waiting: list[str] = []

    def attempt(load, *args, **kwargs):
        try:
            return load(*args, **kwargs)
        except InputError as exc:
            problems.extend(exc.problems)
            return None

    read = read_definitions(paths)
    defs = read.definitions
    problems += read.problems
    waiting += [f"{WAITS[part]} (as {file} has problems)" for part, file in read.unreadable.items()]
    skip = tuple(read.unreadable)
    statements = attempt(load_published, paths, defs, skip=skip, councils=read.council_ids)
    published = None
    if statements is not None and not problems:
        published = attempt(build_figures, statements, defs)
    else:
        waiting.append("the published figures against one another (a count above the total it is part of)")
    broken = tuple(c for c in read.council_ids if c not in defs.councils)
    records = attempt(load_records, paths, defs, set_aside=set_aside, unchecked=broken)
    configured = {display(paths.councils / f"{c}.toml", paths.data.parent): c for c in read.council_ids}
    held = sorted({configured[p.file] for p in problems if p.file in configured} & _with_extracts(paths))
    if held:
        waiting.append(f"the complaint extracts of {', '.join(held)} (as the configuration has problems)")
    learning = attempt(load_learning, paths, defs, skip=skip, councils=read.council_ids)
    code = attempt(load_code_inputs, paths, defs, councils=read.council_ids)
    if problems:
        raise InputError(problems, waiting)
    return Inputs(defs, statements, published, records, learning, code)


def _with_extracts(paths: Paths) -> set[str]:
    """The councils with a folder of complaint extracts (data/records/<council>, data/private/<council>)."""
    return {p.name for root, _private in records_folders(paths) if root.is_dir() for p in root.iterdir() if p.is_dir()}


def compute(paths: Paths, set_aside: bool = False, timings: dict | None = None) -> Results:
    """Read and check every input (check_inputs: one InputError lists every problem of every file),
    then compute.

    With set_aside, invalid rows of complaint records are kept aside with their reasons instead of
    stopping the run (problems with whole files still stop it); write_results writes them to
    outputs/private/records_set_aside/. With `timings` (a dict), the seconds of its steps are added to it:
    inputs (reading and checking, the published figures resolved), metrics, audit and the rest (running.scale).
    """
    timings = {} if timings is None else timings
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = timings.get(step, 0.0) + now - clock
        clock = now

    inputs = check_inputs(paths, set_aside=set_aside)
    lap("inputs")
    defs, statements, published, learning = inputs.definitions, inputs.statements, inputs.published, inputs.learning
    records = with_working_days(inputs.records)
    from_records = aggregate(records, defs)
    files = records.files.copy()
    files["synthetic"] = files["file"].astype(str).str.contains("synthetic") if len(files) else pd.Series(dtype=bool)
    changes = record_summaries.process_changes(records.complaints, defs)
    metrics = compute_metrics(published, defs, source="published")
    if len(from_records):
        # the before/after tests of process changes join the Benjamini-Hochberg family of their
        # council, financial year and source (records)
        from_records_metrics = compute_metrics(
            from_records, defs, source="records", synthetic=_synthetic_years(files), other_tests=changes
        )
        metrics = pd.concat([metrics, from_records_metrics], ignore_index=True)
        metrics = metrics.sort_values(["council", "year", "metric", "source"], kind="stable").reset_index(drop=True)
    changes = record_summaries.with_qvalues(changes, family_qvalues(metrics, changes, source="records"))
    lap("metrics")
    audit = build_audit(statements, published, defs)
    lap("audit")
    log_vocabulary_check(vocabulary_findings(defs, published, records), paths)
    lap("other")
    return Results(
        defs,
        statements,
        pd.concat([published, from_records], ignore_index=True),
        metrics,
        audit,
        learning,
        records,
        record_summaries.monthly(records.complaints),
        changes,
        files,
    )


@dataclass
class VocabularyFindings:
    findings: pd.DataFrame  # analysis.vocabulary_check.FINDING_COLUMNS
    synthetic_only: dict[str, int]  # council -> configured names the data has only in synthetic extracts
    not_published: set = field(default_factory=set)  # (council, key): [vocabulary] keys marked not published


def vocabulary_findings(defs: Definitions, published: pd.DataFrame, records: Records) -> VocabularyFindings:
    """Each council's [vocabulary] against its published figures' categories and its records' values."""
    vocabularies = {c: council.vocabulary for c, council in defs.councils.items()}
    seen = pd.concat([published_seen(published, vocabularies, spellings(records)), records_seen(records)])
    marked = {
        (c, key)
        for c, council in defs.councils.items()
        for key in dict.fromkeys(VOCABULARY.values())
        if not council.is_published(f"vocabulary.{key}")
    }
    return VocabularyFindings(check_vocabulary(seen, vocabularies), synthetic_only(seen, vocabularies), marked)


def log_vocabulary_check(checked: VocabularyFindings, paths: Paths) -> None:
    """The findings as warnings (the run goes on): names from the configurations and the published figures are
    named; values of extracts never are (counts only, and where to find them: outputs/private/vocabulary.csv)."""
    findings = checked.findings
    check_file = paths.vocabulary_check.relative_to(paths.outputs.parent).as_posix()
    for council, n in sorted(checked.synthetic_only.items()):
        if n:
            log.info(
                "%s: %d name(s) of its [vocabulary] are only in the synthetic extracts (in the data, but in no "
                "published figure or real extract yet)",
                council,
                n,
            )
    for (council, key), group in findings.groupby(["council", "key"], sort=False):
        if (council, key) in checked.not_published:  # nothing configured yet: what the data has, to fill it in
            public = group[~group["from_extracts"].astype(bool)]
            names = ", ".join(f"'{n}'" for n in public["name"])
            log.warning(
                "%s [vocabulary] %s is marked not published: its published figures name %d (%s) and its records "
                "%d other value(s), all counted as '%s' until it is filled in",
                council,
                key,
                len(public),
                names or "none",
                len(group) - len(public),
                OTHER,
            )
            continue
        never = group[group["finding"] == CONFIGURED_NOT_IN_DATA]
        nothing = never["where"].str.startswith("no published figure")
        if nothing.any():
            log.warning(
                "%s [vocabulary] %s: none of its %d name(s) can be checked: %s",
                council,
                key,
                int(nothing.sum()),
                never["where"].iloc[0],
            )
        for _, f in never[~nothing].iterrows():
            hint = ""
            if f["suggestion"] and not f["suggestion_private"]:
                hint = f"; did you mean '{f['suggestion']}'?"
            elif f["suggestion"]:
                hint = f"; a close value is among its extracts' values outside the vocabulary ({check_file})"
            log.warning(
                "%s [vocabulary] %s: '%s' is configured, never in the data (%s)%s",
                council,
                key,
                f["name"],
                f["where"],
                hint,
            )
        missing = group[group["finding"] != CONFIGURED_NOT_IN_DATA]
        for _, f in missing[~missing["from_extracts"].astype(bool)].iterrows():
            hint = f"; did you mean '{f['suggestion']}'?" if f["suggestion"] else ""
            log.warning(
                "%s [vocabulary] %s: '%s' is in the data, not configured (%s)%s",
                council,
                key,
                f["name"],
                f["where"],
                hint,
            )
        private = missing[missing["from_extracts"].astype(bool)]
        if len(private):
            close = int(private["suggestion"].astype(bool).sum())
            log.warning(
                "%s [vocabulary] %s: %d value(s) of its records are in the data, not configured (%s): counted as "
                "'%s'%s; they are listed in %s by `complaints metrics` and `complaints reports`",
                council,
                key,
                len(private),
                "; ".join(sorted(set(private["where"]))),
                OTHER,
                f", {close} close to a configured name" if close else "",
                check_file,
            )


def _synthetic_years(files: pd.DataFrame) -> set[tuple[str, str]]:
    """(council, year) pairs whose records come only from synthetic extracts (every file used says so)."""
    if files.empty:
        return set()
    used = files[files["used"].astype(bool)] if "used" in files.columns else files
    return {
        (council, year)
        for (council, year), group in used.groupby(["council", "year"])
        if group["synthetic"].astype(bool).all()
    }


# figures.csv: the columns of a figure (as records give them too), with how its value was chosen
_CHOSEN_AT = RECORD_FIGURE_COLUMNS.index("statements")
FIGURE_COLUMNS = [*RECORD_FIGURE_COLUMNS[:_CHOSEN_AT], "allowed", "chosen_by", *RECORD_FIGURE_COLUMNS[_CHOSEN_AT:]]
# records_files.csv: each extract read, and whether it is synthetic (what was blank or superseded stays inside)
RECORD_FILE_COLUMNS = [c for c in FILE_COLUMNS if c not in ("blank_rows", "superseded_by")] + ["synthetic"]


def write_results(results: Results, paths: Paths, workbooks: bool = True) -> None:
    """metrics.csv and audit.csv (the contract); figures.csv (every figure, for reports); the
    aggregates of records that reports show (monthly.csv, changes.csv, records_files.csv); the values of
    extracts outside their council's vocabulary, only in outputs/private/vocabulary.csv (a warning per
    council-year and column gives their count, never the values); with
    --set-aside, the invalid rows of each extract under outputs/private/records_set_aside/; then metrics.csv as
    spreadsheets: outputs/metrics.xlsx and outputs/<council>/metrics.xlsx (built before anything is
    written, moved into place after the CSVs, all or nothing). workbooks=False leaves the spreadsheets to
    `write_workbooks`, which the batch runs while the reports are built (nothing in a report reads them)."""
    tables = {
        paths.metrics_csv: results.metrics,
        paths.audit_csv: results.audit,
        paths.figures_csv: results.figures.reindex(columns=FIGURE_COLUMNS),
        paths.monthly_csv: results.monthly,
        paths.changes_csv: results.changes,
        paths.record_files_csv: results.record_files.reindex(columns=RECORD_FILE_COLUMNS),
    }
    records = results.records
    tables.update({set_aside_path(paths, *key): rows for key, rows in records.set_aside_rows.items()})
    # values outside a council's vocabulary: raw cells of the extracts, so only in the private check file
    outside = records.outside_vocabulary
    if len(outside):
        tables[paths.vocabulary_check] = outside
    write_tables(tables, metrics_workbooks(results, paths) if workbooks else {})
    if not len(outside):  # a check file left by an earlier run would list values that are now mapped
        paths.vocabulary_check.unlink(missing_ok=True)
    check_file = paths.vocabulary_check.relative_to(paths.outputs.parent).as_posix()
    for _, row in records.outside_vocabulary_counts().iterrows():  # counts only: the values stay in the file
        log.warning(
            "%s %s %s, column '%s' (%s): %d value(s) outside the council's vocabulary (%d distinct) are counted "
            "as '%s'; see %s and map them in the council's configuration",
            row["council"],
            row["year"],
            row["kind"],
            row["column"],
            row["canonical"],
            row["values"],
            row["distinct"],
            OTHER,
            check_file,
        )
    if workbooks:
        _remove_stale_workbooks(paths, metrics_workbooks_paths(results, paths))
    # a set-aside file left by an earlier run for an extract that is now clean would mislead
    if paths.set_aside_dir.is_dir():
        current = {set_aside_path(paths, *key).name for key in records.set_aside_rows}
        read = (
            {
                set_aside_path(paths, f["council"], f["year"], f["kind"]).name
                for _, f in records.files[records.files["used"]].iterrows()
            }
            if len(records.files)
            else set()
        )
        for old in paths.set_aside_dir.glob("*.csv"):
            if old.name in read and old.name not in current:
                old.unlink()


def _remove_stale_workbooks(paths: Paths, current: list[Path]) -> None:
    """A workbook left by an earlier run for a council (or a metrics.csv) with no rows now would mislead."""
    earlier = [p for p in paths.outputs.glob(f"*/{paths.metrics_xlsx.name}") if COUNCIL_ID.match(p.parent.name)]
    for old in [paths.metrics_xlsx, *earlier]:
        if old not in current:
            old.unlink(missing_ok=True)


def metrics_workbooks_paths(results: Results, paths: Paths) -> list[Path]:
    metrics = results.metrics
    if metrics.empty:
        return []
    councils = sorted(metrics["council"].astype(str).unique())
    return [paths.metrics_xlsx, *(paths.council_metrics_xlsx(c) for c in councils)]


def write_workbooks(results: Results, paths: Paths) -> None:
    """The spreadsheets of write_results, on their own (all moved into place together), and stale ones removed."""
    books = metrics_workbooks(results, paths)
    write_tables({}, books)
    _remove_stale_workbooks(paths, list(books))


def metrics_workbooks(results: Results, paths: Paths) -> dict[Path, bytes]:
    """outputs/metrics.xlsx (every row of metrics.csv) and outputs/<council>/metrics.xlsx (that council's
    rows), as bytes: built here, written by write_results."""
    from ..reporting.spreadsheet import build_workbook  # gptables: only when writing

    start = time.perf_counter()
    made = datetime.now(UTC)
    metrics, defs = results.metrics, results.definitions
    if metrics.empty:
        return {}
    books = {paths.metrics_xlsx: build_workbook(metrics, made, defs)}
    for council in sorted(metrics["council"].astype(str).unique()):
        books[paths.council_metrics_xlsx(council)] = build_workbook(metrics, made, defs, council=council)
    log.debug("built %d workbooks in %.2f s", len(books), time.perf_counter() - start)
    return books
