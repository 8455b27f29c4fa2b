"""The national-scale synthetic published figures (complaints.synthetic.national): a data folder the main
job accepts, plainly synthetic, the same for a seed."""

from __future__ import annotations

import tomllib

import pandas as pd
import pytest
from conftest import FIXTURE_DATA

from complaints.inputs.paths import Paths
from complaints.running.pipeline import check_inputs, compute
from complaints.synthetic.national import main, national

DEFINITIONS = FIXTURE_DATA / "definitions"


@pytest.fixture(scope="module")
def two_councils(tmp_path_factory):
    data = tmp_path_factory.mktemp("national") / "data"
    return national(data, councils=2, years=3, definitions=DEFINITIONS)


def test_what_it_writes_passes_the_input_checks_and_computes(two_councils, tmp_path):
    paths = Paths(two_councils, tmp_path / "outputs")
    inputs = check_inputs(paths)  # raises InputError listing every problem
    assert sorted(inputs.definitions.councils) == ["synthetic-001", "synthetic-002"]
    assert set(inputs.statements["year"]) == {"2021-22", "2022-23", "2023-24", "2024-25"}  # 2021-22: restated
    results = compute(paths)
    published = results.metrics[results.metrics["source"] == "published"]
    assert set(published["council"]) == {"synthetic-001", "synthetic-002"}
    for metric in ("statutory_received", "corporate_within_20wd_rate", "complaints_within_20wd_rate"):
        assert metric in set(published["metric"])
    assert set(results.audit["check"]) >= {"percentage", "change", "parts", "weighted average"}


def test_everything_is_labelled_synthetic(two_councils):
    for path in sorted((two_councils / "councils").glob("*.toml")):
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        assert config["id"].startswith("synthetic-") and config["name"].startswith("Synthetic council ")
        assert config["notes"][0].startswith("SYNTHETIC")
        assert config["population"]["source"].startswith("Synthetic")
    sources = pd.read_csv(two_councils / "published" / "sources.csv", dtype=str)
    assert len(sources) == 6 and sources["title"].str.contains("SYNTHETIC").all()
    for name in sources["source"]:
        assert "SYNTHETIC" in (two_councils / "sources" / name).read_text(encoding="utf-8").splitlines()[0]
    learning = pd.read_csv(two_councils / "learning" / "learning.csv", dtype=str)
    assert learning["action"].str.contains("synthetic").all()
    # nothing but the definitions comes from the project's data
    assert sorted(p.name for p in (two_councils / "published").iterdir()) == [
        "sources.csv",
        "synthetic-001",
        "synthetic-002",
    ]


def test_the_same_for_a_seed_and_a_council_the_same_whatever_the_number(two_councils, tmp_path):
    again = national(tmp_path / "again", councils=2, years=3, definitions=DEFINITIONS)
    one = national(tmp_path / "one", councils=1, years=3, definitions=DEFINITIONS)
    for path in sorted((two_councils / "published" / "synthetic-001").glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        assert (again / "published" / "synthetic-001" / path.name).read_text(encoding="utf-8") == text
        assert (one / "published" / "synthetic-001" / path.name).read_text(encoding="utf-8") == text
    other = national(tmp_path / "other", councils=1, years=3, seed=1, definitions=DEFINITIONS)
    path = "published/synthetic-001/2024-25_annual_report.csv"
    assert (other / path).read_text(encoding="utf-8") != (one / path).read_text(encoding="utf-8")


def test_the_command_line_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(FileExistsError):
        main(["--councils", "1", "--years", "1", "--out", str(tmp_path / "full")])
    assert main(["--councils", "1", "--years", "1", "--out", str(tmp_path / "new")]) == 0
    assert (tmp_path / "new" / "councils" / "synthetic-001.toml").is_file()
