"""Audit of published figures: do the documents agree with their own counts and with themselves?

One row per check, with a verdict:
- ok: the statement agrees with the counts it describes (percentages may be rounded or truncated
  to the precision they are written with);
- mismatch: a stated percentage, change, claim or year does not follow from the counts, the
  document's other figures or the period it reports on;
- contradiction: the documents give one figure two values, or its parts add up to more than it;
- cannot_check: the statement has no count or base to check it against (listed so that every
  published percentage and change appears once).

The checks (`check`), as a careful reader makes them:
- percentage: a stated percentage against its count and base; a mismatch names the bases it fits;
- change: a stated rise or fall (relative or absolute) against both years' figures;
- change points: a stated change in percentage points against both years' shares;
- same figure: one figure given two values, with the value metrics use and why;
- parts / sum: parts (outcomes, breakdowns) against their whole; a total against its parts;
- weighted average: an overall share against its parts' shares (it is their weighted average,
  so it must lie between them);
- parts percentages: stated part percentages against a stated whole percentage, and the shares of
  one breakdown (of one base) against 100%;
- claim: "majority", "most", "minority", "half", "all", "none" against the counts;
- period: the year a sentence names against the year the figure is for, and an extraction date
  against the end of the period it must cover.
"""

from __future__ import annotations

import itertools
from datetime import date

import pandas as pd

from ..inputs.definitions import Definitions
from ..inputs.years import year_bounds
from .resolve import (
    KEY,
    RULE,
    _lookup,
    allowed_values,
    count_candidates,
    count_from_percentage,
    decimals_of,
    figure_index,
    fits_sum_of_percentages,
    percentage_check,
    weighted_average_evidence,
)

COLUMNS = [
    "council",
    "year",
    "measure",
    "category",
    "check",
    "stated",
    "counts_give",
    "verdict",
    "detail",
    "quote",
    "source",
    "file",
    "line",
]


def _fmt(value: float) -> str:
    return f"{value:,.2f}" if not float(value).is_integer() else f"{int(value):,}"


def _row(stmt: pd.Series, check: str, stated: str, counts_give: str, verdict: str, detail: str = "", **extra) -> dict:
    row = {
        "council": stmt["council"],
        "year": stmt["year"],
        "measure": stmt["measure"],
        "category": stmt["category"],
        "check": check,
        "stated": stated,
        "counts_give": counts_give,
        "verdict": verdict,
        "detail": detail,
        "quote": stmt["quote"],
        "source": stmt["source"],
        "file": stmt["file"],
        "line": int(stmt["line"]),
    }
    row.update(extra)
    return row


def _value(index: dict, council: str, year: str, measure: str, category: str = "") -> pd.Series | None:
    fig = index.get((council, year, measure, category))
    return fig if fig is not None and pd.notna(fig["value"]) and fig["basis"] != "from_percentage" else None


NEARBY = 5  # bases within this of the stated one are tried when a percentage does not fit


def by_council_year(frame: pd.DataFrame | None):
    """`rows(council, year)`: the rows of `frame` for one council-year, found by key rather than by
    scanning the frame (so that a check made once per council-year costs the same however many there are).
    None for no frame."""
    if frame is None:
        return lambda council, year: None
    positions: dict | None = None

    def rows(council: str, year: str) -> pd.DataFrame:
        nonlocal positions
        if positions is None:
            positions = frame.groupby(["council", "year"], sort=False).indices
        return frame.iloc[positions.get((council, year), [])]

    return rows


def _fits(numerator: float | None, base: float, pct: float) -> bool:
    if base <= 0 or (numerator is not None and numerator > base):
        return False
    if numerator is None:
        return bool(count_candidates(pct, int(base)))
    return percentage_check(numerator, base, pct)[0]


