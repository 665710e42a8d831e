"""Every sweep setting is applied or refused, every factor level survives the store, and two
sweeps cannot share an output folder.

The case files in ``data/`` are copies of the failing inputs handed with the issue
(``seedsweep.yaml``, ``repsweep.yaml``, ``nullf.yaml``, ``swA.yaml``, ``swB.yaml``,
``race_harness.py``); the refusals are in the sweep corpus (``tests/corpus/sweeps``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from clitools import ROOT, tthc
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import sim.sweep as sweep_mod
from sim.experiment import run
from sim.sweep import (
    SweepStoreError,
    level_labels,
    load_sweep,
    plot_levels,
    read_points,
    read_sweep,
    run_sweep,
    table_levels,
)

DATA = Path(__file__).resolve().parent / "data"


# ----------------------------------------------------------------------------- run.seed, run.reps


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    out = tmp_path_factory.mktemp("seedsweep") / "out"
    return run_sweep(DATA / "seedsweep.yaml", out, workers=1), out


def test_seed_factor_sets_each_points_seed(seeds):
    res, out = seeds
    sw = res.sweep
    assert [sw.seed_of(p) for p in sw.points] == [1, 2, 3]
    reps = pd.read_parquet(out / "replications.parquet")
    for p in sw.points:
        rows = reps[reps["point_id"] == p.id]
        assert set(rows["seed"]) == {p.values["run.seed"]} and len(rows) == 2
    # each point is exactly a run of the base scenario with that seed
    point = sw.points[1]
    direct = run(sw.scenario(point), reps=2, seed=2, keep_dossiers=False)
    mine = res.replications[res.replications["point_id"] == point.id]
    assert list(mine["resolved"]) == list(direct.replications["resolved"])
    assert list(mine["on_time_rate"]) == list(direct.replications["on_time_rate"])
    assert len(set(res.points["point_id"])) == 3
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [p["seed"] for p in man["sweep"]["points"]] == [1, 2, 3]


def test_unused_sweep_seed_is_a_warning(seeds):
    res, out = seeds
    (warning,) = res.sweep.warnings
    assert "seed: 11 has no effect" in warning and "run.seed" in warning
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["warnings"] == [warning]


def test_reps_factor_sets_each_points_replications_and_resumes(tmp_path):
    out = tmp_path / "out"
    res = run_sweep(DATA / "repsweep.yaml", out, workers=1)
    sw = res.sweep
    assert [sw.reps_of(p) for p in sw.points] == [1, 3]
    assert list(res.points["reps"]) == [1, 3]
    counts = res.replications.groupby("point_id")["rep"].apply(list)
    assert counts[sw.points[0].id] == [0] and counts[sw.points[1].id] == [0, 1, 2]
    assert sw.total_tasks == 4
    assert any("reps: 2 has no effect" in w for w in sw.warnings)
    # the store knows each point's count: nothing is run again on resume
    again = run_sweep(sw, out, workers=1, resume=True)
    assert again.meta["points_skipped"] == 2 and again.meta["points_run"] == 0
    pd.testing.assert_frame_equal(again.points, res.points)


def test_run_mapping_through_paths_sets_seed_and_reps(tmp_path):
    data = yaml.safe_load((DATA / "seedsweep.yaml").read_text(encoding="utf-8"))
    data["base"] = str((DATA / data["base"]).resolve())
    data.pop("seed")
    data.pop("reps")
    data["factors"] = {"runs": [{"seed": 4, "reps": 1}, {"seed": 5, "reps": 2}]}
    data["paths"] = {"runs": ["run"]}
    path = tmp_path / "runs.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    sw = load_sweep(path)
    assert [(sw.seed_of(p), sw.reps_of(p)) for p in sw.points] == [(4, 1), (5, 2)]
    assert sw.warnings == []
    res = run_sweep(sw, None, workers=1)
    assert list(res.replications["seed"]) == [4, 5, 5]


def test_seed_and_reps_without_factors_are_the_sweeps(tmp_path):
    sw = load_sweep(DATA / "swB.yaml")
    assert {sw.seed_of(p) for p in sw.points} == {11}
    assert {sw.reps_of(p) for p in sw.points} == {2}
    assert sw.point_seeds == {} and sw.point_reps == {}


def test_cli_prints_the_warning_and_per_point_seeds(tmp_path):
    proc = tthc(
        "sweep",
        str(DATA / "seedsweep.yaml"),
        "--workers",
        "1",
        "--no-progress",
        "--out",
        str(tmp_path / "out"),
    )
    assert proc.returncode == 0, proc.stderr
    warnings = [x for x in proc.stderr.splitlines() if x.startswith("warning: ")]
    assert len(warnings) == 1 and "seed: 11 has no effect" in warnings[0]
    assert "seed 1-3" in proc.stdout


# ----------------------------------------------------------------------------- factor levels


def test_null_level_reaches_points_csv_and_the_plots(tmp_path):
    out = tmp_path / "nullf"
    from sim.cli import main

    assert (
        main(
            [
                "sweep",
                str(DATA / "nullf.yaml"),
                "--workers",
                "1",
                "--no-progress",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    raw = pd.read_csv(out / "points.csv", keep_default_na=False)
    assert sorted(set(raw["network.fallback_mbps"].astype(str))) == ["20", "null"]
    _, points, _ = read_sweep(out)
    assert list(points["network.fallback_mbps"]) == ["null", "null", "20", "20"]
    assert list(points["network.link_mbps"]) == [10, 200, 10, 200]
    assert main(["plot", str(out), "--format", "png"]) == 0
    plots = sorted(p.name for p in (out / "plots").glob("*.png"))
    assert plots == [
        "heatmap_fallback_mbps__link_mbps.png",
        "on_time_vs_fallback_mbps.png",
        "on_time_vs_link_mbps.png",
    ]


@pytest.mark.parametrize(
    ("values", "table", "plot"),
    [
        ([None, 20], ["null", "20"], ["null", "20"]),
        ([10, 200], [10, 200], [10, 200]),
        ([1, 2.5], [1, 2.5], [1, 2.5]),
        ([True, False], [True, False], ["true", "false"]),
        (["20", 20], ['"20"', "20"], ['"20"', "20"]),
        (["007", "1e3"], ["007", "1e3"], ["007", "1e3"]),
        ([[1, 2], None], ["[1,2]", "null"], ["[1,2]", "null"]),
        (["null", None], ['"null"', "null"], ['"null"', "null"]),
        ([True, 1], ["true", "1"], ["true", "1"]),
        ([2**70, 1], [str(2**70), "1"], [str(2**70), "1"]),
    ],
)
def test_levels_of_every_type_stay_distinct(values, table, plot):
    assert table_levels(values) == table
    assert plot_levels(values) == plot
    assert len(set(level_labels(values))) == len(values)


def _level(v):
    """A level as load_sweep compares them (50 and 50.0 are one level)."""
    return json.dumps(int(v) if isinstance(v, float) and v.is_integer() else v, sort_keys=True)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from(["", "null", "true", "1", "1.0", "007", "1e3", "nan", "[1]", "Hạ Long"]),
    st.text(max_size=6),
)
LEVELS = st.lists(
    st.one_of(SCALARS, st.lists(st.integers(-3, 3), max_size=3)),
    min_size=1,
    max_size=4,
    unique_by=_level,
)


@pytest.fixture(scope="module")
def kpi_row():
    """One real replication's KPI row, reused for every fake point of the property test."""
    sw = load_sweep(DATA / "swB.yaml")
    task = sweep_mod.SweepTask(0, 0, 11, sw.base.with_changes({"horizon.end": "2025-08-18"}))
    return sw, sweep_mod.run_sweep_task(task)


