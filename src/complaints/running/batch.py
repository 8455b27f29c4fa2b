"""Running the council report for every council and year: the batch behind `complaints reports`.

A batch is a list of jobs (council, year, kind); each job executes notebooks/council_report.ipynb
with papermill into outputs/<council>/<year>/report.ipynb (outputs/demonstration/... for a synthetic
demonstration, outputs/benchmark/<year>/ for councils side by side) and exports it to report.html
(code hidden, cells tagged `remove_cell` removed, images embedded, one self-contained file).

What makes it fast, in the order it matters:
- nothing to do is found out from file hashes alone (`up_to_date`), before pandas is imported;
- a report whose inputs are unchanged is skipped (`report_fingerprint`, stored beside it);
- a pool of worker processes, one per core, each importing papermill and nbconvert once and
  exporting HTML in-process (the command-line tools pay for both on every report);
- kernels forked from a fork server that has already imported ipykernel and what the notebook
  imports (see complaints.running.kernel), started once the inputs are known to be valid, while
  the CSVs are written;
- workers of your own: `Options.executor` takes a concurrent.futures executor (see `worker_pool`),
  so that a long-lived process (or another machine's executor) pays for the imports once.

What a failure does: see `run_job`. This module imports only the standard library at the top,
so that `complaints reports` can decide there is nothing to do in a fraction of a second.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..inputs.paths import BENCHMARK, CODE, CODE_DEMONSTRATION, DEMONSTRATION, LOCK_FILE, PACKAGE, REPORT_HTML, Paths

MANIFEST = ".manifest.json"
FINGERPRINT = ".fingerprint"
KERNEL_MODES = ("inprocess", "preloaded", "fresh")
# What an in-process worker imports before its first report, beyond the notebooks' own imports: what those
# import only when first used (the SVG backend, Pillow's PNG, the PDF and Word libraries), so that no report's
# forked child pays for it.
INPROCESS_PRELOAD = (
    "numpy",
    "pandas",
    "scipy.stats",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg",
    "seaborn",
    "PIL.Image",
    "PIL.PngImagePlugin",
    "reportlab.platypus",
    "docx",
    "complaints.reporting.pdf",
    "complaints.reporting.word",
)
FORMATS = ("html", "pdf", "docx")  # html always; pdf and docx are written by the notebook's last cell

log = logging.getLogger(__name__)


class SelectionError(ValueError):
    """--council/--year asked for something there is no report for."""


@dataclass(frozen=True, order=True)
class Job:
    """One report: a council's (kind 'council'), a synthetic demonstration (kind 'demonstration'), or
    councils side by side (council 'benchmark')."""

    council: str
    year: str
    kind: str = "council"

    @property
    def name(self) -> str:
        what = " Complaint Handling Code report" if self.is_code else ""
        return f"{self.council} {self.year}{what}" + (" (synthetic demonstration)" if self.is_demonstration else "")

    @property
    def is_benchmark(self) -> bool:
        return self.council == BENCHMARK

    @property
    def is_demonstration(self) -> bool:
        return self.kind in (DEMONSTRATION, CODE_DEMONSTRATION)

    @property
    def is_code(self) -> bool:
        """The Complaint Handling Code's annual report (from 2026-27), not the council report."""
        return self.kind in (CODE, CODE_DEMONSTRATION)


@dataclass
class Outcome:
    job: Job
    status: str  # built | skipped | failed
    seconds: float = 0.0
    error: str = ""
    kernel_output: str = ""  # what the kernel wrote to its stdout and stderr, apart from shutdown noise


@dataclass
class Options:
    councils: list[str] = field(default_factory=list)  # empty: all
    years: list[str] = field(default_factory=list)  # empty: all
    jobs: int = 0  # worker processes; 0: one per CPU
    force: bool = False
    public: bool = False
    set_aside: bool = False  # invalid record rows set aside into outputs/private/records_set_aside/ instead of stopping
    notebook: Path | None = None  # default: the project's council report
    # inprocess: each report's cells run in a child forked from its worker, no kernel (running/inprocess.py);
    # preloaded: kernels forked from a fork server; fresh: an ordinary kernel process per report
    kernel: str = "inprocess"
    progress: bool = True
    preload: tuple[str, ...] | None = None  # fork server's imports; None: BASE_PRELOAD + the notebook's
    formats: tuple[str, ...] = FORMATS  # what each report is written as: html, and pdf and docx
    # Workers of your own (a concurrent.futures executor whose workers ran `init_worker`, see worker_pool):
    # the batch submits to it and leaves it running. None: the batch starts and stops a process pool.
    executor: object = None

    def notebook_path(self, paths: Paths) -> Path:
        return Path(self.notebook or paths.council_notebook).resolve()

    def notebook_for(self, paths: Paths, job: Job) -> Path:
        if job.is_benchmark:
            return paths.benchmark_notebook.resolve()
        return paths.code_notebook.resolve() if job.is_code else self.notebook_path(paths)


# --------------------------------------------------------------------------- fingerprints


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def hash_file(path: Path) -> str:
    """The file's SHA-256, computed once per version of the file (its mtime and size) in a process:
    every report's fingerprint names the definitions and its council's files, and a batch has many."""
    info = path.stat()
    return _hash_file(path, (info.st_mtime_ns, info.st_size))


@functools.lru_cache(maxsize=4096)
def _hash_file(path: Path, stamp: tuple) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def hash_tree(folder: Path, exclude: tuple[str, ...] = ()) -> dict[str, str]:
    """{relative path: sha256} of every file under folder, except the top-level folders in exclude."""
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(folder):
        rel_dir = Path(dirpath).relative_to(folder)
        if rel_dir == Path("."):
            dirnames[:] = [d for d in dirnames if d not in exclude]
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            path = Path(dirpath) / name
            out[(rel_dir / name).as_posix()] = hash_file(path)
    return dict(sorted(out.items()))


def code_digest(notebook: Path) -> str:
    """The notebook, the package (its code, and the templates and style sheet the reports are
    rendered with) and the lock file: what every report depends on."""
    parts = [hash_file(notebook)]
    parts += [
        f"{path}:{digest}"
        for path, digest in hash_tree(PACKAGE, exclude=("notebooks",)).items()
        if not path.endswith((".pyc", ".pyo"))
    ]
    parts.append(hash_file(LOCK_FILE) if LOCK_FILE is not None and LOCK_FILE.exists() else _installed_versions())
    return _digest(*parts)


