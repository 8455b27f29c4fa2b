"""`python -m complaints.running.bench` (make bench): what `complaints reports` costs, side by side.

On the project's data, into temporary output folders (never the real outputs/), the arms below run
interleaved (A B C ... A B C ... A B C ...), each run on an empty outputs folder, so that the machine's
load falls on every arm alike; each arm's median and spread (minimum to maximum) are reported.
- loop_papermill: for each report in turn, the papermill command line, then `jupyter nbconvert
  --to html --no-input` (what a user of papermill would write);
- loop_nbconvert: for each report in turn, a copy of its notebook with the parameters written into
  its parameters cell, then `jupyter nbconvert --execute --to html --no-input` (what a user without
  papermill would write). Both loops are given metrics.csv, audit.csv and figures.csv (computed
  before they start, not timed): they do less than the batch;
- batch_html: `complaints reports --force --formats html` (the metrics step included);
- batch_all: the same with HTML, PDF and Word (`--formats html,pdf,docx`, the default);
- floor_html and floor_all: the in-process floor (complaints.running.floor): one process, everything
  imported first, the metrics step and every section of every report built in turn, no notebook.
  Its CPU time (of the work, not of starting Python) is what no batch can beat on one core.

The batch is held against the floor: batch wall time / (floor CPU time / cores the batch uses),
for HTML and for all formats. 1.0 is the floor; the target is at most 1.3.

Two conditions: warm (Python's bytecode cached, in a temporary PYTHONPYCACHEPREFIX filled first: a
machine that has run the project before) and cold (PYTHONDONTWRITEBYTECODE and an empty cache: every
module compiled on every start, as on a fresh clone).

Then, unless left out: records (reading, checking and aggregating 1,000,000 and 10,000,000
complaints against a bare pyarrow read of the same file: complaints.running.records_scale); the
once-per-batch steps (metrics, audit, benchmarking report, index) at two sizes of synthetic
national data, and the ratio of their cost per council (complaints.running.scale); and the
national-scale projection (153 councils x 10 years) from the measured cost per report.

Every figure goes to outputs/bench.json and is printed; nothing is asserted (machines are shared
and noisy: ratios measured side by side are what to compare).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ..inputs.paths import ROOT, default_paths
from .logs import configure

BIN = Path(sys.executable).parent
HOME = ROOT if ROOT is not None else Path.cwd()  # the project's clone (make bench runs there)
TARGET_FLOOR_RATIO = 1.3
TARGET_LOOP_RATIOS = {"loop_nbconvert": 8.0, "loop_papermill": 12.0}
NATIONAL = (153, 10)  # councils, years: England's councils with children's services, a decade of reports
ARMS = ("loop_papermill", "loop_nbconvert", "batch_html", "batch_all", "floor_html", "floor_all")
WHAT = {
    "loop_papermill": "per report: papermill's command line, then jupyter nbconvert --to html --no-input "
    "(given the metrics step's CSVs)",
    "loop_nbconvert": "per report: a copy of the notebook with its parameters written in, then jupyter nbconvert "
    "--execute --to html --no-input (given the metrics step's CSVs)",
    "batch_html": "complaints reports --force --formats html (metrics step included)",
    "batch_all": "complaints reports --force --formats html,pdf,docx (metrics step included)",
    "floor_html": "one process, everything imported first: metrics step and every report's sections as HTML",
    "floor_all": "the same, and every report written as PDF and Word",
    "wall_seconds": "of the whole command; median, min and max over the interleaved runs",
    "cpu_seconds": "user + system time of every process of the command",
    "floor_cpu_seconds": "the floor's own CPU time for the work, imports excluded",
    "peak_rss_mb": "peak resident memory of the largest single process",
    "ratios": "batch_over_floor: batch wall / (floor CPU / cores); loop_over_batch: loop wall / batch wall",
}

WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "returncode": done.returncode,
                  "stdout": done.stdout[-4000:]}))
"""


def say(text: str) -> None:
    """Progress, on stderr: a bench run takes many minutes."""
    print(text, file=sys.stderr, flush=True)


