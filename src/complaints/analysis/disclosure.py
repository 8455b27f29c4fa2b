"""Statistical disclosure control for the public version of the reports (`complaints reports --public`;
docs/methods.md, "Disclosure control (--public)").

Pure: it reads the frames a report reads (metrics.csv, figures.csv, monthly.csv, changes.csv) and
returns copies in which every figure that could reveal a small number is withheld. It draws nothing
and writes no words: the reporting modules show a withheld cell as "fewer than 5" (primary) or
"[c]" (secondary), from the `suppressed` columns this module adds.

The method, as official statistics do it:

1. Primary suppression. A count of 1 to 4 (THRESHOLD - 1) is withheld; 0 may show. Counts are the
   cells of figures.csv whose measure has the unit 'count' (not the "Number of ..." measures, which
   count teams or categories, not people), the counts of the monthly control chart and of the
   before/after comparisons. A count that is never shown but can be worked out by subtraction is a
   cell too, and is primary when it is 1 to 4: the rest of a whole after its listed parts, and the
   complement of a share (its base minus its numerator: 38 of 40 answered in time reveals the 2 who
   were not).
2. Secondary suppression. The additive structure of data/definitions/measures.csv (`sum_of`;
   `part_of` with `partition`, `by_category` and `exhaustive`), the numerator and denominator of each
   proportion in data/definitions/metrics.csv, the teams' and themes' upheld shares, and the sums of
   the months and of the before/after groups give linear equations between cells. For every withheld
   cell, linear programming (scipy's HiGHS) finds the smallest and largest value it could take given
   everything shown, with a primary cell known to lie in 1 to 4 and a secondary one ("[c]") known to
   be 0 or at least 5. While any withheld cell has fewer than two whole numbers in that range, more
   cells of the equations linked to it are withheld: the smallest count that protects it on its own,
   or else the pair with the smallest sum that does (zeros always show). Cells shown together or not
   at all (the months of a control chart, the four counts of a before/after comparison) are withheld
   together.
3. What rests on a withheld count is withheld with it: its share and interval; a share whose base is
   withheld; a rate; a mean over fewer than 5 complaints; a change from or to a withheld figure, with
   its test, p- and q-values and verdict (the verdict becomes WITHHELD); the council's own sentence it
   was transcribed from (figures.csv's quote, for every figure from that sentence) and any check of the
   audit about it (`withheld_audit`).

No equation links two councils or two years, so each council-year is protected on its own, and a
council report, its demonstration and the benchmarking report withhold the same cells as long as they
pass the same frames (complaints.reporting.public does). The published figures and the records are
linked only where a council's own, real, records are shown beside its published figures (`linked`):
synthetic records are about no one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..inputs.years import financial_year, previous_year

__all__ = [
    "PAIRED_BREAKDOWNS",
    "PRIMARY",
    "SECONDARY",
    "THRESHOLD",
    "WITHHELD",
    "DisclosureError",
    "Protected",
    "build_model",
    "is_count_measure",
    "numbers_in",
    "pinned",
    "primary_status",
    "protect",
    "ranges",
    "withheld_audit",
]

THRESHOLD = 5  # counts from 1 to THRESHOLD - 1 are withheld
PRIMARY, SECONDARY = "primary", "secondary"
WITHHELD = "withheld"  # the verdict of a change that involves a withheld figure
MAX_ROUNDS = 200  # secondary suppression stops after this many rounds (it never needs so many)
PAIR_SEARCH = 8  # where no one cell protects a count, pairs are tried among this many of the cheapest

# The upheld share per team and per theme that a report's records section shows: (received, upheld).
PAIRED_BREAKDOWNS = (
    ("statutory_received_by_team", "statutory_upheld_by_team"),
    ("statutory_issues", "statutory_upheld_theme"),
)
# A mean is withheld when the complaints it is the mean of are fewer than THRESHOLD (any of these counts).
MEAN_BASES = {
    "statutory_average_response_days": ("statutory_stage1_responded",),
    "statutory_stage2_average_days": ("statutory_stage2_received", "statutory_stage2_resolved"),
}
# The counts of the monthly control chart (procedure 'all') and of a before/after comparison.
CHART_PROCEDURE = "all"
MONTHLY_COUNTS = ("received", "responded", "within_10wd", "within_20wd")
CHART_COUNTS = ("responded", "within_20wd")
CHANGE_COUNTS = ("n_before", "k_before", "n_after", "k_after")
# Columns that state or test a change from the year before: withheld with either year's figure.
CHANGE_COLUMNS = (
    "change",
    "pct_change",
    "test",
    "p_value",
    "q_value",
    "effect_measure",
    "effect",
    "effect_ci_low",
    "effect_ci_high",
    "p_value_sampling",
    "dispersion",
    "dispersion_basis",
    "verdict_robust",
    "p_value_range",
    "values_tested",
)

Key = tuple  # (council, year, source, frame, measure, category)


def primary_status(value, threshold: int = THRESHOLD) -> str:
    """PRIMARY for a count from 1 to threshold - 1, '' otherwise (0, larger counts, no number)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return PRIMARY if math.isfinite(v) and 0 < v < threshold else ""


