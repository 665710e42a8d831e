"""Functional tests: the model behaves as the domain says, checked on small scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.demand import generate
from sim.experiment import run
from sim.model import build_layout, horizon_calendar, simulate
from sim.results import t_interval
from sim.scenario import load_scenario

SCEN = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def quick():
    return load_scenario(SCEN / "validation" / "quick.yaml")


def paired(a, b, metric: str) -> tuple[float, float, float]:
    """Mean and 95% CI of the per-replication difference b - a (common random numbers)."""
    d = b.replications[metric].to_numpy() - a.replications[metric].to_numpy()
    return t_interval(d)


def test_conservation_every_replication(quick):
    # arrived == resolved + open per replication is the invariant checker's (run raises
    # otherwise; tests/unit/test_invariant_checker.py): here the tables that it does not see
    res = run(quick, reps=3, keep_dossiers=True)
    r = res.replications
    d = res.dossiers
    assert d is not None
    assert len(d) == r["arrived"].sum()
    counts = d.groupby(["rep", "unit"], observed=True).size()
    assert counts.sum() == res.units["arrived"].sum()
    assert (res.units["arrived"] == res.units["resolved"] + res.units["open"]).all()


def test_same_seed_identical_frames(quick):
    a = run(quick, reps=2, seed=99).dossiers
    b = run(quick, reps=2, seed=99).dossiers
    pd.testing.assert_frame_equal(a, b)
    c = run(quick, reps=2, seed=100).dossiers
    assert not a["arrived_at"].equals(c["arrived_at"])


def test_one_worker_equals_two_workers(quick):
    a = run(quick, reps=2, seed=5, workers=1)
    b = run(quick, reps=2, seed=5, workers=2)
    pd.testing.assert_frame_equal(a.dossiers, b.dossiers)
    pd.testing.assert_frame_equal(a.replications, b.replications)


@pytest.mark.parametrize(
    "change",
    [
        {"staffing.multiplier.reception": 2.0},
        {"staffing.units.QN21.justice": 1},
        {"network.link_mbps": 20.0},
        {"network.outages.system.mtbf_hours": 10.0},
        {"agencies.land_registration.multiplier": 0.5},
        {"supplements.clock_rule": "keep"},
    ],
)
def test_common_random_numbers_arrivals_unchanged(quick, change):
    """Changing staff or network must not change anybody's arrivals or work content."""
    other = quick.with_changes(change)
    lay = build_layout(quick)
    cal = horizon_calendar(quick)
    a = generate(quick, cal, lay.frame, 3, 0)
    b = generate(other, horizon_calendar(other), build_layout(other).frame, 3, 0)
    for name in (
        "wall_arrival",
        "home",
        "receiving",
        "procedure",
        "channel",
        "reception_minutes",
        "processing_minutes",
        "incomplete",
        "supplement_delay_minutes",
    ):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_crn_demand_change_in_one_unit_leaves_other_units(quick):
    other = quick.with_changes({"demand.dossiers_per_working_day.QN09": 400.0})
    cal = horizon_calendar(quick)
    a = generate(quick, cal, build_layout(quick).frame, 3, 0)
    b = generate(other, cal, build_layout(other).frame, 3, 0)
    # dossiers whose home is another unit are the same (same times, procedures, targets)
    keep_a = a.home != 0
    keep_b = b.home != 0
    np.testing.assert_array_equal(a.wall_arrival[keep_a], b.wall_arrival[keep_b])
    np.testing.assert_array_equal(a.procedure[keep_a], b.procedure[keep_b])
    assert (b.home == 0).sum() > (a.home == 0).sum()


def test_more_staff_never_worse_beyond_noise(quick):
    base = run(quick, reps=5, seed=21, keep_dossiers=False)
    more = run(
        quick.with_changes(
            {
                "staffing.multiplier.all": 1.5,
                "agencies.land_registration.multiplier": 1.5,
                "agencies.vertical_services.multiplier": 1.5,
            }
        ),
        reps=5,
        seed=21,
        keep_dossiers=False,
    )
    m, lo, hi = paired(base, more, "on_time_rate")
    assert hi >= 0.0, f"more staff lowered the on-time rate: {m:.5f} [{lo:.5f}, {hi:.5f}]"
    m, lo, hi = paired(base, more, "queue_wait_minutes_mean")
    assert hi < 0.0, f"more staff did not cut queueing: {m:.3f} [{lo:.3f}, {hi:.3f}]"


