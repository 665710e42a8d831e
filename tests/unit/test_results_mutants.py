"""Result tables of a hand-made replication, checked against numbers worked out by hand.

Six dossiers of the quick scenario's units with stamps chosen by hand (working minutes; an
office day is 450 minutes, 07:30-11:30 and 13:30-17:00, from Monday 18 August 2025), and a
horizon of five working days (2,250 minutes). Every expected value below is computed in the
comments from the definitions in ``sim/results.py``'s docstring, not read back from the code.

=== ========= ======== ======= ======= ======== ========= ======== ============================
 #  channel   arrival  recep.  deadl.  resolved wait q/n  supp.    outcome
=== ========= ======== ======= ======= ======== ========= ======== ============================
 0  in person    0      0-10     900     120      0/0      -       on time
 1  online       5     65-70     450     500    300/10     -       late, queueing
 2  in person  240    240-250    900     open     0/0      -       open, overdue (900 < 2250)
 3  post       300      -        -       open     -        -       open, not yet received
 4  online     460    460-470    900    1010     20/400    -       late, network
 5  in person  480    500-510   1350    1400      0/0     690      late, service (supplements
                                                                   if the clock keeps running)
=== ========= ======== ======= ======= ======== ========= ======== ============================
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.demand import POST, Dossiers
from sim.model import RepOutput, build_layout, horizon_calendar
from sim.records import Records
from sim.results import CAUSES, backlog_series, dossier_frame, rep_tables, summarise, t_interval
from sim.scenario import load_scenario

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "validation" / "quick.yaml"
NAN = math.nan
T = 5 * 450.0  # horizon end: five working days
MON = dt.datetime(2025, 8, 18)


def at(day: int, hh: int, mm: int) -> np.datetime64:
    return np.datetime64(MON + dt.timedelta(days=day, hours=hh, minutes=mm), "s")


# per dossier: channel, home, receiving, wall arrival (minutes since Monday 00:00), arrival
COLS: dict[str, list[Any]] = {
    "channel": [0, 1, 0, 2, 1, 0],
    "home": [0, 1, 0, 2, 2, 1],
    "receiving": [0, 1, 1, 2, 2, 1],
    "wall_arrival": [450, 455, 810, 870, 1440 + 460, 1440 + 480],
    "arrival": [0, 5, 240, 300, 460, 480],
    "incomplete": [True, False, False, False, False, True],
}
STAMPS: dict[str, list[float]] = {
    "reception_start": [0, 65, 240, NAN, 460, 500],
    "reception_end": [10, 70, 250, NAN, 470, 510],
    "clock_start": [10, 70, 250, NAN, 470, 510],
    "deadline": [900, 450, 900, NAN, 900, 1350],
    "supplement_request": [NAN, NAN, NAN, NAN, NAN, 510],
    "supplement_return": [NAN, NAN, NAN, NAN, NAN, 1200],
    "recheck_end": [NAN, NAN, NAN, NAN, NAN, 1210],
    "processing_start": [10, 370, 250, NAN, 470, 1210],
    "processing_end": [100, 380, 260, NAN, 1000, 1300],
    "approval_start": [100, 380, NAN, NAN, 1000, 1300],
    "resolved": [120, 500, NAN, NAN, 1010, 1400],
    "wait_queue": [0, 300, 0, NAN, 20, 0],
    "wait_network": [0, 10, 0, NAN, 400, 0],
    "wait_supplement": [NAN, NAN, NAN, NAN, NAN, 690],
    "received_by": [0, 1, 1, NAN, 3, 1],
}


@pytest.fixture(scope="module")
def setup() -> tuple[Any, Any, Any]:
    scn = load_scenario(QUICK)
    return scn, build_layout(scn), horizon_calendar(scn)


def make_output(layout: Any) -> RepOutput:
    n = len(COLS["arrival"])
    ds = Dossiers(
        wall_arrival=np.array(COLS["wall_arrival"], float),
        arrival=np.array(COLS["arrival"], float),
        home=np.array(COLS["home"], np.int16),
        receiving=np.array(COLS["receiving"], np.int16),
        procedure=np.array([0, 0, 1, 1, 2, 0], np.int16),
        channel=np.array(COLS["channel"], np.int8),
        reception_minutes=np.full(n, 10.0),
        processing_minutes=np.full(n, 10.0),
        approval_minutes=np.full(n, 10.0),
        incomplete=np.array(COLS["incomplete"]),
        supplement_delay_minutes=np.full(n, 600.0),
        key=np.arange(n, dtype=np.int64),
    )
    rec = Records.allocate(n)
    for name, values in STAMPS.items():
        column = getattr(rec, name)
        for i, v in enumerate(values):
            column[i] = float(v)
    c = layout.codes
    pools = pd.DataFrame(
        {
            "pool": [f"{c[0]}/reception", f"{c[1]}/reception", f"{c[0]}/justice", f"{c[1]}/x"],
            "kind": ["reception", "reception", "justice", "justice"],
            "unit": [c[0], c[1], c[0], c[1]],
            "host_unit": [c[0], c[1], c[0], c[1]],
            "staff": [1, 1, 1, 0],
            "officer_minutes": [900.0, 900.0, 400.0, 0.0],
            "overtime_minutes": [0.0, 100.0, 0.0, 0.0],
            "busy_minutes": [450.0, 500.0, 100.0, 0.0],
            "served": [1, 3, 1, 0],
            "queue_at_end": [0, 0, 0, 0],
        }
    )
    down = np.zeros(len(c))
    down[0] = 120.0  # 2 hours without the system at one unit of seven
    return RepOutput(3, 11, ds, rec, pools, T, down, 1234)


@pytest.fixture
def frame(setup: tuple[Any, Any, Any]) -> pd.DataFrame:
    scn, layout, cal = setup
    return dossier_frame(make_output(layout), scn, layout, cal)


def tables(setup: tuple[Any, Any, Any], clock_rule: str = "restart") -> Any:
    scn, layout, cal = setup
    scn = scn.with_changes({"supplements.clock_rule": clock_rule})
    return rep_tables(make_output(layout), scn, layout, cal)


# ----------------------------------------------------------------------------- per dossier


def test_status_on_time_and_overdue(frame: pd.DataFrame) -> None:
    status = ["resolved", "resolved", "open", "open", "resolved", "resolved"]
    assert list(frame["status"]) == status
    assert list(frame["on_time"].astype(object)) == [True, False, pd.NA, pd.NA, False, False]
    assert list(frame["open_overdue"]) == [False, False, True, False, False, False]
    assert list(frame["rep"]) == [3] * 6 and list(frame["dossier"]) == list(range(6))


def test_resolution_exactly_at_the_deadline_is_on_time(setup: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = setup
    out = make_output(layout)
    out.records.resolved[1] = 450.0  # its deadline
    out.records.deadline[2] = T  # open, due exactly at the end of the horizon: not overdue yet
    f = dossier_frame(out, scn, layout, cal)
    assert bool(f["on_time"][1]) is True
    assert not f["open_overdue"][2]
    # a resolution is a completion: minute 450 is Monday 17:00, not Tuesday's opening
    assert f["resolved_at"][1] == at(0, 17, 0)
    assert f["on_time"].dtype == "boolean"


def test_a_tiny_late_dossier_is_late_for_its_queue(setup: tuple[Any, Any, Any]) -> None:
    """Service time is what is left after the network wait, never below zero."""
    scn, layout, cal = setup
    out = make_output(layout)
    r = out.records
    r.reception_start[1], r.reception_end[1] = 65.0, 65.2
    r.processing_start[1] = r.processing_end[1] = r.approval_start[1] = r.resolved[1] = 65.2
    r.deadline[1] = 60.0
    r.wait_queue[1], r.wait_network[1] = 0.5, 0.3
    f = dossier_frame(out, scn, layout, cal)
    # parts: queue 0.5, network 0.3, supplements 0, service max(0.2 - 0.3, 0) = 0
    assert f["late_cause"][1] == "queueing"


def test_late_cause_is_the_largest_delay(frame: pd.DataFrame) -> None:
    # 1: queue 300 > service 5+10+120-10 = 125; 4: network 400 > service 10+530+10-400 = 150;
    # 2 (open, overdue): service 10+10 = 20; 5: supplements do not count under "restart":
    # service 10+90+100 = 200
    cause = frame["late_cause"]
    assert cause.isna().tolist() == [True, False, False, True, False, False]
    assert list(cause.astype(str)[[1, 2, 4, 5]]) == ["queueing", "service", "network", "service"]


def test_supplements_are_a_cause_only_when_the_clock_keeps_running(
    setup: tuple[Any, Any, Any],
) -> None:
    keep = tables(setup, "keep").dossiers
    pause = tables(setup, "pause").dossiers
    assert keep["late_cause"][5] == "supplements"  # 690 > service 200
    assert pause["late_cause"][5] == "service"
    assert keep["late_cause"][1] == pause["late_cause"][1] == "queueing"


def test_waits_and_lead_times(frame: pd.DataFrame) -> None:
    lead = [120 / 60, 495 / 60, NAN, NAN, 550 / 60, 920 / 60]
    np.testing.assert_allclose(frame["lead_time_working_hours"], lead)
    # desk waits for dossiers handed in at the desk, inbox waits (hours) for the others
    np.testing.assert_allclose(frame["desk_wait_minutes"], [0, NAN, 0, NAN, NAN, 20])
    np.testing.assert_allclose(frame["inbox_wait_working_hours"], [NAN, 1.0, NAN, NAN, 0, NAN])
    np.testing.assert_allclose(frame["wait_supplement_minutes"], [0, 0, 0, 0, 0, 690])
    np.testing.assert_allclose(frame["wait_queue_minutes"], STAMPS["wait_queue"])
    np.testing.assert_allclose(frame["wait_network_minutes"], STAMPS["wait_network"])
    # a supplement is an incomplete dossier that was asked for one (0 was never asked)
    assert list(frame["supplement"]) == [False, False, False, False, False, True]
    assert list(frame["phi_dia_gioi"]) == [False, False, True, False, False, False]


def test_units_channels_and_procedures(frame: pd.DataFrame, setup: tuple[Any, Any, Any]) -> None:
    codes = setup[1].codes
    assert list(frame["unit"].astype(str)) == [codes[i] for i in COLS["receiving"]]
    assert list(frame["home_unit"].astype(str)) == [codes[i] for i in COLS["home"]]
    by = frame["received_by"].astype(object)
    assert list(by[[0, 1, 2, 4, 5]]) == [codes[0], codes[1], codes[1], codes[3], codes[1]]
    assert pd.isna(by[3])
    assert list(frame["channel"].astype(str)) == [
        "in_person",
        "online",
        "in_person",
        "post",
        "online",
        "in_person",
    ]
    pids = setup[1].procedure_ids
    assert list(frame["procedure"].astype(str)) == [pids[i] for i in (0, 0, 1, 1, 2, 0)]


def test_times_as_datetimes_follow_the_start_and_end_conventions(frame: pd.DataFrame) -> None:
    f = frame
    assert f["arrived_at"][0] == at(0, 7, 30) and f["arrived_at"][4] == at(1, 7, 40)
    # a start at working minute 240 is the afternoon opening (13:30), an end is 11:30
    assert f["reception_start_at"][2] == at(0, 13, 30)
    assert f["received_at"][0] == at(0, 7, 40)
    assert f["processing_start_at"][1] == at(0, 15, 40)  # 370 = 240 + 130
    assert f["processing_end_at"][5] == at(2, 16, 10)  # 1300 = 2 * 450 + 400 -> 13:30 + 160
    assert f["approval_start_at"][4] == at(2, 9, 10)  # 1000 = 900 + 100
    assert f["clock_start_at"][5] == at(1, 8, 30)
    assert f["supplement_return_at"][5] == at(2, 14, 30)  # 1200 = 900 + 300 -> 13:30 + 60
    # deadlines are completion instants: minute 450 is Monday's close, not Tuesday's opening
    assert f["deadline_at"][1] == at(0, 17, 0)
    assert f["deadline_at"][0] == at(1, 17, 0)
    assert list(f["resolved_at"][[0, 1, 4, 5]]) == [
        at(0, 9, 30),
        at(1, 8, 20),
        at(2, 9, 20),
        at(3, 8, 20),
    ]
    assert f["resolved_at"].isna().tolist() == [False, False, True, True, False, False]
    assert list(f["resolved_month"].astype(str)[[0, 1, 4, 5]]) == ["2025-08"] * 4
    assert f["resolved_month"].isna().tolist() == [False, False, True, True, False, False]


def test_resolved_month_counts_by_month_of_resolution(setup: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = setup
    out = make_output(layout)
    # working day 14 is Tuesday 9 September 2025 (1-2 September are National Day holidays)
    out.records.resolved[5] = 14 * 450 + 10.0
    out.records.deadline[5] = 20 * 450.0
    f = dossier_frame(out, scn, layout, cal)
    assert f["resolved_at"][5] == np.datetime64("2025-09-09T07:40:00")
    assert list(f["resolved_month"].astype(str)[[0, 5]]) == ["2025-08", "2025-09"]


# ----------------------------------------------------------------------------- one replication


def test_replication_kpis(setup: tuple[Any, Any, Any]) -> None:
    t = tables(setup)
    k = t.kpis.iloc[0]
    assert t.rep == 3 and t.dossiers is not None and len(t.dossiers) == 6
    assert (k["rep"], k["seed"], k["events"]) == (3, 11, 1234)
    assert (k["arrived"], k["resolved"], k["on_time"], k["late"]) == (6, 4, 1, 3)
    assert (k["open"], k["open_overdue"]) == (2, 1)
    assert k["on_time_rate"] == pytest.approx(1 / 4)
    assert k["online_share"] == pytest.approx(2 / 6)
    assert k["phi_dia_gioi_share"] == pytest.approx(1 / 6)
    lead = np.array([120, 495, 550, 920]) / 60  # resolved dossiers only
    assert k["lead_time_working_hours_mean"] == pytest.approx(lead.mean())
    assert k["lead_time_working_hours_p90"] == pytest.approx(np.quantile(lead, 0.9))
    assert k["desk_wait_minutes_mean"] == pytest.approx(20 / 3)
    assert k["inbox_wait_working_hours_mean"] == pytest.approx(0.5)
    assert k["network_delay_minutes_mean"] == pytest.approx((0 + 10 + 400 + 0) / 4)
    assert k["queue_wait_minutes_mean"] == pytest.approx((0 + 300 + 20 + 0) / 4)
    assert k["system_down_working_hours_mean"] == pytest.approx(120 / 7 / 60)
    assert (k["late_queueing"], k["late_network"], k["late_supplements"]) == (1, 1, 0)
    assert k["late_service"] == 2  # dossier 5, and dossier 2 (open, overdue)
    assert k["utilisation_reception"] == pytest.approx(950 / 1900)
    assert k["utilisation_justice"] == pytest.approx(100 / 400)


def test_no_resolved_dossier_gives_undefined_rates(setup: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = setup
    out = make_output(layout)
    for i in range(6):
        out.records.resolved[i] = NAN
    t = rep_tables(out, scn, layout, cal)
    k = t.kpis.iloc[0]
    assert (k["resolved"], k["open"]) == (0, 6)
    assert math.isnan(k["on_time_rate"]) and math.isnan(k["lead_time_working_hours_p90"])
    # no month has a resolution: every month of the horizon, with zeros
    assert t.months["resolved"].sum() == 0
    assert list(t.months.columns) == [
        "rep",
        "month",
        "arrived",
        "resolved",
        "on_time",
        "open",
        "open_overdue",
        "legal_on_time",
        "recorded_on_time",
        "late",
        "on_time_rate",
        "legal_on_time_rate",
        "recorded_on_time_rate",
    ]


def test_pool_utilisation(setup: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = setup
    out = make_output(layout)
    # a fifth pool with half a minute of overtime only, busy a quarter of a minute
    extra = out.pools.iloc[[3]].assign(
        pool="x/economy", kind="economy", overtime_minutes=0.5, busy_minutes=0.25
    )
    out.pools = pd.concat([out.pools, extra], ignore_index=True)
    t = rep_tables(out, scn, layout, cal)
    p = t.pools
    assert list(p.columns[:2]) == ["rep", "pool"] and list(p["rep"]) == [3] * 5
    np.testing.assert_allclose(p["utilisation"], [0.5, 500 / 1000, 0.25, NAN, 0.5])
    assert t.kpis.iloc[0]["utilisation_economy"] == pytest.approx(0.5)


def test_group_tables_are_sorted(setup: tuple[Any, Any, Any]) -> None:
    """Rows follow the order of units and channels, not the order dossiers came in."""
    scn, layout, cal = setup
    out = make_output(layout)
    out.dossiers.receiving[0] = 2
    out.dossiers.channel[0] = POST
    t = rep_tables(out, scn, layout, cal)
    assert list(t.units["code"]) == list(layout.codes)  # every unit, in the units' order
    assert list(t.channels["channel"].astype(str)) == ["in_person", "online", "post"]
    assert list(t.units.columns[:2]) == ["rep", "code"]


def test_a_replication_without_dossiers(setup: tuple[Any, Any, Any]) -> None:
    scn, layout, cal = setup
    out = make_output(layout)
    keep = np.zeros(6, bool)
    out.dossiers = Dossiers(**{k: v[keep] for k, v in vars(out.dossiers).items()})
    out.records = Records.allocate(0)
    t = rep_tables(out, scn, layout, cal)
    k = t.kpis.iloc[0]
    assert (k["arrived"], k["resolved"], k["open"], k["late"]) == (0, 0, 0, 0)
    for name in ("on_time_rate", "online_share", "phi_dia_gioi_share"):
        assert math.isnan(k[name]), name
    assert len(t.units) == 7 and len(t.channels) == 3  # every unit and channel, with zeros
    assert t.units["arrived"].sum() == t.channels["arrived"].sum() == 0
    assert list(t.backlog["open_dossiers"]) == [0] * 5


def test_unit_table(setup: tuple[Any, Any, Any]) -> None:
    codes = setup[1].codes
    u = tables(setup).units.set_index("code")
    assert list(u.index) == codes  # every unit; those without dossiers have zeros
    assert list(u["rep"]) == [3] * 7 and u["arrived"].iloc[3:].sum() == 0
    u = u.iloc[:3]
    cols = ["arrived", "resolved", "on_time", "open", "open_overdue", "late"]
    assert u.loc[codes[0], cols].tolist() == [1, 1, 1, 0, 0, 0]
    assert u.loc[codes[1], cols].tolist() == [3, 2, 0, 1, 1, 2]
    assert u.loc[codes[2], cols].tolist() == [2, 1, 0, 1, 0, 1]
    np.testing.assert_allclose(u["on_time_rate"], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(u["desk_wait_minutes_mean"], [0.0, 10.0, NAN])
    np.testing.assert_allclose(u["online_share"], [0.0, 1 / 3, 1 / 2])
    np.testing.assert_allclose(u["reception_utilisation"], [0.5, 0.5, NAN])
    # per unit, the network delay is averaged over every dossier that has one (open ones too)
    np.testing.assert_allclose(u["network_delay_minutes_mean"], [0.0, 10 / 3, 400.0])
    np.testing.assert_allclose(
        u["lead_time_working_hours_mean"], [2.0, (8.25 + 920 / 60) / 2, 550 / 60]
    )


def test_channel_procedure_and_month_tables(setup: tuple[Any, Any, Any]) -> None:
    t = tables(setup)
    ch = t.channels.set_index("channel")
    assert ch.loc["in_person", ["arrived", "resolved", "on_time", "late"]].tolist() == [3, 2, 1, 1]
    assert ch.loc["online", ["arrived", "resolved", "on_time", "late"]].tolist() == [2, 2, 0, 2]
    assert ch.loc["post", ["arrived", "resolved", "open"]].tolist() == [1, 0, 1]
    np.testing.assert_allclose(ch["on_time_rate"], [0.5, 0.0, NAN])
    pr = t.procedures.set_index("procedure")
    pids = setup[1].procedure_ids
    assert pr.loc[pids[0], ["arrived", "resolved", "on_time"]].tolist() == [3, 3, 1]
    assert pr.loc[pids[1], ["arrived", "resolved", "open_overdue"]].tolist() == [2, 0, 1]
    m = t.months
    assert m["month"].astype(str).tolist() == ["2025-08", "2025-09"]  # months of the horizon
    assert m[["resolved", "on_time", "late"]].iloc[0].tolist() == [4, 1, 3]
    assert m["on_time_rate"].iloc[0] == pytest.approx(0.25)


def test_cause_table(setup: tuple[Any, Any, Any]) -> None:
    c = tables(setup).causes
    got = {(str(a), str(b)): int(n) for a, b, n in c[["late_cause", "status", "dossiers"]].values}
    assert got[("queueing", "resolved")] == 1
    assert got[("network", "resolved")] == 1
    assert got[("service", "resolved")] == 1
    assert got[("service", "open")] == 1
    assert sum(got.values()) == 4  # the late ones: 3 resolved late, 1 open overdue
    # every cause and status appears, with zeros: each cause x 2 statuses
    assert len(c) == 2 * len(CAUSES) and got[("supplements", "open")] == 0


def test_backlog_at_each_close(setup: tuple[Any, Any, Any], frame: pd.DataFrame) -> None:
    cal = setup[2]
    b = backlog_series(frame, cal, T)
    assert list(b["date"]) == [dt.date(2025, 8, 18 + k) for k in range(5)]
    # Mon: 4 arrived, 1 resolved; Tue: 6 and 2; Wed: 6 and 3; Thu, Fri: 6 and 4
    assert list(b["open_dossiers"]) == [3, 4, 3, 2, 2]


def test_backlog_counts_an_arrival_at_closing_time(setup: tuple[Any, Any, Any]) -> None:
    cal = setup[2]
    f = pd.DataFrame(
        {
            "arrived_at": [at(0, 17, 0), at(0, 17, 1)],
            "resolved_at": [at(1, 17, 0), pd.NaT],
        }
    )
    assert list(backlog_series(f, cal, 3 * 450.0)["open_dossiers"]) == [1, 1, 1]


# ----------------------------------------------------------------------------- statistics


def test_t_interval_against_scipy() -> None:
    x = np.array([0.81, 0.84, 0.79, 0.88, NAN])
    m, lo, hi = t_interval(x)
    v = x[~np.isnan(x)]
    ref = stats.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=stats.sem(v))
    assert m == pytest.approx(v.mean())
    assert (lo, hi) == pytest.approx(ref)
    m90, lo90, hi90 = t_interval(x, level=0.90)
    ref90 = stats.t.interval(0.90, len(v) - 1, loc=v.mean(), scale=stats.sem(v))
    assert (lo90, hi90) == pytest.approx(ref90)
    assert lo < lo90 < m90 < hi90 < hi


def test_t_interval_small_samples() -> None:
    m, lo, hi = t_interval([2.0])
    assert m == 2.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in t_interval([]))
    assert all(math.isnan(v) for v in t_interval([NAN, NAN]))
    # two values: mean 3, sd sqrt(2), t(0.975, 1) = 12.706
    m, lo, hi = t_interval([2.0, 4.0])
    assert m == 3.0
    assert hi - m == pytest.approx(12.7062047 * math.sqrt(2) / math.sqrt(2), rel=1e-6)


def test_summarise_by_group() -> None:
    frame = pd.DataFrame(
        {
            "rep": [0, 1, 2, 0, 1, 2],
            "seed": [5] * 6,
            "unit": ["A", "A", "A", "B", "B", "B"],
            "rate": [0.5, 0.7, 0.9, 1.0, NAN, 0.0],
            "label": ["x"] * 6,  # not numeric: skipped
        }
    )
    s = summarise(frame, ["unit"])
    assert list(s.columns) == ["unit", "metric", "mean", "sd", "ci95_low", "ci95_high", "reps"]
    assert s["metric"].tolist() == ["rate", "rate"]
    a, b = s.iloc[0], s.iloc[1]
    assert (a["unit"], a["reps"], b["reps"]) == ("A", 3, 2)
    assert a["mean"] == pytest.approx(0.7) and a["sd"] == pytest.approx(0.2)
    half = stats.t.ppf(0.975, 2) * 0.2 / math.sqrt(3)
    assert (a["ci95_low"], a["ci95_high"]) == pytest.approx((0.7 - half, 0.7 + half))
    assert b["mean"] == pytest.approx(0.5) and b["sd"] == pytest.approx(math.sqrt(0.5))
    one = summarise(frame[frame["rep"] == 0].drop(columns="unit"))
    assert one["metric"].tolist() == ["rate"] and int(one["reps"].iloc[0]) == 2
    # groups come out sorted, and only the groups that occur (even for a categorical key)
    shuffled = frame.iloc[[0, 3, 1, 4, 2, 5]].assign(
        unit=pd.Categorical(["A", "B", "A", "B", "A", "B"], categories=["C", "B", "A"])
    )
    s2 = summarise(shuffled, ["unit"])
    assert s2["unit"].astype(str).tolist() == ["B", "A"]  # the categories' order
    assert s2["mean"].tolist() == pytest.approx([0.5, 0.7])
    s3 = summarise(frame.iloc[[3, 0, 4, 1, 5, 2]], ["unit"])
    assert s3["unit"].tolist() == ["A", "B"]
    lone = summarise(pd.DataFrame({"rep": [0], "x": [4.0]}))
    assert lone["reps"].tolist() == [1] and math.isnan(lone["sd"].iloc[0])
