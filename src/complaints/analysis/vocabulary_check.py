"""Each council's [vocabulary] checked against its data: names configured that the data never has, and
categories in the data that the configuration does not list.

The data is the council's published figures (the categories of its breakdowns by team, issue, channel...:
MEASURE_KEYS says which [vocabulary] key each breakdown measure's categories belong to; a category is first
mapped by the codes table of the records column the key is for, so "Staff Behavior" is "Staff Behaviour" when
[records.complaints.codes.issues] says so) and its complaint records (the categories kept, and the values
counted as "Other (not in the vocabulary)", which outputs/private/vocabulary.csv lists).

Two findings, both warnings (nothing stops):
- "configured, never in the data": a name of [vocabulary] in none of the council's published figures nor
  records; with "did you mean" the closest name the data has (difflib), for a misspelling;
- "in the data, not configured": a category of its published figures, or a value of its records, that the
  vocabulary does not list (in records it is counted as Other); with the closest configured name.

The names the configurations mark as invented for the synthetic extracts are in the synthetic records, so
they are in the data: the check does not second-guess the comments. `source` says where each name was
found ("published figures", "synthetic extracts", "extracts"): a name found only in synthetic extracts is
one no real document or extract has shown yet (`synthetic_only` counts them).

Values of extracts are raw cells that may hold personal data: the findings frame holds them (for the analyst,
like vocabulary.csv), and `from_extracts` says which; whoever logs the findings names only the others.
Everything here is pure: frames in, a frame out.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import pandas as pd

from ..inputs.records import LIST_COLUMNS, OTHER, VOCABULARY, Records

CONFIGURED_NOT_IN_DATA = "configured, never in the data"
IN_DATA_NOT_CONFIGURED = "in the data, not configured"
FINDING_COLUMNS = ["council", "key", "name", "finding", "where", "suggestion", "from_extracts", "suggestion_private"]
# where names are found: the columns of the frames check_vocabulary takes
SEEN_COLUMNS = ["council", "key", "name", "configured", "where", "extract"]
PUBLISHED, SYNTHETIC, EXTRACTS = "published figures", "synthetic extracts", "extracts"
CLOSE = 0.8  # difflib's ratio for "did you mean"

# the published breakdown measures whose categories are names of a [vocabulary] key (the others' categories,
# such as directorates, clocks or other councils, have no vocabulary)
MEASURE_KEYS = {
    "corporate_stage2_by_team": "teams",
    "compliments_by_team": "teams",
    "ombudsman_by_team": "teams",
    "statutory_received_by_team": "teams",
    "statutory_upheld_by_team": "teams",
    "overdue_reason": "delay_reasons",
    "statutory_complainant_type": "complainant_types",
    "corporate_complainant_type": "complainant_types",
    "statutory_channel": "channels",
    "corporate_channel": "channels",
    "statutory_issues": "issue_categories",
    "corporate_issues": "issue_categories",
    "send_issues": "issue_categories",
    "send_issues_upheld": "issue_categories",
    "statutory_upheld_theme": "issue_categories",
    "statutory_remedy": "remedies",
    "corporate_remedy": "remedies",
    "extension_reason": "extension_reasons",
    "refusal_reason": "refusal_reasons",
}


def spellings(records: Records) -> dict[str, dict[str, dict[str, str]]]:
    """council -> vocabulary key -> {another spelling: the vocabulary's}, from the codes tables of the records
    columns each key is for ([records.complaints.codes.issues] and the like)."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for council, config in records.configs.items():
        for (kind, canonical), key in VOCABULARY.items():
            table = config.kind(kind).codes.get(canonical) or {}
            out.setdefault(council, {}).setdefault(key, {}).update({str(k): str(v) for k, v in table.items()})
    return out


def published_seen(
    figures: pd.DataFrame,
    vocabularies: Mapping[str, Mapping[str, list[str]]],
    codes: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
) -> pd.DataFrame:
    """The categories of the published breakdowns, one row per council, key and name (SEEN_COLUMNS), with
    the measures and years they are in. `figures` may hold figures from records too (basis 'records'): only
    the published ones count."""
    codes = codes or {}
    if figures.empty or "category" not in figures.columns:
        return pd.DataFrame(columns=SEEN_COLUMNS)
    frame = figures
    if "basis" in frame.columns:
        frame = frame[frame["basis"].astype(str) != "records"]
    frame = frame[frame["measure"].isin(list(MEASURE_KEYS)) & frame["category"].fillna("").astype(str).ne("")]
    rows = {}
    for council, year, measure, category in frame[["council", "year", "measure", "category"]].astype(str).values:
        key = MEASURE_KEYS[measure]
        name = str(codes.get(council, {}).get(key, {}).get(category.strip(), category.strip()))
        where = rows.setdefault((council, key, name), set())
        where.add(f"{measure} {year}")
    return pd.DataFrame(
        [
            {
                "council": council,
                "key": key,
                "name": name,
                "configured": name in set(vocabularies.get(council, {}).get(key) or ()),
                "where": f"{PUBLISHED} ({', '.join(sorted(where))})",
                "extract": False,
            }
            for (council, key, name), where in rows.items()
        ],
        columns=SEEN_COLUMNS,
    )


def records_seen(records: Records) -> pd.DataFrame:
    """The names the records hold, one row per council, key, name and kind of extract (SEEN_COLUMNS): the
    categories kept (configured: names of the vocabulary) and the values counted as Other (not configured:
    raw cells, `extract` True)."""
    synthetic = {}
    if len(records.files):
        synthetic = dict(
            zip(records.files["file"].astype(str), records.files["file"].astype(str).str.contains("synthetic"))
        )

    def where(file: str) -> str:
        return SYNTHETIC if synthetic.get(file, "synthetic" in file) else EXTRACTS

    rows = set()
    for (kind, canonical), key in VOCABULARY.items():
        frame = records.complaints if kind == "complaints" else records.feedback
        if frame.empty or canonical not in frame.columns:
            continue
        pairs = frame[["council", "file", canonical]].astype(str).drop_duplicates()
        for council, file, value in pairs.values:
            items = value.split("; ") if canonical in LIST_COLUMNS else [value]
            for item in (i.strip() for i in items):
                if item and item != OTHER:
                    rows.add((council, key, item, True, where(file), False))
    outside = records.outside_vocabulary
    if len(outside):
        pairs = outside[["council", "kind", "canonical", "file", "value"]].astype(str).drop_duplicates()
        for council, kind, canonical, file, value in pairs.values:
            key = VOCABULARY.get((kind, canonical))
            if key and value.strip():
                rows.add((council, key, value.strip(), False, where(file), True))
    return pd.DataFrame(sorted(rows), columns=SEEN_COLUMNS)


def _closest(name: str, candidates) -> str:
    found = difflib.get_close_matches(name, [c for c in candidates if c != name], n=1, cutoff=CLOSE)
    return found[0] if found else ""


def check_vocabulary(
    seen: pd.DataFrame, vocabularies: Mapping[str, Mapping[str, list[str]]], councils=None
) -> pd.DataFrame:
    """The findings (FINDING_COLUMNS), for the councils of `vocabularies` (or those given): `seen` is every
    name the data holds (published_seen and records_seen, concatenated). A council's key with no names
    configured has nothing to be "never in the data"; every name the data has for it is "not configured".

    `where`: for a name not configured, where the data has it; for a name never in the data, where it was
    looked for. `suggestion`: the closest name (difflib ratio at least 0.8) on the other side: for a name
    never in the data, a name the data has; for a name not configured, a configured one. `from_extracts`:
    the name is a value of extracts only (never of a published figure); `suggestion_private`: likewise for
    the suggestion."""
    seen = seen if len(seen) else pd.DataFrame(columns=SEEN_COLUMNS)
    findings = []
    for council in sorted(councils if councils is not None else vocabularies):
        mine = seen[seen["council"] == council]
        vocabulary = vocabularies.get(council, {}) or {}
        keys = sorted(set(vocabulary) | set(mine["key"]), key=_key_order)
        for key in keys:
            configured = list(dict.fromkeys(vocabulary.get(key) or ()))
            here = mine[mine["key"] == key]
            data_names = list(dict.fromkeys(here["name"]))
            public = set(here.loc[~here["extract"].astype(bool), "name"])
            looked = sorted(set(here["where"].str.replace(r" \(.*\)$", "", regex=True)))
            looked_in = (
                "not in its " + " nor its ".join(looked)
                if looked
                else "no published figure or record of the council has this key's categories"
            )
            for name in configured:
                if name in data_names:
                    continue
                suggestion = _closest(name, data_names)
                findings.append(
                    {
                        "council": council,
                        "key": key,
                        "name": name,
                        "finding": CONFIGURED_NOT_IN_DATA,
                        "where": looked_in,
                        "suggestion": suggestion,
                        "from_extracts": False,
                        "suggestion_private": bool(suggestion) and suggestion not in public,
                    }
                )
            for name in data_names:
                if name in configured:
                    continue
                rows = here[here["name"] == name]
                findings.append(
                    {
                        "council": council,
                        "key": key,
                        "name": name,
                        "finding": IN_DATA_NOT_CONFIGURED,
                        "where": "; ".join(sorted(set(rows["where"]))),
                        "suggestion": _closest(name, configured),
                        "from_extracts": name not in public,
                        "suggestion_private": False,
                    }
                )
    return pd.DataFrame(findings, columns=FINDING_COLUMNS)


def _key_order(key: str) -> int:
    order = list(dict.fromkeys(VOCABULARY.values()))
    return order.index(key) if key in order else len(order)


def synthetic_only(seen: pd.DataFrame, vocabularies: Mapping[str, Mapping[str, list[str]]]) -> dict[str, int]:
    """council -> how many of its configured names the data has only in synthetic extracts (in the data, but
    shown by no document or real extract yet: most are the names invented for the synthetic extracts)."""
    out = {}
    for council, vocabulary in vocabularies.items():
        mine = seen[seen["council"] == council] if len(seen) else seen
        n = 0
        for key, names in (vocabulary or {}).items():
            here = mine[mine["key"] == key]
            for name in names or ():
                wheres = set(here.loc[here["name"] == name, "where"])
                n += bool(wheres) and wheres == {SYNTHETIC}
        out[council] = n
    return out