def is_count_measure(measure: str, measures: pd.DataFrame) -> bool:
    """A measure that counts people's complaints, compliments, cases...: unit 'count', and not a number
    of teams or categories (a description starting 'Number of')."""
    if measure not in measures.index:
        return False
    row = measures.loc[measure]
    return str(row["unit"]) == "count" and not str(row["description"]).startswith("Number of")


# ---------------------------------------------------------------------------------------------
# The model: cells and the equations between them


@dataclass
class Cell:
    value: float | None  # the true value (None: not known)
    shown: bool  # displayed when not withheld; False for a cell only worked out (a rest, a complement)
    status: str = ""  # '' | primary | secondary
    grouped: bool = False  # withheld with the cells it is shown with, so never marked on its own

    @property
    def unknown(self) -> bool:
        """Not shown to the reader: withheld, or never displayed."""
        return bool(self.status) or not self.shown


@dataclass
class Model:
    cells: dict[Key, Cell] = field(default_factory=dict)
    relations: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)  # total = sum of parts
    groups: list[tuple[Key, ...]] = field(default_factory=list)  # shown together or not at all
    solved: dict = field(default_factory=dict)  # ranges already worked out, by component and bounds
    always_solve: bool = False  # linear programming even for one equation (to check the arithmetic)

    def add(self, key: Key, value, shown: bool = True) -> Key:
        v = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        if key not in self.cells:
            self.cells[key] = Cell(v, shown)
        return key

    def relate(self, total: Key, parts: Iterable[Key]) -> None:
        relation = (total, tuple(parts))
        if relation not in self.relations:
            self.relations.append(relation)

    def value(self, key: Key) -> float | None:
        cell = self.cells.get(key)
        return None if cell is None else cell.value


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _source_of(figures: pd.DataFrame) -> pd.Series:
    return figures["basis"].map(lambda b: "records" if str(b) == "records" else "published")


def _split(text) -> list[str]:
    return [t.strip() for t in str(text or "").split("+") if t.strip()]


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _rest(model: Model, unit: tuple, total: Key, parts: list[Key], name: str, exact: bool) -> None:
    """total = parts (+ the rest, a cell only worked out). Skipped when the parts add up to more than
    the total (the documents disagree: there is no equation to use)."""
    whole = model.value(total)
    known = [model.value(p) for p in parts]
    if whole is None or any(v is None for v in known):
        return
    rest = whole - sum(known)
    if rest < -1e-9:
        return
    if exact and abs(rest) < 1e-9:
        model.relate(total, parts)
        return
    rest_key = model.add((*unit, "implied", f"rest of {name}", ""), rest, shown=False)
    model.relate(total, [*parts, rest_key])


