"""Shared fixtures: a throwaway copy of the project's data and outputs folders for each test."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from complaints.inputs.paths import ROOT, Paths


@pytest.fixture
def project(tmp_path: Path) -> Paths:
    """A copy of data/ and an empty outputs/ folder, so tests can break inputs freely."""
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private"))
    (tmp_path / "outputs").mkdir()
    return Paths(data=tmp_path / "data", outputs=tmp_path / "outputs")


def edit_csv(path: Path, edit) -> None:
    """Read a CSV as text, let `edit` change the DataFrame, write it back."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = edit(frame)
    frame.to_csv(path, index=False, lineterminator="\n")
