"""The schema of a council's configuration (data/councils/<id>.toml), checked as strictly as data.

Every table is a pydantic model that forbids settings it does not know, and every value has a
strict type: a text is never taken for a list, nor a decimal or a text for a whole number, nor a
number for true or false. `check_council` validates a parsed file and turns each of pydantic's
errors into one Problem in plain English, naming the setting by its dotted path
("timescales.statutory_stage1", "events[0].date"), what was given and what is expected, with a
"did you mean" for a misspelt setting; every problem of the file is listed, not just the first.

Every setting the schema accepts is read by something (docs/configuration.md says what reads each).
The settings nobody read are refused with the reason (RETIRED), so a file that still has one says so
instead of being obeyed in silence.

The [records] section (how the council's complaint extracts map onto the canonical schema) needs
the canonical schema of extracts, which complaints.inputs.records holds: `check_council(raw, name,
extracts)` checks it too when given that schema (`ExtractSchema`), as records.parse_records_config
does; without it (complaints.inputs.definitions.load_council) the section is left to that check.
The cross-checks that need other definitions (a measure known in measures.csv, a metric known in
metrics.csv, the identifier matching the file name, reserved identifiers) are made by the callers.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from .clocks import ACKNOWLEDGEMENT, ALWAYS, CODE_IN_FORCE, COUNCIL, RECEIPT, Clock
from .problems import Problem

PROCEDURES = ("statutory", "corporate")
POPULATION_EXAMPLE = (
    'children_0_17 = 61234, year = "mid-2023" and source = "ONS mid-year population estimates 2023" under [population]'
)

# Settings that used to be accepted but that nothing read: refused, with what to do instead.
_STAGE_2_3 = (
    "is not read by anything: the statutory stage 2 and 3 clocks are the regulations', the same for every council "
    'and built in (docs/configuration.md, "Clocks"); remove it (a # comment may keep it for readers)'
)
_UNSHOWN = (
    "is not read by anything: no report shows it; remove it (a # comment may keep it for readers, "
    "or a line of `notes` if the report should say it)"
)
RETIRED = {
    "complaints_team": _UNSHOWN,
    "reporting_body": _UNSHOWN,
    "timescales.statutory_stage2": _STAGE_2_3,
    "timescales.statutory_stage2_extended": _STAGE_2_3,
    "timescales.statutory_stage3": _STAGE_2_3,
}


# ---------------------------------------------------------------------------------------------
# Building blocks


def _error(message: str) -> PydanticCustomError:
    """A problem whose whole message the schema words itself (translated as it is)."""
    return PydanticCustomError("setting", "{message}", {"message": message})


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "is empty")
    return value


def _unique(values: list) -> list:
    seen = set()
    for value in values:
        if value in seen:
            raise PydanticCustomError("duplicate", "lists a value twice", {"value": value})
        seen.add(value)
    return values


def _one_of(choices: tuple[str, ...], what: str, listed: str | None = None):
    listed = listed or ", ".join(choices)

    def check(value: str) -> str:
        if value not in choices:
            raise _error(f"'{value}' is not {what} ({listed})")
        return value

    return AfterValidator(check)


def _date_format_ok(fmt: str) -> bool:
    """A strptime format that writes and reads back a date (at least to the month)."""
    try:
        sample = datetime(2023, 1, 31)
        return "%" in fmt and datetime.strptime(sample.strftime(fmt), fmt).date().replace(day=1) == date(2023, 1, 1)
    except (ValueError, TypeError):
        return False


def _date_format(value: str) -> str:
    if not _date_format_ok(value):
        raise _error(f"'{value}' is not a date format such as \"%d/%m/%Y\" (day/month/year)")
    return value


def _iso_date(value: Any) -> str:
    """A date written like 2020-08-18, in quotes or as a TOML date; kept as that text."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise _error(f"'{value}' is not a date written like 2020-08-18") from None
    raise _error(f"{_given(value)}; expected a date written like 2020-08-18")


def _sheet(value: Any) -> str | int:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise _error(f"{_given(value)}; expected an Excel sheet's name in quotes, or its position counting from 0")