def build_model(
    metrics: pd.DataFrame,
    figures: pd.DataFrame,
    defs,
    monthly: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    pairs=PAIRED_BREAKDOWNS,
    linked: Iterable[tuple[str, str]] = (),
) -> Model:
    """Every count cell of the frames and the equations between them (see the module docstring).
    For the council-years in `linked` (those with a council's own, real, records, shown beside its
    published figures), a published count and the records' count of the same figure are one number
    when they are equal: withheld in one, it is withheld in the other."""
    model = Model()
    measures = defs.measures
    f = figures.copy()
    f["category"] = f["category"].map(_text)
    f["source_"] = _source_of(f)
    counted = f[f["measure"].map(lambda m: is_count_measure(str(m), measures))]
    for r in counted.itertuples(index=False):
        value = _num(r.value)
        if value is not None:
            model.add((r.council, str(r.year), r.source_, "figures", r.measure, r.category), value)

    def cell(unit, measure, category="") -> Key | None:
        key = (*unit, "figures", measure, category)
        return key if key in model.cells else None

    units = sorted({k[:3] for k in model.cells})
    by_unit = dict(list(counted.groupby(["council", "year", "source_"]))) if len(counted) else {}
    for unit in units:
        rows = by_unit.get(unit)
        if rows is None:
            continue
        present = set(zip(rows["measure"], rows["category"]))
        # sum_of: a whole that is the sum of named measures
        for measure, spec in measures.iterrows():
            names = _split(spec["sum_of"])
            if not names or not is_count_measure(measure, measures):
                continue
            keys = [(*unit, "figures", m, "") for m in [measure, *names]]
            missing = [k for k in keys if k not in model.cells]
            if not missing:
                if abs(model.value(keys[0]) - sum(model.value(k) for k in keys[1:])) < 1e-9:
                    model.relate(keys[0], keys[1:])
            elif len(missing) == 1:
                known = {k: model.value(k) for k in keys if k not in missing}
                derived = (
                    sum(known.values())
                    if missing[0] == keys[0]
                    else known[keys[0]] - sum(v for k, v in known.items() if k != keys[0])
                )
                if derived >= 0:
                    model.add(missing[0], derived, shown=False)
                    model.relate(keys[0], keys[1:])
        # part_of: parts of a whole, by partition (or alone), and breakdowns by category
        groups: dict[tuple[str, str], list[Key]] = {}
        exhaustive: dict[tuple[str, str], bool] = {}
        for measure, spec in measures.iterrows():
            whole = _text(spec["part_of"])
            if not whole or not is_count_measure(measure, measures):
                continue
            if spec["by_category"] == "yes":
                keys = [cell(unit, measure, c) for m, c in sorted(present) if m == measure and c]
                name = measure
            else:
                keys = [cell(unit, measure)]
                name = _text(spec["partition"]) or measure
            keys = [k for k in keys if k is not None]
            if not keys:
                continue
            groups.setdefault((whole, name), []).extend(keys)
            exhaustive[(whole, name)] = exhaustive.get((whole, name), False) or spec["exhaustive"] == "yes"
        for (whole, name), parts in groups.items():
            total = cell(unit, whole)
            if total is not None:
                _rest(model, unit, total, parts, f"{whole} by {name}", exhaustive[(whole, name)])
        # the numerator and denominator of each proportion: its complement
        mine = metrics[
            (metrics["council"] == unit[0])
            & (metrics["year"].astype(str) == unit[1])
            & (metrics["source"] == unit[2])
            & (metrics["kind"] == "proportion")
        ]
        for r in mine.itertuples(index=False):
            k, n = cell(unit, _text(r.numerator_measure)), cell(unit, _text(r.denominator_measure))
            if k is None or n is None or k == n:
                continue
            if any(total == n and parts[0] == k for total, parts in model.relations):
                continue  # the whole of its parts: the rest is already its complement
            _rest(model, unit, n, [k], f"{r.denominator_measure} not {r.numerator_measure}", exact=False)
        # the upheld share of each team and theme (records)
        for received, upheld in pairs if unit[2] == "records" else ():
            for m, c in sorted(present):
                if m != received or not c:
                    continue
                n = cell(unit, received, c)
                if not model.value(n):
                    continue
                k = cell(unit, upheld, c) or model.add((*unit, "figures", upheld, c), 0.0)
                _rest(model, unit, n, [k], f"{received} not {upheld}: {c}", exact=False)
    _add_monthly(model, monthly)
    _add_changes(model, changes)
    for council, year in sorted(set(linked)):
        for key in [k for k in model.cells if k[:3] == (council, year, "published") and k[3] == "figures"]:
            twin = (council, year, "records", *key[3:])
            if twin in model.cells and model.value(twin) == model.value(key):
                model.relate(key, [twin])
    return model


def _month_years(months: pd.Series) -> list[str]:
    return list(financial_year(months.astype(str) + "-01")) if len(months) else []


def _add_monthly(model: Model, monthly: pd.DataFrame | None) -> None:
    """The control chart's months (procedure 'all'), one group a council-year: answered, answered in
    time, and late (a complement); their sum over the year is the year's records figure."""
    if monthly is None or not len(monthly):
        return
    rows = monthly[monthly["procedure"] == CHART_PROCEDURE]
    years = pd.Series(_month_years(rows["month"]), index=rows.index)
    for (council, year), part in rows.groupby([rows["council"], years]):
        unit = (council, year, "records")
        group = []
        for r in part.itertuples(index=False):
            responded = model.add((*unit, "monthly", "responded", r.month), _num(r.responded))
            within = model.add((*unit, "monthly", "within_20wd", r.month), _num(r.within_20wd))
            group += [responded, within]
            _rest(model, unit, responded, [within], f"answered late in {r.month}", exact=False)
        model.groups.append(tuple(group))
        year_within = (*unit, "figures", "complaints_within_20wd", "")
        withins = [k for k in group if k[4] == "within_20wd"]
        if year_within in model.cells and model.value(year_within) == sum(model.value(k) for k in withins):
            model.relate(year_within, withins)
        responded_total = model.add(
            (*unit, "implied", "responded, all procedures", ""), sum(model.value(k) for k in group[::2]), shown=False
        )
        model.relate(responded_total, group[::2])
        within_total = model.add(
            (*unit, "implied", "within 20 working days, all procedures", ""),
            sum(model.value(k) for k in withins),
            shown=False,
        )
        model.relate(within_total, withins)


