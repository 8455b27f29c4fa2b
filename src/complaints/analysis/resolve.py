"""From statements to figures: one value per council, year, measure and category.

Documents sometimes give one figure two values. Every statement is kept (the audit lists
them); the value that metrics use is chosen by one rule, applied in this order:

1. a statement in the council's report for that year, over a later report's restatement;
2. the value that most statements give;
3. a statement in a section about that measure (``detail``), over a summary (``summary``);
4. the statement that comes first in the file.

A figure stated with two values is marked ``contested``. Figures that the documents don't
state but their parts do (``sum_of`` in measures.csv) are added with ``basis = sum``; counts
recovered from a stated percentage of a known base are added with ``basis = from_percentage``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..inputs.definitions import Definitions
from ..inputs.problems import Problem, raise_if_any

RULE = (
    "the report for that year over a later restatement; then the value most statements give; "
    "then a section about the measure over a summary; then the first statement"
)
KEY = ["council", "year", "measure", "category"]


def _pct_matches(computed: float, stated: float, decimals: int) -> str | None:
    """How a computed percentage displays as the stated one: 'rounded', 'truncated' or None."""
    scale = 10**decimals
    if math.floor(computed * scale + 0.5 + 1e-9) == round(stated * scale):
        return "rounded"
    if math.floor(computed * scale + 1e-9) == round(stated * scale):
        return "truncated"
    return None


def decimals_of(stated: float) -> int:
    """Decimal places a percentage was written with (1.79 -> 2, 14 -> 0)."""
    text = f"{stated:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def percentage_check(numerator: float, base: float, stated: float, qualifier: str = "") -> tuple[bool, str]:
    """Does numerator/base give the stated percentage, allowing rounding or truncation?"""
    computed = 100 * numerator / base
    precise = f"{computed:.{decimals_of(stated) + 2}f}%"
    if qualifier == "<":
        return computed < stated, precise
    if qualifier == ">":
        return computed > stated, precise
    if qualifier == "~":  # "about X%": taken as X rounded to the nearest 5
        return abs(computed - stated) <= 2.5, precise
    how = _pct_matches(computed, stated, decimals_of(stated))
    shown = f"{computed:.{decimals_of(stated) + 1}f}%"
    return how is not None, shown + (f" ({how})" if how == "truncated" else "")


def count_from_percentage(stated: float, base: int) -> int | None:
    """The whole number of `base` nearest stated% that shows as stated% when rounded or truncated.

    None when no whole number does (the percentage cannot come from that base).
    """
    decimals = decimals_of(stated)
    target = stated * base / 100
    reach = base / 100 * 10**-decimals + 1  # a displayed percentage spans less than this many counts
    low, high = max(0, math.floor(target - reach)), min(int(base), math.ceil(target + reach))
    candidates = [k for k in range(low, high + 1) if _pct_matches(100 * k / base, stated, decimals)]
    if not candidates:
        return None
    return min(candidates, key=lambda k: (abs(k - target), k))


def _choose(group: pd.DataFrame, field: str) -> tuple[float, bool, str]:
    """Pick the value of `field` for one figure by RULE; say whether it was contested."""
    stated = group.dropna(subset=[field])
    values = stated[field].unique()
    if len(values) == 1:
        return float(values[0]), False, ""

    def rank(value: float):
        rows = stated[stated[field] == value]
        own_year = bool((rows["report_year"] == rows["year"]).any())
        detail = bool((rows["section_role"] == "detail").any())
        return (not own_year, -len(rows), not detail, int(rows["order"].min()))

    chosen = min(values, key=rank)
    return float(chosen), True, "; ".join(f"{v:g}" for v in values)


def resolve_figures(statements: pd.DataFrame) -> pd.DataFrame:
    """One row per figure stated with a value or a percentage (before derivations)."""
    rows = []
    figures = statements[statements["value"].notna() | statements["stated_pct"].notna()]
    for key, group in figures.groupby(KEY, sort=False):
        with_value = group[group["value"].notna()]
        record = dict(zip(KEY, key))
        if len(with_value):
            value, contested, values = _choose(with_value, "value")
            chosen = with_value[with_value["value"] == value].sort_values("order").iloc[0]
            pct_rows = group[group["stated_pct"].notna() & (group["pct_qualifier"] == "")]
            record.update(
                value=value,
                basis="published",
                pct=np.nan,
                pct_of="",
                contested=contested,
                values_stated=values,
                statements=len(with_value),
            )
            if len(pct_rows):
                record.update(pct=float(pct_rows.iloc[0]["stated_pct"]), pct_of=pct_rows.iloc[0]["pct_of"])
        else:
            plain = group[group["pct_qualifier"] == ""]
            if plain.empty:
                continue  # only bounds like "less than 1%": checked by the audit, not a figure
            base = plain.iloc[0]["pct_of"]
            same_base = plain[plain["pct_of"] == base]
            pct, contested, values = _choose(same_base, "stated_pct")
            chosen = same_base[same_base["stated_pct"] == pct].sort_values("order").iloc[0]
            record.update(
                value=np.nan,
                basis="",
                pct=pct,
                pct_of=base,
                contested=contested,
                values_stated="; ".join(f"{v}%" for v in values.split("; ")) if values else "",
                statements=len(same_base),
            )
        record.update(
            file=chosen["file"],
            line=int(chosen["line"]),
            quote=chosen["quote"],
            source=chosen["source"],
            note=chosen["note"],
        )
        rows.append(record)
    return pd.DataFrame(rows)


def _lookup(figures: pd.DataFrame) -> dict:
    return {tuple(r[k] for k in KEY): i for i, r in figures.iterrows()}


def figure_index(figures: pd.DataFrame) -> dict[tuple, pd.Series]:
    """Each figure's row, by (council, year, measure, category)."""
    return {key: figures.loc[i] for key, i in _lookup(figures).items()}


