"""The model's dossier path, checked against hand-computed cases.

Each test runs :func:`sim.model.simulate` on a tiny scenario (one or two wards of the former
Quảng Yên town, 5 office days from Monday 18 August 2025, no holidays, no random outages)
with a few dossiers written by hand instead of the random demand: their arrival instants,
channels and service minutes are chosen so that every timestamp of their path can be worked
out on paper (in the comments). The working clock has 450-minute days (07:30-11:30,
13:30-17:00): working minute 0 is Monday 07:30, 30 is 08:00, 240 is 11:30 = 13:30, 450 is
Tuesday 07:30; the horizon ends at 5 x 450 = 2250 (Friday 17:00). A deadline of N working
days for a dossier received on day d is the close of day d + N, i.e. (d + 1 + N) x 450.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

import sim.model as model
from sim.demand import Dossiers
from sim.model import (
    Pool,
    _choose_reception,
    _next_session,
    _working_offset,
    build_layout,
    daily_capacity,
    held_signing_sessions,
    horizon_calendar,
    simulate,
)
from sim.records import RepOutput
from sim.scenario import Scenario, scenario_from_dict

L = 450.0
T_END = 5 * L
IN_PERSON, ONLINE, POST = 0, 1, 2

BASE: dict[str, Any] = {
    "name": "hand",
    "horizon": {"start": "2025-08-18", "end": "2025-08-22"},
    "calendar": {"public_holidays": "none"},
    "units": {"include": ["QN09"]},
    "demand": {"dossiers_per_working_day": {"QN09": 1}, "phi_dia_gioi_share": 0.0},
    "procedures": {
        "p": {
            "share": 1.0,
            "deadline_working_days": 2,
            "handled_by": "receiving_unit",
            "role": "justice",
            "channels": {"in_person": 1.0},
            "reception_minutes": {"dist": "deterministic", "value": 10},
            "processing_minutes": {"dist": "deterministic", "value": 30},
            "approval_minutes": {"dist": "deterministic", "value": 5},
        }
    },
    "staffing": {"by_unit_type": {"phường": {"reception": 1, "justice": 1, "leader": 1}}},
    "network": {
        "outages": {"system": {"mtbf_hours": None}, "links": {"mtbf_hours": None}},
        "degradations": [],
    },
    "run": {"reps": 1, "seed": 1},
}


def scenario(**changes: Any) -> Scenario:
    """The base scenario with dotted-path changes (``a__b`` stands for ``a.b``)."""
    raw = copy.deepcopy(BASE)
    scn = scenario_from_dict(raw, "<hand>")
    if changes:
        scn = scn.with_changes({k.replace("__", "."): v for k, v in changes.items()})
    return scn


def dossier(
    arrival: float,
    *,
    channel: int = IN_PERSON,
    procedure: int = 0,
    home: int = 0,
    receiving: int = 0,
    reception: float = 10.0,
    processing: float = 30.0,
    approval: float = 5.0,
    incomplete: bool = False,
    supplement_delay: float = 0.0,
    inherited_due: float = np.nan,
) -> dict[str, Any]:
    return {
        "arrival": arrival,
        "channel": channel,
        "procedure": procedure,
        "home": home,
        "receiving": receiving,
        "reception_minutes": reception,
        "processing_minutes": processing,
        "approval_minutes": approval,
        "incomplete": incomplete,
        "supplement_delay_minutes": supplement_delay,
        "inherited_due": inherited_due,
    }


def run(
    scn: Scenario, rows: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> tuple[RepOutput, dict[str, np.ndarray]]:
    """Simulate ``scn`` with exactly the dossiers ``rows`` (arrival in working minutes)."""
    cal = horizon_calendar(scn)

    def generate(_scn: Any, _cal: Any, _frame: Any, _seed: int, _rep: int, _down: Any) -> Dossiers:
        col = {k: np.array([r[k] for r in rows]) for k in rows[0]}
        arrival = col["arrival"].astype(np.float64)
        return Dossiers(
            wall_arrival=cal.to_wall(arrival),
            arrival=arrival,
            home=col["home"].astype(np.int16),
            receiving=col["receiving"].astype(np.int16),
            procedure=col["procedure"].astype(np.int16),
            channel=col["channel"].astype(np.int8),
            reception_minutes=col["reception_minutes"].astype(np.float64),
            processing_minutes=col["processing_minutes"].astype(np.float64),
            approval_minutes=col["approval_minutes"].astype(np.float64),
            incomplete=col["incomplete"].astype(bool),
            supplement_delay_minutes=col["supplement_delay_minutes"].astype(np.float64),
            key=np.arange(len(rows), dtype=np.int64),
            inherited_due=col["inherited_due"].astype(np.float64),
        )

    monkeypatch.setattr(model, "generate", generate)
    out = simulate(scn, 0, 1, build_layout(scn), cal)
    return out, out.records.arrays()


def pool(out: RepOutput, kind: str, unit: str = "QN09") -> Any:
    frame = out.pools
    row = frame[(frame["kind"] == kind) & ((frame["unit"] == unit) | (frame["unit"] == ""))]
    assert len(row) == 1, (kind, unit)
    return row.iloc[0]


# ----------------------------------------------------------------------------- one dossier


def test_single_dossier_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # arrives Monday 08:30 (working minute 60) at an idle desk: reception 60-70, processing
    # 70-100, approval 100-105; received on day 0 with N = 2: due at the close of Wednesday
    out, r = run(scenario(), [dossier(60.0)], monkeypatch)
    assert out.horizon_end == T_END
    expected = {
        "reception_start": 60.0,
        "reception_end": 70.0,
        "clock_start": 70.0,
        "deadline": 3 * L,
        "processing_start": 70.0,
        "processing_end": 100.0,
        "approval_start": 100.0,
        "resolved": 105.0,
        "wait_queue": 0.0,
        "wait_network": 0.0,
        "received_by": 0.0,
    }
    for col, value in expected.items():
        assert r[col][0] == pytest.approx(value), col
    for col in ("supplement_request", "supplement_return", "recheck_end", "wait_supplement"):
        assert np.isnan(r[col][0]), col
    for kind, minutes in (("reception", 10.0), ("justice", 30.0), ("leader", 5.0)):
        row = pool(out, kind)
        assert row["served"] == 1, kind
        assert row["busy_minutes"] == pytest.approx(minutes), kind
        assert row["queue_at_end"] == 0, kind
        assert row["officer_minutes"] == pytest.approx(5 * L), kind  # one officer, 5 days
        assert row["overtime_minutes"] == 0.0, kind
        assert row["staff"] == 1, kind


def test_procedure_without_processing_or_approval(monkeypatch: pytest.MonkeyPatch) -> None:
    # a procedure resolved at the desk: no processing pool, no approval pool
    scn = scenario(
        procedures__p__processing_minutes=None,
        procedures__p__approval_minutes=None,
        procedures__p__role=None,
        staffing__by_unit_type={"phường": {"reception": 1}},
    )
    _out, r = run(scn, [dossier(60.0)], monkeypatch)
    assert r["resolved"][0] == 70.0
    assert np.isnan(r["processing_start"][0]) and np.isnan(r["approval_start"][0])


def test_deadline_counts_from_the_day_of_reception(monkeypatch: pytest.MonkeyPatch) -> None:
    # received Tuesday 16:55 (working 895): day 1, N = 2 -> close of Thursday (4 x 450);
    # a reception ending exactly at Tuesday's close (900) still counts for Tuesday
    _out, r = run(scenario(), [dossier(885.0), dossier(890.0)], monkeypatch)
    assert r["reception_end"].tolist() == [895.0, 905.0]  # the second waits 5 minutes
    assert r["deadline"].tolist() == [4 * L, 5 * L]  # 905 is Wednesday 07:35
    # the second also waits for processing: the first is processed 895-925
    assert r["wait_queue"].tolist() == [0.0, 5.0 + 20.0]
    _out, r = run(scenario(), [dossier(890.0)], monkeypatch)
    assert r["reception_end"][0] == 900.0 and r["deadline"][0] == 4 * L


# ----------------------------------------------------------------------------- queues


def test_fifo_queue_at_one_officer(monkeypatch: pytest.MonkeyPatch) -> None:
    # three dossiers at 0, 1, 2 at one desk officer: receptions 0-10, 10-20, 20-30, queue
    # waits 0, 9, 18; processing 10-40, 40-70, 70-100 (waits 0, 20, 40); approvals 40-45,
    # 70-75, 100-105
    out, r = run(scenario(), [dossier(0.0), dossier(1.0), dossier(2.0)], monkeypatch)
    assert r["reception_start"].tolist() == [0.0, 10.0, 20.0]
    assert r["processing_start"].tolist() == [10.0, 40.0, 70.0]
    assert r["approval_start"].tolist() == [40.0, 70.0, 100.0]
    assert r["resolved"].tolist() == [45.0, 75.0, 105.0]
    assert r["wait_queue"].tolist() == [0.0, 9.0 + 20.0, 18.0 + 40.0]
    assert pool(out, "reception")["served"] == 3
    assert pool(out, "justice")["busy_minutes"] == 90.0


def test_two_officers_serve_in_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    # two desk officers: the first two start at once, the third when the first is free
    scn = scenario(staffing__by_unit_type={"phường": {"reception": 2, "justice": 3, "leader": 3}})
    rows = [dossier(0.0), dossier(0.0), dossier(0.0), dossier(100.0), dossier(100.0)]
    out, r = run(scn, rows, monkeypatch)
    assert r["reception_start"].tolist() == [0.0, 0.0, 10.0, 100.0, 100.0]
    assert r["processing_start"][:3].tolist() == [10.0, 10.0, 20.0]
    assert r["resolved"][:3].tolist() == [45.0, 45.0, 55.0]
    assert r["wait_queue"][:3].tolist() == [0.0, 0.0, 10.0]
    # both officers are idle again by 20: the two at 100 are served at once
    assert pool(out, "reception")["staff"] == 2
    assert pool(out, "reception")["officer_minutes"] == 2 * 5 * L


@pytest.mark.parametrize(
    ("discipline", "order"),
    [("in_person_first", [0.0, 20.0, 10.0]), ("fifo", [0.0, 10.0, 20.0])],
)
def test_in_person_before_the_online_inbox(
    monkeypatch: pytest.MonkeyPatch, discipline: str, order: list[float]
) -> None:
    # an online dossier at 0 takes the officer; another online one at 1 and an in-person
    # one at 2 wait: in-person-first serves the applicant at the desk before the inbox
    rows = [dossier(0.0, channel=ONLINE), dossier(1.0, channel=ONLINE), dossier(2.0)]
    _out, r = run(scenario(reception__discipline=discipline), rows, monkeypatch)
    assert r["reception_start"].tolist() == order


def test_post_counts_as_online_for_the_inbox(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [dossier(0.0, channel=POST), dossier(1.0, channel=POST), dossier(2.0)]
    _out, r = run(scenario(), rows, monkeypatch)
    assert r["reception_start"].tolist() == [0.0, 20.0, 10.0]


def test_service_running_past_the_horizon(monkeypatch: pytest.MonkeyPatch) -> None:
    # reception of 200 minutes starting 100 minutes before the end: busy 100 minutes within
    # the horizon, not resolved, and the officer's day is over (nobody queued)
    rows = [dossier(T_END - 100.0, reception=200.0)]
    out, r = run(scenario(), rows, monkeypatch)
    assert pool(out, "reception")["busy_minutes"] == 100.0
    assert np.isnan(r["reception_end"][0]) and np.isnan(r["resolved"][0])
    # a step's columns (its start too) are written when it ends
    assert np.isnan(r["reception_start"][0])


def test_dossier_left_in_the_line_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [dossier(T_END - 5.0), dossier(T_END - 4.0), dossier(T_END - 3.0)]
    out, r = run(scenario(), rows, monkeypatch)
    # the first reception (T-5 to T+5) does not end within the horizon; the two others
    # are still in the line when it ends
    row = pool(out, "reception")
    assert row["queue_at_end"] == 2 and row["served"] == 1 and row["busy_minutes"] == 5.0
    assert np.isnan(r["reception_end"]).all()


# ----------------------------------------------------------------------------- supplements

# first check 0-10 (Monday 07:40), the applicant comes back 1 day 2 hours later in wall
# time: Tuesday 09:40 = working 450 + 130 = 580; the re-check takes half the desk time,
# 580-585; processing 585-615, approval 615-620. The original deadline (received day 0,
# N = 2) is 1350; the applicant took 580 - 10 = 570 working minutes.
SUPPLEMENT = 1440.0 + 120.0


@pytest.mark.parametrize(
    ("rule", "clock_start", "due"),
    [("restart", 585.0, 4 * L), ("pause", 10.0, 1350.0 + 570.0), ("keep", 10.0, 1350.0)],
)
def test_supplement_clock_rules(
    monkeypatch: pytest.MonkeyPatch, rule: str, clock_start: float, due: float
) -> None:
    rows = [dossier(0.0, incomplete=True, supplement_delay=SUPPLEMENT)]
    out, r = run(scenario(supplements__clock_rule=rule), rows, monkeypatch)
    assert r["supplement_request"][0] == 10.0
    assert r["supplement_return"][0] == 580.0
    assert r["recheck_end"][0] == 585.0
    assert r["wait_supplement"][0] == 570.0
    assert r["processing_start"][0] == 585.0
    assert r["resolved"][0] == 620.0
    assert r["clock_start"][0] == clock_start
    assert r["deadline"][0] == due
    assert r["wait_queue"][0] == 0.0
    assert pool(out, "reception")["served"] == 2
    assert pool(out, "reception")["busy_minutes"] == 15.0


def test_supplement_returned_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # a zero delay: the re-check follows the first check at once (10-15)
    rows = [dossier(0.0, incomplete=True, supplement_delay=0.0)]
    _out, r = run(scenario(supplements__recheck_factor=0.3), rows, monkeypatch)
    assert r["supplement_return"][0] == 10.0
    assert r["recheck_end"][0] == 13.0
    assert r["resolved"][0] == 13.0 + 35.0


def test_recheck_waits_in_the_desk_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # the applicant comes back at 580 while the desk serves a 100-minute dossier (570-670):
    # the re-check waits 90 minutes (670-675), added to the queue wait of the first check
    # (0); then processing waits 25 minutes for the other dossier's (670-700)
    rows = [
        dossier(0.0, incomplete=True, supplement_delay=SUPPLEMENT),
        dossier(570.0, reception=100.0),
    ]
    _out, r = run(scenario(), rows, monkeypatch)
    assert r["recheck_end"][0] == 675.0
    assert r["wait_queue"][0] == 90.0 + 25.0


def test_online_supplement_comes_back_to_the_pool_that_received_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pooled online reception: QN09's desk is busy (0-100), so the online dossier of QN09
    # is checked at QN10 (1-11); its re-check also goes to QN10, while an in-person
    # applicant of QN09 comes back to QN09's desk
    scn = pooled()
    rows = [
        dossier(0.0, reception=100.0),
        dossier(1.0, channel=ONLINE, incomplete=True, supplement_delay=SUPPLEMENT),
    ]
    out, r = run(scn, rows, monkeypatch)
    assert r["received_by"].tolist() == [0.0, 1.0]
    assert pool(out, "reception", "QN10")["served"] == 2
    assert pool(out, "reception", "QN09")["served"] == 1


# ----------------------------------------------------------------------------- online clock


def test_online_clock_starts_when_the_receive_limit_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an in-person dossier holds the desk 0-445; an online one submitted at 0 is checked
    # 445-455 (Tuesday 07:35). Its clock starts at the latest 4 working hours after
    # submission (240, Monday): due at the close of Wednesday (1350), not Thursday (1800)
    rows = [dossier(0.0, reception=445.0), dossier(0.0, channel=ONLINE)]
    changes = {"reception__online_receive_within_working_hours": 4.0}
    late = "earlier_of_reception_and_limit"
    _out, r = run(scenario(**changes, reception__online_clock_start=late), rows, monkeypatch)
    assert r["reception_end"].tolist() == [445.0, 455.0]
    assert r["clock_start"].tolist() == [445.0, 240.0]
    assert r["deadline"].tolist() == [3 * L, 3 * L]
    _out, r = run(scenario(**changes, reception__online_clock_start="reception"), rows, monkeypatch)
    assert r["clock_start"].tolist() == [445.0, 455.0]
    assert r["deadline"].tolist() == [3 * L, 4 * L]
    # an online dossier checked within the limit: its clock starts at the check (0-10)
    online = [dossier(0.0, channel=ONLINE)]
    _out, r = run(scenario(**changes, reception__online_clock_start=late), online, monkeypatch)
    assert r["clock_start"][0] == 10.0
    # an in-person dossier's clock starts at its reception whatever the rule
    rows = [dossier(0.0, reception=445.0), dossier(0.0)]
    _out, r = run(scenario(**changes, reception__online_clock_start=late), rows, monkeypatch)
    assert r["clock_start"].tolist() == [445.0, 455.0]


# ----------------------------------------------------------------------------- pooling


def pooled(mode: str = "former_district") -> Scenario:
    return scenario(
        units__include=["QN09", "QN10"],
        demand__dossiers_per_working_day={"QN09": 1, "QN10": 1},
        pooling__online_reception=mode,
    )


@pytest.mark.parametrize("mode", ["former_district", "province"])
def test_online_dossier_goes_to_the_idle_desk_of_the_group(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    # QN09's desk is busy 0-100 with an in-person applicant; an online dossier of QN09 at 1
    # is checked at once by QN10's idle desk (1-11); an in-person one at 2 waits at QN09
    rows = [dossier(0.0, reception=100.0), dossier(1.0, channel=ONLINE), dossier(2.0)]
    _out, r = run(pooled(mode), rows, monkeypatch)
    assert r["received_by"].tolist() == [0.0, 1.0, 0.0]
    assert r["reception_start"].tolist() == [0.0, 1.0, 100.0]


def test_without_pooling_the_online_dossier_waits_at_home(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [dossier(0.0, reception=100.0), dossier(1.0, channel=ONLINE)]
    _out, r = run(pooled("none"), rows, monkeypatch)
    assert r["received_by"].tolist() == [0.0, 0.0]
    assert r["reception_start"].tolist() == [0.0, 100.0]


def test_choose_reception_prefers_most_idle_net_of_lines() -> None:
    a, b, c = (Pool(n, "reception", k, k, 2) for k, n in enumerate("abc"))
    for p in (a, b, c):
        p.set_capacity(2)
    assert _choose_reception([a, b, c]) is a  # all equal: the first (its own) wins
    a.free = 0
    assert _choose_reception([a, b, c]) is b
    b.low.append(object())  # type: ignore[arg-type]
    assert _choose_reception([a, b, c]) is c  # c has 2 idle, b 2 - 1 waiting
    c.free = -1
    assert _choose_reception([a, b, c]) is b  # scores 0, 1, -1
    b.high.append(object())  # type: ignore[arg-type]
    assert _choose_reception([a, b, c]) is a  # scores 0, 0, -1: the first of the best


# ----------------------------------------------------------------------------- network

# one system interaction takes response / (1 - rho_system) + megabits / (link x (1 - rho_link))
# seconds (sim/network.py), rho_system = busy officers / sessions, rho_link = (background +
# busy officers at the unit x per-officer load) / link, both at most max_utilisation.
NET = {
    "network__system_response_seconds": 6.0,
    "network__mb_per_interaction": 1.5,  # 12 megabits
    "network__link_mbps": 8.0,
    "network__background_mbps": 2.0,
    "network__mbps_per_active_officer": 2.0,
    "network__system_capacity_sessions": 2.0,
    "network__max_utilisation": 0.9,
    "procedures__p__system_interactions": {"reception": 4},
}
QUIET_NET = {  # interactions that take no time: only outages matter
    **NET,
    "network__system_response_seconds": 0.0,
    "network__mb_per_interaction": 0.0,
    "procedures__p__system_interactions": {"reception": 1},
}


def test_interaction_time_with_one_busy_officer(monkeypatch: pytest.MonkeyPatch) -> None:
    # one officer busy: rho_system = 1/2, rho_link = (2 + 2) / 8 = 1/2; an interaction
    # takes 6/0.5 + 12/(8 x 0.5) = 15 s; four take 1 minute on top of the 10 desk minutes
    out, r = run(scenario(**NET), [dossier(0.0)], monkeypatch)
    assert r["reception_end"][0] == pytest.approx(11.0)
    assert r["wait_network"][0] == pytest.approx(1.0)
    assert r["processing_start"][0] == pytest.approx(11.0)  # no interactions there
    assert pool(out, "reception")["busy_minutes"] == pytest.approx(11.0)


def test_interactions_at_every_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    # 4 interactions at the desk, 2 in processing, 1 in approval, each with one officer
    # busy (the previous stage's is released first): 15 s each, 1.75 minutes in all;
    # check 0-11, processing 11-41.5, approval 41.5-46.75
    inter = {"reception": 4, "processing": 2, "approval": 1}
    scn = scenario(**{**NET, "procedures__p__system_interactions": inter})
    _out, r = run(scn, [dossier(0.0)], monkeypatch)
    assert r["processing_start"][0] == pytest.approx(11.0)
    assert r["approval_start"][0] == pytest.approx(41.5)
    assert r["resolved"][0] == pytest.approx(46.75)
    assert r["wait_network"][0] == pytest.approx(1.75)


def test_interaction_time_grows_with_the_officers_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    # two desk officers, 4 sessions: the first to start sees 1 busy officer (rho_system
    # 1/4, rho_link 4/8): 6/0.75 + 12/4 = 11 s; the second sees 2 (rho 1/2 and 6/8):
    # 12 + 12/2 = 18 s. After both are done a third again sees only itself: 11 s.
    scn = scenario(
        **{**NET, "network__system_capacity_sessions": 4.0},
        staffing__by_unit_type={"phường": {"reception": 2, "justice": 2, "leader": 2}},
    )
    _out, r = run(scn, [dossier(0.0), dossier(0.0), dossier(100.0)], monkeypatch)
    assert r["wait_network"] == pytest.approx([44 / 60, 72 / 60, 44 / 60])


def test_interaction_time_at_the_utilisation_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0.5 sessions and 6.4 Mbit/s of background: both loads exceed 0.9 and are capped:
    # 6/0.1 + 12/(8 x 0.1) = 75 s an interaction, 5 minutes for four
    changes = {**NET, "network__system_capacity_sessions": 0.5, "network__background_mbps": 6.4}
    _out, r = run(scenario(**changes), [dossier(0.0)], monkeypatch)
    assert r["wait_network"][0] == pytest.approx(5.0)


def test_interaction_time_during_a_degradation(monkeypatch: pytest.MonkeyPatch) -> None:
    # response x 3 from Monday 07:30 to 08:30 (working 0-60): 18/0.5 + 3 = 39 s, four
    # interactions 2.6 minutes; a dossier starting at 60 is outside it (15 s each)
    window = {"start": "2025-08-18T07:30:00", "end": "2025-08-18T08:30:00", "response_factor": 3}
    changes = {**NET, "network__degradations": [window]}
    _out, r = run(scenario(**changes), [dossier(0.0), dossier(60.0)], monkeypatch)
    assert r["wait_network"] == pytest.approx([2.6, 1.0])
    # a degradation of another procedure's system does not slow this one
    window["procedures"] = ["q"]
    q = copy.deepcopy(BASE["procedures"]["p"]) | {"share": 0.0}
    changes = {**changes, "network__degradations": [window], "procedures__q": q}
    _out, r = run(scenario(**changes), [dossier(0.0)], monkeypatch)
    assert r["wait_network"][0] == pytest.approx(1.0)


LINK_DOWN = {"start": "2025-08-18T08:00:00", "end": "2025-08-18T08:30:00", "unit": "QN09"}


def test_service_stops_while_the_link_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    # QN09's link is down 08:00-08:30 (working 30-60). A 40-minute check from 0 works 0-30,
    # stops, and ends at 70 (30 minutes of network delay). A second applicant at 1 is
    # served 70-110: of its 69 minutes of waiting, 30 were while the system was down
    changes = {**QUIET_NET, "network__outages__windows": [LINK_DOWN]}
    rows = [dossier(0.0, reception=40.0), dossier(1.0, reception=40.0)]
    _out, r = run(scenario(**changes), rows, monkeypatch)
    assert r["reception_end"].tolist() == [70.0, 110.0]
    assert r["wait_network"].tolist() == [30.0, 30.0]
    # queue waits: reception 0 and 39; processing 70-100 and 110-140 (no wait)
    assert r["wait_queue"].tolist() == [0.0, 39.0]
    # a stage without system interactions does not depend on the link
    rows = [dossier(0.0, reception=40.0)]
    _out, r = run(
        scenario(**{**changes, "procedures__p__system_interactions": {}}), rows, monkeypatch
    )
    assert r["reception_end"][0] == 40.0 and r["wait_network"][0] == 0.0


def test_service_starting_after_the_outage_is_not_delayed(monkeypatch: pytest.MonkeyPatch) -> None:
    # a check 60-100 starts when the link is back: no delay; one 20-30 ends just as the
    # link goes down (work that ends at the start of an outage is complete)
    changes = {**QUIET_NET, "network__outages__windows": [LINK_DOWN]}
    _out, r = run(scenario(**changes), [dossier(20.0), dossier(60.0, reception=40.0)], monkeypatch)
    assert r["reception_end"].tolist() == [30.0, 100.0]
    assert r["wait_network"].tolist() == [0.0, 0.0]


def test_paper_desk_serves_in_person_during_an_outage(monkeypatch: pytest.MonkeyPatch) -> None:
    # with paper at the desk the in-person check goes on (0-40); an online one does not
    changes = {
        **QUIET_NET,
        "network__outages__windows": [LINK_DOWN],
        "reception__in_person_when_system_down": "paper",
    }
    _out, r = run(scenario(**changes), [dossier(0.0, reception=40.0)], monkeypatch)
    assert r["reception_end"][0] == 40.0 and r["wait_network"][0] == 0.0
    rows = [dossier(0.0, channel=ONLINE, reception=40.0)]
    _out, r = run(scenario(**changes), rows, monkeypatch)
    assert r["reception_end"][0] == 70.0 and r["wait_network"][0] == 30.0


# ----------------------------------------------------------------------------- transfer


def two_units(**changes: Any) -> Scenario:
    base = {
        "units__include": ["QN09", "QN10"],
        "demand__dossiers_per_working_day": {"QN09": 1, "QN10": 1},
        "procedures__p__handled_by": "home_unit",
    }
    return scenario(**{**base, **changes})


def test_dossier_is_processed_and_signed_by_its_home_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    # submitted at QN09 by a resident of QN10: checked at QN09, processed and approved at QN10
    out, r = run(two_units(), [dossier(0.0, home=1, receiving=0)], monkeypatch)
    assert r["resolved"][0] == 45.0
    assert pool(out, "reception", "QN09")["served"] == 1
    assert pool(out, "justice", "QN10")["served"] == 1
    assert pool(out, "leader", "QN10")["served"] == 1
    assert pool(out, "justice", "QN09")["served"] == 0
    # handled by the receiving unit instead: all at QN09
    scn = two_units(procedures__p__handled_by="receiving_unit")
    out, r = run(scn, [dossier(0.0, home=1, receiving=0)], monkeypatch)
    assert pool(out, "justice", "QN09")["served"] == 1
    assert pool(out, "leader", "QN09")["served"] == 1


def test_transfer_waits_for_the_home_units_link(monkeypatch: pytest.MonkeyPatch) -> None:
    # QN10's link is down 08:00-09:00 (working 30-90); the dossier is received at QN09 at
    # 40 and reaches QN10 at 90 (50 minutes of network delay); processing 90-120,
    # approval 120-125
    down = {"start": "2025-08-18T08:00:00", "end": "2025-08-18T09:00:00", "unit": "QN10"}
    scn = two_units(**{"network__outages__windows": [down]})
    _out, r = run(scn, [dossier(30.0, home=1, receiving=0)], monkeypatch)
    assert r["reception_end"][0] == 40.0
    assert r["processing_start"][0] == 90.0
    assert r["wait_network"][0] == 50.0
    assert r["resolved"][0] == 125.0


def test_transfer_interactions_take_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # two transfer interactions; the desk officer is released before the transfer, so no
    # officer is busy: rho_system 0, rho_link 2/8, 6 + 12/6 = 8 s each
    changes = {**NET, "procedures__p__system_interactions": {"transfer": 2}}
    _out, r = run(two_units(**changes), [dossier(0.0, home=1, receiving=0)], monkeypatch)
    assert r["wait_network"][0] == pytest.approx(16 / 60)
    assert r["processing_start"][0] == pytest.approx(10 + 16 / 60)


# ----------------------------------------------------------------------------- signing

# signing sessions at 10:30 and 16:00 are 180 and 240 + 150 = 390 working minutes into a day
SIGNING = {
    "signing__enabled": True,
    "signing__procedures": ["p"],
    "signing__session_times": ["16:00", "10:30"],
}


def test_working_offset_and_next_session() -> None:
    sessions = ((450, 690), (810, 1020))
    assert _working_offset(sessions, 10 * 60 + 30) == 180.0
    assert _working_offset(sessions, 16 * 60) == 390.0
    assert _working_offset(sessions, 12 * 60) == 240.0  # lunch: the morning is over
    assert _working_offset(sessions, 7 * 60) == 0.0
    assert _working_offset(sessions, 18 * 60) == 450.0
    offsets = [180.0, 390.0]
    assert _next_session(100.0, L, offsets) == 180.0
    assert _next_session(180.0, L, offsets) == 180.0  # at the session: signed in it
    assert _next_session(200.0, L, offsets) == 390.0
    assert _next_session(400.0, L, offsets) == L + 180.0  # the next morning's
    assert _next_session(L + 390.0, L, offsets) == L + 390.0


def test_approval_waits_for_the_signing_session(monkeypatch: pytest.MonkeyPatch) -> None:
    # processing ends at 40: the leader signs in the 10:30 session (180-185), not at once
    out, r = run(scenario(**SIGNING), [dossier(0.0)], monkeypatch)
    assert r["wait_signing"][0] == 140.0
    assert r["approval_start"][0] == 180.0
    assert r["resolved"][0] == 185.0
    assert pool(out, "signing")["served"] == 1
    # a dossier processed after 16:00 waits for the next morning's session
    out, r = run(scenario(**SIGNING), [dossier(380.0)], monkeypatch)
    assert r["resolved"][0] == L + 185.0
    # not in the signing list: the leader approves at once
    scn = scenario(**{**SIGNING, "signing__procedures": ["q"], "procedures__q": Q})
    out, r = run(scn, [dossier(0.0)], monkeypatch)
    assert r["resolved"][0] == 45.0 and np.isnan(r["wait_signing"][0])


def test_delegated_signing_is_done_by_the_processing_officers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changes = {**SIGNING, "signing__delegation": True, "signing__delegable": ["p"]}
    out, r = run(scenario(**changes), [dossier(0.0)], monkeypatch)
    assert r["resolved"][0] == 45.0 and np.isnan(r["wait_signing"][0])
    assert pool(out, "justice")["served"] == 2  # processing and signing
    assert pool(out, "justice")["busy_minutes"] == 35.0
    # delegable but delegation switched off: the leader signs in the session
    changes["signing__delegation"] = False
    out, r = run(scenario(**changes), [dossier(0.0)], monkeypatch)
    assert r["resolved"][0] == 185.0 and pool(out, "justice")["served"] == 1


Q = copy.deepcopy(BASE["procedures"]["p"]) | {"share": 0.0}


# ----------------------------------------------------------------------------- land route


def land(**changes: Any) -> Scenario:
    day = {"dist": "deterministic", "value": 1.0}
    base = {
        "agencies": {"land": {"min_staff": 1}},
        "procedures__p__handled_by": "agency",
        "procedures__p__agency": "land",
        "procedures__p__role": None,
        "procedures__p__approval_minutes": None,
        "staffing__by_unit_type": {"phường": {"reception": 1}},
        "land_route__enabled": True,
        "land_route__procedures": ["p"],
        "land_route__consultation_probability": 1.0,
        "land_route__consultation_delay_days": day,
        "land_route__financial_obligation_probability": {"p": 1.0},
        "land_route__tax_notice_delay_days": day,
        "land_route__payment_delay_days": day,
        "land_route__printing_minutes": {"dist": "deterministic", "value": 15.0},
    }
    return scenario(**{**base, **changes})


def test_land_route_in_calendar_days(monkeypatch: pytest.MonkeyPatch) -> None:
    # the land branch checks 10-40 (Monday 08:10). Consultation: 1 calendar day, Tuesday
    # 08:10 = 490 (450 minutes external wait); tax notice Wednesday 08:10 = 940, payment
    # Thursday 08:10 = 1390 (900 minutes, not counted: the deadline 1350 moves to 2250);
    # the branch prints and signs 1390-1405 (no leader approval for agency procedures)
    out, r = run(land(), [dossier(0.0)], monkeypatch)
    assert r["wait_external"][0] == 450.0
    assert r["wait_financial"][0] == 900.0
    assert r["deadline"][0] == 1350.0 + 900.0
    assert r["processing_end"][0] == 40.0
    assert r["resolved"][0] == 1405.0
    assert pool(out, "land")["served"] == 2
    assert pool(out, "land")["busy_minutes"] == 45.0
    assert pool(out, "land")["host_unit"] == "QN09"  # the only unit of its district here


def test_land_route_branch_factor_and_probabilities(monkeypatch: pytest.MonkeyPatch) -> None:
    # the Quảng Yên branch doubles the consultation delay: Wednesday 08:10 = 940
    branch = {"TX Quảng Yên": {"consultation_delay_factor": 2.0}}
    scn = land(land_route__branches=branch, land_route__financial_obligation_probability={})
    _out, r = run(scn, [dossier(0.0)], monkeypatch)
    assert r["wait_external"][0] == 900.0 and np.isnan(r["wait_financial"][0])
    assert r["deadline"][0] == 1350.0
    assert r["resolved"][0] == 940.0 + 15.0
    # neither step: printed at once after the check (40-55)
    scn = land(
        land_route__consultation_probability=0.0, land_route__financial_obligation_probability={}
    )
    _out, r = run(scn, [dossier(0.0)], monkeypatch)
    assert np.isnan(r["wait_external"][0]) and r["resolved"][0] == 55.0
    # the branch's own probability overrides the province's
    branch = {"TX Quảng Yên": {"consultation_probability": 0.0}}
    _out, r = run(land(land_route__branches=branch), [dossier(0.0)], monkeypatch)
    assert np.isnan(r["wait_external"][0]) and r["wait_financial"][0] == 900.0


# ----------------------------------------------------------------------------- backlog


def test_inherited_dossier_starts_in_processing(monkeypatch: pytest.MonkeyPatch) -> None:
    # an inherited dossier (due at 700) is processed 0-30 and approved 30-35; a new one
    # arriving at 0 is checked 0-10 and waits for processing until 30 (30-60, 60-65)
    rows = [dossier(0.0, inherited_due=700.0), dossier(0.0)]
    out, r = run(scenario(), rows, monkeypatch)
    assert r["deadline"].tolist() == [700.0, 3 * L]
    assert r["reception_end"].tolist() == [0.0, 10.0]
    assert r["clock_start"].tolist() == [0.0, 10.0]
    assert r["processing_start"].tolist() == [0.0, 30.0]
    assert r["resolved"].tolist() == [35.0, 65.0]
    assert r["wait_queue"].tolist() == [0.0, 20.0]
    assert pool(out, "reception")["served"] == 1


# ----------------------------------------------------------------------------- officers


def test_officers_absent_for_a_day(monkeypatch: pytest.MonkeyPatch) -> None:
    # nobody at the desk on Tuesday: a dossier arriving Tuesday 08:00 (480) is checked on
    # Wednesday at opening (900-910)
    def caps(specs: Any, _scn: Any, n_days: int, _seed: int, _rep: int) -> list[np.ndarray]:
        out = [np.full(n_days, s[4], dtype=np.int64) for s in specs]
        out[0][1] = 0  # the reception pool is the first
        return out

    monkeypatch.setattr(model, "daily_capacity", caps)
    out, r = run(scenario(), [dossier(480.0)], monkeypatch)
    assert r["reception_start"][0] == 900.0
    assert r["wait_queue"][0] == 420.0
    assert pool(out, "reception")["officer_minutes"] == 4 * L


def test_officers_absent_on_the_second_of_two_days(monkeypatch: pytest.MonkeyPatch) -> None:
    # a two-day horizon (Monday, Tuesday) without a desk officer on Tuesday: a dossier
    # arriving Tuesday 08:00 is never checked and is in the line at the end
    def caps(specs: Any, _scn: Any, n_days: int, _seed: int, _rep: int) -> list[np.ndarray]:
        out = [np.full(n_days, s[4], dtype=np.int64) for s in specs]
        out[0][1] = 0
        return out

    monkeypatch.setattr(model, "daily_capacity", caps)
    scn = scenario(horizon__end="2025-08-19")
    out, r = run(scn, [dossier(480.0)], monkeypatch)
    assert out.horizon_end == 2 * L
    assert np.isnan(r["reception_end"][0])
    assert pool(out, "reception")["queue_at_end"] == 1


def test_pool_overtime_when_fewer_officers_than_busy() -> None:
    p = Pool("x", "reception", 0, 0, 2)
    p.set_capacity(2)
    p.free -= 2  # both busy
    p.set_capacity(0, 100.0)  # the day ends at 100 with both still busy
    assert p.free == -2 and p.overtime_minutes == 0.0
    p.set_capacity(1, 200.0)  # 2 x 100 minutes of overtime until the next day at 200
    assert p.free == -1 and p.overtime_minutes == 200.0
    p.settle(260.0)  # one more officer x 60 minutes
    assert p.overtime_minutes == 260.0
    p.free = 0
    p.settle(300.0)
    assert p.overtime_minutes == 260.0 and p.since == 300.0


def test_overtime_of_a_service_past_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    # the only desk officer is absent on Tuesday; a 500-minute check from Monday 400 runs
    # until 900 (Wednesday 07:30): 450 minutes of it are overtime (Tuesday)
    def caps(specs: Any, _scn: Any, n_days: int, _seed: int, _rep: int) -> list[np.ndarray]:
        out = [np.full(n_days, s[4], dtype=np.int64) for s in specs]
        out[0][1] = 0
        return out

    monkeypatch.setattr(model, "daily_capacity", caps)
    out, r = run(scenario(), [dossier(400.0, reception=500.0), dossier(401.0)], monkeypatch)
    assert pool(out, "reception")["overtime_minutes"] == 450.0
    assert r["reception_start"].tolist() == [400.0, 900.0]
    # a check 400-600 ends on the absent Tuesday (150 minutes of overtime): the officer
    # goes home, and an applicant at 700 waits for Wednesday
    out, r = run(scenario(), [dossier(400.0, reception=200.0), dossier(700.0)], monkeypatch)
    assert pool(out, "reception")["overtime_minutes"] == 150.0
    assert r["reception_start"].tolist() == [400.0, 900.0]


def test_daily_capacity_presence() -> None:
    scn = scenario(
        staffing__availability=0.5,
        staffing__min_on_duty=0,
        staffing__availability_factor_by_role={"leader": 2.0},
    )
    specs = [("a", "reception", 0, 0, 20), ("b", "leader", 0, 0, 3), ("c", "justice", 0, 0, 0)]
    caps = daily_capacity(specs, scn, 400, 1, 0)
    # reception: Binomial(20, 1/2) officers a day, mean 10, sd sqrt(5) / sqrt(400) = 0.11
    assert caps[0].dtype == np.int64 and len(caps[0]) == 400
    assert 10 - 0.45 < caps[0].mean() < 10 + 0.45
    assert caps[0].min() >= 0 and caps[0].max() <= 20
    assert (caps[1] == 3).all()  # availability 0.5 x 2 = 1: always all present
    assert (caps[2] == 0).all()
    # at least min_on_duty officers (but no more than the staff)
    scn = scenario(staffing__availability=0.05, staffing__min_on_duty=2)
    caps = daily_capacity([("a", "reception", 0, 0, 20), ("b", "x", 0, 0, 1)], scn, 400, 1, 0)
    assert caps[0].min() == 2 and caps[1].min() == 1
    assert caps[0].mean() < 2 + 1.0  # Binomial(20, 0.05) has mean 1
    # more officers leave the others' days unchanged (common random numbers)
    scn = scenario(staffing__availability=0.5)
    a = daily_capacity([("a", "reception", 0, 0, 3)], scn, 50, 1, 0)[0]
    b = daily_capacity([("a", "reception", 0, 0, 4)], scn, 50, 1, 0)[0]
    assert ((b - a >= 0) & (b - a <= 1)).all()


# ----------------------------------------------------------------------------- more supplements


def test_supplement_asked_at_closing_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # the check ends at 450 = Monday 17:00 (the closing side of the boundary, not Tuesday
    # 07:30); the applicant comes back 1 day 2 hours later, Tuesday 19:00, after closing:
    # the re-check is at Wednesday's opening, 900
    rows = [dossier(440.0, incomplete=True, supplement_delay=SUPPLEMENT)]
    _out, r = run(scenario(), rows, monkeypatch)
    assert r["supplement_request"][0] == 450.0
    assert r["supplement_return"][0] == 900.0
    assert r["recheck_end"][0] == 905.0


def test_online_recheck_waits_behind_in_person_applicants(monkeypatch: pytest.MonkeyPatch) -> None:
    # an online dossier's supplements come back at 580 while the desk serves 570-670; an
    # in-person applicant comes at 590. In-person first: 670-680 for the applicant, then
    # the re-check 680-685; first come first served: the re-check 670-675 first
    rows = [
        dossier(0.0, channel=ONLINE, incomplete=True, supplement_delay=SUPPLEMENT),
        dossier(570.0, reception=100.0),
        dossier(590.0),
    ]
    _out, r = run(scenario(), rows, monkeypatch)
    assert r["recheck_end"][0] == 685.0 and r["reception_start"][2] == 670.0
    _out, r = run(scenario(reception__discipline="fifo"), rows, monkeypatch)
    assert r["recheck_end"][0] == 675.0 and r["reception_start"][2] == 675.0


def test_recheck_during_an_outage(monkeypatch: pytest.MonkeyPatch) -> None:
    # QN09's link is down Tuesday 09:30-10:30 (working 570-630); the applicant comes back
    # at 580. Waiting for the system, the re-check ends at 635 (50 minutes of network
    # delay); on paper it goes on, 580-585
    down = {"start": "2025-08-19T09:30:00", "end": "2025-08-19T10:30:00", "unit": "QN09"}
    changes = {**QUIET_NET, "network__outages__windows": [down]}
    rows = [dossier(0.0, incomplete=True, supplement_delay=SUPPLEMENT)]
    _out, r = run(scenario(**changes), rows, monkeypatch)
    assert r["recheck_end"][0] == 635.0 and r["wait_network"][0] == 50.0
    paper = {**changes, "reception__in_person_when_system_down": "paper"}
    _out, r = run(scenario(**paper), rows, monkeypatch)
    assert r["recheck_end"][0] == 585.0 and r["wait_network"][0] == 0.0


def test_recheck_interactions_are_the_desks(monkeypatch: pytest.MonkeyPatch) -> None:
    # 4 desk interactions (15 s each, one officer busy) at the first check and again at the
    # re-check: 2 minutes of network time in all; the transfer's count (0) plays no part
    inter = {"reception": 4, "transfer": 0}
    changes = {**NET, "procedures__p__system_interactions": inter}
    rows = [dossier(0.0, incomplete=True, supplement_delay=SUPPLEMENT)]
    _out, r = run(scenario(**changes), rows, monkeypatch)
    assert r["supplement_request"][0] == pytest.approx(11.0)
    assert r["recheck_end"][0] == pytest.approx(r["supplement_return"][0] + 5.0 + 1.0)
    assert r["wait_network"][0] == pytest.approx(2.0)


# ----------------------------------------------------------------------------- named systems


def test_named_system_down_stops_processing_not_the_desk(monkeypatch: pytest.MonkeyPatch) -> None:
    # the procedure's own system is down 08:00-08:30 (working 30-60). The desk works in the
    # one-door system: the check 20-40 goes on. Processing from 40 waits until 60 and ends
    # at 90 (20 minutes of network delay); approval 90-95
    down = [{"start": "2025-08-18T08:00:00", "end": "2025-08-18T08:30:00"}]
    changes = {
        **QUIET_NET,
        "procedures__p__system_interactions": {"reception": 1, "processing": 1},
        "systems__enabled": True,
        "systems__named": {"registry": {"procedures": ["p"], "down": down}},
    }
    _out, r = run(scenario(**changes), [dossier(20.0, reception=20.0)], monkeypatch)
    assert r["reception_end"][0] == 40.0
    assert r["processing_end"][0] == 90.0
    assert r["wait_network"][0] == 20.0
    assert r["resolved"][0] == 95.0


# ----------------------------------------------------------------------------- land, at night


def test_land_payment_counts_from_the_notice_evening(monkeypatch: pytest.MonkeyPatch) -> None:
    # the branch check ends Monday 08:10 (40); the tax notice comes half a day later,
    # Monday 20:10, workable Tuesday 07:30 (450). Half a day for the payment counts from
    # the notice's working day close (Monday 17:00, the completion side of 450): Tuesday
    # 05:00, so paid at Tuesday's opening, 450 (the notice's own 20:10 would give 08:10,
    # also on Tuesday); not from Tuesday 07:30 (paid 19:30, workable Wednesday 900)
    half = {"dist": "deterministic", "value": 0.5}
    scn = land(
        land_route__consultation_probability=0.0,
        land_route__tax_notice_delay_days=half,
        land_route__payment_delay_days=half,
    )
    _out, r = run(scn, [dossier(0.0)], monkeypatch)
    assert r["wait_financial"][0] == 450.0 - 40.0
    assert r["resolved"][0] == 450.0 + 15.0


# ----------------------------------------------------------------------------- more mechanisms


def test_simulate_builds_its_own_layout_and_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    scn = scenario()
    _out, r = run(scn, [dossier(60.0)], monkeypatch)  # installs the hand-made dossiers
    alone = simulate(scn, 0, 1).records.arrays()
    assert alone["resolved"][0] == r["resolved"][0] == 105.0


def test_link_rate_by_unit_type(monkeypatch: pytest.MonkeyPatch) -> None:
    # the ward's link is 8 Mbit/s by its unit type, whatever the province-wide rate: the
    # four interactions take 1 minute as in the one-busy-officer case
    changes = {
        **NET,
        "network__link_mbps": 1000.0,
        "network__link_mbps_by_unit_type": {"phường": 8.0},
    }
    _out, r = run(scenario(**changes), [dossier(0.0)], monkeypatch)
    assert r["wait_network"][0] == pytest.approx(1.0)


def test_land_tax_notice_counts_from_the_close(monkeypatch: pytest.MonkeyPatch) -> None:
    # the branch check ends at 450, Monday 17:00 (the desk check 410-420, processing
    # 420-450); half a day later is Tuesday 05:00, so the notice is there at Tuesday's
    # opening (450: no financial wait); counted from Tuesday 07:30 it would come at 19:30
    half = {"dist": "deterministic", "value": 0.5}
    zero = {"dist": "deterministic", "value": 0.0}
    scn = land(
        land_route__consultation_probability=0.0,
        land_route__tax_notice_delay_days=half,
        land_route__payment_delay_days=zero,
    )
    _out, r = run(scn, [dossier(410.0)], monkeypatch)
    assert r["processing_end"][0] == 450.0
    assert r["wait_financial"][0] == 0.0
    assert r["resolved"][0] == 465.0


def test_branch_prints_and_checks_in_order_of_request(monkeypatch: pytest.MonkeyPatch) -> None:
    # one branch officer. A is checked 10-40 and, after a day's consultation, asks for its
    # certificate to be printed at 490 (Tuesday 08:10); the officer is then checking C
    # (480-580). B asks for its check at 510. A was first: printed 580-595, B checked 595-625
    rows = [dossier(0.0), dossier(470.0, processing=100.0), dossier(500.0)]
    _out, r = run(land(land_route__financial_obligation_probability={}), rows, monkeypatch)
    assert r["processing_start"].tolist() == [10.0, 480.0, 595.0]
    assert r["resolved"][0] == 595.0


def test_backlog_task_force(monkeypatch: pytest.MonkeyPatch) -> None:
    # a task force of one examines the inherited dossier (0-30) while the regular officer
    # processes a new one at once (10-40); the leader approves both (30-35, 40-45)
    changes = {
        "initial_backlog__enabled": True,
        "initial_backlog__handover_date": "2025-08-18",
        "initial_backlog__task_force_officers": 1,
        "initial_backlog__entries": [{"unit": "QN09", "procedure": "p", "count": 1}],
    }
    rows = [dossier(0.0, inherited_due=700.0), dossier(0.0)]
    out, r = run(scenario(**changes), rows, monkeypatch)
    assert r["processing_start"].tolist() == [0.0, 10.0]
    assert r["resolved"].tolist() == [35.0, 45.0]
    assert r["wait_queue"].tolist() == [0.0, 0.0]
    assert pool(out, "task_force")["served"] == 1 and pool(out, "justice")["served"] == 1


def test_leader_missing_every_session_signs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    out, r = run(scenario(**SIGNING, signing__meeting_probability=1.0), [dossier(0.0)], monkeypatch)
    assert r["processing_end"][0] == 40.0
    assert np.isnan(r["resolved"][0]) and pool(out, "signing")["served"] == 0


def test_held_signing_sessions() -> None:
    scn = scenario(**SIGNING, signing__meeting_probability=0.25)
    cal = horizon_calendar(scn)
    held = held_signing_sessions(scn, cal, 3, 400, 1, 0)
    assert held is not None and len(held) == 3
    # sessions are at 180 and 390 into working days 0..400 (one day past the horizon)
    every = {d * L + o for d in range(401) for o in (180.0, 390.0)}
    for times in held:
        assert times == sorted(times) and set(times) <= every
    # each of the 3 x 401 x 2 sessions is held with probability 0.75: 1804.5 expected,
    # binomial sd sqrt(2406 x 0.75 x 0.25) = 21.2; within 4 sd
    total = sum(len(t) for t in held)
    assert abs(total - 1804.5) < 4 * 21.24
    # a higher probability only removes sessions; none missed: no list at all
    fewer = held_signing_sessions(
        scenario(**SIGNING, signing__meeting_probability=0.5), cal, 3, 400, 1, 0
    )
    assert fewer is not None and all(set(f) <= set(h) for f, h in zip(fewer, held, strict=True))
    assert held_signing_sessions(scenario(**SIGNING), cal, 3, 400, 1, 0) is None


def test_overtime_finishes_a_same_day_result_in_the_evening(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a same-day procedure submitted Monday 14:30 (300): checked 300-310, before the 15:00
    # cut-off (330), so due at Monday's close (450). Processing 310-440, approval 440-470
    # would end Tuesday 07:50; with 30 minutes of overtime for the one leader the 20
    # minutes past the close are done that evening: resolved at 450, on time
    changes = {
        "procedures__p__deadline_working_days": 0,
        "procedures__p__processing_minutes": {"dist": "deterministic", "value": 130},
        "procedures__p__approval_minutes": {"dist": "deterministic", "value": 30},
    }
    rows = [dossier(300.0, processing=130.0, approval=30.0)]
    _out, r = run(scenario(**changes), rows, monkeypatch)
    assert r["deadline"][0] == L and r["resolved"][0] == 470.0
    overtime = {"overtime__enabled": True, "overtime__procedures": ["p"]}
    _out, r = run(scenario(**changes, **overtime), rows, monkeypatch)
    assert r["resolved"][0] == L
    # an allowance of 10 minutes does not cover the 20 needed
    short = {**overtime, "overtime__minutes_per_officer": 10.0}
    _out, r = run(scenario(**changes, **short), rows, monkeypatch)
    assert r["resolved"][0] == 470.0