def _add_changes(model: Model, changes: pd.DataFrame | None) -> None:
    """A before/after comparison's four counts, shown together; with their complements, and the months'
    sums where the two groups make up the year."""
    if changes is None or not len(changes):
        return
    for r in changes.itertuples(index=False):
        values = [_num(getattr(r, c)) for c in CHANGE_COUNTS]
        if any(v is None for v in values):
            continue
        unit = (r.council, str(r.year), "records")
        keys = [model.add((*unit, "changes", c, str(r.date)), v) for c, v in zip(CHANGE_COUNTS, values)]
        model.groups.append(tuple(keys))
        n_b, k_b, n_a, k_a = keys
        _rest(model, unit, n_b, [k_b], f"late before {r.date}", exact=False)
        _rest(model, unit, n_a, [k_a], f"late from {r.date}", exact=False)
        for total_name, pair in (
            ("responded, all procedures", (n_b, n_a)),
            ("within 20 working days, all procedures", (k_b, k_a)),
        ):
            total = (*unit, "implied", total_name, "")
            if total in model.cells and model.value(total) == sum(model.value(k) for k in pair):
                model.relate(total, pair)


# ---------------------------------------------------------------------------------------------
# What a reader can work out: the range of each unknown cell


def _bounds(cell: Cell) -> tuple[float, float | None]:
    """What a reader knows of an unknown cell: a primary one lies in 1..THRESHOLD-1 (it says 'fewer
    than 5'); a secondary one marked on its own ('[c]') is 0 or at least THRESHOLD, and as only
    non-zero counts are chosen, at least THRESHOLD; anything else is at least 0."""
    if cell.status == PRIMARY:
        return 1.0, float(THRESHOLD - 1)
    if cell.status == SECONDARY and cell.shown and not cell.grouped and (cell.value or 0) >= THRESHOLD:
        return float(THRESHOLD), None
    return 0.0, None


def _components(model: Model, keys: Iterable[Key]) -> list[tuple[list[Key], list[int]]]:
    """The unknown cells linked by equations, with the equations (indices) that link them."""
    unknown = {k for k, c in model.cells.items() if c.unknown}
    touching: dict[Key, list[int]] = {}
    for i, (total, parts) in enumerate(model.relations):
        for k in (total, *parts):
            if k in unknown:
                touching.setdefault(k, []).append(i)
    seen: set[Key] = set()
    out = []
    for start in keys:
        if start in seen or start not in touching:
            continue
        members, relations, stack = [], set(), [start]
        seen.add(start)
        while stack:
            k = stack.pop()
            members.append(k)
            for i in touching.get(k, []):
                relations.add(i)
                total, parts = model.relations[i]
                for other in (total, *parts):
                    if other in touching and other not in seen:
                        seen.add(other)
                        stack.append(other)
        out.append((sorted(members), sorted(relations)))
    return out


def ranges(model: Model, keys: Iterable[Key] | None = None) -> dict[Key, tuple[float, float]]:
    """The smallest and largest value each unknown cell can take given the cells shown (+inf when
    unbounded): over the equations linking it to other unknown cells, exactly for one equation, by
    linear programming (scipy's HiGHS) for more. Cells in no equation keep their bounds."""
    wanted = [k for k in (keys if keys is not None else model.cells) if model.cells[k].unknown]
    out: dict[Key, tuple[float, float]] = {}
    for k in wanted:
        low, high = _bounds(model.cells[k])
        out[k] = (low, math.inf if high is None else high)
    for members, relations in _components(model, wanted):
        bounds = [_bounds(model.cells[k]) for k in members]
        signature = (tuple(zip(members, bounds)), tuple(relations))
        if signature not in model.solved:
            model.solved[signature] = _component_ranges(model, members, relations, bounds)
        out.update({k: v for k, v in model.solved[signature].items() if k in out})
    return out


def _component_ranges(model: Model, members: list[Key], relations: list[int], bounds: list) -> dict:
    index = {k: i for i, k in enumerate(members)}
    a_eq, b_eq = [], []
    for r in relations:
        total, parts = model.relations[r]
        row = np.zeros(len(members))
        rhs = 0.0
        for k, sign in [(total, 1.0), *[(p, -1.0) for p in parts]]:
            if k in index:
                row[index[k]] += sign
            else:
                rhs -= sign * (model.value(k) or 0.0)
        a_eq.append(row)
        b_eq.append(rhs)
    lows = np.array([b[0] for b in bounds], dtype=float)
    highs = np.array([math.inf if b[1] is None else b[1] for b in bounds], dtype=float)
    out = {}
    if len(relations) == 1 and not model.always_solve:  # one equation over a box: each cell's range is exact arithmetic
        row, rhs = a_eq[0], b_eq[0]
        least = np.where(row > 0, row * lows, row * highs)  # each term's smallest and largest value
        most = np.where(row > 0, row * highs, row * lows)
        for k, i in index.items():
            if row[i] == 0:
                out[k] = (lows[i], highs[i])
                continue
            others_least = np.delete(least, i).sum()  # -inf or a number: no inf - inf
            others_most = np.delete(most, i).sum()
            ends = sorted([(rhs - others_most) / row[i], (rhs - others_least) / row[i]])
            out[k] = (max(lows[i], ends[0]), min(highs[i], ends[1]))
        return out
    from scipy.optimize import linprog

    for k, i in index.items():
        c = np.zeros(len(members))
        c[i] = 1.0
        low = linprog(c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=bounds, method="highs")
        high = linprog(-c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=bounds, method="highs")
        if low.status == 2 or high.status == 2:
            out[k] = (lows[i], highs[i])  # the data break an equation: nothing can be worked out from it
            continue
        out[k] = (low.fun if low.status == 0 else lows[i], -high.fun if high.status == 0 else math.inf)
    return out


