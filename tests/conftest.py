"""Shared fixtures.

Tests of behaviour run on fixture data shipped under tests/fixtures/data: a frozen copy of the
three councils' published figures, definitions and synthetic extracts. An analyst who adds a year
or a council to data/ changes nothing these tests see. Tests of the shipped data itself (marked
`shipped_data`) read data/ (or COMPLAINTS_DATA) and check properties that hold for any council.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from complaints.inputs.paths import Paths, default_paths
from complaints.running.pipeline import Results, compute, write_results

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data"


def shipped_paths() -> Paths:
    """The data the project ships (data/, or COMPLAINTS_DATA), for `shipped_data` tests."""
    return default_paths()


@pytest.fixture(scope="session")
def fixture_paths(tmp_path_factory) -> Paths:
    """The fixture data (never written to) and an outputs folder shared by the whole session."""
    return Paths(data=FIXTURE_DATA, outputs=tmp_path_factory.mktemp("outputs"))


@pytest.fixture(scope="session")
def results(fixture_paths) -> Results:
    """The main job's computing part on the fixture data, once per session: read it, never change it."""
    return compute(fixture_paths)


@pytest.fixture(scope="session")
def built(fixture_paths, results) -> Paths:
    """The fixture data with its outputs (metrics.csv, audit.csv, figures.csv...) written once: read only."""
    write_results(results, fixture_paths)
    return fixture_paths


@pytest.fixture
def project(tmp_path: Path) -> Paths:
    """A copy of the fixture data and an empty outputs/ folder, so tests can break inputs freely."""
    shutil.copytree(FIXTURE_DATA, tmp_path / "data")
    (tmp_path / "outputs").mkdir()
    return Paths(data=tmp_path / "data", outputs=tmp_path / "outputs")


def edit_csv(path: Path, edit) -> None:
    """Read a CSV as text, let `edit` change the DataFrame, write it back."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = edit(frame)
    frame.to_csv(path, index=False, lineterminator="\n")


@pytest.fixture
def plain(project) -> Paths:
    """The fixture data without its synthetic extracts: council reports only, no demonstrations."""
    for folder in project.records.iterdir():
        if folder.is_dir():
            shutil.rmtree(folder)
    return project
