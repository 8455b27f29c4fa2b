"""`python -m complaints.running.bench` (make bench): how fast `complaints reports` is, against the plain way.

On the project's data, into temporary output folders (never the real outputs/), it measures:
- baseline: a plain loop that, for each report in turn, runs the papermill command line and then
  `jupyter nbconvert --to html --no-input` (both from the environment's bin/, as subprocesses);
- candidate, cold: `complaints reports --force` as a subprocess on an empty outputs folder (this
  includes computing metrics.csv, audit.csv and figures.csv, which the loop is given for free);
- candidate, warm: `complaints reports` again with nothing changed, directly and through
  `uv run --frozen --no-sync` as `make reports` runs it.

Every phase runs as a child of a small wrapper that reports its wall time and the peak resident
memory of its largest process (getrusage of the children). Phases are measured under two
conditions: the environment as it is, and with Python's bytecode cache enabled (in a temporary
PYTHONPYCACHEPREFIX, warmed first), which is what a machine that has run the project before
looks like; a session with PYTHONDONTWRITEBYTECODE set compiles every module on every start.

Records: aggregating 1,000,000 synthetic complaints (a national-scale extract in Dudley's export
format) against reading the same file alone with pandas, each in its own process: the time of the
operation itself and the peak memory of the process.

Targets (reported, never asserted): cold batch at least 3x faster than the loop; warm rerun
under 3 seconds; records under 5 s and 2 GB, within 3x of the read alone. Results: outputs/bench.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from ..inputs.paths import ROOT, default_paths
from .logs import configure

log = logging.getLogger(__name__)

BIN = Path(sys.executable).parent
HOME = ROOT if ROOT is not None else Path.cwd()  # the project's clone (make bench runs there)
TARGET_RATIO = 3.0
TARGET_WARM_SECONDS = 3.0

WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL if sys.argv[1] == "quiet" else None)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
print(json.dumps({"seconds": seconds, "peak_rss_mb": round(peak / 1024, 1), "returncode": code}), file=sys.stderr)
"""