def test_fewer_reception_staff_longer_desk_waits(quick):
    base = run(quick, reps=4, seed=2, keep_dossiers=False)
    cut = run(
        quick.with_changes({"staffing.multiplier.reception": 0.5}),
        reps=4,
        seed=2,
        keep_dossiers=False,
    )
    m, lo, hi = paired(base, cut, "desk_wait_minutes_mean")
    assert lo > 0, f"halving reception did not lengthen desk waits: {m} [{lo}, {hi}]"


#: a hundred times every unit's officers and at least a thousand officers at every agency branch
#: (multipliers are at most 10 each: staffing.multiplier x multiplier_by_unit_type)
AMPLE_STAFF = {
    "staffing.multiplier.all": 10.0,
    "staffing.multiplier_by_unit_type": {t: {"all": 10.0} for t in ("phường", "xã", "đặc khu")},
    "agencies.land_registration.min_staff": 100,
    "agencies.land_registration.multiplier": 10.0,
    "agencies.vertical_services.min_staff": 100,
    "agencies.vertical_services.multiplier": 10.0,
}


def test_infinite_capacity_means_no_queueing(quick):
    huge = quick.with_changes({**AMPLE_STAFF, "staffing.availability": 1.0})
    res = run(huge, reps=1)
    d = res.dossiers
    done = d["status"] == "resolved"
    assert done.sum() > 1000
    assert (d.loc[done, "wait_queue_minutes"] == 0).all()
    assert (d["desk_wait_minutes"].dropna() == 0).all()


def test_deterministic_times_give_exact_lead_times(quick):
    """Deterministic work, ample staff, no network: lead time = the sum of the work."""
    changes = {
        **AMPLE_STAFF,
        "staffing.availability": 1.0,
        "network.outages.system.mtbf_hours": None,
        "network.outages.system.periods": [],
        "network.outages.links.mtbf_hours": None,
        "demand.phi_dia_gioi_share": 0.0,
    }
    for pid, p in quick.procedures.items():
        changes[f"procedures.{pid}.incomplete_probability"] = 0.0
        changes[f"procedures.{pid}.system_interactions"] = {}
        changes[f"procedures.{pid}.reception_minutes"] = {"dist": "deterministic", "value": 5.0}
        if p.processing_minutes is not None:
            changes[f"procedures.{pid}.processing_minutes"] = {
                "dist": "deterministic",
                "value": 7.0,
            }
        if p.approval_minutes is not None:
            changes[f"procedures.{pid}.approval_minutes"] = {"dist": "deterministic", "value": 2.0}
    scn = quick.with_changes(changes)
    res = run(scn, reps=1)
    d = res.dossiers
    done = d[d["status"] == "resolved"]
    has_appr = done["procedure"].map(lambda p: scn.procedures[p].approval_minutes is not None)
    expected = np.where(has_appr, 14.0, 12.0)
    got = done["lead_time_working_hours"].to_numpy() * 60
    # in-person dossiers start at once; online ones start when their inbox wait ends (0 here)
    np.testing.assert_allclose(got, expected + 0.0, atol=1e-6)


def test_lower_bandwidth_increases_network_delay(quick):
    base = run(quick, reps=3, seed=4, keep_dossiers=False)
    slow = run(quick.with_changes({"network.link_mbps": 10.0}), reps=3, seed=4, keep_dossiers=False)
    m, lo, hi = paired(base, slow, "network_delay_minutes_mean")
    assert lo > 0, f"10 Mbps links did not add network delay: {m} [{lo}, {hi}]"
    m, lo, hi = paired(base, slow, "on_time_rate")
    assert lo <= 0 and m <= 1e-9


