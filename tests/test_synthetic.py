"""The synthetic extracts: read through the real reader and each council's mapping, they reproduce
every published figure they were calibrated to; they are reproducible from the figures (same seed,
same bytes); the large generator writes exports the reader accepts.

Behaviour is tested on the fixture data (tests/fixtures/data); the two tests marked `shipped_data`
check the extracts the project ships in data/records (for any council)."""

from __future__ import annotations

import filecmp
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURE_DATA, shipped_paths

from complaints.analysis.record_measures import aggregate, with_working_days
from complaints.analysis.resolve import build_figures
from complaints.analysis.workdays import working_days
from complaints.inputs.definitions import load_definitions
from complaints.inputs.paths import Paths
from complaints.inputs.published import load_published
from complaints.inputs.records import FILE_NAME, RECORD_MEASURES, SCHEMA, load_records, load_records_configs
from complaints.running.pipeline import compute
from complaints.synthetic.generate import (
    CALIBRATION_NAME,
    CODE_COLUMNS,
    build_targets,
    council_config,
    generate,
    generate_large,
    load_spec,
    regenerate,
    shipped,
    write_export,
    write_large,
)

KEY = ["council", "year", "measure", "category"]


def column_of(measure: str) -> tuple[str, str]:
    """The (kind, text column) whose values a breakdown measure's categories are."""
    if "issue" in measure or "theme" in measure:
        return "complaints", "issues"
    for word, column in (
        ("complainant_type", "complainant_type"),
        ("channel", "channel"),
        ("overdue_reason", "delay_reason"),
        ("remedy", "remedy"),
    ):
        if word in measure:
            return "complaints", column
    return ("feedback" if measure.startswith("compliment") else "complaints"), "team"


def as_recorded(configs, council: str, measure: str, category: str) -> str:
    """A category as the records give it: the documents' spelling through the council's codes for the column
    (Dudley's documents write 'Staff Behavior' as well as the vocabulary's 'Staff Behaviour')."""
    if not category:
        return category
    kind, column = column_of(measure)
    return str(configs[council].kind(kind).codes.get(column, {}).get(category, category))


def copy_of(data, root) -> Paths:
    shutil.copytree(data, root / "data", ignore=shutil.ignore_patterns("private"))
    (root / "outputs").mkdir()
    return Paths(data=root / "data", outputs=root / "outputs")


@pytest.fixture(scope="module")
def shipped_project(tmp_path_factory):
    """A copy of the fixture data: the generator may write into it."""
    return copy_of(FIXTURE_DATA, tmp_path_factory.mktemp("fixture"))


@pytest.fixture(scope="module")
def shipped_data(tmp_path_factory):
    """A copy of the data the project ships (data/ without data/private): only the shipped extracts are read."""
    return copy_of(shipped_paths().data, tmp_path_factory.mktemp("shipped"))


@pytest.mark.shipped_data
def test_every_extract_the_project_ships_is_synthetic_and_reads_without_problems(shipped_data):
    defs = load_definitions(shipped_data)
    records = load_records(shipped_data, defs)
    files = records.files
    assert files["used"].all() and (files["set_aside"] == 0).all() and (files["blank_rows"] == 0).all()
    assert all("_synthetic_" in name for name in files["file"])
    assert records.outside_vocabulary.empty  # every value is in its council's vocabulary: no category is 'Other'
    spec = load_spec(shipped_data.data / "records" / "synthetic.toml")
    assert set(shipped(spec)) <= set(zip(files["council"], files["year"]))  # every extract the spec describes
    figures = aggregate(records, defs)
    assert figures["note"].str.startswith("synthetic extract: generated data, not real complaints").all()


@pytest.mark.shipped_data
def test_the_extracts_the_project_ships_are_what_the_generator_makes(shipped_data):
    """Regenerating data/records from data/published gives the same bytes: the extracts are reproducible."""
    original = shipped_paths().data / "records"
    regenerate(shipped_data)
    for path in sorted((shipped_data.data / "records").rglob("*.csv")):
        assert filecmp.cmp(path, original / path.relative_to(shipped_data.data / "records"), shallow=False), path.name


@pytest.fixture(scope="module")
def both(shipped_project):
    results = compute(shipped_project)
    published = results.figures
    if "basis" in published.columns:
        published = published[published["basis"] != "records"]
    records = load_records(shipped_project, results.definitions)
    return published, aggregate(records, results.definitions), records, results.definitions


