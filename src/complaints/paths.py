"""The one place that knows where the project's files live.

Every path is built from the project root, so notebooks, tests and the command line agree
whatever the working directory. Set COMPLAINTS_DATA or COMPLAINTS_OUTPUTS to point a run at
other folders (tests do this).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Paths:
    data: Path
    outputs: Path

    @property
    def definitions(self) -> Path:
        return self.data / "definitions"

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
    def set_aside_dir(self) -> Path:
        return self.outputs / "records_set_aside"

    @property
    def records(self) -> Path:
        return self.data / "records"

    @property
    def private(self) -> Path:
        return self.data / "private"

    @property
    def notebooks(self) -> Path:
        return ROOT / "notebooks"

    @property
    def council_notebook(self) -> Path:
        return self.notebooks / "council_report.ipynb"

    @property
    def benchmark_notebook(self) -> Path:
        return self.notebooks / "benchmark_report.ipynb"

    def report_dir(self, council: str, year: str) -> Path:
        return self.outputs / council / year


def default_paths(data: str | Path | None = None, outputs: str | Path | None = None) -> Paths:
    """Paths for a run: explicit arguments, then environment variables, then the project's own."""
    data = Path(data or os.environ.get("COMPLAINTS_DATA") or ROOT / "data")
    outputs = Path(outputs or os.environ.get("COMPLAINTS_OUTPUTS") or ROOT / "outputs")
    return Paths(data=data.resolve(), outputs=outputs.resolve())
