"""The audit finds the real slips in the published documents, and passes what is right."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import edit_csv

from complaints.cli import main
from complaints.inputs.problems import InputError
from complaints.running.pipeline import compute


@pytest.fixture(scope="module")
def audit(results) -> pd.DataFrame:
    return results.audit


def find(audit, council, year, measure, check):
    rows = audit[
        (audit.council == council) & (audit.year == year) & (audit.measure == measure) & (audit.check == check)
    ]
    assert len(rows) >= 1, (council, year, measure, check)
    return rows


def test_only_known_verdicts(audit):
    assert set(audit["verdict"]) <= {"ok", "mismatch", "contradiction", "cannot_check"}
    assert list(audit.columns[:8]) == [
        "council",
        "year",
        "measure",
        "category",
        "check",
        "stated",
        "counts_give",
        "verdict",
    ]


@pytest.mark.parametrize(
    "council, year, measure, check",
    [
        ("dudley", "2022-23", "statutory_partially_upheld", "percentage"),  # 4 of 8 called 44%
        ("dudley", "2022-23", "statutory_within_20wd", "percentage"),  # 90% of 8 is impossible
        ("dudley", "2021-22", "statutory_within_20wd", "percentage"),  # 57% of 27 is impossible
        ("dudley", "2022-23", "complaints_upheld_any", "percentage"),  # 123 of 19,448 called 0.37%
        ("dudley", "2022-23", "complaints_received", "percentage"),  # 1.203% called less than 1.2%
        ("dudley", "2022-23", "corporate_received", "change"),  # 244 -> 226 called 8% / 20
        ("dudley", "2022-23", "send_received", "change"),  # 44 -> 40 called an increase of 30%
        ("dudley", "2022-23", "statutory_received", "change"),  # 27 -> 8 called an increase
        ("dorset", "2023-24", "non_social_care_complaint_contacts", "change"),  # 309 -> 248 called 24%
        ("telford-wrekin", "2024-25", "statutory_not_upheld", "percentage"),  # 12 of 23 called 60%
        ("telford-wrekin", "2024-25", "statutory_withdrawn", "percentage"),  # 1 of 23 called 5%
        ("telford-wrekin", "2024-25", "statutory_stage2_received", "change"),  # 5 -> 4 called the same
    ],
)
def test_known_mismatches_are_found(audit, council, year, measure, check):
    assert "mismatch" in set(find(audit, council, year, measure, check)["verdict"])


@pytest.mark.parametrize(
    "council, year, measure, values",
    [
        ("dudley", "2021-22", "compliments_received", "132; 160"),
        ("dudley", "2022-23", "corporate_within_20wd", "48%; 42%"),
        ("telford-wrekin", "2024-25", "statutory_stage2_received", "5; 4"),
        ("telford-wrekin", "2024-25", "statutory_stage1_responded", "20; 23"),
    ],
)
def test_figures_stated_twice_are_contradictions(audit, council, year, measure, values):
    row = find(audit, council, year, measure, "same figure").iloc[0]
    assert row["verdict"] == "contradiction" and row["stated"] == values
    assert row["quote"].count("|") >= 1  # every statement quoted


def test_parts_above_their_whole(audit):
    row = find(audit, "telford-wrekin", "2024-25", "statutory_stage3_received", "parts").iloc[0]
    assert row["verdict"] == "contradiction" and row["counts_give"] == "4 of 1"


@pytest.mark.parametrize(
    "council, year, measure, check",
    [
        ("dudley", "2024-25", "complaints_received", "change"),  # 255 -> 301 is +18%
        ("dudley", "2024-25", "complaints_received", "percentage"),  # 1.79% of contacts
        ("dudley", "2022-23", "complaints_received", "change"),  # 271 -> 234 is -13.7%, "14%"
        ("dudley", "2022-23", "comments_received", "change"),  # +9 (69%)
        ("dorset", "2023-24", "council_complaint_contacts", "change"),  # -13.6%, "13%" (truncated)
        ("telford-wrekin", "2024-25", "statutory_received", "parts"),  # complainant types add up to 23
    ],
)
def test_right_statements_pass(audit, council, year, measure, check):
    assert set(find(audit, council, year, measure, check)["verdict"]) == {"ok"}


def test_statements_without_a_base_are_listed_not_judged(audit):
    rows = audit[(audit.measure == "statutory_remedy")]
    assert len(rows) == 4 and set(rows["verdict"]) == {"cannot_check"}


# ---------------------------------------------------------------------------------------------
# A careful reader's checks (the issue "Verdicts a statistician would sign")


def one_row(audit, council, year, measure, check, contains=""):
    rows = find(audit, council, year, measure, check)
    rows = rows[rows["stated"].str.contains(contains, regex=False)]
    assert len(rows) == 1, (council, year, measure, check, contains)
    return rows.iloc[0]


def test_an_overall_share_must_lie_between_its_parts(audit):
    """Dudley 2021-22: overall 56% within 20 working days, statutory 57% and corporate 58%."""
    row = one_row(audit, "dudley", "2021-22", "complaints_within_20wd", "weighted average")
    assert row["verdict"] == "mismatch"
    assert "must lie between its parts' shares: 56% is outside 57% to 58%" in row["detail"]


def test_the_overall_share_fits_48_not_42(audit):
    """Dudley 2022-23: 49% overall fits corporate 48% ((108 + 7) / 234 = 49.1%), not 42% (43.6%)."""
    fits = one_row(
        audit, "dudley", "2022-23", "complaints_within_20wd", "weighted average", "corporate_within_20wd 48%"
    )
    not_fits = one_row(
        audit, "dudley", "2022-23", "complaints_within_20wd", "weighted average", "corporate_within_20wd 42%"
    )
    assert fits["verdict"] == "ok" and not_fits["verdict"] == "mismatch"
    assert not_fits["counts_give"] == "43.1% to 44.1%"
    chosen = one_row(audit, "dudley", "2022-23", "corporate_within_20wd", "same figure")
    assert chosen["counts_give"] == "metrics use 48%"
    assert "only 48% fits the same document's other figures" in chosen["detail"]


def test_part_percentages_must_add_up_to_the_whole(audit):
    """'6 (75%)' upheld or partially upheld, beside 25% upheld + 44% partially upheld = 69%."""
    row = one_row(audit, "dudley", "2022-23", "statutory_upheld_any", "parts percentages")
    assert row["verdict"] == "mismatch" and "add up to 69%, not 75%" in row["detail"]
    assert one_row(audit, "dudley", "2021-22", "statutory_upheld_any", "parts percentages")["verdict"] == "ok"
    # Telford & Wrekin's outcome shares of the 23 responded to: 43% + 60% + 5% = 108%
    row = one_row(audit, "telford-wrekin", "2024-25", "statutory_stage1_responded", "parts percentages")
    assert row["verdict"] == "mismatch" and "108%, more than 100%" in row["detail"]


def test_claims_are_checked_against_their_counts(audit):
    row = one_row(audit, "dudley", "2022-23", "corporate_not_upheld", "claim")
    assert row["verdict"] == "mismatch" and row["counts_give"] == "95 of 226 (42.0%)"
    assert one_row(audit, "dudley", "2022-23", "send_ombudsman_upheld", "claim")["verdict"] == "ok"  # all 5 of 5
    assert one_row(audit, "dudley", "2021-22", "send_ombudsman_upheld", "claim")["verdict"] == "ok"  # all 3 of 3


def test_a_mismatched_percentage_names_the_base_it_fits(audit):
    """Telford & Wrekin 2024-25: 60% (12) and 5% (1) fit a base of 20, not 23."""
    for measure, stated in [("statutory_not_upheld", "60%"), ("statutory_withdrawn", "5%")]:
        row = one_row(audit, "telford-wrekin", "2024-25", measure, "percentage")
        assert row["verdict"] == "mismatch"
        assert f"{stated} fits a base of 20 (statutory_stage1_responded" in row["detail"]
        assert row["detail"].endswith("not 23.")


def test_a_stated_year_that_does_not_match_the_period(audit):
    extracted = one_row(audit, "dudley", "2022-23", "complaints_received", "period")
    assert extracted["verdict"] == "mismatch" and extracted["stated"] == "data extracted 2 June 2022"
    assert "before 2022-23 ended on 31 March 2023" in extracted["detail"]
    for council, year, measure, said in [
        ("dudley", "2024-25", "corporate_upheld", "2023/24"),  # "up in 2023/24", in an article on 2024-25
        ("telford-wrekin", "2023-24", "statutory_within_10wd", "2024/25"),  # "the 42% in 2024/25"
    ]:
        row = one_row(audit, council, year, measure, "period")
        assert row["verdict"] == "mismatch" and row["stated"] == f"{said} as written"
    assert one_row(audit, "telford-wrekin", "2024-25", "statutory_within_10wd", "period")["verdict"] == "ok"


def test_every_new_check_is_known(audit):
    assert set(audit["check"]) <= {
        "percentage",
        "change",
        "change points",
        "same figure",
        "parts",
        "sum",
        "weighted average",
        "parts percentages",
        "claim",
        "period",
    }


# A change in percentage points, "not applicable" and the quote check, on a copy of the fixture data

DUDLEY = "published/dudley/2022-23_annual_report.csv"
POINTS_QUOTE = "25% of statutory complaints got a response within 10 working days, {} percentage points fewer."


def add_rows(project, rows: list[dict]) -> None:
    def edit(frame):
        new = [{**dict.fromkeys(frame.columns, ""), **row} for row in rows]
        return pd.concat([frame, pd.DataFrame(new)], ignore_index=True)

    edit_csv(project.data / DUDLEY, edit)


def points_row(points: str, direction: str = "decrease") -> dict:
    return {
        "council": "dudley",
        "year": "2022-23",
        "measure": "statutory_within_10wd",
        "stated_pct": "25",
        "pct_of": "statutory_received",
        "change_from": "2021-22",
        "stated_change_points": points,
        "stated_direction": direction,
        "source": "001_759854a0efe1c6f2.txt",
        "section": "test",
        "section_role": "detail",
        "quote": POINTS_QUOTE.format(points),
    }


def test_a_stated_change_in_percentage_points(project):
    """44% in 2021-22 to 25% in 2022-23 is 19 points down: 19 is right, 9 is not, 'up' is not."""
    add_rows(project, [points_row("19"), points_row("9"), points_row("19", "increase")])
    audit = compute(project).audit
    rows = audit[(audit["check"] == "change points") & (audit["measure"] == "statutory_within_10wd")]
    assert list(rows["verdict"]) == ["ok", "mismatch", "mismatch"]
    assert rows.iloc[0]["counts_give"] == "44.0% to 25.0%: -19.0 points"
    assert "not 9" in rows.iloc[1]["detail"] and "the shares show a decrease" in rows.iloc[2]["detail"].lower()


def test_not_applicable_can_be_transcribed(project):
    row = points_row("")
    row.update(stated_pct="n/a", change_from="", stated_direction="", quote="Response times: not applicable (n/a).")
    add_rows(project, [row])
    results = compute(project)
    mine = results.statements[results.statements["quote"] == row["quote"]]
    assert len(mine) == 1 and bool(mine["not_applicable"].iloc[0]) and mine["stated_pct"].isna().all()


def test_a_value_edited_away_from_its_quote_stops_check_and_reports(project, capsys):
    def edit(frame):
        frame.loc[frame.index[(frame["measure"] == "compliments_received") & (frame["value"] == "160")], "value"] = (
            "150"
        )
        return frame

    edit_csv(project.data / DUDLEY, edit)
    with pytest.raises(InputError) as caught:
        compute(project)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 1 and messages[0].endswith("column 'value': 150 is not written in its quote")
    for command in ("check", "reports"):
        assert main([command, "--data", str(project.data), "--outputs", str(project.outputs)]) == 2
        assert "150 is not written in its quote" in capsys.readouterr().err