def test_every_shipped_extract_is_labelled_synthetic_and_read_without_problems(both, shipped_project):
    _, figures, records, _ = both
    spec = load_spec(shipped_project.data / "records" / "synthetic.toml")
    used = records.files
    assert len(used) and used["used"].all() and (used["set_aside"] == 0).all() and (used["blank_rows"] == 0).all()
    assert all("_synthetic_" in name for name in used["file"])
    assert records.outside_vocabulary.empty
    assert set(zip(used["council"], used["year"])) == set(shipped(spec))
    assert {
        ("dudley", "2020-21"),
        ("dudley", "2022-23"),
        ("dudley", "2024-25"),
        ("telford-wrekin", "2024-25"),
        ("dorset", "2023-24"),
    } <= set(shipped(spec))
    assert figures["note"].str.startswith("synthetic extract: generated data, not real complaints").all()


def test_aggregates_reproduce_every_published_figure_they_were_calibrated_to(both, shipped_project):
    published, figures, _records, defs = both
    spec = load_spec(shipped_project.data / "records" / "synthetic.toml")
    configs = load_records_configs(shipped_project, defs)
    got = figures.set_index(KEY)["value"]
    compared, missed = 0, []
    for council, year in shipped(spec):
        unmatched = spec[council][year].get("unmatched", {})
        aliases = configs[council].measures
        rows = published[(published["council"] == council) & (published["year"] == year) & published["value"].notna()]
        for _, fig in rows.iterrows():
            measure = fig["measure"]
            if measure not in RECORD_MEASURES and measure not in aliases:
                continue  # records cannot give it (money, shares, referrals, other councils' figures...)
            if measure in unmatched or aliases.get(measure) in unmatched:
                assert len(" ".join(unmatched.get(measure, unmatched.get(aliases.get(measure), "")).split())) > 40
                continue
            key = (council, year, measure, as_recorded(configs, council, measure, fig["category"]))
            value = got.get(key, 0.0 if fig["category"] else None)
            compared += 1
            if value is None or float(value) != float(fig["value"]):
                missed.append((key, fig["value"], value))
    assert not missed, missed
    assert compared >= 100


def test_percentages_no_count_can_give_use_the_nearest_count(both):
    """90% of 8 (Dudley 2022-23 statutory within 20 days) is no whole number: the extract has 7, and says so."""
    _published, figures, _, _ = both
    got = figures.set_index(KEY)["value"]
    assert got[("dudley", "2022-23", "statutory_within_20wd", "")] == 7
    assert got[("telford-wrekin", "2024-25", "statutory_upheld_theme", "Communication")] == 3
    calibration = pd.read_csv(FIXTURE_DATA / "records" / CALIBRATION_NAME, keep_default_na=False)
    nearest = calibration[calibration["origin"] == "nearest"]
    assert set(zip(nearest["council"], nearest["year"], nearest["measure"])) == {
        ("dudley", "2022-23", "statutory_within_20wd"),
        ("telford-wrekin", "2024-25", "statutory_upheld_theme"),
    }
    assert nearest["note"].str.contains("is no whole number").all()


def test_calibration_file_agrees_with_the_extracts(both):
    _, figures, records, _ = both
    calibration = pd.read_csv(FIXTURE_DATA / "records" / CALIBRATION_NAME, keep_default_na=False)
    got = figures.set_index(KEY)["value"]
    for _, row in calibration.iterrows():
        category = as_recorded(records.configs, row["council"], row["measure"], row["category"])
        value = got.get((row["council"], row["year"], row["measure"], category), 0.0 if row["category"] else np.nan)
        assert float(row["synthetic"] if row["synthetic"] != "" else "nan") == pytest.approx(value, nan_ok=True), (
            row.to_dict()
        )
        if row["status"] == "matched":
            assert float(row["target"]) == value
        else:
            assert row["note"]  # every figure not reproduced says why
    assert set(calibration.loc[calibration["status"] == "not_matched", "measure"]) == {
        "statutory_stage3_not_upheld",
    }


def test_dorset_complaint_contacts_come_from_its_own_measures(both):
    _, figures, _, _ = both
    got = figures.set_index(KEY)["value"]
    assert got[("dorset", "2023-24", "csc_complaint_contacts", "")] == 139
    assert got[("dorset", "2023-24", "csc_justified", "")] == 15  # 11% of 139
    assert got[("dorset", "2023-24", "csc_partially_justified", "")] == 19  # 14% of 139
    assert got[("dorset", "2023-24", "non_social_care_complaint_contacts", "")] == 248
    assert got[("dorset", "2023-24", "complaints_from_children_in_care", "")] == 3


