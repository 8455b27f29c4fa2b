"""An analyst adds a council with data and configuration only, by copying one under a new identifier.

The copy goes into a copy of the project's own data (data/ or COMPLAINTS_DATA), as an analyst would
put it there; then the tests of the shipped data run against it in a separate process (they must
hold for any council), and the main job computes its figures and builds the new council's report.
No code knows the new identifier.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
from conftest import shipped_paths

NEW = "newshire"
COPIED = "dudley"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")


def add_council_as_copy(data: Path, council: str, new: str) -> None:
    """Every file of `council` copied under the identifier `new`: configuration, source documents,
    published figures, learning actions and complaint extracts."""
    config = (data / "councils" / f"{council}.toml").read_text(encoding="utf-8")
    assert f'id = "{council}"' in config
    (data / "councils" / f"{new}.toml").write_text(
        config.replace(f'id = "{council}"', f'id = "{new}"'), encoding="utf-8"
    )
    sources = pd.read_csv(data / "published" / "sources.csv", dtype=str, keep_default_na=False)
    mine = sources[sources["council"] == council].copy()
    renamed = {s: f"{new}_{s}" for s in mine["source"]}
    for old, name in renamed.items():
        shutil.copy(data / "sources" / old, data / "sources" / name)
    mine["source"] = mine["source"].map(renamed)
    mine["council"] = new
    write_csv(pd.concat([sources, mine], ignore_index=True), data / "published" / "sources.csv")
    for path in sorted((data / "published" / council).glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["council"] = new
        frame["source"] = frame["source"].map(renamed)
        write_csv(frame, data / "published" / new / path.name)
    for path in sorted((data / "learning").glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        extra = frame[frame["council"] == council].assign(council=new)
        extra["source"] = extra["source"].map(renamed)
        write_csv(pd.concat([frame, extra], ignore_index=True), path)
    if (data / "records" / council).is_dir():
        shutil.copytree(data / "records" / council, data / "records" / new)


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=Path(__file__).parents[1], timeout=900)


def test_a_council_added_with_data_and_configuration_only(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(shipped_paths().data, data, ignore=shutil.ignore_patterns("private"))
    add_council_as_copy(data, COPIED, NEW)
    env = {**os.environ, "COMPLAINTS_DATA": str(data), "COMPLAINTS_OUTPUTS": str(tmp_path / "outputs")}
    env.pop("PYTEST_XDIST_WORKER", None)

    checks = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "shipped_data", "tests", env=env)
    assert checks.returncode == 0, checks.stdout[-3000:] + checks.stderr[-3000:]
    assert " passed" in checks.stdout and " failed" not in checks.stdout

    # the main job on the copy, in this process: the new council's report has every section, with the
    # copied council's figures (the notebook batch itself is tested in test_batch.py)
    from complaints.inputs.paths import Paths
    from complaints.reporting.council_report import load_report
    from complaints.running.pipeline import compute, write_results

    paths = Paths(data, tmp_path / "outputs")
    write_results(compute(paths), paths)
    year = "2022-23"
    report = load_report(NEW, year, data_dir=str(paths.data), outputs_dir=str(paths.outputs))
    page = "".join(report.section(name) for name in report.SECTIONS)
    assert "Dudley Metropolitan Borough Council" in page and f'data-metric="{NEW}/{year}/' in page
    metrics = pd.read_csv(paths.metrics_csv, dtype=str)
    mine = metrics[(metrics["council"] == NEW) & (metrics["year"] == year)]
    theirs = metrics[(metrics["council"] == COPIED) & (metrics["year"] == year)]
    assert len(mine) == len(theirs) > 0
    columns = ["metric", "value", "numerator", "denominator", "p_value", "verdict"]
    pd.testing.assert_frame_equal(mine[columns].reset_index(drop=True), theirs[columns].reset_index(drop=True))