def bases_that_fit(
    numerator: float | None,
    base: float,
    pct: float,
    stmt: pd.Series,
    figures: pd.DataFrame | None,
    defs,
    statements: pd.DataFrame | None = None,
) -> str:
    """Words naming the bases a mismatched percentage fits, '' when none does.

    With a count: first the published bases of that council-year (the whole the measure is part of,
    and every measure a percentage of that council-year is stated of, with every value stated for
    it), then whole numbers within NEARBY of the stated base. With only a percentage, any large base
    fits some count, so only the stated base's other values and the nearby numbers are tried.
    """
    named = []
    if figures is not None:
        bases = {stmt["pct_of"]}
        if numerator is not None:
            if defs is not None and stmt["measure"] in defs.measures.index:
                bases.add(defs.measures.at[stmt["measure"], "part_of"] or "")
            if statements is not None:
                same = statements[(statements["council"] == stmt["council"]) & (statements["year"] == stmt["year"])]
                bases |= set(same["pct_of"])
        mine = figures[
            (figures["council"] == stmt["council"])
            & (figures["year"] == stmt["year"])
            & (figures["category"] == "")
            & figures["measure"].isin(bases - {""})
            & (figures["basis"] == "published")
        ].sort_values("measure", kind="stable")
        for _, fig in mine.iterrows():
            for value in allowed_values(fig):
                if value != base and _fits(numerator, value, pct):
                    also = ", as the document also states it" if fig["measure"] == stmt["pct_of"] else ""
                    named.append(f"{value:g} ({fig['measure']}{also})")
    nearby = [
        b
        for b in range(max(1, int(base) - NEARBY), int(base) + NEARBY + 1)
        if b != base and _fits(numerator, b, pct) and not any(n.startswith(f"{b:g} (") for n in named)
    ]
    words = []
    if named:
        words.append(" or ".join(named))
    if nearby:
        listed = [f"{b}" for b in nearby]
        listed = ", ".join(listed[:-1]) + " or " + listed[-1] if len(listed) > 1 else listed[0]
        words.append(("of nearby bases, " if named else "") + listed)
    if not words:
        return ""
    return f" {pct:g}% fits a base of {'; '.join(words)}, not {base:g}."


def percentage_checks(
    statements: pd.DataFrame, index: dict, figures: pd.DataFrame | None = None, defs: Definitions | None = None
) -> list[dict]:
    rows = []
    # bases_that_fit looks only at the statement's council-year: it is given that council-year's rows
    statements_of, figures_of = by_council_year(statements), by_council_year(figures)

    def fits_elsewhere(numerator: float | None, base: float, pct: float, stmt: pd.Series) -> str:
        own = (stmt["council"], stmt["year"])
        return bases_that_fit(numerator, base, pct, stmt, figures_of(*own), defs, statements_of(*own))

    for _, stmt in statements[statements["stated_pct"].notna()].iterrows():
        pct, qual = stmt["stated_pct"], stmt["pct_qualifier"]
        stated = {"<": "less than ", ">": "more than ", "~": "about "}.get(qual, "") + f"{pct:g}%"
        base = _value(index, stmt["council"], stmt["year"], stmt["pct_of"]) if stmt["pct_of"] else None
        if base is None:
            why = "no base is stated" if not stmt["pct_of"] else f"{stmt['pct_of']} is not published for {stmt['year']}"
            rows.append(_row(stmt, "percentage", stated, "", "cannot_check", f"Nothing to check it against: {why}."))
            continue
        n = base["value"]
        numerator = stmt["value"]
        if pd.isna(numerator):
            own = _value(index, stmt["council"], stmt["year"], stmt["measure"], stmt["category"])
            numerator = own["value"] if own is not None else float("nan")
        if pd.notna(numerator):
            ok, shown = percentage_check(numerator, n, pct, qual)
            rows.append(
                _row(
                    stmt,
                    "percentage",
                    f"{stated} ({_fmt(numerator)} of {_fmt(n)} {stmt['pct_of']})",
                    shown,
                    "ok" if ok else "mismatch",
                    ""
                    if ok
                    else f"{_fmt(numerator)} / {_fmt(n)} = {shown}, not {stated}."
                    + (fits_elsewhere(numerator, n, pct, stmt) if not qual else ""),
                )
            )
        elif qual:
            rows.append(
                _row(stmt, "percentage", stated, "", "cannot_check", "A bound with no count to check it against.")
            )
        else:
            k = count_from_percentage(pct, int(n))
            if k is None:
                rows.append(
                    _row(
                        stmt,
                        "percentage",
                        f"{stated} of {_fmt(n)} {stmt['pct_of']}",
                        "no whole number",
                        "mismatch",
                        f"No whole number out of {_fmt(n)} gives {stated}, rounded or truncated."
                        + fits_elsewhere(None, n, pct, stmt),
                    )
                )
            else:
                rows.append(
                    _row(
                        stmt,
                        "percentage",
                        f"{stated} of {_fmt(n)} {stmt['pct_of']}",
                        f"{k} of {_fmt(n)}",
                        "ok",
                        f"Only a percentage is published; {k} of {_fmt(n)} gives it.",
                    )
                )
    return rows


