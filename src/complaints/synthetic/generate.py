"""Synthetic complaint extracts, calibrated to the published figures.

Real extracts are personal data about children and cannot be shipped. These are generated
instead: realistic logs per council and year, one row per complaint per stage, whose aggregates
(complaints.records.aggregate) EQUAL every published figure records can give for that
council-year (counts by procedure and stage, outcomes, responses within 10 and 20 working days,
complainant types, channels, issues, teams, SEND, Ombudsman cases, compliments, comments,
contacts...). Where nothing is published, values are plausible and come from
data/records/synthetic.toml (`assume`) or the defaults below; data/records/README.md lists them.

    generate(council, year, targets, seed)       canonical frames {complaints, feedback, contacts}
    write_export(frames, council, year, folder)  the files, in the council's own export format
    regenerate()                                 every extract in data/records, with calibration.csv
    generate_large(n, seed)                      n complaints, vectorised, for the benchmark
    write_large(path, n, seed, council)          ... written in a council's export format

`python -m complaints.synthetic` regenerates the shipped extracts (deterministic for a seed:
numpy's default_rng, no set iteration, no clock).

A year whose table in synthetic.toml sets `code_columns = true` also gets the columns the Complaint Handling
Code's clocks need (CODE_COLUMNS: requests, acknowledgements, extensions, refusals; _Builder.code_stage1,
refusals, code_later_stage), drawn from a generator of their own; the other extracts have LEGACY_COLUMNS only.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.clock_measures import measure_clocks
from ..analysis.record_measures import aggregate
from ..analysis.workdays import add_working_days, bank_holidays, working_days
from ..inputs.clocks import CODE, in_force
from ..inputs.paths import Paths, default_paths
from ..inputs.problems import display
from ..inputs.records import (
    DECIDED,
    FILE_COLUMNS,
    RECORD_MEASURES,
    SCHEMA,
    Records,
    RecordsConfig,
    parse_records_config,
)
from ..inputs.years import year_bounds
from .exports import to_export

SPEC_NAME = "synthetic.toml"
CALIBRATION_NAME = "calibration.csv"

# plausible shares where neither a published figure nor the spec says (documented in data/records/README.md)
DEFAULTS = {
    "statutory_received": 25,
    "corporate_received": 200,
    "outcomes": {"upheld": 0.22, "partially_upheld": 0.22, "not_upheld": 0.5, "withdrawn": 0.05, "ongoing": 0.01},
    "outcomes_unsplit": {"upheld": 0.4, "not_upheld": 0.54, "withdrawn": 0.05, "ongoing": 0.01},
    "statutory_timeliness": {"w10": 0.45, "w11_20": 0.38, "over20": 0.17},
    "corporate_within_20wd": 0.55,
    "send_share_of_corporate": 0.17,
    "stage2_share": 0.1,
    "stage3_share_of_stage2": 0.25,
    "corporate_stage2_share": 0.03,
    "ombudsman_share": 0.025,
    "ombudsman_outcomes": {"upheld": 0.45, "not_upheld": 0.25, "not_investigated": 0.2, "ongoing": 0.1},
    "children_share": 0.02,
    "issues_per_complaint": 1.2,
    "compliments_per_complaint": 0.45,
    "comments_per_complaint": 0.08,
    "extension_when_late": 0.3,
    "contacts_per_complaint": 70,
    # the Complaint Handling Code's columns (years with `code_columns = true` in synthetic.toml)
    "acknowledged_within_5wd": 0.88,  # acknowledgements within 5 working days of receipt (or the request)
    "code_answered_in_time": 0.7,  # Code stage 1 responses within the Code's time (from the acknowledgement)
    "code_extended": 0.15,  # Code stage 1 responses with an agreed extension
    "code_stage2_extended": 0.2,  # Code stage 2 responses with an agreed extension
    "code_stage2_in_time": 0.7,  # Code stage 2 responses within the Code's time
    "extension_over_limit": 0.15,  # Code extensions adding more than the Code's 10 working days
    "extension_without_reason": 0.1,  # extensions with no reason recorded
    "refused_share": 0.045,  # stage 1 complaints not accepted (complaints_refused), where not assumed
}

# The columns the clocks need (complaints.inputs.clocks): only the extracts of the years whose table in
# synthetic.toml sets `code_columns = true` have them; the others were made before these columns existed,
# and keep their bytes. LEGACY_COLUMNS: the complaint columns of those.
CODE_COLUMNS = ("requested", "acknowledged", "extension_date", "extension_days", "extension_reason", "refusal_reason")
LEGACY_COLUMNS = [c for c in SCHEMA["complaints"] if c not in CODE_COLUMNS]
# acknowledgements: working days after receipt (or the request for the stage), within 5 and later
ACK_WITHIN = {0: 0.04, 1: 0.24, 2: 0.25, 3: 0.2, 4: 0.15, 5: 0.12}
ACK_LATE = {6: 0.6, 7: 0.4}


class CalibrationError(Exception):
    """The published figures and assumptions cannot all be met (or a generated extract misses one)."""


# ---------------------------------------------------------------------------------------------
# Targets: what the extract must reproduce


@dataclass
class Targets:
    values: dict = field(default_factory=dict)  # measure -> value
    categories: dict = field(default_factory=dict)  # measure -> {category: count}
    origin: dict = field(default_factory=dict)  # (measure, category) -> published | nearest | assumed
    notes: dict = field(default_factory=dict)  # (measure, category) -> text
    unmatched: dict = field(default_factory=dict)  # measure -> why it cannot be met
    published_as: dict = field(
        default_factory=dict
    )  # (measure, category) -> the council's own measure, where it differs

    def v(self, measure: str, default=None):
        value = self.values.get(measure)
        return default if value is None else value

    def i(self, measure: str, default=None):
        value = self.v(measure)
        return default if value is None else round(value)

    def cats(self, measure: str) -> dict:
        return dict(self.categories.get(measure, {}))


def load_spec(path: Path | None = None) -> dict:
    path = path or default_paths().records / SPEC_NAME
    return tomllib.loads(path.read_text(encoding="utf-8"))


def council_config(paths: Paths, council: str) -> RecordsConfig:
    path = paths.councils / f"{council}.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    config, problems = parse_records_config(raw, council, display(path, paths.data.parent))
    if problems:
        raise CalibrationError("; ".join(map(str, problems)))
    return config


def build_targets(figures: pd.DataFrame, council: str, year: str, config: RecordsConfig, spec_year: dict) -> Targets:
    """The published figures for one council-year that records can give (under the measures records use),
    counts for percentages no whole number gives (the nearest), and the spec's assumptions."""
    t = Targets(unmatched=dict(spec_year.get("unmatched", {})))
    alias = dict(config.measures)  # published -> records measure
    figs = figures[(figures["council"] == council) & (figures["year"] == year)]
    if "basis" in figs.columns:
        figs = figs[figs["basis"] != "records"]
    base_values = {r["measure"]: r["value"] for _, r in figs.iterrows() if r["category"] == "" and pd.notna(r["value"])}
    for _, fig in figs.iterrows():
        measure = alias.get(fig["measure"], fig["measure"])
        if measure not in RECORD_MEASURES or measure in t.unmatched:
            continue
        category = fig["category"] if isinstance(fig["category"], str) else ""
        value = fig["value"]
        origin, note = "published", ""
        if pd.isna(value):
            base = base_values.get(fig["pct_of"]) if isinstance(fig["pct_of"], str) and fig["pct_of"] else None
            if base is None or pd.isna(fig["pct"]):
                continue
            value = float(math.floor(fig["pct"] * base / 100 + 0.5))
            origin = "nearest"
            note = (
                f"{fig['pct']:g}% of {base:g} ({fig['pct_of']}) is no whole number; the nearest, "
                f"{value:g} ({100 * value / base:.1f}%), is used"
            )
        if category:
            t.categories.setdefault(measure, {})[category] = int(value)
        else:
            t.values[measure] = float(value)
        t.origin[(measure, category)] = origin
        if measure != fig["measure"]:
            t.published_as[(measure, category)] = fig["measure"]
        if note:
            t.notes[(measure, category)] = note
    for measure, value in spec_year.get("assume", {}).items():
        if measure not in RECORD_MEASURES:
            continue
        if isinstance(value, dict):
            for category, count in value.items():
                if category not in t.categories.get(measure, {}):
                    t.categories.setdefault(measure, {})[category] = int(count)
                    t.origin[(measure, category)] = "assumed"
        elif measure not in t.values:
            t.values[measure] = float(value)
            t.origin[(measure, "")] = "assumed"
    return t


# ---------------------------------------------------------------------------------------------
# Small helpers (all deterministic for a generator)


def allocate(total: int, weights: dict, rng: np.random.Generator) -> dict:
    """Whole numbers summing to total, in proportion to weights (largest remainder, random ties)."""
    total = int(total)
    keys = list(weights)
    if total <= 0 or not keys:
        return dict.fromkeys(keys, 0)
    w = np.array([max(float(weights[k]), 0.0) for k in keys])
    if w.sum() == 0:
        w = np.ones(len(keys))
    exact = total * w / w.sum()
    base = np.floor(exact).astype(int)
    order = np.lexsort((rng.random(len(keys)), -(exact - base)))
    base[order[: total - base.sum()]] += 1
    return {k: int(b) for k, b in zip(keys, base)}


def _weights(spec_value, default=None) -> dict:
    if isinstance(spec_value, dict):
        return {str(k): float(v) for k, v in spec_value.items()}
    if isinstance(spec_value, list):  # earlier = more common (Zipf-like)
        return {str(k): 1.0 / (i + 1) ** 0.8 for i, k in enumerate(spec_value)}
    return dict(default or {})


