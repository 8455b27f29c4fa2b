"""Aggregates of record-level complaints that reports may show: nothing here identifies anyone.

The report notebooks never read complaint records. Nothing here carries a reference or a free-text
cell: counts by council, procedure and month, and shares before and after a configured change. The
main job turns the records into
- outputs/monthly.csv: per council, procedure and month of receipt, how many complaints were
  received and answered, and how many within 10 and 20 working days (for the SPC charts);
- outputs/changes.csv: for each process change in a council's configuration ([[events]]), the
  share answered within 20 working days before and after it (complaints.analysis.spc.before_after), within
  the financial year of the change. Its test is in the Benjamini-Hochberg family of that council,
  financial year and source (records) with the year-on-year tests of metrics.csv (`q_value`;
  `significant` follows q).
"""

from __future__ import annotations

import pandas as pd

from ..inputs.definitions import Definitions
from ..inputs.years import financial_year
from . import spc
from .stats import wilson_ci

MONTHLY_COLUMNS = ["council", "procedure", "month", "received", "responded", "within_10wd", "within_20wd"]
CHANGE_COLUMNS = [
    "council",
    "date",
    "description",
    "target_days",
    "n_before",
    "k_before",
    "p_before",
    "ci_low_before",
    "ci_high_before",
    "n_after",
    "k_after",
    "p_after",
    "ci_low_after",
    "ci_high_after",
    "difference",
    "diff_ci_low",
    "diff_ci_high",
    "p_value",
    "test",
    "too_few",
    "significant",
    "synthetic",
    "year",
    "q_value",
]


def _stage1(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["stage"].astype(int) == 1]


def monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """Monthly timeliness of stage 1 responses per council, for each procedure and for all."""
    if frame.empty:
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    out = []
    first = _stage1(frame)
    for council, rows in first.groupby("council", sort=True):
        for procedure, part in [("all", rows), *rows.groupby("procedure", sort=True)]:
            m10 = spc.monthly_timeliness(part, target_days=10)
            m20 = spc.monthly_timeliness(part, target_days=20)
            out.append(
                pd.DataFrame(
                    {
                        "council": council,
                        "procedure": procedure,
                        "month": m20["month"].dt.strftime("%Y-%m"),
                        "received": m20["received"],
                        "responded": m20["responded"],
                        "within_10wd": m10["within"].to_numpy(),
                        "within_20wd": m20["within"],
                    }
                )
            )
    return pd.concat(out, ignore_index=True)[MONTHLY_COLUMNS]


def process_changes(frame: pd.DataFrame, defs: Definitions) -> pd.DataFrame:
    """Before/after comparisons for every process change configured for a council with records."""
    rows = []
    for council_id, council in sorted(defs.councils.items()):
        mine = _stage1(frame[frame["council"] == council_id]) if not frame.empty else frame
        for event in council.events:
            date = pd.Timestamp(event["date"])
            # the financial year the change happened in: before and after within the same year
            in_year = mine[financial_year(mine["received"]) == financial_year([date])[0]] if not mine.empty else mine
            if in_year.empty or not (in_year["received"].min() < date <= in_year["received"].max()):
                continue  # the records don't span the change
            result = spc.before_after(in_year, date, target_days=int(event.get("target_days", 20)))
            files = in_year["file"].astype(str) if "file" in in_year.columns else pd.Series(dtype=str)
            rows.append(
                dict(
                    result,
                    council=council_id,
                    date=str(date.date()),
                    description=event.get("description", ""),
                    synthetic=bool(files.str.contains("synthetic").any()),
                    year=financial_year([date])[0],
                )
            )
    return pd.DataFrame(rows).reindex(columns=CHANGE_COLUMNS)


def with_qvalues(changes: pd.DataFrame, q_values: pd.Series) -> pd.DataFrame:
    """changes.csv with the q-values of its tests in their Benjamini-Hochberg families
    (complaints.analysis.metrics.family_qvalues); `significant` then means q < 0.05 and not too_few."""
    out = changes.copy()
    out["q_value"] = q_values.reindex(out.index).to_numpy(dtype=float) if len(out) else pd.Series(dtype=float)
    if len(out):
        too_few = out["too_few"].fillna(False).astype(bool)
        out["significant"] = (~too_few) & (out["q_value"] < 0.05)
    return out.reindex(columns=CHANGE_COLUMNS)


def upheld_rates(received: pd.Series, upheld: pd.Series) -> pd.DataFrame:
    """Upheld share per category (team, theme), with Wilson intervals: `received` and `upheld` are
    counts indexed by category. Columns: category, n, k, share, ci_low, ci_high; largest n first."""
    rows = []
    for category, n in received.sort_values(ascending=False).items():
        if not n:
            continue
        k = float(upheld.get(category, 0))
        low, high = wilson_ci(int(k), int(n))
        rows.append({"category": category, "n": float(n), "k": k, "share": k / n, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=["category", "n", "k", "share", "ci_low", "ci_high"])