def measure(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> dict:
    """Run cmd under the wrapper: its wall time, the CPU time of all its processes (every process it
    waited for), the peak RSS of its largest process, and the last of what it printed."""
    done = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], env=env, cwd=cwd, capture_output=True, text=True)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"seconds": None, "returncode": done.returncode, "stderr": done.stderr[-2000:]}


# --------------------------------------------------------------------------- the loops (run as children)


def _job_notebook(paths, kind: str, council: str) -> Path:
    from ..inputs.paths import BENCHMARK, CODE, CODE_DEMONSTRATION

    if council == BENCHMARK:
        return paths.benchmark_notebook
    return paths.code_notebook if kind in (CODE, CODE_DEMONSTRATION) else paths.council_notebook


def _parameters(council: str, year: str, kind: str, data: str, outputs: str) -> dict:
    from ..inputs.paths import BENCHMARK

    if council == BENCHMARK:
        return {"year": year, "data_dir": data, "outputs_dir": outputs}
    return {"council": council, "year": year, "data_dir": data, "outputs_dir": outputs, "kind": kind}


def loop(jobs_file: str, data: str, outputs: str, how: str) -> int:
    """A baseline: one report after another, with papermill's command line then nbconvert's (how:
    papermill), or nbconvert executing a copy of the notebook with its parameters written in (nbconvert)."""
    import nbformat

    paths = default_paths(data, outputs)
    failures = 0
    for council, year, kind in json.loads(Path(jobs_file).read_text()):
        folder = paths.report_dir(council, year, kind)
        folder.mkdir(parents=True, exist_ok=True)
        notebook = _job_notebook(paths, kind, council)
        params = _parameters(council, year, kind, str(Path(data).resolve()), str(Path(outputs).resolve()))
        out = folder / "report.ipynb"
        if how == "papermill":
            flags = [x for k, v in params.items() for x in ("-p", k, v)]
            cmd = [str(BIN / "papermill"), str(notebook), str(out), *flags, "-k", "complaints"]
            code = subprocess.call(
                [*cmd, "--cwd", str(notebook.parent), "--no-progress-bar"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            convert = [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)]
        else:
            nb = nbformat.read(notebook, as_version=4)
            cell = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
            cell.source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())
            nbformat.write(nb, out)
            code = 0
            convert = [str(BIN / "jupyter"), "nbconvert", "--execute", "--to", "html", "--no-input"]
            convert += ["--ExecutePreprocessor.kernel_name=complaints", str(out)]
        code = code or subprocess.call(convert, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        failures += bool(code)
    return 1 if failures else 0


# --------------------------------------------------------------------------- the report arms


def _summary(runs: list[dict], key: str = "seconds") -> dict:
    values = [r[key] for r in runs if r.get(key) is not None and not r.get("returncode")]
    if not values:
        return {"runs": len(runs), "failed": sum(bool(r.get("returncode")) for r in runs)}
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
        "runs": len(values),
        "failed": sum(bool(r.get("returncode")) for r in runs),
    }


def _floor_cpu(run: dict) -> float | None:
    try:
        return json.loads(run.get("stdout", "").strip().splitlines()[-1])["cpu_seconds"]
    except (ValueError, IndexError, KeyError):
        return None


def arm_command(arm: str, data: Path, out: Path, jobs_file: Path) -> list[str]:
    complaints = [str(BIN / "complaints"), "reports", "--data", str(data), "--outputs", str(out), "--force"]
    floor = [sys.executable, "-m", "complaints.running.floor", "--data", str(data), "--outputs", str(out)]
    return {
        "loop_papermill": [sys.executable, "-m", "complaints.running.bench", "--loop", str(jobs_file), str(data)],
        "loop_nbconvert": [sys.executable, "-m", "complaints.running.bench", "--loop", str(jobs_file), str(data)],
        "batch_html": [*complaints, "--formats", "html"],
        "batch_all": [*complaints, "--formats", "html,pdf,docx"],
        "floor_html": [*floor, "--formats", "html"],
        "floor_all": [*floor, "--formats", "html,pdf,docx"],
    }[arm] + ([str(out), arm.split("_")[1]] if arm.startswith("loop") else [])


