"""Canonical records written back in a council's own export format (the synthetic extracts use this)."""

from __future__ import annotations

import pandas as pd

from ..inputs.records import LIST_COLUMNS, SCHEMA, KindConfig


def to_export(frame: pd.DataFrame, config: KindConfig) -> pd.DataFrame:
    """Canonical rows written the way the council's system exports them: its column names, codes and date format."""
    kind = config.kind
    out = {}
    for canonical, export in config.columns.items():
        if canonical not in frame.columns:
            continue
        kind_type = SCHEMA[kind][canonical]
        values = frame[canonical]
        if kind_type in ("date", "month"):
            fmt = config.date_format or ("%Y-%m" if kind_type == "month" else "%Y-%m-%d")
            text = pd.to_datetime(values).dt.strftime(fmt)
            out[export] = text.fillna("").astype(object)
            continue
        if kind_type == "count":
            out[export] = values.astype("int64").astype(str)
            continue
        table = config.codes.get(canonical)
        if kind_type == "bool":
            booleans = table if table is not None else config.booleans
            inverse = {}
            for code, value in (booleans or {"true": True, "false": False}).items():
                inverse.setdefault(value, code)
            if booleans is None:
                inverse = {True: "Yes", False: "No"}
            out[export] = values.astype(bool).map(inverse).astype(object)
            continue
        text = values.astype(str)
        if canonical in LIST_COLUMNS and config.separator != ";":
            text = text.str.replace(r"\s*;\s*", config.separator, regex=True)
        if table is not None:
            inverse = {}
            for code, value in table.items():
                inverse.setdefault(str(value), code)
            inverse[""] = ""
            if kind_type == "text":  # a text column's codes translate some spellings; the rest are written as they are
                inverse.update({v: v for v in text.unique() if v not in inverse})
            missing = sorted(set(text.unique()) - set(inverse))
            if missing:
                raise ValueError(f"{config.kind} codes.{canonical} has no code for {missing}")
            text = text.map(inverse)
        out[export] = text.astype(object)
    return pd.DataFrame(out)
