"""`complaints new-year`: the year's files are created (never overwritten), they pass the checks, and what is
still missing is said per council; `complaints check` and `complaints reports` still succeed afterwards."""

from __future__ import annotations

import re
import shutil
import tomllib

import pytest
from conftest import shipped_paths

from complaints.cli import main
from complaints.inputs.code_inputs import LETTER_MEASURES, check_statement, load_code_inputs
from complaints.inputs.definitions import load_definitions
from complaints.inputs.paths import Paths
from complaints.inputs.published import ALL_COLUMNS, load_published
from complaints.inputs.tables import read_csv_text
from complaints.running.new_year import code_templates, missing_inputs, new_year, published_template

YEAR = "2027-28"
CODE_KINDS = ("self_assessment", "ombudsman_letter", "code_report")


def councils_of(paths: Paths) -> dict:
    return dict(load_definitions(paths).councils)


def run(paths: Paths, *args: str) -> int:
    return main(["new-year", *args, "--data", str(paths.data)])


@pytest.fixture
def shipped_copy(tmp_path) -> Paths:
    """A copy of the project's own data (data/, without data/private/) and an empty outputs folder."""
    source = shipped_paths().data
    shutil.copytree(source, tmp_path / "data", ignore=shutil.ignore_patterns("private"))
    (tmp_path / "outputs").mkdir()
    return Paths(data=tmp_path / "data", outputs=tmp_path / "outputs")


# --------------------------------------------------------------------------- the templates (pure)


def test_published_template_is_the_published_header_after_comments(tmp_path):
    text = published_template("Dudley Metropolitan Borough Council", YEAR)
    lines = text.splitlines()
    assert all(line.startswith("# ") for line in lines[:-1]) and lines[-1] == ",".join(ALL_COLUMNS)
    assert "one row per figure" in text and "Adding a year" in text
    (tmp_path / "x.csv").write_text(text, encoding="utf-8")
    frame, problems = read_csv_text(tmp_path / "x.csv", ALL_COLUMNS, tmp_path, no_rows="template")
    assert problems == [] and frame.empty


def test_code_templates_explain_every_column_and_pass_the_checks(tmp_path):
    texts = code_templates("Dorset Council", YEAR)
    assert set(texts) == set(CODE_KINDS)
    for column in ("provision", "section", "requirement", "met", "evidence", "action"):
        assert f"# {column}: " in texts["self_assessment"]
    assert texts["self_assessment"].splitlines()[-1] == "provision,section,requirement,met,evidence,action"
    letter = texts["ombudsman_letter"].splitlines()
    assert letter[-len(LETTER_MEASURES) :] == [f"{m},," for m in LETTER_MEASURES]
    assert all(f"{m} (" in texts["ombudsman_letter"] for m in LETTER_MEASURES)
    assert tomllib.loads(texts["code_report"]) == {}  # every setting commented out
    for key in ("governance_body", "governance_date", "governance_response", "ombudsman_non_compliance"):
        assert f"# {key} = " in texts["code_report"]
    statement, problems = check_statement(texts["code_report"], "x.toml")
    assert problems == [] and not statement.provides
    # uncommenting the examples gives a valid file
    example = re.compile(r"^# (\w+ = |\"\"\"$|The committee noted)")
    uncommented = "\n".join(line[2:] if example.match(line) else line for line in texts["code_report"].splitlines())
    statement, problems = check_statement(uncommented, "x.toml")
    assert problems == [] and statement.governance_date.isoformat() == "2028-07-15"


# --------------------------------------------------------------------------- creating the files