def _names_a_year(value: str) -> str:
    if not re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", value):
        raise _error(
            f"'{value}' does not say which year the estimate is for: write its reference date, such as 'mid-2023'"
        )
    return value.strip()


Text = Annotated[str, AfterValidator(_not_blank)]
Names = Annotated[list[Text], AfterValidator(_unique)]
WorkingDays = Annotated[int, Field(gt=0)]


class Table(BaseModel):
    """A table of the configuration: unknown settings are refused, values strictly typed."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# ---------------------------------------------------------------------------------------------
# The tables of the configuration (all but [records])


class Timescales(Table):
    """[timescales]: working days a response is due in (records count late responses against them)."""

    statutory_stage1: WorkingDays | None = None
    statutory_stage1_extended: WorkingDays | None = None
    corporate: WorkingDays | None = None


def _contacts_measure(value: str) -> str:
    if value not in ("contacts", ""):
        raise _error(
            f"'{value}' cannot be the contacts measure: a council's contacts figure is always the measure "
            "'contacts' (data/definitions/measures.csv), from its documents or its records; write "
            'measure = "contacts" if the council counts contacts, measure = "" if it does not'
        )
    return value


class Contacts(Table):
    """[contacts]: whether the council counts contacts, and what it counts as one (said beside every
    figure per contact)."""

    measure: Annotated[str, AfterValidator(_contacts_measure)] = ""
    definition: str = ""


class Vocabulary(Table):
    """[vocabulary]: the categories a report may show for the text columns of the council's extracts."""

    teams: Names | None = None
    issue_categories: Names | None = None
    delay_reasons: Names | None = None
    complainant_types: Names | None = None
    channels: Names | None = None
    remedies: Names | None = None
    extension_reasons: Names | None = None
    refusal_reasons: Names | None = None


class Event(Table):
    """[[events]]: a change to the complaints process; reports from records compare before and after."""

    date: Annotated[Any, AfterValidator(_iso_date)]
    description: Text
    target_days: WorkingDays


def _corporate_clock(value: str) -> str:
    if value != "corporate":
        raise _error(
            f"'{value}' cannot have a clock of its own here: the statutory procedure's clocks are the regulations', "
            'the same for every council and built in (docs/configuration.md); only "corporate" clocks are settings'
        )
    return value


def _clock_stage(value: int) -> int:
    if value not in (1, 2):
        raise _error(f"{value} is not a stage with a council's own clock: 1 or 2 (stage 3 is the statutory panel)")
    return value


def _before_the_code(value: Any) -> str:
    text = _iso_date(value)
    if date.fromisoformat(text) >= CODE_IN_FORCE:
        raise _error(
            f"{text} is on or after 1 April 2026, when the Complaint Handling Code's clocks apply to corporate "
            "complaints (built in, docs/configuration.md); a council's own corporate clock can only take effect before"
        )
    return text


class ClockSetting(Table):
    """[[clocks]]: one of the council's own corporate clocks and the day it takes effect (see
    complaints.inputs.clocks; the statutory clocks and the Complaint Handling Code's are built in)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    procedure: Annotated[str, AfterValidator(_corporate_clock)]
    stage: Annotated[int, AfterValidator(_clock_stage)]
    days: WorkingDays
    from_: Annotated[Any, AfterValidator(_before_the_code)] = Field(default=None, alias="from")
    counts_from: Annotated[
        str, _one_of((RECEIPT, ACKNOWLEDGEMENT), "where the clock starts", '"receipt" or "acknowledgement"')
    ] = RECEIPT
    acknowledge_days: WorkingDays | None = None
    extension_days: WorkingDays | None = None
    name: Text

    def clock(self) -> Clock:
        start = date.fromisoformat(self.from_) if self.from_ else ALWAYS
        return Clock(
            self.procedure,
            self.stage,
            self.days,
            start=start,
            counts_from=self.counts_from,
            acknowledge_days=self.acknowledge_days,
            extension_days=self.extension_days,
            rules=COUNCIL,
            name=self.name,
        )


class Population(Table):
    """[population]: the children aged 0 to 17 in the council's area, with the release it comes from."""

    children_0_17: Annotated[int, Field(gt=0)]
    year: Annotated[Text, AfterValidator(_names_a_year)]
    source: Text


