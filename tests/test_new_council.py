"""`complaints new-council`: the configuration it writes loads as it is, with every setting the council's
documents supply marked not published; it refuses an identifier it cannot take; `complaints check` and
`complaints reports` still succeed; and no report prints a setting marked not published as the council's
practice."""

from __future__ import annotations

import shutil
import tomllib
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import shipped_paths

from complaints.analysis.comparability import CouncilDefinition, Judgement
from complaints.cli import main
from complaints.inputs.council_config import NOT_PUBLISHED_LINE, PUBLISHABLE, check_council
from complaints.inputs.definitions import load_definitions, read_definitions
from complaints.inputs.paths import Paths
from complaints.reporting.comparisons import contacts_definition_words, reason
from complaints.reporting.council_report import figures_mean, load_report
from complaints.running.new_council import MARKED, council_template, new_council
from complaints.running.pipeline import compute, write_results

NEW = "newshire"
NAME = "Newshire County Council"


def run(paths: Paths, *args: str) -> int:
    return main(["new-council", *args, "--data", str(paths.data)])


def config_of(paths: Paths, council: str = NEW):
    return load_definitions(paths).councils[council]


# --------------------------------------------------------------------------- the template


def test_the_template_marks_every_setting_not_published_and_passes_the_schema():
    text = council_template(NEW, NAME, "Newshire")
    raw = tomllib.loads(text)
    assert raw["not_published"] == list(MARKED) and set(MARKED) <= set(PUBLISHABLE)
    assert set(raw) == {"id", "name", "short_name", "procedures", "not_published"}  # the rest is commented out
    assert text.count(NOT_PUBLISHED_LINE) == len(MARKED)
    for setting in ("# notes = [", "# corporate = 20", "# [contacts]", "# [denominators]", "# [vocabulary]"):
        assert setting in text, setting
    checked, problems = check_council(raw, f"data/councils/{NEW}.toml")
    assert problems == [] and checked is not None


def test_a_name_with_quotes_is_written_as_toml():
    raw = tomllib.loads(council_template(NEW, 'The "New" Council', "New \\ shire"))
    assert raw["name"] == 'The "New" Council' and raw["short_name"] == "New \\ shire"


# --------------------------------------------------------------------------- the command


def test_new_council_writes_the_configuration_and_folders_and_check_passes(project, capsys):
    assert run(project, NEW, "--name", NAME, "--short-name", "Newshire") == 0
    said = capsys.readouterr().err
    assert f"data/councils/{NEW}.toml" in said and "not_published" in said and "complaints new-year" in said
    assert (project.published / NEW).is_dir() and (project.private / NEW).is_dir()
    council = config_of(project)
    assert (council.name, council.short_name, council.procedures) == (NAME, "Newshire", ("statutory",))
    assert council.not_published == MARKED and council.notes == () and council.vocabulary == {}
    assert not council.is_published("contacts.definition") and council.is_published("procedures")
    assert main(["check", "--data", str(project.data), "--outputs", str(project.outputs)]) == 0
    assert not any(project.outputs.iterdir())


def test_the_name_defaults_to_one_made_from_the_identifier(project):
    assert run(project, "north-newshire") == 0
    council = config_of(project, "north-newshire")
    assert council.name == council.short_name == "North Newshire"


@pytest.mark.parametrize(
    ("council", "said"),
    [
        ("dudley", "exists already"),
        ("logs", "is reserved"),
        ("benchmark", "is reserved"),
        ("New_shire", "is not lower-case and hyphenated"),
        ("newshire-", "is not lower-case and hyphenated"),
    ],
)
def test_an_identifier_it_cannot_take_is_refused_and_nothing_is_written(project, capsys, council, said):
    before = sorted(p.relative_to(project.data) for p in project.data.rglob("*"))
    dudley = (project.councils / "dudley.toml").read_bytes()
    assert run(project, council) == 2
    assert said in capsys.readouterr().err
    assert sorted(p.relative_to(project.data) for p in project.data.rglob("*")) == before
    assert (project.councils / "dudley.toml").read_bytes() == dudley


# --------------------------------------------------------------------------- filling a setting in


def _replace(paths: Paths, old: str, new: str) -> None:
    path = paths.councils / f"{NEW}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(paths: Paths) -> list[str]:
    return [f"{p.column}: {p.message}" for p in read_definitions(paths).problems]


def test_a_setting_filled_in_but_still_listed_is_refused_with_the_fix(project):
    new_council(project, NEW)
    _replace(project, '# [contacts]\n# measure = "contacts"', '[contacts]\nmeasure = "contacts"')
    problems = _problems(project)
    assert len(problems) == 1 and problems[0].startswith("not_published[2]: 'contacts' is listed as not published")
    assert "remove 'contacts' from not_published" in problems[0]
    _replace(project, '"contacts", ', "")
    assert _problems(project) == []
    council = config_of(project)
    assert council.contacts_measure == "contacts" and council.is_published("contacts.definition")