def draw(n: int, weights: dict, rng: np.random.Generator) -> np.ndarray:
    keys = list(weights)
    if n == 0:
        return np.array([], dtype=object)
    if not keys:
        return np.full(n, "", dtype=object)
    p = np.array([weights[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def deal(n_rows: int, counts: dict, rng: np.random.Generator) -> list[list[str]]:
    """Spread category mentions over rows: each row gets at least one when there are enough, and never
    the same category twice (a category may have at most n_rows mentions)."""
    rows: list[list[str]] = [[] for _ in range(n_rows)]
    if n_rows == 0:
        return rows
    mentions = [c for c, k in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) for _ in range(int(k))]
    if any(k > n_rows for k in counts.values()):
        raise CalibrationError(f"a category has more mentions than there are rows ({n_rows}): {counts}")
    order = rng.permutation(n_rows)
    for i, category in enumerate(mentions):
        rows[order[i % n_rows]].append(category)
    return rows


def categories_for(
    total: int | None,
    areas: int | None,
    fixed: dict,
    pool: list,
    rng: np.random.Generator,
    floor: dict | None = None,
    n_rows: int = 0,
    per_row: float = 1.2,
    strict: bool = False,
    frozen: list | tuple = (),
) -> dict:
    """Counts per category: the fixed ones exactly, at least `floor` for others, `areas` categories in all,
    `total` mentions in all; new categories come from `pool` (in order of how common they are) and stay
    no larger than the smallest fixed one (so the published ones remain the largest)."""
    counts = dict(fixed)
    floor = {k: v for k, v in (floor or {}).items() if k not in counts}
    counts.update(floor)
    if total is None:
        total = max(round(n_rows * per_row), sum(counts.values()), n_rows)
    if areas is None:
        areas = max(len(counts), min(len(pool) + len(fixed), max(3, round(math.sqrt(total) * 1.6))))
    others = [p for p in pool if p not in counts]
    need = areas - len(counts)
    if need < 0 or need > len(others):
        raise CalibrationError(
            f"{areas} categories cannot be made from {len(counts)} given and {len(others)} more in the vocabulary"
        )
    chosen = others[:need] if need else []
    remaining = total - sum(counts.values())
    if remaining < len(chosen):
        raise CalibrationError(f"{total} mentions cannot cover {areas} categories with these fixed counts {fixed}")
    cap = min(fixed.values()) if fixed else max(remaining, 1)
    if strict and fixed and len(chosen) * (cap - 1) + sum(max(0, cap - 1 - v) for v in floor.values()) >= remaining:
        cap -= 1  # strictly below the published ones where that is possible
    chosen = [c for c in chosen if c not in frozen] + [c for c in chosen if c in frozen]
    for c in chosen:
        counts[c] = 1
    remaining -= len(chosen)
    flexible = [c for c in chosen + list(floor) if c not in frozen]
    weights = np.array([1.0 / (i + 1) ** 0.7 for i in range(len(flexible))])
    while remaining > 0:
        room = np.array([counts[c] < cap for c in flexible])
        if not room.any():
            raise CalibrationError(
                f"{total} mentions over {areas} categories need some category above the published {cap}"
            )
        p = weights * room
        pick = flexible[int(rng.choice(len(flexible), p=p / p.sum()))]
        counts[pick] += 1
        remaining -= 1
    return counts


def split_mentions(counts: dict, fixed_a: dict, n_a: int, n_b: int, rng: np.random.Generator) -> tuple[dict, dict]:
    """Split category counts between groups A and B (A gets fixed_a exactly): each group gets at least
    one mention per row, and no category more mentions than the group has rows."""
    a = {c: int(fixed_a.get(c, 0)) for c in counts}
    b = {c: int(counts[c]) - a[c] for c in counts}
    free = [c for c in counts if c not in fixed_a]
    p = n_a / max(n_a + n_b, 1)
    for c in free:
        k = int(rng.binomial(counts[c], p))
        a[c], b[c] = k, counts[c] - k

    def move(src, dst, n_dst):
        options = [c for c in free if src[c] > 0 and dst[c] < n_dst]
        if not options:
            raise CalibrationError("issues cannot be split between the groups")
        c = options[int(rng.integers(len(options)))]
        src[c] -= 1
        dst[c] += 1

    for c in free:
        while a[c] > n_a:
            a[c] -= 1
            b[c] += 1
        while b[c] > n_b:
            b[c] -= 1
            a[c] += 1
    guard = 0
    while sum(a.values()) < n_a or sum(b.values()) < n_b:
        guard += 1
        if guard > 10000:
            raise CalibrationError("issues cannot be split between the groups")
        if sum(a.values()) < n_a:
            move(b, a, n_a)
        else:
            move(a, b, n_b)
    return {k: v for k, v in a.items() if v}, {k: v for k, v in b.items() if v}


def _join(items) -> str:
    return "; ".join(items)


# ---------------------------------------------------------------------------------------------
# The generator for one council-year


class _Builder:
    def __init__(
        self,
        council: str,
        year: str,
        targets: Targets,
        spec_council: dict,
        spec_year: dict,
        config: RecordsConfig,
        rng: np.random.Generator,
        council_contacts: bool = True,
        code_rng: np.random.Generator | None = None,
    ):
        self.council, self.year, self.t, self.sc, self.sy, self.config, self.rng = (
            council,
            year,
            targets,
            spec_council,
            spec_year,
            config,
            rng,
        )
        self.council_contacts = council_contacts  # the council counts contacts (its configuration names a measure)
        self.first, self.last = year_bounds(year)
        self.split = config.partially_upheld
        self.has_send = "send" in config.complaints.columns
        # the Code's columns (acknowledgements, requests, extensions, refusals): drawn from their own generator,
        # so that the rest of the extract is drawn as it would be without them
        self.code = bool(spec_year.get("code_columns", False))
        self.code_rng = code_rng if code_rng is not None else np.random.default_rng([int(spec_year.get("seed", 0)), 1])
        self.columns = list(SCHEMA["complaints"]) if self.code else LEGACY_COLUMNS

    # -- dates ---------------------------------------------------------------------------------
    def _days(self):
        if getattr(self, "_day_cache", None) is not None:
            return self._day_cache
        days = pd.date_range(self.first, self.last, freq="D")
        holidays = set(pd.DatetimeIndex(bank_holidays(self.first.year, self.last.year)).date)
        weight = np.where(days.day_of_week < 5, 1.0, 0.04)
        weight = np.where([d in holidays for d in days.date], 0.04, weight)
        # a little seasonality: fewer in August and late December
        weight = weight * np.where(days.month == 8, 0.8, 1.0) * np.where((days.month == 12) & (days.day > 20), 0.5, 1.0)
        self._day_cache = (days, weight)
        return days, weight

    def dates_in(self, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """One date per row, between day offsets lo and hi (inclusive) of the financial year."""
        rng = rng if rng is not None else self.rng
        days, weight = self._days()
        out = np.empty(len(lo), dtype="datetime64[ns]")
        for i, (a, b) in enumerate(zip(lo, hi)):
            a, b = int(a), int(min(b, len(days) - 1))
            w = weight[a : b + 1]
            out[i] = days[a + int(rng.choice(len(w), p=w / w.sum()))].to_datetime64()
        return out

    # -- outcomes ------------------------------------------------------------------------------
    def outcomes(self, prefix: str, n: int, required_responses: int) -> tuple[np.ndarray, np.ndarray]:
        """Outcome per stage-1 row of one procedure, and whether the row has a response date."""
        t = self.t
        if self.split or prefix == "corporate":
            known = {"upheld": t.i(f"{prefix}_upheld"), "partially_upheld": t.i(f"{prefix}_partially_upheld")}
            any_ = t.i(f"{prefix}_upheld_any")
            if any_ is not None:
                if known["upheld"] is None and known["partially_upheld"] is None:
                    known["upheld"] = any_ // 2
                if known["upheld"] is None:
                    known["upheld"] = any_ - known["partially_upheld"]
                if known["partially_upheld"] is None:
                    known["partially_upheld"] = any_ - known["upheld"]
            shares = DEFAULTS["outcomes"]
        else:
            known = {"upheld": t.i(f"{prefix}_upheld_unsplit")}
            shares = DEFAULTS["outcomes_unsplit"]
        known["not_upheld"] = t.i(f"{prefix}_not_upheld")
        known["withdrawn"] = t.i(f"{prefix}_withdrawn")
        counts = {k: v for k, v in known.items() if v is not None}
        remainder = n - sum(counts.values())
        if remainder < 0:
            raise CalibrationError(f"{prefix} outcomes add up to more than the {n} complaints")
        unknown = {k: shares[k] for k in shares if k not in counts}
        if remainder and not unknown:
            unknown = {"ongoing": 1.0}
        counts.update(allocate(remainder, unknown, self.rng))
        if "ongoing" not in counts:
            counts["ongoing"] = 0
        decided = sum(counts.get(k, 0) for k in DECIDED)
        dated_withdrawn = max(0, required_responses - decided)
        if dated_withdrawn > counts.get("withdrawn", 0):
            # answers are needed that the published outcomes do not leave room for: take them from 'ongoing'
            shift = (
                min(dated_withdrawn - counts.get("withdrawn", 0), counts["ongoing"])
                if "withdrawn" not in known or known["withdrawn"] is None
                else 0
            )
            counts["ongoing"] -= shift
            counts["withdrawn"] = counts.get("withdrawn", 0) + shift
            if dated_withdrawn > counts["withdrawn"]:
                raise CalibrationError(
                    f"{prefix}: {required_responses} responses are needed but only {decided + counts['withdrawn']} "
                    "complaints can have one"
                )
        labels = np.array([k for k, v in counts.items() for _ in range(v)], dtype=object)
        labels = labels[self.rng.permutation(len(labels))]
        responded = np.isin(labels, DECIDED)
        withdrawn = np.flatnonzero(labels == "withdrawn")
        responded[withdrawn[:dated_withdrawn]] = True
        return labels, responded

    # -- the whole extract -----------------------------------------------------------------------
    def build(self) -> dict[str, pd.DataFrame]:
        t, rng, sc = self.t, self.rng, self.sc
        procs = self.config.procedures
        n_stat = t.i("statutory_received", DEFAULTS["statutory_received"] if "statutory" in procs else 0)
        n_corp = t.i("corporate_received")
        if n_corp is None and t.i("complaints_received") is not None:
            n_corp = t.i("complaints_received") - n_stat
        if n_corp is None:
            n_corp = DEFAULTS["corporate_received"] if "corporate" in procs else 0
        n = n_stat + n_corp
        proc = np.array(["statutory"] * n_stat + ["corporate"] * n_corp, dtype=object)
        S, C = proc == "statutory", proc == "corporate"

        # responses needed by the timeliness figures
        w10, w11, over, w20 = (
            t.i("statutory_within_10wd"),
            t.i("statutory_within_11_20wd"),
            t.i("statutory_over_20wd"),
            t.i("statutory_within_20wd"),
        )
        if w20 is None and w10 is not None and w11 is not None:
            w20 = w10 + w11
        need_stat = t.i("statutory_stage1_responded")
        if need_stat is None:
            need_stat = (w20 or 0) + (over or 0) if (w20 is not None or over is not None) else 0
        need_corp = t.i("corporate_within_20wd", 0)
        outcome = np.empty(n, dtype=object)
        has_response = np.zeros(n, dtype=bool)
        if n_stat:
            outcome[S], has_response[S] = self.outcomes("statutory", n_stat, need_stat)
        if n_corp:
            outcome[C], has_response[C] = self.outcomes("corporate", n_corp, need_corp)

        # SEND complaints: corporate (education) where there are corporate complaints
        send = np.zeros(n, dtype=bool)
        if self.has_send:
            pool_proc = C if n_corp else S
            n_send = t.i("send_received", round(DEFAULTS["send_share_of_corporate"] * pool_proc.sum()))
            wanted = {"upheld": t.i("send_upheld"), "partially_upheld": t.i("send_partially_upheld")}
            chosen = []
            for label, k in wanted.items():
                if k is None:
                    continue
                rows = np.flatnonzero(pool_proc & (outcome == label))
                if k > len(rows):
                    raise CalibrationError(f"{k} SEND complaints {label} but only {len(rows)} such complaints")
                chosen += list(rng.choice(rows, size=k, replace=False))
            rest = np.flatnonzero(
                pool_proc
                & ~np.isin(np.arange(n), chosen)
                & ~np.isin(outcome, [k for k, v in wanted.items() if v is not None])
            )
            need = n_send - len(chosen)
            # SEND complaints that must be answered within 20 days need responses
            resp_rest = rest[has_response[rest]]
            need_resp = max(0, t.i("send_within_20wd", 0) - int(has_response[chosen].sum()))
            first = (
                list(rng.choice(resp_rest, size=min(need_resp, len(resp_rest), need), replace=False))
                if need > 0
                else []
            )
            others = np.setdiff1d(rest, first)
            chosen += first + list(rng.choice(others, size=need - len(first), replace=False))
            send[np.array(chosen, dtype=int)] = True

        self.send = send
        fixed_team = np.full(n, "", dtype=object)
        # Ombudsman cases
        referral = np.zeros(n, dtype=bool)
        ombudsman_outcome = np.full(n, "", dtype=object)
        cases = self.ombudsman_cases(n)
        for team, result, is_send in cases:
            base = (np.isin(outcome, DECIDED)) & ~referral
            if is_send:
                rows = np.flatnonzero(base & send)
            else:
                rows = np.flatnonzero(base & ~send & (S if (n_stat and (not n_corp or rng.random() < 0.5)) else C))
                if not len(rows):
                    rows = np.flatnonzero(base & ~send)
            if not len(rows):
                raise CalibrationError("no complaint left to refer to the Ombudsman")
            row = int(rng.choice(rows))
            referral[row] = True
            ombudsman_outcome[row] = result
            if team:
                fixed_team[row] = team

        # escalations: parents of stage 2 (and stage 3) rows
        stage2 = self.escalations(n, S, C, outcome, referral, fixed_team)

        # dates of receipt: ongoing late in the year, escalated early enough to escalate
        lo, hi = np.zeros(n, dtype=int), np.full(n, 364, dtype=int)
        ongoing = outcome == "ongoing"
        lo[ongoing] = 330
        for parent, info in stage2.items():
            lo[parent], hi[parent] = info["window"]
        received = self.dates_in(lo, hi)

        # timeliness
        band = np.full(n, "", dtype=object)
        if self.sy.get("process_change"):
            self.bands_process_change(band, received, has_response, S, C)
        else:
            self.bands_statutory(band, has_response & S, w10, w11, over, w20)
            self.bands_corporate(band, has_response & C, send)
        wd = self.working_day_values(band, S)
        responded = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        if has_response.any():
            responded[has_response] = self._add(received[has_response], wd[has_response])
        extension = np.zeros(n, dtype=bool)
        extension[band == "w11_20"] = True
        late = np.flatnonzero((band == "over20") & S)
        extension[late[rng.random(len(late)) < DEFAULTS["extension_when_late"]]] = True
        code_columns, overdue = {}, None
        if self.code:
            code_columns, responded, extension, overdue = self.code_stage1(
                received, proc, outcome, responded, has_response, extension, wd, S
            )
        delay = self.delay_reasons(wd, S, C, extension, has_response, overdue=overdue)

        # who complained and how
        child, ctype = self.complainants(n, S, C, send)
        channel = self.channels(n, S)
        team = self.teams(n, S, C, send, outcome, fixed_team)
        issues = self.issues(n, S, C, send, outcome)
        remedy = self.remedies(n, S, outcome)

        stage1 = pd.DataFrame(
            {
                "received": received,
                "procedure": proc,
                "stage": 1,
                "team": team,
                "issues": issues,
                "complainant_type": ctype,
                "channel": channel,
                "child_or_young_person": child,
                "send": send,
                "outcome": outcome,
                "responded": responded,
                "extension_agreed": extension,
                "delay_reason": delay,
                "ombudsman_referral": referral,
                "ombudsman_outcome": ombudsman_outcome,
                "remedy": remedy,
                **code_columns,
            }
        )
        if self.code:  # complaints not accepted into the procedure: more stage 1 rows, after the others
            stage1 = pd.concat([stage1, self.refusals(stage1)], ignore_index=True)
        order = np.lexsort((rng.random(len(stage1)), stage1["received"].to_numpy()))
        refs = np.empty(len(stage1), dtype=object)
        fmt = sc.get("reference", "{yy}-{n:05d}")
        for k, row in enumerate(order):
            refs[row] = fmt.format(yy=f"{self.first.year % 100:02d}", yyyy=f"{self.first.year}", n=k + 1)
        stage1.insert(0, "reference", refs)
        later = self.later_stages(stage1, stage2)
        complaints = pd.concat([stage1, later], ignore_index=True)
        complaints = complaints.sort_values(["received", "reference", "stage"], kind="stable").reset_index(drop=True)
        complaints = complaints[self.columns]
        if self.code:
            complaints["extension_days"] = complaints["extension_days"].astype("int64")
        return {"complaints": complaints, "feedback": self.feedback(n), "contacts": self.contacts(n)}

    # -- parts -----------------------------------------------------------------------------------
    def ombudsman_cases(self, n: int) -> list[tuple[str, str, bool]]:
        t, rng = self.t, self.rng
        if "ombudsman_referral" not in self.config.complaints.columns:
            return []
        explicit = self.sy.get("assume", {}).get("ombudsman")
        if explicit:
            cases = [(str(c[0]), str(c[1]), bool(c[2]) if len(c) > 2 else False) for c in explicit]
            if t.i("ombudsman_cases") not in (None, len(cases)):
                raise CalibrationError("the listed Ombudsman cases do not match ombudsman_cases")
            return cases
        k = t.i("ombudsman_cases", max(1, round(DEFAULTS["ombudsman_share"] * n)))
        known = {o: t.i(f"ombudsman_{o}") for o in DEFAULTS["ombudsman_outcomes"]}
        counts = {o: v for o, v in known.items() if v is not None}
        counts.update(
            allocate(
                k - sum(counts.values()),
                {o: w for o, w in DEFAULTS["ombudsman_outcomes"].items() if o not in counts},
                rng,
            )
        )
        results = [o for o, v in counts.items() for _ in range(v)]
        results = [results[i] for i in rng.permutation(len(results))]
        n_send = t.i("send_ombudsman_cases", 0) if self.has_send else 0
        send_upheld = t.i("send_ombudsman_upheld", 0) if self.has_send else 0
        is_send = [False] * k
        upheld = [i for i, r in enumerate(results) if r == "upheld"]
        others = [i for i, r in enumerate(results) if r != "upheld"]
        for i in upheld[:send_upheld] + others[: max(0, n_send - send_upheld)]:
            is_send[i] = True
        teams = [""] * k
        by_team = t.cats("ombudsman_by_team")
        slots = [team for team, c in by_team.items() for _ in range(c)]
        for i, team in enumerate(slots[:k]):
            teams[i] = team
        return list(zip(teams, results, is_send))

    def escalations(self, n, S, C, outcome, referral, fixed_team) -> dict:
        """Parents of stage 2 rows: {row: {procedure, outcome2, wd2, stage3, window}}."""
        t, rng = self.t, self.rng
        out: dict[int, dict] = {}
        n_stat, n_corp = int(S.sum()), int(C.sum())
        s2 = t.i("statutory_stage2_received", round(DEFAULTS["stage2_share"] * n_stat) if n_stat else 0)
        s3 = t.i("statutory_stage3_received", round(DEFAULTS["stage3_share_of_stage2"] * s2))
        c2 = t.i("corporate_stage2_received", round(DEFAULTS["corporate_stage2_share"] * n_corp) if n_corp else 0)
        # statutory stage 2 outcomes
        ongoing2 = t.i("statutory_stage2_ongoing", 0)
        resolved2 = t.i("statutory_stage2_resolved", s2 - ongoing2)
        withdrawn2 = s2 - ongoing2 - resolved2
        if withdrawn2 < 0 or s3 > resolved2:
            raise CalibrationError("statutory stage 2 outcomes do not add up")
        decided_labels = ["upheld", "partially_upheld", "not_upheld"] if self.split else ["upheld", "not_upheld"]
        res_out = list(draw(resolved2, dict.fromkeys(decided_labels, 1.0), rng))
        s3_up = t.i("statutory_stage3_upheld", 0)
        s3_not = t.i("statutory_stage3_not_upheld", s3 - s3_up)
        if s3_up + s3_not != s3:
            raise CalibrationError("statutory stage 3 outcomes do not add up")
        stage3_out = ["upheld"] * s3_up + ["not_upheld"] * s3_not
        candidates = np.flatnonzero(S & np.isin(outcome, DECIDED) & ~referral)
        if s2 > len(candidates):
            raise CalibrationError("not enough statutory complaints to escalate")
        parents = list(rng.choice(candidates, size=s2, replace=False))
        days2 = self._stage2_days(resolved2)
        for i, row in enumerate(parents):
            if i < resolved2:
                info = {
                    "outcome": res_out[i],
                    "wd": days2[i],
                    "stage3": stage3_out[i] if i < s3 else None,
                    "window": (0, 45) if i < s3 else (0, 190),
                }
            elif i < resolved2 + ongoing2:
                info = {"outcome": "ongoing", "wd": None, "stage3": None, "window": (225, 280)}
            else:
                info = {"outcome": "withdrawn", "wd": None, "stage3": None, "window": (0, 250)}
            out[int(row)] = dict(info, procedure="statutory")
        # corporate stage 2, with the teams the report lists
        by_team = t.cats("corporate_stage2_by_team")
        teams = [team for team, k in by_team.items() for _ in range(k)]
        if teams and len(teams) != c2:
            raise CalibrationError("corporate stage 2 by team does not add up to corporate stage 2")
        teams += [""] * (c2 - len(teams))
        up2 = t.i("corporate_stage2_upheld", round(0.2 * c2))
        outs = ["upheld"] * up2 + list(
            draw(c2 - up2, {"not_upheld": 0.7, "partially_upheld": 0.3} if self.split else {"not_upheld": 1.0}, rng)
        )
        outs = [outs[i] for i in rng.permutation(c2)]
        send_teams = set(self.sc.get("send_teams", []))
        taken = np.zeros(n, dtype=bool)
        for team, result in zip(teams, outs):
            wants_send = team in send_teams if team else None
            ok = C & np.isin(outcome, DECIDED) & ~referral & (fixed_team == "") & ~taken
            if wants_send is not None and self.has_send:
                ok &= self.send == wants_send
            candidates = np.flatnonzero(ok)
            if not len(candidates):
                raise CalibrationError("not enough corporate complaints to escalate")
            row = int(rng.choice(candidates))
            taken[row] = True
            if team:
                fixed_team[row] = team
            out[row] = {
                "procedure": "corporate",
                "outcome": result,
                "wd": int(rng.integers(12, 30)),
                "stage3": None,
                "window": (0, 250),
            }
        return out

    def _stage2_days(self, k: int) -> list[int]:
        mean = self.t.v("statutory_stage2_average_days")
        days = list(self.rng.integers(25, 66, size=k))
        if mean is not None and k:
            target = round(mean * k)
            days = self._hit_sum(days, target, 20, 90)
        return [int(d) for d in days]

    def _hit_sum(self, values, target: int, lo: int, hi: int) -> list[int]:
        values = [int(v) for v in values]
        guard = 0
        while sum(values) != target:
            guard += 1
            if guard > 100000:
                raise CalibrationError(f"cannot make working days sum to {target}")
            i = int(self.rng.integers(len(values)))
            step = 1 if sum(values) < target else -1
            if lo <= values[i] + step <= hi:
                values[i] += step
        return values

    def bands_statutory(self, band, rows_mask, w10, w11, over, w20) -> None:
        rows = np.flatnonzero(rows_mask)
        k = len(rows)
        if w20 is not None and w10 is not None and w11 is None:
            w11 = w20 - w10
        fixed = {"w10": w10, "w11_20": w11, "over20": over}
        if w20 is not None and over is None:
            fixed["over20"] = k - w20
        if w20 is not None and w10 is None and w11 is None:
            split = allocate(w20, {"w10": 0.54, "w11_20": 0.46}, self.rng)
            fixed.update(split)
        counts = {b: v for b, v in fixed.items() if v is not None}
        rest = k - sum(counts.values())
        if rest < 0 or any(v < 0 for v in counts.values()):
            raise CalibrationError(f"statutory timeliness {counts} does not fit {k} responses")
        counts.update(
            allocate(rest, {b: w for b, w in DEFAULTS["statutory_timeliness"].items() if b not in counts}, self.rng)
        )
        labels = np.array([b for b, v in counts.items() for _ in range(v)], dtype=object)
        band[rows[self.rng.permutation(k)]] = labels

    def bands_corporate(self, band, rows_mask, send) -> None:
        rows = np.flatnonzero(rows_mask)
        within = self.t.i("corporate_within_20wd", round(DEFAULTS["corporate_within_20wd"] * len(rows)))
        send_within = self.t.i("send_within_20wd") if self.has_send else None
        order = list(self.rng.permutation(rows))
        chosen = []
        if send_within is not None:
            send_rows = [r for r in order if send[r]]
            if send_within > len(send_rows):
                raise CalibrationError("more SEND responses within 20 days than SEND responses")
            chosen = send_rows[:send_within]
            order = [r for r in order if not send[r]]
        if within - len(chosen) > len(order) or within < len(chosen):
            raise CalibrationError("corporate responses within 20 days do not fit")
        chosen += order[: within - len(chosen)]
        band[rows] = "over20"
        band[np.array(chosen, dtype=int)] = "w20"

    def bands_process_change(self, band, received, has_response, S, C) -> None:
        change = np.datetime64(pd.Timestamp(self.sy["process_change"]))
        for before, share in ((True, self.sy["within_20wd_before"]), (False, self.sy["within_20wd_after"])):
            period = has_response & ((received < change) if before else (received >= change))
            rows = self.rng.permutation(np.flatnonzero(period))
            k = math.floor(share * len(rows) + 0.5)
            within, late = rows[:k], rows[k:]
            for r in within:
                band[r] = ("w10" if self.rng.random() < 0.54 else "w11_20") if S[r] else "w20"
            band[late] = "over20"

    def working_day_values(self, band, S) -> np.ndarray:
        rng = self.rng
        n = len(band)
        wd = np.full(n, np.nan)
        spans = {"w10": (1, 10), "w11_20": (11, 20), "w20": (1, 20)}
        for b, (lo, hi) in spans.items():
            rows = np.flatnonzero(band == b)
            days = np.arange(lo, hi + 1)
            p = days / days.sum() if b != "w11_20" else np.ones(len(days)) / len(days)
            wd[rows] = rng.choice(days, size=len(rows), p=p)
        late = np.flatnonzero(band == "over20")
        wd[late] = np.where(S[late], rng.integers(21, 46, size=len(late)), rng.integers(21, 61, size=len(late)))
        mean = self.t.v("statutory_average_response_days")
        rows = np.flatnonzero(S & (band != ""))
        if mean is not None and len(rows):
            target = round(mean * len(rows))
            limits = {"w10": (1, 10), "w11_20": (11, 20), "over20": (21, 60)}
            values = [int(v) for v in wd[rows]]
            guard = 0
            while sum(values) != target:
                guard += 1
                if guard > 100000:
                    raise CalibrationError("cannot reach the published average response time")
                j = int(rng.integers(len(rows)))
                step = 1 if sum(values) < target else -1
                lo, hi = limits[band[rows[j]]]
                if lo <= values[j] + step <= hi:
                    values[j] += step
            wd[rows] = values
        return wd

    def _add(self, received: np.ndarray, days: np.ndarray) -> np.ndarray:
        received = pd.DatetimeIndex(received).to_numpy(dtype="datetime64[D]")
        out = np.empty(len(received), dtype="datetime64[ns]")
        for d in np.unique(days):
            rows = days == d
            out[rows] = add_working_days(received[rows], int(d)).astype("datetime64[ns]")
        check = working_days(received, out)
        if not np.array_equal(check, days.astype(float)):
            raise CalibrationError("response dates do not give the working days intended")
        return out

    def delay_reasons(self, wd, S, C, extension, has_response, overdue=None) -> np.ndarray:
        """A reason for each overdue response (`overdue`: a mask of them, where the clocks say; by default those
        after the statutory or the council's corporate timescale from receipt)."""
        config = self.config
        n = len(wd)
        if overdue is None:
            limit = np.where(
                S & extension,
                config.statutory_extended,
                np.where(S, config.statutory_timescale, config.corporate_timescale),
            )
            overdue = has_response & (wd > limit)
        overdue = np.flatnonzero(overdue)
        out = np.full(n, "", dtype=object)
        targets = self.t.cats("overdue_reason")
        order = list(self.rng.permutation(overdue))
        if sum(targets.values()) > len(order):
            raise CalibrationError(f"{sum(targets.values())} overdue reasons but {len(order)} overdue responses")
        i = 0
        for reason, k in targets.items():
            for r in order[i : i + k]:
                out[r] = reason
            i += k
        rest = order[i:]
        if self.sy.get("delay_reason_recorded", True):
            weights = {r: w for r, w in _weights(self.sc.get("delay_reasons")).items() if r not in targets}
            if weights and rest:
                out[np.array(rest, dtype=int)] = draw(len(rest), weights, self.rng)
        return out

    def complainants(self, n, S, C, send) -> tuple[np.ndarray, np.ndarray]:
        t, rng, sc = self.t, self.rng, self.sc
        child_type = sc.get("child_type", "Child or young person")
        cic_type = sc.get("children_in_care_type")
        types_target = t.cats("statutory_complainant_type")
        k = t.i("complaints_from_children")
        if k is None:
            k = types_target.get(child_type) if types_target else max(1, round(DEFAULTS["children_share"] * n))
        kc = t.i("complaints_from_children_in_care", 0) if cic_type else 0
        stat_rows = np.flatnonzero(S)
        if types_target:  # the published table of complainants says how many children complained at stage 1 statutory
            in_stat = types_target.get(child_type, 0) + (types_target.get(cic_type, 0) if cic_type else 0)
            if in_stat > k:
                raise CalibrationError("more child complainants in the table than complaints from children")
        else:  # children complain mostly about social care: up to half the statutory complaints
            in_stat = min(k, len(stat_rows) // 2)
        other_rows = np.flatnonzero(C & ~send)
        child_rows = list(rng.choice(stat_rows, size=in_stat, replace=False)) if in_stat else []
        if k - in_stat > len(other_rows):
            raise CalibrationError("not enough complaints for the complaints from children")
        child_rows += list(rng.choice(other_rows, size=k - in_stat, replace=False)) if k - in_stat else []
        child = np.zeros(n, dtype=bool)
        child[np.array(child_rows, dtype=int)] = True
        ctype = np.full(n, "", dtype=object)
        ctype[child] = child_type
        if kc:
            cic = [r for r in child_rows if S[r]][:kc]
            if len(cic) < kc:
                raise CalibrationError("not enough statutory complaints from children for children in care")
            ctype[np.array(cic, dtype=int)] = cic_type
        weights = _weights(sc.get("complainant_types"))
        stat_adults = np.flatnonzero(S & ~child)
        if types_target:
            adult_counts = {c: v for c, v in types_target.items() if c not in (child_type, cic_type)}
            if sum(adult_counts.values()) != len(stat_adults):
                raise CalibrationError("statutory complainant types do not add up to statutory complaints")
            labels = np.array([c for c, v in adult_counts.items() for _ in range(v)], dtype=object)
            ctype[stat_adults] = labels[rng.permutation(len(labels))]
        else:
            ctype[stat_adults] = draw(len(stat_adults), weights, rng)
        rest = np.flatnonzero(~S & ~child)
        ctype[rest] = draw(len(rest), weights, rng)
        return child, ctype

    def channels(self, n, S) -> np.ndarray:
        t, rng = self.t, self.rng
        weights = _weights(self.sc.get("channels"))
        out = draw(n, weights, rng)
        target = t.cats("statutory_channel")
        stat = np.flatnonzero(S)
        if target:
            labels = np.array([c for c, v in target.items() for _ in range(v)], dtype=object)
            if len(labels) != len(stat):
                raise CalibrationError("statutory channels do not add up to statutory complaints")
            out[stat] = labels[rng.permutation(len(labels))]
        elif t.i("statutory_digital_channel") is not None:
            digital = {c: w for c, w in weights.items() if c in self.config.digital_channels}
            other = {c: w for c, w in weights.items() if c not in self.config.digital_channels}
            k = t.i("statutory_digital_channel")
            order = rng.permutation(stat)
            out[order[:k]] = draw(k, digital, rng)
            out[order[k:]] = draw(len(stat) - k, other, rng)
        return out

    def teams(self, n, S, C, send, outcome, fixed) -> np.ndarray:
        t, rng, sc = self.t, self.rng, self.sc
        out = fixed.copy()
        # statutory
        stat_pool = sc.get("statutory_teams") or sc.get("statutory_teams_from_documents") or []
        received = t.cats("statutory_received_by_team")
        upheld = t.cats("statutory_upheld_by_team")
        stat = np.flatnonzero(S)
        if received or upheld:
            if (fixed[stat] != "").any():
                raise CalibrationError("fixed teams on statutory complaints conflict with the published teams")
            upheld_rows = [r for r in stat if outcome[r] == "upheld"]
            non_upheld_rows = [r for r in stat if outcome[r] != "upheld"]
            o_counts = {team: received[team] - upheld.get(team, 0) for team in received}
            if any(v < 0 for v in o_counts.values()):
                raise CalibrationError("more upheld than received for a team")
            spare = [team for team in stat_pool if team not in received and team not in upheld]
            for rows, counts in ((upheld_rows, upheld), (non_upheld_rows, o_counts)):
                dealt = deal(len(rows), counts, rng)
                for r, teams in zip(rows, dealt):
                    if not teams:
                        if not spare:
                            raise CalibrationError(
                                "teams: too few mentions for the complaints and no other team to use"
                            )
                        teams = [str(draw(1, _weights(spare), rng)[0])]
                    out[r] = _join(teams)
        else:
            rows = [r for r in stat if out[r] == ""]
            out[np.array(rows, dtype=int)] = draw(len(rows), _weights(stat_pool), rng)
        # corporate
        corp_pool = list(
            dict.fromkeys(
                (sc.get("corporate_teams") or [])
                + (sc.get("corporate_teams_from_documents") or [])
                + (sc.get("corporate_teams_invented") or [])
            )
        )
        send_pool = [s for s in sc.get("send_teams", []) if s in corp_pool] or corp_pool
        corp = np.flatnonzero(C)
        free_send = [r for r in corp if out[r] == "" and send[r]]
        out[np.array(free_send, dtype=int)] = draw(len(free_send), _weights(send_pool), rng)
        distinct = t.i("corporate_service_areas")
        free = [r for r in corp if out[r] == ""]
        used = list(dict.fromkeys(out[corp][out[corp] != ""]))
        send_set = set(sc.get("send_teams", []))
        general = [c for c in corp_pool if c not in send_set] or corp_pool
        if distinct is not None:
            need = distinct - len(used)
            fresh = [c for c in general if c not in used]
            if need < 0 or need > min(len(fresh), len(free)):
                raise CalibrationError(f"cannot make {distinct} corporate service areas")
            new = fresh[:need]
            order = list(rng.permutation(free))
            for r, team in zip(order[:need], new):
                out[r] = team
            rest = order[need:]
            allowed = {c: w for c, w in _weights(general).items() if c in used or c in new}
            out[np.array(rest, dtype=int)] = draw(len(rest), allowed, rng)
        else:
            out[np.array(free, dtype=int)] = draw(len(free), _weights(general), rng)
        return out

    def issues(self, n, S, C, send, outcome) -> np.ndarray:
        t, rng, sc = self.t, self.rng, self.sc
        out = np.full(n, "", dtype=object)
        stat_pool = list(
            dict.fromkeys(
                (sc.get("statutory_issues") or [])
                + (sc.get("statutory_issues_from_documents") or [])
                + (sc.get("statutory_issues_invented") or [])
            )
        )
        corp_pool = list(
            dict.fromkeys(
                (sc.get("corporate_issues") or [])
                + (sc.get("corporate_issues_from_documents") or [])
                + (sc.get("corporate_issues_invented") or [])
            )
        )
        send_pool = sc.get("send_issues") or corp_pool
        send_only = list(sc.get("send_only_issues", []))

        def put(rows, counts):
            for r, items in zip(rows, deal(len(rows), counts, rng)):
                out[r] = _join(items)

        def random_issues(rows, pool):
            weights = _weights(pool)
            for r in rows:
                k = 2 if rng.random() < DEFAULTS["issues_per_complaint"] - 1 else 1
                items = list(dict.fromkeys(draw(k, weights, rng)))
                out[r] = _join(items)

        # statutory
        stat = list(np.flatnonzero(S))
        counts = t.cats("statutory_issues")
        theme = t.cats("statutory_upheld_theme")
        if counts:
            complete = (
                t.origin.get(("statutory_issues", next(iter(counts))), "") == "assumed"
                and t.i("statutory_issues_total") is None
            )
            full = (
                counts
                if complete
                else categories_for(
                    t.i("statutory_issues_total"),
                    t.i("statutory_issue_areas"),
                    counts,
                    stat_pool,
                    rng,
                    n_rows=len(stat),
                )
            )
            put(stat, full)
        elif theme:
            upheld_rows = [r for r in stat if outcome[r] == "upheld"]
            put(upheld_rows, theme)
            random_issues([r for r in stat if outcome[r] != "upheld"], stat_pool)
        else:
            random_issues(stat, stat_pool)
        # corporate, with SEND complaints inside
        corp = list(np.flatnonzero(C))
        send_rows = [r for r in corp if send[r]]
        other = [r for r in corp if not send[r]]
        send_counts = t.cats("send_issues")
        send_full = None
        if send_rows and (send_counts or t.i("send_issues_total") is not None):
            send_full = categories_for(
                t.i("send_issues_total"), t.i("send_issue_areas"), send_counts, send_pool, rng, n_rows=len(send_rows)
            )
            upheld_fixed = t.cats("send_issues_upheld")
            upheld_rows = [r for r in send_rows if outcome[r] == "upheld"]
            non_upheld_rows = [r for r in send_rows if outcome[r] != "upheld"]
            a, b = split_mentions(send_full, upheld_fixed, len(upheld_rows), len(non_upheld_rows), rng)
            put(upheld_rows, a)
            put(non_upheld_rows, b)
        corp_counts = t.cats("corporate_issues")
        if corp and (corp_counts or t.i("corporate_issues_total") is not None):
            non_send_pool = [c for c in corp_pool if c not in send_only]
            full = categories_for(
                t.i("corporate_issues_total"),
                t.i("corporate_issue_areas"),
                corp_counts,
                non_send_pool + [c for c in send_only if c in corp_pool],
                rng,
                floor=send_full,
                n_rows=len(corp),
                frozen=send_only,
            )
            if send_full is None and send_rows:
                raise CalibrationError("corporate issue counts need the SEND issues to be generated from counts too")
            rest = {c: v - (send_full or {}).get(c, 0) for c, v in full.items()}
            put(other, {c: v for c, v in rest.items() if v > 0})
        else:
            if send_full is None:
                random_issues(send_rows, send_pool)
            random_issues(other, [c for c in corp_pool if c not in send_only] or corp_pool)
        return out

    def remedies(self, n, S, outcome) -> np.ndarray:
        t, rng, sc = self.t, self.rng, self.sc
        out = np.full(n, "", dtype=object)
        up_w, not_w = _weights(sc.get("remedies_upheld")), _weights(sc.get("remedies_not_upheld"))
        targets = t.cats("statutory_remedy")
        for procedure_rows, use_targets in ((np.flatnonzero(S), True), (np.flatnonzero(~S), False)):
            up = [r for r in procedure_rows if outcome[r] in ("upheld", "partially_upheld")]
            no = [r for r in procedure_rows if outcome[r] == "not_upheld"]
            for rows, weights in ((up, up_w), (no, not_w)):
                rows = list(rng.permutation(rows)) if rows else []
                if use_targets and targets:
                    mine = {c: v for c, v in targets.items() if c in weights and not (weights is not_w and c in up_w)}
                    labels = [c for c, v in mine.items() for _ in range(v)]
                    if len(labels) > len(rows):
                        raise CalibrationError("more remedies than complaints to give them to")
                    for r, c in zip(rows, labels):
                        out[r] = c
                    rest = rows[len(labels) :]
                    spare = {c: w for c, w in weights.items() if c not in targets}
                    if rest:
                        out[np.array(rest, dtype=int)] = draw(len(rest), spare, rng) if spare else ""
                elif rows:
                    out[np.array(rows, dtype=int)] = draw(len(rows), weights, rng)
        if targets:
            placed = pd.Series(out[S]).value_counts()
            for c, v in targets.items():
                if int(placed.get(c, 0)) != v:
                    raise CalibrationError(f"remedy '{c}': cannot place {v}")
        return out

    # -- the Complaint Handling Code's columns (years with code_columns = true) -------------------------
    def ack_days(self, n: int, exact: bool = True) -> np.ndarray:
        """Working days to acknowledge, for n rows: `acknowledged_within_5wd` of them within 5 (exactly, rounded,
        when `exact`), the others 6 or 7."""
        rng = self.code_rng
        share = float(self.sy.get("acknowledged_within_5wd", DEFAULTS["acknowledged_within_5wd"]))
        if exact:
            within = np.zeros(n, dtype=bool)
            within[rng.permutation(n)[: math.floor(share * n + 0.5)]] = True
        else:
            within = rng.random(n) < share
        out = np.empty(n, dtype=int)
        for mask, table in ((within, ACK_WITHIN), (~within, ACK_LATE)):
            out[mask] = draw(int(mask.sum()), table, rng)
        return out

    def extension_reasons(self, k: int) -> np.ndarray:
        """A reason for each of k extensions, `extension_without_reason` of them (at least one of five) blank."""
        rng = self.code_rng
        share = float(self.sy.get("extension_without_reason", DEFAULTS["extension_without_reason"]))
        out = draw(k, _weights(self.sc.get("extension_reasons")), rng)
        blank = math.floor(share * k + 0.5) if k < 5 else max(1, math.floor(share * k + 0.5))
        out[rng.permutation(k)[:blank]] = ""
        return out

    def code_stage1(self, received, proc, outcome, responded, has_response, extension, wd, S):
        """The Code's columns of the stage 1 rows, and the response dates and extensions they change.

        Every complaint is acknowledged (`ack_days` after receipt; never after the response). Corporate complaints
        under the Code (received from 1 April 2026) are answered a number of working days after the
        acknowledgement: `code_extended` of them with an extension of 5 to 10 working days (`extension_over_limit`
        of the extensions 11 to 15, more than the Code allows), `code_answered_in_time` within the Code's time.
        Statutory complaints keep their response dates; those with an extension get its date (before the 10th
        working day) and days (5, or 10 for a response after 15 working days). Returns the columns, the response
        dates, the extensions and the overdue responses (after the clock in force: clock_measures)."""
        rng = self.code_rng
        n = len(received)
        clocks = self.config.clocks
        chosen = in_force(clocks, proc, np.ones(n, dtype=int), received)
        code = np.array([i >= 0 and clocks[i].rules == CODE for i in chosen], dtype=bool)
        ack_wd = np.zeros(n, dtype=int)
        for group in (code, ~code):
            rows = np.flatnonzero(group)
            ack_wd[rows] = self.ack_days(len(rows))
        acknowledged = self._add(received, ack_wd)
        responded = responded.copy()
        extension = extension.copy()
        ext_days = np.zeros(n, dtype=np.int64)
        ext_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")

        # under the Code: answered from the acknowledgement
        answered = np.flatnonzero(code & has_response)
        m = len(answered)
        extension[code] = False
        order = rng.permutation(answered)
        n_ext = math.floor(float(self.sy.get("code_extended", DEFAULTS["code_extended"])) * m + 0.5)
        extended = order[:n_ext]
        over_share = float(self.sy.get("extension_over_limit", DEFAULTS["extension_over_limit"]))
        n_over = max(1, math.floor(over_share * n_ext + 0.5)) if n_ext >= 5 else 0
        over, within_limit = extended[:n_over], extended[n_over:]
        extension[extended] = True
        ext_days[over] = rng.integers(11, 16, size=len(over))
        ext_days[within_limit] = rng.integers(5, 11, size=len(within_limit))
        n_in_time = math.floor(float(self.sy.get("code_answered_in_time", DEFAULTS["code_answered_in_time"])) * m + 0.5)
        candidates = rng.permutation(np.setdiff1d(answered, over))
        if n_in_time > len(candidates):
            raise CalibrationError("more Code responses in time than responses that can be")
        in_time = np.zeros(n, dtype=bool)
        in_time[candidates[:n_in_time]] = True
        answer = np.zeros(n, dtype=int)
        days10 = np.arange(1, 11)
        for r in answered:
            if not extension[r]:
                answer[r] = (
                    int(rng.choice(days10, p=days10 / days10.sum())) if in_time[r] else int(rng.integers(11, 31))
                )
            elif ext_days[r] > 10:  # within the extension agreed, beyond the Code's 20 working days
                answer[r] = int(rng.integers(21, 11 + ext_days[r]))
            else:  # needed the extension; late ones beyond the Code's 20 working days
                answer[r] = int(rng.integers(11, 11 + ext_days[r])) if in_time[r] else int(rng.integers(21, 36))
        if m:
            responded[answered] = self._add(acknowledged[answered], answer[answered])
        if len(extended):  # agreed before the Code's 10 working days were up
            agreed = self._add(acknowledged[extended], rng.integers(2, 11, size=len(extended)))
            ext_date[extended] = np.minimum(agreed, responded[extended])

        # statutory extensions: agreed before the 10th working day
        stat_ext = np.flatnonzero(S & extension)
        if len(stat_ext):
            ext_days[stat_ext] = np.where(wd[stat_ext] <= 15, 5, 10)
            agreed = self._add(received[stat_ext], rng.integers(5, 11, size=len(stat_ext)))
            agreed = np.maximum(agreed, np.minimum(acknowledged[stat_ext], responded[stat_ext]))
            ext_date[stat_ext] = np.minimum(agreed, responded[stat_ext])

        # an acknowledgement is never after the response (the response acknowledges a quick answer)
        dated = ~np.isnat(responded)
        acknowledged[dated] = np.minimum(acknowledged[dated], responded[dated])
        reasons = np.full(n, "", dtype=object)
        all_ext = np.flatnonzero(extension)
        reasons[all_ext] = self.extension_reasons(len(all_ext))
        columns = {
            "requested": np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
            "acknowledged": acknowledged,
            "extension_date": ext_date,
            "extension_days": ext_days,
            "extension_reason": reasons,
            "refusal_reason": np.full(n, "", dtype=object),
        }
        frame = pd.DataFrame(
            {"received": received, "procedure": proc, "stage": 1, "outcome": outcome, "responded": responded}
            | {"extension_agreed": extension}
            | columns
        )
        measured = measure_clocks(frame, clocks, frozenset(frame.columns))
        overdue = has_response & (measured["in_time"].to_numpy(dtype=object) == False)  # noqa: E712
        return columns, responded, extension, overdue

    def refusals(self, stage1: pd.DataFrame) -> pd.DataFrame:
        """Stage 1 complaints not accepted into the procedure (`complaints_refused`, or `refused_share` of stage 1
        complaints): each like an accepted complaint of the same procedure (team, issues, who and how), received
        in the year, acknowledged, with a reason and no response."""
        rng, t = self.code_rng, self.t
        n = len(stage1)
        share = float(self.sy.get("refused_share", DEFAULTS["refused_share"]))
        k = t.i("complaints_refused", math.floor(share * n / (1 - share) + 0.5))
        procedures = stage1["procedure"].to_numpy(dtype=object)
        per = allocate(k, {p: float((procedures == p).sum()) for p in ("statutory", "corporate")}, rng)
        donors_ok = ~stage1["child_or_young_person"].to_numpy(dtype=bool) & ~stage1["ombudsman_referral"].to_numpy(
            dtype=bool
        )
        picks = []
        for procedure, count in per.items():
            pool = np.flatnonzero(donors_ok & (procedures == procedure))
            if count > len(pool):
                raise CalibrationError(f"not enough {procedure} complaints to model {count} refusals on")
            picks += list(rng.choice(pool, size=count, replace=False)) if count else []
        keep = ["procedure", "team", "issues", "complainant_type", "channel", "send"]
        out = stage1.loc[np.array(picks, dtype=int), keep].reset_index(drop=True)
        received = self.dates_in(np.zeros(k, dtype=int), np.full(k, 364, dtype=int), rng=rng)
        acknowledged = self._add(received, self.ack_days(k, exact=False)) if k else received
        out = out.assign(
            received=received,
            stage=1,
            child_or_young_person=False,
            outcome="not_accepted",
            responded=pd.NaT,
            extension_agreed=False,
            delay_reason="",
            ombudsman_referral=False,
            ombudsman_outcome="",
            remedy="",
            requested=pd.NaT,
            acknowledged=acknowledged,
            extension_date=pd.NaT,
            extension_days=0,
            extension_reason="",
            refusal_reason=draw(k, _weights(self.sc.get("refusal_reasons")), rng),
        )
        for column in ("responded", "requested", "extension_date"):
            out[column] = pd.to_datetime(out[column])
        return out[list(stage1.columns)]

    def code_later_stage(self, row: dict, before, info: dict | None) -> dict:
        """The Code's columns of a stage 2 or 3 row: requested 0 to 3 working days before it was received (never
        before the previous stage's response, `before`), acknowledged, and for a corporate stage 2 under the Code
        answered from the acknowledgement (`code_stage2_in_time` within the Code's 20 working days,
        `code_stage2_extended` with an extension of 5 to 10); statutory stage 2 extensions (beyond 25 working days)
        get a date and days."""
        rng = self.code_rng
        received = np.datetime64(row["received"], "D")
        year = received.astype("datetime64[Y]").astype(int) + 1970
        calendar = np.busdaycalendar(holidays=bank_holidays(year - 1, year + 1))
        requested = np.busday_offset(received, -int(rng.integers(0, 4)), roll="backward", busdaycal=calendar)
        requested = max(requested, np.datetime64(before, "D"))
        requested = np.datetime64(requested, "ns")
        ack = self._add(np.array([requested]), np.array([int(self.ack_days(1, exact=False)[0])]))[0]
        ack = max(ack, np.datetime64(row["received"], "ns"))
        out = {
            "requested": requested,
            "extension_date": pd.NaT,
            "extension_days": 0,
            "extension_reason": "",
            "refusal_reason": "",
        }
        responded = row["responded"]
        stage2 = int(row["stage"]) == 2
        clocks = self.config.clocks
        chosen = in_force(clocks, [row["procedure"]], [int(row["stage"])], [row["received"]])[0]
        under_code = chosen >= 0 and clocks[chosen].rules == CODE
        if under_code and info is not None and info["wd"] is not None:
            extended = rng.random() < float(self.sy.get("code_stage2_extended", DEFAULTS["code_stage2_extended"]))
            in_time = rng.random() < float(self.sy.get("code_stage2_in_time", DEFAULTS["code_stage2_in_time"]))
            days = int(rng.integers(5, 11)) if extended else 0
            if extended:
                answer = int(rng.integers(21, 21 + days)) if in_time else int(rng.integers(31, 41))
            else:
                answer = int(rng.integers(8, 21)) if in_time else int(rng.integers(21, 36))
            responded = self._add(np.array([ack]), np.array([answer]))[0]
            out["responded"] = responded
            out["extension_agreed"] = extended
            if extended:
                agreed = self._add(np.array([ack]), np.array([int(rng.integers(5, 18))]))[0]
                out |= {"extension_date": agreed, "extension_days": days}
        elif stage2 and row["extension_agreed"]:  # beyond the stage's timescale from receipt, as agreed
            base = 25 if row["procedure"] == "statutory" else self.config.corporate_timescale
            received = np.array([np.datetime64(row["received"], "ns")])
            agreed = self._add(received, np.array([int(rng.integers(base - 10, base))]))[0]
            out |= {
                "extension_date": min(max(agreed, ack), responded),
                "extension_days": min(40, 5 * math.ceil((info["wd"] - base) / 5)),
            }
        if out["extension_days"]:
            share = float(self.sy.get("extension_without_reason", DEFAULTS["extension_without_reason"]))
            blank = rng.random() < share
            out["extension_reason"] = "" if blank else str(draw(1, _weights(self.sc.get("extension_reasons")), rng)[0])
        if not pd.isna(responded):
            ack = min(ack, np.datetime64(responded, "ns"))
        out["acknowledged"] = ack
        return out

    def later_stages(self, stage1: pd.DataFrame, stage2: dict) -> pd.DataFrame:
        rng = self.rng
        rows = []
        fy_end = self.last.to_datetime64()
        for parent, info in sorted(stage2.items()):
            p = stage1.loc[parent]
            base = {
                c: p[c]
                for c in (
                    "reference",
                    "procedure",
                    "team",
                    "issues",
                    "complainant_type",
                    "channel",
                    "child_or_young_person",
                    "send",
                )
            }
            received2 = p["responded"] + np.timedelta64(int(rng.integers(4, 21)), "D")
            if received2 > fy_end:
                raise CalibrationError("a stage 2 request falls after the end of the year")
            r2 = dict(
                base,
                stage=2,
                received=received2,
                outcome=info["outcome"],
                extension_agreed=False,
                delay_reason="",
                ombudsman_referral=False,
                ombudsman_outcome="",
                remedy="",
                responded=pd.NaT,
            )
            if info["wd"] is not None:
                r2["responded"] = self._add(np.array([received2], dtype="datetime64[ns]"), np.array([info["wd"]]))[0]
                r2["extension_agreed"] = info["wd"] > 25
            if self.code:
                r2.update(self.code_later_stage(r2, p["responded"], info))
            rows.append(r2)
            if info["stage3"]:
                received3 = r2["responded"] + np.timedelta64(int(rng.integers(5, 21)), "D")
                if received3 > fy_end:
                    raise CalibrationError("a stage 3 request falls after the end of the year")
                r3 = dict(
                    base,
                    stage=3,
                    received=received3,
                    outcome=info["stage3"],
                    extension_agreed=False,
                    delay_reason="",
                    ombudsman_referral=False,
                    ombudsman_outcome="",
                    remedy="",
                )
                r3["responded"] = self._add(
                    np.array([received3], dtype="datetime64[ns]"), np.array([int(rng.integers(15, 31))])
                )[0]
                if self.code:
                    r3.update(self.code_later_stage(r3, r2["responded"], None))
                rows.append(r3)
        frame = pd.DataFrame(rows, columns=list(stage1.columns))
        if len(frame):
            for column in ("received", "responded", "requested", "acknowledged", "extension_date"):
                if column in frame.columns:
                    frame[column] = pd.to_datetime(frame[column])
        return frame

    def feedback(self, n: int) -> pd.DataFrame:
        t, rng, sc = self.t, self.rng, self.sc
        if not self.config.feedback.columns:
            return pd.DataFrame(columns=list(SCHEMA["feedback"]))
        k = t.i("compliments_received", round(DEFAULTS["compliments_per_complaint"] * n))
        m = t.i("comments_received", round(DEFAULTS["comments_per_complaint"] * n))
        pool = list(
            dict.fromkeys(
                (sc.get("compliment_teams") or [])
                + (sc.get("compliment_teams_from_documents") or [])
                + (sc.get("compliment_teams_invented") or [])
            )
        )
        by_team = t.cats("compliments_by_team")
        areas = t.i("compliment_teams")
        if by_team or areas is not None:
            counts = categories_for(k, areas, by_team, pool, rng, strict=True)
            teams = np.array([c for c, v in counts.items() for _ in range(v)], dtype=object)
            teams = teams[rng.permutation(len(teams))]
        else:
            teams = draw(k, _weights(pool), rng)
        comment_teams = draw(m, _weights(pool), rng)
        kind = np.array(["compliment"] * k + ["comment"] * m, dtype=object)
        team = np.concatenate([teams, comment_teams]) if k + m else np.array([], dtype=object)
        send = np.zeros(k + m, dtype=bool)
        if "send" in self.config.feedback.columns:
            send_teams = sc.get("send_feedback_teams", [])
            for kind_name, measure, default_share in (
                ("compliment", "send_compliments_received", 0.2),
                ("comment", "send_comments_received", 0.1),
            ):
                rows = np.flatnonzero(kind == kind_name)
                want = t.i(measure, round(default_share * len(rows)))
                preferred = [r for r in rng.permutation(rows) if team[r] in send_teams]
                others = [r for r in rng.permutation(rows) if team[r] not in send_teams]
                pick = (preferred + others)[:want]
                send[np.array(pick, dtype=int)] = True
        days = self.dates_in(np.zeros(k + m, dtype=int), np.full(k + m, 364, dtype=int))
        frame = pd.DataFrame({"date": days, "kind": kind, "team": team, "send": send})
        return frame.sort_values(["date", "kind"], kind="stable").reset_index(drop=True)[list(SCHEMA["feedback"])]

    def contacts(self, n: int) -> pd.DataFrame:
        t, rng = self.t, self.rng
        if not self.council_contacts:
            return pd.DataFrame(columns=list(SCHEMA["contacts"]))
        total = t.i("contacts", int(DEFAULTS["contacts_per_complaint"] * n))
        months = pd.date_range(self.first, self.last, freq="MS")
        season = np.array([1.0, 1.0, 1.05, 0.95, 0.85, 1.05, 1.1, 1.1, 0.9, 1.05, 1.0, 1.05]) * rng.uniform(
            0.93, 1.07, 12
        )
        counts = allocate(total, dict(zip(range(12), season)), rng)
        return pd.DataFrame({"month": months, "contacts": [counts[i] for i in range(12)]})


def generate(
    council: str,
    year: str,
    targets: pd.DataFrame | Targets,
    seed: int | None = None,
    paths: Paths | None = None,
    spec: dict | None = None,
) -> dict[str, pd.DataFrame]:
    """Canonical synthetic frames {complaints, feedback, contacts} for one council-year.

    `targets`: the figures DataFrame (outputs/figures.csv, or complaints.pipeline.compute(...).figures);
    the extract reproduces every one of them records can give. Deterministic for a seed.
    """
    paths = paths or default_paths()
    spec = spec if spec is not None else load_spec(paths.data / "records" / SPEC_NAME)
    config = council_config(paths, council)
    spec_council = spec.get(council, {})
    spec_year = spec_council.get(year, {}) if isinstance(spec_council.get(year, {}), dict) else {}
    if not isinstance(targets, Targets):
        targets = build_targets(targets, council, year, config, spec_year)
    seed = int(spec_year.get("seed", 0)) if seed is None else int(seed)
    builder = _Builder(
        council,
        year,
        targets,
        spec_council,
        spec_year,
        config,
        np.random.default_rng(seed),
        council_contacts=_council_has_contacts(paths, council),
        code_rng=np.random.default_rng([seed, 1]),
    )
    return builder.build()


def _council_has_contacts(paths: Paths, council: str) -> bool:
    raw = tomllib.loads((paths.councils / f"{council}.toml").read_text(encoding="utf-8"))
    return bool(raw.get("contacts", {}).get("measure"))


# ---------------------------------------------------------------------------------------------
# Writing, checking, regenerating


def extract_name(year: str, kind: str) -> str:
    return f"{year}_synthetic_{kind}.csv"


def write_export(
    frames: dict[str, pd.DataFrame], council: str, year: str, folder: Path | None = None, paths: Paths | None = None
) -> list[Path]:
    """Write the frames in the council's export format (its column names, codes and date format)."""
    paths = paths or default_paths()
    config = council_config(paths, council)
    folder = Path(folder) if folder is not None else paths.data / "records" / council
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in ("complaints", "feedback", "contacts"):
        frame = frames.get(kind)
        if frame is None or frame.empty:
            continue
        export = to_export(frame, config.kind(kind))
        path = folder / extract_name(year, kind)
        temp = path.with_name(f".{path.name}.tmp")
        export.to_csv(temp, index=False, lineterminator="\n")
        temp.replace(path)
        written.append(path)
    return written


def in_memory_records(frames: dict[str, pd.DataFrame], council: str, year: str, config: RecordsConfig) -> Records:
    """Canonical frames as a Records object (as if read from files), to aggregate without writing."""
    out = {}
    present = {}
    for kind in ("complaints", "feedback", "contacts"):
        frame = frames.get(kind)
        frame = frame.copy() if frame is not None else pd.DataFrame(columns=list(SCHEMA[kind]))
        frame.insert(0, "line", np.arange(len(frame)) + 2)
        frame.insert(0, "file", extract_name(year, kind))
        frame.insert(0, "year", year)
        frame.insert(0, "council", council)
        if kind == "complaints" and len(frame):
            frame["stage"] = frame["stage"].astype(np.int8)
            frame["working_days"] = working_days(frame["received"], frame["responded"])
        out[kind] = frame
        present[(council, year, kind)] = frozenset(
            c for c in config.kind(kind).columns if c in SCHEMA[kind] and c in frame.columns
        )
    files = pd.DataFrame(columns=FILE_COLUMNS)
    return Records(out["complaints"], out["feedback"], out["contacts"], {council: config}, files, present)


def calibration(figures: pd.DataFrame, targets: Targets, council: str, year: str) -> pd.DataFrame:
    """Each target against what the extract's aggregates give: status matched / not_matched."""
    got = {
        (r["measure"], r["category"]): r["value"]
        for _, r in figures.iterrows()
        if r["council"] == council and r["year"] == year
    }
    rows = []
    keys = [(m, "") for m in targets.values] + [(m, c) for m, cats in targets.categories.items() for c in cats]
    for measure, category in sorted(keys):
        want = targets.values[measure] if not category else targets.categories[measure][category]
        value = got.get((measure, category), 0.0 if category else None)
        ok = value is not None and abs(float(value) - float(want)) < 1e-9
        rows.append(
            {
                "council": council,
                "year": year,
                "measure": measure,
                "category": category,
                "target": want,
                "synthetic": value,
                "origin": targets.origin.get((measure, category), ""),
                "status": "matched" if ok else "not_matched",
                "published_as": targets.published_as.get((measure, category), ""),
                "note": targets.notes.get((measure, category), ""),
            }
        )
    for measure, reason in targets.unmatched.items():
        value = got.get((measure, ""))
        rows.append(
            {
                "council": council,
                "year": year,
                "measure": measure,
                "category": "",
                "target": np.nan,
                "synthetic": value,
                "origin": "published",
                "status": "not_matched",
                "published_as": "",
                "note": " ".join(str(reason).split()),
            }
        )
    return pd.DataFrame(rows)


def shipped(spec: dict) -> list[tuple[str, str]]:
    """Council-years the spec describes: the extracts that are shipped."""
    out = []
    for council, section in spec.items():
        for key, value in section.items():
            if isinstance(value, dict) and len(key) == 7 and key[4] == "-":
                out.append((council, key))
    return sorted(out)


def regenerate(paths: Paths | None = None, check: bool = False) -> pd.DataFrame:
    """Generate every shipped extract from the published figures, check each reproduces them, write them
    (unless check) with data/records/calibration.csv. Returns the calibration table."""
    from ..analysis.resolve import build_figures
    from ..inputs.definitions import load_definitions
    from ..inputs.published import load_published

    paths = paths or default_paths()
    # the published figures only (as complaints.pipeline.compute resolves them), so that extracts that no
    # longer read (after a change to a council's mapping, say) can still be regenerated
    defs = load_definitions(paths)
    figures = build_figures(load_published(paths, defs), defs)
    spec = load_spec(paths.data / "records" / SPEC_NAME)
    tables = []
    for council, year in shipped(spec):
        config = council_config(paths, council)
        spec_year = spec[council][year]
        targets = build_targets(figures, council, year, config, spec_year)
        frames = generate(council, year, targets, paths=paths, spec=spec)
        records = in_memory_records(frames, council, year, config)
        table = calibration(aggregate(records, defs), targets, council, year)
        unexpected = table[(table["status"] != "matched") & ~table["measure"].isin(list(targets.unmatched))]
        if len(unexpected):
            raise CalibrationError(f"{council} {year}: the extract misses\n{unexpected.to_string()}")
        tables.append(table)
        if not check:
            write_export(frames, council, year, paths=paths)
    table = pd.concat(tables, ignore_index=True)
    if not check:
        path = paths.data / "records" / CALIBRATION_NAME
        table.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
    return table


# ---------------------------------------------------------------------------------------------
# Many complaints, fast: the 1,000,000-row benchmark


def generate_large(
    n: int, seed: int = 0, year: str = "2024-25", teams: list | None = None, issues: list | None = None
) -> pd.DataFrame:
    """n canonical complaint rows (stage 1, with about 8% stage 2 and 1% stage 3 escalations), vectorised."""
    rng = np.random.default_rng(seed)
    first, last = year_bounds(year)
    n1 = round(n / 1.09)
    n2 = round(n1 * 0.08)
    n3 = n - n1 - n2
    n3 = max(0, min(n3, n2))
    n1 = n - n2 - n3
    teams = teams or [
        "Assessment Team",
        "Care Management",
        "Children in Care",
        "Fostering Team",
        "SEN Team",
        "Care Leavers Team",
        "Early Help",
        "Educational Psychology",
        "Youth Justice",
        "MASH",
    ]
    issues = issues or ["Communication", "Decision", "Delay", "Staff behaviour", "Quality of service", "Data breach"]
    issue_values = np.array(issues + [f"{a}; {b}" for a, b in itertools.pairwise(issues)], dtype=object)
    days = (last - first).days + 1
    received1 = first.to_datetime64() + rng.integers(0, days, n1).astype("timedelta64[D]")
    wd1 = rng.integers(1, 40, n1)
    outcome = np.array(["upheld", "partially_upheld", "not_upheld", "withdrawn", "ongoing"], dtype=object)[
        rng.choice(5, n1, p=[0.22, 0.22, 0.5, 0.04, 0.02])
    ]
    answered = outcome != "ongoing"
    # escalations: stage 2 from the first 60% of the year, stage 3 from stage 2
    early = np.flatnonzero(received1 < (first + pd.Timedelta(days=200)).to_datetime64())
    parents2 = rng.choice(early, size=n2, replace=False)
    parents3 = rng.choice(parents2, size=n3, replace=False)
    refs = np.char.add("L", np.char.zfill(np.arange(1, n1 + 1).astype(str), 7)).astype(object)

    def frame(idx, stage, received, wd):
        m = len(idx)
        out = pd.DataFrame(
            {
                "reference": refs[idx],
                "received": received,
                "procedure": np.where(rng.random(m) < 0.15, "statutory", "corporate"),
                "stage": stage,
                "team": np.array(teams, dtype=object)[rng.integers(0, len(teams), m)],
                "issues": issue_values[rng.integers(0, len(issue_values), m)],
                "complainant_type": np.array(
                    ["Parent", "Relative", "Young person", "Foster carer", "Advocate"], dtype=object
                )[rng.integers(0, 5, m)],
                "channel": np.array(["Email", "Web form", "Telephone", "Letter"], dtype=object)[rng.integers(0, 4, m)],
                "child_or_young_person": rng.random(m) < 0.03,
                "send": rng.random(m) < 0.15,
                "outcome": outcome[idx]
                if stage == 1
                else np.array(["upheld", "not_upheld"], dtype=object)[rng.integers(0, 2, m)],
                "extension_agreed": rng.random(m) < 0.2,
                "delay_reason": np.where(
                    wd > 20,
                    np.array(["Complex case", "Staff absence", "Work pressures"], dtype=object)[rng.integers(0, 3, m)],
                    "",
                ),
                "ombudsman_referral": rng.random(m) < 0.01,
                "remedy": np.array(["Apology", "Explanation", "Information", ""], dtype=object)[rng.integers(0, 4, m)],
            }
        )
        out["ombudsman_outcome"] = np.where(out["ombudsman_referral"], "not_upheld", "")
        return out

    f1 = frame(np.arange(n1), 1, received1, wd1)
    f1["procedure"] = np.where(rng.random(n1) < 0.15, "statutory", "corporate")
    resp1 = add_working_days(received1, 0)
    responded1 = np.busday_offset(
        resp1, wd1, roll="forward", busdaycal=np.busdaycalendar(holidays=bank_holidays(first.year - 1, last.year + 1))
    )
    f1["responded"] = np.where(answered, responded1.astype("datetime64[ns]"), np.datetime64("NaT"))
    parts = [f1]
    if n2:
        rec2 = np.minimum(responded1[parents2] + np.timedelta64(7, "D"), last.to_datetime64().astype("datetime64[D]"))
        f2 = frame(parents2, 2, rec2, np.full(n2, 30))
        f2["procedure"] = f1["procedure"].to_numpy()[parents2]
        f2["responded"] = (rec2 + np.timedelta64(45, "D")).astype("datetime64[ns]")
        parts.append(f2)
    if n3:
        pos = {p: i for i, p in enumerate(parents2)}
        rec3 = np.minimum(
            parts[1]["responded"].to_numpy()[[pos[p] for p in parents3]].astype("datetime64[D]")
            + np.timedelta64(7, "D"),
            last.to_datetime64().astype("datetime64[D]"),
        )
        f3 = frame(parents3, 3, rec3, np.full(n3, 20))
        f3["procedure"] = f1["procedure"].to_numpy()[parents3]
        f3["responded"] = (rec3 + np.timedelta64(30, "D")).astype("datetime64[ns]")
        parts.append(f3)
    out = pd.concat(parts, ignore_index=True)
    out["received"] = pd.to_datetime(out["received"])
    out["responded"] = pd.to_datetime(out["responded"])
    # a complaint still ongoing has no response; a late stage-2/3 request may not be answered yet
    out.loc[out["responded"] < out["received"], "responded"] = out["received"]
    out.loc[out["outcome"] == "ongoing", "responded"] = pd.NaT
    return out[LEGACY_COLUMNS]


def write_large(
    path: Path, n: int, seed: int = 0, council: str = "dudley", year: str = "2024-25", paths: Paths | None = None
) -> Path:
    """generate_large(n) written in a council's export format (its columns, codes and date format)."""
    paths = paths or default_paths()
    config = council_config(paths, council).complaints
    frame = generate_large(n, seed, year)
    # keep to the values the council's codes know (Telford & Wrekin has no corporate procedure, for example)
    rng = np.random.default_rng(seed)
    for col, table in config.codes.items():
        if col not in frame.columns or col == "stage":
            continue
        allowed = list(dict.fromkeys(str(v) for v in table.values()))
        values = frame[col].astype(str)
        unknown = (~values.isin([*allowed, ""])).to_numpy()
        if unknown.any():
            if col == "outcome" and "upheld" in allowed:
                replacement = np.full(int(unknown.sum()), "upheld", dtype=object)
            else:
                replacement = np.array(allowed, dtype=object)[rng.integers(0, len(allowed), int(unknown.sum()))]
            column = frame[col].to_numpy(dtype=object).copy()
            column[unknown] = replacement
            frame[col] = column
    for col in ("received", "responded"):
        frame[col] = frame[col].astype("datetime64[ns]")
    export = _fast_export(frame, config)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    export.to_csv(path, index=False, lineterminator="\n")
    return path


def _fast_export(frame: pd.DataFrame, config) -> pd.DataFrame:
    """to_export, formatting each distinct value once (for a million rows)."""
    from dataclasses import replace

    out = {}
    for canonical, export in config.columns.items():
        if canonical not in frame.columns:
            continue
        if canonical == "reference":
            out[export] = frame["reference"].to_numpy()
            continue
        codes, uniques = pd.factorize(frame[canonical], use_na_sentinel=True)
        one = pd.DataFrame({canonical: uniques})
        text = to_export(one, replace(config, columns={canonical: export}))[export].to_numpy(dtype=object)
        text = np.append(text, "")
        out[export] = text[np.where(codes >= 0, codes, len(text) - 1)]
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m complaints.synthetic",
        description="Regenerate the synthetic extracts in data/records from the published figures.",
    )
    parser.add_argument("--check", action="store_true", help="generate and check, write nothing")
    parser.add_argument(
        "--large", type=int, metavar="N", help="instead, write N generated complaints in a council's format"
    )
    parser.add_argument("--council", default="dudley")
    parser.add_argument("--out", help="file for --large")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.large:
        out = Path(args.out or f"{args.large}_complaints.csv")
        write_large(out, args.large, council=args.council)
        logging.getLogger(__name__).info(f"wrote {out}")
        return 0
    table = regenerate(check=args.check)
    summary = table.groupby(["council", "year", "status"]).size().unstack(fill_value=0)
    print(summary.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
