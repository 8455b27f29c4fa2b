"""Audit of published figures: do the documents agree with their own counts and with themselves?

One row per check, with a verdict:
- ok: the statement agrees with the counts it describes (percentages may be rounded or truncated
  to the precision they are written with);
- mismatch: a stated percentage or change does not follow from the counts;
- contradiction: the documents give one figure two values, or its parts add up to more than it;
- cannot_check: the statement has no count or base to check it against (listed so that every
  published percentage and change appears once).
"""

from __future__ import annotations

import pandas as pd

from ..inputs.definitions import Definitions
from .resolve import KEY, RULE, count_from_percentage, figure_index, percentage_check

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


def percentage_checks(statements: pd.DataFrame, index: dict) -> list[dict]:
    rows = []
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
                    "" if ok else f"{_fmt(numerator)} / {_fmt(n)} = {shown}, not {stated}.",
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
                        f"No whole number out of {_fmt(n)} gives {stated}, rounded or truncated.",
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
    for _, fig in figures[figures["contested"] & (figures["values_stated"] != "")].iterrows():
        key = tuple(fig[k] for k in KEY)
        stmts = statements[(statements[KEY].apply(tuple, axis=1) == key)]
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
                "detail": f"{len(stmts)} statements give {fig['values_stated']}. Rule: {RULE}.",
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
        for _, total in group.iterrows():
            components = defs.sum_parts(total["measure"]) if not total["category"] else []
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


def build_audit(statements: pd.DataFrame, figures: pd.DataFrame, defs: Definitions) -> pd.DataFrame:
    index = figure_index(figures)
    rows = (
        percentage_checks(statements, index)
        + change_checks(statements, index)
        + contradiction_checks(statements, figures)
        + parts_checks(figures, defs, index)
    )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["council", "year", "measure", "check", "line"], kind="stable").reset_index(drop=True)