def test_dudley_2020_21_shows_the_process_change(both):
    """About 41% of responses within 20 working days before 18 August 2020 and 65% after (an illustration)."""
    _, _, records, _ = both
    frame = with_working_days(records).complaints
    year = frame[(frame["council"] == "dudley") & (frame["year"] == "2020-21") & (frame["stage"] == 1)]
    answered = year[year["working_days"].notna()]
    before = answered[answered["received"] < pd.Timestamp("2020-08-18")]
    after = answered[answered["received"] >= pd.Timestamp("2020-08-18")]
    assert round(100 * (before["working_days"] <= 20).mean()) == 41
    assert round(100 * (after["working_days"] <= 20).mean()) == 65
    assert len(before) >= 30 and len(after) >= 30


def test_the_shipped_extracts_are_what_the_generator_makes(shipped_project, tmp_path):
    """Regenerating from the published figures gives the same bytes: the extracts are reproducible."""
    regenerate(shipped_project)
    shipped_files = sorted(p for p in (shipped_project.data / "records").rglob("*.csv"))
    for path in shipped_files:
        original = FIXTURE_DATA / "records" / path.relative_to(shipped_project.data / "records")
        assert filecmp.cmp(path, original, shallow=False), path.name


def test_same_seed_same_files_and_another_seed_other_files(shipped_project, tmp_path):
    figures = compute(shipped_project).figures
    a = generate("telford-wrekin", "2024-25", figures, seed=7, paths=shipped_project)
    b = generate("telford-wrekin", "2024-25", figures, seed=7, paths=shipped_project)
    c = generate("telford-wrekin", "2024-25", figures, seed=8, paths=shipped_project)
    for kind in a:
        pd.testing.assert_frame_equal(a[kind], b[kind])
    first = write_export(a, "telford-wrekin", "2024-25", tmp_path / "a", paths=shipped_project)
    second = write_export(b, "telford-wrekin", "2024-25", tmp_path / "b", paths=shipped_project)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert not a["complaints"].equals(c["complaints"])
    # a different seed still reproduces the published figures
    config = council_config(shipped_project, "telford-wrekin")
    targets = build_targets(figures, "telford-wrekin", "2024-25", config, {})
    assert (c["complaints"]["stage"] == 1).sum() == targets.values["statutory_received"]


def test_exports_use_each_councils_own_columns_and_codes():
    heads = {
        council: (FIXTURE_DATA / "records" / council / name).read_text(encoding="utf-8").splitlines()[:2]
        for council, name in [
            ("dudley", "2022-23_synthetic_complaints.csv"),
            ("telford-wrekin", "2024-25_synthetic_complaints.csv"),
            ("dorset", "2023-24_synthetic_complaints.csv"),
        ]
    }
    assert heads["dudley"][0].startswith("Case Ref,Date Received,Complaint Type,Stage")
    assert heads["telford-wrekin"][0].startswith("Complaint ID,Date Logged,Complaint Category,Stage")
    assert heads["dorset"][0].startswith("Case Number,Received Date,Service Type,Complaint Stage")
    assert len({h[0] for h in heads.values()}) == 3
    for name in (FIXTURE_DATA / "records").rglob("*.csv"):
        if name.parent.name != "records":
            assert FILE_NAME.match(name.name) and "_synthetic_" in name.name


def test_large_generation_is_valid_and_aggregates(shipped_project, tmp_path):
    frame = generate_large(5000, seed=3)
    assert len(frame) == 5000 and not frame.duplicated(["reference", "stage"]).any()
    assert (frame["responded"].dropna() >= frame.loc[frame["responded"].notna(), "received"]).all()
    project = tmp_path / "project"
    shutil.copytree(shipped_project.data, project / "data", ignore=shutil.ignore_patterns("records"))
    (project / "outputs").mkdir()
    paths = Paths(project / "data", project / "outputs")
    write_large(
        paths.data / "records" / "telford-wrekin" / "2024-25_bench_complaints.csv",
        5000,
        seed=3,
        council="telford-wrekin",
        paths=paths,
    )
    defs = load_definitions(paths)
    records = load_records(paths, defs)
    assert len(records.complaints) == 5000
    figures = aggregate(records, defs).set_index(KEY)["value"]
    stage1 = int((frame["stage"] == 1).sum())
    assert figures[("telford-wrekin", "2024-25", "statutory_received", "")] == stage1  # all statutory at Telford


