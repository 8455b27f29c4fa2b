"""Definitions the analysis stands on: measures, metrics, source documents and councils.

- data/definitions/sections.csv: the sections of a council report, in order, each with what the
  statutory guidance ("Getting the Best from Complaints", 2006) asks an annual report to cover
- data/definitions/measures.csv: every measure a published figure or record can carry, with the
  report section it is shown in
- data/definitions/metrics.csv: the metrics of docs/methods.md, each from a numerator (and denominator)
  measure, with its report section, its order there, whether it may be a headline, and its chart
- data/published/sources.csv: the documents published figures are transcribed from
- data/councils/<id>.toml: one file per council, checked against its schema in council_config (every
  setting and what reads it: docs/configuration.md); an optional [population] table gives the number
  of children in its area, with the official release it comes from: see Population
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .council_config import check_council, clock_problems, council_clocks
from .paths import COUNCIL_ID, RESERVED_IDS, Paths
from .problems import Problem, display, raise_if_any
from .tables import check_column, choice_cell, number_cell, read_csv_text, required_text, year_cell

UNITS = ("count", "money", "days", "share")
METRIC_CHARTS = ("", "trend", "timeliness")  # a trend across years; the shares answered within their timescales
MEASURE_CHARTS = ("", "shares")  # a breakdown drawn as bars
KINDS = ("count", "proportion", "rate", "mean", "money")
MEASURE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


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
    procedures: tuple[str, ...]  # "statutory" and/or "corporate"
    timescales: dict  # [timescales]: setting -> working days, as given
    contacts_measure: str  # "contacts" if the council counts contacts, "" if not
    contacts_definition: str  # what the council counts as a contact
    denominators: dict  # metric -> the measure its proportion is of, where not the one in metrics.csv
    vocabulary: dict  # [vocabulary]: key -> list of names, as given
    notes: tuple[str, ...]
    events: tuple[dict, ...] = ()  # process changes: {date (yyyy-mm-dd), description, target_days}
    records: dict = field(default_factory=dict)  # how the council's complaints export maps onto the schema
    population: Population | None = None  # [population]: children in the area, with its source; None if not given
    clocks: tuple = ()  # every clock that applies to it (complaints.inputs.clocks.Clock), by procedure, stage, date
    # settings its documents have not supplied yet (council_config.PUBLISHABLE): no report prints them as its
    # practice (the default the computation uses is not the council's word)
    not_published: tuple[str, ...] = ()

    def denominator(self, metric: str, default: str) -> str:
        return self.denominators.get(metric, default)

    def is_published(self, setting: str) -> bool:
        """False when the setting ('contacts.definition') or its table ('contacts') is marked not published."""
        parts = setting.split(".")
        return not any(".".join(parts[:n]) in self.not_published for n in range(1, len(parts) + 1))


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
        "counts",
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
    # what one of it counts (a complaint, a stage 1 response, a case reaching the Ombudsman...): with the
    # description, its definition; two figures are compared only when both agree (analysis/comparability.py)
    problems += check_column(
        frame,
        name,
        "counts",
        lambda c: None if c.strip() else "is empty; expected what one of it counts, such as complaint",
    )
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
    """One council's configuration, checked against its schema (complaints.inputs.council_config: every
    setting, strictly typed; [records] is checked with the extracts' schema by
    complaints.inputs.records) and against the other definitions: the identifier is the file's name,
    lower case and not reserved; [denominators] names known metrics and measures."""
    name = display(path, paths.data.parent)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        return None, [
            Problem(
                name,
                None,
                None,
                f"is not saved as UTF-8 text (byte {exc.start + 1} is not UTF-8): save it with the encoding UTF-8",
            )
        ]
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(name, None, None, f"is not valid TOML: {exc}")]
    config, problems = check_council(raw, name)
    # the cross-checks, on what is well-formed even where the schema found problems elsewhere
    council_id = raw.get("id") if isinstance(raw.get("id"), str) else ""
    if council_id and council_id != path.stem:
        problems.append(Problem(name, None, "id", f"'{council_id}' does not match the file name '{path.stem}'"))
    if council_id in RESERVED_IDS:
        problems.append(
            Problem(name, None, "id", f"'{council_id}' is reserved: outputs/{council_id}/ holds other things")
        )
    if council_id and not COUNCIL_ID.match(council_id):
        problems.append(Problem(name, None, "id", f"'{council_id}' is not lower-case and hyphenated"))
    if config is not None:
        problems += clock_problems(config, name)
    if config is not None and config.contacts.measure and config.contacts.measure not in measures.index:
        problems.append(Problem(name, None, "contacts.measure", f"'{config.contacts.measure}' is not a known measure"))
    denominators = raw.get("denominators") if isinstance(raw.get("denominators"), dict) else {}
    for metric, measure in denominators.items():
        if metric not in metrics.index:
            problems.append(Problem(name, None, f"denominators.{metric}", f"'{metric}' is not a known metric"))
        if isinstance(measure, str) and measure.strip() and measure not in measures.index:
            problems.append(Problem(name, None, f"denominators.{metric}", f"'{measure}' is not a known measure"))
    if problems or config is None:
        return None, problems
    population = config.population
    council = Council(
        id=config.id,
        name=config.name,
        short_name=config.short_name,
        procedures=tuple(config.procedures),
        timescales=config.timescales.model_dump(exclude_none=True),
        contacts_measure=config.contacts.measure,
        contacts_definition=config.contacts.definition,
        denominators=dict(config.denominators),
        vocabulary=config.vocabulary.model_dump(exclude_none=True),
        notes=tuple(config.notes),
        not_published=tuple(config.not_published),
        events=tuple(event.model_dump() for event in config.events),
        records=dict(config.records),
        clocks=council_clocks(config),
        population=(
            Population(children_0_17=population.children_0_17, year=population.year, source=population.source.strip())
            if population is not None
            else None
        ),
    )
    return council, []


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
            if _is_file(paths.source_documents, c)
            else f"'{c[:80]}' is not in {display(paths.source_documents, paths.data.parent)}/"
        ),
    )
    dupes = frame[frame["source"].duplicated()]
    problems += [Problem(name, int(i) + 2, "source", f"'{m}' is listed twice") for i, m in dupes["source"].items()]
    return frame.set_index("source", drop=False), problems


def _is_file(folder: Path, name: str) -> bool:
    """A file of that name in the folder (a name no file could have is not one)."""
    try:
        return bool(name) and (folder / name).is_file()
    except (OSError, ValueError):
        return False


def load_definitions(paths: Paths) -> Definitions:
    """Load and check every definition file; raise InputError listing every problem."""
    read = read_definitions(paths)
    raise_if_any(read.problems)
    return read.definitions


@dataclass
class DefinitionsRead:
    """The definitions as far as they can be read, for checking the other inputs as far as they can be."""

    definitions: Definitions  # a part that cannot be read is empty; a council with problems is left out
    problems: list[Problem]  # every problem of every definition file
    unreadable: dict[str, str]  # 'sections', 'measures', 'metrics', 'sources': the file that cannot be read
    council_ids: list[str]  # every council with a configuration file, those with problems included


# what a council's configuration says that needs measures.csv or metrics.csv to be checked
_NEEDS_MEASURES = ("contacts.measure", "denominators")


class _Unread:
    """Stands for a definition file that cannot be read, where a council's configuration is checked
    against it: every name it might hold is taken as known (those checks wait for the file)."""

    class _Anything:
        def __contains__(self, name) -> bool:
            return True

    index = _Anything()


def read_definitions(paths: Paths) -> DefinitionsRead:
    """Every definition file checked as far as it can be, whatever the others hold: a file that cannot
    be read leaves unchecked only what needs it (the measures' report sections without sections.csv, a
    configuration's denominators without measures.csv and metrics.csv, and so on); content problems in
    a file do not stop the files that use it being checked."""
    problems: list[Problem] = []
    unreadable: dict[str, str] = {}

    def readable(part: str, frame: pd.DataFrame, key: str, path: Path) -> pd.DataFrame:
        # the loaders index a frame by its key once the file could be read (its rows may still have problems)
        if part == "sections" and key in frame.columns and not frame.empty and frame.index.name != key:
            frame = frame.set_index(key, drop=False)
        if frame.index.name != key:
            unreadable[part] = display(path, paths.data.parent)
            return pd.DataFrame(index=pd.Index([], name=key))
        return frame[~frame.index.duplicated()]  # a key defined twice is a problem already: the first counts

    def unless(part: str, found: list[Problem], columns: tuple[str, ...]) -> list[Problem]:
        # problems that only say a name is not in a file that cannot be read are not problems
        if part not in unreadable:
            return found
        return [p for p in found if not any(p.column and (p.column + ".").startswith(c + ".") for c in columns)]

    sections, found = load_sections(paths)
    problems += found
    sections = readable("sections", sections, "section", paths.sections_file)
    measures, found = load_measures(paths, sections)
    problems += unless("sections", found, ("section",))
    measures = readable("measures", measures, "measure", paths.measures_file)
    metrics, found = load_metric_definitions(paths, measures, sections)
    found = unless("sections", found, ("section",))
    problems += unless("measures", found, ("numerator", "denominator", "exposure"))
    metrics = readable("metrics", metrics, "metric", paths.metrics_definitions_file)
    councils: dict[str, Council] = {}
    council_files = sorted(paths.councils.glob("*.toml"))
    if not council_files:
        problems.append(
            Problem(display(paths.councils, paths.data.parent), None, None, "no council configuration files (*.toml)")
        )
    for path in council_files:
        council, found = load_council(
            path,
            paths,
            _Unread() if "measures" in unreadable else measures,
            _Unread() if "metrics" in unreadable else metrics,
        )
        problems += unless("measures", unless("metrics", found, _NEEDS_MEASURES), _NEEDS_MEASURES)
        if council:
            councils[council.id] = council
    council_ids = [p.stem for p in council_files]
    sources, found = load_sources(paths, dict.fromkeys(council_ids))  # a council with problems is still a council
    problems += found
    sources = readable("sources", sources, "source", paths.sources_file)
    definitions = Definitions(measures=measures, metrics=metrics, sources=sources, councils=councils, sections=sections)
    return DefinitionsRead(definitions, problems, unreadable, council_ids)