def change_checks(statements: pd.DataFrame, index: dict) -> list[dict]:
    rows = []
    claims = statements[statements["change_from"] != ""]
    for _, stmt in claims.iterrows():
        parts = []
        if pd.notna(stmt["stated_change_pct"]):
            parts.append(f"{stmt['stated_change_pct']:g}%")
        if pd.notna(stmt["stated_change_abs"]):
            parts.append(_fmt(stmt["stated_change_abs"]))
        stated = " ".join(filter(None, [stmt["stated_direction"], " / ".join(parts)])) + f" since {stmt['change_from']}"
        now = index.get((stmt["council"], stmt["year"], stmt["measure"], stmt["category"]))
        before = index.get((stmt["council"], stmt["change_from"], stmt["measure"], stmt["category"]))
        if now is None or before is None:
            rows.append(
                _row(
                    stmt,
                    "change",
                    stated,
                    "",
                    "cannot_check",
                    f"The documents give no {stmt['measure']} for "
                    f"{stmt['change_from'] if before is None else stmt['year']}.",
                )
            )
            continue
        if (
            pd.notna(now["value"])
            and pd.notna(before["value"])
            and "from_percentage" not in (now["basis"], before["basis"])
        ):
            a, b, unit = before["value"], now["value"], ""
        elif pd.notna(now["pct"]) and pd.notna(before["pct"]):
            a, b, unit = before["pct"], now["pct"], " percentage points"
        else:
            rows.append(_row(stmt, "change", stated, "", "cannot_check", "No counts to compare."))
            continue
        diff = b - a
        actual_dir = "increase" if diff > 0 else "decrease" if diff < 0 else "same"
        problems = []
        if stmt["stated_direction"] and stmt["stated_direction"] != actual_dir:
            shown_direction = (
                "no change"
                if actual_dir == "same"
                else "an " + actual_dir
                if actual_dir == "increase"
                else "a decrease"
            )
            problems.append(f"the figures show {shown_direction}")
        rel = 100 * diff / a if a else float("nan")
        if pd.notna(stmt["stated_change_pct"]) and not unit:
            ok, _shown = percentage_check(abs(diff), a, stmt["stated_change_pct"])
            if not ok:
                problems.append(f"the change is {rel:+.1f}%, not {stmt['stated_change_pct']:g}%")
        if pd.notna(stmt["stated_change_abs"]) and abs(diff) != stmt["stated_change_abs"]:
            problems.append(f"the change is {_fmt(abs(diff))}, not {_fmt(stmt['stated_change_abs'])}")
        gives = f"{_fmt(a)} to {_fmt(b)}: {diff:+,.4g}{unit}" + (f" ({rel:+.1f}%)" if not unit and a else "")
        rows.append(
            _row(
                stmt,
                "change",
                stated,
                gives,
                "mismatch" if problems else "ok",
                ("; ".join(problems).capitalize() + ".") if problems else "",
            )
        )
    return rows


def contradiction_checks(statements: pd.DataFrame, figures: pd.DataFrame) -> list[dict]:
    rows = []
    contested = figures[figures["contested"] & (figures["values_stated"] != "")]
    by_key = statements.groupby(KEY, sort=False).indices if len(contested) else {}
    for _, fig in contested.iterrows():
        key = tuple(fig[k] for k in KEY)
        stmts = statements.iloc[by_key.get(key, [])]
        field = "value" if pd.notna(fig["value"]) and fig["basis"] == "published" else "stated_pct"
        stmts = stmts[stmts[field].notna()]
        chosen = fig["value"] if field == "value" else fig["pct"]
        shown = _fmt(chosen) if field == "value" else f"{chosen:g}%"
        first = stmts.iloc[0]
        rows.append(
            {
                "council": fig["council"],
                "year": fig["year"],
                "measure": fig["measure"],
                "category": fig["category"],
                "check": "same figure",
                "stated": fig["values_stated"],
                "counts_give": f"metrics use {shown}",
                "verdict": "contradiction",
                "detail": f"{len(stmts)} statements give {fig['values_stated']}. "
                + (f"Metrics use {shown}: {fig['chosen_by']}. " if fig.get("chosen_by", "") else "")
                + f"Rule: {RULE}. The figure stays contested: metrics test every value stated.",
                "quote": " | ".join(
                    f"[{f'{s[field]:g}'}{'%' if field == 'stated_pct' else ''}] {s['quote']}"
                    for _, s in stmts.iterrows()
                ),
                "source": "; ".join(dict.fromkeys(stmts["source"])),
                "file": first["file"],
                "line": int(first["line"]),
            }
        )
    return rows