IMPORT_ALL = """
from complaints.running.floor import import_everything
import_everything()
import complaints.running.batch, complaints.running.inprocess, complaints.cli
import papermill, nbconvert, nbclient, ipykernel.kernelapp, ipykernel.ipkernel, jupyter_client
"""


def warm_up(env: dict[str, str], data: Path, work: Path, given: Path, jobs: list) -> None:
    """Compile into the bytecode cache what the arms import (not measured): every module, then one report
    through the batch and through each loop (the kernel's and the command lines' own imports)."""
    subprocess.run([sys.executable, "-c", IMPORT_ALL], env=env, capture_output=True)
    council, year, kind = next((j for j in jobs if j[0] != "benchmark"), jobs[0])
    one = work / "warm-up-jobs.json"
    one.write_text(json.dumps([[council, year, kind]]))
    for arm in ("loop_papermill", "loop_nbconvert"):
        out = work / f"warm-up-{arm}"
        shutil.copytree(given, out)
        measure(arm_command(arm, data, out, one), env)
        shutil.rmtree(out, ignore_errors=True)
    out = work / "warm-up-batch"
    one_report = ["--council", council, "--year", year, "--formats", "html,pdf,docx"]
    measure([str(BIN / "complaints"), "reports", "--data", str(data), "--outputs", str(out), *one_report], env)
    shutil.rmtree(out, ignore_errors=True)


def run_condition(name: str, env: dict[str, str], data: Path, work: Path, arms: list[str], repeat: int) -> dict:
    """Each arm `repeat` times, interleaved; medians and spreads; the ratios."""
    from .batch import plan_jobs
    from .kernel import install_kernelspec, jupyter_env
    from .pipeline import compute, write_results

    install_kernelspec()
    env = jupyter_env(env)
    work.mkdir(parents=True, exist_ok=True)
    given = work / "given"  # what the loops are given: the metrics step's CSVs
    paths = default_paths(data, given)
    results = compute(paths)
    write_results(results, paths)
    plan = plan_jobs(results)
    jobs = [[j.council, j.year, j.kind] for j in plan.reports]
    from ..analysis.comparability import benchmark_years

    jobs += [["benchmark", y, "council"] for y in benchmark_years(results.metrics, results.definitions)]
    jobs_file = work / "jobs.json"
    jobs_file.write_text(json.dumps(jobs))
    if name == "warm":  # fill the bytecode cache: everything the arms import, and one report by each path
        warm_up(env, data, work, given, jobs)
    runs: dict[str, list[dict]] = {arm: [] for arm in arms}
    for round_ in range(repeat):
        for arm in arms:
            out = work / f"{arm}-{round_}"
            if arm.startswith("loop"):
                shutil.copytree(given, out)
            say(f"[{name}] round {round_ + 1}/{repeat}: {arm} ...")
            result = measure(arm_command(arm, data, out, jobs_file), env)
            if arm.startswith("floor"):
                result["floor_cpu_seconds"] = _floor_cpu(result)
            result.pop("stdout", None)
            runs[arm].append(result)
            say(f"[{name}]   {result.get('seconds') or 0:.1f} s (exit {result.get('returncode')})")
            shutil.rmtree(out, ignore_errors=True)
    summary: dict = {"reports": len(jobs), "arms": {}}
    for arm, these in runs.items():
        summary["arms"][arm] = {
            "wall_seconds": _summary(these),
            "cpu_seconds": _summary(these, "cpu_seconds"),
            "peak_rss_mb": max((r.get("peak_rss_mb") or 0 for r in these), default=None),
            "each_run": these,
        }
        if arm.startswith("floor"):
            summary["arms"][arm]["floor_cpu_seconds"] = _summary(these, "floor_cpu_seconds")
    summary["ratios"] = ratios(summary["arms"], cores=min(os.cpu_count() or 1, len(jobs)))
    return summary