def pinned(low: float, high: float) -> bool:
    """Fewer than two whole numbers between low and high: the reader can work the cell out."""
    if math.isinf(high):
        return False
    return math.floor(high + 1e-6) - math.ceil(low - 1e-6) < 1


# ---------------------------------------------------------------------------------------------
# Suppression


def _close_groups(model: Model) -> None:
    for group in model.groups:
        if any(model.cells[k].status for k in group):
            for k in group:
                model.cells[k].grouped = True
                if not model.cells[k].status:
                    model.cells[k].status = SECONDARY


def _sensitive(model: Model) -> list[Key]:
    """Cells that must not be worked out: those withheld, and those never shown but primary."""
    return sorted(k for k, c in model.cells.items() if c.status or (not c.shown and primary_status(c.value)))


def _candidates(model: Model, key: Key) -> list[Key]:
    """Shown cells that could be withheld to protect `key`: those in an equation with it or with any
    unknown cell linked to it; smallest first (zeros are never withheld: 0 may show)."""
    members = set(next((m for m, _ in _components(model, [key])), [key]))
    found = set()
    for total, parts in model.relations:
        cells = (total, *parts)
        if members & set(cells):
            found.update(k for k in cells if model.cells[k].shown and not model.cells[k].status)
    return sorted((k for k in found if (model.cells[k].value or 0) > 0), key=lambda k: (model.cells[k].value, k))


def _protects(model: Model, key: Key, cells: list[Key]) -> bool:
    """Would withholding `cells` (and the cells shown with them) stop a reader working `key` out?"""
    before = _snapshot(model)
    for k in cells:
        model.cells[k].status = SECONDARY
    _close_groups(model)
    safe = not pinned(*ranges(model, [key])[key])
    _restore(model, before)
    return safe


def _cost(model: Model, cells: list[Key]) -> float:
    """What withholding cells loses: their total (a group's whole sum, where one is in a group)."""
    hidden = set(cells)
    for group in model.groups:
        if hidden & set(group):
            hidden |= set(group)
    return sum(model.cells[k].value or 0 for k in hidden if not model.cells[k].status)


def _choose(model: Model, key: Key) -> list[Key]:
    """The cheapest cell, or failing that pair of cells, whose withholding protects `key`; when
    neither does, the cheapest cell (the next round goes on from there)."""
    candidates = _candidates(model, key)
    if not candidates:
        return []
    for candidate in candidates:
        if _protects(model, key, [candidate]):
            return [candidate]
    best, best_cost = None, math.inf
    for first in candidates[:PAIR_SEARCH]:
        before = _snapshot(model)
        model.cells[first].status = SECONDARY
        _close_groups(model)
        seconds = _candidates(model, key)
        _restore(model, before)
        for second in seconds:
            cost = _cost(model, [first, second])
            if cost >= best_cost:
                break
            if _protects(model, key, [first, second]):
                best, best_cost = [first, second], cost
                break
    return best or candidates[:1]


def _protect_model(model: Model, threshold: int) -> list[Key]:
    """Primary, then secondary suppression; returns the cells that could not be protected (none, in
    any data seen so far)."""
    for cell in model.cells.values():
        if primary_status(cell.value, threshold):
            cell.status = PRIMARY
    _close_groups(model)
    unresolved: list[Key] = []
    for _ in range(MAX_ROUNDS):
        sensitive = _sensitive(model)
        found = ranges(model, sensitive)
        exposed = [k for k in sensitive if k not in unresolved and pinned(*found[k])]
        if not exposed:
            break
        chosen = _choose(model, exposed[0])
        if not chosen:
            unresolved.append(exposed[0])
            continue
        for k in chosen:
            model.cells[k].status = SECONDARY
        _close_groups(model)
    else:  # out of rounds: whatever is still exposed is unresolved
        found = ranges(model, _sensitive(model))
        unresolved += [k for k, (low, high) in found.items() if k not in unresolved and pinned(low, high)]
    return unresolved


class DisclosureError(ValueError):
    """Some withheld figure could not be protected: the public version is not built rather than
    built with it recoverable."""


