"""`make bench` (complaints.running.bench) and the floor (complaints.running.floor): their pieces run and
say what they measured. Only that they run and what they report is checked here; timings are never asserted."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FIXTURE_DATA

from complaints.running import bench
from complaints.running.floor import floor


def test_the_floor_builds_every_report_the_batch_would_and_times_each(tmp_path):
    from complaints.inputs.paths import default_paths
    from complaints.running.batch import plan_jobs
    from complaints.running.pipeline import compute

    result = floor(FIXTURE_DATA, tmp_path / "out", ("html",))
    expected = plan_jobs(compute(default_paths(FIXTURE_DATA, tmp_path / "other"))).reports
    names = [r["report"] for r in result["reports"]]
    assert {j.name for j in expected} <= set(names)
    assert all(r["cpu_seconds"] >= 0 for r in result["reports"])
    assert result["cpu_seconds"] >= result["reports_cpu_seconds"] >= 0
    assert (tmp_path / "out" / "metrics.csv").exists()


def test_ratios_are_batch_over_floor_per_core_and_loop_over_batch():
    arms = {
        "batch_html": {"wall_seconds": {"median": 15.0}},
        "floor_html": {"floor_cpu_seconds": {"median": 20.0}},
        "loop_nbconvert": {"wall_seconds": {"median": 120.0}},
    }
    r = bench.ratios(arms, cores=2)
    assert r["batch_over_floor_html"] == 1.5  # 15 / (20 / 2)
    assert r["loop_nbconvert_over_batch_html"] == 8.0
    assert "batch_over_floor_all" not in r  # not measured: not reported


def test_the_wrapper_reports_wall_cpu_memory_and_what_was_printed():
    result = bench.measure([sys.executable, "-c", "print(sum(range(10**6)))"], env=None)
    assert result["returncode"] == 0 and result["seconds"] > 0 and result["cpu_seconds"] >= 0
    assert result["peak_rss_mb"] > 0 and result["stdout"].strip() == str(sum(range(10**6)))


def test_the_nbconvert_loop_builds_a_report_from_a_copy_with_its_parameters(tmp_path, built):
    import shutil

    from complaints.running.kernel import install_kernelspec, jupyter_env

    install_kernelspec()
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([["dudley", "2022-23", "council"]]))
    shutil.copytree(built.outputs, tmp_path / "out")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "complaints.running.bench",
            "--loop",
            str(jobs),
            str(built.data),
            str(tmp_path / "out"),
            "nbconvert",
        ],
        capture_output=True,
        text=True,
        env=jupyter_env(),
    )
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "out" / "dudley" / "2022-23" / "report.html").read_text(encoding="utf-8")
    assert "Dudley" in html and "2022-23" in html