def measure(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> dict:
    """Run cmd under the wrapper; its wall time and the peak RSS of its largest process."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, "quiet", *cmd], env=env, cwd=cwd, stderr=subprocess.PIPE, text=True
    )
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "{}"
    try:
        result = json.loads(last)
    except ValueError:
        result = {"seconds": None, "peak_rss_mb": None, "returncode": done.returncode}
    if result.get("returncode"):
        result["stderr_tail"] = done.stderr[-2000:]
    return result


def uv_command() -> list[str] | None:
    local = HOME / ".tools" / "bin" / "uv"
    uv = shutil.which("uv") or (str(local) if local.exists() else None)
    return [uv, "run", "--frozen", "--no-sync"] if uv else None


def loop(jobs_file: str, data: str, outputs: str, notebook: str) -> int:
    """The baseline: papermill and nbconvert command lines, one report after another."""
    jobs = json.loads(Path(jobs_file).read_text())
    failures = 0
    for council, year, kind in jobs:
        folder = Path(outputs) / ("demonstration/" if kind == "demonstration" else "") / council / year
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / "report.ipynb"
        code = subprocess.call(
            [
                str(BIN / "papermill"),
                notebook,
                str(out),
                "-p",
                "council",
                council,
                "-p",
                "year",
                year,
                "-p",
                "data_dir",
                data,
                "-p",
                "outputs_dir",
                outputs,
                "-p",
                "kind",
                kind,
                "-k",
                "complaints",
                "--cwd",
                str(Path(notebook).parent),
                "--no-progress-bar",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        code = code or subprocess.call(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        failures += bool(code)
    return 1 if failures else 0


def run_condition(name: str, env: dict[str, str], data: Path, notebook: Path, work: Path, warm_up: bool) -> dict:
    from .batch import plan_jobs
    from .kernel import install_kernelspec, jupyter_env
    from .pipeline import compute

    install_kernelspec()
    work.mkdir(parents=True, exist_ok=True)
    env = jupyter_env(env)
    reports = [str(BIN / "complaints"), "reports", "--data", str(data)]
    if warm_up:  # fill the bytecode cache: one batch, one papermill and one nbconvert call
        subprocess.run(
            [*reports, "--outputs", str(work / "warm-up"), "--force", "--year", "2023-24"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--help"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        subprocess.run(
            [str(BIN / "papermill"), "--help"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    batch_out, loop_out = work / f"{name}-batch", work / f"{name}-loop"
    result: dict = {}
    log.info(f"[{name}] cold batch: complaints reports --force ...")
    result["batch_cold"] = measure([*reports, "--outputs", str(batch_out), "--force"], env)
    jobs = [[j.council, j.year, j.kind] for j in plan_jobs(compute(default_paths(data, batch_out))).reports]
    result["reports"] = len(jobs)
    log.info(f"[{name}] warm rerun: complaints reports (nothing changed) ...")
    result["warm"] = measure([*reports, "--outputs", str(batch_out)], env)
    uv = uv_command()
    if uv:
        result["warm_uv_run"] = measure(
            [*uv, "complaints", "reports", "--data", str(data), "--outputs", str(batch_out)], env, cwd=HOME
        )
    log.info(f"[{name}] metrics only: complaints metrics ...")
    result["metrics_only"] = measure(
        [str(BIN / "complaints"), "metrics", "--data", str(data), "--outputs", str(loop_out)], env
    )
    jobs_file = work / "jobs.json"
    jobs_file.write_text(json.dumps(jobs))
    log.info(f"[{name}] baseline: papermill + nbconvert command lines for {len(jobs)} reports ...")
    result["loop"] = measure(
        [
            sys.executable,
            "-m",
            "complaints.running.bench",
            "--loop",
            str(jobs_file),
            str(data),
            str(loop_out),
            str(notebook),
        ],
        env,
    )
    loop_s, batch_s = result["loop"]["seconds"], result["batch_cold"]["seconds"]
    if loop_s and batch_s:
        result["ratio_loop_over_batch"] = round(loop_s / batch_s, 2)
        result["ratio_loop_plus_metrics_over_batch"] = round((loop_s + result["metrics_only"]["seconds"]) / batch_s, 2)
    result["meets_targets"] = {
        "cold_ratio_at_least_3x": bool(result.get("ratio_loop_over_batch", 0) >= TARGET_RATIO),
        "warm_under_3s": ((result.get("warm_uv_run") or result["warm"]).get("seconds") or 99) < TARGET_WARM_SECONDS,
    }
    return result


RECORDS_TARGET_SECONDS = 5.0
RECORDS_TARGET_MB = 2048
RECORDS_TARGET_RATIO = 3.0

READ_ALONE = """
import sys, time
import pandas as pd
start = time.perf_counter()
frame = pd.read_csv(sys.argv[1])
print(f"OPERATION_SECONDS {time.perf_counter() - start:.4f} rows {len(frame)}")
"""

AGGREGATE = """
import sys, time
from pathlib import Path
from complaints.analysis.record_measures import aggregate, with_working_days
from complaints.inputs.definitions import load_definitions
from complaints.inputs.paths import Paths
from complaints.inputs.records import load_records
paths = Paths(data=Path(sys.argv[1]), outputs=Path(sys.argv[2]))
defs = load_definitions(paths)
start = time.perf_counter()
records = with_working_days(load_records(paths, defs))
figures = aggregate(records, defs)
print(f"OPERATION_SECONDS {time.perf_counter() - start:.4f} rows {len(records.complaints)} figures {len(figures)}")
"""


def measure_operation(code: str, args: list[str], env: dict[str, str]) -> dict:
    """Run a Python snippet under the wrapper: wall time, peak memory, and the time of the operation
    itself (what the snippet prints, without interpreter start-up and imports)."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, "loud", sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stderr.strip().splitlines()[-1])
    for line in done.stdout.splitlines():
        if line.startswith("OPERATION_SECONDS"):
            result["operation_seconds"] = float(line.split()[1])
            result["printed"] = line
    return result


def records_bench(n: int, work: Path) -> dict:
    """Aggregating n synthetic complaints (Dudley's export format) against reading the same file alone."""
    from ..synthetic.generate import write_large

    data = work / "records-data"
    shutil.copytree(default_paths().data, data, ignore=shutil.ignore_patterns("private", "records"))
    extract = data / "records" / "dudley" / "2024-25_synthetic_complaints.csv"
    extract.parent.mkdir(parents=True)
    log.info(f"[records] writing {n:,} synthetic complaints ...")
    write_large(extract, n, seed=1)
    env = dict(os.environ)
    log.info("[records] reading the file alone ...")
    read = measure_operation(READ_ALONE, [str(extract)], env)
    log.info("[records] reading, mapping, checking and aggregating ...")
    full = measure_operation(AGGREGATE, [str(data), str(work / "records-out")], env)
    result = {
        "complaints": n,
        "file_mb": round(extract.stat().st_size / 2**20, 1),
        "read_alone": read,
        "read_check_aggregate": full,
    }
    if read.get("operation_seconds") and full.get("operation_seconds"):
        result["ratio_to_read_alone"] = round(full["operation_seconds"] / read["operation_seconds"], 2)
    result["meets_targets"] = {
        "under_5_seconds": (full.get("operation_seconds") or 99) < RECORDS_TARGET_SECONDS,
        "under_2_gb": (full.get("peak_rss_mb") or 1e9) < RECORDS_TARGET_MB,
        "within_3x_of_read_alone": (result.get("ratio_to_read_alone") or 99) <= RECORDS_TARGET_RATIO,
    }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m complaints.running.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--conditions",
        nargs="+",
        choices=("as-is", "bytecode-cached"),
        default=["as-is", "bytecode-cached"],
        help="which conditions to measure (default: both)",
    )
    parser.add_argument("--output", help="where to write the figures (default: outputs/bench.json)")
    parser.add_argument("--loop", nargs=4, help=argparse.SUPPRESS)  # the baseline, run as a child
    parser.add_argument(
        "--part",
        choices=("all", "reports", "records"),
        default="all",
        help="reports: the report batch; records: aggregating 1,000,000 complaints (default: both)",
    )
    parser.add_argument("--complaints", type=int, default=1_000_000, help="how many complaints the records part uses")
    args = parser.parse_args(argv)
    configure(0)
    if args.loop:
        return loop(*args.loop)

    paths = default_paths()
    notebook = paths.council_notebook
    figures: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        },
        "targets": {"cold_batch_vs_loop_ratio_at_least": TARGET_RATIO, "warm_rerun_seconds_under": TARGET_WARM_SECONDS},
        "what": {
            "loop": "papermill CLI then jupyter nbconvert --to html --no-input, per report, sequentially "
            "(metrics.csv given)",
            "batch_cold": "complaints reports --force on an empty outputs folder (includes computing metrics)",
            "warm": "complaints reports with nothing changed",
            "warm_uv_run": "the same through uv run",
            "peak_rss_mb": "peak resident memory of the largest single process of the phase",
        },
        "conditions": {},
    }
    with tempfile.TemporaryDirectory(prefix="complaints-bench-") as tmp:
        work = Path(tmp)
        if args.part in ("all", "records"):
            figures["records"] = records_bench(args.complaints, work)
        for condition in args.conditions if args.part in ("all", "reports") else []:
            env = dict(os.environ)
            if condition == "bytecode-cached":
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
            figures["conditions"][condition] = run_condition(
                condition, env, paths.data, notebook, work / condition, warm_up=condition == "bytecode-cached"
            )
    target = Path(args.output) if args.output else paths.outputs / "bench.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    if "records" in figures:
        r = figures["records"]
        print(
            f"records: {r['complaints']:,} complaints ({r['file_mb']} MB): read alone "
            f"{r['read_alone'].get('operation_seconds')} s, read + check + aggregate "
            f"{r['read_check_aggregate'].get('operation_seconds')} s (ratio {r.get('ratio_to_read_alone')}x), "
            f"peak {r['read_check_aggregate'].get('peak_rss_mb')} MB"
        )
    for condition, r in figures["conditions"].items():
        warm_uv = r.get("warm_uv_run", {}).get("seconds")
        print(
            f"{condition}: {r['reports']} reports; loop {r['loop']['seconds']:.1f} s "
            f"(peak {r['loop']['peak_rss_mb']} MB), cold batch {r['batch_cold']['seconds']:.1f} s "
            f"(peak {r['batch_cold']['peak_rss_mb']} MB), ratio {r.get('ratio_loop_over_batch')}x; "
            f"warm rerun {r['warm']['seconds']:.2f} s" + (f", through uv run {warm_uv:.2f} s" if warm_uv else "")
        )
    log.info(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
