"""A council's configuration is checked as strictly as data: every setting named by its dotted path,
what was given and what is expected; unknown and unread settings refused; every problem of a file
listed together; the shipped configurations pass."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import FIXTURE_DATA, shipped_paths

from complaints.inputs import council_config
from complaints.inputs.council_config import RETIRED, ExtractSchema, check_council, records_model
from complaints.inputs.definitions import load_definitions
from complaints.inputs.problems import InputError
from complaints.inputs.records import CHOICES, RECORD_MEASURES, REQUIRED, SCHEMA, VOCABULARY, load_records_configs

FILE = "data/councils/newshire.toml"
EXTRACTS = ExtractSchema.of(SCHEMA, REQUIRED, CHOICES, RECORD_MEASURES)
REPO = Path(__file__).parents[1]

# A council made up for these tests, with every table of the configuration, each valid; the tests break it.
NEWSHIRE = """\
id = "newshire"
name = "Newshire Borough Council"
short_name = "Newshire"
procedures = ["statutory", "corporate"]
notes = [
  "A council made up for the tests of its configuration.",
]

[timescales]  # working days
statutory_stage1 = 10
statutory_stage1_extended = 20
corporate = 20

[contacts]
measure = "contacts"
definition = "Calls and emails to the front door."

[denominators]

[vocabulary]
teams = ["Fostering Team", "SEN Team"]
channels = ["Email", "Telephone"]

[records]
partially_upheld = true
digital_channels = ["Email"]

[records.complaints]
date_format = "%d/%m/%Y"
separator = ";"
booleans = { "Y" = true, "N" = false }

[records.complaints.columns]
reference = "Case Ref"
received = "Date Received"
procedure = "Complaint Type"
stage = "Stage"
team = "Service Area"
outcome = "Outcome"
responded = "Date Responded"

[records.complaints.codes.procedure]
STAT = "statutory"
CORP = "corporate"

[records.complaints.codes.stage]
S1 = "1"
S2 = "2"
S3 = "3"

[records.complaints.codes.outcome]
UP = "upheld"
NU = "not_upheld"

