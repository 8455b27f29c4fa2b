"""National-scale synthetic published figures: invented councils and their annual reports, for scale tests.

England has 153 councils with children's services. To see how the batch behaves at that scale (the metrics,
audit, benchmarking and index steps; issue 15), this writes a complete data folder: a copy of the shipped
definitions (data/definitions/), plus N invented councils, each with a configuration, one annual report a
year for Y financial years (the source document as a text file, listed in data/published/sources.csv) and
the figures transcribed from it (data/published/<council>/<year>_annual_report.csv, one row per figure
with the sentence quoted, exactly as an analyst transcribes a real report), and a learning action a year.

    python -m complaints.synthetic.national --councils 153 --years 10 --out DIR [--seed 15] [--last-year 2024-25]
    complaints check --data DIR
    complaints reports --data DIR --outputs OUT

Nothing here is real, and everything says so: identifiers `synthetic-001`..., names "Synthetic council
001", every document title, document, note and population source marked synthetic. It is a script, not
committed data: nothing under the project's data/ changes.

The figures are plausible, in the shape the shipped councils publish (Dudley's annual report above all):
statutory and corporate complaints received, with the change from the year before; stage 1 responses,
stages 2 and 3; outcomes with their percentages (a council in seven without a "partially upheld"
category, like Telford & Wrekin); responses within 10, 11 to 20 and over 20 working days; corporate
timeliness as a percentage only (counts recovered from it); the overall share within 20 working days (a
weighted average of the two procedures'); who complained and how; compliments, comments, contacts,
complaints from children, Ombudsman cases with their outcomes, the mean days to respond. As in real
documents, a few figures are restated with a revised value in the next year's report (a contested
figure, decided by the rule of analysis/resolve.py) and a few percentages are misprinted by a point (a
mismatch in the audit). Each council's figures come from its own random generator, seeded by the seed
and its number, so the first 16 councils are the same whether 16 or 153 are generated; a council's size
(its volumes) is drawn once and drifts a little from year to year.
"""

from __future__ import annotations

import argparse
import csv
import logging
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..inputs.paths import default_paths
from ..inputs.published import COLUMNS as PUBLISHED_COLUMNS

log = logging.getLogger(__name__)

SEED = 15
LAST_YEAR = "2024-25"
ID = "synthetic-{:03d}"
NAME = "Synthetic council {:03d}"
SHORT_NAME = "Synthetic {:03d}"
SYNTHETIC = "SYNTHETIC: invented for scale tests; no real council, document or figure"
CONTACTS_DEFINITION = "Contacts received by children's social care in the year (a synthetic definition)"
COLUMNS = PUBLISHED_COLUMNS  # the published figures' file, as the inputs read it
SOURCE_COLUMNS = ["source", "council", "report_year", "title", "kind"]
LEARNING_COLUMNS = ["council", "year", "learning", "complaint_about", "action", "status", "source"]
COMPLAINANT_TYPES = {
    "Parent": 0.62,
    "Child/young person": 0.1,
    "Relative": 0.12,
    "Foster carer": 0.08,
    "Advocate": 0.08,
}
CHANNELS = {"Email": 0.38, "Web form": 0.34, "Telephone": 0.2, "Letter": 0.08}
TEAMS = ["Assessment Team", "Children in Care Team", "Fostering Service", "Leaving Care Team", "SEND Service"]
ISSUES = ["Communication", "Delay", "Quality of service", "Staff conduct", "Decision"]
REVISED = 0.06  # share of restated figures given a revised value in the next year's report
MISPRINTED = 0.03  # share of stated percentages a point off


def year_name(start: int) -> str:
    """2024 -> '2024-25'."""
    return f"{start}-{(start + 1) % 100:02d}"


def year_text(year: str) -> str:
    """'2024-25' -> '2024/25', as documents write it."""
    return year.replace("-", "/")


def _pct(k: float, n: float) -> int:
    """A percentage as a document prints it: rounded half up to a whole number."""
    return int(np.floor(100 * k / n + 0.5)) if n else 0


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Council:
    """One invented council: what stays the same across its years."""

    number: int
    size: float  # its volumes, relative to a typical council
    partially_upheld: bool  # False: outcomes upheld / not upheld / withdrawn, like Telford & Wrekin
    within_10: float  # its usual shares of stage 1 responses within 10 and within 11 to 20 working days
    within_11_20: float
    corporate_on_time: float
    upheld: float

    @property
    def id(self) -> str:
        return ID.format(self.number)

    @property
    def name(self) -> str:
        return NAME.format(self.number)

    @property
    def short_name(self) -> str:
        return SHORT_NAME.format(self.number)

    def source(self, year: str) -> str:
        return f"{self.id}_{year}_annual_report.txt"


