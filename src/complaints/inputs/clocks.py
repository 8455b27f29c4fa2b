"""The clocks a complaint is measured against: which applies depends on when it was received.

A clock is a procedure and stage's timescale in working days, with the date it takes effect:

- the statutory children's procedure's clocks are the regulations' (The Children Act 1989
  Representations Procedure (England) Regulations 2006), the same for every council and always in
  force: stage 1 10 working days, extendable to 20; stage 2 25, extendable to 65; stage 3 a review
  panel within 30 working days of the request;
- from 1 April 2026 the Local Government and Social Care Ombudsman's Complaint Handling Code applies
  to every council's complaints outside the statutory procedure (the corporate procedure): stage 1
  acknowledged within 5 working days and answered within 10 working days of the acknowledgement,
  stage 2 acknowledged within 5 and answered within 20 of the acknowledgement; an extension adds no
  more than 10 further working days without good reason;
- before that, a council's own corporate clocks, from its configuration: `[timescales] corporate`
  (one clock for every corporate stage, in force from the start) or `[[clocks]]` tables, each with
  the procedure, stage, working days and the date it takes effect (docs/configuration.md).

`clocks_for(council)` lists every clock that applies to a council; `in_force` picks, for each
complaint, the clock in force on the day it was received (the latest one whose date is on or before
it). Counting the working days against it is analysis (complaints.analysis.clock_measures).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

REGULATIONS = "regulations"  # the statutory procedure's regulations
CODE = "code"  # the Ombudsman's Complaint Handling Code
COUNCIL = "council"  # the council's own procedure
CODE_IN_FORCE = date(2026, 4, 1)  # the Complaint Handling Code applies to complaints received from this day
CODE_NAME = "the Complaint Handling Code"
CODE_EXTENSION = 10  # further working days an extension may add under the Code without good reason
RECEIPT, ACKNOWLEDGEMENT = "receipt", "acknowledgement"
ALWAYS = date(1900, 1, 1)  # a clock with no date has been in force throughout


@dataclass(frozen=True)
class Clock:
    """One procedure and stage's timescale, from the day it takes effect."""

    procedure: str  # statutory | corporate
    stage: int  # 1, 2 or 3
    days: int  # working days to respond
    start: date = ALWAYS  # in force for complaints received on or after this day
    counts_from: str = RECEIPT  # receipt | acknowledgement: the day the response clock starts
    acknowledge_days: int | None = None  # working days to acknowledge (from receipt, or the request)
    extension_days: int | None = None  # most further working days an agreed extension may add
    rules: str = COUNCIL  # regulations | code | council
    name: str = ""  # how reports name where it comes from

    @property
    def dated(self) -> bool:
        return self.start != ALWAYS

    @property
    def label(self) -> str:
        """The clock as a report names it: 'Corporate stage 1: the Complaint Handling Code (from 1 April 2026)'."""
        since = f" (from {self.start.day} {self.start:%B %Y})" if self.dated else ""
        return f"{self.procedure.capitalize()} stage {self.stage}: {self.name}{since}"

    @property
    def terms(self) -> str:
        """What the clock asks, in words: 'acknowledged within 5 working days, answered within 10 working days
        of the acknowledgement (up to 10 more when extended)'."""
        parts = []
        if self.acknowledge_days:
            parts.append(f"acknowledged within {self.acknowledge_days} working days")
        since = " of the acknowledgement" if self.counts_from == ACKNOWLEDGEMENT else ""
        answer = f"answered within {self.days} working days{since}"
        if self.extension_days:
            answer += f" ({self.days + self.extension_days} when an extension is agreed)"
        parts.append(answer)
        return ", ".join(parts)


STATUTORY = (
    Clock("statutory", 1, 10, extension_days=10, rules=REGULATIONS, name="the statutory procedure's regulations"),
    Clock("statutory", 2, 25, extension_days=40, rules=REGULATIONS, name="the statutory procedure's regulations"),
    Clock("statutory", 3, 30, rules=REGULATIONS, name="the statutory procedure's regulations (a review panel)"),
)
COMPLAINT_HANDLING_CODE = tuple(
    Clock(
        "corporate",
        stage,
        days,
        start=CODE_IN_FORCE,
        counts_from=ACKNOWLEDGEMENT,
        acknowledge_days=5,
        extension_days=CODE_EXTENSION,
        rules=CODE,
        name=CODE_NAME,
    )
    for stage, days in ((1, 10), (2, 20))
)


def clocks_for(
    procedures,
    corporate_days: int | None,
    configured: tuple[Clock, ...] = (),
    council: str = "the council",
    statutory_stage1: tuple[int | None, int | None] = (None, None),
) -> tuple[Clock, ...]:
    """Every clock of a council: the statutory ones if it has the statutory procedure (stage 1's days and
    extended days from [timescales] statutory_stage1 and statutory_stage1_extended where given, else the
    regulations' 10 and 20); its own corporate ones (`corporate_days`, the undated [timescales] corporate, for
    stages 1 and 2, and its [[clocks]]); the Code's for the corporate procedure from 1 April 2026."""
    out: list[Clock] = []
    if "statutory" in procedures:
        days, extended = statutory_stage1
        first = STATUTORY[0]
        days = days or first.days
        extended = extended or first.days + (first.extension_days or 0)
        out += [replace(first, days=days, extension_days=max(extended - days, 0) or None), *STATUTORY[1:]]
    if "corporate" in procedures:
        if corporate_days:
            out += [Clock("corporate", s, corporate_days, name=f"{council}'s corporate procedure") for s in (1, 2)]
        out += configured
        out += COMPLAINT_HANDLING_CODE
    return tuple(sorted(out, key=lambda c: (c.procedure, c.stage, c.start)))


def in_force(clocks: tuple[Clock, ...], procedure, stage, received) -> np.ndarray:
    """For each complaint, the index in `clocks` of the clock in force on the day it was received (-1: none)."""
    procedure = np.asarray(procedure, dtype=object)
    stage = np.asarray(stage)
    received = pd.to_datetime(pd.Series(received)).to_numpy(dtype="datetime64[D]")
    chosen = np.full(len(procedure), -1, dtype=np.int64)
    # clocks are sorted by start within procedure and stage: the last one that has started wins
    for i, clock in enumerate(clocks):
        applies = (procedure == clock.procedure) & (stage == clock.stage)
        applies &= ~np.isnat(received) & (received >= np.datetime64(clock.start, "D"))
        chosen[applies] = i
    return chosen
