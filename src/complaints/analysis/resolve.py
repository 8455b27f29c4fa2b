"""From statements to figures: one value per council, year, measure and category.

Documents sometimes give one figure two values. Every statement is kept (the audit lists
them); the value that metrics use is chosen by one rule, applied in this order:

0. the value consistent with the same document's other figures: a whole and its parts
   (``part_of``, ``sum_of`` and ``exhaustive`` in measures.csv), and an overall share that is the
   weighted average of its parts' shares (``consistent_values``);
1. a statement in the council's report for that year, over a later report's restatement;
2. the value that most statements give;
3. a statement in a section about that measure (``detail``), over a summary (``summary``);
4. the statement that comes first in the file.

A figure stated with two values is marked ``contested``, and stays contested whichever value the
rule picks; ``chosen_by`` says why when step 0 decided. Figures that the documents don't state but
their parts do (``sum_of`` in measures.csv) are added with ``basis = sum``; counts recovered from a
stated percentage of a known base are added with ``basis = from_percentage``.

Every figure also carries ``allowed``: every value the documents allow for it, '; '-separated
(both values of a contested figure; every whole count that shows as a published percentage of its
base; every sum of its parts' allowed values). metrics.py tests a change at each of them.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from ..inputs.definitions import Definitions
from ..inputs.problems import Problem, raise_if_any

RULE = (
    "first the value consistent with the same document's other figures (a whole and its parts, an overall "
    "share and the shares it is a weighted average of); then the report for that year over a later "
    "restatement; then the value most statements give; then a section about the measure over a summary; "
    "then the first statement"
)
KEY = ["council", "year", "measure", "category"]
MAX_ALLOWED = 200  # at most this many combinations are enumerated; beyond it, the extremes and the chosen value


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


def count_candidates(stated: float, base: int) -> list[int]:
    """Every whole number k of `base` whose percentage 100 k / base shows as stated% when rounded half up
    or truncated to the decimals stated% is written with, in increasing order (empty when none does)."""
    base = int(base)
    if base <= 0:
        return []
    decimals = decimals_of(stated)
    target = stated * base / 100
    reach = base / 100 * 10**-decimals + 1  # a displayed percentage spans less than this many counts
    low, high = max(0, math.floor(target - reach)), min(base, math.ceil(target + reach))
    return [k for k in range(low, high + 1) if _pct_matches(100 * k / base, stated, decimals)]


def count_from_percentage(stated: float, base: int) -> int | None:
    """The whole number of `base` nearest stated% x base among count_candidates (the smaller on a tie).

    None when no whole number shows as stated% (the percentage cannot come from that base). The
    other candidates are not lost: they are the figure's `allowed` values.
    """
    candidates = count_candidates(stated, base)
    if not candidates:
        return None
    target = stated * int(base) / 100
    return min(candidates, key=lambda k: (abs(k - target), k))


# ---------------------------------------------------------------------------------------------
# Shares as intervals: what a stated percentage can stand for


CONVENTIONS = ("rounded", "truncated")


def share_interval(stated: float, convention: str = "rounded") -> tuple[float, float]:
    """The half-open interval [low, high) of true percentages that show as `stated`: rounded half up
    ([x - h, x + h), h half a unit of its last decimal) or truncated ([x, x + 2h))."""
    unit = 10.0 ** -decimals_of(stated)
    if convention == "rounded":
        return stated - unit / 2, stated + unit / 2
    if convention == "truncated":
        return stated, stated + unit
    raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")


def weighted_share_range(parts: list[tuple[float, float]], convention: str = "rounded") -> tuple[float, float]:
    """The range [low, high) of an overall percentage that is the weighted average of parts' stated
    percentages: `parts` is [(stated %, base)], weights base / sum(bases)."""
    total = float(sum(base for _, base in parts))
    if total <= 0:
        raise ValueError("the parts' bases must add up to more than 0")
    low = sum(share_interval(pct, convention)[0] * base for pct, base in parts) / total
    high = sum(share_interval(pct, convention)[1] * base for pct, base in parts) / total
    return low, high


def fits_weighted_average(whole: float, parts: list[tuple[float, float]]) -> tuple[bool, tuple[float, float]]:
    """Can a stated overall percentage be the weighted average of its parts' stated percentages?

    Tried with every percentage rounded, then with every one truncated (a document uses one way).
    Returns (fits, the parts' range of the overall under rounding).
    """
    shown = weighted_share_range(parts, "rounded")
    for convention in CONVENTIONS:
        low, high = weighted_share_range(parts, convention)
        w_low, w_high = share_interval(whole, convention)
        if low < w_high - 1e-9 and w_low < high - 1e-9:
            return True, shown
    return False, shown


def fits_sum_of_percentages(whole: float, parts: list[float]) -> tuple[bool, tuple[float, float]]:
    """Can stated part percentages (of one base) add up to a stated whole percentage (of the same base)?
    Each may be off by its rounding (or truncation); returns (fits, the parts' range under rounding)."""
    shown = (sum(share_interval(p, "rounded")[0] for p in parts), sum(share_interval(p, "rounded")[1] for p in parts))
    for convention in CONVENTIONS:
        low = sum(share_interval(p, convention)[0] for p in parts)
        high = sum(share_interval(p, convention)[1] for p in parts)
        w_low, w_high = share_interval(whole, convention)
        if low < w_high - 1e-9 and w_low < high - 1e-9:
            return True, shown
    return False, shown


# ---------------------------------------------------------------------------------------------
# Allowed values: every value the documents allow for a figure


def join_values(values) -> str:
    return "; ".join(f"{float(v):g}" for v in values)


def allowed_values(fig: pd.Series | dict | None) -> list[float]:
    """The values the documents allow for a figure (its `allowed`), or [value] when it has none listed."""
    if fig is None:
        return []
    text = fig.get("allowed", "") if hasattr(fig, "get") else ""
    if isinstance(text, str) and text.strip():
        return [float(v) for v in text.split(";") if v.strip()]
    value = fig.get("value") if hasattr(fig, "get") else None
    return [float(value)] if value is not None and pd.notna(value) else []


def limit_combinations(options: list[list[float]], chosen: list[float], cap: int = MAX_ALLOWED) -> list[list[float]]:
    """`options` (one list per figure) reduced so that their product is at most `cap`: beyond it each
    list keeps its smallest, largest and chosen value."""
    if math.prod(max(len(o), 1) for o in options) <= cap:
        return options
    return [sorted({min(o), max(o), c}) if o else o for o, c in zip(options, chosen)]


def _sums(options: list[list[float]], chosen: list[float]) -> list[float]:
    options = limit_combinations(options, chosen)
    return sorted({float(sum(combo)) for combo in itertools.product(*options)})


def _choose(columns: dict[str, list], members: list[int], field: str, preferred: set | None = None):
    """Pick the value of `field` for one figure by RULE; say whether it was contested.

    `columns`: the statements' columns as lists; `members`: the positions of the figure's statements
    in them. `preferred`: the values consistent with the same document's other figures (step 0 of RULE).
    Returns (value, contested, the values stated '; '-joined in the order first stated).
    """
    cells = columns[field]
    present = [i for i in members if pd.notna(cells[i])]
    values = list(dict.fromkeys(cells[i] for i in present))
    if len(values) == 1:  # the common case
        return float(values[0]), False, ""

    def rank(value: float):
        rows = [i for i in present if cells[i] == value]
        own_year = any(columns["report_year"][i] == columns["year"][i] for i in rows)
        detail = any(columns["section_role"][i] == "detail" for i in rows)
        consistent = preferred is None or float(value) in preferred
        return (not consistent, not own_year, -len(rows), not detail, int(min(columns["order"][i] for i in rows)))

    chosen = min(values, key=rank)
    return float(chosen), True, "; ".join(f"{v:g}" for v in values)


def _first_stated(columns: dict[str, list], members: list[int], field: str, value: float) -> int:
    """The position of the earliest statement (by `order`) giving `field` that value."""
    return min((i for i in members if columns[field][i] == value), key=lambda i: columns["order"][i])


def resolve_figures(statements: pd.DataFrame, prefer: dict | None = None) -> pd.DataFrame:
    """One row per figure stated with a value or a percentage (before derivations).

    `prefer` maps a figure's key to (the values consistent with the document's other figures, why),
    from consistent_values: step 0 of RULE.

    The statements are read once into lists and grouped by key in one pass (in the order each figure
    is first stated), so the cost is the same for each figure however many councils and years there are.
    """
    rows = []
    prefer = prefer or {}
    figures = statements[statements["value"].notna() | statements["stated_pct"].notna()]
    columns = {c: figures[c].tolist() for c in figures.columns}
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(*(columns[k] for k in KEY))):
        groups.setdefault(key, []).append(i)
    for key, group in groups.items():
        if any(pd.isna(k) for k in key):
            continue  # as groupby leaves out a key with a missing part
        with_value = [i for i in group if pd.notna(columns["value"][i])]
        record = dict(zip(KEY, key))
        preferred, why = prefer.get(tuple(key), (None, ""))
        if with_value:
            value, contested, values = _choose(columns, with_value, "value", preferred)
            chosen = with_value[0] if len(with_value) == 1 else _first_stated(columns, with_value, "value", value)
            pct_rows = [i for i in group if pd.notna(columns["stated_pct"][i]) and columns["pct_qualifier"][i] == ""]
            record.update(
                value=value,
                basis="published",
                pct=np.nan,
                pct_of="",
                contested=contested,
                values_stated=values,
                statements=len(with_value),
                allowed=join_values(sorted(dict.fromkeys(columns["value"][i] for i in with_value))),
                pct_values="",
            )
            if pct_rows:
                record.update(pct=float(columns["stated_pct"][pct_rows[0]]), pct_of=columns["pct_of"][pct_rows[0]])
        else:
            plain = [i for i in group if columns["pct_qualifier"][i] == ""]
            if not plain:
                continue  # only bounds like "less than 1%": checked by the audit, not a figure
            base = columns["pct_of"][plain[0]]
            same_base = [i for i in plain if columns["pct_of"][i] == base]
            pct, contested, values = _choose(columns, same_base, "stated_pct", preferred)
            chosen = _first_stated(columns, same_base, "stated_pct", pct)
            record.update(
                value=np.nan,
                basis="",
                pct=pct,
                pct_of=base,
                contested=contested,
                values_stated="; ".join(f"{v}%" for v in values.split("; ")) if values else "",
                statements=len(same_base),
                allowed="",
                pct_values=join_values(dict.fromkeys(columns["stated_pct"][i] for i in same_base)),
            )
        record.update(
            file=columns["file"][chosen],
            line=int(columns["line"][chosen]),
            quote=columns["quote"][chosen],
            source=columns["source"][chosen],
            note=columns["note"][chosen],
            chosen_by=why if record["contested"] and why else "",
        )
        rows.append(record)
    return pd.DataFrame(rows)


def _lookup(figures: pd.DataFrame) -> dict:
    """Each figure's index label, by (council, year, measure, category) (the last one wins, as before)."""
    if figures.empty:
        return {}
    return dict(zip(zip(*(figures[k].tolist() for k in KEY)), figures.index, strict=True))


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
                pcts = [float(v) for v in str(fig.get("pct_values") or fig["pct"]).split(";") if v.strip()]
                bases = allowed_values(figures.loc[base_i])
                allowed = {k for pct in pcts for b in bases for k in count_candidates(pct, int(b))}
                figures.at[i, "allowed"] = join_values(sorted(allowed | {float(count)}))
                changed = True
        figures, summed = _add_sums(figures, sums)
        changed = changed or summed
    return figures


def _add_sums(figures: pd.DataFrame, sums: dict[str, list[str]]) -> tuple[pd.DataFrame, bool]:
    """One pass of sums of parts over every council-year: (the figures with the sums, whether any changed).

    Figures are looked up by key in one index; the sums added wait in `added` (looked up through the
    same index) and join the frame at the end of the pass, so that a pass costs the same for each
    council-year however many there are (no copy of the frame per figure added)."""
    index = _lookup(figures)
    added: dict[int, dict] = {}  # label -> a figure added in this pass
    changed = False

    def at(label, column):
        return added[label][column] if label in added else figures.at[label, column]

    def row(label):
        return added[label] if label in added else figures.loc[label]

    pairs = figures[["council", "year"]].drop_duplicates().itertuples(index=False)
    for council, year in pairs:
        for measure, parts in sums.items():
            target = index.get((council, year, measure, ""))
            part_rows = [index.get((council, year, p, "")) for p in parts]
            if any(p is None or pd.isna(at(p, "value")) for p in part_rows):
                continue
            value = float(sum(at(p, "value") for p in part_rows))
            basis = "from_percentage" if any(at(p, "basis") == "from_percentage" for p in part_rows) else "sum"
            # a stated figure stays; a count recovered from a percentage gives way to a sum of counts
            if (
                target is not None
                and pd.notna(at(target, "value"))
                and not (at(target, "basis") == "from_percentage" and basis == "sum")
            ):
                continue
            contested = any(bool(at(p, "contested")) for p in part_rows)
            allowed = join_values(
                _sums([allowed_values(row(p)) for p in part_rows], [float(at(p, "value")) for p in part_rows])
            )
            bases = {at(p, "pct_of") for p in part_rows if at(p, "basis") == "from_percentage"}
            pct_of = bases.pop() if len(bases) == 1 else ""
            if target is None:
                label = len(figures) + len(added)
                added[label] = {
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
                    "allowed": allowed,
                    "pct_values": "",
                    "file": "",
                    "line": 0,
                    "quote": "",
                    "source": "",
                    "note": "Sum of " + " + ".join(parts) + ".",
                    "chosen_by": "",
                }
                index[(council, year, measure, "")] = label
            else:
                update = {"value": value, "basis": basis, "allowed": allowed}
                if basis == "from_percentage":
                    update["pct_of"] = pct_of
                update["contested"] = bool(at(target, "contested")) or contested
                for column, new in update.items():
                    if target in added:
                        added[target][column] = new
                    else:
                        figures.at[target, column] = new
            changed = True
    if added:
        figures = pd.concat([figures, pd.DataFrame(list(added.values()))], ignore_index=True)
    return figures, changed


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


# ---------------------------------------------------------------------------------------------
# Step 0 of RULE: the value consistent with the same document's other figures


def _pct_text(pct: float) -> str:
    return f"{pct:g}%"


def _plain_pcts(statements: pd.DataFrame, council: str, year: str, measure: str, sources) -> pd.DataFrame:
    rows = statements[
        (statements["council"] == council)
        & (statements["year"] == year)
        & (statements["measure"] == measure)
        & (statements["category"] == "")
        & statements["stated_pct"].notna()
        & (statements["pct_qualifier"] == "")
        & (statements["pct_of"] != "")
        & statements["source"].isin(sources)
    ]
    return rows.drop_duplicates(subset=["stated_pct", "pct_of"])


def _base_value(index: dict, figures: pd.DataFrame, council: str, year: str, measure: str) -> float | None:
    i = index.get((council, year, measure, ""))
    if i is None or pd.isna(figures.at[i, "value"]) or figures.at[i, "basis"] == "from_percentage":
        return None
    return float(figures.at[i, "value"])


def weighted_average_evidence(
    statements: pd.DataFrame,
    figures: pd.DataFrame,
    defs: Definitions,
    council: str,
    year: str,
    whole: str,
    sources,
    index: dict | None = None,
) -> list[dict]:
    """Every way the stated overall share of `whole` can be compared with its parts' stated shares in
    the same documents: `whole` is a sum of parts (sum_of) and each share is of the matching part of
    the overall share's base (whose sum_of lists the parts' bases). One dict per combination of stated
    values: whole (its stated %), whole_base (measure, value), parts [(measure, %, base measure,
    base value)], fits, range (low, high) of the overall the parts give, rounded.

    `statements` may be every statement or only the council-year's (the answer is the same, and a
    caller looping over council-years passes their own so that each call costs the same however many
    there are); `index`: _lookup(figures), when the caller has it."""
    parts = defs.sum_parts(whole) if whole in defs.measures.index else []
    if not parts:
        return []
    index = _lookup(figures) if index is None else index
    out = []
    for _, w in _plain_pcts(statements, council, year, whole, sources).iterrows():
        base_parts = defs.sum_parts(w["pct_of"]) if w["pct_of"] in defs.measures.index else []
        whole_base = _base_value(index, figures, council, year, w["pct_of"])
        if len(base_parts) != len(parts) or whole_base is None:
            continue
        options = []
        for part in parts:
            rows = _plain_pcts(statements, council, year, part, sources)
            rows = rows[rows["pct_of"].isin(base_parts)]
            choices = []
            for _, r in rows.iterrows():
                base = _base_value(index, figures, council, year, r["pct_of"])
                if base is not None:
                    choices.append((part, float(r["stated_pct"]), r["pct_of"], base))
            options.append(choices)
        if any(not o for o in options):
            continue
        for combo in itertools.product(*options):
            if sorted(c[2] for c in combo) != sorted(base_parts):
                continue  # each part's share must be of its own part of the base
            fits, shown = fits_weighted_average(float(w["stated_pct"]), [(c[1], c[3]) for c in combo])
            out.append(
                {
                    "whole": float(w["stated_pct"]),
                    "whole_measure": whole,
                    "whole_base": (w["pct_of"], whole_base),
                    "parts": list(combo),
                    "fits": fits,
                    "range": shown,
                    "statement": w,
                }
            )
    return out


def _same_values(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    return frame[(frame["measure"] == measure) & (frame["category"] == "") & frame["value"].notna()]


def consistent_values(statements: pd.DataFrame, figures: pd.DataFrame, defs: Definitions) -> dict:
    """For each contested figure, the values consistent with the same documents' other figures, when
    that evidence rules out at least one value (step 0 of RULE): {key: (set of values, why)}.

    Evidence used, from statements in the documents that state the contested figure:
    - an overall share that must be the weighted average of its parts' shares (the contested figure is
      one of the parts);
    - a stated total that must equal the sum of its parts (the contested figure is a part, or the total);
    - parts of the contested figure (part_of) that must not add up to more than it, and must add up to
      it exactly when they are an exhaustive breakdown.
    """
    measures = defs.measures
    prefer: dict = {}
    contested = figures[figures["contested"].astype(bool) & (figures["category"] == "")]
    if contested.empty:
        return prefer
    # each contested figure's statements and its council-year's, found by key (not by scanning them all)
    index = _lookup(figures)
    by_key = statements.groupby(KEY, sort=False).indices
    by_year = statements.groupby(["council", "year"], sort=False).indices
    for _, fig in contested.iterrows():
        key = tuple(fig[k] for k in KEY)
        council, year, measure = fig["council"], fig["year"], fig["measure"]
        mine = statements.iloc[by_key.get(key, [])]
        sources = set(mine["source"])
        by_value = fig["basis"] == "published" and pd.notna(fig["value"])
        field = "value" if by_value else "stated_pct"
        candidates = sorted({float(v) for v in mine[field].dropna()})
        evidence: list[tuple[dict, str]] = []  # (value -> consistent?, why)
        its_year = statements.iloc[by_year.get((council, year), [])]
        same = its_year[its_year["source"].isin(sources)]
        wholes = [m for m in measures.index if measure in defs.sum_parts(m)]
        if not by_value:
            # the contested share is one part of an overall share: a weighted average
            for whole in wholes:
                found = weighted_average_evidence(its_year, figures, defs, council, year, whole, sources, index)
                if not found:
                    continue
                fits = {
                    c: any(e["fits"] for e in found if (measure, c) in {(p[0], p[1]) for p in e["parts"]})
                    for c in candidates
                }
                first = found[0]
                given = "; ".join(
                    "{} gives {:.1f}% to {:.1f}%".format(
                        _pct_text(c),
                        *weighted_share_range([(c if p[0] == measure else p[1], p[3]) for p in first["parts"]]),
                    )
                    for c in candidates
                )
                others = " and ".join(
                    f"{p[0]} {_pct_text(p[1])} of {p[3]:g}" if p[0] != measure else f"{p[0]} of {p[3]:g}"
                    for p in first["parts"]
                )
                evidence.append(
                    (
                        fits,
                        f"{whole} {_pct_text(first['whole'])} of {first['whole_base'][0]} "
                        f"({first['whole_base'][1]:g}) is the weighted average of {others} ({given})",
                    )
                )
        else:
            # a stated total that is the sum of its parts, the contested figure among them
            for whole in wholes:
                parts = defs.sum_parts(whole)
                totals = _same_values(same, whole)
                others = {p: _same_values(same, p) for p in parts if p != measure}
                if totals.empty or any(o.empty for o in others.values()):
                    continue
                rest = sum(float(o["value"].iloc[0]) for o in others.values())
                total = float(totals["value"].iloc[0])
                evidence.append(
                    (
                        {c: abs(rest + c - total) < 1e-9 for c in candidates},
                        f"{whole} {total:g} is the sum of its parts ({' + '.join(parts)})",
                    )
                )
            # the contested figure is a total of stated parts
            parts = defs.sum_parts(measure)
            found = [_same_values(same, p) for p in parts]
            if parts and all(len(f) for f in found):
                total = sum(float(f["value"].iloc[0]) for f in found)
                evidence.append(
                    (
                        {c: abs(c - total) < 1e-9 for c in candidates},
                        f"its parts {' + '.join(parts)} add up to {total:g}",
                    )
                )
            # parts of the contested figure (outcomes, timeliness bands...)
            part_rows = same[
                (same["measure"].map(measures["part_of"]).fillna("") == measure) & same["value"].notna()
            ].drop_duplicates(subset=["measure", "category"])
            if len(part_rows):
                partition = part_rows["measure"].map(measures["partition"]).fillna("")
                partition = partition.where(partition != "", part_rows["measure"])
                for _, group in part_rows.groupby(partition):
                    total = float(group["value"].sum())
                    exhaustive = bool(group["measure"].map(measures["exhaustive"]).eq("yes").all())
                    listed = " + ".join(
                        f"{r['measure']}{' ' + r['category'] if r['category'] else ''} {r['value']:g}"
                        for _, r in group.iterrows()
                    )
                    if exhaustive:
                        ok = {c: abs(c - total) < 1e-9 for c in candidates}
                        why = f"its exhaustive breakdown {listed} adds up to {total:g}"
                    else:
                        ok = {c: c >= total - 1e-9 for c in candidates}
                        why = f"its parts {listed} add up to {total:g}, which it cannot be below"
                    evidence.append((ok, why))
        # only evidence that tells the values apart
        evidence = [(ok, why) for ok, why in evidence if any(ok.values()) and not all(ok.values())]
        keep = {c for c in candidates if all(ok[c] for ok, _ in evidence)}
        if evidence and keep and len(keep) < len(candidates):
            shown = " and ".join((f"{c:g}" if by_value else _pct_text(c)) for c in sorted(keep))
            reasons = "; ".join(why for _, why in evidence)
            prefer[key] = (keep, f"only {shown} fits the same document's other figures: {reasons}")
    return prefer


def build_figures(statements: pd.DataFrame, defs: Definitions) -> pd.DataFrame:
    first = resolve_figures(statements)
    prefer = consistent_values(statements, derive_figures(first, defs), defs)
    figures = derive_figures(resolve_figures(statements, prefer) if prefer else first, defs)
    check_numerators(statements, figures)
    return figures.sort_values(KEY, kind="stable").reset_index(drop=True)