def test_a_misspelt_not_published_setting_is_named_with_a_suggestion(project):
    new_council(project, NEW)
    _replace(project, '"population"]', '"populaton"]')
    problems = _problems(project)
    assert len(problems) == 1 and "'populaton' is not a setting that can be marked not published" in problems[0]
    assert problems[0].endswith("did you mean 'population'?")


# --------------------------------------------------------------------------- never printed as practice


def test_the_report_functions_say_not_published_never_a_default():
    marked = SimpleNamespace(
        notes=(),
        not_published=MARKED,
        contacts_definition="",
        is_published=lambda s: s.split(".")[0] not in MARKED,
        short_name="Newshire",
    )
    lines = figures_mean(marked)
    assert lines[0].startswith("Not published:") and "No notes are configured." not in lines
    assert "what it counts as one" in lines[1] and "the bases of its shares" in lines[1]
    assert contacts_definition_words(marked) == "not published"
    plain = SimpleNamespace(notes=(), contacts_definition="", is_published=lambda s: True, not_published=())
    assert figures_mean(plain) == ["No notes are configured."]
    assert contacts_definition_words(plain) == "definition not stated"
    judgement = Judgement(
        False,
        "contacts",
        {
            "dudley": CouncilDefinition("x", "contacts", "Contacts received"),
            NEW: CouncilDefinition("x", "contacts", ""),
        },
        "rate",
    )
    defs = SimpleNamespace(councils={NEW: marked, "dudley": SimpleNamespace(short_name="Dudley")})
    said = reason(judgement, defs)
    assert "Newshire's definition of a contact is not published yet" in said
    assert "Newshire does not say" not in said


def _add_one_document(paths: Paths, council: str = "telford-wrekin", year: str = "2024-25") -> None:
    """One document's figures of `council`, as the new council's: its text, its row of sources.csv, its CSV."""
    sources = pd.read_csv(paths.sources_file, dtype=str, keep_default_na=False)
    row = sources[(sources["council"] == council) & (sources["report_year"] == year)].iloc[[0]].copy()
    old = row["source"].iloc[0]
    shutil.copy(paths.source_documents / old, paths.source_documents / f"{NEW}_{old}")
    row["source"], row["council"] = f"{NEW}_{old}", NEW
    pd.concat([sources, row]).to_csv(paths.sources_file, index=False, lineterminator="\n")
    for path in sorted((paths.published / council).glob(f"{year}_*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame = frame[frame["source"] == old].assign(council=NEW, source=f"{NEW}_{old}")
        frame.to_csv(paths.published / NEW / path.name, index=False, lineterminator="\n")


def test_a_report_of_a_new_council_prints_no_setting_marked_not_published(project, capsys):
    assert run(project, NEW, "--name", NAME, "--short-name", "Newshire") == 0
    _add_one_document(project)
    capsys.readouterr()
    write_results(compute(project), project)
    said = capsys.readouterr().err  # its vocabulary is not published: what its data names, to fill it in
    assert f"{NEW} [vocabulary] channels is marked not published: its published figures name 4 ('Email'," in said
    report = load_report(NEW, "2024-25", data_dir=str(project.data), outputs_dir=str(project.outputs))
    page = "".join(report.section(name) for name in report.SECTIONS)
    assert NAME in page
    assert "Not published: the council&#39;s configuration does not yet say" in page or (
        "Not published: the council's configuration does not yet say" in page
    )
    assert "what it counts as one" in page and "No notes are configured." not in page
    telford = config_of(project, "telford-wrekin")
    for text in (*telford.notes, telford.contacts_definition):  # the copied document's council's settings
        assert text not in page and text.replace("'", "&#39;") not in page


@pytest.mark.slow
def test_reports_still_succeed_with_a_new_council(tmp_path):
    """The whole job on a copy of the project's data after `complaints new-council`: it succeeds, and the new
    council, with nothing published yet, has no report."""
    shutil.copytree(shipped_paths().data, tmp_path / "data", ignore=shutil.ignore_patterns("private"))
    paths = Paths(data=tmp_path / "data", outputs=tmp_path / "outputs")
    assert run(paths, NEW) == 0
    args = ["--data", str(paths.data), "--outputs", str(paths.outputs)]
    assert main(["check", *args]) == 0
    assert main(["reports", *args, "--formats", "html"]) == 0
    assert (paths.outputs / "index.html").is_file() and not (paths.outputs / NEW).exists()
    assert (paths.outputs / "dudley" / "2024-25" / "report.html").is_file()
