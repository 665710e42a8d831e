"""The real command in a subprocess, as planners and scripts use it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from clitools import tthc

ROOT = Path(__file__).resolve().parents[2]
SCEN = ROOT / "scenarios"


def test_run_json_is_one_object_and_reproducible():
    args = ("run", str(SCEN / "validation" / "mmc.yaml"), "--reps", "2", "--seed", "3", "--json")
    a = tthc(*args)
    b = tthc(*args)
    assert a.returncode == 0, a.stderr
    ja = json.loads(a.stdout)  # the whole stdout is one JSON object
    jb = json.loads(b.stdout)
    for key in (
        "on_time_rate",
        "on_time_ci95",
        "per_rep",
        "dossiers_arrived",
        "dossiers_resolved",
        "dossiers_open_at_end",
        "reps",
        "seed",
        "wall_seconds",
    ):
        assert key in ja
    assert ja["reps"] == 2 and ja["seed"] == 3 and len(ja["per_rep"]) == 2
    assert ja["dossiers_arrived"] == ja["dossiers_resolved"] + ja["dossiers_open_at_end"]
    ja.pop("wall_seconds")
    jb.pop("wall_seconds")
    assert ja == jb


def test_run_writes_output_folder(tmp_path):
    out = tmp_path / "res"
    p = tthc(
        "run",
        str(SCEN / "validation" / "quick.yaml"),
        "--reps",
        "2",
        "--out",
        str(out),
        "--no-progress",
    )
    assert p.returncode == 0, p.stderr
    for name in ("dossiers.parquet", "units.csv", "summary.csv", "manifest.json"):
        assert (out / name).exists(), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7 and manifest["reps"] == 2
    assert manifest["scenario"]["name"] == "quick"
    assert "numpy" in manifest["versions"] and "simpy" in manifest["versions"]
    dossiers = pd.read_parquet(out / "dossiers.parquet")
    assert len(dossiers) == manifest["headline"]["dossiers_arrived"]
    assert sorted(dossiers["rep"].unique()) == [0, 1]
    units = pd.read_csv(out / "units.csv")
    assert len(units) == 7
    assert "Quảng Yên" in set(units["name"])
    summary = pd.read_csv(out / "summary.csv")
    assert {"metric", "mean", "ci95_low", "ci95_high"} <= set(summary.columns)
    assert not list(out.glob(".*.tmp"))  # no temporary files left behind
    # the readable table names units with their Vietnamese names
    assert "Hồng Gai" in p.stdout and "On-time rate" in p.stdout


def test_validate_ok_and_python_m():
    p = tthc("validate", str(SCEN / "baseline.yaml"))
    assert p.returncode == 0, p.stderr
    assert "ok" in p.stdout


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("extends: BASE\nhorizon: {start: 2025-07-01, end: 2025-06-01}\n", "horizon.end"),
        ("extends: BASE\nstaffing: {availabilty: 0.9}\n", "staffing.availabilty"),
        (
            "extends: BASE\nprocedures: {land_change_registration: {share: 0.5}}\n",
            "shares must sum to 1",
        ),
        ("name: [unclosed\n", "YAML syntax error"),
        ("", "empty"),
    ],
)
def test_bad_scenario_exit_2_no_traceback(tmp_path, text, fragment):
    f = tmp_path / "bad.yaml"
    f.write_text(text.replace("BASE", str(SCEN / "baseline.yaml")), encoding="utf-8")
    for cmd in ("validate", "run"):
        p = tthc(cmd, str(f))
        assert p.returncode == 2, (cmd, p.stdout, p.stderr)
        assert "Traceback" not in p.stderr
        assert str(f) in p.stderr and fragment in p.stderr
        assert len(p.stderr.strip().splitlines()) == 1


def test_bad_override_names_field():
    p = tthc("run", str(SCEN / "baseline.yaml"), "--set", "staffing.availability=1.5")
    assert p.returncode == 2
    assert "staffing.availability" in p.stderr and "Traceback" not in p.stderr
    p = tthc("run", str(SCEN / "baseline.yaml"), "--set", "staffing.availabilty=0.9")
    assert p.returncode == 2
    assert "staffing.availabilty" in p.stderr and "unknown field" in p.stderr


def test_missing_file_and_bad_arguments():
    p = tthc("run", "no/such/file.yaml")
    assert p.returncode == 2 and "file not found" in p.stderr
    p = tthc("run", str(SCEN / "baseline.yaml"), "--reps", "0")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    p = tthc("run", str(SCEN / "baseline.yaml"), "--seed", "abc")
    assert p.returncode == 2 and "Traceback" not in p.stderr


@pytest.mark.slow
def test_baseline_done_when():
    """Issue 2 acceptance: baseline --reps 2 --seed 11 --json twice."""
    args = (
        "run",
        str(SCEN / "baseline.yaml"),
        "--reps",
        "2",
        "--seed",
        "11",
        "--json",
        "--workers",
        "2",
    )
    a = tthc(*args)
    b = tthc(*args)
    assert a.returncode == 0, a.stderr
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    ja.pop("wall_seconds")
    jb.pop("wall_seconds")
    assert ja == jb
    assert ja["dossiers_arrived"] == ja["dossiers_resolved"] + ja["dossiers_open_at_end"]
    per_rep = ja["dossiers_arrived"] / ja["reps"]
    assert 200_000 <= per_rep <= 450_000