def parts_checks(figures: pd.DataFrame, defs: Definitions, index: dict) -> list[dict]:
    """Parts (outcomes, breakdowns) against their whole; sums against their stated total."""
    rows = []
    measures = defs.measures
    summed = [m for m in measures.index if defs.sum_parts(m)]  # the measures that are sums of others
    stated = figures[figures["basis"] == "published"]
    for (council, year), group in stated.groupby(["council", "year"]):
        in_group = group[group["measure"].map(measures["part_of"]).fillna("") != ""]
        whole_of = in_group["measure"].map(measures["part_of"])
        partition = in_group["measure"].map(measures["partition"]).where(lambda s: s != "", in_group["measure"])
        for (whole_measure, _), parts in in_group.groupby([whole_of, partition]):
            whole = _value(index, council, year, whole_measure)
            if whole is None:
                continue
            total = parts["value"].sum()
            listed = ", ".join(
                f"{p['measure']}{' ' + p['category'] if p['category'] else ''} {_fmt(p['value'])}"
                for _, p in parts.iterrows()
            )
            exhaustive = parts["measure"].map(measures["exhaustive"]).eq("yes").all()
            if total > whole["value"]:
                verdict, detail = (
                    "contradiction",
                    f"The parts add up to {_fmt(total)}, more than the {_fmt(whole['value'])} they are part of.",
                )
            elif exhaustive and total != whole["value"]:
                verdict, detail = "mismatch", f"The breakdown adds up to {_fmt(total)}, not {_fmt(whole['value'])}."
            else:
                verdict, detail = "ok", ""
            first = parts.iloc[0]
            rows.append(
                {
                    "council": council,
                    "year": year,
                    "measure": whole_measure,
                    "category": "",
                    "check": "parts",
                    "stated": listed,
                    "counts_give": f"{_fmt(total)} of {_fmt(whole['value'])}",
                    "verdict": verdict,
                    "detail": detail,
                    "quote": " | ".join(dict.fromkeys(parts["quote"])),
                    "source": "; ".join(dict.fromkeys(parts["source"])),
                    "file": first["file"],
                    "line": int(first["line"]),
                }
            )
        totals = group[group["measure"].isin(summed) & ~group["category"].map(bool)]
        for _, total in totals.iterrows():
            components = defs.sum_parts(total["measure"])
            found = [index.get((council, year, c, "")) for c in components]
            if not components or any(f is None or f["basis"] != "published" for f in found):
                continue
            add = sum(f["value"] for f in found)
            ok = abs(add - total["value"]) < 1e-6
            rows.append(
                {
                    "council": council,
                    "year": year,
                    "measure": total["measure"],
                    "category": "",
                    "check": "sum",
                    "stated": f"{_fmt(total['value'])} = "
                    + " + ".join(f"{c} {_fmt(f['value'])}" for c, f in zip(components, found)),
                    "counts_give": _fmt(add),
                    "verdict": "ok" if ok else "contradiction",
                    "detail": "" if ok else f"The parts add up to {_fmt(add)}, not {_fmt(total['value'])}.",
                    "quote": " | ".join(dict.fromkeys([total["quote"]] + [f["quote"] for f in found])),
                    "source": "; ".join(dict.fromkeys([total["source"]] + [f["source"] for f in found])),
                    "file": total["file"],
                    "line": int(total["line"]),
                }
            )
    return rows


def _quotes(rows) -> str:
    return " | ".join(dict.fromkeys(r["quote"] for r in rows))