def ratios(arms: dict, cores: int) -> dict:
    """batch / floor (floor CPU over the cores the batch uses) and loop / batch, from the medians."""
    med = lambda arm, what="wall_seconds": (arms.get(arm, {}).get(what) or {}).get("median")  # noqa: E731
    out: dict = {"cores": cores}
    for formats in ("html", "all"):
        batch, floor = med(f"batch_{formats}"), med(f"floor_{formats}", "floor_cpu_seconds")
        if batch and floor:
            out[f"batch_over_floor_{formats}"] = round(batch / (floor / cores), 2)
    for loop_arm in ("loop_papermill", "loop_nbconvert"):
        if med(loop_arm) and med("batch_html"):
            out[f"{loop_arm}_over_batch_html"] = round(med(loop_arm) / med("batch_html"), 2)
    out["targets"] = {
        "batch_over_floor_at_most": TARGET_FLOOR_RATIO,
        **{f"{k}_over_batch_html_at_least": v for k, v in TARGET_LOOP_RATIOS.items()},
    }
    return out


def national_projection(condition: dict, scale: dict | None) -> dict:
    """153 councils x 10 years on this machine, from the measured cost per report (HTML, the batch) and,
    where measured, the once-per-batch steps' cost per council at the largest size."""
    councils, years = NATIONAL
    reports = councils * years
    arms = condition["arms"]
    batch = (arms.get("batch_html", {}).get("wall_seconds") or {}).get("median")
    floor = (arms.get("floor_html", {}).get("floor_cpu_seconds") or {}).get("median")
    if not batch or not floor:
        return {}
    per_report_wall = batch / condition["reports"]
    out = {
        "councils": councils,
        "years": years,
        "reports": reports,
        "per_report_wall_seconds_measured": round(per_report_wall, 3),
        "per_report_cpu_seconds_floor": round(floor / condition["reports"], 3),
        "projected_batch_minutes": round(reports * per_report_wall / 60, 1),
        "projected_cpu_minutes": round(reports * floor / condition["reports"] / 60, 1),
        "note": "the shipped reports include demonstrations from records, which cost more than a report "
        "from published figures; the scale part measures the national synthetic data itself",
    }
    if scale and scale.get("sizes"):
        largest = max(scale["sizes"], key=int)
        steps = scale["sizes"][largest].get("cpu_seconds", {})
        per_council = {k: v / int(largest) for k, v in steps.items() if isinstance(v, int | float)}
        out["once_per_batch_cpu_minutes"] = round(sum(per_council.values()) * councils / 60, 1)
        out["once_per_batch_measured_at_councils"] = int(largest)
        out["once_per_batch_per_council_cpu_seconds"] = {k: round(v, 3) for k, v in per_council.items()}
    return out


# --------------------------------------------------------------------------- main