def draw_council(number: int, seed: int) -> Council:
    rng = np.random.default_rng([seed, number])
    return Council(
        number=number,
        size=float(np.clip(rng.lognormal(0.0, 0.55), 0.25, 5.0)),
        partially_upheld=bool(rng.random() >= 1 / 7),
        within_10=float(rng.beta(9, 9)),
        within_11_20=float(rng.beta(6, 4)),
        corporate_on_time=float(rng.beta(12, 8)),
        upheld=float(rng.beta(6, 14)),
    )


class Document:
    """The rows transcribed from one synthetic annual report, and its text."""

    def __init__(self, council: Council, year: str):
        self.council, self.year = council, year
        self.rows: list[dict] = []
        self.sentences: list[str] = []

    def state(self, quote: str, section: str, role: str = "detail", **figures) -> None:
        """A sentence of the document and the figures it states, one row per dict in `figures['rows']`
        (or one row from the keyword arguments)."""
        self.sentences.append(quote)
        for figure in figures.pop("rows", None) or [figures]:
            row = dict.fromkeys(COLUMNS, "")
            row.update(council=self.council.id, year=self.year, source=self.council.source(self.year))
            row.update(section=section, section_role=role, quote=quote)
            row.update({k: _cell(v) for k, v in figure.items()})
            self.rows.append(row)


def _year_figures(council: Council, rng: np.random.Generator, drift: float) -> dict:
    """The true figures of one council-year."""
    scale = council.size * drift
    s = max(3, int(rng.poisson(32 * scale)))
    c = max(10, int(rng.poisson(190 * scale)))
    ongoing = int(rng.binomial(s, 0.06))
    responded = s - ongoing
    w10 = int(rng.binomial(responded, np.clip(council.within_10 + rng.normal(0, 0.05), 0.05, 0.95)))
    w11_20 = int(rng.binomial(responded - w10, council.within_11_20))
    upheld_share = float(np.clip(council.upheld + rng.normal(0, 0.03), 0.05, 0.4))
    if council.partially_upheld:
        outcomes = rng.multinomial(s - ongoing, [upheld_share, upheld_share, 1 - 2 * upheld_share - 0.05, 0.05])
    else:
        outcomes = rng.multinomial(s - ongoing, [2 * upheld_share, 0, 1 - 2 * upheld_share - 0.05, 0.05])
    corporate = rng.multinomial(c, [upheld_share, upheld_share, 1 - 2 * upheld_share])
    stage2 = int(rng.binomial(s, 0.1))
    ombudsman = int(rng.poisson(0.025 * (s + c)))
    return {
        "statutory_received": s,
        "corporate_received": c,
        "statutory_stage1_responded": responded,
        "statutory_within_10wd": w10,
        "statutory_within_11_20wd": w11_20,
        "statutory_over_20wd": responded - w10 - w11_20,
        "upheld": int(outcomes[0]),
        "partially_upheld": int(outcomes[1]),
        "not_upheld": int(outcomes[2]),
        "withdrawn": int(outcomes[3]),
        "corporate_upheld": int(corporate[0]),
        "corporate_partially_upheld": int(corporate[1]),
        "corporate_not_upheld": int(corporate[2]),
        "corporate_within_20wd": int(rng.binomial(c, council.corporate_on_time)),
        "statutory_stage2_received": stage2,
        "statutory_stage3_received": int(rng.binomial(stage2, 0.25)),
        "compliments_received": int(rng.poisson(0.45 * (s + c))),
        "comments_received": int(rng.poisson(0.08 * (s + c))),
        "contacts": int((s + c) * rng.uniform(50, 110)),
        "complaints_from_children": int(rng.binomial(s + c, 0.02)),
        "ombudsman_cases": ombudsman,
        "ombudsman_outcomes": rng.multinomial(ombudsman, [0.45, 0.3, 0.25]),
        "average_days": round(float(np.clip(rng.normal(8 + 14 * (1 - council.within_10), 2.5), 3, 40)), 1),
        "complainant_types": rng.multinomial(s, list(COMPLAINANT_TYPES.values())),
        "channels": rng.multinomial(s, list(CHANNELS.values())),
        "learning": (TEAMS[int(rng.integers(len(TEAMS)))], ISSUES[int(rng.integers(len(ISSUES)))]),
    }


