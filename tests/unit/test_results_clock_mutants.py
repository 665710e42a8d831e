"""The recorded clock in the result tables, on a hand-made replication.

Three dossiers of the quick scenario (working minutes; an office day is 450 minutes,
07:30-11:30 and 13:30-17:00, from Monday 18 August 2025), all due at the close of Monday
(450) or Tuesday (900), with ``recorded_clock`` on: half of the dossiers (those whose
uniform ``closing_u`` is below 0.5) are closed in the one-stop system some working minutes
after the work is done (``sim/clocks.py``), and the headline on-time status is the recorded
one.

== ========= ======== ======= ======== ======= ======= ======== ==============================
 #  channel  arrival  recep.  resolved  lag    closed  deadline outcome (recorded / legal)
== ========= ======== ======= ======== ======= ======= ======== ==============================
 0  in person    0      0-10      30     420     450     450    on time / on time (at 17:00)
 1  online       5    300-310    330     200     530     450    late (closing lag) / on time
 2  online      10    500-510    530      -      530     900    on time / on time; received
                                                                after its 8 working hours
== ========= ======== ======= ======== ======= ======= ======== ==============================
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.demand import Dossiers, MechanismDraws
from sim.model import build_layout, horizon_calendar
from sim.records import Records, RepOutput
from sim.results import dossier_frame, rep_tables

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "validation" / "quick.yaml"
MON = dt.datetime(2025, 8, 18)
NAN = np.nan
STAMPS = {
    "reception_start": [0, 300, 500],
    "reception_end": [10, 310, 510],
    "clock_start": [10, 310, 510],
    "deadline": [450, 450, 900],
    "processing_start": [10, 310, 510],
    "processing_end": [20, 320, 520],
    "approval_start": [20, 320, 520],
    "resolved": [30, 330, 530],
    "wait_queue": [0, 0, 0],
    "wait_network": [0, 0, 0],
    "wait_external": [NAN, NAN, 45],
    "received_by": [0, 0, 0],
}


def at(day: int, hh: int, mm: int) -> pd.Timestamp:
    return pd.Timestamp(MON + dt.timedelta(days=day, hours=hh, minutes=mm))


@pytest.fixture(scope="module")
def setup() -> tuple[Any, Any, Any, RepOutput]:
    from sim.scenario import load_scenario

    scn = load_scenario(QUICK).with_changes(
        {
            "recorded_clock.enabled": True,
            "recorded_clock.closing_lag_probability": 0.5,
            "reception.online_receive_within_working_hours": 8.0,
            "reception.online_clock_start": "reception",
        }
    )
    layout, cal = build_layout(scn), horizon_calendar(scn)
    n = 3
    arrival = np.array([0.0, 5.0, 10.0])
    ds = Dossiers(
        wall_arrival=cal.to_wall(arrival),
        arrival=arrival,
        home=np.zeros(n, np.int16),
        receiving=np.zeros(n, np.int16),
        procedure=np.zeros(n, np.int16),
        channel=np.array([0, 1, 1], np.int8),
        reception_minutes=np.full(n, 10.0),
        processing_minutes=np.full(n, 10.0),
        approval_minutes=np.full(n, 10.0),
        incomplete=np.zeros(n, bool),
        supplement_delay_minutes=np.zeros(n),
        key=np.arange(n, dtype=np.int64),
    )
    rec = Records.allocate(n)
    for name, values in STAMPS.items():
        column = getattr(rec, name)
        for i, v in enumerate(values):
            column[i] = float(v)
    empty = np.empty(0)
    draws = MechanismDraws(
        consultation_u=empty,
        consultation_delay=empty,
        financial_u=empty,
        tax_notice_delay=empty,
        payment_delay=empty,
        printing=empty,
        closing_u=np.array([0.1, 0.2, 0.9]),
        closing_lag_working_minutes=np.array([420.0, 200.0, 300.0]),
        supplement_counted_u=np.ones(n),
        financial_counted_u=np.ones(n),
        sync_u=empty,
        sync_delay=empty,
    )
    pools = pd.DataFrame(
        {
            "pool": ["a"],
            "kind": ["reception"],
            "unit": [layout.codes[0]],
            "host_unit": [layout.codes[0]],
            "staff": [1],
            "officer_minutes": [2250.0],
            "overtime_minutes": [0.0],
            "busy_minutes": [30.0],
            "served": [3],
            "queue_at_end": [0],
        }
    )
    out = RepOutput(7, 1, ds, rec, pools, 2250.0, np.zeros(len(layout.codes)), 0, draws)
    return scn, layout, cal, out


def test_closing_times_and_headline_status(setup: tuple[Any, Any, Any, RepOutput]) -> None:
    scn, layout, cal, out = setup
    f = dossier_frame(out, scn, layout, cal)
    # closed at 450 is Monday 17:00 (a completion), 530 is Tuesday 07:30 + 80 = 08:50
    assert list(f["closed_at"]) == [at(0, 17, 0), at(1, 8, 50), at(1, 8, 50)]
    assert f["closing_lag_minutes"].tolist() == [420.0, 200.0, 0.0]
    assert list(f["legal_on_time"]) == [True, True, True]
    assert list(f["recorded_on_time"]) == [True, False, True]
    assert list(f["on_time"]) == [True, False, True]  # the recorded clock is the headline
    assert list(f["late_cause"].astype(object)) == [np.nan, "closing_lag", np.nan]
    assert list(f["recorded_deadline_at"]) == [at(0, 17, 0), at(0, 17, 0), at(1, 17, 0)]


def test_slow_to_receive_and_external_waits(setup: tuple[Any, Any, Any, RepOutput]) -> None:
    scn, layout, cal, out = setup
    f = dossier_frame(out, scn, layout, cal)
    # in person: not applicable; online received within 8 working hours (480 minutes of
    # the working clock: 310 <= 5 + 480) or not (510 > 10 + 480)
    assert list(f["slow_to_receive"].astype(object)) == [pd.NA, False, True]
    assert f["wait_external_minutes"].tolist() == [0.0, 0.0, 45.0]


def test_replication_rates_of_both_clocks(setup: tuple[Any, Any, Any, RepOutput]) -> None:
    scn, layout, cal, out = setup
    tables = rep_tables(out, scn, layout, cal)
    kpis = tables.kpis.iloc[0]
    assert kpis["legal_on_time_rate"] == 1.0
    assert kpis["recorded_on_time_rate"] == pytest.approx(2 / 3)
    assert kpis["on_time_rate"] == pytest.approx(2 / 3)
    assert kpis["slow_to_receive_share"] == 0.5
    assert kpis["late_closing_lag"] == 1
    assert tables.procedures.columns[0] == "rep"
    assert (tables.procedures["rep"] == 7).all()
