"""Each complaint against the clock in force when it was received (complaints.inputs.clocks).

`measure_clocks` takes one council-year's canonical complaints (complaints.inputs.records) and its
clocks, and returns one row per complaint: which clock applied, the working days it took to
acknowledge and to answer (from the acknowledgement where the clock says so), and whether each was
in time. A value the extract cannot give is missing (NaN or None), never False: an extract without
an acknowledgement column cannot say whether complaints were acknowledged in time, nor answer a
clock that runs from the acknowledgement.

Rules (docs/methods.md, "Clocks"):
- the clock in force is the latest one of the complaint's procedure and stage whose date is on or
  before the day it was received; complaints not accepted into the procedure are measured by none;
- acknowledgement: working days from the request for the stage (`requested`, else `received`) to
  `acknowledged`; a blank acknowledgement on a complaint answered within the acknowledgement time
  counts the response as the acknowledgement, otherwise as not acknowledged in time;
- answer: working days from the clock's start (receipt, or the acknowledgement; a blank
  acknowledgement starts the clock at receipt, the stricter reading) to `responded`; in time when
  within the clock's days, plus, when an extension was agreed, the days agreed (`extension_days`) up to
  the clock's most further days (all of them when the extract does not record the days agreed);
- an extension is within the limit when the working days it added (`extension_days`) are no more
  than the clock allows, and has a reason when `extension_reason` is not blank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..inputs.clocks import ACKNOWLEDGEMENT, Clock, in_force
from .workdays import working_days

NO_CLOCK = "No timescale (none configured for this procedure and stage)"
COLUMNS = [
    "clock",  # the clock's label, or NO_CLOCK
    "rules",  # regulations | code | council | ''
    "ack_days",  # working days to acknowledge (NaN: not recorded)
    "ack_in_time",  # True / False / None (not recorded, or the clock sets no acknowledgement time)
    "answer_days",  # working days to answer, from the clock's start (NaN: not answered or not recorded)
    "allowed_days",  # working days the clock allowed this complaint (with an agreed extension)
    "in_time",  # True / False / None (not answered, or not recorded)
    "extended",  # an extension was agreed (None: the extract records no extensions)
    "extension_in_limit",  # True / False / None
    "extension_with_reason",  # True / False / None
]


def as_text(series: pd.Series) -> np.ndarray:
    """A column's values as an array of str, as np.asarray(series.astype(str)) gives them: for a categorical
    column (every text column of the records), through its categories, so once per category, not per row."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = np.array([str(c) for c in series.cat.categories] + ["nan"], dtype=object)
        return names[series.cat.codes.to_numpy()]
    return np.asarray(series.astype(str), dtype=object)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column]) if column in frame else pd.Series(pd.NaT, index=frame.index)


def _tri(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Booleans where known, None elsewhere."""
    out = np.full(len(values), None, dtype=object)
    out[known] = values[known].astype(bool)
    return out


def measure_clocks(complaints: pd.DataFrame, clocks: tuple[Clock, ...], present: frozenset) -> pd.DataFrame:
    """One row per complaint (same index) with COLUMNS; `present`: the canonical columns the extract has."""
    n = len(complaints)
    accepted = as_text(complaints["outcome"]) != "not_accepted"
    chosen = in_force(clocks, as_text(complaints["procedure"]), complaints["stage"], complaints["received"])
    chosen[~accepted] = -1
    labels = np.array([c.label for c in clocks] + [NO_CLOCK], dtype=object)
    rules = np.array([c.rules for c in clocks] + [""], dtype=object)
    days = np.array([c.days for c in clocks] + [0], dtype=float)
    extra = np.array([c.extension_days or 0 for c in clocks] + [0], dtype=float)
    ack_limit = np.array([c.acknowledge_days or np.nan for c in clocks] + [np.nan], dtype=float)
    from_ack = np.array([c.counts_from == ACKNOWLEDGEMENT for c in clocks] + [False], dtype=bool)
    has_clock = chosen >= 0
    pick = np.where(has_clock, chosen, len(clocks))

    received = _dates(complaints, "received")
    requested = _dates(complaints, "requested").fillna(received) if "requested" in present else received
    acknowledged = _dates(complaints, "acknowledged")
    responded = _dates(complaints, "responded")
    answered = responded.notna().to_numpy()
    ack_recorded = "acknowledged" in present

    # acknowledgement
    ack_days = working_days(requested, acknowledged) if ack_recorded else np.full(n, np.nan)
    to_response = working_days(requested, responded)
    limit = ack_limit[pick]
    sets_ack = has_clock & ~np.isnan(limit)
    with np.errstate(invalid="ignore"):
        acked_in_time = np.where(~np.isnan(ack_days), ack_days <= limit, answered & (to_response <= limit))
    ack_in_time = _tri(acked_in_time, sets_ack & ack_recorded)

    # answer
    starts_at_ack = from_ack[pick]
    start = received.to_numpy(dtype="datetime64[ns]").copy()
    if ack_recorded:
        use_ack = starts_at_ack & acknowledged.notna().to_numpy()
        start[use_ack] = acknowledged.to_numpy(dtype="datetime64[ns]")[use_ack]
    answer_days = working_days(start, responded)
    measurable = has_clock & answered & (~starts_at_ack | ack_recorded)
    answer_days = np.where(measurable, answer_days, np.nan)

    # extensions
    ext_columns = {"extension_agreed", "extension_date", "extension_days"} & set(present)
    extended = np.zeros(n, dtype=bool)
    if "extension_agreed" in present:
        extended |= complaints["extension_agreed"].to_numpy(dtype=bool)
    if "extension_date" in present:
        extended |= _dates(complaints, "extension_date").notna().to_numpy()
    ext_days = (
        pd.to_numeric(complaints["extension_days"], errors="coerce").to_numpy(dtype=float)
        if "extension_days" in present
        else np.full(n, np.nan)
    )
    extended |= ~np.isnan(ext_days) & (ext_days > 0)
    # an agreed extension allows the days agreed, up to the clock's most (all of them when the days are not recorded)
    granted = np.where(np.isnan(ext_days), extra[pick], np.minimum(np.nan_to_num(ext_days), extra[pick]))
    allowed = days[pick] + np.where(extended, granted, 0)
    with np.errstate(invalid="ignore"):
        in_time = _tri(answer_days <= allowed, measurable)
        in_limit = _tri(ext_days <= extra[pick], has_clock & extended & ~np.isnan(ext_days))
    if "extension_reason" in present:
        reason = as_text(complaints["extension_reason"]) != ""
        with_reason = _tri(reason, has_clock & extended)
    else:
        with_reason = np.full(n, None, dtype=object)
    return pd.DataFrame(
        {  # object columns, as built (pandas would otherwise convert a million labels to its own strings)
            "clock": pd.Series(labels[pick], index=complaints.index, dtype=object),
            "rules": pd.Series(rules[pick], index=complaints.index, dtype=object),
            "ack_days": ack_days,
            "ack_in_time": ack_in_time,
            "answer_days": answer_days,
            "allowed_days": np.where(has_clock, allowed, np.nan),
            "in_time": in_time,
            "extended": _tri(extended, np.full(n, bool(ext_columns))),
            "extension_in_limit": in_limit,
            "extension_with_reason": with_reason,
        },
        index=complaints.index,
    )[COLUMNS]