def _change(now: float, before: float) -> tuple[str, int]:
    direction = "increase" if now > before else "decrease" if now < before else "same"
    return direction, _pct(abs(now - before), before) if before else 0


def _printed(pct: int, rng: np.random.Generator) -> int:
    """A percentage as printed: now and then a point off, as misprints in real documents are."""
    if rng.random() < MISPRINTED:
        return pct + 1 if pct < 100 else pct - 1
    return pct


def annual_report(council: Council, year: str, f: dict, before: dict, rng: np.random.Generator) -> Document:
    """The rows of one council's annual report for `year` (figures `f`), comparing with the year before
    (`before`, the figures as this report restates them)."""
    doc = Document(council, year)
    y, prior = year_text(year), year_text(before["year"])
    s, c = f["statutory_received"], f["corporate_received"]
    total, total_before = s + c, before["statutory_received"] + before["corporate_received"]
    direction, change = _change(total, total_before)
    words = {"increase": f"an increase of {change}%", "decrease": f"a decrease of {change}%", "same": "the same as"}
    doc.state(
        f"In {y} the council received {total:,} complaints about children's services, {words[direction]} "
        f"from the {total_before:,} received in {prior}.",
        "Headlines",
        "summary",
        rows=[
            {
                "measure": "complaints_received",
                "value": total,
                "change_from": before["year"],
                "stated_change_pct": change if direction != "same" else None,
                "stated_direction": direction,
            },
            {"measure": "complaints_received", "year": before["year"], "value": total_before},
        ],
    )
    doc.state(
        f"Of these, {s:,} were statutory complaints (Children Act 1989) and {c:,} corporate complaints.",
        "Headlines",
        "summary",
        rows=[{"measure": "statutory_received", "value": s}, {"measure": "corporate_received", "value": c}],
    )
    doc.state(
        f"The service received {f['contacts']:,} contacts in {y}.",
        "Headlines",
        "summary",
        measure="contacts",
        value=f["contacts"],
    )
    # stages
    responded = f["statutory_stage1_responded"]
    doc.state(
        f"{responded:,} stage 1 statutory complaints were responded to in the year.",
        "Statutory complaints",
        measure="statutory_stage1_responded",
        value=responded,
    )
    doc.state(
        f"{f['statutory_stage2_received']} complaints progressed to a stage 2 investigation and "
        f"{f['statutory_stage3_received']} to a stage 3 review panel.",
        "Statutory complaints",
        rows=[
            {"measure": "statutory_stage2_received", "value": f["statutory_stage2_received"]},
            {"measure": "statutory_stage3_received", "value": f["statutory_stage3_received"]},
        ],
    )
    # outcomes
    if council.partially_upheld:
        parts = [
            ("statutory_upheld", f["upheld"], "upheld"),
            ("statutory_partially_upheld", f["partially_upheld"], "partially upheld"),
            ("statutory_not_upheld", f["not_upheld"], "not upheld"),
            ("statutory_withdrawn", f["withdrawn"], "withdrawn"),
        ]
        base, base_value = "statutory_received", s
    else:
        parts = [
            ("statutory_upheld_unsplit", f["upheld"], "upheld"),
            ("statutory_not_upheld", f["not_upheld"], "not upheld"),
            ("statutory_withdrawn", f["withdrawn"], "withdrawn"),
        ]
        base, base_value = "statutory_stage1_responded", responded
    shown = [(m, k, _printed(_pct(k, base_value), rng), w) for m, k, w in parts]
    doc.state(
        f"Of the {base_value:,} statutory complaints, "
        + ", ".join(f"{k:,} ({p}%) were {w}" for _m, k, p, w in shown)
        + ".",
        "Outcomes",
        rows=[{"measure": m, "value": k, "stated_pct": p, "pct_of": base} for m, k, p, _w in shown],
    )
    corporate = [
        ("corporate_upheld", f["corporate_upheld"], "upheld"),
        ("corporate_partially_upheld", f["corporate_partially_upheld"], "partially upheld"),
        ("corporate_not_upheld", f["corporate_not_upheld"], "not upheld"),
    ]
    shown = [(m, k, _pct(k, c), w) for m, k, w in corporate]
    doc.state(
        f"Of the {c:,} corporate complaints, " + ", ".join(f"{k:,} ({p}%) were {w}" for _m, k, p, w in shown) + ".",
        "Outcomes",
        rows=[{"measure": m, "value": k, "stated_pct": p, "pct_of": "corporate_received"} for m, k, p, _w in shown],
    )
    # timescales
    w10, w11_20, over = f["statutory_within_10wd"], f["statutory_within_11_20wd"], f["statutory_over_20wd"]
    p10 = _printed(_pct(w10, s), rng)
    doc.state(
        f"{w10:,} statutory complaints ({p10}% of those received) were answered within 10 working days, "
        f"{w11_20:,} within the extended 20 working days and {over:,} took longer.",
        "Timescales",
        rows=[
            {"measure": "statutory_within_10wd", "value": w10, "stated_pct": p10, "pct_of": "statutory_received"},
            {"measure": "statutory_within_11_20wd", "value": w11_20},
            {"measure": "statutory_over_20wd", "value": over},
        ],
    )
    p20 = _pct(w10 + w11_20, s)
    pc = _pct(f["corporate_within_20wd"], c)
    overall = _pct(w10 + w11_20 + f["corporate_within_20wd"], total)
    doc.state(
        f"{p20}% of statutory and {pc}% of corporate complaints were answered within 20 working days, "
        f"{overall}% overall.",
        "Timescales",
        rows=[
            {"measure": "statutory_within_20wd", "stated_pct": p20, "pct_of": "statutory_received"},
            {"measure": "corporate_within_20wd", "stated_pct": pc, "pct_of": "corporate_received"},
            {"measure": "complaints_within_20wd", "stated_pct": overall, "pct_of": "complaints_received"},
        ],
    )
    doc.state(
        f"The average time to respond to a statutory complaint was {f['average_days']:g} working days.",
        "Timescales",
        measure="statutory_average_response_days",
        value=f["average_days"],
    )
    # who complained and how
    types = [(t, int(k)) for t, k in zip(COMPLAINANT_TYPES, f["complainant_types"]) if k]
    doc.state(
        "Statutory complaints were made by: " + "; ".join(f"{t} {k}" for t, k in types) + ".",
        "Who complained",
        rows=[{"measure": "statutory_complainant_type", "category": t, "value": k} for t, k in types],
    )
    channels = [(t, int(k)) for t, k in zip(CHANNELS, f["channels"]) if k]
    doc.state(
        "Statutory complaints were received by: " + "; ".join(f"{t} {k}" for t, k in channels) + ".",
        "Who complained",
        rows=[{"measure": "statutory_channel", "category": t, "value": k} for t, k in channels],
    )
    doc.state(
        f"{f['complaints_from_children']} complaints were made by children and young people themselves.",
        "Who complained",
        measure="complaints_from_children",
        value=f["complaints_from_children"],
    )
    # compliments and comments
    now, then = f["compliments_received"], before["compliments_received"]
    direction, _ = _change(now, then)
    doc.state(
        f"We received {now:,} compliments in {y}, against {then:,} in {prior}, and "
        f"{f['comments_received']:,} comments.",
        "Compliments and comments",
        rows=[
            {
                "measure": "compliments_received",
                "value": now,
                "change_from": before["year"],
                "stated_direction": direction,
            },
            {"measure": "compliments_received", "year": before["year"], "value": then},
            {"measure": "comments_received", "value": f["comments_received"]},
        ],
    )
    # the Ombudsman
    upheld, not_upheld, not_investigated = (int(k) for k in f["ombudsman_outcomes"])
    doc.state(
        f"The Ombudsman considered {f['ombudsman_cases']} complaints: {upheld} were upheld, {not_upheld} not "
        f"upheld and {not_investigated} not investigated.",
        "The Ombudsman",
        rows=[
            {"measure": "ombudsman_cases", "value": f["ombudsman_cases"]},
            {"measure": "ombudsman_upheld", "value": upheld},
            {"measure": "ombudsman_not_upheld", "value": not_upheld},
            {"measure": "ombudsman_not_investigated", "value": not_investigated},
        ],
    )
    return doc


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def config_text(council: Council) -> str:
    """data/councils/<id>.toml of a synthetic council."""
    children = int(round(council.size * 52000, -2))
    vocabulary = ", ".join(f'"{t}"' for t in COMPLAINANT_TYPES)
    channels = ", ".join(f'"{t}"' for t in CHANNELS)
    outcomes = (
        ""
        if council.partially_upheld
        else "\n\n[records]\npartially_upheld = false  # outcomes are upheld / not upheld / withdrawn"
    )
    unsplit = (
        ""
        if council.partially_upheld
        else (
            "\n  \"Outcomes are published as upheld / not upheld / withdrawn with no 'partially upheld' category, as "
            'shares of complaints responded to (statutory_upheld_unsplit_rate).",'
        )
    )
    return f"""# {council.name}: {SYNTHETIC}.
# Written by `python -m complaints.synthetic.national` for scale tests (issue 15).
id = "{council.id}"
name = "{council.name}"
short_name = "{council.short_name}"
procedures = ["statutory", "corporate"]

notes = [
  "{SYNTHETIC}.",{unsplit}
]

[timescales]  # working days
statutory_stage1 = 10
statutory_stage1_extended = 20

[contacts]
measure = "contacts"
definition = "{CONTACTS_DEFINITION}."

[denominators]

[population]
children_0_17 = {children}
year = "mid-2023"
source = "Synthetic: invented for scale tests, not an official estimate"

[vocabulary]
complainant_types = [{vocabulary}]
channels = [{channels}]{outcomes}
"""