[[events]]
date = "2020-08-18"
description = "the revised complaints response process"
target_days = 20
"""


def edited(project, *replacements: tuple[str, str]) -> None:
    """Newshire's configuration, added to the project's, with each (old, new) replaced: old must be there, once."""
    text = NEWSHIRE
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (project.councils / "newshire.toml").write_text(text, encoding="utf-8")


def definition_problems(project, *replacements) -> list[str]:
    edited(project, *replacements)
    with pytest.raises(InputError) as caught:
        load_definitions(project)
    return [str(p) for p in caught.value.problems]


def records_problems(project, *replacements) -> list[str]:
    edited(project, *replacements)
    defs = load_definitions(project)  # [records] is checked with the extracts' schema, after the definitions
    with pytest.raises(InputError) as caught:
        load_records_configs(project, defs)
    return [str(p) for p in caught.value.problems]


def setting(messages: list[str], path: str) -> str:
    """The one message about `path`; its text after the file and setting."""
    prefix = f"{FILE}, setting '{path}': "
    found = [m[len(prefix) :] for m in messages if m.startswith(prefix)]
    assert len(found) == 1, (path, messages)
    return found[0]


# --------------------------------------------------------------------------- what the tester found


def test_procedures_given_as_a_text_not_a_list(project):
    messages = definition_problems(project, ('procedures = ["statutory", "corporate"]', 'procedures = "statutory"'))
    assert messages == [
        f"{FILE}, setting 'procedures': 'statutory' is a text; expected a list such as [\"statutory\", \"corporate\"]"
    ]


def test_a_misspelt_setting_in_contacts_is_named_with_a_suggestion(project):
    messages = definition_problems(project, ('measure = "contacts"', 'mesure = "contacts"'))
    assert setting(messages, "contacts.mesure") == (
        "unknown setting (known: measure, definition); did you mean 'measure'?"
    )


def test_a_misspelt_timescale_is_named_with_a_suggestion(project):
    messages = definition_problems(project, ("statutory_stage1 = 10", "statutory_stage_1 = 10"))
    assert setting(messages, "timescales.statutory_stage_1") == (
        "unknown setting (known: statutory_stage1, statutory_stage1_extended, corporate); "
        "did you mean 'statutory_stage1'?"
    )


def test_a_contacts_measure_other_than_contacts_is_refused_with_the_reason(project):
    """The measure is read only as 'does the council count contacts': any other name would be obeyed as 'yes'."""
    messages = definition_problems(project, ('measure = "contacts"', 'measure = "referrals"'))
    assert setting(messages, "contacts.measure").startswith(
        "'referrals' cannot be the contacts measure: a council's contacts figure is always the measure 'contacts'"
    )


# --------------------------------------------------------------------------- wrong types


@pytest.mark.parametrize(
    "old, new, path, message",
    [
        (
            'procedures = ["statutory", "corporate"]',
            "procedures = [1, 2]",
            "procedures[0]",
            '1 is a whole number; expected "statutory" or "corporate"',
        ),
        (
            "statutory_stage1 = 10",
            "statutory_stage1 = 10.5",
            "timescales.statutory_stage1",
            "10.5 is a decimal number; expected a positive whole number of working days",
        ),
        (
            "statutory_stage1 = 10",
            'statutory_stage1 = "10"',
            "timescales.statutory_stage1",
            "'10' is a text; expected a positive whole number of working days",
        ),
        (
            "corporate = 20",
            "corporate = true",
            "timescales.corporate",
            "true is a true/false value; expected a positive whole number of working days",
        ),
        (
            "target_days = 20",
            "target_days = true",
            "events[0].target_days",
            "true is a true/false value; expected the timescale in working days the change aimed at",
        ),
        (
            'procedures = ["statutory", "corporate"]',
            'procedures = ["statutory", "statutory"]',
            "procedures",
            "lists 'statutory' twice; each should be listed once",
        ),
        (
            'procedures = ["statutory", "corporate"]',
            'procedures = ["complaint contacts"]',
            "procedures[0]",
            '\'complaint contacts\' is not a procedure ("statutory" or "corporate")',
        ),
        (
            'procedures = ["statutory", "corporate"]',
            "procedures = []",
            "procedures",
            'is an empty list; expected a list such as ["statutory", "corporate"]',
        ),
        ('id = "newshire"', "id = 7", "id", "7 is a whole number; expected the council's identifier in quotes"),
        ('short_name = "Newshire"', 'short_name = " "', "short_name", "is empty; expected the name used in sentences"),
        (
            'date = "2020-08-18"\n',
            "",
            "events[0].date",
            "required setting is missing; expected a date written like 2020-08-18",
        ),
        ('date = "2020-08-18"', 'date = "18/08/2020"', "events[0].date", "'18/08/2020' is not a date written like"),
        (
            'channels = ["Email", "Telephone"]',
            'channels = "Email"',
            "vocabulary.channels",
            "'Email' is a text; expected a list of names, such as [",
        ),
        (
            'channels = ["Email", "Telephone"]',
            'channels = ["Email", 3]',
            "vocabulary.channels[1]",
            "3 is a whole number; expected a non-empty name in quotes",
        ),
        (
            'channels = ["Email", "Telephone"]',
            'channels = ["Email", "Email"]',
            "vocabulary.channels",
            "lists 'Email' twice",
        ),
        (
            "[denominators]\n",
            "[denominators]\nstatutory_within_10wd_rate = 3\n",
            "denominators.statutory_within_10wd_rate",
            "3 is a whole number; expected the identifier of a measure in quotes",
        ),
        (
            "notes = [\n",
            'notes = "one note"\nold_notes = [\n',
            "notes",
            "'one note' is a text; expected a list of texts",
        ),
    ],
)
def test_a_value_of_the_wrong_type(project, old, new, path, message):
    messages = definition_problems(project, (old, new))
    assert setting(messages, path).startswith(message)


# --------------------------------------------------------------------------- unknown settings, at every level


@pytest.mark.parametrize(
    "old, new, path, message",
    [
        (
            'short_name = "Newshire"',
            'short_nme = "Newshire"',
            "short_nme",
            "unknown setting (known: id, name, short_name, procedures, notes, timescales, contacts, denominators, "
            "vocabulary, events, clocks, population, records); did you mean 'short_name'?",
        ),
        (
            "[vocabulary]\n",
            '[vocabulary]\nissue_category = ["Delay"]\n',
            "vocabulary.issue_category",
            "unknown setting (known: teams, issue_categories, delay_reasons, complainant_types, channels, remedies, "
            "extension_reasons, refusal_reasons); did you mean 'issue_categories'?",
        ),
        (
            "target_days = 20",
            "target_days = 20\ntarget = 10",
            "events[0].target",
            "unknown setting (known: date, description, target_days); did you mean 'target_days'?",
        ),
        (
            "[[events]]",
            '[population]\nchildren_0_17 = 61234\nyear = "mid-2023"\nsource = "A test"\nchildren_0_15 = 5\n'
            "\n[[events]]",
            "population.children_0_15",
            "unknown setting (known: children_0_17, year, source); did you mean 'children_0_17'?",
        ),
        (
            'short_name = "Newshire"\n',
            'short_name = "Newshire"\ncomplaints_team = "Social Care Complaints Team"\n',
            "complaints_team",
            "is not read by anything: no report shows it",
        ),
        (
            "corporate = 20",
            "corporate = 20\nstatutory_stage2 = 25",
            "timescales.statutory_stage2",
            "is not read by anything: the statutory stage 2 and 3 clocks are the regulations'",
        ),
    ],
)
def test_an_unknown_or_unread_setting(project, old, new, path, message):
    messages = definition_problems(project, (old, new))
    assert setting(messages, path).startswith(message)


@pytest.mark.parametrize(
    "old, new, path, message",
    [
        (
            "[records]\n",
            '[records]\ndigital_channel = ["Email"]\n',
            "records.digital_channel",
            "is not a setting of [records] (complaints, feedback, contacts, partially_upheld, digital_channels, "
            "children_in_care_types, measures); did you mean 'digital_channels'?",
        ),
        (
            "[records.complaints]\n",
            '[records.complaints]\ndate_fromat = "%d/%m/%Y"\n',
            "records.complaints.date_fromat",
            "is not a setting of [records.complaints] (columns, codes, booleans, date_format, separator, sheet); "
            "did you mean 'date_format'?",
        ),
        (
            "[records.complaints.columns]\n",
            '[records.complaints.columns]\nrecieved_on = "Date"\n',
            "records.complaints.columns.recieved_on",
            "'recieved_on' is not a canonical column of complaints (reference, received,",
        ),
        (
            "[records]\n",
            "[records]\nchildren_in_care_types = 1\n",
            "records.children_in_care_types",
            "1 is a whole number; expected a list of complainant types",
        ),
        (
            "partially_upheld = true",
            'partially_upheld = "yes"',
            "records.partially_upheld",
            "'yes' is a text; expected true or false",
        ),
        (
            'booleans = { "Y" = true, "N" = false }\n\n[records.complaints.columns]',
            'booleans = { "Y" = 1, "N" = false }\n\n[records.complaints.columns]',
            "records.complaints.booleans.Y",
            "1 is a whole number; expected true or false",
        ),
        (
            'separator = ";"',
            "separator = 0",
            "records.complaints.separator",
            "0 is a whole number; expected a non-empty text in quotes",
        ),
        (
            "[records.complaints.codes.stage]\n",
            "[records.complaints.codes.stage]\nS4 = 4\n",
            "records.complaints.codes.stage.S4",
            "4 is a whole number; expected the canonical value, in quotes",
        ),
        (
            "[records.complaints.codes.stage]\n",
            '[records.complaints.codes.received]\n"x" = "y"\n\n[records.complaints.codes.stage]\n',
            "records.complaints.codes.received",
            "'received' is a date: it takes a format, not codes",
        ),
    ],
)
def test_a_records_setting(project, old, new, path, message):
    messages = records_problems(project, (old, new))
    assert setting(messages, path).startswith(message)


def test_a_misspelt_required_column_is_named_twice_over(project):
    messages = records_problems(project, ('reference = "Case Ref"', 'refrence = "Case Ref"'))
    assert setting(messages, "records.complaints.columns.refrence").endswith("; did you mean 'reference'?")
    assert setting(messages, "records.complaints.columns") == "no mapping for required column 'reference'"
    assert len(messages) == 2


def test_an_export_column_mapped_twice(project):
    messages = records_problems(project, ('team = "Service Area"', 'team = "Case Ref"'))
    assert messages == [
        f"{FILE}, setting 'records.complaints.columns.team': export column 'Case Ref' is already mapped to 'reference'"
    ]


# --------------------------------------------------------------------------- every problem of a file, together


def test_every_problem_of_the_file_is_listed_together(project):
    messages = definition_problems(
        project,
        ('procedures = ["statutory", "corporate"]', 'procedures = "statutory"'),
        ("statutory_stage1 = 10", "statutory_stage1 = 10.5"),
        ("corporate = 20", "corporate = 20\nstatutory_stage_2 = 25"),
        ("[contacts]\n", '[contacts]\nmesure = "referrals"\n'),
        ("[vocabulary]\n", '[vocabulary]\nteam = ["Fostering Team"]\n'),
        ('date = "2020-08-18"\n', ""),
        ('id = "newshire"', 'id = "Newshire"'),
    )
    settings = [m.split("setting '")[1].split("'")[0] for m in messages]
    assert sorted(settings) == sorted(
        [
            "procedures",
            "timescales.statutory_stage1",
            "timescales.statutory_stage_2",
            "contacts.mesure",
            "vocabulary.team",
            "events[0].date",
            "id",  # the cross-checks are listed with the schema's problems
            "id",
        ]
    )
    assert all(m.startswith(f"{FILE}, setting '") for m in messages)


def test_every_records_problem_is_listed_together(project):
    messages = records_problems(
        project,
        ("[records]\n", "[records]\nwidgets = 3\n"),
        ('reference = "Case Ref"', 'refrence = "Case Ref"'),
        ('date_format = "%d/%m/%Y"\nseparator', 'date_format = "dd/mm/yyyy"\nseparator'),
        ('UP = "upheld"', 'UP = "rejected"'),
    )
    assert sorted(m.split("setting '")[1].split("'")[0] for m in messages) == [
        "records.complaints.codes.outcome.UP",
        "records.complaints.columns",
        "records.complaints.columns.refrence",
        "records.complaints.date_format",
        "records.widgets",
    ]


def test_a_file_not_saved_as_utf8(project):
    path = project.councils / "newshire.toml"
    text = NEWSHIRE.replace("front door", "front door (café)")
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(InputError) as caught:
        load_definitions(project)
    byte = text.index("é") + 1  # one byte a character before it, in either encoding
    assert [str(p) for p in caught.value.problems] == [
        f"{FILE}: is not saved as UTF-8 text (byte {byte} is not UTF-8): save it with the encoding UTF-8"
    ]


# --------------------------------------------------------------------------- what a valid file gives


def test_a_toml_date_and_the_council_built_from_the_checked_file(project):
    edited(project, ('date = "2020-08-18"', "date = 2020-08-18"))
    defs = load_definitions(project)
    newshire = defs.councils["newshire"]
    assert newshire.procedures == ("statutory", "corporate")
    assert newshire.events == (
        {"date": "2020-08-18", "description": "the revised complaints response process", "target_days": 20},
    )
    assert newshire.timescales == {"statutory_stage1": 10, "statutory_stage1_extended": 20, "corporate": 20}
    assert newshire.vocabulary == {"teams": ["Fostering Team", "SEN Team"], "channels": ["Email", "Telephone"]}
    assert newshire.contacts_measure == "contacts" and newshire.population is None
    assert newshire.contacts_definition == "Calls and emails to the front door."
    records = load_records_configs(project, defs)["newshire"]
    assert records.complaints.columns["reference"] == "Case Ref" and records.complaints.booleans == {
        "Y": True,
        "N": False,
    }
    assert records.complaints.codes["outcome"] == {"UP": "upheld", "NU": "not_upheld"}
    assert (records.statutory_timescale, records.statutory_extended, records.corporate_timescale) == (10, 20, 20)
    assert records.feedback.columns == {c: c for c in SCHEMA["feedback"]}  # no mapping: the canonical names


def test_the_vocabulary_keys_are_the_ones_records_map():
    assert set(council_config.Vocabulary.model_fields) == set(VOCABULARY.values())


def _configurations() -> list[Path]:
    return sorted((REPO / "data" / "councils").glob("*.toml")) + sorted((FIXTURE_DATA / "councils").glob("*.toml"))


@pytest.mark.parametrize("path", _configurations(), ids=lambda p: f"{p.parent.parent.parent.name}/{p.name}")
def test_the_shipped_configurations_pass(path):
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    checked, problems = check_council(raw, str(path), EXTRACTS)
    assert problems == [] and checked is not None
    assert checked.id == path.stem


@pytest.mark.shipped_data
def test_the_shipped_configurations_pass_the_cross_checks():
    paths = shipped_paths()
    defs = load_definitions(paths)
    assert set(load_records_configs(paths, defs)) == set(defs.councils)


# --------------------------------------------------------------------------- the documentation


def _fields(model) -> list[str]:
    return [f.alias or name for name, f in council_config._unwrap(model).model_fields.items()]


def test_every_setting_is_documented():
    """docs/configuration.md names every setting the schema accepts and every one it refuses as unread."""
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    config = council_config.CouncilConfig
    names = set(_fields(config))
    for table in (config.model_fields[t].annotation for t in ("timescales", "contacts", "vocabulary", "population")):
        names |= set(_fields(table))
    names |= set(_fields(council_config.Event))
    records = records_model(EXTRACTS)
    names |= set(_fields(records)) | set(_fields(records.model_fields["complaints"].annotation))
    names |= {path.split(".")[-1] for path in RETIRED}
    missing = sorted(n for n in names if not re.search(rf"[`.]{n}[`.\[]", text))
    assert len(names) > 40 and missing == []
