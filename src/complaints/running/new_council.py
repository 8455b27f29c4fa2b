"""`complaints new-council ID`: a new council's configuration, every setting present but not published yet.

It writes data/councils/<id>.toml (never over an existing one) with what is known at once (the identifier,
the names, the statutory procedure every council has) and every other setting written out but commented
out, each under a `# NOT PUBLISHED: fill in from the council's documents` line, and listed in the one live
setting `not_published` (complaints.inputs.council_config.PUBLISHABLE). The file loads as it is: a listed
setting is absent, so the computation uses the schema's default, and no report prints it as the council's
practice (the report says "not published", or says nothing). Filling a setting in means uncommenting it and
taking its name off `not_published`; a setting both given and listed is refused with the line to fix.

It also makes the folders data/published/<id>/ (its published figures) and data/private/<id>/ (its real
complaint extracts, git-ignored), then says what to do next (README, "Adding a council"). The template is
built by a pure function (`council_template`); only `new_council` touches the disk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..inputs.paths import COUNCIL_ID, RESERVED_IDS, Paths
from ..inputs.problems import InputError, Problem, display

log = logging.getLogger(__name__)

NOT_PUBLISHED_LINE = "# NOT PUBLISHED: fill in from the council's documents"
# what new-council marks not published (the live `not_published` list of the template)
MARKED = (
    "notes",
    "timescales.corporate",
    "contacts",
    "denominators",
    "vocabulary",
    "events",
    "clocks",
    "population",
)


def name_from_id(council_id: str) -> str:
    """A first guess at a council's name from its identifier: 'north-newshire' -> 'North Newshire'."""
    return " ".join(part.capitalize() for part in council_id.split("-"))


def _toml_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def council_template(council_id: str, name: str, short_name: str) -> str:
    """data/councils/<id>.toml for a council just added: loads as it is; every setting its documents supply is
    commented out under a NOT PUBLISHED line and listed in `not_published`."""
    np = NOT_PUBLISHED_LINE
    marked = ", ".join(f'"{s}"' for s in MARKED)
    return f"""# {name}: complaints to children's services. Made by `complaints new-council {council_id}`.
# Every setting is explained in docs/configuration.md. A setting under a "{np[2:]}" line is
# not published yet: it is commented out here and listed in `not_published` below, so no report says it as the
# council's practice. To fill one in: uncomment it, write the council's value, and take its name off
# `not_published` (`complaints check` refuses a setting that is both given and listed).
id = "{council_id}"
name = {_toml_text(name)}  # CHECK: the council's full name, as its documents write it
short_name = {_toml_text(short_name)}  # CHECK: the name used in sentences, tables and charts
# Every council has the statutory children's procedure (Children Act 1989). Add "corporate" if its documents
# report complaints under its corporate procedure too.
procedures = ["statutory"]

# The settings the council's documents have not supplied yet (take each off once it is filled in).
not_published = [{marked}]

{np}
# What a reader should know about the council's figures, one note a line.
# notes = [
#   "Upheld shares are of complaints received, the base the annual report uses.",
# ]

# [timescales]  # working days
# statutory_stage1 and statutory_stage1_extended are the regulations' 10 and 20 unless the documents say otherwise.
{np}
# The council's own corporate timescale (only with "corporate" in procedures), until the Complaint Handling
# Code's clocks take over on 1 April 2026.
# corporate = 20

{np}
# Whether the council counts contacts ("contacts" or "") and what it counts as one.
# [contacts]
# measure = "contacts"
# definition = "Contacts received by Children's Services in the year, as stated in the annual report."

{np}
# The base of a proportion, where it is not the one in data/definitions/metrics.csv.
# [denominators]
# statutory_within_20wd_rate = "statutory_stage1_responded"

{np}
# The names a report may show for its records' text columns (a value outside them is counted as "Other (not
# in the vocabulary)"): its teams, issue categories, reasons for delay, complainant types, channels, remedies,
# reasons for an extension and for not accepting a complaint, as its documents and extracts write them.
# [vocabulary]
# teams = ["Fostering Team", "SEN Team"]
# issue_categories = ["Communication", "Delay"]
# delay_reasons = ["Staff absence"]
# complainant_types = ["Parent", "Young person"]
# channels = ["Email", "Telephone", "Letter"]
# remedies = ["Apology", "Explanation"]
# extension_reasons = ["Awaiting information"]
# refusal_reasons = ["Outside the 12 month time limit"]

{np}
# A change to its complaints process (reports from records compare the share answered in time before and after).
# [[events]]
# date = 2020-08-18
# description = "the revised complaints response process"
# target_days = 20

{np}
# One of its own dated corporate clocks (only with "corporate" in procedures), before 1 April 2026.
# [[clocks]]
# procedure = "corporate"
# stage = 1
# days = 15
# from = 2021-04-01
# name = "{short_name}'s revised corporate procedure"

{np}
# The children aged 0 to 17 in its area, from a named official estimate (for the benchmarking report).
# [population]
# children_0_17 = 61234
# year = "mid-2023"
# source = "ONS mid-year population estimates 2023"

# How its complaints system exports its records: fill in when you have an extract (data/private/{council_id}/).
# Not given: the export's columns have the canonical names (src/complaints/inputs/records.py). Copy the
# [records] tables of data/councils/dudley.toml as an example.
# [records]
# partially_upheld = true
# digital_channels = ["Email"]
"""


