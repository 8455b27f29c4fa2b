"""The main job's computing part: inputs to metrics and audit, all checked before anything is written."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .audit import build_audit
from .definitions import Definitions, load_definitions
from .metrics import compute_metrics
from .outputs import write_tables
from .paths import Paths
from .published import load_learning, load_published
from .resolve import build_figures


@dataclass
class Results:
    definitions: Definitions
    statements: pd.DataFrame  # every published statement, as transcribed
    figures: pd.DataFrame  # one value per council, year, measure and category
    metrics: pd.DataFrame  # outputs/metrics.csv
    audit: pd.DataFrame  # outputs/audit.csv
    learning: pd.DataFrame  # learning actions the councils published


def compute(paths: Paths) -> Results:
    """Read and check every input, then compute. Raises InputError listing every problem."""
    defs = load_definitions(paths)
    statements = load_published(paths, defs)
    figures = build_figures(statements, defs)
    metrics = compute_metrics(figures, defs)
    audit = build_audit(statements, figures, defs)
    learning = load_learning(paths, defs)
    return Results(defs, statements, figures, metrics, audit, learning)


FIGURE_COLUMNS = ["council", "year", "measure", "category", "value", "basis", "pct", "pct_of", "contested",
                  "values_stated", "statements", "source", "file", "line", "quote", "note"]


def write_results(results: Results, paths: Paths) -> None:
    """metrics.csv and audit.csv (the contract), and figures.csv (every resolved figure, for reports)."""
    write_tables({paths.metrics_csv: results.metrics, paths.audit_csv: results.audit,
                  paths.figures_csv: results.figures[FIGURE_COLUMNS]})