def _snapshot(model: Model) -> dict[Key, tuple[str, bool]]:
    return {k: (c.status, c.grouped) for k, c in model.cells.items()}


def _restore(model: Model, snapshot: dict[Key, tuple[str, bool]]) -> None:
    for k, (status, grouped) in snapshot.items():
        model.cells[k].status, model.cells[k].grouped = status, grouped


# ---------------------------------------------------------------------------------------------
# The frames, withheld


@dataclass
class Protected:
    """The frames a report reads, with what must not be shown withheld (value NaN) and marked."""

    metrics: pd.DataFrame
    figures: pd.DataFrame
    monthly: pd.DataFrame
    changes: pd.DataFrame
    cells: pd.DataFrame  # every cell of the model: its status, value, and whether it is shown at all
    unresolved: list = field(default_factory=list)  # always empty: protect raises DisclosureError instead
    withheld_quotes: set = field(default_factory=set)


def protect(
    metrics: pd.DataFrame,
    figures: pd.DataFrame,
    defs,
    monthly: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    threshold: int = THRESHOLD,
    pairs=PAIRED_BREAKDOWNS,
    linked: Iterable[tuple[str, str]] = (),
) -> Protected:
    """The frames with disclosure control applied (see the module docstring).

    Added columns: figures `suppressed` ('' | primary | secondary: of its count, or of a stated
    percentage whose count would be small); metrics `suppressed` (of its value), `numerator_suppressed`,
    `denominator_suppressed`, `prev_suppressed` (of the year before's value); monthly and changes
    `suppressed`. A withheld number is NaN; a withheld change has the verdict WITHHELD. `linked`: see
    build_model."""
    monthly = monthly if monthly is not None else pd.DataFrame()
    changes = changes if changes is not None else pd.DataFrame()
    model = build_model(metrics, figures, defs, monthly, changes, pairs, linked)
    unresolved = _protect_model(model, threshold)
    if unresolved:
        cells = "; ".join(f"{k[0]} {k[1]} {k[4]}{' ' + k[5] if k[5] else ''} ({k[2]})" for k in unresolved)
        raise DisclosureError(
            f"{len(unresolved)} withheld figure(s) could still be worked out from what the public version "
            f"would show, so it is not built: {cells}. Please report this (with the council and year): the "
            "suppression method needs to withhold more of those tables."
        )
    status = {k: c.status for k, c in model.cells.items()}

    fig = _protect_figures(figures, status, threshold)
    quotes = _withheld_quotes(fig)
    if "quote" in fig.columns:
        fig.loc[fig["quote"].map(lambda q: _text(q) in quotes).to_numpy(dtype=bool), "quote"] = ""
    met = _protect_metrics(metrics, status, fig, defs, threshold)
    mon = _protect_monthly(monthly, status, threshold)
    chg = _protect_changes(changes, status)
    cells = pd.DataFrame(
        [
            {
                "council": k[0],
                "year": k[1],
                "source": k[2],
                "frame": k[3],
                "measure": k[4],
                "category": k[5],
                "value": c.value,
                "shown": c.shown,
                "status": c.status,
                "grouped": c.grouped,
            }
            for k, c in model.cells.items()
        ],
        columns=["council", "year", "source", "frame", "measure", "category", "value", "shown", "status", "grouped"],
    )
    return Protected(met, fig, mon, chg, cells, unresolved, quotes)


def _figure_key(row, source: str) -> Key:
    return (row["council"], str(row["year"]), source, "figures", row["measure"], _text(row["category"]))


def _protect_figures(figures: pd.DataFrame, status: dict, threshold: int) -> pd.DataFrame:
    out = figures.copy()
    out["category"] = out["category"].map(_text)
    source = _source_of(out)
    marks = []
    for (_, row), src in zip(out.iterrows(), source):
        mark = status.get(_figure_key(row, src), "")
        if not mark and _num(row.get("value")) is None and _num(row.get("pct")) is not None:
            mark = _percentage_only(row, src, out, status, threshold)
        marks.append(mark)
    out["suppressed"] = marks
    hidden = (out["suppressed"] != "").to_numpy()
    out.loc[hidden, "value"] = np.nan
    # a stated percentage of a withheld count, or of a withheld base, would give it away
    base_hidden = [
        status.get((row["council"], str(row["year"]), src, "figures", _text(row.get("pct_of")), ""), "") != ""
        for (_, row), src in zip(out.iterrows(), source)
    ]
    out.loc[hidden | np.array(base_hidden, dtype=bool), "pct"] = np.nan
    for column in ("values_stated", "allowed", "note"):
        if column in out.columns:
            out[column] = out[column].astype(object)
            out.loc[hidden, column] = ""
    return out


