"""The one place that knows where the project's files live.

Every path is built here, so notebooks, tests and the command line agree whatever the working
directory. In a clone of the project the data and outputs folders are the project's own `data/` and
`outputs/`; an installed package (a wheel) has no project around it, so it uses `data/` and
`outputs/` in the current directory unless told otherwise. Set COMPLAINTS_DATA or
COMPLAINTS_OUTPUTS, or pass --data and --outputs, to point a run at other folders.

The report notebooks ship inside the package (`complaints/notebooks` in a wheel); in a clone they
are the project's top-level `notebooks/`, which is what a wheel is built from.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# a council's identifier names its folders (outputs/<council>/<year>/): lower case, hyphenated
COUNCIL_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PACKAGE = Path(__file__).resolve().parents[1]  # src/complaints, or site-packages/complaints


def _project_root() -> Path | None:
    """The clone the package runs from (the folder with pyproject.toml above src/), or None when installed."""
    candidate = PACKAGE.parents[1]
    return candidate if (candidate / "pyproject.toml").is_file() and (candidate / "src").is_dir() else None


ROOT: Path | None = _project_root()
NOTEBOOKS = ROOT / "notebooks" if ROOT is not None else PACKAGE / "notebooks"
LOCK_FILE: Path | None = ROOT / "uv.lock" if ROOT is not None else None
REPORT_HTML = "report.html"
REPORT_IPYNB = "report.ipynb"
FAILED_IPYNB = "report.failed.ipynb"
REPORT_CONTENTS = ".contents.json"  # what a report covers, written with it, read by the index
BENCHMARK = "benchmark"  # outputs/benchmark/<year>/: the councils-side-by-side reports
DEMONSTRATION = "demonstration"  # outputs/demonstration/<council>/<year>/: reports from synthetic extracts
CODE = "code"  # outputs/<council>/<year>/code-report/: the Complaint Handling Code's annual report
CODE_DEMONSTRATION = "code-demonstration"  # outputs/demonstration/<council>/<year>/code-report/: the same, synthetic
CODE_FOLDER = "code-report"
PRIVATE = "private"  # outputs/private/: what only the analyst may see (never published, git-ignored)
LOCK = ".lock"  # outputs/.lock: held by the one run writing to the folder
RESERVED_IDS = (BENCHMARK, DEMONSTRATION, "logs", PRIVATE)  # folder names under outputs/ that no council may take


@dataclass(frozen=True)
class Paths:
    data: Path
    outputs: Path

    @property
    def definitions(self) -> Path:
        return self.data / "definitions"

    @property
    def sections_file(self) -> Path:
        return self.definitions / "sections.csv"

    @property
    def measures_file(self) -> Path:
        return self.definitions / "measures.csv"

    @property
    def metrics_definitions_file(self) -> Path:
        return self.definitions / "metrics.csv"

    @property
    def councils(self) -> Path:
        return self.data / "councils"

    @property
    def published(self) -> Path:
        return self.data / "published"

    @property
    def sources_file(self) -> Path:
        return self.published / "sources.csv"

    @property
    def source_documents(self) -> Path:
        return self.data / "sources"

    @property
    def learning(self) -> Path:
        return self.data / "learning"

    @property
    def records(self) -> Path:
        return self.data / "records"

    @property
    def private(self) -> Path:
        return self.data / "private"

    @property
    def code_inputs(self) -> Path:
        """data/code/<council>/: per year, the inputs of the Complaint Handling Code's annual report (the
        self-assessment, the Ombudsman's annual letter figures and the governance response)."""
        return self.data / "code"

    @property
    def metrics_csv(self) -> Path:
        return self.outputs / "metrics.csv"

    @property
    def audit_csv(self) -> Path:
        return self.outputs / "audit.csv"

    @property
    def figures_csv(self) -> Path:
        return self.outputs / "figures.csv"

    @property
    def monthly_csv(self) -> Path:
        return self.outputs / "monthly.csv"

    @property
    def changes_csv(self) -> Path:
        return self.outputs / "changes.csv"

    @property
    def record_files_csv(self) -> Path:
        return self.outputs / "records_files.csv"

    @property
    def metrics_xlsx(self) -> Path:
        """metrics.csv as a spreadsheet (every row); each council's rows in council_metrics_xlsx."""
        return self.outputs / "metrics.xlsx"

    def council_metrics_xlsx(self, council: str) -> Path:
        return self.outputs / council / "metrics.xlsx"

    @property
    def private_outputs(self) -> Path:
        """outputs/private/: files for the analyst's eyes only (rows of extracts, values to map). Never
        published, never linked from a report; git-ignored like every output."""
        return self.outputs / PRIVATE

    @property
    def set_aside_dir(self) -> Path:
        return self.private_outputs / "records_set_aside"

    @property
    def vocabulary_check(self) -> Path:
        """outputs/private/vocabulary.csv: every value of an extract outside its council's vocabulary,
        with its file, line and column, for the analyst to map."""
        return self.private_outputs / "vocabulary.csv"

    @property
    def lock_file(self) -> Path:
        return self.outputs / LOCK

    @property
    def chart_cache(self) -> Path:
        """outputs/.cache/charts/: each chart drawn, under a key made of its data and the drawing code, so that
        a report rebuilt after a change elsewhere redraws only the charts whose data changed."""
        return self.outputs / ".cache" / "charts"

    @property
    def report_seconds(self) -> Path:
        """outputs/.report-seconds.json: how long each report took to build last time, so that the next
        run starts the longest first (and the workers finish together)."""
        return self.outputs / ".report-seconds.json"

    @property
    def logs(self) -> Path:
        return self.outputs / "logs"

    @property
    def index_html(self) -> Path:
        return self.outputs / "index.html"

    @property
    def notebooks(self) -> Path:
        return NOTEBOOKS

    @property
    def council_notebook(self) -> Path:
        return self.notebooks / "council_report.ipynb"

    @property
    def benchmark_notebook(self) -> Path:
        return self.notebooks / "benchmark_report.ipynb"

    @property
    def code_notebook(self) -> Path:
        return self.notebooks / "code_report.ipynb"

    def report_dir(self, council: str, year: str, kind: str = "council") -> Path:
        """outputs/<council>/<year>; outputs/demonstration/<council>/<year> for a synthetic demonstration;
        outputs/benchmark/<year> for councils side by side (council 'benchmark')."""
        if kind == CODE_DEMONSTRATION:
            return self.outputs / DEMONSTRATION / council / year / CODE_FOLDER
        if kind == CODE:
            return self.outputs / council / year / CODE_FOLDER
        if kind == DEMONSTRATION:
            return self.outputs / DEMONSTRATION / council / year
        return self.outputs / council / year

    def report_html(self, council: str, year: str, kind: str = "council") -> Path:
        return self.report_dir(council, year, kind) / REPORT_HTML

    def report_ipynb(self, council: str, year: str, kind: str = "council") -> Path:
        return self.report_dir(council, year, kind) / REPORT_IPYNB

    def report_failed(self, council: str, year: str, kind: str = "council") -> Path:
        """The executed notebook of a report that failed, with the error in it."""
        return self.report_dir(council, year, kind) / FAILED_IPYNB

    def report_contents(self, council: str, year: str, kind: str = "council") -> Path:
        """What a report covers (JSON), written with it by its notebook, read by the index."""
        return self.report_dir(council, year, kind) / REPORT_CONTENTS

    def relative(self, path: Path) -> str:
        """A path as it may appear in outputs: relative to the folder holding data/, never the machine's own."""
        base = self.data.parent
        try:
            return Path(path).resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            return Path(path).name


def default_paths(data: str | Path | None = None, outputs: str | Path | None = None) -> Paths:
    """Paths for a run: explicit arguments, then environment variables, then the project's own folders."""
    home = ROOT if ROOT is not None else Path.cwd()
    data = Path(data or os.environ.get("COMPLAINTS_DATA") or home / "data")
    outputs = Path(outputs or os.environ.get("COMPLAINTS_OUTPUTS") or home / "outputs")
    return Paths(data=data.resolve(), outputs=outputs.resolve())
