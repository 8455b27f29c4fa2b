"""Definitions the analysis stands on: measures, metrics, source documents and councils.

- data/definitions/sections.csv: the sections of a council report, in order, each with what the
  statutory guidance ("Getting the Best from Complaints", 2006) asks an annual report to cover
- data/definitions/measures.csv: every measure a published figure or record can carry, with the
  report section it is shown in
- data/definitions/metrics.csv: the metrics of docs/methods.md, each from a numerator (and denominator)
  measure, with its report section, its order there, whether it may be a headline, and its chart
- data/published/sources.csv: the documents published figures are transcribed from
- data/councils/<id>.toml: one file per council (an optional [population] table gives the number of
  children in its area, with the official release it comes from: see Population)
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from .paths import COUNCIL_ID, RESERVED_IDS, Paths
from .problems import Problem, display, raise_if_any
from .tables import check_column, choice_cell, number_cell, read_csv_text, required_text, year_cell

UNITS = ("count", "money", "days", "share")
METRIC_CHARTS = ("", "trend", "timeliness")  # a trend across years; the shares answered within their timescales
MEASURE_CHARTS = ("", "shares")  # a breakdown drawn as bars
KINDS = ("count", "proportion", "rate", "mean", "money")
MEASURE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
POPULATION_KEYS = ("children_0_17", "year", "source")
POPULATION_EXAMPLE = (
    'children_0_17 = 61234, year = "mid-2023" and source = "ONS mid-year population estimates 2023" under [population]'
)


@dataclass(frozen=True)
class Population:
    """The children (aged 0 to 17) living in a council's area, from a named official estimate: the
    denominator the benchmarking report compares counts by (per 10,000 children). Only ever from the
    council's configuration: nothing is assumed where it gives none."""

    children_0_17: int
    year: str  # the estimate's reference date, as the release gives it: "mid-2023"
    source: str  # the named release: "ONS mid-year population estimates 2023"


@dataclass(frozen=True)
class Council:
    id: str
    name: str
    short_name: str
    procedures: tuple[str, ...]
    timescales: dict
    contacts_measure: str
    contacts_definition: str
    denominators: dict
    vocabulary: dict
    notes: tuple[str, ...]
    complaints_team: str = ""
    reporting_body: str = ""
    events: tuple[dict, ...] = ()  # process changes: {date, description, target_days}
    records: dict = field(default_factory=dict)  # how the council's complaints export maps onto the schema
    population: Population | None = None  # [population]: children in the area, with its source; None if not given

    def denominator(self, metric: str, default: str) -> str:
        return self.denominators.get(metric, default)


@dataclass(frozen=True)
class Definitions:
    measures: pd.DataFrame  # indexed by measure
    metrics: pd.DataFrame  # indexed by metric
    sources: pd.DataFrame  # indexed by source file name
    councils: dict[str, Council] = field(default_factory=dict)
    sections: pd.DataFrame = field(default_factory=pd.DataFrame)  # indexed by section, in report order

    def sum_parts(self, measure: str) -> list[str]:
        text = self.measures.at[measure, "sum_of"]
        return [part.strip() for part in text.split("+")] if text else []


def load_sections(paths: Paths) -> tuple[pd.DataFrame, list[Problem]]:
    """data/definitions/sections.csv: the report's sections, in order."""
    path = paths.sections_file
    name = display(path, paths.data.parent)
    frame, problems = read_csv_text(path, ["section", "order", "title", "guidance", "intro"], paths.data.parent)
    if problems:
        return frame, problems
    problems += check_column(frame, name, "section", _identifier("section"))
    problems += check_column(frame, name, "order", number_cell(minimum=0))
    for col in ("order", "title", "guidance"):
        problems += check_column(frame, name, col, required_text)
    dupes = frame[frame["section"].duplicated()]
    problems += [Problem(name, int(i) + 2, "section", f"'{m}' is defined twice") for i, m in dupes["section"].items()]
    if problems:
        return frame, problems
    frame = frame.assign(order=frame["order"].astype(float)).sort_values("order", kind="stable")
    return frame.set_index("section", drop=False), problems