def weighted_average_checks(statements: pd.DataFrame, figures: pd.DataFrame, defs: Definitions) -> list[dict]:
    """An overall share (of a sum, such as statutory and corporate complaints) against its parts'
    shares: it is their weighted average, so it must lie between them, at the weights of the bases."""
    rows = []
    wholes = [m for m in defs.measures.index if defs.sum_parts(m)]
    stated = statements[statements["stated_pct"].notna() & (statements["pct_qualifier"] == "")]
    statements_of, index = by_council_year(statements), _lookup(figures)
    for (council, year, source), group in stated.groupby(["council", "year", "source"]):
        its_year = statements_of(council, year)  # what the evidence and the quotes are looked for in
        for whole in sorted(set(group["measure"]) & set(wholes)):
            for e in weighted_average_evidence(its_year, figures, defs, council, year, whole, {source}, index):
                parts = ", ".join(f"{p[0]} {p[1]:g}% of {p[3]:g}" for p in e["parts"])
                low, high = e["range"]
                shares = [p[1] for p in e["parts"]]
                # rounded shares stand for [x - 0.5, x + 0.5): the whole's must meet the parts' span
                between = e["whole"] + 0.5 > min(shares) - 0.5 + 1e-9 and e["whole"] - 0.5 < max(shares) + 0.5 - 1e-9
                if e["fits"]:
                    detail = ""
                elif not between:
                    detail = (
                        f"An overall share must lie between its parts' shares: {e['whole']:g}% is outside "
                        f"{min(shares):g}% to {max(shares):g}%, impossible however the parts are weighted "
                        f"(at these bases they give {low:.1f}% to {high:.1f}%)."
                    )
                else:
                    detail = (
                        f"At these bases the parts give {low:.1f}% to {high:.1f}% overall (allowing for rounding), "
                        f"not {e['whole']:g}%."
                    )
                part_quotes = its_year[
                    (its_year["source"] == source)
                    & its_year["measure"].isin([p[0] for p in e["parts"]])
                    & its_year["stated_pct"].isin([p[1] for p in e["parts"]])
                ]
                w = e["statement"]
                rows.append(
                    _row(
                        w,
                        "weighted average",
                        f"{e['whole']:g}% of {e['whole_base'][1]:g} {e['whole_base'][0]} from {parts}",
                        f"{low:.1f}% to {high:.1f}%",
                        "ok" if e["fits"] else "mismatch",
                        detail,
                        quote=_quotes([w, *[r for _, r in part_quotes.iterrows()]]),
                    )
                )
    return rows


def parts_percentage_checks(statements: pd.DataFrame, defs: Definitions) -> list[dict]:
    """Stated part percentages against a stated whole percentage of the same base (upheld 25% and
    partially upheld 44% against upheld or partially upheld 75%), and the shares of one breakdown of
    one base against 100% (more than 100% is impossible; an exhaustive breakdown must reach it)."""
    rows = []
    measures = defs.measures
    summed = [m for m in measures.index if defs.sum_parts(m)]  # the measures that are sums of others
    stated = statements[
        statements["stated_pct"].notna() & (statements["pct_qualifier"] == "") & (statements["pct_of"] != "")
    ]
    stated = stated[stated["category"] == ""].drop_duplicates(
        subset=["council", "year", "source", "measure", "stated_pct"]
    )
    for (_council, _year, _source, base), group in stated.groupby(["council", "year", "source", "pct_of"]):
        # a whole and its parts, all of one base
        for _, whole in group[group["measure"].isin(summed)].iterrows():
            parts = defs.sum_parts(whole["measure"])
            options = [group[group["measure"] == p] for p in parts]
            if not parts or any(o.empty for o in options):
                continue
            for combo in itertools.product(*[[r for _, r in o.iterrows()] for o in options]):
                pcts = [float(r["stated_pct"]) for r in combo]
                fits, (low, high) = fits_sum_of_percentages(float(whole["stated_pct"]), pcts)
                rows.append(
                    _row(
                        whole,
                        "parts percentages",
                        f"{whole['stated_pct']:g}% = "
                        + " + ".join(f"{r['measure']} {r['stated_pct']:g}%" for r in combo),
                        f"{sum(pcts):g}% ({low:g}% to {high:g}% allowing for rounding)",
                        "ok" if fits else "mismatch",
                        ""
                        if fits
                        else f"The parts' percentages add up to {sum(pcts):g}%, not {whole['stated_pct']:g}% "
                        f"(each may be off by its rounding: {low:g}% to {high:g}%).",
                        quote=_quotes([whole, *combo]),
                    )
                )
        # the shares of one breakdown of this base
        known = group[group["measure"].isin(measures.index)]
        partition = known["measure"].map(measures["partition"]).fillna("")
        for name, shares in known[partition != ""].groupby(partition[partition != ""]):
            shares = shares.drop_duplicates(subset=["measure"])
            if len(shares) < 2:
                continue
            pcts = [float(v) for v in shares["stated_pct"]]
            low = sum(max(0.0, v - 0.5 * 10 ** -decimals_of(v)) for v in pcts)
            high = sum(v + 10 ** -decimals_of(v) for v in pcts)
            exhaustive = bool(shares["measure"].map(measures["exhaustive"]).eq("yes").all())
            if low > 100 + 1e-9:
                verdict = "mismatch"
                detail = (
                    f"The shares of one breakdown of {base} add up to {sum(pcts):g}%, more than 100% even "
                    "allowing for rounding."
                )
            elif exhaustive and high < 100 - 1e-9:
                verdict, detail = "mismatch", f"The shares of a complete breakdown add up to {sum(pcts):g}%, not 100%."
            else:
                verdict, detail = "ok", ""
            first = shares.iloc[0]
            rows.append(
                {
                    **_row(
                        first,
                        "parts percentages",
                        " + ".join(f"{r['measure']} {r['stated_pct']:g}%" for _, r in shares.iterrows())
                        + f" of {base} ({name})",
                        f"{sum(pcts):g}%",
                        verdict,
                        detail,
                        quote=_quotes([r for _, r in shares.iterrows()]),
                    ),
                    "measure": base,
                }
            )
    return rows


