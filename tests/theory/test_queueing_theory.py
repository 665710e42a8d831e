"""Theory tests: the simulator against queueing theory and against a plain wall-clock model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import simpy

from sim.calendar import working_days_between
from sim.experiment import run
from sim.model import horizon_calendar, simulate
from sim.scenario import load_scenario
from sim.theory import erlang_c, mg1_wait, mmc_wait

SCEN = Path(__file__).resolve().parents[2] / "scenarios"


def test_erlang_c_formula_known_values():
    # textbook values: c=1 reduces to rho; c=2, a=1 gives 1/3
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # M/M/1 wait = rho/(mu - lambda)
    assert mmc_wait(0.5, 1.0, 1) == pytest.approx(0.5 / 0.5)
    # M/M/1 is M/G/1 with scv = 1
    assert mg1_wait(0.5, 1.0, 1.0) == pytest.approx(mmc_wait(0.5, 1.0, 1))


def _mmc_check(overrides: list[str], reps: int) -> tuple[float, float, float, float]:
    scn = load_scenario(SCEN / "validation" / "mmc.yaml", overrides)
    lam = scn.demand.dossiers_per_working_day["QN01"] / 1440.0
    mean_s = scn.procedures["desk"].reception_minutes.expected_value()
    c = scn.staffing.by_unit_type["phường"]["reception"]
    theory = mmc_wait(lam, mean_s, c)
    res = run(scn, reps=reps, seed=scn.run.seed, keep_dossiers=False)
    s = res.summary().set_index("metric").loc["desk_wait_minutes_mean"]
    return theory, float(s["mean"]), float(s["ci95_low"]), float(s["ci95_high"])


def test_mmc_mean_wait_matches_erlang_c():
    theory, _mean, lo, hi = _mmc_check([], reps=20)
    assert lo <= theory <= hi, f"Erlang C {theory:.3f} outside simulated CI [{lo:.3f}, {hi:.3f}]"
    # and the interval is informative (not trivially wide)
    assert hi - lo < 0.25 * theory


@pytest.mark.slow
@pytest.mark.parametrize(
    ("rate_per_day", "servers"),
    [(576, 3), (864, 3), (1296, 5), (230, 1)],
)
def test_mmc_other_loads(rate_per_day, servers):
    theory, _mean, lo, hi = _mmc_check(
        [
            f"demand.dossiers_per_working_day.QN01={rate_per_day}",
            f"staffing.by_unit_type.phường.reception={servers}",
        ],
        reps=30,
    )
    assert lo <= theory <= hi, f"Erlang C {theory:.3f} outside simulated CI [{lo:.3f}, {hi:.3f}]"


def test_mmc_utilisation_equals_offered_load_per_server():
    scn = load_scenario(SCEN / "validation" / "mmc.yaml")
    res = run(scn, reps=10, keep_dossiers=False)
    s = res.summary().set_index("metric").loc["utilisation_reception"]
    rho = 0.8
    assert s["ci95_low"] <= rho <= s["ci95_high"]


# ----------------------------------------------------------------------------- working clock


def _office_intervals(spec, start: dt.date, days: int) -> list[tuple[float, float]]:
    """Office sessions as wall-minute intervals, built independently of WorkingCalendar."""
    work = set(working_days_between(spec, start, start + dt.timedelta(days=days)))
    out = []
    for i in range(days):
        d = start + dt.timedelta(days=i)
        if d in work:
            for a, b in spec.session_minutes():
                out.append((i * 1440.0 + a, i * 1440.0 + b))
    return out


def _wall_clock_model(arrivals, services, servers, intervals):
    """Plain SimPy model in wall time: officers only work inside office intervals."""
    env = simpy.Environment()
    desk = simpy.Resource(env, servers)
    starts = np.full(len(arrivals), np.nan)
    ends = np.full(len(arrivals), np.nan)
    bounds = np.array(intervals)

    def work_until(t: float, need: float) -> tuple[float, float]:
        k = int(np.searchsorted(bounds[:, 1], t, side="right"))
        first = None
        while True:
            a, b = bounds[k]
            s = max(a, t)
            if first is None and s < b:
                first = s
            if s + need <= b:
                return first, s + need
            need -= max(0.0, b - s)
            t = b
            k += 1

    def dossier(i):
        with desk.request() as req:
            yield req
            first, end = work_until(env.now, services[i])
            starts[i] = first
            yield env.timeout(end - env.now)
            ends[i] = end

    def source():
        for i, t in enumerate(arrivals):
            yield env.timeout(t - env.now)
            env.process(dossier(i))

    env.process(source())
    env.run()
    return starts, ends


def test_working_clock_equals_wall_clock_model():
    """The working-clock shortcut gives exactly the wall-clock model's start and end times."""
    scn = load_scenario(
        SCEN / "validation" / "mmc.yaml",
        [
            "calendar.always_open=false",
            "calendar.public_holidays=vn",
            "horizon.start=2025-08-25",
            "horizon.end=2025-09-09",
            "demand.dossiers_per_working_day.QN01=40",
            "procedures.desk.channels={in_person: 0.5, online: 0.5}",
            "procedures.desk.reception_minutes={dist: exponential, mean: 25}",
            "staffing.by_unit_type.phường.reception=2",
        ],
    )
    cal = horizon_calendar(scn)
    out = simulate(scn, 0)
    ds = out.dossiers
    rec = out.records.arrays()
    done = ~np.isnan(rec["reception_end"])
    assert done.sum() > 200
    intervals = _office_intervals(scn.calendar, scn.horizon.start, scn.horizon.days + 30)
    order = np.argsort(ds.wall_arrival, kind="stable")
    np.testing.assert_array_equal(order, np.arange(len(ds)))  # FIFO order = wall order
    w_start, w_end = _wall_clock_model(ds.wall_arrival, ds.reception_minutes, 2, intervals)
    sim_start = cal.to_wall(rec["reception_start"], "right")
    sim_end = cal.to_wall(rec["reception_end"], "left")
    np.testing.assert_allclose(sim_start[done], w_start[done], atol=1e-6)
    np.testing.assert_allclose(sim_end[done], w_end[done], atol=1e-6)
    # dossiers still open at the end of the horizon are exactly those the wall model ends later
    horizon_end_wall = scn.horizon.days * 1440.0
    assert np.all(w_end[~done] > horizon_end_wall - 1e-6)