def derive_figures(figures: pd.DataFrame, defs: Definitions) -> pd.DataFrame:
    """Add sums of published parts and counts recovered from percentages, until nothing changes."""
    figures = figures.copy()
    sums = {m: defs.sum_parts(m) for m in defs.measures.index if defs.sum_parts(m)}
    changed = True
    while changed:
        changed = False
        index = _lookup(figures)
        # counts from a stated percentage of a known base
        for i, fig in figures[figures["value"].isna() & figures["pct"].notna()].iterrows():
            base_i = index.get((fig["council"], fig["year"], fig["pct_of"], ""))
            if base_i is None or pd.isna(figures.at[base_i, "value"]):
                continue
            base = figures.at[base_i, "value"]
            count = count_from_percentage(fig["pct"], int(base))
            if count is not None:
                figures.at[i, "value"] = float(count)
                figures.at[i, "basis"] = "from_percentage"
                changed = True
        # sums of parts
        index = _lookup(figures)
        pairs = figures[["council", "year"]].drop_duplicates().itertuples(index=False)
        for council, year in pairs:
            for measure, parts in sums.items():
                target = index.get((council, year, measure, ""))
                part_rows = [index.get((council, year, p, "")) for p in parts]
                if any(p is None or pd.isna(figures.at[p, "value"]) for p in part_rows):
                    continue
                value = float(sum(figures.at[p, "value"] for p in part_rows))
                basis = (
                    "from_percentage" if any(figures.at[p, "basis"] == "from_percentage" for p in part_rows) else "sum"
                )
                # a stated figure stays; a count recovered from a percentage gives way to a sum of counts
                if (
                    target is not None
                    and pd.notna(figures.at[target, "value"])
                    and not (figures.at[target, "basis"] == "from_percentage" and basis == "sum")
                ):
                    continue
                contested = any(bool(figures.at[p, "contested"]) for p in part_rows)
                bases = {figures.at[p, "pct_of"] for p in part_rows if figures.at[p, "basis"] == "from_percentage"}
                pct_of = bases.pop() if len(bases) == 1 else ""
                if target is None:
                    new = {
                        "council": council,
                        "year": year,
                        "measure": measure,
                        "category": "",
                        "value": value,
                        "basis": basis,
                        "pct": np.nan,
                        "pct_of": pct_of,
                        "contested": contested,
                        "values_stated": "",
                        "statements": 0,
                        "file": "",
                        "line": 0,
                        "quote": "",
                        "source": "",
                        "note": "Sum of " + " + ".join(parts) + ".",
                    }
                    figures = pd.concat([figures, pd.DataFrame([new])], ignore_index=True)
                    index = _lookup(figures)
                else:
                    figures.at[target, "value"] = value
                    figures.at[target, "basis"] = basis
                    if basis == "from_percentage":
                        figures.at[target, "pct_of"] = pct_of
                    figures.at[target, "contested"] = bool(figures.at[target, "contested"]) or contested
                changed = True
    return figures


def check_numerators(statements: pd.DataFrame, figures: pd.DataFrame) -> None:
    """A count stated as a share of a base may not exceed that base: raise listing every case."""
    index = _lookup(figures)
    problems = []
    for _, row in statements[statements["value"].notna() & (statements["pct_of"] != "")].iterrows():
        base_i = index.get((row["council"], row["year"], row["pct_of"], ""))
        if base_i is None:
            continue
        base = figures.at[base_i, "value"]
        if pd.notna(base) and row["value"] > base:
            problems.append(
                Problem(
                    row["file"],
                    int(row["line"]),
                    "value",
                    f"numerator {row['value']:g} is above its denominator {row['pct_of']} = {base:g}",
                )
            )
    raise_if_any(problems)


def build_figures(statements: pd.DataFrame, defs: Definitions) -> pd.DataFrame:
    figures = derive_figures(resolve_figures(statements), defs)
    check_numerators(statements, figures)
    return figures.sort_values(KEY, kind="stable").reset_index(drop=True)