def _fake_sweep(base_sweep, x_levels, y_levels):
    """A loaded sweep whose factors x and y take any levels (they change nothing)."""
    import dataclasses
    import itertools

    spec = base_sweep.spec.model_copy(update={"factors": {"x": x_levels, "y": y_levels}})
    short = sweep_mod.short_names(["x", "y"])
    combos = [{"x": a, "y": b} for a, b in itertools.product(x_levels, y_levels)]
    points = [
        sweep_mod.SweepPoint(i, sweep_mod.point_id(v), sweep_mod.point_name(v, short), v)
        for i, v in enumerate(combos)
    ]
    return dataclasses.replace(
        base_sweep,
        spec=spec,
        factor_paths={"x": ["x"], "y": ["y"]},
        points=points,
        reps=1,
        point_seeds={},
        point_reps={},
        warnings=[],
    )


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(x_levels=LEVELS, y_levels=st.lists(SCALARS, min_size=1, max_size=2, unique_by=_level))
@example(x_levels=[None], y_levels=["\r"])  # a carriage return once split a CSV row in two
def test_any_levels_round_trip_through_the_store_and_a_resume(
    kpi_row, tmp_path_factory, monkeypatch, x_levels, y_levels
):
    base_sweep, row = kpi_row
    sw = _fake_sweep(base_sweep, x_levels, y_levels)
    monkeypatch.setattr(sweep_mod.Sweep, "scenario", lambda self, point: self.base)
    monkeypatch.setattr(sweep_mod, "run_sweep_task", lambda task: row.assign(rep=task.rep))
    out = tmp_path_factory.mktemp("levels") / "out"
    res = run_sweep(sw, out, workers=1)
    reps, points, man = read_sweep(out)
    for f, levels in (("x", x_levels), ("y", y_levels)):
        # the tables hold one distinct, non-missing level per value, the same read back
        assert list(points[f]) == list(res.points[f])
        assert points[f].dtype == res.points[f].dtype
        assert list(reps[f]) == list(res.replications[f])
        assert not points[f].isna().any()
        assert points[f].map(json.dumps).nunique() == len(levels)
        # the plots get one level per value
        plotted = read_points(out, for_plots=True)[f]
        assert plotted.map(str).nunique() == len(levels) and not plotted.isna().any()
    # the exact values, types included (1 vs 1.0, "1" vs 1, null, lists), in the manifest
    stored = [p["values"] for p in man["sweep"]["points"]]
    assert json.dumps(stored) == json.dumps([p.values for p in sw.points])
    # a resume after losing one point: the same tables
    (out / "points" / f"{sw.points[0].id}.parquet").unlink()
    again = run_sweep(sw, out, workers=1, resume=True)
    assert again.meta["points_run"] == 1
    pd.testing.assert_frame_equal(again.points, res.points)
    pd.testing.assert_frame_equal(again.replications, res.replications)
    assert list(read_sweep(out)[1]["x"]) == list(res.points["x"])


