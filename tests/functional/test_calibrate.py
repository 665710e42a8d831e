"""Calibration recovers a known parameter value, and checks the monotonicity it relies on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import CalibrationError, calibrate, check_monotone, write_value
from sim.experiment import run
from sim.results import t_interval
from sim.scenario import load_scenario

SCEN = Path(__file__).resolve().parents[2] / "scenarios"
PARAM = "procedures.desk.processing_minutes.mean"


def synthetic(theta: float = 60.0):
    """One desk, then a same-day step whose mean processing time (minutes) is the parameter.

    Lateness comes from long services started late in the day, so the on-time rate falls
    smoothly as the mean grows (the load stays below saturation over the bounds)."""
    return load_scenario(
        SCEN / "validation" / "mmc.yaml",
        [
            "calendar.always_open=false",
            "calendar.public_holidays=none",
            "horizon.start=2025-07-01",
            "horizon.end=2025-07-21",
            "demand.dossiers_per_working_day.QN01=40",
            "procedures.desk.deadline_working_days=0",
            "procedures.desk.reception_minutes={dist: deterministic, value: 1}",
            f"procedures.desk.processing_minutes={{dist: exponential, mean: {theta}}}",
            "procedures.desk.role=justice",
            "staffing.by_unit_type.phường={reception: 2, justice: 8}",
        ],
    )


def test_calibration_recovers_known_value():
    truth = 60.0
    truth_runs = run(synthetic(truth), reps=30, seed=1001, keep_dossiers=False)
    target = truth_runs.on_time_rate
    res = calibrate(
        synthetic(40.0),
        parameter=PARAM,
        bounds=(30.0, 90.0),
        target=target,
        reps=10,
        seed=2002,
        grid=4,
    )
    lo, hi = res.value_ci95
    # the target itself is an estimate: widen the interval by its own uncertainty, mapped
    # through the local slope of the response
    t_mean, _t_lo, t_hi = t_interval(truth_runs.replications["on_time_rate"])
    slope = np.polyfit(res.curve["value"], res.curve["mean"], 1)[0]
    extra = abs((t_hi - t_mean) / slope)
    assert lo - extra <= truth <= hi + extra, (res.value, res.value_ci95, extra)
    assert hi - lo < 0.4 * (90.0 - 30.0)  # informative: well inside the bounds
    assert res.monotone and res.direction == -1
    alo, ahi = res.achieved_ci95
    assert alo - (t_hi - t_mean) <= target <= ahi + (t_hi - t_mean)
    assert res.runs == len(res.points) + len(res.verification)
    # every candidate ran the same replications (common random numbers)
    reps_per_value = res.points.groupby("value")["rep"].apply(tuple)
    assert reps_per_value.nunique() == 1


def test_unreachable_target_is_reported():
    with pytest.raises(CalibrationError, match="not reached"):
        calibrate(synthetic(), parameter=PARAM, bounds=(30.0, 40.0), target=0.2, reps=2, grid=2)


def test_check_monotone_detects_reversal():
    reps = np.arange(6)
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.001, 6)
    rows = []
    for v, level in [(1.0, 0.90), (2.0, 0.95), (3.0, 0.92), (4.0, 0.99)]:
        rows += [{"value": v, "rep": r, "kpi": level + noise[r]} for r in reps]
    ok, direction, table = check_monotone(pd.DataFrame(rows))
    assert direction == 1 and not ok
    assert table["against_trend"].tolist() == [False, True, False]
    rows = [r | {"kpi": r["value"] * 0.01 + noise[r["rep"]]} for r in rows]
    ok, direction, _ = check_monotone(pd.DataFrame(rows))
    assert ok and direction == 1


def test_on_time_rate_monotone_in_availability_on_quick():
    """The baseline's calibration parameter moves the on-time rate one way (checked)."""
    scn = load_scenario(SCEN / "validation" / "quick.yaml")
    rows = []
    for a in (0.6, 0.8, 1.0):
        res = run(
            scn.with_changes({"staffing.availability": a}), reps=3, seed=5, keep_dossiers=False
        )
        rows += [
            {"value": a, "rep": int(r.rep), "kpi": r.on_time_rate}
            for r in res.replications.itertuples()
        ]
    ok, direction, _ = check_monotone(pd.DataFrame(rows))
    assert ok and direction == 1


def test_write_value_keeps_comments(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        "# top comment\nname: x  # name\nstaffing:\n  availability: 0.9  # old\n", encoding="utf-8"
    )
    write_value(f, "staffing.availability", 0.8123456789, note="calibrated")
    text = f.read_text(encoding="utf-8")
    assert "# top comment" in text and "# name" in text
    assert "availability: 0.812346" in text
    write_value(f, "network.link_mbps", 50.0)
    assert "link_mbps: 50.0" in f.read_text(encoding="utf-8")


def test_counterfactual_attribution_finds_the_cause():
    from sim.attribution import attribute_lateness

    # all officers present, so that the outages are the main source of lateness
    quick = load_scenario(SCEN / "validation" / "quick.yaml", ["staffing.availability=1.0"])
    outages = quick.with_changes(
        {
            "network.outages.windows": [
                {"start": f"2025-08-{d}T09:00:00", "end": f"2025-08-{d}T16:30:00"}
                for d in (19, 21, 26)
            ]
        }
    )
    att = attribute_lateness(outages, reps=1, seed=3)
    allm = att[att["month"] == "all"].set_index("cause")
    assert allm.loc["network", "late"] > 20
    assert allm.loc["network", "share"] > 0.8
    assert allm.loc["network", "share"] > allm.loc["supplements", "share"]
    understaffed = quick.with_changes({"staffing.multiplier.justice": 0.34})
    att = (
        attribute_lateness(understaffed, reps=1, seed=3).query("month == 'all'").set_index("cause")
    )
    assert att.loc["staffing", "share"] > 0.8
    assert att.loc["staffing", "share"] > att.loc["network", "share"]
