"""`complaints new-year YYYY-YY`: the files an analyst fills in for a new financial year, and what is still missing.

For each council (or the one asked for) it creates what does not exist yet, and keeps what does:

- data/published/<council>/<year>_annual_report.csv: the published-figures header, after `#` comment lines
  saying what goes in it (one row per figure of the council's annual report for that year). With no rows it
  means "nothing published yet" (complaints.inputs.published accepts it);
- from 2026-27, for a council whose configuration lists a corporate procedure (the Complaint Handling Code
  applies to corporate complaints): the Code report's three inputs under data/code/<council>/ (the
  self-assessment, the Ombudsman's annual letter with one row per measure and blank values, and the
  governance TOML file with every setting commented out), each explained in its `#` comments;
- the folder data/private/<council>/ (git-ignored), where the council's real complaint extracts go.

Nothing is ever overwritten. Then it says, per council, what is still missing for that year
(`missing_inputs`, which `complaints reports` can log too). The templates are built by pure functions
(`published_template`, `code_templates`); only `new_year` touches the disk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..inputs.code_inputs import (
    BY_KIND,
    CODE_REPORT,
    FILE_NAME,
    LETTER_MEASURES,
    OMBUDSMAN_LETTER,
    SELF_ASSESSMENT,
    applies,
    read_code_inputs,
)
from ..inputs.definitions import Council, Definitions, read_definitions
from ..inputs.paths import Paths
from ..inputs.problems import InputError, Problem, display
from ..inputs.published import ALL_COLUMNS
from ..inputs.records import FILE_NAME as EXTRACT_NAME
from ..inputs.tables import read_csv_text
from ..inputs.years import is_year

log = logging.getLogger(__name__)

CREATED, KEPT = "created", "kept"
WHAT = {
    SELF_ASSESSMENT: "the self-assessment against the Complaint Handling Code",
    OMBUDSMAN_LETTER: "the Ombudsman's annual letter",
    CODE_REPORT: "the governance response",
}
FILE_WHAT = {  # what each file created is for, as new-year says it
    SELF_ASSESSMENT: "the self-assessment against the Complaint Handling Code",
    OMBUDSMAN_LETTER: "the figures of the Ombudsman's annual letter",
    CODE_REPORT: "the governance response and the Ombudsman's findings and other reports",
}


# ---------------------------------------------------------------------------------------------
# The templates (pure)


def _comments(lines: list[str]) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in lines)


def published_template(name: str, year: str) -> str:
    """data/published/<council>/<year>_annual_report.csv before any figure is transcribed."""
    lines = [
        f"The figures of {name}'s annual report on complaints for {year}: one row per figure the report states.",
        "No rows yet means nothing published yet. Lines starting with # are comments: keep them or delete them.",
        "First put the report's text in data/sources/ and add a row for it to data/published/sources.csv;",
        "then, one row per figure (README, 'Adding a year'):",
        "council and year: the council's identifier and the year the figure is for (2024-25);",
        "measure: from data/definitions/measures.csv; category: for a breakdown (a team, a channel...);",
        "value: a count or amount; stated_pct: a percentage as written; pct_of: the measure it is a percentage of;",
        "pct_qualifier: < (less than), > (more than) or ~ (about);",
        "change_from: the earlier year a stated change compares with; stated_change_pct, stated_change_abs,",
        "stated_direction (increase, decrease or same), stated_change_points (a change in percentage points);",
        "source: the document's file name in sources.csv; section: the document's heading;",
        "section_role: summary (headlines, key messages) or detail; quote: the sentence, copied exactly;",
        "note: anything a reader should know; claim, stated_year, extracted (yyyy-mm-dd): see the README.",
        "Every number a row gives must be written in its quote: `complaints check` says where one is not.",
    ]
    return _comments(lines) + ",".join(ALL_COLUMNS) + "\n"


def _column_lines(kind: str) -> list[str]:
    return [f"{c.name}: {c.explanation}" for c in BY_KIND[kind].columns]


def code_templates(name: str, year: str) -> dict[str, str]:
    """kind -> the text of data/code/<council>/<year>_<kind>.<csv|toml> before anything is filled in."""
    more = "Lines starting with # are comments. docs/code_report_inputs.md says more."
    self_assessment = (
        _comments(
            [
                f"{name}'s self-assessment against the Ombudsman's Complaint Handling Code, {year}: one row per "
                "provision of the Code.",
                "No rows yet means not provided yet: the Code report then says so.",
                *_column_lines(SELF_ASSESSMENT),
                more,
            ]
        )
        + ",".join(BY_KIND[SELF_ASSESSMENT].names)
        + "\n"
    )
    measures = [f"  {m} ({spec.unit}): {spec.explanation}" for m, spec in LETTER_MEASURES.items()]
    letter = (
        _comments(
            [
                f"The figures of the Ombudsman's annual letter about {name} for {year}, as the letter gives them.",
                "Fill in each value the letter gives; leave it blank where it gives none (the report says "
                "'not provided').",
                *_column_lines(OMBUDSMAN_LETTER),
                "The measures:",
                *measures,
                "Checks: upheld is at most detailed_investigations, which is at most decisions_made;",
                "satisfactory_remedy is at most upheld; upheld_rate agrees with upheld / detailed_investigations "
                "to within 1 percentage point.",
                more,
            ]
        )
        + ",".join(BY_KIND[OMBUDSMAN_LETTER].names)
        + "\n"
        + "".join(f"{m},,\n" for m in LETTER_MEASURES)
    )
    start = int(year[:4])
    example_date = f"{start + 1}-07-15"
    statement = "\n".join(
        [
            f"# What the Complaint Handling Code report of {name} for {year} prints besides the figures.",
            "# Every setting is optional: to give one, delete the # at the start of its line(s) and write its value.",
            '# Texts go in "quotes" (a text of several lines between """ and """); dates like '
            f"{example_date}; lists in [square brackets].",
            "# A setting this file does not know is refused. docs/code_report_inputs.md says more.",
            "",
            f"# governance_body: {BY_KIND[CODE_REPORT].columns[0].explanation.split(': ', 1)[1]}",
            '# governance_body = "Audit and Standards Committee"',
            "",
            "# governance_date: the day the governing body responded to this report",
            f"# governance_date = {example_date}",
            "",
            "# governance_response: the governing body's response, printed in the report as it is given",
            '# governance_response = """',
            "# The committee noted the report and ...",
            '# """',
            "",
            "# ombudsman_non_compliance: the Ombudsman's findings of non-compliance with the Code about the council",
            "# in the year, one text each; [] says there were none (left out: not provided)",
            '# ombudsman_non_compliance = ["The council did not ..."]',
            "",
            "# other_ombudsman_reports: other relevant Ombudsman reports or publications, one text each; [] = none",
            '# other_ombudsman_reports = ["..."]',
            "",
        ]
    )
    return {SELF_ASSESSMENT: self_assessment, OMBUDSMAN_LETTER: letter, CODE_REPORT: statement}