# ---------------------------------------------------------------------------------------------
# The extracts with the Complaint Handling Code's columns (synthetic.toml: code_columns = true)

CODE_EXTRACTS = {("dudley", "2025-26"), ("dudley", "2026-27"), ("dorset", "2026-27")}


@pytest.fixture(scope="module")
def code_extracts(shipped_data):
    """The shipped extracts read through the real reader, their aggregates, and the council-years with the Code's
    columns."""
    defs = load_definitions(shipped_data)
    records = load_records(shipped_data, defs)
    spec = load_spec(shipped_data.data / "records" / "synthetic.toml")
    years = {(c, y) for c, y in shipped(spec) if spec[c][y].get("code_columns")}
    figures = aggregate(records, defs)
    return records, figures, years


def one_year(records, council: str, year: str) -> pd.DataFrame:
    frame = records.complaints
    return frame[(frame["council"] == council) & (frame["year"] == year)].reset_index(drop=True)


@pytest.mark.shipped_data
def test_the_code_extracts_have_the_new_columns_in_each_councils_export_and_the_others_do_not(code_extracts):
    records, _, years = code_extracts
    assert years >= CODE_EXTRACTS
    root = shipped_paths().data / "records"
    for council in {c for c, _ in years}:
        config = records.configs[council].complaints
        names = [config.export_name(c) for c in CODE_COLUMNS]
        for path in sorted((root / council).glob("*_synthetic_complaints.csv")):
            header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
            year = path.name[:7]
            if (council, year) in years:
                assert set(names) <= set(header), path.name
            else:
                assert not set(names) & set(header), path.name  # made before the columns: unchanged
        # the files of the Code's years are all there: complaints, feedback, contacts where the council counts them
        for c, year in years:
            if c == council:
                kinds = {p.name.split("_")[-1] for p in (root / council).glob(f"{year}_synthetic_*.csv")}
                assert {"complaints.csv", "feedback.csv"} <= kinds
                assert ("contacts.csv" in kinds) == (council != "dorset")
    dudley = (root / "dudley" / "2026-27_synthetic_complaints.csv").read_text(encoding="utf-8").splitlines()[0]
    for name in (
        "Date Acknowledged",
        "Extension Agreed Date",
        "Extension Days",
        "Extension Reason",
        "Reason Not Accepted",
        "Date Stage Requested",
    ):
        assert name in dudley.split(",")
    assert records.configs["dudley"].complaints.codes["outcome"]["NA"] == "not_accepted"
    assert "not_accepted" in records.configs["dorset"].complaints.codes["outcome"].values()


@pytest.mark.shipped_data
def test_the_code_extracts_dates_are_in_order(code_extracts):
    records, _, years = code_extracts
    for council, year in sorted(years):
        g = one_year(records, council, year)
        stage1, later = g[g["stage"] == 1], g[g["stage"] > 1]
        assert stage1["requested"].isna().all() and later["requested"].notna().all()
        requested = g["requested"].fillna(g["received"])
        assert g["acknowledged"].notna().all()
        assert (g["acknowledged"] >= g["received"]).all() and (g["acknowledged"] >= requested).all()
        answered = g["responded"].notna()
        assert (g.loc[answered, "responded"] >= g.loc[answered, "acknowledged"]).all()
        # stage 2 and 3: asked for 0 to 3 working days before they were received, after the previous stage's answer
        asked = working_days(later["requested"], later["received"])
        assert set(asked) <= {0.0, 1.0, 2.0, 3.0} and asked.max() == 3
        previous = g.set_index(["reference", "stage"])["responded"]
        before = [previous[(r, s - 1)] for r, s in zip(later["reference"], later["stage"])]
        assert (later["requested"].to_numpy() >= np.array(before, dtype="datetime64[ns]")).all()
        # extensions: a date and days exactly when an extension was agreed, agreed after receipt and before the answer
        extended = g["extension_agreed"].to_numpy(dtype=bool)
        assert (g["extension_date"].notna().to_numpy() == extended).all()
        assert ((g["extension_days"].to_numpy() > 0) == extended).all()
        ext = g[extended]
        assert (ext["extension_date"] >= ext["received"]).all() and (ext["extension_date"] <= ext["responded"]).all()


