"""Where the reports are built: in-process (the default: each report's cells run in IPython in a child
forked from its worker, complaints.running.inprocess), and on a Dask cluster (complaints.running.cluster).
The outputs must not depend on either: the same files, apart from the times written into them."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from test_batch import counts, fast, run, tiny_notebook

from complaints.inputs.paths import FAILED_IPYNB, Paths
from complaints.running.batch import Options

# Times a run writes into its outputs: papermill's cell timings, the reports' "Run at", workbooks' dates.
TIMES = [
    (rb'"(start_time|end_time)": "[^"]*"', rb'"\1": "T"'),
    (rb'"duration": [0-9.e-]+', rb'"duration": 0'),
    (rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( UTC|Z|\+00:00)?", b"T"),
    (rb"Made on \d{4}-\d\d-\d\d at \d\d:\d\d UTC", b"Made on T"),
]
NOT_COMPARED = {".report-seconds.json"}  # each report's build time, for the next run's order


def without_times(data: bytes) -> bytes:
    for pattern, replacement in TIMES:
        data = re.sub(pattern, replacement, data)
    return data


def contents(folder: Path) -> dict[str, bytes]:
    """Every output file (members of a workbook one by one), times blanked; logs left out."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not path.is_file() or name.startswith("logs/") or path.name in NOT_COMPARED:
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as book:
                for member in sorted(book.namelist()):
                    found[f"{name}!{member}"] = without_times(book.read(member))
        else:
            found[name] = without_times(path.read_bytes())
    return found


def test_a_dask_cluster_builds_the_same_outputs_as_the_batchs_own_workers(project):
    pytest.importorskip("distributed")
    from complaints.running import cluster

    options = {"councils": ["dudley"], "years": ["2022-23"], "progress": False, "formats": ("html",), "jobs": 1}
    status, text = run(project, Options(**options))
    assert status == 0, text
    own = project.outputs.parent / "own-workers"
    shutil.move(project.outputs, own)  # the same outputs path for both runs: it is a parameter of each report
    client = cluster.connect("local", workers=1)
    try:
        status, text = run(project, Options(**options, executor=cluster.dask_executor(client)))
    finally:
        cluster.close(client)
    assert status == 0, text
    assert counts(text)[0] >= 1
    mine, theirs = contents(own), contents(project.outputs)
    assert sorted(mine) == sorted(theirs)
    assert any(name.endswith("report.html") for name in mine)
    different = [name for name in mine if mine[name] != theirs[name]]
    assert not different, different


def test_in_process_a_report_that_kills_its_process_fails_alone(plain: Paths, tmp_path):
    notebook = tiny_notebook(tmp_path / "exits.ipynb")
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import os\nif council == 'dudley':\n    os._exit(3)"))
    nbformat.write(nb, notebook)
    status, text = run(plain, fast(notebook, councils=["dudley", "dorset"], years=["2022-23", "2023-24"]))
    assert status == 1
    assert counts(text) == (1, 0, 1)
    assert "exited with status 3" in text
    assert (plain.outputs / "dorset" / "2023-24" / "report.html").exists()
    assert not (plain.outputs / "dudley" / "2022-23" / "report.html").exists()
    assert (plain.outputs / "dudley" / "2022-23" / FAILED_IPYNB).exists()  # with what went wrong on top


def test_in_process_cells_keep_what_they_print_display_return_and_raise(plain: Paths, tmp_path):
    notebook = tiny_notebook(tmp_path / "outputs.ipynb", fail_for="dudley")
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("6 * 7"))
    nbformat.write(nb, notebook)
    status, text = run(plain, fast(notebook, councils=["dudley", "dorset"], years=["2022-23", "2023-24"]))
    assert status == 1 and counts(text) == (1, 0, 1)
    done = nbformat.read(plain.outputs / "dorset" / "2023-24" / "report.ipynb", as_version=4)
    code = [c for c in done.cells if c.cell_type == "code"]
    result = code[-2].outputs  # 6 * 7, after the injected parameters
    assert [o.output_type for o in result] == ["execute_result"] and result[0].data["text/plain"] == "42"
    printed, shown = code[-1].outputs
    assert printed.output_type == "stream" and printed.text.startswith("Report for dorset, 2023-24")
    assert shown.output_type == "display_data" and "image/png" in shown.data
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    failed = nbformat.read(plain.outputs / "dudley" / "2022-23" / FAILED_IPYNB, as_version=4)
    error = [o for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert error[0].ename == "ValueError" and error[0].evalue == "no report can be made for dudley"
    assert "ValueError: no report can be made for dudley (cell" in text