# ---------------------------------------------------------------------------------------------
# Creating the files


@dataclass(frozen=True)
class Step:
    council: str
    path: Path
    action: str  # created | kept
    what: str  # what the file or folder is for, in a few words


def _code_applies(council: Council | None) -> bool:
    """The Code applies to a council's corporate complaints: its configuration lists that procedure (a
    configuration that could not be read is given the benefit of the doubt)."""
    return council is None or "corporate" in council.procedures


def _real_code_file(folder: Path, year: str, kind: str) -> Path | None:
    """A real (not synthetic) file of that year and kind in a council's data/code folder, if there is one."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        match = FILE_NAME.match(path.name)
        wanted = match and match.group("year") == year and match.group("kind") == kind
        if wanted and "synthetic" not in path.name.lower():
            return path
    return None


def _write_new(path: Path, text: str) -> bool:
    """Write a file that does not exist yet; False (and nothing written) when it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except FileExistsError:
        return False
    return True


def new_year(paths: Paths, year: str, councils: dict[str, Council | None]) -> list[Step]:
    """Create every council's files for `year` that do not exist yet (councils: id -> its configuration, or
    None when it could not be read). Returns what was created and what was kept."""
    steps: list[Step] = []
    for cid, council in councils.items():
        name = council.name if council is not None else cid
        published = paths.published / cid / f"{year}_annual_report.csv"
        made = _write_new(published, published_template(name, year))
        steps.append(Step(cid, published, CREATED if made else KEPT, "the figures of the annual report"))
        if applies(year) and _code_applies(council):
            folder = paths.code_inputs / cid
            for kind, text in code_templates(name, year).items():
                existing = _real_code_file(folder, year, kind)
                if existing is not None:
                    steps.append(Step(cid, existing, KEPT, FILE_WHAT[kind]))
                    continue
                path = folder / BY_KIND[kind].file_name(year)
                made = _write_new(path, text)
                steps.append(Step(cid, path, CREATED if made else KEPT, FILE_WHAT[kind]))
        private = paths.private / cid
        existed = private.is_dir()
        private.mkdir(parents=True, exist_ok=True)
        steps.append(Step(cid, private, KEPT if existed else CREATED, "real complaint extracts (git-ignored)"))
    return steps


# ---------------------------------------------------------------------------------------------
# What is still missing


def _published_rows(paths: Paths, council: str, year: str) -> int:
    """Rows for `year` in the council's published-figures files (read as text, whatever their problems)."""
    folder = paths.published / council
    rows = 0
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        frame, _ = read_csv_text(path, ["year"], paths.data.parent, no_rows="ok")
        if "year" in frame.columns:
            rows += int((frame["year"] == year).sum())
    return rows


def _extracts(paths: Paths, council: str, year: str) -> list[Path]:
    folder = paths.private / council
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        match = EXTRACT_NAME.match(path.name)
        if match and match.group("year") == year and match.group("kind") == "complaints":
            found.append(path)
    return found


