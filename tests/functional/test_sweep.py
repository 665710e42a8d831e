"""Sweep files: validation, stable point ids, Latin hypercubes, the resumable store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import sim.sweep as sweep_mod
from sim.scenario import ScenarioError
from sim.sweep import SweepStoreError, load_sweep, point_id, run_sweep, short_names

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"

#: a tiny sweep: quick cut to one week, 4 points x 2 replications (a few seconds)
TINY: dict[str, Any] = {
    "name": "tiny",
    "base": str(QUICK),
    "set": {"horizon.end": "2025-08-22"},
    "factors": {
        "staffing.multiplier.justice": [0.5, 1.0],
        "network.link_mbps": [10, 200],
    },
    "reps": 2,
    "seed": 3,
}


def write_sweep(tmp_path: Path, data: dict[str, Any], name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def with_(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(TINY))
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    return data


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (with_(colour="red"), "colour", "unknown field"),
        (with_(reps=0), "reps", "greater than or equal to 1"),
        (with_(base="nowhere.yaml"), "base", "not found"),
        (with_(factors={}), "factors", "at least one factor"),
        (with_(factors={"network.lnk_mbps": [10, 20]}), "factors.network.lnk_mbps", "unknown"),
        (
            with_(factors={"staffing.multiplier.recepton": [0.8]}),
            "factors.staffing.multiplier.recepton",
            "unknown role",
        ),
        (with_(factors={"network.link_mbps": [10, -5]}), "factors.network.link_mbps", "-5"),
        (with_(factors={"network.link_mbps": 10}), "factors.network.link_mbps", "list of values"),
        (with_(factors={"network.link_mbps": [10, 10]}), "factors.network.link_mbps", "repeated"),
        (with_(points=5), "points", "only for design: lhs"),
        (with_(design="lhs"), "points", "needs the number of points"),
        (
            with_(design="lhs", points=4, factors={"network.link_mbps": {"low": 50, "high": 20}}),
            "factors.network.link_mbps",
            "greater than low",
        ),
        (
            with_(design="lhs", points=4, factors={"network.link_mbps": {"low": 5, "hi": 9}}),
            "factors.network.link_mbps",
            "",
        ),
        (with_(paths={"nothing": ["network.link_mbps"]}), "paths.nothing", "not a factor"),
        (with_(set={"network.link_mbps": 20}), "factors.network.link_mbps", "also fixed"),
        (with_(set={"horizon.end": "2025-02-30"}), "set", "horizon.end"),
        (with_(set={"name.first": "x"}), "set.name.first", "not a mapping"),
    ],
)
def test_bad_sweep_files_name_file_and_field(tmp_path, data, field, message):
    path = write_sweep(tmp_path, data)
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    err = info.value
    assert err.source == str(path)
    assert err.path == field or err.path.startswith(field + "."), err
    assert message in err.message, err


def test_factor_through_a_path_list(tmp_path):
    data = with_(
        factors={"specialists": [0.8, 1.0]},
        paths={"specialists": ["staffing.multiplier.justice", "staffing.multiplier.general"]},
    )
    sw = load_sweep(write_sweep(tmp_path, data))
    scn = sw.scenario(sw.points[0])
    assert scn.staffing.multiplier == {"justice": 0.8, "general": 0.8}
    bad = with_(factors={"specialists": [0.8]}, paths={"specialists": ["staffing.multiplier.x"]})
    with pytest.raises(ScenarioError, match=r"factors\.specialists.*unknown role"):
        load_sweep(write_sweep(tmp_path, bad, "bad.yaml"))


# ----------------------------------------------------------------------------- points


def test_point_ids_are_stable_and_names_readable(tmp_path):
    a = load_sweep(write_sweep(tmp_path, TINY, "a.yaml"))
    flipped = with_(
        factors={
            "network.link_mbps": [200, 10],
            "staffing.multiplier.justice": [1.0, 0.5],
        }
    )
    b = load_sweep(write_sweep(tmp_path, flipped, "b.yaml"))
    assert len(a.points) == 4 and len({p.id for p in a.points}) == 4
    # same values -> same id, whatever the order of factors and values in the file
    assert {p.id: p.values for p in a.points} == {p.id: p.values for p in b.points}
    assert a.points[0].name == "justice=0.5, link_mbps=10"
    assert a.points[0].id == point_id({"network.link_mbps": 10, "staffing.multiplier.justice": 0.5})
    assert point_id({"x": 1}) != point_id({"x": 2})
    scn = a.scenario(a.points[0])
    assert scn.network.link_mbps == 10 and scn.staffing.multiplier["justice"] == 0.5
    assert str(scn.horizon.end) == "2025-08-22"


def test_short_names():
    assert short_names(["a.b.reception", "c.d.reception", "network.link_mbps"]) == {
        "a.b.reception": "b.reception",
        "c.d.reception": "d.reception",
        "network.link_mbps": "link_mbps",
    }


def test_latin_hypercube_is_reproducible_and_stratified(tmp_path):
    data = with_(
        design="lhs",
        points=6,
        factors={
            "staffing.multiplier.reception": {"low": 0.6, "high": 1.2},
            "network.link_mbps": {"low": 10, "high": 200},
            "agencies.land_registration.staff.QN21": {"low": 20, "high": 25, "integer": True},
        },
    )
    a = load_sweep(write_sweep(tmp_path, data, "a.yaml"))
    b = load_sweep(write_sweep(tmp_path, data, "b.yaml"))
    assert [p.values for p in a.points] == [p.values for p in b.points]
    assert len(a.points) == 6
    for f, (lo, hi) in {
        "staffing.multiplier.reception": (0.6, 1.2),
        "network.link_mbps": (10, 200),
    }.items():
        v = np.array([p.values[f] for p in a.points])
        strata = np.floor((v - lo) / (hi - lo) * 6).astype(int)
        assert sorted(strata) == list(range(6)), f  # one point in each sixth of the range
    land = [p.values["agencies.land_registration.staff.QN21"] for p in a.points]
    assert all(isinstance(x, int) and 20 <= x <= 25 for x in land)
    assert sorted(land) == list(range(20, 26))
    c = load_sweep(write_sweep(tmp_path, {**data, "seed": 4}, "c.yaml"))
    assert [p.values for p in c.points] != [p.values for p in a.points]


# ----------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory) -> Path:
    return write_sweep(tmp_path_factory.mktemp("tiny"), TINY, "tiny.yaml")


@pytest.fixture(scope="module")
def stored(tiny_path, tmp_path_factory) -> tuple[sweep_mod.SweepResults, Path]:
    out = tmp_path_factory.mktemp("store") / "out"
    return run_sweep(tiny_path, out, workers=1), out


def test_store_holds_every_point_once(stored):
    res, out = stored
    sw = res.sweep
    files = sorted((out / "points").glob("*.parquet"))
    assert sorted(f.stem for f in files) == sorted(p.id for p in sw.points)
    reps = pd.read_parquet(out / "replications.parquet")
    assert len(reps) == len(sw.points) * sw.reps
    assert not reps.duplicated(["point_id", "rep"]).any()
    assert list(reps["point"]) == sorted(reps["point"])
    for p in sw.points:  # factor columns hold the point's values
        rows = reps[reps["point_id"] == p.id]
        assert (rows["network.link_mbps"] == p.values["network.link_mbps"]).all()
        assert (rows["name"] == p.name).all()
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["kind"] == "sweep" and man["points_done"] == 4 and man["points_failed"] == 0
    points = pd.read_csv(out / "points.csv")
    assert (points["status"] == "done").all() and (points["reps"] == 2).all()
    assert (points["on_time_rate_ci95_low"] <= points["on_time_rate"]).all()
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["point_id"]) == {p.id for p in sw.points}
    # half the justice officers: longer waits for officers, in every paired replication
    wait = reps.pivot_table(
        index=["network.link_mbps", "rep"],
        columns="staffing.multiplier.justice",
        values="queue_wait_minutes_mean",
    )
    assert (wait[0.5] > wait[1.0]).all()


def test_results_identical_on_one_and_two_workers(stored, tmp_path):
    res1, _ = stored
    res2 = run_sweep(res1.sweep, None, workers=2)
    assert res2.meta["workers"] == 2
    pd.testing.assert_frame_equal(res1.replications, res2.replications, check_exact=True)
    pd.testing.assert_frame_equal(res1.points, res2.points, check_exact=True)


def test_resume_skips_stored_points(stored, tmp_path):
    res, out = stored
    copy = tmp_path / "copy"
    (copy / "points").mkdir(parents=True)
    (copy / "sweep.json").write_bytes((out / "sweep.json").read_bytes())
    keep = res.sweep.points[:3]
    for p in keep:
        name = f"{p.id}.parquet"
        (copy / "points" / name).write_bytes((out / "points" / name).read_bytes())
    (copy / "points" / ".half-written.parquet.123.tmp").write_bytes(b"junk")  # a killed write
    again = run_sweep(res.sweep, copy, workers=1, resume=True)
    assert again.meta["points_skipped"] == 3 and again.meta["points_run"] == 1
    assert not list((copy / "points").glob(".*.tmp"))
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "replications.parquet"),
        pd.read_parquet(copy / "replications.parquet"),
        check_exact=True,
    )


def test_store_refuses_to_mix_sweeps(stored, tiny_path, tmp_path):
    _, out = stored
    with pytest.raises(SweepStoreError, match="--resume"):
        run_sweep(tiny_path, out, workers=1)
    other = load_sweep(write_sweep(tmp_path, with_(reps=3)))
    with pytest.raises(SweepStoreError, match="different sweep"):
        run_sweep(other, out, workers=1, resume=True)


def test_a_failing_point_is_recorded_and_the_others_go_on(tmp_path, monkeypatch):
    # staff 5 x 0.2 = 1 and 5 x 0.2 = 1 are fine alone, 5 x 0.04 rounds to no officer at all
    data = with_(
        factors={
            "staffing.multiplier.reception": [0.2, 1.0],
            "staffing.multiplier_by_unit_type.phường.reception": [0.2, 1.0],
        },
        reps=1,
    )
    sw = load_sweep(write_sweep(tmp_path, data))
    real = sweep_mod.run_replication

    def flaky(task):  # a replication that crashes at run time
        if task.scenario.staffing.multiplier["reception"] == 1.0 and task.rep == 0:
            mult = task.scenario.staffing.multiplier_by_unit_type["phường"]["reception"]
            if mult == 0.2:
                raise RuntimeError("simulated crash")
        return real(task)

    monkeypatch.setattr(sweep_mod, "run_replication", flaky)
    res = run_sweep(sw, tmp_path / "out", workers=1)
    assert res.failed == 2
    status = res.points.set_index("name")["status"]
    assert status["multiplier.reception=0.2, phường.reception=0.2"] == "failed"
    assert status["multiplier.reception=1, phường.reception=0.2"] == "failed"
    assert (status == "done").sum() == 2
    errors = res.errors.set_index("name")["error"]
    assert "no reception officer" in errors["multiplier.reception=0.2, phường.reception=0.2"]
    assert "simulated crash" in errors["multiplier.reception=1, phường.reception=0.2"]
    stored_errors = sorted((tmp_path / "out" / "errors").glob("*.json"))
    assert len(stored_errors) == 2
    assert (tmp_path / "out" / "manifest.json").exists()
    assert len(pd.read_parquet(tmp_path / "out" / "replications.parquet")) == 2
    # once the crash is gone, resuming runs only the failed points and clears their errors
    monkeypatch.setattr(sweep_mod, "run_replication", real)
    again = run_sweep(sw, tmp_path / "out", workers=1, resume=True)
    assert again.meta["points_skipped"] == 2 and again.failed == 1
    assert len(list((tmp_path / "out" / "errors").glob("*.json"))) == 1
