"""`python -m complaints.running.records_scale`: how reading, checking and counting complaint records scales.

For each size, a synthetic extract of that many complaints in Dudley's export format
(complaints.synthetic.generate.write_large) is written under a working folder, then two operations are
measured, each in a process of its own (so that the peak memory is that operation's alone):

- read alone: a bare `pyarrow.csv.read_csv` of the file, the floor of any reader;
- records: the extract read, mapped, checked, timed in working days and counted into figures, as the main
  job needs it: complaints.analysis.record_measures.figures_from_extracts, which goes block by block.

Each reports the seconds of the operation itself (without the interpreter's start and the imports) and
the peak resident memory of its process; then the ratio of the two operations per size, and the ratio of
seconds per complaint between the largest and the smallest size (1.0: linear). The extracts are deleted
after each size. Nothing is printed by records_bench; main() prints its figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..inputs.paths import default_paths

SIZES = [1_000_000, 10_000_000]

# each snippet prints one line: OPERATION <seconds> <peak resident MB> <what it made>
READ_ALONE = """
import resource, sys, time
import pyarrow.csv
start = time.perf_counter()
table = pyarrow.csv.read_csv(sys.argv[1])
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"OPERATION {seconds:.4f} {peak:.1f} {table.num_rows}")
"""

RECORDS = """
import resource, sys, time
from pathlib import Path
from complaints.analysis.record_measures import figures_from_extracts
from complaints.inputs.definitions import load_definitions
from complaints.inputs.paths import Paths
paths = Paths(data=Path(sys.argv[1]), outputs=Path(sys.argv[2]))
defs = load_definitions(paths)
start = time.perf_counter()
figures = figures_from_extracts(paths, defs)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"OPERATION {seconds:.4f} {peak:.1f} {len(figures)}")
"""


def measure(code: str, args: list[str]) -> dict:
    """Run a snippet in a process of its own: the seconds of its operation, its peak memory, what it made."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=dict(os.environ))
    for line in done.stdout.splitlines():
        if line.startswith("OPERATION "):
            _, seconds, peak, made = line.split()
            return {"seconds": float(seconds), "peak_rss_mb": float(peak), "made": int(made)}
    return {"seconds": None, "peak_rss_mb": None, "returncode": done.returncode, "stderr_tail": done.stderr[-2000:]}


# the generator holds every complaint at once (7 GB for ten million): in a process of its own
WRITE = """
import sys
from pathlib import Path
from complaints.synthetic.generate import write_large
write_large(Path(sys.argv[1]), int(sys.argv[2]), seed=1)
"""


def one_size(n: int, work: Path) -> dict:
    """Write n synthetic complaints, measure both operations, delete the extract."""
    data = work / f"records-{n}"
    shutil.copytree(default_paths().data, data, ignore=shutil.ignore_patterns("private", "records"))
    extract = data / "records" / "dudley" / "2024-25_synthetic_complaints.csv"
    try:
        subprocess.run([sys.executable, "-c", WRITE, str(extract), str(n)], check=True, capture_output=True)
        result = {"complaints": n, "file_mb": round(extract.stat().st_size / 2**20, 1)}
        result["read_alone"] = measure(READ_ALONE, [str(extract)])
        result["records"] = measure(RECORDS, [str(data), str(work / f"records-out-{n}")])
    finally:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(work / f"records-out-{n}", ignore_errors=True)
    read, full = result["read_alone"]["seconds"], result["records"]["seconds"]
    if read and full:
        result["ratio_to_read_alone"] = round(full / read, 2)
        result["records_seconds_per_million"] = round(full / n * 1e6, 3)
    return result


def records_bench(sizes: list[int], work: Path) -> dict:
    """For each size: the bare pyarrow read and the whole records step, seconds and peak memory, their ratio;
    and the ratio of seconds per complaint between the largest and the smallest size (linearity)."""
    work.mkdir(parents=True, exist_ok=True)
    results = [one_size(n, work) for n in sorted(sizes)]
    out: dict = {
        "what": {
            "read_alone": "pyarrow.csv.read_csv of the extract (its own process)",
            "records": "read, mapped, checked, working days and figures: record_measures.figures_from_extracts "
            "(its own process)",
            "seconds": "the operation alone, without interpreter start and imports",
            "peak_rss_mb": "peak resident memory of the process",
        },
        "sizes": results,
    }
    first, last = results[0], results[-1]
    if len(results) > 1 and first.get("records_seconds_per_million") and last.get("records_seconds_per_million"):
        out["linearity_seconds_per_row_largest_over_smallest"] = round(
            last["records_seconds_per_million"] / first["records_seconds_per_million"], 2
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m complaints.running.records_scale", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", nargs="+", type=int, default=SIZES, help="numbers of complaints (default: 1M, 10M)")
    parser.add_argument("--work", help="folder for the extracts (default: a temporary folder, deleted after)")
    args = parser.parse_args(argv)
    if args.work:
        figures = records_bench(args.sizes, Path(args.work))
    else:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="complaints-records-") as tmp:
            figures = records_bench(args.sizes, Path(tmp))
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
