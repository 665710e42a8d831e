"""Arrival streams: rates and mixes by hand, generated arrivals against Poisson theory.

Expected counts come from the scenario's own parameters (population x rate, channel mix,
weekday and hour factors), computed here independently of ``sim/demand.py``; counts are
compared with Poisson intervals (the count of a Poisson process has variance equal to its
mean).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.demand import (
    IN_PERSON,
    ONLINE,
    POST,
    _hour_weights,
    _office_slots,
    _surge_factors,
    attraction_weights,
    channel_matrix,
    generate,
    home_demand_rates,
    procedure_shares,
)
from sim.model import build_layout, horizon_calendar
from sim.scenario import CHANNELS, load_scenario

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "validation" / "quick.yaml"
SESSIONS = ((450, 690), (810, 1020))  # 07:30-11:30, 13:30-17:00


@pytest.fixture(scope="module")
def quick() -> Any:
    return load_scenario(QUICK)


def within_poisson(count: float, mean: float, z: float = 4.0) -> bool:
    return abs(count - mean) <= z * np.sqrt(mean) + 1


# ----------------------------------------------------------------------------- by hand


def test_office_slots_split_at_whole_hours() -> None:
    start, length, hour = _office_slots(SESSIONS)
    assert start.tolist() == [450, 480, 540, 600, 660, 810, 840, 900, 960]
    assert length.tolist() == [30, 60, 60, 60, 30, 30, 60, 60, 60]
    assert hour.tolist() == [7, 8, 9, 10, 11, 13, 14, 15, 16]
    start, length, hour = _office_slots(((0, 1440),))
    assert len(start) == 24 and length.sum() == 1440 and hour.tolist() == list(range(24))


def test_hour_weights() -> None:
    w = _hour_weights({0: 0.5, 23: 2.0})
    assert w.tolist() == [0.5] + [1.0] * 22 + [2.0]


def test_unit_rates_and_attraction(quick: Any) -> None:
    frame = build_layout(quick).frame
    scn = quick.with_changes(
        {
            "demand.per_1000_residents_per_working_day": 2.0,
            "demand.dossiers_per_working_day": {"QN10": 7.0},
            "demand.centre_attraction": 5.0,
            "demand.attraction": {"QN11": 0.5},
        }
    )
    pop = frame["population"].to_numpy(float)
    lam = home_demand_rates(scn, frame)
    codes = list(frame["code"])
    for i, code in enumerate(codes):
        assert lam[i] == pytest.approx(7.0 if code == "QN10" else pop[i] / 1000 * 2.0)
    w = attraction_weights(scn, frame)
    centre = frame["district_centre"].to_numpy(bool)
    for i, code in enumerate(codes):
        factor = 0.5 if code == "QN11" else (5.0 if centre[i] else 1.0)
        assert w[i] == pytest.approx(pop[i] * factor)
    assert centre.any() and not centre.all()  # both kinds are exercised


def test_procedure_shares_and_channels(quick: Any) -> None:
    pids = list(quick.procedures)
    base = np.array([p.share for p in quick.procedures.values()])
    scn = quick.with_changes(
        {"demand.share_multipliers_by_unit_type": {"xã": {pids[0]: 3.0, pids[1]: 0.0}}}
    )
    ward = procedure_shares(scn, "phường")
    np.testing.assert_allclose(ward, base / base.sum())
    w = base.copy()
    w[0] *= 3.0
    w[1] = 0.0
    np.testing.assert_allclose(procedure_shares(scn, "xã"), w / w.sum())
    m = channel_matrix(quick)
    want = np.array([[getattr(p.channels, c) for c in CHANNELS] for p in quick.procedures.values()])
    np.testing.assert_allclose(m, want)
    shifted = channel_matrix(quick.with_changes({"demand.online_shift": 0.25}))
    np.testing.assert_allclose(shifted[:, IN_PERSON], 0.75 * want[:, IN_PERSON])
    np.testing.assert_allclose(shifted[:, ONLINE], want[:, ONLINE] + 0.25 * want[:, IN_PERSON])
    np.testing.assert_allclose(shifted[:, POST], want[:, POST])


def test_surge_factors() -> None:
    scn = load_scenario(QUICK).with_changes(
        {
            "demand.surges": [
                {"start": "2025-08-19", "end": "2025-08-20", "factor": 2.0, "units": ["QN10"]},
                {"start": "2025-08-20", "end": "2025-08-20", "factor": 3.0},
            ]
        }
    )
    days = [dt.date(2025, 8, 18) + dt.timedelta(days=i) for i in range(4)]
    f = _surge_factors(scn, days, ["QN09", "QN10"])
    assert f.tolist() == [[1.0, 1.0, 3.0, 1.0], [1.0, 2.0, 6.0, 1.0]]


# ----------------------------------------------------------------------------- generated


@pytest.fixture(scope="module")
def two_weeks(quick: Any) -> tuple[Any, Any, Any]:
    scn = quick.with_changes({"horizon.end": "2025-08-31", "units.include": ["QN09", "QN21"]})
    layout = build_layout(scn)
    cal = horizon_calendar(scn)
    return scn, layout, cal


def expected_counts(scn: Any, layout: Any, cal: Any) -> np.ndarray:
    """Expected arrivals per channel over the horizon, from the scenario's parameters."""
    frame = layout.frame
    lam = frame["population"].to_numpy(float) / 1000 * scn.demand.per_1000_residents_per_working_day
    days = [scn.horizon.start + dt.timedelta(days=i) for i in range(scn.horizon.days)]
    weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    wf = [scn.demand.weekday_factors.get(weekday[d.weekday()], 1.0) for d in days]
    working = cal.is_working[: len(days)]
    office = sum(f for f, w in zip(wf, working, strict=True) if w)
    online = office + scn.demand.non_working_day_online_factor * int((~working).sum())
    out = np.zeros(3)
    for h in range(len(frame)):
        share = np.array([p.share for p in scn.procedures.values()])
        share = share / share.sum()
        p_chan = share @ channel_matrix(scn)
        out[IN_PERSON] += lam[h] * p_chan[IN_PERSON] * office
        out[POST] += lam[h] * p_chan[POST] * office
        out[ONLINE] += lam[h] * p_chan[ONLINE] * online
    return out


