"""`make bench`'s snippets run (complaints.running.bench): a renamed module must not break the benchmark
unnoticed. Only that they run and what they print is checked here; timings are never asserted."""

from __future__ import annotations

import subprocess
import sys

from conftest import FIXTURE_DATA

from complaints.running.bench import AGGREGATE, READ_ALONE


def test_the_records_snippets_run_on_the_fixture_data(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", AGGREGATE, str(FIXTURE_DATA), str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OPERATION_SECONDS") and " figures " in done.stdout
    extract = next((FIXTURE_DATA / "records" / "dudley").glob("*_complaints.csv"))
    done = subprocess.run([sys.executable, "-c", READ_ALONE, str(extract)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = len(extract.read_text(encoding="utf-8").splitlines()) - 1
    assert f"rows {rows}" in done.stdout
