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
        if not path.is_file() or rel.startswith("logs/") or rel == ".lock":
            continue
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

    def then_fill(results, where):
        write_results(results, where)
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


EDITS = {
    # file (relative to data/) -> how it is changed, and whose reports show it
    "councils/dudley.toml": (lambda p: append_line(p, "# edited\n"), {"dudley", "benchmark"}),
    "published/dudley/2022-23_annual_report.csv": (
        lambda p: edit_csv(p, lambda f: f.assign(note=f["note"].where(f.index != 0, "edited"))),
        {"dudley:council"},
    ),
    "definitions/sections.csv": (
        lambda p: edit_csv(p, lambda f: f.assign(guidance=f["guidance"] + " ")),
        {"dudley", "dorset", "telford-wrekin", "benchmark"},
    ),
    "learning/learning.csv": (
        lambda p: edit_csv(p, lambda f: f.assign(action=f["action"].where(f.index != 0, "edited"))),
        {"dudley:council"},
    ),
    "published/sources.csv": (
        lambda p: edit_csv(p, lambda f: f.assign(title=f["title"].where(f["council"] != "dorset", "edited"))),
        {"dorset:council", "benchmark"},
    ),
    "sources/001_759854a0efe1c6f2.txt": (lambda p: append_line(p, "\nedited\n"), {"dudley:council"}),
    "records/dudley/2022-23_synthetic_complaints.csv": (
        lambda p: edit_csv(
            p, lambda f: f.assign(SEND=f["SEND"].where(f.index != 0, "Y" if f["SEND"][0] == "N" else "N"))
        ),
        {"dudley:demonstration"},
    ),
}


def _reads(job: Job, readers: set[str]) -> bool:
    return job.council in readers or f"{job.council}:{job.kind}" in readers


@pytest.mark.parametrize("changed", sorted(EDITS))
def test_every_input_a_report_reads_is_in_its_fingerprint(project, changed):
    edit, readers = EDITS[changed]
    before = fingerprints(project)
    edit(project.data / changed)
    after = fingerprints(project)
    rebuilt = {job for job in before if before[job] != after.get(job)}
    expected = {job for job in before if _reads(job, readers)}
    assert expected <= rebuilt, f"not rebuilt after {changed}: {sorted(expected - rebuilt)}"
    others = {job for job in rebuilt if job.council not in {r.split(":")[0] for r in readers}}
    assert not {j for j in others if j.council != "benchmark"}, f"rebuilt for no reason: {sorted(others)}"


def test_the_templates_and_style_sheet_are_in_every_fingerprint(tmp_path, monkeypatch):
    package = tmp_path / "complaints"
    shutil.copytree(batch.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(batch, "PACKAGE", package)
    notebook = slow_notebook(tmp_path / "tiny.ipynb")
    before = code_digest(notebook)
    append_line(package / "reporting" / "templates" / "report.css", "\n/* edited */\n")
    assert code_digest(notebook) != before