def test_more_outages_hurt(quick):
    base = run(quick, reps=4, seed=8, keep_dossiers=False)
    worse = run(
        quick.with_changes(
            {"network.outages.system.mtbf_hours": 24.0, "network.outages.links.mtbf_hours": 100.0}
        ),
        reps=4,
        seed=8,
        keep_dossiers=False,
    )
    m, lo, hi = paired(base, worse, "system_down_working_hours_mean")
    assert lo > 0
    m, lo, hi = paired(base, worse, "network_delay_minutes_mean")
    assert lo > 0, f"more outages did not add network delay: {m} [{lo}, {hi}]"
    m, lo, hi = paired(base, worse, "on_time_rate")
    assert m < 0


def test_fallback_link_bridges_link_outages(quick):
    outage = {
        "network.outages.windows": [
            {"start": "2025-08-19T08:00:00", "end": "2025-08-21T17:00:00", "unit": "QN21"}
        ]
    }
    down = quick.with_changes(outage)
    backed = quick.with_changes({**outage, "network.fallback_mbps_by_unit": {"QN21": 30.0}})
    a = run(down, reps=2, seed=1, keep_dossiers=False)
    b = run(backed, reps=2, seed=1, keep_dossiers=False)
    ua = a.units.set_index(["rep", "code"]).loc[(slice(None), "QN21"), "network_delay_minutes_mean"]
    ub = b.units.set_index(["rep", "code"]).loc[(slice(None), "QN21"), "network_delay_minutes_mean"]
    assert (ub.to_numpy() < ua.to_numpy()).all()


def test_clock_rules_order(quick):
    """Supplements: a clock that keeps running can only make dossiers later than restarting."""
    restart = run(
        quick.with_changes({"supplements.clock_rule": "restart"}),
        reps=3,
        seed=3,
        keep_dossiers=False,
    )
    keep = run(
        quick.with_changes({"supplements.clock_rule": "keep"}), reps=3, seed=3, keep_dossiers=False
    )
    pause = run(
        quick.with_changes({"supplements.clock_rule": "pause"}), reps=3, seed=3, keep_dossiers=False
    )
    assert (keep.replications["on_time_rate"] <= restart.replications["on_time_rate"]).all()
    assert (keep.replications["on_time_rate"] <= pause.replications["on_time_rate"]).all()
    assert keep.replications["late_supplements"].sum() > 0
    assert restart.replications["late_supplements"].sum() == 0


def test_online_intake_deferred_during_system_outage(quick):
    window = {
        "network.outages.windows": [{"start": "2025-08-23T00:00:00", "end": "2025-08-24T12:00:00"}]
    }
    scn = quick.with_changes(window)
    res = run(scn, reps=1)
    d = res.dossiers
    online = d[d["channel"] == "online"]
    start, end = pd.Timestamp("2025-08-23 00:00"), pd.Timestamp("2025-08-24 12:00")
    inside = (online["arrived_at"] >= start) & (online["arrived_at"] < end)
    assert not inside.any()
    assert (online["arrived_at"] == end).sum() > 0


def test_pooling_online_reception_spreads_load(quick):
    loaded = quick.with_changes({"staffing.units.QN21.reception": 5})  # Hồng Gai's desk overloaded
    base = run(loaded, reps=5, seed=6)
    pooled = run(loaded.with_changes({"pooling.online_reception": "province"}), reps=5, seed=6)
    d = pooled.dossiers
    online = d[d["channel"] == "online"]
    assert (online["received_by"].astype(str) != online["unit"].astype(str)).any()
    inperson = d[d["channel"] == "in_person"].dropna(subset=["received_by"])
    assert (inperson["received_by"].astype(str) == inperson["unit"].astype(str)).all()
    m, lo, hi = paired(base, pooled, "inbox_wait_working_hours_mean")
    assert hi < 0, f"pooling did not shorten inbox waits: {m} [{lo}, {hi}]"


def test_simulate_is_pure_function_of_scenario_and_rep(quick):
    a = simulate(quick, 2, 11)
    b = simulate(quick, 2, 11)
    np.testing.assert_array_equal(a.records.arrays()["resolved"], b.records.arrays()["resolved"])
    assert quick.model_dump() == load_scenario(SCEN / "validation" / "quick.yaml").model_dump()
