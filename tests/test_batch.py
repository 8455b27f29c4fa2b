"""The report runner: `complaints reports` (complaints.running.batch, complaints.kernel, complaints.index_page).

Most tests execute a tiny notebook written into tmp_path (the runner takes any notebook with the
same parameters); one executes the project's own council report end to end. No test asserts on
time.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import edit_csv

from complaints.cli import main
from complaints.inputs.paths import FAILED_IPYNB, Paths
from complaints.running import kernel
from complaints.running.batch import (
    Job,
    Options,
    SelectionError,
    job_parameters,
    run_reports,
    select_jobs,
    write_index,
)
from complaints.running.logs import configure

# A 1x1 PNG: the tiny report displays it, so the HTML must embed it.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
HIDDEN = "TEXT-OF-A-CELL-TAGGED-REMOVE-CELL"
CODE = "SOURCE_ONLY_IN_CODE"


def tiny_notebook(path: Path, fail_for: str | None = None) -> Path:
    """A notebook with the council report's parameters, a removed cell, code, printed text and an image."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "complaints", "display_name": "Python (complaints)", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# Notes\n{HIDDEN}", metadata={"tags": ["remove_cell"]}),
        nbformat.v4.new_code_cell(
            'council = "dudley"\nyear = "2024-25"\ndata_dir = ""\noutputs_dir = ""\npublic = False',
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell(
            "import base64\nfrom IPython.display import Image, display\n"
            f"{CODE} = 1\n"
            f"if council == {fail_for!r}:\n    raise ValueError(f'no report can be made for {{council}}')\n"
            "print(f'Report for {council}, {year}, public={public}')\n"
            f"display(Image(data=base64.b64decode({PNG!r})))"
        ),
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    """One worker and a fork server for the whole module, given to the batch as Options.executor: the
    batch submits to them and leaves them running (what a long-lived process would do)."""
    from complaints.running.batch import start_fork_server, worker_pool

    server = start_fork_server([], tmp_path_factory.mktemp("kernels"))
    pool = worker_pool(1, getattr(server, "address", None))
    yield pool
    pool.shutdown(wait=True)
    if server is not None:
        server.close()


def fast(notebook: Path, **kw) -> Options:
    """Options for tests: a tiny notebook, one worker, a fork server that preloads nothing extra."""
    kw.setdefault("formats", ("html",))  # the tiny notebook writes no PDF or Word file
    return Options(notebook=notebook, jobs=1, progress=False, preload=(), **kw)


def run(paths: Paths, options: Options) -> tuple[int, str]:
    """Run the batch; its exit status and what it said on the terminal."""
    out = io.StringIO()
    handler = configure(0, stream=out)
    try:
        status = run_reports(paths, options)
    finally:
        logging.getLogger("complaints").removeHandler(handler)
    return status, out.getvalue()


def counts(text: str) -> tuple[int, int, int]:
    m = re.search(r"reports: (\d+) built, (\d+) unchanged \(skipped\), (\d+) failed", text)
    assert m, text
    return tuple(int(x) for x in m.groups())


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.srcs, self.headings, self.lang = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag in ("img", "script") and "src" in attrs:
            self.srcs.append(attrs["src"])
        if tag == "link" and "href" in attrs:
            self.srcs.append(attrs["href"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


# --------------------------------------------------------------------------- kernel


class TestKernelspec:
    def test_points_at_the_environments_python(self, tmp_path):
        folder = kernel.install_kernelspec(prefix=tmp_path)
        spec = json.loads((folder / "kernel.json").read_text())
        assert folder == tmp_path / "share" / "jupyter" / "kernels" / "complaints"
        assert spec["argv"] == [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        assert spec["language"] == "python"

    def test_the_projects_kernel_wins_over_a_users_kernel_of_the_same_name(self, tmp_path, monkeypatch):
        kernel.install_kernelspec()
        other = tmp_path / "kernels" / "complaints"
        other.mkdir(parents=True)
        (other / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "someone else's",
                    "language": "python",
                }
            )
        )
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
        km = kernel.manager_class(None)()
        assert km.kernel_name == "complaints"
        assert km.kernel_spec.argv[0] == sys.executable
        assert kernel.jupyter_env()["JUPYTER_PATH"].split(os.pathsep)[0] == str(Path(sys.prefix) / "share" / "jupyter")

    def test_notebook_imports_are_found_for_preloading(self, tmp_path):
        nb = tiny_notebook(tmp_path / "t.ipynb")
        assert kernel.notebook_imports(nb) == ["base64", "IPython.display"]
        project_nb = Paths(data=tmp_path, outputs=tmp_path).council_notebook
        assert "complaints.reporting.council_report" in kernel.notebook_imports(project_nb)


# --------------------------------------------------------------------------- end to end


PLANTED = "Jane Smithson DOB 03/02/2015 CS/24/9999"


def test_the_council_report_end_to_end(project):
    """The project's own notebook, one council and year, both kinds: executed, exported, indexed."""
    extract = project.records / "telford-wrekin" / "2024-25_synthetic_complaints.csv"
    for column in ("Delay Reason", "Remedy", "Channel"):  # free text typed into an extract
        edit_csv(extract, lambda f, c=column: f.assign(**{c: f[c].where(f.index != 0, PLANTED)}))
    status, text = run(project, Options(councils=["telford-wrekin"], years=["2024-25"], jobs=1, progress=False))
    assert status == 0, text
    demonstration = (project.outputs / "demonstration" / "telford-wrekin" / "2024-25" / "report.html").read_text()
    assert "Synthetic demonstration" in demonstration and "SYNTHETIC" in demonstration
    # the same report as an A4 PDF and a Word document, from the notebook's last (hidden) cell
    import docx
    import pypdf

    folder = project.outputs / "telford-wrekin" / "2024-25"
    pdf = pypdf.PdfReader(folder / "report.pdf")
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Summary" in text and "What changed and how sure we are" in text and "Page 1 of" in text
    assert all(
        abs(float(p.mediabox.width) - 595.3) < 1 and abs(float(p.mediabox.height) - 841.9) < 1 for p in pdf.pages
    )
    word = docx.Document(folder / "report.docx")
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["Summary", "What this report covers"] and "Appendix: about these figures" in headings
    assert len(word.tables) >= 5 and word.core_properties.title.startswith("Complaints to children's services")
    folder = project.outputs / "telford-wrekin" / "2024-25"
    html = (folder / "report.html").read_text(encoding="utf-8")
    page = parse(html)
    assert page.lang
    assert "load_report(" not in html and "report.show(" not in html  # no code input
    assert "jp-InputArea jp-Cell-inputArea" not in html and "In&nbsp;[" not in html
    assert "tagged `remove_cell`" not in html and "This notebook presents" not in html
    assert all(src.startswith("data:") for src in page.srcs), page.srcs  # images embedded, nothing linked
    assert "<script src=" not in html
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'council = "telford-wrekin"' in injected[0].source and 'year = "2024-25"' in injected[0].source
    assert nb.metadata.papermill.parameters["council"] == "telford-wrekin"
    assert 'href="../../index.html"' in html  # back to the index
    index = (project.outputs / "index.html").read_text(encoding="utf-8")
    for f in ("html", "pdf", "docx"):
        assert f'href="telford-wrekin/2024-25/report.{f}"' in index
    assert "of the guidance's" in index  # what the report covers, from the .contents.json it wrote
    contents = json.loads((folder / ".contents.json").read_text(encoding="utf-8"))
    assert contents["covered"] and not contents["synthetic"]
    # no path of the machine in any output (the run's log, the analyst's own record, aside), and no
    # free text from the extract anywhere but outputs/private/ (executed notebooks and logs included)
    machine = str(project.data.parent)
    for path in project.outputs.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".csv", ".json", ".log"):
            content = path.read_text(encoding="utf-8")
            if "private" not in path.relative_to(project.outputs).parts:
                assert "Smithson" not in content and "CS/24/9999" not in content, path
            if "logs" not in path.parts:
                assert machine not in content, path
    assert PLANTED in (project.outputs / "private" / "vocabulary.csv").read_text(encoding="utf-8")
    assert nb.metadata.papermill.parameters["data_dir"] == "data"
    assert nb.metadata.papermill.input_path == "council_report.ipynb"


@pytest.mark.parametrize("kernel_mode", ["preloaded", "fresh"])
def test_a_tiny_report_hides_code_removes_tagged_cells_and_embeds_images(plain, tmp_path, kernel_mode, request):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    shared = {"executor": request.getfixturevalue("workers")} if kernel_mode == "preloaded" else {}
    options = fast(notebook, councils=["dorset"], years=["2023-24"], public=True, kernel=kernel_mode, **shared)
    status, text = run(plain, options)
    assert status == 0, text
    html = (plain.outputs / "dorset" / "2023-24" / "report.html").read_text(encoding="utf-8")
    assert "Report for dorset, 2023-24, public=True" in html
    assert CODE not in html and HIDDEN not in html
    assert f"data:image/png;base64,{PNG}" in html
    head = html.split("</head>")[0]  # nothing is fetched to show the page: no script, stylesheet or font
    assert "<script" not in head and "<link" not in head and "@import" not in head
    assert not re.search(r"url\((?!data:)", html)


# --------------------------------------------------------------------------- failures


def test_one_failing_report_does_not_stop_the_others(plain, tmp_path, workers):
    notebook = tiny_notebook(tmp_path / "failing.ipynb", fail_for="dudley")
    good = plain.outputs / "dudley" / "2022-23" / "report.html"
    good.parent.mkdir(parents=True)
    good.write_text("the last good report: a failed run must not delete it")
    (good.parent / ".fingerprint").write_text("an earlier run's\n")
    status, text = run(
        plain, fast(notebook, councils=["dudley", "dorset"], years=["2022-23", "2023-24"], executor=workers)
    )
    assert status == 1
    assert counts(text) == (1, 0, 1)
    assert "FAILED dudley 2022-23: ValueError: no report can be made for dudley" in text
    # the run's log file: options, input hashes, each report's outcome and time, no kernel shutdown noise
    (log_file,) = (plain.outputs / "logs").glob("*.log")
    logged = log_file.read_text(encoding="utf-8")
    assert '"councils": ["dudley", "dorset"]' in logged and "sha256" in logged
    assert re.search(r"built dorset 2023-24 in \d+\.\d s", logged)
    assert "FAILED dudley 2022-23" in logged and "KeyboardInterrupt" not in logged + text
    failed = plain.outputs / "dudley" / "2022-23"
    # a fault never deletes a good report: it stays, without its fingerprint, so the next run retries it
    assert good.read_text() == "the last good report: a failed run must not delete it"
    assert not (failed / ".fingerprint").exists()
    kept = nbformat.read(failed / FAILED_IPYNB, as_version=4)
    errors = [o for c in kept.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"
    assert (plain.outputs / "dorset" / "2023-24" / "report.html").exists()
    index = (plain.outputs / "index.html").read_text(encoding="utf-8")
    assert f'href="dudley/2022-23/{FAILED_IPYNB}"' in index and "not rebuilt" in index
    assert 'href="dudley/2022-23/report.html"' in index  # still linked
    assert not (plain.outputs / ".manifest.json").exists()  # a failed run is never "up to date"

    # fixed (the notebook changed, so both are rebuilt): the failure is cleared
    status, text = run(
        plain,
        fast(tiny_notebook(notebook), councils=["dudley", "dorset"], years=["2022-23", "2023-24"], executor=workers),
    )
    assert status == 0, text
    assert counts(text) == (2, 0, 0)
    assert (failed / "report.html").exists() and not (failed / FAILED_IPYNB).exists()


# --------------------------------------------------------------------------- skipping


def test_unchanged_reports_are_skipped_and_force_reruns(plain, tmp_path, workers):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    options = fast(notebook, councils=["dudley", "dorset"], years=["2022-23", "2023-24"], executor=workers)
    status, text = run(plain, options)
    assert status == 0 and counts(text) == (2, 0, 0)

    status, text = run(plain, options)  # nothing changed: stops after hashing the inputs
    assert status == 0 and "up to date" in text

    status, text = run(
        plain, fast(notebook, councils=["dudley", "dorset"], years=["2022-23", "2023-24"], force=True, executor=workers)
    )
    assert status == 0 and counts(text) == (2, 0, 0)

    # a later year's figure changes: no report of these years reads it, none is rebuilt
    edit_csv(
        plain.published / "dudley" / "2024-25_news_article.csv",
        lambda f: f.assign(note=f["note"].where(f["year"] != "2024-25", "edited for a test")),
    )
    status, text = run(plain, options)
    assert status == 0 and counts(text) == (0, 2, 0)

    # one council's data of these years changes: only its report is rebuilt
    edit_csv(
        plain.published / "dudley" / "2022-23_annual_report.csv",
        lambda f: f.assign(note=f["note"].where(f.index != 0, "edited for a test")),
    )
    status, text = run(plain, options)
    assert status == 0 and counts(text) == (1, 1, 0)

    # a deleted report is rebuilt, the rest skipped
    (plain.outputs / "dorset" / "2023-24" / "report.html").unlink()
    status, text = run(plain, options)
    assert status == 0 and counts(text) == (1, 1, 0)


def test_a_rerun_with_nothing_changed_does_not_import_pandas(plain, tmp_path, workers):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    status, text = run(plain, fast(notebook, councils=["dorset"], years=["2023-24"], executor=workers))
    assert status == 0, text
    script = (
        "import sys; from complaints.cli import main; "
        f"s = main(['reports', '--data', {str(plain.data)!r}, '--outputs', {str(plain.outputs)!r}, "
        f"'--council', 'dorset', '--year', '2023-24', '--notebook', {str(notebook)!r}, '--formats', 'html']); "
        "print('pandas' in sys.modules, 'papermill' in sys.modules); sys.exit(s)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "up to date" in done.stderr and done.stdout.strip().endswith("False False"), done.stdout


# --------------------------------------------------------------------------- selection

JOBS = [Job("dorset", "2022-23"), Job("dorset", "2023-24"), Job("dudley", "2023-24"), Job("dudley", "2024-25")]


class TestSelectJobs:
    def test_all_by_default(self):
        assert select_jobs(JOBS, [], []) == JOBS

    def test_subset(self):
        assert select_jobs(JOBS, ["dudley"], []) == JOBS[2:]
        assert select_jobs(JOBS, [], ["2023-24"]) == [JOBS[1], JOBS[2]]
        assert select_jobs(JOBS, ["dorset", "dudley"], ["2024-25"]) == [JOBS[3]]

    def test_unknown_council_lists_the_valid_ones(self):
        with pytest.raises(SelectionError, match=r"unknown council york: .*dorset, dudley"):
            select_jobs(JOBS, ["york"], [])

    def test_unknown_year_lists_the_valid_ones(self):
        with pytest.raises(SelectionError, match=r"unknown year 2030-31: .*2022-23, 2023-24, 2024-25"):
            select_jobs(JOBS, [], ["2030-31"])

    def test_council_and_year_without_a_report(self):
        with pytest.raises(SelectionError, match="no report for dorset in 2024-25"):
            select_jobs(JOBS, ["dorset"], ["2024-25"])


def test_command_line_rejects_an_unknown_council(project, capsys):
    status = main(["reports", "--data", str(project.data), "--outputs", str(project.outputs), "--council", "york"])
    assert status == 2
    assert "unknown council york" in capsys.readouterr().err


def test_command_line_rejects_an_unknown_year(project, tmp_path, capsys):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    status = main(
        [
            "reports",
            "--data",
            str(project.data),
            "--outputs",
            str(project.outputs),
            "--year",
            "1999-00",
            "--notebook",
            str(notebook),
            "--jobs",
            "1",
        ]
    )
    assert status == 2
    err = capsys.readouterr().err
    assert "unknown year 1999-00" in err and "2024-25" in err


def test_parameters_are_plain_python(project):
    params = job_parameters(project, Job(np.str_("dudley"), np.str_("2024-25")), np.bool_(True))
    assert params == {
        "council": "dudley",
        "year": "2024-25",
        "data_dir": "data",  # relative to the folder the kernel runs in: no machine path in a notebook
        "outputs_dir": "outputs",
        "public": True,
        "kind": "council",
    }
    assert all(type(v) in (str, bool) for v in params.values())
    elsewhere = Paths(data=project.data, outputs=project.data.parent.parent / "elsewhere" / "outputs")
    assert job_parameters(elsewhere, Job("benchmark", "2024-25"), False) == {
        "year": "2024-25",
        "councils": "",
        "data_dir": "data",
        "outputs_dir": "../elsewhere/outputs",
        "public": False,
    }


# --------------------------------------------------------------------------- index


def test_index_lists_reports_newest_year_first_with_links_that_exist(project):
    out = project.outputs
    for c, y in [("dudley", "2022-23"), ("dudley", "2024-25"), ("dorset", "2023-24")]:
        (out / c / y).mkdir(parents=True)
        (out / c / y / "report.html").write_text("<html></html>")
    (out / "dorset" / "2022-23").mkdir(parents=True)
    (out / "dorset" / "2022-23" / FAILED_IPYNB).write_text("{}")
    (out / "benchmark" / "2024-25").mkdir(parents=True)
    (out / "benchmark" / "2024-25" / "report.html").write_text("<html></html>")
    (out / "metrics.csv").write_text("")
    (out / "audit.csv").write_text("")
    jobs = [
        Job("dorset", "2022-23"),
        Job("dorset", "2023-24"),
        Job("dudley", "2022-23"),
        Job("dudley", "2024-25"),
        Job("telford-wrekin", "2024-25"),
    ]
    html = write_index(project, jobs).read_text(encoding="utf-8")
    page = parse(html)
    assert page.lang == "en-GB"
    assert page.headings[0] == 1 and all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:]))
    for href in page.hrefs:
        assert (out / href).exists(), href
    reports = [h for h in page.hrefs if h.endswith(("report.html", FAILED_IPYNB)) and not h.startswith("benchmark")]
    first_table = reports[:4]
    assert first_table == [
        "dudley/2024-25/report.html",
        "dorset/2023-24/report.html",
        f"dorset/2022-23/{FAILED_IPYNB}",
        "dudley/2022-23/report.html",
    ]
    assert "metrics.csv" in page.hrefs and "audit.csv" in page.hrefs
    assert "benchmark/2024-25/report.html" in page.hrefs
    assert "failed" in html and "not built" in html  # telford-wrekin was never built
    assert "Telford" in html  # council names from their configuration
