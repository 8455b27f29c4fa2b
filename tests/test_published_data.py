"""The transcription of published figures: every statement traceable to its source document.

These check the data the project ships (data/, or COMPLAINTS_DATA): properties that hold for any
council, so they pass for a council an analyst adds (tests/test_adding_a_council.py runs them so).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import shipped_paths

from complaints.inputs.definitions import load_definitions
from complaints.inputs.published import load_published

pytestmark = pytest.mark.shipped_data


def normalise(text: str) -> str:
    """Documents were extracted from PDFs: drop markup and collapse whitespace before comparing."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text.replace("**", ""))).strip()


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
    """A transcribed value or percentage must be written in the sentence it came from."""
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}
    bad = []
    for r in statements.itertuples():
        quote = normalise(r.quote).lower()
        numbers = {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\.?\d*", quote)}
        numbers |= {float(v) for w, v in words.items() if re.search(rf"\b{w}\b", quote)}
        for value in (r.value, r.stated_pct, r.stated_change_pct, r.stated_change_abs):
            if pd.notna(value) and value not in numbers:
                bad.append(f"{r.file}:{r.line} {value:g}")
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
