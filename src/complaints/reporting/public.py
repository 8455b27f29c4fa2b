"""The public version's frames: every report reads them through here, so that a council report, its
demonstration and the benchmarking report withhold the same figures (complaints.analysis.disclosure).
"""

from __future__ import annotations

import pandas as pd

from ..analysis import disclosure
from ..inputs.definitions import Definitions
from ..inputs.paths import Paths

__all__ = ["protect_outputs", "real_record_years"]


def _is(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _optional(path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, **kw) if path.exists() else pd.DataFrame()


def real_record_years(record_files: pd.DataFrame) -> set[tuple[str, str]]:
    """(council, year) of the councils' own (not synthetic) extracts that the reports use."""
    if not len(record_files) or not {"council", "year", "synthetic"} <= set(record_files.columns):
        return set()
    used = record_files["used"].map(_is) if "used" in record_files else True
    real = record_files[used & ~record_files["synthetic"].map(_is)]
    return set(zip(real["council"].astype(str), real["year"].astype(str)))


def protect_outputs(
    paths: Paths,
    defs: Definitions,
    metrics: pd.DataFrame,
    figures: pd.DataFrame,
    councils: list[str] | None = None,
    threshold: int = disclosure.THRESHOLD,
) -> disclosure.Protected:
    """Disclosure control over the main job's outputs for `councils` (all when None): metrics and
    figures as given, with monthly.csv, changes.csv and the extracts of records_files.csv read here."""
    monthly = _optional(paths.monthly_csv, dtype={"month": str})
    changes = _optional(paths.changes_csv, dtype={"date": str}, keep_default_na=False)
    record_files = _optional(paths.record_files_csv, dtype={"year": str})
    if councils is not None:
        keep = set(councils)
        monthly = monthly[monthly["council"].isin(keep)] if len(monthly) else monthly
        changes = changes[changes["council"].isin(keep)] if len(changes) else changes
        record_files = record_files[record_files["council"].isin(keep)] if len(record_files) else record_files
    return disclosure.protect(
        metrics,
        figures,
        defs,
        monthly.reset_index(drop=True),
        changes.reset_index(drop=True),
        threshold=threshold,
        linked=real_record_years(record_files),
    )