def _percentage_only(row, source: str, figures: pd.DataFrame, status: dict, threshold: int) -> str:
    """A percentage stated without its count: withheld when the count it implies (or the rest of its
    base) is small, or its base is withheld."""
    base_measure = _text(row.get("pct_of"))
    if not base_measure:
        return ""
    base_key = (row["council"], str(row["year"]), source, "figures", base_measure, "")
    if status.get(base_key):
        return SECONDARY
    mine = figures[
        (figures["council"] == row["council"])
        & (figures["year"].astype(str) == str(row["year"]))
        & (figures["measure"] == base_measure)
        & (figures["category"] == "")
    ]
    n = _num(mine["value"].iloc[0]) if len(mine) else None
    if n is None:
        return ""
    k = _num(row["pct"]) / 100 * n
    if 0.5 <= k < threshold - 0.5:
        return PRIMARY
    if 0.5 <= n - k < threshold - 0.5:
        return SECONDARY
    return ""


def _withheld_quotes(figures: pd.DataFrame) -> set[str]:
    """The documents' sentences that state a withheld figure: each is withheld wherever it is quoted."""
    if "quote" not in figures.columns:
        return set()
    rows = figures[(figures["suppressed"] != "") & figures["quote"].notna()]
    return {_text(q) for q in rows["quote"] if _text(q)}


def _protect_metrics(metrics: pd.DataFrame, status: dict, figures: pd.DataFrame, defs, threshold: int):
    out = metrics.copy()
    for column in ("value", "numerator", "denominator", "ci_low", "ci_high", "prev_value"):
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce")
    pct_only = {
        (r["council"], str(r["year"]), "published" if r["basis"] != "records" else "records", r["measure"])
        for _, r in figures[(figures["suppressed"] != "") & (figures["category"] == "")].iterrows()
    }

    def of(row, measure) -> str:
        measure = _text(measure)
        if not measure:
            return ""
        key = (row["council"], str(row["year"]), row["source"], "figures", measure, "")
        found = status.get(key, "")
        if not found and (row["council"], str(row["year"]), row["source"], measure) in pct_only:
            found = SECONDARY
        return found

    value_marks, num_marks, den_marks = [], [], []
    for _, row in out.iterrows():
        kind = row["kind"]
        num, den = of(row, row.get("numerator_measure")), of(row, row.get("denominator_measure"))
        if kind == "count":
            mark = num
        elif kind == "proportion":
            mark = SECONDARY if (num or den or _complement_small(row, threshold)) else ""
        elif kind == "rate":
            mark = SECONDARY if (num or den) else ""
        elif kind == "mean":
            bases = MEAN_BASES.get(str(row["metric"]), ())
            mark = SECONDARY if any(of(row, b) == PRIMARY for b in bases) else ""
        else:
            mark = ""
        value_marks.append(mark)
        num_marks.append(num if kind != "mean" else "")
        den_marks.append(den if kind != "mean" else "")
    out["suppressed"] = value_marks
    out["numerator_suppressed"] = num_marks
    out["denominator_suppressed"] = den_marks
    hidden = (out["suppressed"] != "").to_numpy()
    out.loc[hidden, ["value", "ci_low", "ci_high"]] = np.nan
    out.loc[(out["numerator_suppressed"] != "").to_numpy(), "numerator"] = np.nan
    out.loc[(out["denominator_suppressed"] != "").to_numpy(), "denominator"] = np.nan
    # the year before
    marks = {(r["council"], str(r["year"]), r["source"], r["metric"]): r["suppressed"] for _, r in out.iterrows()}
    out["prev_suppressed"] = [
        marks.get((r["council"], _text(r.get("prev_year")), r["source"], r["metric"]), "") for _, r in out.iterrows()
    ]
    changed = hidden | (out["prev_suppressed"] != "").to_numpy()
    out.loc[(out["prev_suppressed"] != "").to_numpy(), "prev_value"] = np.nan
    for column in CHANGE_COLUMNS:
        if column in out.columns:
            if out[column].dtype == bool:
                out[column] = out[column].astype(object)
            out.loc[changed, column] = np.nan
    if "verdict" in out.columns:
        out.loc[changed, "verdict"] = WITHHELD
    for column in ("note", "values_tested"):
        if column in out.columns:
            out[column] = out[column].astype(object)
            out.loc[hidden, column] = ""
    return out


def _complement_small(row, threshold: int) -> bool:
    """A share published without counts whose base is known: the count or rest it implies is small."""
    k, n, v = _num(row.get("numerator")), _num(row.get("denominator")), _num(row.get("value"))
    if k is None and n is not None and v is not None:
        k = v * n
    if k is None or n is None:
        return False
    return 0.5 <= k < threshold - 0.5 or 0.5 <= n - k < threshold - 0.5