@dataclass(frozen=True)
class Step:
    path: Path
    what: str
    action: str = "created"  # or "kept": a folder that was there already


def id_problems(paths: Paths, council_id: str) -> list[str]:
    """Why `council_id` cannot be a new council's identifier (nothing: it can)."""
    if not COUNCIL_ID.match(council_id):
        return [f"'{council_id}' is not lower-case and hyphenated (like telford-wrekin)"]
    if council_id in RESERVED_IDS:
        return [f"'{council_id}' is reserved: outputs/{council_id}/ holds other things"]
    config = paths.councils / f"{council_id}.toml"
    if config.exists():
        return [f"'{council_id}' exists already: {display(config, paths.data.parent)}"]
    return []


def new_council(paths: Paths, council_id: str, name: str | None = None, short_name: str | None = None) -> list[Step]:
    """Write the new council's configuration and make its folders; InputError (nothing written) when the
    identifier cannot be used."""
    config = paths.councils / f"{council_id}.toml"
    problems = id_problems(paths, council_id)
    if problems:
        where = display(config, paths.data.parent)
        raise InputError([Problem(where, None, "id", message) for message in problems])
    name = (name or "").strip() or name_from_id(council_id)
    short_name = (short_name or "").strip() or name
    config.parent.mkdir(parents=True, exist_ok=True)
    with open(config, "x", encoding="utf-8", newline="\n") as f:
        f.write(council_template(council_id, name, short_name))
    steps = [Step(config, "its configuration: every setting not published until you fill it in")]
    for folder, what in (
        (paths.published / council_id, "its published figures, one CSV per document"),
        (paths.private / council_id, "its real complaint extracts (git-ignored: never commit them)"),
    ):
        existed = folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        steps.append(Step(folder, what, "kept" if existed else "created"))
    return steps


def next_steps(council_id: str) -> list[str]:
    """What to do next, as README's "Adding a council" says."""
    return [
        f"fill in data/councils/{council_id}.toml from the council's documents: each setting under a NOT "
        "PUBLISHED line, then take its name off not_published (docs/configuration.md says what each means)",
        f"run `complaints new-year YYYY-YY --council {council_id}` for each year it has published, put each "
        "document's text in data/sources/ with a row in data/published/sources.csv, and transcribe its figures "
        f"into data/published/{council_id}/ (README, 'Adding a year')",
        "a figure with a definition no measure has needs a new measure in data/definitions/measures.csv "
        "(README, 'Adding a council', step 3)",
        "run `complaints check`: it lists every problem, and the names of its vocabulary missing from its data "
        "(or its data's from its vocabulary); then `complaints reports`",
    ]


def run_new_council(paths: Paths, council_id: str, name: str | None = None, short_name: str | None = None) -> int:
    """`complaints new-council`: exit status 0, or InputError (status 2, nothing written)."""
    steps = new_council(paths, council_id, name, short_name)
    log.info(f"new council {council_id}:")
    for step in steps:
        shown = display(step.path, paths.data.parent) + ("/" if step.path.is_dir() else "")
        log.info(f"  {step.action} {shown}: {step.what}")
    log.info("next:")
    for i, line in enumerate(next_steps(council_id), start=1):
        log.info(f"  {i}. {line}")
    return 0
