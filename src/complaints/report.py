"""The council report: what each section of notebooks/council_report.ipynb shows.

The notebook only calls `load_report(...)` and `report.show(section)`; everything it displays is
built here from outputs/metrics.csv, outputs/audit.csv and outputs/figures.csv.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from .paths import default_paths


@dataclass
class Report:
    council: str
    year: str
    metrics: pd.DataFrame
    audit: pd.DataFrame
    figures: pd.DataFrame
    public: bool = False

    def section(self, name: str) -> str:
        if name == "title":
            return f"<h1>Complaints to children's services: {html.escape(self.council)}, {html.escape(self.year)}</h1>"
        return ""

    def show(self, name: str) -> None:
        from IPython.display import HTML, display
        display(HTML(self.section(name)))


def load_report(council: str, year: str, data_dir: str = "", outputs_dir: str = "", public: bool = False) -> Report:
    paths = default_paths(data_dir or None, outputs_dir or None)
    metrics = pd.read_csv(paths.metrics_csv, dtype={"year": str, "prev_year": str})
    audit = pd.read_csv(paths.audit_csv, dtype=str, keep_default_na=False)
    figures = pd.read_csv(paths.figures_csv, dtype={"year": str}, keep_default_na=False, na_values=[""])
    pick = lambda f: f[(f["council"] == council)]
    return Report(str(council), str(year), pick(metrics), pick(audit), pick(figures), bool(public))