def _protect_monthly(monthly: pd.DataFrame, status: dict, threshold: int) -> pd.DataFrame:
    """The control chart's months (procedure 'all') as the model withheld them (a year's months
    together); the other procedures' months, which no report shows, with their small counts withheld."""
    out = monthly.copy()
    if not len(out):
        out["suppressed"] = pd.Series(dtype=str)
        return out
    marks = []
    for row, year in zip(out.to_dict("records"), _month_years(out["month"])):
        found = [primary_status(row[c], threshold) for c in MONTHLY_COUNTS if c in row]
        answered, in_time = _num(row.get("responded")), _num(row.get("within_20wd"))
        if answered is not None and in_time is not None:
            found.append(primary_status(answered - in_time, threshold))  # answered late
        if row["procedure"] == CHART_PROCEDURE:
            found += [
                status.get((row["council"], year, "records", "monthly", c, row["month"]), "") for c in CHART_COUNTS
            ]
        marks.append(PRIMARY if PRIMARY in found else SECONDARY if SECONDARY in found else "")
    out["suppressed"] = marks
    columns = [c for c in MONTHLY_COUNTS if c in out.columns]
    out[columns] = out[columns].astype(float)
    out.loc[(out["suppressed"] != "").to_numpy(), columns] = np.nan
    return out


def _protect_changes(changes: pd.DataFrame, status: dict) -> pd.DataFrame:
    out = changes.copy()
    if not len(out):
        out["suppressed"] = pd.Series(dtype=str)
        return out
    marks = []
    for _, row in out.iterrows():
        found = [
            status.get((row["council"], str(row["year"]), "records", "changes", c, str(row["date"])), "")
            for c in CHANGE_COUNTS
        ]
        marks.append(PRIMARY if PRIMARY in found else SECONDARY if SECONDARY in found else "")
    out["suppressed"] = marks
    hidden = (out["suppressed"] != "").to_numpy()
    numeric = [
        c
        for c in out.columns
        if c in CHANGE_COUNTS
        or c.startswith(("p_", "ci_", "diff"))
        or c in ("difference", "q_value", "significant", "too_few")
    ]
    for c in numeric:
        out[c] = out[c].astype(object)
        out.loc[hidden, c] = np.nan
    return out


# ---------------------------------------------------------------------------------------------
# The audit's checks and the documents' sentences

_WORDS = {
    word: i
    for i, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_NUMBER = re.compile(r"(?<![\d.,/£-])\d{1,3}(?:,\d{3})*(?![\d/]|\.\d|[a-z])|\b[a-z]+\b", re.IGNORECASE)


def numbers_in(text) -> set[float]:
    """The whole numbers a sentence states, in figures or words ('three'); years, dates, decimals and
    section numbers ('1.3') are left out."""
    found = set()
    for token in _NUMBER.findall(_text(text)):
        word = token.lower()
        if word in _WORDS:
            found.add(float(_WORDS[word]))
        elif word[0].isdigit():
            found.add(float(word.replace(",", "")))
    return found


def withheld_audit(audit: pd.DataFrame, protected: Protected) -> pd.Series:
    """For each row of audit.csv (published figures): whether the public version withholds it: its
    figure (that year or the year before) is withheld, it quotes a sentence that states a withheld
    figure, or its words give a number a withheld figure of that council and year has."""
    if not len(audit):
        return pd.Series(dtype=bool)
    cells = protected.cells
    withheld = cells[(cells["status"] != "") & (cells["source"] == "published")]
    by_unit: dict[tuple[str, str], set[float]] = {}
    names: set[tuple] = set()
    for r in withheld.itertuples(index=False):
        if r.value is not None and not (isinstance(r.value, float) and math.isnan(r.value)):
            by_unit.setdefault((r.council, r.year), set()).add(float(r.value))
        names.add((r.council, r.year, r.measure, r.category))
    f = protected.figures
    for r in f[(f["suppressed"] != "") & (f["basis"] != "records")].itertuples(index=False):
        names.add((r.council, str(r.year), r.measure, _text(r.category)))
    out = []
    for _, row in audit.iterrows():
        council, year = row["council"], str(row["year"])
        try:
            before = previous_year(year)
        except ValueError:
            before = ""
        mine = {(council, y, row["measure"], _text(row.get("category"))) for y in (year, before)}
        if mine & names:
            out.append(True)
            continue
        quotes = [q.strip() for q in _text(row.get("quote")).split(" | ") if q.strip()]
        if any(q in protected.withheld_quotes or _strip_tag(q) in protected.withheld_quotes for q in quotes):
            out.append(True)
            continue
        text = " ".join(_text(row.get(c)) for c in ("stated", "counts_give", "detail", "quote"))
        values = by_unit.get((council, year), set()) | by_unit.get((council, before), set())
        out.append(bool(numbers_in(text) & values))
    return pd.Series(out, index=audit.index, dtype=bool)


def _strip_tag(quote: str) -> str:
    """'[132] A total of ...' -> 'A total of ...' (the audit tags each quote with the value it gives)."""
    return re.sub(r"^\[[^\]]*\]\s*", "", quote)