def test_new_year_creates_the_files_and_checks_pass(project):
    steps = new_year(project, YEAR, councils_of(project))
    created = {s.path.relative_to(project.data).as_posix() for s in steps if s.action == "created"}
    for council in ("dudley", "dorset"):
        assert f"published/{council}/{YEAR}_annual_report.csv" in created
        for kind in CODE_KINDS:
            suffix = "toml" if kind == "code_report" else "csv"
            assert f"code/{council}/{YEAR}_{kind}.{suffix}" in created
        assert f"private/{council}" in created
        assert (project.private / council).is_dir() and not any((project.private / council).iterdir())
    # Telford & Wrekin's configuration lists no corporate procedure: no Code files
    assert "published/telford-wrekin/2027-28_annual_report.csv" in created
    assert not (project.code_inputs / "telford-wrekin").exists()
    defs = load_definitions(project)
    load_published(project, defs)  # the templates with no rows are accepted
    inputs = load_code_inputs(project, defs)
    assert len(inputs.files) == 6 and not inputs.files["synthetic"].any()
    real = inputs.for_report("dudley", YEAR, False)
    assert real.self_assessment.empty and real.letter["value"].isna().all() and not real.statement.provides


def test_nothing_is_overwritten(project):
    new_year(project, YEAR, councils_of(project))
    mine = project.code_inputs / "dudley" / f"{YEAR}_self_assessment.csv"
    mine.write_text("provision,section,requirement,met,evidence,action\n1.1,S,R,yes,,\n", encoding="utf-8")
    extract = project.private / "dudley" / f"{YEAR}_complaints.csv"
    extract.write_text("anything", encoding="utf-8")
    before = {p: p.read_bytes() for p in project.data.rglob("*") if p.is_file()}
    steps = new_year(project, YEAR, councils_of(project))
    assert {s.action for s in steps} == {"kept"}
    assert {p: p.read_bytes() for p in project.data.rglob("*") if p.is_file()} == before


def test_a_real_file_of_another_name_is_kept_not_doubled(project):
    folder = project.code_inputs / "dudley"
    folder.mkdir(parents=True)
    (folder / f"{YEAR}_cabinet_code_report.toml").write_text('governance_body = "Cabinet"\n', encoding="utf-8")
    (folder / f"{YEAR}_synthetic_self_assessment.csv").write_text(
        "provision,section,requirement,met,evidence,action\n", encoding="utf-8"
    )
    steps = new_year(project, YEAR, {"dudley": councils_of(project)["dudley"]})
    kept = [s for s in steps if s.path.name.endswith("code_report.toml")]
    assert [(s.path.name, s.action) for s in kept] == [(f"{YEAR}_cabinet_code_report.toml", "kept")]
    assert not (folder / f"{YEAR}_code_report.toml").exists()
    assert (folder / f"{YEAR}_self_assessment.csv").exists()  # a synthetic file is not the council's
    load_code_inputs(project, load_definitions(project))


def test_no_code_files_before_the_code_applied(project):
    new_year(project, "2025-26", councils_of(project))
    assert (project.published / "dudley" / "2025-26_annual_report.csv").is_file()
    assert not project.code_inputs.exists()


# --------------------------------------------------------------------------- what is still missing


def test_missing_inputs_shrink_as_they_are_filled_in(project):
    defs = load_definitions(project)
    new_year(project, YEAR, dict(defs.councils))
    missing = missing_inputs(project, defs, YEAR)
    assert set(missing) == {"dudley", "dorset", "telford-wrekin"}
    dudley = missing["dudley"]
    assert [line.split(":")[0] for line in dudley] == [
        "the complaint extract",
        "the published figures",
        "the self-assessment against the Complaint Handling Code",
        "the Ombudsman's annual letter's figures",
        "the governance response",
    ]
    assert "data/private/dudley/2027-28_<anything>_complaints.csv" in dudley[0]
    assert "no rows yet in data/code/dudley/2027-28_self_assessment.csv" in dudley[2]
    assert len(missing["telford-wrekin"]) == 2  # no Code files for a council without a corporate procedure

    (project.private / "dudley" / f"{YEAR}_system_export_complaints.csv").write_text("x", encoding="utf-8")
    code = project.code_inputs / "dudley"
    with open(code / f"{YEAR}_self_assessment.csv", "a", encoding="utf-8") as f:
        f.write("1.1,Definition of a complaint,Any dissatisfaction,yes,Policy,\n")
    letter = code / f"{YEAR}_ombudsman_letter.csv"
    letter.write_text(letter.read_text(encoding="utf-8").replace("decisions_made,,", "decisions_made,12,"))
    (code / f"{YEAR}_code_report.toml").write_text('governance_response = "Noted."\n', encoding="utf-8")
    published = project.published / "dudley" / f"{YEAR}_annual_report.csv"
    with open(published, "a", encoding="utf-8") as f:
        f.write("dudley,2027-28,complaints_received,,300,,,,,,,,x.txt,S,summary,300 complaints,,,,,\n")
    assert missing_inputs(project, defs, YEAR, "dudley") == {"dudley": []}


