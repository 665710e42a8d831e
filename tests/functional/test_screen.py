"""Morris screening (``tthc-sim screen``) on the tiny calibration scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from clitools import tthc

from sim.scenario import load_scenario
from sim.screening import ScreeningError, screen

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "calibration" / "tiny.yaml"


def test_screen_ranks_the_parameters_that_move_each_target(tmp_path: Path) -> None:
    out = tmp_path / "screen"
    r = tthc(
        "screen",
        str(TINY),
        "--trajectories",
        "2",
        "--noise-reps",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
        "--json",
    )
    assert r.returncode == 0, r.stderr
    obj = json.loads(r.stdout)
    assert obj["simulations"] == 2 * (3 + 1)
    table = pd.read_csv(out / "screening.csv")
    vol = table[table["target"] == "province_volume"].set_index("parameter")
    # the number of arrivals depends on demand only: under common random numbers the other
    # parameters have no effect at all, and demand is ranked first and said to matter
    assert vol.loc["demand.per_1000_residents_per_working_day", "rank"] == 1
    assert bool(vol.loc["demand.per_1000_residents_per_working_day", "matters"])
    assert vol.loc["staffing.availability", "mu_star"] == 0.0
    assert vol.loc["supplements.recheck_factor", "mu_star"] == 0.0
    assert not vol.loc[["staffing.availability", "supplements.recheck_factor"], "matters"].any()
    assert "supplements.recheck_factor" in obj["fixed"]
    assert "demand.per_1000_residents_per_working_day" in obj["fit"]
    noise = pd.read_csv(out / "noise.csv").set_index("target")
    assert noise.loc["province_volume", "sd"] > 0  # replication noise is estimated and shown
    for t in obj["targets"]:
        assert (out / f"screen_{t}.png").is_file()
    json.loads((out / "manifest.json").read_text("utf-8"), parse_constant=lambda c: 1 / 0)


def test_screen_refuses_bad_input(tmp_path: Path) -> None:
    r = tthc("screen", str(TINY), "--target", "nosuch", "--out", str(tmp_path / "a"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--target nosuch" in r.stderr
    r = tthc("screen", str(TINY), "--levels", "3", "--out", str(tmp_path / "b"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "even number of levels" in r.stderr
    scn = load_scenario(TINY).model_copy(update={"uncertain": {}})
    with pytest.raises(ScreeningError, match="uncertain: no parameters to screen"):
        screen(scn)