def national(
    out: Path,
    councils: int = 153,
    years: int = 10,
    seed: int = SEED,
    last_year: str = LAST_YEAR,
    definitions: Path | None = None,
) -> Path:
    """Write the data folder `out` (which must not exist or be empty): the shipped definitions and
    `councils` synthetic councils, each with an annual report for each of `years` financial years ending
    with `last_year`. Returns `out`."""
    if councils < 1 or years < 1:
        raise ValueError("councils and years must be at least 1")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    definitions = Path(definitions) if definitions is not None else default_paths().definitions
    shutil.copytree(definitions, out / "definitions", dirs_exist_ok=True)
    for folder in ("councils", "published", "sources", "learning"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    first = int(last_year[:4]) - years + 1
    sources, learning = [], []
    for number in range(1, councils + 1):
        council = draw_council(number, seed)
        rng = np.random.default_rng([seed, number, 1])
        (out / "councils" / f"{council.id}.toml").write_text(config_text(council), encoding="utf-8")
        drift, before = 1.0, None
        start = _year_figures(council, rng, drift)
        before = {"year": year_name(first - 1), **start}
        for start_year in range(first, first + years):
            year = year_name(start_year)
            drift *= float(np.exp(rng.normal(0.02, 0.08)))
            figures = _year_figures(council, rng, drift)
            restated = dict(before)
            if rng.random() < REVISED:  # the year before, revised in this report
                restated["statutory_received"] = before["statutory_received"] + int(rng.integers(1, 4))
            doc = annual_report(council, year, figures, restated, rng)
            source = council.source(year)
            write_csv(out / "published" / council.id / f"{year}_annual_report.csv", COLUMNS, doc.rows)
            title = f"{council.name}: Children's Services Complaints Annual Report {year_text(year)} ({SYNTHETIC})"
            text = "\n\n".join([title, *doc.sentences]) + "\n"
            (out / "sources" / source).write_text(text, encoding="utf-8")
            sources.append(
                {"source": source, "council": council.id, "report_year": year, "title": title, "kind": "annual report"}
            )
            team, issue = figures["learning"]
            learning.append(
                {
                    "council": council.id,
                    "year": year,
                    "learning": "Improve communication",
                    "complaint_about": issue,
                    "action": f"{team}: a synthetic learning action (invented for scale tests).",
                    "status": "Completed",
                    "source": source,
                }
            )
            before = {"year": year, **figures}
    write_csv(out / "published" / "sources.csv", SOURCE_COLUMNS, sources)
    write_csv(out / "learning" / "learning.csv", LEARNING_COLUMNS, learning)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m complaints.synthetic.national",
        description="Write a data folder of synthetic councils' published figures, for scale tests.",
    )
    parser.add_argument("--councils", type=int, default=153, help="how many councils (default 153)")
    parser.add_argument("--years", type=int, default=10, help="how many financial years each (default 10)")
    parser.add_argument("--out", required=True, help="the data folder to write (must not exist, or be empty)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--last-year", default=LAST_YEAR, help=f"the latest financial year (default {LAST_YEAR})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = national(Path(args.out), args.councils, args.years, args.seed, args.last_year)
    log.info("wrote %d synthetic councils x %d years to %s", args.councils, args.years, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