def _print(figures: dict) -> None:
    for name, c in figures.get("conditions", {}).items():
        print(f"{name}: {c['reports']} reports; wall seconds, median (min to max) of the interleaved runs")
        for arm, a in c["arms"].items():
            w = a["wall_seconds"]
            extra = ""
            if "floor_cpu_seconds" in a and a["floor_cpu_seconds"].get("median") is not None:
                f = a["floor_cpu_seconds"]
                extra = f"; floor CPU {f['median']:.1f} s ({f['min']:.1f} to {f['max']:.1f})"
            if w.get("median") is None:
                print(f"  {arm:15s} failed")
                continue
            print(
                f"  {arm:15s} {w['median']:7.1f} s ({w['min']:.1f} to {w['max']:.1f}) wall; "
                f"peak {a['peak_rss_mb']} MB{extra}"
            )
        r = c["ratios"]
        print("  ratios: " + ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("targets",)))
    if "records" in figures:
        rec = figures["records"]
        for r in rec.get("sizes") or []:
            read, full = r.get("read_alone", {}), r.get("records", {})
            print(
                f"records: {r['complaints']:,} complaints ({r.get('file_mb')} MB): bare pyarrow read "
                f"{read.get('seconds')} s ({read.get('peak_rss_mb')} MB), read + check + working days + figures "
                f"{full.get('seconds')} s ({full.get('peak_rss_mb')} MB): {r.get('ratio_to_read_alone')}x the read"
            )
        linear = rec.get("linearity_seconds_per_row_largest_over_smallest")
        if linear:
            print(f"  seconds per complaint, largest size over smallest (1.0 linear): {linear}")
    if "scale" in figures:
        sc = figures["scale"]
        for size, steps in sc.get("sizes", {}).items():
            cpu = steps.get("cpu_seconds", {})
            print(
                f"scale: {size} councils x {sc['years']} years: " + ", ".join(f"{k} {v:.1f} s" for k, v in cpu.items())
            )
        if sc.get("ratio"):
            print(
                "  CPU per council, largest over smallest (1.0 linear): "
                + ", ".join(f"{k} {v}" for k, v in sc["ratio"].items())
            )
    if figures.get("national"):
        n = figures["national"]
        print(
            f"national projection ({n['councils']} councils x {n['years']} years = {n['reports']} reports): "
            f"about {n['projected_batch_minutes']} min of batch on this machine, "
            f"{n['projected_cpu_minutes']} CPU-minutes at the floor"
            + (
                f"; once-per-batch steps about {n['once_per_batch_cpu_minutes']} CPU-minutes"
                if "once_per_batch_cpu_minutes" in n
                else ""
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m complaints.running.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--conditions", nargs="+", choices=("warm", "cold"), default=["warm", "cold"])
    parser.add_argument("--arms", nargs="+", choices=ARMS, default=list(ARMS), help="which arms (default: all)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each arm, interleaved (default 3)")
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=("reports", "records", "scale"),
        default=["reports", "records", "scale"],
        help="reports: the arms above; records: 1M and 10M complaints; scale: the once-per-batch steps",
    )
    parser.add_argument("--complaints", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--councils", type=int, nargs="+", default=[16, 64], help="sizes for the scale part")
    parser.add_argument("--output", help="where to write the figures (default: outputs/bench.json)")
    parser.add_argument("--show", metavar="JSON", help="print the figures of an earlier run (its bench.json) and stop")
    parser.add_argument("--loop", nargs=4, help=argparse.SUPPRESS)  # a baseline, run as a child
    args = parser.parse_args(argv)
    configure(0)
    if args.loop:
        return loop(*args.loop)
    if args.show:
        _print(json.loads(Path(args.show).read_text(encoding="utf-8")))
        return 0

    paths = default_paths()
    figures: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "what": WHAT,
        "conditions": {},
    }
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="complaints-bench-") as tmp:
        work = Path(tmp)
        if "reports" in args.parts:
            for condition in args.conditions:
                env = dict(os.environ)
                env["PYTHONPYCACHEPREFIX"] = str(work / f"pycache-{condition}")
                if condition == "cold":
                    env["PYTHONDONTWRITEBYTECODE"] = "1"
                else:
                    env.pop("PYTHONDONTWRITEBYTECODE", None)
                figures["conditions"][condition] = run_condition(
                    condition, env, paths.data, work / condition, args.arms, args.repeat
                )
        if "records" in args.parts:
            from .records_scale import records_bench

            say(f"[records] {', '.join(f'{n:,}' for n in args.complaints)} complaints ...")
            figures["records"] = records_bench(args.complaints, work / "records")
        if "scale" in args.parts:
            from .scale import scale_bench

            say(f"[scale] once-per-batch steps at {' and '.join(map(str, args.councils))} councils ...")
            figures["scale"] = scale_bench(args.councils, work / "scale")
    warm = figures["conditions"].get("warm") or next(iter(figures["conditions"].values()), None)
    if warm:
        figures["national"] = national_projection(warm, figures.get("scale"))
    figures["bench_seconds"] = round(time.perf_counter() - start, 1)
    target = Path(args.output) if args.output else paths.outputs / "bench.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    _print(figures)
    say(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
