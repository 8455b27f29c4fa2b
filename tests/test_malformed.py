"""Malformed input never gets past the checks, and never touches outputs/ (issue 9).

Each case of the corpus (tests/malformed/cases.py) breaks a copy of the fixture data, then runs
`complaints reports` in-process on an outputs folder that an earlier run seems to have filled (a
manifest, metrics.csv, a report, a log...). Every case must end with exit status 2, a message naming
each problem with its file, line and column, no traceback, and every byte under outputs/ (names,
folders and modification times included) as it was.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from malformed.cases import CASES

from complaints.cli import main

# what an earlier run left in outputs/: none of it may change, nor anything be added or removed
EARLIER_OUTPUTS = {
    ".manifest.json": '{"fingerprint": "an earlier run", "outputs": ["metrics.csv", "index.html"]}\n',
    "metrics.csv": "council,year,metric,value\ndudley,2024-25,complaints_received,301\n",
    "audit.csv": "council,year,measure,verdict\n",
    "figures.csv": "council,year,measure,value\n",
    "index.html": "<!doctype html><title>An earlier index</title>\n",
    "metrics.xlsx": "not really a workbook",
    "dudley/metrics.xlsx": "not really a workbook either",
    "dudley/2024-25/report.html": "<!doctype html><title>An earlier report</title>\n",
    "dudley/2024-25/report.ipynb": "{}\n",
    "dudley/2024-25/.fingerprint": "an earlier fingerprint\n",
    "logs/2024-01-01T000000Z.log": "the log of an earlier run\n",
    "private/vocabulary.csv": "council,year,kind,file,line,column,canonical,value\n",
    "private/records_set_aside/dudley_2024-25_complaints.csv": "file,line,reasons\n",
}
EMPTY_FOLDERS = ("benchmark", "demonstration")


def plant(outputs: Path) -> None:
    for name, text in EARLIER_OUTPUTS.items():
        path = outputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name in EMPTY_FOLDERS:
        (outputs / name).mkdir(exist_ok=True)


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every file and folder under `folder`: its bytes' SHA-256 and modification time (folders: the names
    they hold)."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        out[here.relative_to(folder).as_posix() + "/"] = tuple(sorted(dirnames + filenames))
        for name in filenames:
            path = here / name
            out[path.relative_to(folder).as_posix()] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                path.stat().st_mtime_ns,
            )
    return out


def run_reports(project, args: tuple[str, ...]) -> int:
    argv = ["reports", "--data", str(project.data), "--outputs", str(project.outputs), "--formats", "html"]
    try:
        return main([*argv, "--jobs", "1", *args])
    except SystemExit as exc:  # options argparse refuses: it says why and exits with status 2
        return int(exc.code or 0)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_input_is_refused_and_nothing_is_written(case, project, capsys):
    for edit in case.edits:
        edit.apply(project.data)
    plant(project.outputs)
    outputs, data = snapshot(project.outputs), snapshot(project.data)

    status = run_reports(project, case.args)

    message = capsys.readouterr().err
    assert status == 2, message
    assert "Traceback" not in message
    for expected in case.expect:
        assert expected.found_in(message), f"expected {expected.where}...{expected.says!r} in:\n{message}"
    for text in case.absent:
        assert text not in message, message
    if case.problems is not None:
        assert f"{case.problems} problem(s) in the input files; nothing was written" in message, message
    assert snapshot(project.outputs) == outputs
    assert snapshot(project.data) == data


def test_an_outputs_folder_that_is_not_there_is_not_made(project, capsys):
    """Nothing at all is written: not even the outputs folder, when the input is bad."""
    project.outputs.rmdir()
    (project.data / "published/sources.csv").write_bytes(b"")
    assert run_reports(project, ()) == 2
    assert "data/published/sources.csv: the file is empty" in capsys.readouterr().err
    assert not project.outputs.exists()