def _identifier(what: str):
    def check(cell: str) -> str | None:
        return (
            None if MEASURE_ID.match(cell) else f"'{cell}' is not a {what} identifier (lower case, digits, underscores)"
        )

    return check


def _placement(frame: pd.DataFrame, name: str, sections: pd.DataFrame, charts: tuple[str, ...]) -> list[Problem]:
    """The report placement columns: a known section, an order (a number), a known chart."""
    problems = check_column(frame, name, "section", choice_cell(sections.index, "report section (see sections.csv)"))
    problems += check_column(frame, name, "order", number_cell(minimum=0))
    problems += check_column(frame, name, "order", required_text)
    problems += check_column(frame, name, "chart", choice_cell(charts, "chart", optional=True))
    return problems


def load_measures(paths: Paths, sections: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    path = paths.measures_file
    name = display(path, paths.data.parent)
    cols = [
        "measure",
        "unit",
        "by_category",
        "sum_of",
        "part_of",
        "partition",
        "exhaustive",
        "section",
        "order",
        "chart",
        "description",
    ]
    frame, problems = read_csv_text(path, cols, paths.data.parent)
    if problems:
        return frame, problems
    problems += _placement(frame, name, sections, MEASURE_CHARTS)
    problems += check_column(
        frame,
        name,
        "measure",
        lambda c: (
            None if MEASURE_ID.match(c) else f"'{c}' is not a measure identifier (lower case, digits, underscores)"
        ),
    )
    problems += check_column(frame, name, "unit", choice_cell(UNITS, "unit"))
    for col in ("by_category", "exhaustive"):
        problems += check_column(frame, name, col, choice_cell(("yes", "no"), "yes/no value"))
    dupes = frame[frame["measure"].duplicated()]
    problems += [Problem(name, int(i) + 2, "measure", f"'{m}' is defined twice") for i, m in dupes["measure"].items()]
    known = set(frame["measure"])
    problems += check_column(
        frame,
        name,
        "part_of",
        lambda c: None if c == "" or c in known else f"'{c}' is not a measure defined in this file",
    )
    for index, row in frame.iterrows():
        if row["partition"] and not row["part_of"]:
            problems.append(
                Problem(name, int(index) + 2, "partition", "a partition needs the measure it is part of (part_of)")
            )

    def sum_check(cell: str) -> str | None:
        unknown = [p.strip() for p in cell.split("+") if cell and p.strip() not in known]
        return f"names unknown measure(s): {', '.join(unknown)}" if unknown else None

    problems += check_column(frame, name, "sum_of", sum_check)
    return frame.set_index("measure", drop=False), problems


def load_metric_definitions(
    paths: Paths, measures: pd.DataFrame, sections: pd.DataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    path = paths.metrics_definitions_file
    name = display(path, paths.data.parent)
    cols = [
        "metric",
        "kind",
        "numerator",
        "denominator",
        "exposure",
        "section",
        "order",
        "headline",
        "chart",
        "description",
    ]
    frame, problems = read_csv_text(path, cols, paths.data.parent)
    if problems:
        return frame, problems
    problems += _placement(frame, name, sections, METRIC_CHARTS)
    problems += check_column(frame, name, "headline", choice_cell(("yes", "no"), "yes/no value"))
    known = set(measures.index)
    problems += check_column(frame, name, "kind", choice_cell(KINDS, "metric kind"))
    problems += check_column(frame, name, "numerator", choice_cell(known, "measure"))
    for col in ("denominator", "exposure"):
        problems += check_column(frame, name, col, choice_cell(known, "measure", optional=True))
    for index, row in frame.iterrows():
        needs_denominator = row["kind"] in ("proportion", "rate")
        if needs_denominator and not row["denominator"]:
            problems.append(Problem(name, int(index) + 2, "denominator", f"a {row['kind']} needs a denominator"))
    dupes = frame[frame["metric"].duplicated()]
    problems += [Problem(name, int(i) + 2, "metric", f"'{m}' is defined twice") for i, m in dupes["metric"].items()]
    return frame.set_index("metric", drop=False), problems


def load_council(
    path: Path, paths: Paths, measures: pd.DataFrame, metrics: pd.DataFrame
) -> tuple[Council | None, list[Problem]]:
    name = display(path, paths.data.parent)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(name, None, None, f"is not valid TOML: {exc}")]
    problems = []
    known_keys = {
        "id",
        "name",
        "short_name",
        "procedures",
        "complaints_team",
        "reporting_body",
        "timescales",
        "contacts",
        "denominators",
        "vocabulary",
        "notes",
        "events",
        "records",
        "population",
    }
    for key in sorted(set(raw) - known_keys):
        problems.append(Problem(name, None, key, f"unknown setting (known: {', '.join(sorted(known_keys))})"))
    for key, values in raw.get("vocabulary", {}).items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.append(Problem(name, None, f"vocabulary.{key}", "should be a list of names"))
    for key in ("id", "name", "short_name", "procedures"):
        if not raw.get(key):
            problems.append(Problem(name, None, key, "required setting is missing or empty"))
    council_id = str(raw.get("id", ""))
    if council_id and council_id != path.stem:
        problems.append(Problem(name, None, "id", f"'{council_id}' does not match the file name '{path.stem}'"))
    if council_id in RESERVED_IDS:
        problems.append(
            Problem(name, None, "id", f"'{council_id}' is reserved: outputs/{council_id}/ holds other things")
        )
    if council_id and not COUNCIL_ID.match(council_id):
        problems.append(Problem(name, None, "id", f"'{council_id}' is not lower-case and hyphenated"))
    timescales = raw.get("timescales", {})
    for key, value in timescales.items():
        if not isinstance(value, int) or value <= 0:
            problems.append(
                Problem(name, None, f"timescales.{key}", f"{value!r} is not a positive whole number of working days")
            )
    contacts = raw.get("contacts", {})
    contacts_measure = str(contacts.get("measure", ""))
    if contacts_measure and contacts_measure not in measures.index:
        problems.append(Problem(name, None, "contacts.measure", f"'{contacts_measure}' is not a known measure"))
    denominators = raw.get("denominators", {})
    for metric, measure in denominators.items():
        if metric not in metrics.index:
            problems.append(Problem(name, None, f"denominators.{metric}", f"'{metric}' is not a known metric"))
        if measure not in measures.index:
            problems.append(Problem(name, None, f"denominators.{metric}", f"'{measure}' is not a known measure"))
    events = raw.get("events", [])
    for i, event in enumerate(events):
        try:
            date.fromisoformat(str(event.get("date", "")))
        except ValueError:
            problems.append(
                Problem(name, None, f"events[{i}].date", f"{event.get('date')!r} is not a date written like 2020-08-18")
            )
    population, population_problems = _population(raw.get("population"), name)
    problems += population_problems
    if problems:
        return None, problems
    council = Council(
        id=council_id,
        name=raw["name"],
        short_name=raw["short_name"],
        procedures=tuple(raw["procedures"]),
        timescales=dict(timescales),
        contacts_measure=contacts_measure,
        contacts_definition=str(contacts.get("definition", "")),
        denominators=dict(denominators),
        vocabulary=dict(raw.get("vocabulary", {})),
        notes=tuple(raw.get("notes", ())),
        complaints_team=str(raw.get("complaints_team", "")),
        reporting_body=str(raw.get("reporting_body", "")),
        events=tuple(events),
        records=dict(raw.get("records", {})),
        population=population,
    )
    return council, []


def _population(raw, name: str) -> tuple[Population | None, list[Problem]]:
    """The optional [population] table of a council's configuration, checked strictly: a whole
    number of children aged 0 to 17, the estimate's reference date and the named release it comes
    from, and nothing else. A number is never accepted without its source."""
    if raw is None:
        return None, []
    if not isinstance(raw, dict):
        return None, [Problem(name, None, "population", f"should be a table: {POPULATION_EXAMPLE}")]
    problems = [
        Problem(name, None, f"population.{key}", f"unknown setting (known: {', '.join(POPULATION_KEYS)})")
        for key in sorted(set(raw) - set(POPULATION_KEYS))
    ]
    children = raw.get("children_0_17")
    if children is None:
        problems.append(
            Problem(
                name, None, "population.children_0_17", "required in [population]: the number of children aged 0 to 17"
            )
        )
    elif isinstance(children, bool) or not isinstance(children, int) or children <= 0:
        problems.append(
            Problem(
                name,
                None,
                "population.children_0_17",
                f"{children!r} is not a positive whole number of children (write it like 61234, without quotes)",
            )
        )
    for key, what, example in (
        ("source", "the official release the number comes from", "ONS mid-year population estimates 2023"),
        ("year", "the estimate's reference date", "mid-2023"),
    ):
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            needed = "required when children_0_17 is given" if children is not None else "required in [population]"
            problems.append(Problem(name, None, f"population.{key}", f"{needed}: {what}, such as '{example}'"))
        elif not isinstance(value, str):
            problems.append(Problem(name, None, f"population.{key}", f"{value!r} should be text, such as '{example}'"))
    year = raw.get("year")
    if isinstance(year, str) and year.strip() and not re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", year):
        problems.append(
            Problem(
                name,
                None,
                "population.year",
                f"'{year}' does not say which year the estimate is for: write its reference date, such as 'mid-2023'",
            )
        )
    if problems:
        return None, problems
    return Population(children_0_17=children, year=year.strip(), source=raw["source"].strip()), []


def load_sources(paths: Paths, councils: dict[str, Council]) -> tuple[pd.DataFrame, list[Problem]]:
    path = paths.sources_file
    name = display(path, paths.data.parent)
    frame, problems = read_csv_text(path, ["source", "council", "report_year", "title", "kind"], paths.data.parent)
    if problems:
        return frame, problems
    problems += check_column(frame, name, "council", choice_cell(councils, "council"))
    problems += check_column(frame, name, "report_year", year_cell())
    problems += check_column(frame, name, "title", required_text)
    problems += check_column(
        frame,
        name,
        "source",
        lambda c: (
            None
            if (paths.source_documents / c).is_file()
            else f"'{c}' is not in {display(paths.source_documents, paths.data.parent)}/"
        ),
    )
    return frame.set_index("source", drop=False), problems


def load_definitions(paths: Paths) -> Definitions:
    """Load and check every definition file; raise InputError listing every problem."""
    sections, problems = load_sections(paths)
    measures, measure_problems = load_measures(paths, sections if not problems else pd.DataFrame(index=[]))
    problems += measure_problems
    metrics, metric_problems = (
        load_metric_definitions(paths, measures, sections) if not problems else (pd.DataFrame(), [])
    )
    problems += metric_problems
    councils: dict[str, Council] = {}
    council_files = sorted(paths.councils.glob("*.toml"))
    if not council_files:
        problems.append(
            Problem(display(paths.councils, paths.data.parent), None, None, "no council configuration files (*.toml)")
        )
    if not problems:
        for path in council_files:
            council, council_problems = load_council(path, paths, measures, metrics)
            problems += council_problems
            if council:
                councils[council.id] = council
    sources, source_problems = load_sources(paths, councils) if not problems else (pd.DataFrame(), [])
    problems += source_problems
    raise_if_any(problems)
    return Definitions(measures=measures, metrics=metrics, sources=sources, councils=councils, sections=sections)