CLAIM_TESTS = {
    "majority": ("more than half", lambda k, n: 2 * k > n),
    "most": ("more than half", lambda k, n: 2 * k > n),
    "minority": ("fewer than half", lambda k, n: 2 * k < n),
    "half": ("half (rounded)", lambda k, n: percentage_check(k, n, 50)[0]),
    "all": ("all", lambda k, n: k == n),
    "none": ("none", lambda k, n: k == 0),
}


def claim_checks(statements: pd.DataFrame, index: dict, defs: Definitions) -> list[dict]:
    """Words that claim a share ("the majority ... were not upheld 95 (42%)") against the counts."""
    rows = []
    for _, stmt in statements[statements["claim"].fillna("") != ""].iterrows():
        claim = stmt["claim"]
        base_measure = stmt["pct_of"]
        if not base_measure and stmt["measure"] in defs.measures.index:
            base_measure = defs.measures.at[stmt["measure"], "part_of"] or ""
        base = _value(index, stmt["council"], stmt["year"], base_measure) if base_measure else None
        k = stmt["value"]
        if pd.isna(k) and base is not None and pd.notna(stmt["stated_pct"]):
            k = stmt["stated_pct"] * base["value"] / 100
        meaning, test = CLAIM_TESTS[claim]
        if base is None or pd.isna(k):
            rows.append(
                _row(stmt, "claim", f"'{claim}'", "", "cannot_check", "No count and base to check the claim against.")
            )
            continue
        n = base["value"]
        ok = bool(test(k, n))
        rows.append(
            _row(
                stmt,
                "claim",
                f"'{claim}' ({meaning}) of {_fmt(n)} {base_measure}",
                f"{_fmt(k)} of {_fmt(n)} ({100 * k / n:.1f}%)",
                "ok" if ok else "mismatch",
                "" if ok else f"'{claim.capitalize()}' means {meaning}; {_fmt(k)} of {_fmt(n)} is {100 * k / n:.1f}%.",
            )
        )
    return rows


def _share(fig: pd.Series | None, index: dict, council: str, year: str) -> tuple[float, bool] | None:
    """A figure's share in percent: from its counts when both are published, else its stated percentage.
    Returns (percent, exact)."""
    if fig is None:
        return None
    base = _value(index, council, year, fig["pct_of"]) if fig["pct_of"] else None
    if pd.notna(fig["value"]) and fig["basis"] != "from_percentage" and base is not None:
        return 100 * fig["value"] / base["value"], True
    if pd.notna(fig["pct"]):
        return float(fig["pct"]), False
    return None


