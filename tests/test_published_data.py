"""The transcription of published figures: every statement traceable to its source document.

These check the data the project ships (data/, or COMPLAINTS_DATA): properties that hold for any
council, so they pass for a council an analyst adds (tests/test_adding_a_council.py runs them so).
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import shipped_paths

from complaints.inputs.definitions import load_definitions
from complaints.inputs.published import NUMERIC, load_published, normalise, numbers_in

pytestmark = pytest.mark.shipped_data


@pytest.fixture(scope="module")
def statements() -> pd.DataFrame:
    paths = shipped_paths()
    return load_published(paths, load_definitions(paths))


def test_every_quote_is_verbatim_in_its_source(statements):
    paths = shipped_paths()
    texts = {
        s: normalise((paths.source_documents / s).read_text(encoding="utf-8")) for s in statements["source"].unique()
    }
    missing = [f"{r.file}:{r.line}" for r in statements.itertuples() if normalise(r.quote) not in texts[r.source]]
    assert missing == []


def test_every_number_in_a_row_appears_in_its_quote(statements):
    """A transcribed value or percentage must be written in the sentence it came from (load_published
    already stops the run otherwise: `complaints check` and `complaints reports` check it too)."""
    bad = []
    for _, r in statements.iterrows():
        numbers = numbers_in(r["quote"])
        for column in NUMERIC:
            if pd.notna(r[column]) and r[column] not in numbers:
                bad.append(f"{r['file']}:{r['line']} {r[column]:g}")
    assert bad == []


def test_every_year_the_documents_mention_is_covered(statements):
    years = statements.groupby("council")["year"].apply(set).to_dict()
    assert {"2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25"} <= years["dudley"]
    assert {"2023-24", "2024-25"} <= years["telford-wrekin"]
    assert {"2021-22", "2022-23", "2023-24"} <= years["dorset"]


def test_every_source_document_is_transcribed(statements):
    paths = shipped_paths()
    documents = {p.name for p in paths.source_documents.glob("*.txt")}
    assert documents == set(statements["source"])
