"""The steps a batch runs once, timed as councils grow (complaints.running.scale), on tiny national data."""

from __future__ import annotations

from conftest import FIXTURE_DATA

from complaints.running.scale import STEPS, scale_bench, step_times
from complaints.synthetic.national import national


def test_step_times_times_each_step_in_this_process(tmp_path):
    data = national(tmp_path / "data", councils=1, years=2, definitions=FIXTURE_DATA / "definitions")
    times = step_times(data, tmp_path / "outputs")
    assert times["councils"] == 1 and times["council_years"] == 3 and times["reports"] == 2
    assert times["benchmark_year"] is None  # one council: nothing to compare
    assert set(times["seconds"]) == set(times["cpu_seconds"]) == set(STEPS)
    assert all(s >= 0 for s in times["seconds"].values())
    assert times["seconds"]["inputs"] > 0 and times["seconds"]["audit"] > 0
    assert (tmp_path / "outputs" / "metrics.csv").is_file() and (tmp_path / "outputs" / "index.html").is_file()


def test_scale_bench_gives_per_step_seconds_and_the_growth_per_council(tmp_path):
    bench = scale_bench([2, 1], tmp_path, years=1)
    assert bench["years"] == 1 and sorted(bench["sizes"]) == [1, 2]
    two = bench["sizes"][2]
    assert two["councils"] == 2 and two["benchmark_year"] == "2024-25" and two["seconds"]["benchmark"] > 0
    assert set(bench["ratio"]) == set(bench["ratio_wall"]) == set(STEPS)
    assert all(r is None or r > 0 for r in bench["ratio"].values())
    assert (tmp_path / "national-2x1" / "data" / "councils" / "synthetic-002.toml").is_file()