def test_missing_inputs_say_a_file_has_problems(project):
    defs = load_definitions(project)
    new_year(project, YEAR, {"dudley": defs.councils["dudley"]})
    (project.code_inputs / "dudley" / f"{YEAR}_code_report.toml").write_text("governance = 1\n", encoding="utf-8")
    lines = missing_inputs(project, defs, YEAR, "dudley")["dudley"]
    assert "the governance response: data/code/dudley/2027-28_code_report.toml has problems" in lines[-1]


def test_missing_inputs_before_2026_27_leave_the_code_out(project):
    lines = missing_inputs(project, load_definitions(project), "2025-26", "dorset")["dorset"]
    assert [line.split(":")[0] for line in lines] == ["the complaint extract", "the published figures"]


def test_a_synthetic_file_is_not_the_councils(shipped_copy):
    lines = missing_inputs(shipped_copy, load_definitions(shipped_copy), "2026-27", "dudley")["dudley"]
    code_lines = [line for line in lines if "Complaint Handling Code" in line or "Ombudsman" in line]
    assert code_lines and all("(the synthetic demonstration file is not the council's)" in line for line in code_lines)


# --------------------------------------------------------------------------- the command line


def test_the_command_says_what_it_did_and_what_is_missing(project, capsys):
    assert run(project, YEAR) == 0
    err = capsys.readouterr().err
    assert "Dudley Metropolitan Borough Council (dudley), 2027-28:" in err
    assert (
        "  created data/code/dudley/2027-28_ombudsman_letter.csv: the figures of the Ombudsman's annual letter" in err
    )
    assert "  created data/private/dudley/: real complaint extracts (git-ignored)" in err
    assert "  still missing for 2027-28:\n    - the complaint extract: no data/private/dudley/" in err
    assert "no Complaint Handling Code files: its configuration lists no corporate procedure" in err
    assert run(project, YEAR, "--council", "dorset") == 0
    err = capsys.readouterr().err
    assert "  kept data/published/dorset/2027-28_annual_report.csv" in err and "dudley" not in err


def test_an_unknown_council_is_refused(project, capsys):
    assert run(project, YEAR, "--council", "narnia") == 2
    assert "data/councils/narnia.toml: no such council" in capsys.readouterr().err
    assert not project.code_inputs.exists()


def test_check_passes_on_the_new_files(shipped_copy):
    assert run(shipped_copy, YEAR) == 0
    assert main(["check", "--data", str(shipped_copy.data), "--outputs", str(shipped_copy.outputs)]) == 0
    assert not any(shipped_copy.outputs.iterdir())


@pytest.mark.slow
def test_reports_still_succeed_after_new_year(shipped_copy, capsys):
    """The whole job on a copy of the project's data, then `complaints new-year 2027-28`, then the job again:
    it succeeds, rebuilds nothing (the new files hold no figures yet) and lists what the year misses."""
    args = ["reports", "--data", str(shipped_copy.data), "--outputs", str(shipped_copy.outputs), "--formats", "html"]
    assert main(args) == 0
    built = {p: p.stat().st_mtime_ns for p in shipped_copy.outputs.rglob("report.html")}
    assert len(built) >= 16
    assert run(shipped_copy, YEAR) == 0
    capsys.readouterr()
    assert main(args) == 0
    assert (shipped_copy.outputs / "index.html").is_file()
    assert not (shipped_copy.outputs / "dudley" / YEAR).exists()  # nothing published yet: no report
    assert {p: p.stat().st_mtime_ns for p in shipped_copy.outputs.rglob("report.html")} == built
    said = capsys.readouterr().err
    assert f"dudley {YEAR}: no report yet; still missing" in said
    assert "the self-assessment against the Complaint Handling Code" in said