def change_points_checks(statements: pd.DataFrame, index: dict) -> list[dict]:
    """A stated change in percentage points against both years' shares."""
    rows = []
    for _, stmt in statements[statements["stated_change_points"].notna()].iterrows():
        stated = (
            " ".join(filter(None, [stmt["stated_direction"], f"{stmt['stated_change_points']:g} percentage points"]))
            + f" since {stmt['change_from']}"
        )
        now = _share(index.get(tuple(stmt[k] for k in KEY)), index, stmt["council"], stmt["year"])
        key = (stmt["council"], stmt["change_from"], stmt["measure"], stmt["category"])
        before = _share(index.get(key), index, stmt["council"], stmt["change_from"])
        if now is None or before is None:
            rows.append(_row(stmt, "change points", stated, "", "cannot_check", "No shares for both years to compare."))
            continue
        diff = now[0] - before[0]
        direction = "increase" if diff > 0 else "decrease" if diff < 0 else "same"
        size = abs(diff)
        if now[1] and before[1]:
            size_ok = percentage_check(size, 100, stmt["stated_change_points"])[0]
        else:  # stated percentages are each rounded: the difference may be off by up to one point
            size_ok = abs(size - stmt["stated_change_points"]) <= 1 + 1e-9
        problems = []
        if stmt["stated_direction"] and stmt["stated_direction"] != direction:
            shown = {"same": "no change", "increase": "an increase", "decrease": "a decrease"}[direction]
            problems.append(f"the shares show {shown}")
        if not size_ok:
            problems.append(f"the change is {diff:+.1f} points, not {stmt['stated_change_points']:g}")
        rows.append(
            _row(
                stmt,
                "change points",
                stated,
                f"{before[0]:.1f}% to {now[0]:.1f}%: {diff:+.1f} points",
                "mismatch" if problems else "ok",
                ("; ".join(problems).capitalize() + ".") if problems else "",
            )
        )
    return rows


def _year_text(year: str) -> str:
    return year.replace("-", "/")


def period_checks(statements: pd.DataFrame) -> list[dict]:
    """The year a sentence names against the year its figure is for; an extraction date against the
    end of the period the figures must cover."""
    rows = []
    for _, stmt in statements[statements["stated_year"].fillna("") != ""].iterrows():
        ok = stmt["stated_year"] == stmt["year"]
        rows.append(
            _row(
                stmt,
                "period",
                f"{_year_text(stmt['stated_year'])} as written",
                f"the figure is for {stmt['year']}",
                "ok" if ok else "mismatch",
                ""
                if ok
                else f"The sentence says {_year_text(stmt['stated_year'])}, but the figure is for {stmt['year']}"
                + (
                    f" (the document reports on {stmt['report_year']})."
                    if stmt.get("report_year", "") and stmt["report_year"] != stmt["stated_year"]
                    else "."
                ),
            )
        )
    for _, stmt in statements[statements["extracted"].fillna("") != ""].iterrows():
        extracted = date.fromisoformat(stmt["extracted"])
        end = year_bounds(stmt["year"])[1].date()
        ok = extracted > end
        rows.append(
            _row(
                stmt,
                "period",
                f"data extracted {extracted:%-d %B %Y}",
                f"{stmt['year']} ends {end:%-d %B %Y}",
                "ok" if ok else "mismatch",
                ""
                if ok
                else f"The data were extracted on {extracted:%-d %B %Y}, before {stmt['year']} ended on "
                f"{end:%-d %B %Y}: either the date is a slip or the figures do not cover the whole year.",
            )
        )
    return rows


def build_audit(statements: pd.DataFrame, figures: pd.DataFrame, defs: Definitions) -> pd.DataFrame:
    index = figure_index(figures)
    for column in ("claim", "stated_year", "extracted"):
        if column not in statements.columns:
            statements = statements.assign(**{column: ""})
    if "stated_change_points" not in statements.columns:
        statements = statements.assign(stated_change_points=float("nan"))
    rows = (
        percentage_checks(statements, index, figures, defs)
        + change_checks(statements, index)
        + change_points_checks(statements, index)
        + contradiction_checks(statements, figures)
        + parts_checks(figures, defs, index)
        + weighted_average_checks(statements, figures, defs)
        + parts_percentage_checks(statements, defs)
        + claim_checks(statements, index, defs)
        + period_checks(statements)
    )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["council", "year", "measure", "check", "line"], kind="stable").reset_index(drop=True)