@pytest.mark.shipped_data
def test_the_code_extracts_shares_are_realistic(code_extracts):
    """Acknowledged within 5 working days 85-90%; 3-6% of stage 1 complaints not accepted, each with a reason;
    statutory timeliness as usual."""
    records, figures, years = code_extracts
    got = figures.set_index(KEY)["value"]
    for council, year in sorted(years):
        g = one_year(records, council, year)
        stage1 = g[g["stage"] == 1]
        ack = working_days(stage1["received"], stage1["acknowledged"])
        assert 0.85 <= (ack <= 5).mean() <= 0.9 and ack.max() <= 7
        refused = stage1[stage1["outcome"].astype(str) == "not_accepted"]
        assert 0.03 <= len(refused) / len(stage1) <= 0.06
        assert (refused["refusal_reason"].astype(str) != "").all() and refused["responded"].isna().all()
        assert got[(council, year, "complaints_refused", "")] == len(refused)
        allowed = records.configs[council].complaints.vocabulary["refusal_reason"]
        assert set(refused["refusal_reason"].astype(str)) <= allowed and len(set(refused["refusal_reason"])) >= 3
        statutory = stage1[(stage1["procedure"].astype(str) == "statutory") & stage1["responded"].notna()]
        within20 = (working_days(statutory["received"], statutory["responded"]) <= 20).mean()
        assert 0.7 <= within20 <= 0.95


@pytest.mark.shipped_data
def test_corporate_complaints_under_the_code_are_measured_from_the_acknowledgement(code_extracts):
    """2026-27 (from 1 April 2026): 65-75% answered within the Code's time, 10-20% extended (a few beyond the Code's
    10 working days, a few with no reason); 2025-26 is before the Code: no code_* measures."""
    records, figures, years = code_extracts
    got = figures.set_index(KEY)["value"]
    for council, year in sorted(years):
        measures = {m for (c, y, m, _cat) in got.index if c == council and y == year}
        if year < "2026-27":
            assert not {m for m in measures if m.startswith("code_")}
            continue
        value = {
            m: got[(council, year, f"code_stage1_{m}", "")]
            for m in (
                "received",
                "acknowledged_in_time",
                "answered",
                "answered_in_time",
                "extended",
                "extension_within_limit",
                "extension_with_reason",
            )
        }
        corporate = one_year(records, council, year)
        corporate = corporate[(corporate["stage"] == 1) & (corporate["procedure"].astype(str) == "corporate")]
        assert value["received"] == (corporate["outcome"].astype(str) != "not_accepted").sum()
        assert 0.85 <= value["acknowledged_in_time"] / value["received"] <= 0.9
        assert 0.65 <= value["answered_in_time"] / value["answered"] <= 0.75
        assert 0.1 <= value["extended"] / value["answered"] <= 0.2
        assert 1 <= value["extended"] - value["extension_within_limit"] <= 0.25 * value["extended"]
        assert 1 <= value["extended"] - value["extension_with_reason"] <= 0.25 * value["extended"]
        days = corporate.loc[corporate["extension_agreed"].to_numpy(dtype=bool), "extension_days"]
        assert days.min() >= 5 and days.max() <= 15
        assert got[(council, year, "code_stage2_received", "")] >= 1


@pytest.mark.shipped_data
def test_the_code_extracts_are_what_the_generator_makes_for_their_seed(shipped_data, tmp_path):
    """Generated twice from the same figures and seed, the extracts with the Code's columns are the same bytes."""
    spec = load_spec(shipped_data.data / "records" / "synthetic.toml")
    defs = load_definitions(shipped_data)
    figures = build_figures(load_published(shipped_data, defs), defs)  # the published figures, as regenerate()
    for council, year in sorted(CODE_EXTRACTS):
        a = generate(council, year, figures, paths=shipped_data, spec=spec)
        b = generate(council, year, figures, paths=shipped_data, spec=spec)
        first = write_export(a, council, year, tmp_path / "a", paths=shipped_data)
        second = write_export(b, council, year, tmp_path / "b", paths=shipped_data)
        shipped_files = [shipped_paths().data / "records" / council / p.name for p in first]
        assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
        assert [p.read_bytes() for p in first] == [p.read_bytes() for p in shipped_files]
        assert list(a["complaints"].columns) == list(SCHEMA["complaints"])