def test_counts_per_channel_match_the_rates(two_weeks: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = two_weeks
    want = expected_counts(scn, layout, cal)
    ds = generate(scn, cal, layout.frame, 1, 0)
    got = np.bincount(ds.channel, minlength=3)
    for c in range(3):
        assert within_poisson(got[c], want[c]), (CHANNELS[c], got[c], want[c])


def test_desk_arrivals_only_in_office_hours(two_weeks: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = two_weeks
    ds = generate(scn, cal, layout.frame, 2, 0)
    desk = ds.channel != ONLINE
    day = np.floor(ds.wall_arrival / 1440).astype(int)
    tod = ds.wall_arrival - day * 1440
    assert cal.is_working[day[desk]].all()
    inside = np.zeros(len(tod), bool)
    for a, b in SESSIONS:
        inside |= (tod >= a) & (tod < b)
    assert inside[desk].all()
    # online dossiers arrive on closed days too, at night as well
    online = ds.channel == ONLINE
    assert (~cal.is_working[day[online]]).any()
    assert (tod[online] < 6 * 60).any()
    # the weekday factor: Mondays busier than Fridays by 1.15 / 0.9 (desk arrivals)
    weekday = np.array([(dt.date(2025, 8, 18) + dt.timedelta(days=int(d))).weekday() for d in day])
    mon, fri = int(np.sum(desk & (weekday == 0))), int(np.sum(desk & (weekday == 4)))
    ratio = 1.15 / 0.9
    assert within_poisson(mon, (mon + fri) * ratio / (1 + ratio))


def test_hour_factors_shape_desk_arrivals(two_weeks: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = two_weeks
    scn = scn.with_changes({"demand.in_person_hour_factors": {8: 0.0, 9: 3.0}})
    ds = generate(scn, cal, layout.frame, 3, 0)
    desk = ds.channel != ONLINE
    hour = np.floor((ds.wall_arrival % 1440) / 60).astype(int)
    assert not np.any(desk & (hour == 8))
    # weights per hour: 7: 0.5 h, 9: 3, 10: 1, 11: 0.5, 13: 0.5, 14-16: 1 each -> 8.5 in all
    n = int(desk.sum())
    assert within_poisson(int(np.sum(desk & (hour == 9))), n * 3 / 8.5)
    assert within_poisson(int(np.sum(desk & (hour == 7))), n * 0.5 / 8.5)


def test_arrivals_sorted_and_identified(two_weeks: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = two_weeks
    ds = generate(scn, cal, layout.frame, 4, 0)
    assert np.all(np.diff(ds.arrival) >= 0)
    ties = np.diff(ds.arrival) == 0
    assert ties.any()  # a night's online dossiers share the next opening
    assert np.all(np.diff(ds.wall_arrival)[ties] >= 0)  # queued in submission order
    np.testing.assert_array_equal(ds.arrival, cal.to_working(ds.wall_arrival))
    # key = (home unit, channel) block in the high bits, draw order in the low ones
    assert len(np.unique(ds.key)) == len(ds)
    np.testing.assert_array_equal(ds.key >> 32, ds.home.astype(np.int64) * 3 + ds.channel)
    for block in np.unique(ds.key >> 32):
        low = np.sort(ds.key[(ds.key >> 32) == block] & 0xFFFFFFFF)
        np.testing.assert_array_equal(low, np.arange(len(low)))


def test_phi_dia_gioi_and_work_content(two_weeks: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = two_weeks
    scn = scn.with_changes({"demand.phi_dia_gioi_share": 0.3})
    ds = generate(scn, cal, layout.frame, 5, 0)
    n = len(ds)
    away = ds.home != ds.receiving
    # P(away) = 0.3 (with two units, an away dossier always goes to the other one)
    assert within_poisson(int(away.sum()), 0.3 * n)
    assert np.array_equal(ds.phi_dia_gioi, away)
    # incompleteness per procedure at its own probability
    probs = np.array([p.incomplete_probability for p in scn.procedures.values()])
    assert within_poisson(int(ds.incomplete.sum()), float(probs[ds.procedure].sum()))
    # supplement delays are the scenario's return delay, in wall minutes
    mean_days = scn.supplements.return_delay_days.mean
    assert np.mean(ds.supplement_delay_minutes) / 1440 == pytest.approx(mean_days, rel=0.1)
    # desk minutes drawn for every dossier, at each procedure's mean
    assert np.all(np.isfinite(ds.reception_minutes)) and np.all(ds.reception_minutes > 0)
    for j, p in enumerate(scn.procedures.values()):
        mine = ds.procedure == j
        if mine.sum() > 50:
            m = float(np.mean(ds.reception_minutes[mine]))
            assert m == pytest.approx(p.reception_minutes.mean, rel=0.3)
    # procedures without a processing step have no processing minutes
    for j, p in enumerate(scn.procedures.values()):
        mine = ds.procedure == j
        if p.processing_minutes is None:
            assert np.all(ds.processing_minutes[mine] == 0)
        elif mine.sum() > 50:
            m = float(np.mean(ds.processing_minutes[mine]))
            assert m == pytest.approx(p.processing_minutes.mean, rel=0.3)
    # one unit alone: nobody submits away from home
    one = scn.with_changes({"units.include": ["QN21"]})
    lay1 = build_layout(one)
    ds1 = generate(one, horizon_calendar(one), lay1.frame, 5, 0)
    assert not ds1.phi_dia_gioi.any()


def test_online_submissions_deferred_past_system_outages(
    two_weeks: tuple[Any, Any, Any],
) -> None:
    scn, layout, cal = two_weeks
    plain = generate(scn, cal, layout.frame, 6, 0)
    down = (np.array([2000.0, 5000.0]), np.array([2600.0, 5100.0]))
    ds = generate(scn, cal, layout.frame, 6, 0, down)
    online = ds.channel == ONLINE
    for a, b in zip(*down, strict=True):
        assert not np.any(online & (ds.wall_arrival >= a) & (ds.wall_arrival < b))
        moved = np.sum(
            (plain.channel == ONLINE) & (plain.wall_arrival >= a) & (plain.wall_arrival < b)
        )
        assert moved > 0 and np.sum(online & (ds.wall_arrival == b)) == moved
    # desk arrivals are not affected
    np.testing.assert_array_equal(
        np.sort(ds.wall_arrival[~online]), np.sort(plain.wall_arrival[plain.channel != ONLINE])
    )