def _installed_versions() -> str:
    """Without a lock file (an installed package): the versions of the packages installed."""
    import importlib.metadata

    return json.dumps(sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()))


def run_fingerprint(paths: Paths, options: Options) -> str:
    """Everything the whole run depends on: data/ (real extracts in data/private included: only this
    digest is stored), notebook, code, lock, options."""
    notebook = options.notebook_path(paths)
    data = hash_tree(paths.data)
    data["benchmark notebook"] = hash_file(paths.benchmark_notebook) if paths.benchmark_notebook.exists() else ""
    data["code notebook"] = hash_file(paths.code_notebook) if paths.code_notebook.exists() else ""
    chosen = {
        "councils": sorted(set(options.councils)),
        "years": sorted(set(options.years)),
        "public": options.public,
        "set_aside": options.set_aside,
        "notebook": str(notebook),
        "data": str(paths.data),
        "formats": sorted(options.formats),
    }
    return _digest(json.dumps(data, sort_keys=True), code_digest(notebook), json.dumps(chosen, sort_keys=True))


@functools.lru_cache(maxsize=64)
def _csv_rows(path: Path, stamp: tuple) -> tuple[list[str], list[list[str]]]:
    """An output or input CSV as (header, rows), read once per version of the file (stamp: mtime, size)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    while rows and (not rows[0] or rows[0][0].lstrip().startswith("#")):  # comment lines above the header
        rows = rows[1:]
    return (rows[0], rows[1:]) if rows else ([], [])


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]] | None:
    if not path.is_file():
        return None
    info = path.stat()
    return _csv_rows(path, (info.st_mtime_ns, info.st_size))


def _year_of(header: list[str]):
    """How a row of a CSV names its financial year: the `year` column, or the year of `month` or `date`."""
    for column, convert in (("year", str), ("report_year", str), ("month", _month_year), ("date", _date_year)):
        if column in header:
            i = header.index(column)
            return lambda row: convert(row[i]) if len(row) > i else ""
    return None


def _month_year(month: str) -> str:  # 2024-05 -> 2024-25; 2025-02 -> 2024-25
    try:
        y, m = int(month[:4]), int(month[5:7])
    except ValueError:
        return ""
    start = y if m >= 4 else y - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _date_year(day: str) -> str:
    return _month_year(day[:7])


@functools.lru_cache(maxsize=64)
def _by_council(path: Path, stamp: tuple) -> dict[str, list[list[str]]]:
    """A CSV's rows by their council (once per version of the file): a report's fingerprint reads its
    council's rows, so a batch reads each file's rows once, not once a report (which grew with the square
    of the councils)."""
    header, rows = _csv_rows(path, stamp)
    col = header.index("council")
    out: dict[str, list[list[str]]] = {}
    for r in rows:
        out.setdefault(r[col] if len(r) > col else "", []).append(r)
    return out


def _rows_of(path: Path, council: str | None, years=None) -> str:
    """The header and the rows of a CSV for one council (None: every council) whose financial year passes
    `years` (None: every year), as text: what a report reads of the file, and no more."""
    read = _read_rows(path)
    if read is None:
        return "missing"
    header, rows = read
    if not header:
        return ""
    if council is not None and "council" in header:
        info = path.stat()
        rows = _by_council(path, (info.st_mtime_ns, info.st_size)).get(council, [])
    year_of = _year_of(header) if years is not None else None
    keep = [r for r in rows if year_of is None or years(year_of(r))]
    return json.dumps([header, *keep])


def report_fingerprint(paths: Paths, job: Job, parameters: dict, code: str) -> str:
    """What one report depends on, and no more: code (notebook, package, lock) and parameters; for a council's
    report, that council's rows of every output CSV, of its published files and of the learning actions for
    its year and the years before (a report shows no later year), its configuration, the definitions, and
    the source documents its rows quote; for a benchmarking report, every council's rows of its year and the
    year before (changes and the public version's withheld cells involve it) and those councils'
    configurations. Another council's data, or a later year's, changing does not change it."""
    parts = [code, json.dumps(parameters, sort_keys=True)]
    if job.is_benchmark:
        wanted = {job.year, _previous_year(job.year)}
        in_year = wanted.__contains__
        for table in (
            paths.metrics_csv,
            paths.figures_csv,
            paths.monthly_csv,
            paths.changes_csv,
            paths.record_files_csv,
        ):
            parts.append(_rows_of(table, None, in_year))
        councils = _councils_in(paths.metrics_csv, wanted)
        parts += [
            f"{c}:{hash_file(paths.councils / f'{c}.toml')}"
            for c in councils
            if (paths.councils / f"{c}.toml").exists()
        ]
        parts.append(json.dumps(hash_tree(paths.definitions)))
        return _digest(*parts)
    up_to = lambda year: bool(year) and year <= job.year  # noqa: E731
    for table in (
        paths.metrics_csv,
        paths.audit_csv,
        paths.figures_csv,
        paths.monthly_csv,
        paths.changes_csv,
        paths.record_files_csv,
    ):
        parts.append(_rows_of(table, job.council, up_to))
    config = paths.councils / f"{job.council}.toml"
    parts.append(hash_file(config) if config.exists() else "no config")
    # its published rows (a file without rows, such as new-year's template, gives none)
    folder = paths.published / job.council
    for path in sorted(folder.glob("*.csv")):
        rows = _rows_of(path, job.council, up_to)
        if rows not in ("", "missing") and json.loads(rows)[1:]:  # a file of later years only is not read
            parts.append(f"{path.name}:{rows}")
    parts.append(json.dumps(hash_tree(paths.definitions)))
    # its source documents (the provenance table gives their hashes), and the titles of this year's
    documents = _documents_read(paths, job.council, job.year)
    parts.append(_rows_of(paths.sources_file, job.council, lambda y: y == job.year))
    parts += [hash_file(paths.source_documents / n) if (paths.source_documents / n).is_file() else n for n in documents]
    # the council's learning actions, shown in the report
    parts += [_rows_of(path, job.council, up_to) for path in sorted(paths.learning.glob("*.csv"))]
    if job.is_code:  # the Code report's own inputs: that council's files of that year
        folder = paths.code_inputs / job.council
        parts += [f"{p.name}:{hash_file(p)}" for p in sorted(folder.glob(f"{job.year}_*")) if p.is_file()]
    return _digest(*parts)


def _previous_year(year: str) -> str:
    start = int(year[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _councils_in(path: Path, years: set[str]) -> list[str]:
    read = _read_rows(path)
    if read is None or "council" not in read[0] or "year" not in read[0]:
        return []
    c, y = read[0].index("council"), read[0].index("year")
    return sorted({r[c] for r in read[1] if len(r) > max(c, y) and r[y] in years})


def _documents_read(paths: Paths, council: str, year: str) -> list[str]:
    """The source documents a council report of `year` names: those its figures of that year and before
    quote (figures.csv, column `source`), and the documents reporting on that year (sources.csv)."""
    names: set[str] = set()
    read = _read_rows(paths.figures_csv)
    if read is not None and {"council", "year", "source"} <= set(read[0]):
        c, y, s = (read[0].index(k) for k in ("council", "year", "source"))
        info = paths.figures_csv.stat()
        mine = _by_council(paths.figures_csv, (info.st_mtime_ns, info.st_size)).get(council, [])
        names |= {r[s] for r in mine if len(r) > max(c, y, s) and r[c] == council and r[y] <= year and r[s]}
    read = _read_rows(paths.sources_file)
    if read is not None and {"council", "report_year", "source"} <= set(read[0]):
        c, y, s = (read[0].index(k) for k in ("council", "report_year", "source"))
        names |= {r[s] for r in read[1] if len(r) > max(c, y, s) and r[c] == council and r[y] == year}
    return sorted(names)


# --------------------------------------------------------------------------- the manifest


def manifest_path(paths: Paths) -> Path:
    return paths.outputs / MANIFEST


def up_to_date(paths: Paths, fingerprint: str) -> bool:
    """True when the last complete run had this fingerprint and all its outputs still exist."""
    try:
        manifest = json.loads(manifest_path(paths).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("fingerprint") != fingerprint:
        return False
    return all((paths.outputs / rel).exists() for rel in manifest.get("outputs", []))


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if isinstance(data, str):
            temp.write_text(data, encoding="utf-8")
        else:
            temp.write_bytes(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_manifest(paths: Paths, fingerprint: str, outputs: list[str]) -> None:
    write_atomic(
        manifest_path(paths), json.dumps({"fingerprint": fingerprint, "outputs": sorted(outputs)}, indent=1) + "\n"
    )


# --------------------------------------------------------------------------- jobs


def select_jobs(jobs: list[Job], councils: list[str], years: list[str]) -> list[Job]:
    """The jobs asked for with --council/--year; SelectionError names what exists."""
    valid_councils = sorted({j.council for j in jobs})
    valid_years = sorted({j.year for j in jobs})
    unknown = [c for c in councils if c not in valid_councils]
    if unknown:
        raise SelectionError(
            f"unknown council {', '.join(unknown)}: councils with a report are {', '.join(valid_councils)}"
        )
    unknown = [y for y in years if y not in valid_years]
    if unknown:
        raise SelectionError(f"unknown year {', '.join(unknown)}: years with a report are {', '.join(valid_years)}")
    chosen = [j for j in jobs if (not councils or j.council in councils) and (not years or j.year in years)]
    if not chosen:
        have = "; ".join(f"{c}: {', '.join(j.year for j in jobs if j.council == c)}" for c in valid_councils)
        raise SelectionError(f"no report for {', '.join(councils)} in {', '.join(years)} (years by council: {have})")
    return chosen


def check_councils(paths: Paths, councils: list[str]) -> None:
    """Fail fast on a council with no configuration (before anything is started or computed)."""
    known = sorted(p.stem for p in paths.councils.glob("*.toml"))
    unknown = [c for c in councils if c not in known]
    if unknown:
        raise SelectionError(f"unknown council {', '.join(unknown)}: councils are {', '.join(known)}")


def plain(value):
    """numpy and pandas scalars to plain Python, so they cross into the notebook as literals."""
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def working_folder(paths: Paths) -> Path:
    """Where report kernels run: the folder holding data/, so that the notebooks' parameters name
    the data and outputs folders relative to it ("data", "outputs") and an executed notebook
    carries no path of the machine it ran on (a user name, say)."""
    return paths.data.parent


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def job_parameters(paths: Paths, job: Job, public: bool) -> dict:
    """The notebook's parameters. Folders are relative to `working_folder(paths)`."""
    here = working_folder(paths)
    folders = {"data_dir": _relative(paths.data, here), "outputs_dir": _relative(paths.outputs, here)}
    if job.is_benchmark:
        return {"year": str(plain(job.year)), "councils": "", **folders, "public": bool(plain(public))}
    return {
        "council": str(plain(job.council)),
        "year": str(plain(job.year)),
        **folders,
        "public": bool(plain(public)),
        "kind": str(job.kind),
    }


def report_files(paths: Paths, job: Job) -> dict[str, Path]:
    folder = paths.report_dir(job.council, job.year, job.kind)
    return {
        "dir": folder,
        "pdf": folder / "report.pdf",
        "docx": folder / "report.docx",
        "html": paths.report_html(job.council, job.year, job.kind),
        "ipynb": paths.report_ipynb(job.council, job.year, job.kind),
        "failed": paths.report_failed(job.council, job.year, job.kind),
        "fingerprint": folder / FINGERPRINT,
        "contents": paths.report_contents(job.council, job.year, job.kind),
    }


def is_current(paths: Paths, job: Job, fingerprint: str, formats: tuple[str, ...] = ("html",)) -> bool:
    files = report_files(paths, job)
    try:
        stored = files["fingerprint"].read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return stored == fingerprint and all(files[f].exists() for f in ("ipynb", *formats))


# --------------------------------------------------------------------------- one report (in a worker)

# nbconvert's "lab" template links require.js, MathJax and mermaid from CDNs in <head>; a report
# uses none of them, so they are left out and the file opens anywhere, offline included. Nor does it
# use JupyterLab's style sheets (about 260 KB) or pygments' code colours (no code is shown): the
# report's own (reporting/templates/report.css) is in its first section, so <head> carries only its
# title and a few lines for the notebook's own wrappers.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head -%}
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{{ resources['metadata']['name'] | escape_html_keep_quotes }}</title>
<style type="text/css">
body { margin: 0 auto; padding: 0.5rem 1rem 2rem; max-width: 62rem; background: #fff; color: #1b1b1b; }
.jp-Cell, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output { margin: 0; padding: 0; }
.jp-OutputPrompt, .jp-InputPrompt, .jp-Collapser, .jp-InputArea { display: none; }
@media print { body { padding: 0; max-width: none; } }
</style>
{%- endblock html_head -%}
"""


def make_exporter():
    """An HTMLExporter for shared reports: inputs and prompts hidden, `remove_cell` cells removed,
    images embedded, CSS inlined, no scripts loaded from elsewhere."""
    import jinja2
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    config.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(
        config=config,
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"complaints_report.html.j2": TEMPLATE})],
        template_file="complaints_report.html.j2",
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    exporter.language_code = "en-GB"
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    return exporter


def export_html(nb, exporter, title: str) -> str:
    body, _resources = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


_WORKER: dict = {}


def init_worker(settings: dict) -> None:
    """Once per worker process: import papermill and nbconvert, build the exporter, connect to
    the fork server (if any)."""
    from . import kernel

    if settings.get("forkserver") and settings.get("parent"):  # its parent is the fork server, not the batch
        _exit_with(int(settings["parent"]))
    elif settings.get("parent"):
        kernel.die_with_parent(int(settings["parent"]))
    os.environ.update(kernel.jupyter_env())
    if settings.get("run_dir"):  # kernels' connection files and logs: removed with the run's folder
        _WORKER["run_dir"] = settings["run_dir"]
        os.environ["JUPYTER_RUNTIME_DIR"] = str(Path(settings["run_dir"]) / "runtime")
    import papermill  # noqa: F401

    _WORKER["exporter"] = make_exporter()
    _WORKER["settings"] = settings
    _WORKER["kernel_note"] = ""
    if settings.get("inprocess"):  # no kernels: the notebook's imports, once, for every report's forked child
        import importlib

        from . import inprocess

        _WORKER["mode"] = "inprocess"
        for module in settings.get("preload") or ():
            try:
                importlib.import_module(module)
            except Exception as exc:  # the report that needs it will fail and say why
                log.debug("could not preload %s: %s", module, exc)
        import nbformat

        # the export's templates are compiled on first use: once here, not in every report's child
        export_html(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("warm-up")]), _WORKER["exporter"], "")
        inprocess.preload()
        return
    client = None
    if settings.get("fork_address"):
        try:
            client = kernel.ForkClient(settings["fork_address"])
            client.hello  # noqa: B018 - wait until it is ready
        except (OSError, RuntimeError) as exc:
            client = None  # fall back to ordinary kernels, and say so
            _WORKER["kernel_note"] = (
                f"the kernel fork server could not be reached ({exc}); ordinary kernels were started"
            )
    _WORKER["manager_class"] = kernel.manager_class(client)
    _WORKER["settings"] = settings


def _exit_with(pid: int) -> None:
    """End this worker as soon as process `pid` (the batch) ends, however it ends (kill -9 included), so that
    no worker goes on building reports into an outputs folder whose run is over: a thread waits on the
    process (a pidfd on Linux; elsewhere it looks every half second). The report being built goes with it
    (its child asked to die with its worker)."""
    import select
    import threading

    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None

    def watch() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:
            while _alive(pid):
                time.sleep(0.5)
        os._exit(1)

    if fd is None and not _alive(pid):
        os._exit(1)
    threading.Thread(target=watch, name="exit-with-the-batch", daemon=True).start()


def _clear(*files: Path) -> None:
    for f in files:
        f.unlink(missing_ok=True)


def _failed_before_running(notebook: Path, target: Path, error: str) -> None:
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:
        nb = nbformat.v4.new_notebook()
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"**This report failed before any cell ran:** `{error}`"))
    write_atomic(target, nbformat.writes(nb))


def _readable_notebook(path: Path) -> bool:
    """Whether papermill left a whole notebook (a full disk can leave half of one)."""
    import nbformat

    try:
        nbformat.read(path, as_version=4)
    except Exception:
        return False
    return True


def _without_machine_paths(nb, path: Path, notebook: str, output: str) -> None:
    """papermill records the absolute paths it read from and wrote to in the notebook's metadata:
    keep only the file names, so that an executed notebook says nothing about the machine. It also
    gives the cell of parameters it injects a random id, which would make two builds of the same
    report differ: the id becomes the cell's tag."""
    import nbformat

    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["input_path"], meta["output_path"] = notebook, output
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    nbformat.write(nb, str(path))


def run_job(task: dict) -> dict:
    """Execute and export one report (see `_run_job`): in a child forked from this worker when the
    worker runs notebooks in-process, so that each report has a process of its own."""
    if _WORKER.get("mode") != "inprocess":
        return _run_job(task)
    from .inprocess import run_forked

    start = time.perf_counter()
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115
        prefix="complaints-report-", suffix=".log", delete=False, dir=_WORKER.get("run_dir")
    )
    log_file.close()
    try:
        result = run_forked(_run_job, task, log_file.name)
        output = kernel_output(Path(log_file.name))
    finally:
        _clear(Path(log_file.name))
    if "council" not in result:  # the child died: what it would have done on a failure
        files = {k: Path(v) for k, v in task["files"].items()}
        _clear(files["fingerprint"])
        with contextlib.suppress(OSError):
            _failed_before_running(Path(task["notebook"]), files["failed"], result["error"])
        result.update(council=task["council"], year=task["year"], kernel_note="")
    result["kernel_output"] = "\n".join(x for x in (result.get("kernel_output", ""), output) if x)
    result["seconds"] = time.perf_counter() - start
    return result


def _run_job(task: dict) -> dict:
    """Execute and export one report. Returns {council, year, status, seconds, error}.

    Success: report.ipynb, report.html (and the PDF, Word and contents files asked for) are
    replaced, each written to a temporary file first; the old .fingerprint goes first and the new
    one is written last, so a run killed in between leaves a report the next run rebuilds. Any
    report.failed.ipynb from an earlier run is removed.
    Failure (an error in a cell, a kernel that died, a full disk): the executed notebook, with the
    traceback in the failing cell, is kept as report.failed.ipynb when it can be written; the last
    good report stays where it was (a fault never deletes a good report), and only its
    .fingerprint is removed, so that the next run tries again. The index marks it as not rebuilt.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from .kernel import KERNEL_NAME

    start = time.perf_counter()
    job = Job(task["council"], task["year"], task["kind"])
    files = {k: Path(v) for k, v in task["files"].items()}
    files["dir"].mkdir(parents=True, exist_ok=True)
    temp_nb = files["dir"] / f".report.tmp-{os.getpid()}.ipynb"
    temp_html = files["dir"] / f".{REPORT_HTML}.tmp-{os.getpid()}"
    formats = tuple(task.get("formats", ("html",)))
    # The notebook writes these: their names go into it as a parameter, so they name no process and no
    # machine folder (relative to where the kernel runs). One run at a time holds the outputs folder.
    temps = {f: files["dir"] / f".report.{f}.tmp-new" for f in (*formats, "contents") if f != "html"}
    cwd = task.get("cwd") or str(Path(task["notebook"]).parent)
    parameters = dict(task["parameters"], exports={f: _relative(p, Path(cwd)) for f, p in temps.items()})
    result = {
        "council": job.council,
        "year": job.year,
        "status": "built",
        "error": "",
        "kernel_note": _WORKER.get("kernel_note", ""),
    }
    manager = _WORKER.get("manager_class")  # None in-process: no kernel, its output goes to run_job's log
    kernel_log = None
    if manager is not None:
        kernel_log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="complaints-kernel-", suffix=".log", delete=False, dir=_WORKER.get("run_dir")
        )
        kernel_log.close()
        manager.kernel_log = kernel_log.name
    try:
        try:
            if _WORKER.get("mode") == "inprocess":
                from .inprocess import ENGINE

                how = {"engine_name": ENGINE}
            else:
                how = {"kernel_manager_class": manager}
            nb = papermill.execute_notebook(
                task["notebook"],
                str(temp_nb),
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                language="python",
                progress_bar=False,
                request_save_on_cell_execute=False,
                cwd=cwd,
                **how,
            )
            _without_machine_paths(nb, temp_nb, Path(task["notebook"]).name, files["ipynb"].name)
            temp_html.write_text(export_html(nb, _WORKER["exporter"], task["title"]), encoding="utf-8")
            # the formats asked for must be there; contents (for the index) is welcome, not required
            missing = [f for f, p in temps.items() if not p.exists() and f != "contents"]
            if missing:
                result.update(
                    status="failed",
                    error=f"the notebook wrote no {', '.join(missing)} (its last cell calls report.export(exports))",
                )
        except PapermillExecutionError as exc:
            result.update(status="failed", error=f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})")
        except Exception as exc:
            result.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        if result["status"] == "failed":
            _clear(files["fingerprint"], temp_html)  # the last good report stays; the next run retries
            try:
                if _readable_notebook(temp_nb):
                    os.replace(temp_nb, files["failed"])
                else:  # nothing ran (no kernel, say): keep the notebook with the error on top
                    _failed_before_running(Path(task["notebook"]), files["failed"], result["error"])
            except OSError as exc:  # a full disk, say: the error is still reported
                result["error"] += f"; the failed notebook could not be kept ({exc.strerror or exc})"
        else:
            _clear(files["fingerprint"])  # first: a run killed while files are moved rebuilds this one
            os.replace(temp_nb, files["ipynb"])
            os.replace(temp_html, files["html"])
            for f in ("pdf", "docx", "contents"):  # each file asked for replaces the old; one not asked for is stale
                if f in temps and temps[f].exists():
                    os.replace(temps[f], files[f])
                else:
                    _clear(files[f])
            _clear(files["failed"])
            write_atomic(files["fingerprint"], task["fingerprint"] + "\n")
    finally:
        _clear(temp_nb, temp_html, *temps.values())
        if kernel_log is not None:
            manager.close_logs()
            result["kernel_output"] = kernel_output(Path(kernel_log.name))
            _clear(Path(kernel_log.name))
    result["seconds"] = time.perf_counter() - start
    return result


SHUTDOWN_NOISE = ("KeyboardInterrupt caught in kernel",)


def kernel_output(path: Path, limit: int = 4000) -> str:
    """What a kernel wrote to its stdout and stderr, without ipykernel's harmless shutdown message."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if not any(noise in line for noise in SHUTDOWN_NOISE)]
    return "\n".join(kept).strip()[-limit:]


def _noop() -> int:
    return os.getpid()


def start_fork_server(preload: list[str], cwd: Path, directory: Path | None = None):
    """A kernel fork server that has imported `preload` (None where fork is not supported or it fails)."""
    from . import kernel

    if not kernel.fork_supported():
        return None
    try:
        return kernel.KernelForkServer(preload, cwd=cwd, directory=directory)
    except (OSError, ValueError) as exc:
        log.warning("the kernel fork server did not start (%s); ordinary kernels will be started", exc)
        return None


def worker_settings(
    fork_address: str | None = None, run_dir: Path | None = None, inprocess: bool = False, preload=(), parent=None
) -> dict:
    """What `init_worker` needs. inprocess: run each report's notebook in a child forked from the worker,
    no kernel (preload: modules the worker imports first, for every child to inherit); otherwise, given
    a fork server's address, kernels forked from it, else an ordinary kernel process per report."""
    return {
        "fork_address": fork_address,
        "parent": parent,
        "run_dir": str(run_dir) if run_dir else None,
        "inprocess": bool(inprocess),
        "preload": list(preload),
    }


def worker_pool(
    workers: int, fork_address: str | None = None, run_dir: Path | None = None, inprocess: bool = False, preload=()
):
    """A process pool whose workers have imported papermill and nbconvert (and, in-process, what the
    notebooks import; given a fork server's address, start kernels from it): what Options.executor
    expects, started now so that its imports overlap whatever comes next. The workers die with this
    process, even when it is killed."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    settings = worker_settings(fork_address, run_dir, inprocess, preload, parent=os.getpid())
    # In-process, the workers are forked from one process that has imported what they need (multiprocessing's
    # fork server, itself started afresh, not forked from this process): the imports are paid once, not once a
    # worker, and while this process checks the inputs.
    method = "forkserver" if inprocess and "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        settings["forkserver"] = True
        context.set_forkserver_preload(["complaints.running.batch", "complaints.running.inprocess", *preload])
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=init_worker,
        initargs=(settings,),
    )
    for _ in range(workers):
        pool.submit(_noop)
    return pool


RUN_FOLDER = "complaints-run-"  # <temp>/complaints-run-<pid>-<random>/: one run's kernel files


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_run_folders() -> list[Path]:
    """Remove what killed runs left in the temporary folder (kernel sockets, connection files, logs):
    every complaints-run-<pid>-* folder whose process is gone."""
    import shutil

    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{RUN_FOLDER}*-*"):
        pid = folder.name[len(RUN_FOLDER) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


# --------------------------------------------------------------------------- the batch


@dataclass
class Batch:
    """The reports part of `complaints reports`: workers and kernels, started once every input is valid."""

    paths: Paths
    options: Options
    pool: object = None
    fork_server: object = None
    names: dict[str, str] = field(default_factory=dict)  # council id -> name, for page titles
    run_dir: Path | None = None  # this run's temporary folder: fork server socket, kernel files and logs

    def start(self) -> None:
        """Start the fork server and the workers (or take the executor given in the options); once."""
        if self.pool is not None:
            return
        from . import kernel

        kernel.install_kernelspec()
        if self.options.executor is not None:
            self.pool = self.options.executor
            return
        remove_stale_run_folders()
        self.run_dir = Path(tempfile.mkdtemp(prefix=f"{RUN_FOLDER}{os.getpid()}-"))
        notebook = self.options.notebook_path(self.paths)
        imports = []
        for each in (notebook, self.paths.code_notebook, self.paths.benchmark_notebook):
            if each.exists():
                imports += [m for m in kernel.notebook_imports(each) if m not in imports]
        inprocess = self.options.kernel == "inprocess" and kernel.fork_supported()
        if self.options.kernel == "preloaded":
            preload = list(kernel.BASE_PRELOAD if self.options.preload is None else self.options.preload)
            self.fork_server = start_fork_server(preload + imports, working_folder(self.paths), self.run_dir)
        self.pool = worker_pool(
            self.options.jobs or os.cpu_count() or 1,
            getattr(self.fork_server, "address", None),
            self.run_dir,
            inprocess=inprocess,
            preload=[*INPROCESS_PRELOAD, *imports] if self.options.preload is None else self.options.preload,
        )

    def close(self) -> None:
        import shutil

        if self.pool is not None and self.pool is not self.options.executor:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None
        if self.fork_server is not None:
            self.fork_server.close()
            self.fork_server = None
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None

    def title(self, job: Job) -> str:
        """The page's <title>: the report's own heading."""
        name = self.names.get(job.council, job.council)
        if job.is_benchmark:
            return f"Complaints to children's services: councils side by side, {job.year}"
        if job.is_code:
            title = f"Annual complaints performance and service improvement report, {name}, {job.year}"
            return ("Synthetic demonstration: " + title) if job.is_demonstration else title
        if job.is_demonstration:
            return f"Synthetic demonstration: complaints to children's services, {name}, {job.year}"
        return f"Complaints to children's services: {name}, {job.year}"

    def run(self, jobs: list[Job]) -> list[Outcome]:
        """Run (or skip) every job; never raises for a failing report."""
        from concurrent.futures import as_completed

        from tqdm import tqdm

        outcomes: list[Outcome] = []
        tasks = []
        codes: dict[Path, str] = {}
        for job in jobs:
            notebook = self.options.notebook_for(self.paths, job)
            code = codes.setdefault(notebook, code_digest(notebook))
            parameters = job_parameters(self.paths, job, self.options.public)
            formats = tuple(self.options.formats)
            fingerprint = report_fingerprint(self.paths, job, {**parameters, "formats": formats}, code)
            if not self.options.force and is_current(self.paths, job, fingerprint, formats):
                outcomes.append(Outcome(job, "skipped"))
                continue
            files = {k: str(v) for k, v in report_files(self.paths, job).items()}
            tasks.append(
                {
                    "council": job.council,
                    "year": job.year,
                    "kind": job.kind,
                    "notebook": str(notebook),
                    "cwd": str(working_folder(self.paths)),
                    "parameters": parameters,
                    "fingerprint": fingerprint,
                    "files": files,
                    "formats": formats,
                    "title": self.title(job),
                }
            )
        if tasks:
            if self.pool is None:
                self.start()
            # the longest first: the workers then finish at about the same time, not one waiting on the last
            took = previous_seconds(self.paths)
            tasks.sort(key=lambda t: -expected_seconds(Job(t["council"], t["year"], t["kind"]), took))
            futures = {self.pool.submit(run_job, t): t for t in tasks}
            notes: set[str] = set()
            bar = tqdm(
                total=len(tasks), unit="report", file=sys.stderr, disable=None if self.options.progress else True
            )
            for future in as_completed(futures):
                task = futures[future]
                job = Job(task["council"], task["year"], task["kind"])
                try:
                    r = future.result()
                    outcomes.append(Outcome(job, r["status"], r["seconds"], r["error"], r.get("kernel_output", "")))
                    if r.get("kernel_note") and r["kernel_note"] not in notes:
                        notes.add(r["kernel_note"])
                        log.warning(r["kernel_note"])
                except Exception as exc:
                    outcomes.append(Outcome(job, "failed", 0.0, f"{type(exc).__name__}: {exc}"))
                bar.set_postfix_str(job.name, refresh=False)
                bar.update()
            bar.close()
        return sorted(outcomes, key=lambda o: o.job)


# How long a report of each kind takes, relative to the others, for a report never built before (the shipped
# reports, measured: a demonstration draws a dozen charts and a control chart, a Code report none).
RELATIVE_COST = {DEMONSTRATION: 3.0, "council": 1.5, BENCHMARK: 1.0, CODE: 0.3, CODE_DEMONSTRATION: 0.3}


def previous_seconds(paths: Paths) -> dict[str, float]:
    """{report name: seconds} from the last run that built it (outputs/.report-seconds.json); {} if none."""
    try:
        seen = json.loads(paths.report_seconds.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in seen.items() if isinstance(v, int | float)} if isinstance(seen, dict) else {}


def expected_seconds(job: Job, took: dict[str, float]) -> float:
    """What `job` should take: its last time, else a guess from its kind."""
    if job.name in took:
        return took[job.name]
    return RELATIVE_COST.get(BENCHMARK if job.is_benchmark else job.kind, 1.0)


def record_seconds(paths: Paths, outcomes: list[Outcome]) -> None:
    """Keep each built report's time for the next run's order (best effort: a failure to write is no error)."""
    took = previous_seconds(paths)
    took.update({o.job.name: round(o.seconds, 2) for o in outcomes if o.status == "built"})
    with contextlib.suppress(OSError):
        write_atomic(paths.report_seconds, json.dumps(took, indent=0, sort_keys=True) + "\n")


def expected_outputs(paths: Paths, jobs: list[Job], formats: tuple[str, ...] = ("html",)) -> list[str]:
    files = ["metrics.csv", "audit.csv", "figures.csv", "index.html"]
    files += [p.relative_to(paths.outputs).as_posix() for p in [paths.metrics_xlsx] if p.exists()]
    for job in jobs:
        for key in ("ipynb", "fingerprint", *formats):
            files.append(report_files(paths, job)[key].relative_to(paths.outputs).as_posix())
    return files


def summary(outcomes: list[Outcome], seconds: float, paths: Paths) -> int:
    """Log the closing lines (each report's outcome and time in the log file, failures on the terminal
    too) and return the exit status: 1 if any report failed."""
    count = {s: sum(o.status == s for o in outcomes) for s in ("built", "skipped", "failed")}
    for o in outcomes:
        if o.status == "built":
            log.debug("built %s in %.1f s", o.job.name, o.seconds)
        elif o.status == "skipped":
            log.debug("unchanged %s (skipped)", o.job.name)
    log.info(
        f"reports: {count['built']} built, {count['skipped']} unchanged (skipped), "
        f"{count['failed']} failed, in {seconds:.1f} s; index: {paths.index_html}"
    )
    for o in outcomes:
        if o.status == "failed":
            kept = report_files(paths, o.job)["failed"]
            where = f"; executed notebook kept in {kept}" if kept.exists() else ""
            log.error(f"FAILED {o.job.name}: {o.error} (after {o.seconds:.1f} s){where}")
            if o.kernel_output:
                log.debug("what the kernel of %s said:\n%s", o.job.name, o.kernel_output)
    return 1 if count["failed"] else 0


@dataclass
class Plan:
    """What a run can build, from the checked inputs."""

    reports: list[Job]  # council reports and synthetic demonstrations
    restated: list[Job]  # council-years known only from figures restated in a later year's documents


def plan_jobs(results) -> Plan:
    """A council report for every council-year that has a document of its own (a source whose report
    year it is) or a real extract (data/private/); a synthetic demonstration for every council-year with
    a shipped synthetic extract. Council-years whose only figures are restated in later documents get
    no report of their own: they appear in later reports' trends, and in the index as restated."""
    sources = results.definitions.sources
    own = {(str(c), str(y)) for c, y in zip(sources["council"], sources["report_year"])}
    files = results.record_files
    used = files[files["used"].astype(bool)] if len(files) else files
    real = {
        (str(c), str(y))
        for c, y, s in zip(used.get("council", []), used.get("year", []), used.get("synthetic", []))
        if not s
    }
    synthetic = {
        (str(c), str(y))
        for c, y, s in zip(used.get("council", []), used.get("year", []), used.get("synthetic", []))
        if s
    }
    figures = results.figures
    stated = figures[(figures["value"].notna() | figures["pct"].notna()) & (figures["basis"] != "records")]
    published = {(str(c), str(y)) for c, y in zip(stated["council"], stated["year"])}
    council_years = (own & published) | real
    reports = [Job(c, y) for c, y in council_years] + [Job(c, y, DEMONSTRATION) for c, y in synthetic]
    # the Complaint Handling Code's report, from the year it applies, for councils with a corporate procedure
    from ..inputs.code_inputs import applies

    councils = results.definitions.councils
    under_code = lambda c, y: applies(y) and "corporate" in councils[c].procedures  # noqa: E731
    reports += [Job(c, y, CODE) for c, y in council_years if under_code(c, y)]
    reports += [Job(c, y, CODE_DEMONSTRATION) for c, y in synthetic if under_code(c, y)]
    restated = [Job(c, y) for c, y in published - council_years]
    return Plan(sorted(reports), sorted(restated))


def log_years_started(paths: Paths, defs, plan: Plan) -> None:
    """A year begun (its files created by `complaints new-year`) that has no report yet: what it still needs."""
    from .new_year import missing_inputs, years_started

    reported = {(j.council, j.year) for j in plan.reports if j.kind == "council"}
    for council, year in years_started(paths, defs, reported):
        missing = missing_inputs(paths, defs, year, council)[council]
        if missing:
            log.info("%s %s: no report yet; still missing:\n  - %s", council, year, "\n  - ".join(missing))


def log_run(paths: Paths, options: Options) -> None:
    """The run's options and the SHA-256 of every input file, into the log file."""
    chosen = {
        "councils": options.councils,
        "years": options.years,
        "jobs": options.jobs,
        "force": options.force,
        "public": options.public,
        "set_aside": options.set_aside,
        "kernel": options.kernel,
        "notebook": options.notebook_path(paths).name,
        "formats": list(options.formats),
    }
    log.debug("complaints reports %s", json.dumps(chosen, sort_keys=True))
    for name, digest in hash_tree(paths.data).items():
        log.debug("input %s/%s sha256 %s", paths.data.name, name, digest)


def write_index(paths: Paths, jobs: list[Job], restated: list[Job] = (), public: bool = False) -> Path:
    """Write outputs/index.html for `jobs` (whether each report exists or failed is read from its folder)."""
    from ..reporting.index_page import render_index

    write_atomic(paths.index_html, render_index(paths, jobs, restated, public))
    return paths.index_html


def run_reports(paths: Paths, options: Options) -> int:
    """`complaints reports`: metrics, audit, every report and the index. Returns the exit status.

    Every input is read and checked, and the selection (--council, --year) matched against it,
    before anything under outputs/ is touched; then the outputs folder is locked (one run at a
    time), what a killed run left is cleared, the log file is opened and the CSVs written.

    A folder that cannot be written (a full disk, read-only) is an error with a summary and exit
    status 1: outputs written all or nothing (the CSVs, each report, the index) stay as they were,
    and reports built before are still there and still linked.
    """
    from .logs import RunLog

    start = time.perf_counter()
    fingerprint = run_fingerprint(paths, options)
    if not options.force and up_to_date(paths, fingerprint):
        log.info("outputs are up to date (%s); nothing to do", paths.outputs)
        return 0
    check_councils(paths, options.councils)
    # The workers start now, so that their imports overlap the checking of the inputs; they touch nothing
    # under outputs/, and are stopped if an input is not valid.
    batch = Batch(paths, options)
    try:
        batch.start()
        with RunLog() as run_log:  # what is logged before the file opens waits in memory (nothing if rejected)
            return _checked(paths, options, run_log, start, fingerprint, batch)
    finally:
        batch.close()


def _checked(paths: Paths, options: Options, run_log, start: float, fingerprint: str, batch: Batch) -> int:
    """run_reports once the workers are starting: check the inputs, plan the jobs, lock, write."""
    from .outputs import OutputsLock
    from .pipeline import compute

    results = compute(paths, set_aside=options.set_aside)
    plan = plan_jobs(results)
    jobs = select_jobs(plan.reports, options.councils, options.years)
    log_years_started(paths, results.definitions, plan)
    if not options.councils and paths.benchmark_notebook.exists() and options.notebook is None:
        from ..analysis.comparability import benchmark_years

        years = benchmark_years(results.metrics, results.definitions)
        jobs += [Job(BENCHMARK, y) for y in years if not options.years or y in options.years]
    # every input is valid: from here on, outputs/ changes
    lock = OutputsLock(paths.lock_file, "complaints reports")
    try:
        lock.acquire()
    except OSError as exc:
        return _cannot_write(exc, paths, time.perf_counter() - start, None)
    try:
        return _run_locked(paths, options, results, plan, jobs, fingerprint, run_log, start, batch)
    finally:
        lock.release()


def _run_locked(
    paths: Paths, options: Options, results, plan: Plan, jobs: list[Job], fingerprint, run_log, start, batch: Batch
):
    """The writing part of run_reports, with the outputs folder locked."""
    import threading

    from .outputs import remove_leftovers
    from .pipeline import write_results, write_workbooks

    batch.names = {c: council.name for c, council in results.definitions.councils.items()}
    log_path = None
    outcomes: list[Outcome] = []
    books: dict = {}

    def workbooks() -> None:
        try:
            write_workbooks(results, paths)
        except OSError as exc:
            books["error"] = exc

    try:
        for left in remove_leftovers(paths.outputs):
            log.debug("removed %s, left by a run that was stopped", left)
        batch.start()  # started before the inputs were checked, unless given workers of your own
        log_path = _open_log(run_log, paths)
        log_run(paths, options)
        manifest_path(paths).unlink(missing_ok=True)
        write_results(results, paths, workbooks=False)
        log.info(
            f"wrote {paths.metrics_csv} ({len(results.metrics)} rows), {paths.audit_csv} "
            f"({len(results.audit)} rows) and {paths.figures_csv}"
        )
        # no report reads the spreadsheets: they are written while the reports are built
        books["thread"] = threading.Thread(target=workbooks, name="workbooks", daemon=True)
        books["thread"].start()
        outcomes = batch.run(jobs)
        books["thread"].join()
    except OSError as exc:
        return _cannot_write(exc, paths, time.perf_counter() - start, outcomes)
    finally:
        if "thread" in books:
            books["thread"].join()
        batch.close()
    try:
        write_index(paths, plan.reports, plan.restated, options.public)
    except OSError as exc:
        summary(outcomes, time.perf_counter() - start, paths)
        return _cannot_write(exc, paths, time.perf_counter() - start, None, "the index (outputs/index.html)")
    if "error" in books:  # the reports and the index are written; the spreadsheets were not
        summary(outcomes, time.perf_counter() - start, paths)
        return _cannot_write(
            books["error"], paths, time.perf_counter() - start, None, "the spreadsheets (metrics.xlsx)"
        )
    record_seconds(paths, outcomes)
    status = summary(outcomes, time.perf_counter() - start, paths)
    if log_path is not None:
        log.info("log: %s", log_path)
    if status == 0:
        try:
            write_manifest(paths, fingerprint, expected_outputs(paths, jobs, tuple(options.formats)))
        except OSError as exc:
            log.warning("the run's manifest could not be written (%s): the next run will check every report", exc)
    return status


def _open_log(run_log, paths: Paths) -> Path | None:
    """The run's log file; on a folder that cannot take it, the run goes on and says so."""
    try:
        return run_log.open(paths.logs)
    except OSError as exc:
        log.warning("no log file for this run: %s cannot be written (%s)", paths.logs, exc.strerror or exc)
        return None


def _cannot_write(exc: OSError, paths: Paths, seconds: float, outcomes, what: str = "") -> int:
    """The summary of a run stopped by a folder it cannot write to; exit status 1."""
    log.debug("the error, where it happened:", exc_info=exc)
    where = exc.filename or paths.outputs
    reason = exc.strerror or str(exc)
    advice = {
        28: "free some space on that disk, then run again",
        30: "the folder is read-only: give --outputs a folder you can write to",
        13: "you may not write there: give --outputs a folder you can write to",
    }.get(exc.errno or 0, "fix the folder, then run again")
    log.error(
        f"could not write {what or where}: {reason} ({where}). Nothing written half-way was kept: "
        f"outputs built before are as they were, and every report built before is still there; {advice}."
    )
    if outcomes:
        built = sum(o.status == "built" for o in outcomes)
        log.error(f"{built} report(s) were built before it stopped, in {seconds:.1f} s")
    return 1
