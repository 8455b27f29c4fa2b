"""The in-process floor: what the reports cost with no notebook, no kernel and no export step.

One process, everything imported once: the metrics step (compute and write the CSVs), then every
section of every report built and rendered to HTML in turn (and, when asked, written as PDF and
Word), exactly as the notebooks' cells do, but called directly. No batch can be cheaper than this
on one core; `make bench` holds the batch's wall time against this floor's CPU time divided by the
cores the batch uses.

    python -m complaints.running.floor --data data --outputs /tmp/floor [--formats html,pdf,docx]

prints one JSON object: the metrics step's and each report's CPU and wall seconds, and the totals.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ..inputs.paths import BENCHMARK, default_paths
from .scale import timed


def load_any(job, data_dir: str, outputs_dir: str):
    """The report object a job's notebook builds (council, demonstration, Code or benchmark)."""
    if job.is_benchmark:
        from ..reporting.benchmark_report import load_benchmark

        return load_benchmark(job.year, data_dir=data_dir, outputs_dir=outputs_dir)
    if job.is_code:
        from ..reporting.code_report import load_code_report

        return load_code_report(job.council, job.year, data_dir=data_dir, outputs_dir=outputs_dir, kind=job.kind)
    from ..reporting.council_report import load_report

    return load_report(job.council, job.year, data_dir=data_dir, outputs_dir=outputs_dir, kind=job.kind)


def build_report(job, data_dir: str, outputs_dir: str, formats: tuple[str, ...], scratch: Path) -> int:
    """Build one report as its notebook would; the number of characters of HTML it renders."""
    report = load_any(job, data_dir, outputs_dir)
    size = sum(len(report.section(name)) for name in report.SECTIONS)
    report.export({f: scratch / f"{job.name.replace('/', '_')}.{f}" for f in formats if f != "html"})
    return size


def import_everything() -> None:
    """What the batch's workers import before their first report, and the metrics step's modules: the floor
    times the work, not the imports."""
    import importlib

    from .batch import INPROCESS_PRELOAD
    from .kernel import notebook_imports

    paths = default_paths()
    notebooks = [paths.council_notebook, paths.code_notebook, paths.benchmark_notebook]
    modules = [*INPROCESS_PRELOAD, *(m for nb in notebooks if nb.exists() for m in notebook_imports(nb))]
    modules += ["complaints.running.pipeline", "complaints.reporting.spreadsheet", "complaints.reporting.index_page"]
    for module in dict.fromkeys(modules):
        importlib.import_module(module)


def floor(data: Path, outputs: Path, formats: tuple[str, ...] = ("html",)) -> dict:
    """Run the metrics step and build every report in this process; seconds of each step."""
    from .batch import Job, plan_jobs
    from .pipeline import compute, write_results

    import_everything()

    paths = default_paths(data, outputs)
    paths.outputs.mkdir(parents=True, exist_ok=True)

    def metrics_step():
        results = compute(paths)
        write_results(results, paths)
        return results

    results, metrics_wall, metrics_cpu = timed(metrics_step)
    jobs = list(plan_jobs(results).reports)
    if paths.benchmark_notebook.exists():
        from ..analysis.comparability import benchmark_years

        jobs += [Job(BENCHMARK, y) for y in benchmark_years(results.metrics, results.definitions)]
    reports = []
    with tempfile.TemporaryDirectory(prefix="complaints-floor-") as scratch:
        for job in jobs:
            _, wall, cpu = timed(lambda j=job: build_report(j, str(data), str(outputs), formats, Path(scratch)))
            reports.append({"report": job.name, "cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3)})
    return {
        "formats": list(formats),
        "metrics_cpu_seconds": round(metrics_cpu, 3),
        "metrics_wall_seconds": round(metrics_wall, 3),
        "reports": reports,
        "reports_cpu_seconds": round(sum(r["cpu_seconds"] for r in reports), 3),
        "cpu_seconds": round(metrics_cpu + sum(r["cpu_seconds"] for r in reports), 3),
        "wall_seconds": round(metrics_wall + sum(r["wall_seconds"] for r in reports), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m complaints.running.floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--outputs", required=True)
    parser.add_argument("--formats", default="html", help="comma-separated: html, pdf, docx (default: html)")
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    print(json.dumps(floor(Path(args.data), Path(args.outputs), formats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