# ----------------------------------------------------------------------------- the folder lock


HOLD = (
    "import sys, time\n"
    "from filelock import FileLock\n"
    "lock = FileLock(sys.argv[1])\n"
    "lock.acquire()\n"
    "print('held', flush=True)\n"
    "time.sleep(120)\n"
)


def test_a_held_lock_refuses_the_sweep_and_a_dead_holder_does_not(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out / sweep_mod.LOCK_FILE)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SweepStoreError, match="another sweep is writing"):
            run_sweep(DATA / "repsweep.yaml", out, workers=1)
        proc = tthc("sweep", str(DATA / "repsweep.yaml"), "--out", str(out), "--no-progress")
        assert proc.returncode == 2
        lines = [x for x in proc.stderr.splitlines() if not x.startswith("warning: ")]
        assert len(lines) == 1 and "another sweep is writing to this folder" in lines[0]
        assert str(out) in lines[0]
        assert not (out / "sweep.json").exists()
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # killed: the OS releases its lock
        holder.wait(timeout=30)
    res = run_sweep(DATA / "repsweep.yaml", out, workers=1, resume=True)
    assert res.failed == 0 and (out / "manifest.json").exists()


def test_two_sweeps_on_one_folder_the_second_is_refused(tmp_path):
    out = tmp_path / "race"
    harness = subprocess.Popen(
        [sys.executable, str(DATA / "race_harness.py"), str(DATA / "swA.yaml"), str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (out / sweep_mod.LOCK_FILE).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the harness is now inside its slowed write of sweep.json
        second = tthc("sweep", str(DATA / "swB.yaml"), "--out", str(out), "--workers", "1")
        stdout, stderr = harness.communicate(timeout=300)
    finally:
        if harness.poll() is None:
            harness.kill()
            harness.wait()
    assert harness.returncode == 0, stderr
    assert "harness sweep done: swA 2 points" in stdout
    assert second.returncode == 2, second.stderr
    assert "another sweep is writing to this folder" in second.stderr
    _, points, man = read_sweep(out)
    assert man["sweep"]["name"] == "swA" and len(points) == 2
    assert set(points.columns) >= {"staffing.multiplier.justice"}
    assert "network.link_mbps" not in points.columns
