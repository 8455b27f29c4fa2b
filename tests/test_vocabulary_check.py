"""Each council's [vocabulary] against its data (complaints.analysis.vocabulary_check): a name configured that
neither its published figures nor its records have, and a category of its data that the configuration does
not list, are warnings in the log of `complaints check` (and of the main job), never errors; a misspelling is
named with the name it probably meant; values of extracts are never named in the log."""

from __future__ import annotations

import pandas as pd
import pytest

from complaints.analysis.vocabulary_check import (
    CONFIGURED_NOT_IN_DATA,
    EXTRACTS,
    IN_DATA_NOT_CONFIGURED,
    PUBLISHED,
    SEEN_COLUMNS,
    SYNTHETIC,
    check_vocabulary,
    published_seen,
    synthetic_only,
)
from complaints.cli import main
from complaints.inputs.paths import Paths
from complaints.running.pipeline import vocabulary_findings


def seen(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=SEEN_COLUMNS)


def edit_config(paths: Paths, council: str, old: str, new: str) -> None:
    path = paths.councils / f"{council}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def check(paths: Paths, capsys, command: str = "check") -> tuple[int, str]:
    status = main([command, "--data", str(paths.data), "--outputs", str(paths.outputs)])
    return status, capsys.readouterr().err


# --------------------------------------------------------------------------- the comparison (pure)


def test_a_configured_name_the_data_never_has_is_a_finding():
    data = seen(
        ("x", "teams", "Fostering Team", True, f"{PUBLISHED} (ombudsman_by_team 2024-25)", False),
        ("x", "teams", "SEN Team", True, SYNTHETIC, False),
    )
    found = check_vocabulary(data, {"x": {"teams": ["Fostering Team", "SEN Team", "Court Team"]}})
    assert list(found["name"]) == ["Court Team"] and list(found["finding"]) == [CONFIGURED_NOT_IN_DATA]
    assert found["where"].iloc[0] == f"not in its {PUBLISHED} nor its {SYNTHETIC}"
    assert found["suggestion"].iloc[0] == ""
    # once the data has it, no finding
    data.loc[len(data)] = ["x", "teams", "Court Team", True, SYNTHETIC, False]
    assert check_vocabulary(data, {"x": {"teams": ["Fostering Team", "SEN Team", "Court Team"]}}).empty


def test_a_category_of_the_data_not_configured_is_a_finding_with_where_it_is():
    data = seen(
        ("x", "channels", "Email", True, f"{PUBLISHED} (statutory_channel 2024-25)", False),
        ("x", "channels", "Fax", False, f"{PUBLISHED} (statutory_channel 2024-25)", False),
        ("x", "channels", "Emial", False, EXTRACTS, True),
    )
    found = check_vocabulary(data, {"x": {"channels": ["Email"]}}).set_index("name")
    assert set(found.index) == {"Fax", "Emial"} and set(found["finding"]) == {IN_DATA_NOT_CONFIGURED}
    assert found.at["Fax", "where"] == f"{PUBLISHED} (statutory_channel 2024-25)"
    assert not found.at["Fax", "from_extracts"] and found.at["Emial", "from_extracts"]
    assert found.at["Emial", "suggestion"] == "Email" and found.at["Fax", "suggestion"] == ""
    # configured, it is no longer a finding
    assert check_vocabulary(data, {"x": {"channels": ["Email", "Fax", "Emial"]}}).empty


def test_a_misspelt_configured_name_is_matched_with_the_data():
    data = seen(("x", "teams", "Fostering Team", False, f"{PUBLISHED} (ombudsman_by_team 2024-25)", False))
    found = check_vocabulary(data, {"x": {"teams": ["Fostring Team"]}}).set_index("finding")
    assert found.at[CONFIGURED_NOT_IN_DATA, "suggestion"] == "Fostering Team"
    assert not found.at[CONFIGURED_NOT_IN_DATA, "suggestion_private"]
    assert found.at[IN_DATA_NOT_CONFIGURED, "suggestion"] == "Fostring Team"
    # the same spelling only in an extract: a suggestion the log may not name
    private = seen(("x", "teams", "Fostering Team", False, EXTRACTS, True))
    found = check_vocabulary(private, {"x": {"teams": ["Fostring Team"]}}).set_index("finding")
    assert found.at[CONFIGURED_NOT_IN_DATA, "suggestion_private"]