# ---------------------------------------------------------------------------------------------
# Settings not published yet (`complaints new-council`)

# The settings a council's documents supply, which `not_published` may list until they are filled in (a
# table, or one setting of it). A listed setting is absent from the file (the schema's default applies to
# the computation), and no report prints it as the council's practice: it says "not published" or nothing.
PUBLISHABLE = (
    "notes",
    "timescales",
    "timescales.statutory_stage1",
    "timescales.statutory_stage1_extended",
    "timescales.corporate",
    "contacts",
    "contacts.measure",
    "contacts.definition",
    "denominators",
    "vocabulary",
    *(f"vocabulary.{key}" for key in Vocabulary.model_fields),
    "events",
    "clocks",
    "population",
)
NOT_PUBLISHED_LINE = "# NOT PUBLISHED: fill in from the council's documents"


def _publishable(value: str) -> str:
    if value not in PUBLISHABLE:
        close = difflib.get_close_matches(value, PUBLISHABLE, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise _error(f"'{value}' is not a setting that can be marked not published ({', '.join(PUBLISHABLE)}){hint}")
    return value


def _is_given(raw: dict, setting: str) -> bool:
    """Whether the file gives the setting (a dotted path: 'contacts', 'contacts.definition')."""
    node: Any = raw
    for part in setting.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def not_published_problems(raw: dict) -> list[tuple[str, str]]:
    """(where, message) for each setting listed in `not_published` that the file also gives: once a setting
    is filled in from the council's documents, it comes off the list (so the reports print it)."""
    listed = raw.get("not_published")
    if not isinstance(listed, list):
        return []
    found = []
    for i, setting in enumerate(listed):
        if not isinstance(setting, str) or setting not in PUBLISHABLE:
            continue  # the schema names it
        given = [s for s in PUBLISHABLE if (s == setting or s.startswith(setting + ".")) and _is_given(raw, s)]
        if given:
            found.append(
                (
                    f"not_published[{i}]",
                    f"'{setting}' is listed as not published, but the file gives {', '.join(given)}: "
                    f"remove '{setting}' from not_published now that it is filled in (or remove the setting)",
                )
            )
    return found


class CouncilConfig(Table):
    """A council's configuration: data/councils/<id>.toml. [records] is checked by `records_model`."""

    id: Text
    name: Text
    short_name: Text
    procedures: Annotated[
        list[Annotated[str, _one_of(PROCEDURES, "a procedure", '"statutory" or "corporate"')]],
        Field(min_length=1),
        AfterValidator(_unique),
    ]
    notes: list[Text] = []
    # settings the council's documents have not supplied yet (PUBLISHABLE): reports say "not published"
    not_published: Annotated[list[Annotated[str, AfterValidator(_publishable)]], AfterValidator(_unique)] = []
    timescales: Timescales = Timescales()
    contacts: Contacts = Contacts()
    denominators: dict[str, Text] = {}
    vocabulary: Vocabulary = Vocabulary()
    events: list[Event] = []
    clocks: list[ClockSetting] = []
    population: Population | None = None
    records: dict[str, Any] = {}  # checked with the extracts' schema: see ExtractSchema


# ---------------------------------------------------------------------------------------------
# [records]: built from the canonical schema of extracts (complaints.inputs.records)


@dataclass(frozen=True)
class ExtractSchema:
    """The canonical schema of complaint extracts, as [records] needs it (complaints.inputs.records
    holds it: SCHEMA, REQUIRED, CHOICES, RECORD_MEASURES)."""

    kinds: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # kind -> (canonical column, type)
    required: tuple[tuple[str, tuple[str, ...]], ...]  # kind -> required columns
    choices: tuple[tuple[str, tuple[str, ...]], ...]  # type -> its canonical values
    record_measures: frozenset[str]

    @classmethod
    def of(cls, schema: dict, required: dict, choices: dict, record_measures) -> ExtractSchema:
        return cls(
            tuple((kind, tuple(columns.items())) for kind, columns in schema.items()),
            tuple((kind, tuple(cols)) for kind, cols in required.items()),
            tuple((kind, tuple(values)) for kind, values in choices.items()),
            frozenset(record_measures),
        )


class _Checked(Table):
    """A table with checks across its settings, made on what was given so that they are listed with
    the type errors, not after them."""

    @staticmethod
    def raw_problems(data: dict) -> list[tuple[tuple, str, Any]]:
        """(position in the table, message, value given) of each problem across settings."""
        return []

    @model_validator(mode="wrap")
    @classmethod
    def _with_raw_problems(cls, data, handler):
        found = cls.raw_problems(data) if isinstance(data, dict) else []
        try:
            model = handler(data)
        except ValidationError as exc:
            if not found:
                raise
            raise _merged(cls.__name__, exc.errors(), found) from None
        if found:
            raise _merged(cls.__name__, [], found)
        return model


_OWN_ERRORS = ("setting", "blank", "duplicate")


def _merged(title: str, errors: list, found: list) -> ValidationError:
    details = [
        InitErrorDetails(
            type=(
                PydanticCustomError(e["type"], "{message}", {**e.get("ctx", {}), "message": e["msg"]})
                if e["type"] in _OWN_ERRORS
                else e["type"]
            ),
            loc=e["loc"],
            input=e["input"],
            ctx=e.get("ctx", {}),
        )
        for e in errors
    ]
    details += [InitErrorDetails(type=_error(message), loc=loc, input=value) for loc, message, value in found]
    return ValidationError.from_exception_data(title, details)


def _columns_model(kind: str, columns: dict[str, str], required: tuple[str, ...]) -> type[Table]:
    def raw_problems(data: dict) -> list:
        found, seen = [], {}
        for canonical in columns:
            export = data.get(canonical)
            if not isinstance(export, str) or not export.strip():
                continue
            if export.strip() in seen:
                found.append(
                    (
                        (canonical,),
                        f"export column '{export.strip()}' is already mapped to '{seen[export.strip()]}'",
                        export,
                    )
                )
            else:
                seen[export.strip()] = canonical
        found += [((), f"no mapping for required column '{c}'", data) for c in required if c not in data]
        return found

    fields = dict.fromkeys(columns, (Text | None, None))
    model = create_model(f"{kind.title()}Columns", __base__=_Checked, **fields)
    model.raw_problems = staticmethod(raw_problems)
    model.unknown = f"a canonical column of {kind}"
    return model


def _codes_model(kind: str, columns: dict[str, str], choices: dict[str, tuple[str, ...]]) -> type[Table]:
    fields = {}
    for column, kind_type in columns.items():
        if kind_type in ("date", "month", "count"):

            def refuse(value, column=column, kind_type=kind_type):
                raise _error(f"'{column}' is a {kind_type}: it takes a format, not codes")

            value_type = Annotated[Any, AfterValidator(refuse)]
        elif kind_type == "bool":
            value_type = dict[str, bool]
        elif kind_type in choices:
            value_type = dict[str, Annotated[str, _one_of(choices[kind_type], f"a canonical {column}")]]
        else:
            value_type = dict[str, Text]
        fields[column] = (value_type | None, None)
    model = create_model(f"{kind.title()}Codes", __base__=Table, **fields)
    model.unknown = f"a canonical column of {kind}"
    return model


def _kind_model(kind: str, columns: dict[str, str], required: tuple[str, ...], choices: dict) -> type[Table]:
    return create_model(
        f"{kind.title()}Export",
        __base__=Table,
        columns=(_columns_model(kind, columns, required) | None, None),
        codes=(_codes_model(kind, columns, choices) | None, None),
        booleans=(dict[str, bool] | None, None),
        date_format=(Annotated[str, AfterValidator(_date_format)] | None, None),
        separator=(Annotated[str, Field(min_length=1)], ";"),
        sheet=(Annotated[Any, AfterValidator(_sheet)], 0),
    )


@lru_cache(maxsize=4)
def records_model(extracts: ExtractSchema) -> type[Table]:
    """The model of [records] for the canonical schema of extracts."""
    choices = dict(extracts.choices)
    required = dict(extracts.required)
    known = ", ".join(sorted(extracts.record_measures))
    record_measure = _one_of(tuple(sorted(extracts.record_measures)), "a measure records give", known)
    kinds = {
        kind: (_kind_model(kind, dict(columns), required.get(kind, ()), choices) | None, None)
        for kind, columns in extracts.kinds
    }
    return create_model(
        "Records",
        __base__=Table,
        **kinds,
        partially_upheld=(bool, True),
        digital_channels=(Names, []),
        children_in_care_types=(Names, []),
        measures=(dict[str, Annotated[str, record_measure]], {}),
    )


@lru_cache(maxsize=4)
def council_model(extracts: ExtractSchema | None = None) -> type[CouncilConfig]:
    """The model of a whole configuration file: with [records] checked when the extracts' schema is given."""
    if extracts is None:
        return CouncilConfig
    records = records_model(extracts)
    return create_model(
        "CouncilConfigWithRecords", __base__=CouncilConfig, records=(records, Field(default_factory=records))
    )


# ---------------------------------------------------------------------------------------------
# Checking a file: pydantic's errors as the project's problems


def check_council(
    raw: dict, name: str, extracts: ExtractSchema | None = None
) -> tuple[CouncilConfig | None, list[Problem]]:
    """A parsed configuration file checked against the schema: (the model, []) or (None, every problem).
    `name` is the file as messages show it."""
    model = council_model(extracts)
    listed = [Problem(name, None, where, message) for where, message in not_published_problems(raw)]
    try:
        checked = model.model_validate(raw)
    except ValidationError as exc:
        return None, [_problem(error, name, raw, model) for error in exc.errors(include_url=False)] + listed
    return (None, listed) if listed else (checked, [])


def council_clocks(checked: CouncilConfig) -> tuple[Clock, ...]:
    """Every clock that applies to the council (complaints.inputs.clocks.clocks_for)."""
    from .clocks import clocks_for

    configured = tuple(c.clock() for c in checked.clocks)
    t = checked.timescales
    return clocks_for(
        checked.procedures,
        t.corporate,
        configured,
        checked.short_name,
        (t.statutory_stage1, t.statutory_stage1_extended),
    )


def clock_problems(checked: CouncilConfig, name: str) -> list[Problem]:
    """[[clocks]] against the rest of the file: the council has a corporate procedure; no two clocks of a
    stage take effect on the same day (an undated one, or [timescales] corporate, counts as from the start)."""
    problems = []
    seen: dict[tuple, str] = {}
    if checked.timescales.corporate:
        for stage in (1, 2):
            seen[(stage, ALWAYS)] = "timescales.corporate"
    for i, setting in enumerate(checked.clocks):
        clock, where = setting.clock(), f"clocks[{i}]"
        if "corporate" not in checked.procedures:
            problems.append(
                Problem(name, None, where, 'is a corporate clock, but procedures does not list "corporate"')
            )
        key = (clock.stage, clock.start)
        if key in seen:
            when = f"on {clock.start.isoformat()}" if clock.dated else "from the start (no from date)"
            problems.append(
                Problem(
                    name,
                    None,
                    where,
                    f"takes effect {when} for corporate stage {clock.stage}, as {seen[key]} does: "
                    "one clock per stage and date",
                )
            )
        seen.setdefault(key, where)
    return problems


def dotted(loc: tuple) -> str:
    """A setting's path as the file would name it: contacts.definition, events[0].date."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# What each setting expects, for the messages: patterns of dotted paths, '*' any key, '#' any position.
EXPECTED = {
    "id": "the council's identifier in quotes, lower case and hyphenated like the file's name, such as \"dudley\"",
    "name": 'the council\'s full name in quotes, such as "Dudley Metropolitan Borough Council"',
    "short_name": 'the name used in sentences and charts, in quotes, such as "Dudley"',
    "procedures": 'a list such as ["statutory", "corporate"]',
    "procedures.#": '"statutory" or "corporate"',
    "notes": 'a list of texts, such as ["Upheld shares are of complaints received."]',
    "notes.#": "a non-empty text in quotes",
    "not_published": 'a list of the settings not filled in yet, such as ["notes", "contacts"]',
    "not_published.#": 'a setting\'s name in quotes, such as "contacts.definition"',
    "timescales": "a table: [timescales] with lines such as statutory_stage1 = 10",
    "timescales.*": "a positive whole number of working days",
    "contacts": 'a table: [contacts] with definition = "..."',
    "contacts.measure": '"contacts" if the council counts contacts, "" if it does not',
    "contacts.definition": "a text in quotes saying what the council counts as a contact",
    "denominators": 'a table: [denominators] with lines such as statutory_within_10wd_rate = "statutory_received"',
    "denominators.*": 'the identifier of a measure in quotes, such as "statutory_stage1_responded"',
    "vocabulary": "a table: [vocabulary] with lines such as teams = [...]",
    "vocabulary.*": 'a list of names, such as ["Fostering Team", "SEN Team"]',
    "vocabulary.*.#": "a non-empty name in quotes",
    "events": "[[events]] tables, each with date, description and target_days",
    "events.#": "an [[events]] table with date, description and target_days",
    "events.#.date": "a date written like 2020-08-18",
    "events.#.description": 'a text in quotes saying what changed, such as "the revised complaints response process"',
    "events.#.target_days": "the timescale in working days the change aimed at, a positive whole number such as 20",
    "clocks": "[[clocks]] tables, each with procedure, stage, days and name (and from, a date)",
    "clocks.#": "a [[clocks]] table with procedure, stage, days and name",
    "clocks.#.procedure": '"corporate"',
    "clocks.#.stage": "1 or 2",
    "clocks.#.days": "a positive whole number of working days",
    "clocks.#.from": "a date before 2026-04-01, written like 2020-08-18",
    "clocks.#.counts_from": '"receipt" or "acknowledgement"',
    "clocks.#.acknowledge_days": "a positive whole number of working days",
    "clocks.#.extension_days": "a positive whole number of working days",
    "clocks.#.name": 'how reports name the clock, in quotes, such as "Dudley\'s corporate procedure"',
    "records": "a table: [records]",
    "records.partially_upheld": "true or false",
    "records.digital_channels": 'a list of channels, such as ["Email", "Web form"]',
    "records.children_in_care_types": 'a list of complainant types, such as ["Child in care"]',
    "records.*.#": "a non-empty text in quotes",
    "records.measures": 'a table: [records.measures] with lines such as published_measure = "records_measure"',
    "records.measures.*": "the identifier of a measure records give, in quotes",
    "records.*": "a table such as [records.complaints], with columns, codes, booleans, date_format...",
    "records.*.columns": "a table of canonical column = the export's column name",
    "records.*.columns.*": "the export's column name, a non-empty text in quotes",
    "records.*.codes": "tables such as [records.complaints.codes.outcome], one for each canonical column",
    "records.*.codes.*": "a table of export code = canonical value",
    "records.*.codes.*.*": "the canonical value, in quotes",
    "records.*.booleans": 'a table of export code = true or false, such as { "Y" = true, "N" = false }',
    "records.*.booleans.*": "true or false",
    "records.*.date_format": 'a date format in quotes, such as "%d/%m/%Y"',
    "records.*.separator": 'a non-empty text in quotes, such as ";"',
}
_DEFAULT_EXPECTED = {
    "string_type": "a text in quotes",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}
_POPULATION_TEXTS = {
    "source": ("the official release the number comes from", "ONS mid-year population estimates 2023"),
    "year": ("the estimate's reference date", "mid-2023"),
}


def _expected(loc: tuple, error_type: str) -> str:
    if error_type == "bool_type":
        return "true or false"
    parts = ["#" if isinstance(p, int) else str(p) for p in loc]
    best, score = None, -1
    for pattern, text in EXPECTED.items():
        wanted = pattern.split(".")
        if len(wanted) != len(parts):
            continue
        if all(w == p or (w == "*" and p != "#") for w, p in zip(wanted, parts)):
            literal = sum(w != "*" for w in wanted)
            if literal > score:
                best, score = text, literal
    return best or _DEFAULT_EXPECTED.get(error_type, "another value")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list):
        shown = "[" + ", ".join(_show(v) for v in value) + "]"
        return shown if len(shown) <= 60 else shown[:56] + " ...]"
    if isinstance(value, dict):
        return "a table"
    return str(value)


def _given(value: Any) -> str:
    """What was given, in words: "'statutory' is a text", "10.5 is a decimal number"."""
    if isinstance(value, dict):
        return "is a table"
    kind = (
        "a true/false value"
        if isinstance(value, bool)
        else "a text"
        if isinstance(value, str)
        else "a whole number"
        if isinstance(value, int)
        else "a decimal number"
        if isinstance(value, float)
        else "a list"
        if isinstance(value, list)
        else "a date and time"
        if isinstance(value, datetime)
        else "a date"
        if isinstance(value, date | datetime)
        else type(value).__name__
    )
    return f"{_show(value)} is {kind}"


def _unwrap(annotation):
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _table_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model of the table at `loc` (a path of keys and positions), or None."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) in (list, dict):
            current = get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unknown(loc: tuple, model: type[BaseModel]) -> str:
    key, where = str(loc[-1]), loc[:-1]
    table = _table_at(model, where)
    known = list(table.model_fields) if table is not None else []
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    unknown = getattr(table, "unknown", None)
    if unknown:
        return f"'{key}' is not {unknown} ({', '.join(known)}){hint}"
    if where and where[0] == "records":
        return f"is not a setting of [{dotted(where)}] ({', '.join(known)}){hint}"
    # not_published is new-council's bookkeeping, not a setting describing the council: suggested, not listed
    listed = [k for k in known if k != "not_published"]
    return f"unknown setting (known: {', '.join(listed)}){hint}"


def _population_message(error: dict, raw: dict) -> str | None:
    """The [population] table's messages, which say what the benchmarking report needs."""
    loc, kind, value = error["loc"], error["type"], error["input"]
    if len(loc) == 1:
        return f"should be a table: {POPULATION_EXAMPLE}" if kind != "setting" else None
    key = loc[1]
    if key == "children_0_17" and len(loc) == 2:
        if kind == "missing":
            return "required in [population]: the number of children aged 0 to 17"
        return f"{value!r} is not a positive whole number of children (write it like 61234, without quotes)"
    if key in _POPULATION_TEXTS and len(loc) == 2 and kind in ("missing", "blank", "string_type"):
        what, example = _POPULATION_TEXTS[key]
        if kind == "string_type":
            return f"{value!r} should be text, such as '{example}'"
        given = isinstance(raw.get("population"), dict) and "children_0_17" in raw["population"]
        needed = "required when children_0_17 is given" if given else "required in [population]"
        return f"{needed}: {what}, such as '{example}'"
    return None


def _message(error: dict, raw: dict, model: type[BaseModel]) -> str:
    loc, kind, value = error["loc"], error["type"], error["input"]
    path = dotted(loc)
    if loc and loc[0] == "population":
        special = _population_message(error, raw)
        if special:
            return special
    if kind == "setting":
        return error["ctx"]["message"]
    if kind == "extra_forbidden":
        return RETIRED.get(path) or _unknown(loc, model)
    expected = _expected(loc, kind)
    if kind == "missing":
        return f"required setting is missing; expected {expected}"
    if kind == "blank":
        return f"is empty; expected {expected}"
    if kind == "duplicate":
        return f"lists {_show(error['ctx']['value'])} twice; each should be listed once"
    if kind == "greater_than":
        unit = " of working days" if loc[0] in ("timescales", "events", "clocks") else ""
        return f"{_show(value)} is not a positive whole number{unit}"
    if kind == "too_short":
        return f"is an empty list; expected {expected}"
    if kind == "string_too_short":
        return f"is empty; expected {expected}"
    if kind.endswith("_type") or kind in ("int_from_float", "literal_error"):
        return f"{_given(value)}; expected {expected}"
    return f"{_show(value)}: {error['msg']}"


def _problem(error: dict, name: str, raw: dict, model: type[BaseModel]) -> Problem:
    return Problem(name, None, dotted(error["loc"]) or None, _message(error, raw, model))
