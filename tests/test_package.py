"""The package installs like one: `python -m complaints`, --version, help with examples, clear errors
for a missing data folder or a badly written year, and (slow) the built wheel in a fresh environment
running the main job on folders of its own, far from any clone of the project."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_DATA

import complaints
from complaints.cli import build_parser, main
from complaints.inputs.paths import ROOT


def test_python_dash_m_and_version():
    done = subprocess.run([sys.executable, "-m", "complaints", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"complaints {complaints.__version__}"
    assert complaints.__version__ != "0+unknown"


@pytest.mark.parametrize("command", ["check", "metrics", "reports", "kernel"])
def test_every_command_has_a_description_and_an_example(command):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = sub.choices[command].format_help()
    assert "example" in text and f"complaints {command}" in text
    assert len(sub.choices[command].description) > 40


def test_a_badly_written_year_is_refused_when_parsed(capsys):
    with pytest.raises(SystemExit) as done:
        main(["reports", "--year", "2024/25"])
    assert done.value.code == 2
    assert "'2024/25' is not a financial year written like 2024-25" in capsys.readouterr().err


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_a_missing_or_empty_data_folder_is_a_clear_error(tmp_path, capsys, make):
    data = tmp_path / "data"
    if make == "empty":
        data.mkdir()
    elif make == "file":
        data.write_text("not a folder")
    outputs = tmp_path / "outputs"
    for command in ("check", "metrics", "reports"):
        assert main([command, "--data", str(data), "--outputs", str(outputs)]) == 2
        err = capsys.readouterr().err
        assert str(data) in err and "Traceback" not in err
    assert not outputs.exists()  # nothing written


def test_quiet_and_verbose(tmp_path, capsys):
    assert main(["check", "--data", str(FIXTURE_DATA)]) == 0
    assert "published statements" in capsys.readouterr().err
    import logging

    from complaints.running.logs import configure

    log = logging.getLogger("complaints.test")
    for verbosity, shown in ((-1, ["error"]), (0, ["info", "error"]), (1, ["debug", "info", "error"])):
        configure(verbosity)
        log.debug("debug line")
        log.info("info line")
        log.error("error line")
        err = capsys.readouterr().err
        assert [w for w in ("debug", "info", "error") if f"{w} line" in err] == shown, (verbosity, err)


def uv() -> str:
    found = shutil.which("uv") or (str(ROOT / ".tools" / "bin" / "uv") if ROOT else None)
    if not found or not Path(found).exists():
        pytest.skip("uv is not available")
    return found


@pytest.mark.slow
def test_the_built_wheel_runs_the_main_job_in_a_fresh_environment(tmp_path):
    """Build the wheel, install it with the locked dependencies into a new virtual environment, and
    run `complaints reports --data DIR --outputs DIR` from a folder that is not a clone."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "COMPLAINTS_DATA", "COMPLAINTS_OUTPUTS")}
    env["UV_PYTHON_DOWNLOADS"] = "never"

    def run(*args, cwd=tmp_path, check=True):
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
        if check:
            assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done

    run(uv(), "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(ROOT), cwd=ROOT)
    (wheel,) = (tmp_path / "dist").glob("complaints-*.whl")
    requirements = tmp_path / "requirements.txt"
    run(uv(), "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "-o", str(requirements), cwd=ROOT)
    run(uv(), "venv", "--python", sys.executable, str(tmp_path / "venv"))
    python = tmp_path / "venv" / "bin" / "python"
    run(uv(), "pip", "install", "--python", str(python), "-r", str(requirements), str(wheel))
    work = tmp_path / "elsewhere"
    shutil.copytree(FIXTURE_DATA, work / "data")
    complaints_cmd = str(tmp_path / "venv" / "bin" / "complaints")
    assert run(str(python), "-m", "complaints", "--version", cwd=work).stdout.startswith("complaints ")
    done = run(
        complaints_cmd,
        "reports",
        "--data",
        "data",
        "--outputs",
        "out",
        "--council",
        "telford-wrekin",
        "--year",
        "2024-25",
        "--jobs",
        "1",
        cwd=work,
    )
    report = work / "out" / "telford-wrekin" / "2024-25" / "report.html"
    assert report.exists() and "Telford" in report.read_text(encoding="utf-8"), done.stderr[-2000:]
    # the defaults, outside a clone, are ./data and ./outputs
    run(complaints_cmd, "check", cwd=work)
    missing = run(complaints_cmd, "check", cwd=tmp_path, check=False)
    assert missing.returncode == 2 and "data folder does not exist" in missing.stderr