def test_published_categories_are_mapped_by_the_codes_and_only_breakdowns_with_a_vocabulary_count():
    figures = pd.DataFrame(
        {
            "council": ["x"] * 5,
            "year": ["2024-25"] * 5,
            "measure": ["statutory_issues", "statutory_issues", "benchmark_within_20wd", "ombudsman_by_team", "x"],
            "category": ["Staff Behavior", "Decision", "Sandwell", "SEN Team", ""],
            "basis": ["stated", "stated", "stated", "records", "stated"],
        }
    )
    vocabularies = {"x": {"issue_categories": ["Staff Behaviour", "Decision"]}}
    found = published_seen(figures, vocabularies, {"x": {"issue_categories": {"Staff Behavior": "Staff Behaviour"}}})
    assert sorted(found["name"]) == ["Decision", "Staff Behaviour"] and found["configured"].all()
    assert check_vocabulary(found, vocabularies).empty


def test_names_found_only_in_synthetic_extracts_are_in_the_data_and_counted():
    data = seen(
        ("x", "teams", "Invented Team", True, SYNTHETIC, False),
        ("x", "teams", "Real Team", True, f"{PUBLISHED} (ombudsman_by_team 2024-25)", False),
        ("x", "teams", "Real Team", True, SYNTHETIC, False),
    )
    vocabularies = {"x": {"teams": ["Invented Team", "Real Team"]}}
    assert check_vocabulary(data, vocabularies).empty
    assert synthetic_only(data, vocabularies) == {"x": 1}


def test_the_fixture_councils_findings(results):
    checked = vocabulary_findings(results.definitions, results.figures, results.records)
    found = checked.findings
    assert set(found["council"]) <= set(results.definitions.councils)
    mine = found[(found["council"] == "dudley") & (found["finding"] == IN_DATA_NOT_CONFIGURED)]
    assert "Delay in producing the EHCP" in set(mine["name"])  # named in its 2021-22 document, not configured
    assert "Staff Behavior" not in set(found["name"])  # another spelling, mapped by its codes
    assert checked.synthetic_only["dudley"] > 0


# --------------------------------------------------------------------------- in the log, as warnings


def test_a_misspelt_team_is_a_warning_with_a_suggestion_and_check_still_passes(project, capsys):
    edit_config(project, "dudley", '"Fostering Team"', '"Fostring Team"')
    status, said = check(project, capsys)
    assert status == 0
    assert (
        "dudley [vocabulary] teams: 'Fostring Team' is configured, never in the data "
        "(not in its published figures nor its synthetic extracts); did you mean 'Fostering Team'?"
    ) in said
    assert "dudley [vocabulary] teams: 'Fostering Team' is in the data, not configured (published figures" in said
    assert "did you mean 'Fostring Team'?" in said
    assert not any(project.outputs.iterdir())


def test_the_main_job_warns_too_and_succeeds(project, capsys):
    edit_config(project, "telford-wrekin", '"Letter"]', '"Letter", "Carrier pigeon"]')
    status, said = check(project, capsys, "metrics")
    assert status == 0 and project.metrics_csv.is_file()
    assert "telford-wrekin [vocabulary] channels: 'Carrier pigeon' is configured, never in the data" in said


def test_values_of_extracts_are_counted_never_named(project, capsys):
    """A team of Dorset's synthetic extracts misspelt in its configuration: the extracts' spelling is now outside
    the vocabulary (a raw cell), so the log says how many and where to look, not what."""
    edit_config(project, "dorset", '"Locality Team North"', '"Locality Team Nrth"')
    status, said = check(project, capsys)
    assert status == 0
    lines = [line for line in said.splitlines() if line.startswith("warning: dorset [vocabulary] teams")]
    assert any("'Locality Team Nrth' is configured, never in the data" in line for line in lines), said
    assert any("a close value is among its extracts' values outside the vocabulary" in line for line in lines)
    assert any("1 value(s) of its records are in the data, not configured" in line for line in lines)
    assert all("'Locality Team North'" not in line for line in lines)


@pytest.mark.parametrize("broken", [False, True])
def test_nothing_is_said_about_a_vocabulary_that_matches_its_data(broken):
    data = seen(("x", "remedies", "Apology", True, SYNTHETIC, False))
    vocabularies = {"x": {"remedies": ["Apology"] + (["Apolgy"] if broken else [])}}
    assert len(check_vocabulary(data, vocabularies)) == int(broken)
