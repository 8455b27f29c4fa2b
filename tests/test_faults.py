"""Faults never lose a good report (issue 9, items 5 and 6): a run killed mid-way, a full or
read-only disk, two runs at once, and fingerprints that cover every input a report reads.

The batch runs a tiny notebook (the runner takes any notebook with the report's parameters), so
these tests measure the runner, not the reports. The kill and disk tests start real processes and
are marked slow (`make test-slow`, which CI runs); the disk tests need root (to mount a small
tmpfs) and are skipped elsewhere. No test asserts on time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import edit_csv

from complaints.inputs.paths import Paths
from complaints.running import batch, pipeline
from complaints.running.batch import (
    RUN_FOLDER,
    Job,
    Options,
    code_digest,
    plan_jobs,
    remove_stale_run_folders,
    report_fingerprint,
    run_reports,
)
from complaints.running.outputs import OutputsLock, remove_leftovers


def slow_notebook(path: Path, seconds: float = 0.0) -> Path:
    """A notebook with the council report's parameters that prints and, if asked, takes its time."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "complaints", "display_name": "Python (complaints)", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            'council = "dudley"\nyear = "2024-25"\ndata_dir = ""\noutputs_dir = ""\npublic = False\nkind = "council"',
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})\nprint(f'Report for {{council}}, {{year}}')"),
    ]
    nbformat.write(nb, path)
    return path


def command(paths: Paths, notebook: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "complaints",
        "reports",
        "--data",
        str(paths.data),
        "--outputs",
        str(paths.outputs),
        "--notebook",
        str(notebook),
        "--formats",
        "html",
        "--jobs",
        "2",
        *extra,
    ]


TIME = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:?\d{2}(:?\d{2}(\.\d+)?)?Z?")


def snapshot(outputs: Path) -> dict[str, bytes]:
    """Every output as it matters: logs and the lock left out, run times blanked, an executed notebook
    reduced to its cells' sources and outputs, a workbook to its name (it carries the time it was made)."""
    out = {}
    for path in sorted(outputs.rglob("*")):
        rel = path.relative_to(outputs).as_posix()
        if not path.is_file() or rel.startswith("logs/") or rel in (".lock", ".report-seconds.json"):
            continue  # .report-seconds.json: each report's build time, for the next run's order
        data = path.read_bytes()
        if path.suffix == ".ipynb":
            nb = json.loads(data)
            data = json.dumps([(c["source"], c.get("outputs", [])) for c in nb["cells"]]).encode()
        elif rel == ".manifest.json":  # its fingerprint covers where the data is; its list of outputs counts
            data = json.dumps(json.loads(data)["outputs"]).encode()
        elif path.suffix == ".xlsx":
            data = b"workbook"
        out[rel] = TIME.sub(b"<time>", data)
    return out


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has finished; only its parent's bookkeeping is left