def missing_inputs(paths: Paths, defs: Definitions, year: str, council: str | None = None) -> dict[str, list[str]]:
    """council -> what is still missing for `year`, one plain-English line each (an empty list: nothing).
    Reads the files as they are: a file with problems is said to have them (`complaints check` lists them)."""
    councils = [council] if council is not None else sorted(defs.councils)
    shown = lambda path: display(path, paths.data.parent)  # noqa: E731
    code, problems = read_code_inputs(paths, defs) if applies(year) else (None, [])
    broken = {p.file for p in problems}
    out: dict[str, list[str]] = {}
    for cid in councils:
        lines: list[str] = []
        if not _extracts(paths, cid, year):
            lines.append(
                f"the complaint extract: no {shown(paths.private / cid)}/{year}_<anything>_complaints.csv yet "
                "(the council's own export of its complaint records for the year, .csv or .xlsx; how its columns "
                "map is set under [records] in its configuration)"
            )
        if not _published_rows(paths, cid, year):
            lines.append(
                f"the published figures: no rows for {year} in {shown(paths.published / cid)}/ yet (one row per "
                f"figure of the council's annual report, in {year}_annual_report.csv; README, 'Adding a year')"
            )
        if code is not None and _code_applies(defs.councils.get(cid)):
            lines += _missing_code(code, broken, paths, cid, year)
        out[cid] = lines
    return out


def _missing_code(code, broken: set[str], paths: Paths, council: str, year: str) -> list[str]:
    files = code.files
    mine = files[(files["council"] == council) & (files["year"] == year)] if len(files) else files
    lines = []
    for kind in (SELF_ASSESSMENT, OMBUDSMAN_LETTER, CODE_REPORT):
        of_kind = mine[mine["kind"] == kind] if len(mine) else mine
        real = of_kind[~of_kind["synthetic"].astype(bool)] if len(of_kind) else of_kind
        demo = " (the synthetic demonstration file is not the council's)" if len(of_kind) > len(real) else ""
        what = WHAT[kind]
        if not len(real):
            where = display(paths.code_inputs / council / BY_KIND[kind].file_name(year), paths.data.parent)
            lines.append(f"{what}: no {where} yet (`complaints new-year {year}` writes it){demo}")
            continue
        named = ", ".join(real["file"])
        if any(f in broken for f in real["file"]):
            lines.append(f"{what}: {named} has problems (`complaints check` lists them)")
            continue
        sa, letter, statement = code.for_report(council, year, False)
        if kind == SELF_ASSESSMENT and not len(sa):
            lines.append(f"{what}: no rows yet in {named}{demo}")
        elif kind == OMBUDSMAN_LETTER and (not len(letter) or letter["value"].isna().all()):
            lines.append(f"{what}'s figures: no values yet in {named}{demo}")
        elif kind == CODE_REPORT and (statement is None or statement.governance_response is None):
            lines.append(f"{what}: governance_response is not given yet in {named}{demo}")
    return lines


def years_started(paths: Paths, defs: Definitions, reported: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """(council, year) pairs with an input file of the council's own (not synthetic) for the year, in
    data/published/, data/code/ or data/private/, but no council report: a year begun (by `new-year`, say)
    whose report is still waiting for its inputs. The report run lists what each is missing."""
    found: set[tuple[str, str]] = set()
    for council in defs.councils:
        for folder in (paths.published / council, paths.code_inputs / council, paths.private / council):
            for path in folder.glob("*") if folder.is_dir() else ():
                year = path.name[:7]
                if path.is_file() and is_year(year) and "synthetic" not in path.name:
                    found.add((council, year))
    return sorted(found - set(reported))


# ---------------------------------------------------------------------------------------------
# The command


def run_new_year(paths: Paths, year: str, council: str | None = None) -> int:
    """`complaints new-year`: create the year's files, say what was created and kept, then what is still
    missing, per council. Exit status 0; InputError when the council asked for has no configuration."""
    read = read_definitions(paths)
    ids = read.council_ids
    if council is not None and council not in ids:
        where = display(paths.councils / f"{council}.toml", paths.data.parent)
        raise InputError([Problem(where, None, None, f"no such council: the councils are {', '.join(ids)}")])
    chosen = {cid: read.definitions.councils.get(cid) for cid in ids if council in (None, cid)}
    steps = new_year(paths, year, chosen)
    missing = {
        cid: lines
        for cid, lines in missing_inputs(paths, read.definitions, year).items()
        if cid in chosen  # every council whose configuration could be read
    }
    for cid, council_config in chosen.items():
        log.info(f"{council_config.name if council_config else cid} ({cid}), {year}:")
        for step in (s for s in steps if s.council == cid):
            shown = display(step.path, paths.data.parent) + ("/" if step.path.is_dir() else "")
            log.info(f"  {step.action} {shown}: {step.what}")
        if cid not in missing:
            log.info("  what is missing cannot be said until its configuration's problems are fixed (complaints check)")
            continue
        if applies(year) and council_config is not None and not _code_applies(council_config):
            log.info("  no Complaint Handling Code files: its configuration lists no corporate procedure")
        if missing[cid]:
            log.info(f"  still missing for {year}:")
            for line in missing[cid]:
                log.info(f"    - {line}")
        else:
            log.info(f"  nothing is missing for {year}")
    if read.problems:
        log.warning(f"the definitions have {len(read.problems)} problem(s): `complaints check` lists them")
    return 0
