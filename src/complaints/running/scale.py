"""Does anything grow faster than the work? The steps a batch runs once, timed at several national sizes.

A batch runs some steps once whatever it builds: the metrics step (every input read and checked, the
published figures resolved, every metric and the audit computed, then the CSVs and workbooks written), the
benchmarking report (every council side by side) and the index page. Their cost must grow no faster than
the councils and years they cover (issue 15). This times them on synthetic national data
(complaints.synthetic.national) at several sizes:

    step_times(data, outputs)      the steps on one data folder, in this process: seconds (wall and CPU) of
                                   each, with the councils and council-years
    scale_bench(sizes, work)       national data of each size (councils, 10 years each) written under `work`,
                                   step_times of each in a fresh process; per-step seconds, and for each step
                                   the ratio of its time per council at the largest size to that at the
                                   smallest (1.0: linear; 2.0: twice as much per council)

    python -m complaints.running.scale --sizes 16,64,153 --work /tmp/scale
    python -m complaints.running.scale --data DIR --outputs DIR      (step_times of one folder, as JSON)

The ratios are of CPU time, which other work on a shared machine disturbs less than wall time (both are given).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from ..inputs.paths import BENCHMARK, default_paths

STEPS = ("inputs", "metrics", "audit", "write_results", "benchmark", "index")
YEARS = 10


def timed(work) -> tuple[object, float, float]:
    """(what work() returns, its wall seconds, its CPU seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def step_times(data: Path, outputs: Path) -> dict:
    """Run the steps a batch runs once on `data`, in this process, writing to `outputs`; their seconds.

    Returns {"councils", "council_years" (with figures), "reports" (council reports the batch would build),
    "benchmark_year" (the latest year with councils to compare, or None), "seconds" and "cpu_seconds"
    ({step: seconds})}. The steps: inputs (read, checked, published figures resolved), metrics, audit (the
    three parts of pipeline.compute), write_results (the CSVs and workbooks), benchmark (the benchmarking
    report of benchmark_year, every section built) and index (outputs/index.html).
    """
    from ..analysis.comparability import benchmark_years
    from ..reporting.benchmark_report import load_benchmark
    from .batch import Job, plan_jobs, write_index
    from .pipeline import compute, write_results

    paths = default_paths(data, outputs)
    parts: dict[str, float] = {}
    results, wall, cpu = timed(lambda: compute(paths, timings=parts))
    seconds = {step: parts.get(step, 0.0) for step in ("inputs", "metrics", "audit")}
    # compute's parts by CPU time in the same shares as by wall time (one thread: they differ by waiting only)
    cpu_seconds = {step: cpu * s / wall if wall else 0.0 for step, s in seconds.items()}
    _, seconds["write_results"], cpu_seconds["write_results"] = timed(lambda: write_results(results, paths))
    years = benchmark_years(results.metrics, results.definitions)
    year = years[-1] if years else None

    def benchmark() -> int:
        report = load_benchmark(year, data_dir=str(paths.data), outputs_dir=str(paths.outputs))
        return sum(len(report.section(name)) for name in report.SECTIONS)

    seconds["benchmark"] = cpu_seconds["benchmark"] = 0.0
    if year is not None:
        _, seconds["benchmark"], cpu_seconds["benchmark"] = timed(benchmark)
    plan = plan_jobs(results)
    jobs = [*plan.reports, *([Job(BENCHMARK, year)] if year else [])]
    _, seconds["index"], cpu_seconds["index"] = timed(lambda: write_index(paths, jobs, plan.restated))
    metrics = results.metrics
    return {
        "councils": len(results.definitions.councils),
        "council_years": len(metrics[["council", "year"]].drop_duplicates()) if len(metrics) else 0,
        "reports": sum(1 for j in plan.reports if j.kind == "council"),
        "benchmark_year": year,
        "seconds": {step: round(seconds[step], 3) for step in STEPS},
        "cpu_seconds": {step: round(cpu_seconds[step], 3) for step in STEPS},
    }


def _per_council_ratio(small: dict, large: dict, key: str) -> dict[str, float | None]:
    """For each step: its time per council at the larger size over that at the smaller (1.0: linear)."""
    out = {}
    for step in STEPS:
        a, b = small[key][step] / small["councils"], large[key][step] / large["councils"]
        out[step] = round(b / a, 2) if a > 0 else None
    return out


def scale_bench(sizes: list[int], work: Path, years: int = YEARS, timeout: float = 3600) -> dict:
    """Synthetic national data with each number of councils in `sizes` (`years` financial years each), written
    under `work` (kept, and reused by a later call), and step_times of each in a fresh Python process.

    Returns {"years", "sizes": {councils: step_times}, "ratio" and "ratio_wall": {step: time per council at
    the largest size / at the smallest}, by CPU and by wall time (None with fewer than two sizes)}."""
    from ..synthetic.national import national

    work = Path(work)
    src = str(Path(__file__).resolve().parents[2])  # the code being measured, in the child process too
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)}
    measured: dict[int, dict] = {}
    for councils in sorted(set(sizes)):
        folder = work / f"national-{councils}x{years}"
        data, outputs = folder / "data", folder / "outputs"
        if not (data / "published" / "sources.csv").exists():
            national(data, councils=councils, years=years)
        done = subprocess.run(
            [sys.executable, "-m", "complaints.running.scale", "--data", str(data), "--outputs", str(outputs)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"step_times failed at {councils} councils:\n{done.stderr[-3000:]}")
        measured[councils] = json.loads(done.stdout.strip().splitlines()[-1])
    out: dict = {"years": years, "sizes": measured, "ratio": None, "ratio_wall": None}
    if len(measured) >= 2:
        small, large = measured[min(measured)], measured[max(measured)]
        out["ratio"] = _per_council_ratio(small, large, "cpu_seconds")
        out["ratio_wall"] = _per_council_ratio(small, large, "seconds")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m complaints.running.scale",
        description="Time the steps a batch runs once (metrics, audit, benchmarking report, index) as councils grow.",
    )
    parser.add_argument("--sizes", default="16,64", help="numbers of synthetic councils, comma-separated")
    parser.add_argument("--years", type=int, default=YEARS, help=f"financial years per council (default {YEARS})")
    parser.add_argument("--work", help="folder for the synthetic data and outputs (kept)")
    parser.add_argument("--data", help="instead, time the steps on this data folder (prints step_times as JSON)")
    parser.add_argument("--outputs", help="the outputs folder for --data")
    args = parser.parse_args(argv)
    if args.data:
        if not args.outputs:
            parser.error("--data needs --outputs")
        print(json.dumps(step_times(Path(args.data), Path(args.outputs))))
        return 0
    if not args.work:
        parser.error("give --work (or --data and --outputs)")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(json.dumps(scale_bench(sizes, Path(args.work), years=args.years), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