# --------------------------------------------------------------------------- a run killed mid-way


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("how", ["process group", "main process alone"])
def test_a_run_killed_mid_way_loses_nothing_and_the_rerun_equals_a_clean_build(plain, tmp_path, how):
    notebook = slow_notebook(tmp_path / "slow.ipynb", seconds=1.0)
    shutil.copytree(plain.data, tmp_path / "clean" / "data")  # the same layout: data/ beside outputs/
    clean = Paths(tmp_path / "clean" / "data", tmp_path / "clean" / "outputs")
    done = subprocess.run(command(clean, notebook), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    reports = sorted(clean.outputs.rglob("report.html"))
    assert len(reports) >= 4

    proc = subprocess.Popen(
        command(plain, notebook), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while not list(plain.outputs.rglob("report.html")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    below = descendants(proc.pid)
    assert below, "the batch had no workers"
    if how == "process group":
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(running(p) for p in below) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in below if running(p)]
    assert not left, f"processes outlived the killed run: {left}"
    built_before = len(list(plain.outputs.rglob("report.html")))
    assert 1 <= built_before < len(reports) + 1

    again = subprocess.run(command(plain, notebook), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert snapshot(plain.outputs) == snapshot(clean.outputs)
    assert not list(plain.outputs.rglob(".*.tmp-*"))
    assert not list(Path(tempfile.gettempdir()).glob(f"{RUN_FOLDER}{proc.pid}-*"))  # its kernel files too


# --------------------------------------------------------------------------- two runs at once


def test_a_second_run_is_refused_while_the_first_holds_the_outputs(plain, tmp_path, capsys):
    from complaints.cli import main

    (plain.outputs / "metrics.csv").write_text("an earlier run's\n")
    notebook = slow_notebook(tmp_path / "tiny.ipynb")
    with OutputsLock(plain.lock_file, "complaints reports (the first run)"):
        before = snapshot(plain.outputs)
        status = main(command(plain, notebook)[3:])
        assert snapshot(plain.outputs) == before
    assert status == 3
    err = capsys.readouterr().err
    assert f"process {os.getpid()}" in err and "complaints reports (the first run)" in err and "--outputs" in err
    assert not plain.lock_file.exists()  # released and removed


def test_leftovers_of_a_killed_run_are_cleared_and_nothing_else(tmp_path):
    outputs = tmp_path / "outputs"
    (outputs / "dudley" / "2024-25").mkdir(parents=True)
    keep = [outputs / "metrics.csv", outputs / "dudley" / "2024-25" / "report.html"]
    gone = [outputs / ".metrics.csv.tmp-4242", outputs / "dudley" / "2024-25" / ".report.tmp-4242.ipynb"]
    for f in keep + gone:
        f.write_text("x")
    assert sorted(remove_leftovers(outputs)) == sorted(gone)
    assert all(f.exists() for f in keep) and not any(f.exists() for f in gone)


def test_run_folders_of_dead_processes_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"{RUN_FOLDER}{dead.stdout.strip()}-abc"
    mine = tmp_path / f"{RUN_FOLDER}{os.getpid()}-def"
    for folder in (stale, mine):
        (folder / "runtime").mkdir(parents=True)
        (folder / "runtime" / "kernel-1.json").write_text("{}")
    assert remove_stale_run_folders() == [stale]
    assert not stale.exists() and mine.exists()


# --------------------------------------------------------------------------- full and read-only disks


@pytest.fixture
def small_disk(tmp_path):
    """A 32 MB tmpfs for outputs (root only)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small disk needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:  # unbuffered: every write meets the full disk itself
        for size in (1 << 16, 1):
            try:
                while f.write(b"\0" * size):
                    pass
            except OSError:
                pass
    return filler


def quiet_run(paths: Paths, options: Options, caplog) -> tuple[int, str]:
    caplog.clear()
    with caplog.at_level("INFO", logger="complaints"):
        status = run_reports(paths, options)
    return status, caplog.text


@pytest.mark.slow
def test_a_full_disk_loses_no_good_report(plain, tmp_path, small_disk, monkeypatch, caplog):
    paths = Paths(plain.data, small_disk / "outputs")
    notebook = slow_notebook(tmp_path / "tiny.ipynb")
    options = Options(notebook=notebook, jobs=1, progress=False, preload=(), formats=("html",))
    status, text = quiet_run(paths, options, caplog)
    assert status == 0, text
    good = {p: p.read_bytes() for p in paths.outputs.rglob("report.html")}
    index = paths.index_html.read_bytes()
    assert len(good) >= 4

    # the disk fills up once the CSVs are written: every report fails to rebuild, the index too
    edit_csv(
        plain.published / "dudley" / "2024-25_news_article.csv",
        lambda f: f.assign(note=f["note"].where(f.index != 0, "edited for a test")),
    )
    write_results = pipeline.write_results

    def then_fill(results, where, **kw):
        write_results(results, where, **kw)
        fill(small_disk)

    monkeypatch.setattr(pipeline, "write_results", then_fill)
    status, text = quiet_run(paths, Options(**{**options.__dict__, "force": True}), caplog)
    assert status == 1
    assert "could not write the index" in text and "No space left on device" in text
    assert "every report built before is still there" in text
    assert {p: p.read_bytes() for p in paths.outputs.rglob("report.html")} == good
    assert paths.index_html.read_bytes() == index  # the old index, linking the old reports
    assert not list(paths.outputs.rglob(".*.tmp-*"))

    # still full: the CSVs cannot be written, and those of the last run stay whole
    monkeypatch.setattr(pipeline, "write_results", write_results)
    tables = {p: p.read_bytes() for p in paths.outputs.glob("*.csv")}
    status, text = quiet_run(paths, options, caplog)
    assert status == 1 and "No space left on device" in text and "free some space" in text
    assert {p: p.read_bytes() for p in paths.outputs.glob("*.csv")} == tables
    assert {p: p.read_bytes() for p in paths.outputs.rglob("report.html")} == good

    # space again: everything is rebuilt
    (small_disk / "filler").unlink()
    status, text = quiet_run(paths, options, caplog)
    assert status == 0, text
    assert "not rebuilt" not in paths.index_html.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_read_only_outputs_folder_is_a_clear_error(plain, tmp_path, small_disk, caplog):
    paths = Paths(plain.data, small_disk / "outputs")
    notebook = slow_notebook(tmp_path / "tiny.ipynb")
    options = Options(notebook=notebook, jobs=1, progress=False, preload=(), formats=("html",), force=True)
    assert quiet_run(paths, options, caplog)[0] == 0
    before = snapshot(paths.outputs)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        status, text = quiet_run(paths, options, caplog)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert status == 1
    assert "Read-only file system" in text and "read-only" in text
    assert snapshot(paths.outputs) == before


# --------------------------------------------------------------------------- fingerprints


def fingerprints(paths: Paths) -> dict[Job, str]:
    """Every report's fingerprint after the main job's computing part has run on `paths`."""
    results = pipeline.compute(paths)
    pipeline.write_results(results, paths)
    from complaints.analysis.comparability import benchmark_years

    jobs = plan_jobs(results).reports + [
        Job("benchmark", y) for y in benchmark_years(results.metrics, results.definitions)
    ]
    code = "code"
    return {job: report_fingerprint(paths, job, batch.job_parameters(paths, job, False), code) for job in sorted(jobs)}


def append_line(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)


# whose reports read an input: (council, kind or None for every kind, the first year or None for every year);
# a council's report of a year reads that year and the years before, never a later one
DUDLEY_FROM_2022 = ("dudley", None, "2022-23")
EDITS = {
    # file (relative to data/) -> how it is changed, whose reports show it, and the benchmarking years that do
    "councils/dudley.toml": (lambda p: append_line(p, "# edited\n"), {("dudley", None, None)}, "dudley"),
    "published/dudley/2022-23_annual_report.csv": (
        lambda p: edit_csv(p, lambda f: f.assign(note=f["note"].where(f.index != 0, "edited"))),
        {DUDLEY_FROM_2022},
        {"2022-23", "2023-24"},
    ),
    "definitions/sections.csv": (
        lambda p: edit_csv(p, lambda f: f.assign(guidance=f["guidance"] + " ")),
        {("dudley", None, None), ("dorset", None, None), ("telford-wrekin", None, None)},
        "all",
    ),
    "learning/learning.csv": (
        lambda p: edit_csv(p, lambda f: f.assign(action=f["action"].where(f.index != 0, "edited"))),
        {DUDLEY_FROM_2022},
        set(),
    ),
    "published/sources.csv": (  # the title of Dorset's one document, which reports on 2023-24
        lambda p: edit_csv(p, lambda f: f.assign(title=f["title"].where(f["council"] != "dorset", "edited"))),
        {("dorset", None, "2023-24")},
        set(),
    ),
    "sources/001_759854a0efe1c6f2.txt": (lambda p: append_line(p, "\nedited\n"), {DUDLEY_FROM_2022}, set()),
    "records/dudley/2022-23_synthetic_complaints.csv": (
        lambda p: edit_csv(
            p, lambda f: f.assign(SEND=f["SEND"].where(f.index != 0, "Y" if f["SEND"][0] == "N" else "N"))
        ),
        {DUDLEY_FROM_2022},
        set(),
    ),
}


def _reads(job: Job, readers: set[tuple]) -> bool:
    return any(
        job.council == council and (kind is None or job.kind == kind) and (since is None or job.year >= since)
        for council, kind, since in readers
    )


def _benchmarks_reading(before: dict, years, council_years: dict) -> set[Job]:
    jobs = {job for job in before if job.is_benchmark}
    if years == "all":
        return jobs
    if isinstance(years, str):  # a council: the years it has figures in, or the year after (its changes)
        mine = council_years[years]
        return {j for j in jobs if j.year in mine or _year_before(j.year) in mine}
    return {j for j in jobs if j.year in years}


def _year_before(year: str) -> str:
    start = int(year[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


@pytest.mark.parametrize("changed", sorted(EDITS))
def test_every_input_a_report_reads_is_in_its_fingerprint_and_no_other(project, changed):
    edit, readers, benchmark_years = EDITS[changed]
    before = fingerprints(project)
    metrics = pd.read_csv(project.metrics_csv, dtype={"year": str})
    council_years = {c: set(g["year"]) for c, g in metrics[metrics["source"] == "published"].groupby("council")}
    edit(project.data / changed)
    after = fingerprints(project)
    rebuilt = {job for job in before if before[job] != after.get(job)}
    expected = {job for job in before if not job.is_benchmark and _reads(job, readers)}
    expected |= _benchmarks_reading(before, benchmark_years, council_years)
    assert expected <= rebuilt, f"not rebuilt after {changed}: {sorted(expected - rebuilt)}"
    assert rebuilt <= expected, f"rebuilt for no reason after {changed}: {sorted(rebuilt - expected)}"


def test_one_figure_of_one_council_in_one_year_rebuilds_that_council_from_that_year_on(project):
    """Dudley's compliments of 2022-23 (102, as published) changed to 103, sentences and all: Dudley's reports of
    2022-23 and later and the benchmarking reports of 2022-23 and 2023-24 (the year after compares with it)."""
    before = fingerprints(project)
    path = project.data / "published" / "dudley" / "2022-23_annual_report.csv"

    def edit(f):
        row = (f["measure"] == "compliments_received") & (f["year"] == "2022-23") & (f["value"] == "102")
        assert row.sum() >= 1  # the headline and the section state it
        f.loc[row, "value"] = "103"
        f.loc[row, "quote"] = f.loc[row, "quote"].str.replace("102 compliments", "103 compliments", regex=False)
        return f

    edit_csv(path, edit)
    after = fingerprints(project)
    rebuilt = {job for job in before if before[job] != after.get(job)}
    dudley = {job for job in before if job.council == "dudley"}
    assert {j for j in dudley if j.year >= "2022-23"} == rebuilt & dudley
    assert not {j for j in rebuilt if j.council not in ("dudley", "benchmark")}
    assert {j.year for j in rebuilt if j.is_benchmark} <= {"2022-23", "2023-24"}


def test_the_templates_and_style_sheet_are_in_every_fingerprint(tmp_path, monkeypatch):
    package = tmp_path / "complaints"
    shutil.copytree(batch.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(batch, "PACKAGE", package)
    notebook = slow_notebook(tmp_path / "tiny.ipynb")
    before = code_digest(notebook)
    append_line(package / "reporting" / "templates" / "report.css", "\n/* edited */\n")
    assert code_digest(notebook) != before
