"""Working calendar: office days, the working clock, and the deadline convention.

Calendar facts used below (Vietnam, Mon-Fri office week): July 2025 has 23 working days,
August 21, September 20; the National Day holiday closes Mon 1 and Tue 2 Sep 2025, so the
offices are closed from Sat 30 Aug to Tue 2 Sep and reopen on Wed 3 Sep.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calendar import MINUTES_PER_DAY, WorkingCalendar, is_working_day, working_days_between
from sim.scenario import Calendar

ORIGIN = dt.date(2025, 7, 1)  # a Tuesday
N_DAYS = 200
L = 450.0  # 07:30-11:30 + 13:30-17:00
D = dt.date
T = dt.time


@cache
def default_cal() -> WorkingCalendar:
    return WorkingCalendar.build(Calendar(), ORIGIN, N_DAYS)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return default_cal()


def wall(c: WorkingCalendar, when: dt.datetime) -> float:
    """Wall minutes since the calendar origin, computed independently of the code under test."""
    return (when - dt.datetime.combine(c.origin, T(0))).total_seconds() / 60.0


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    if hh == 24:
        return dt.datetime.combine(day + dt.timedelta(days=1), T(0))
    return dt.datetime.combine(day, T(hh, mm, ss))


def to_dt(c: WorkingCalendar, minutes: float) -> dt.datetime:
    return dt.datetime.combine(c.origin, T(0)) + dt.timedelta(minutes=float(minutes))


def due(c: WorkingCalendar, received: dt.datetime, n: int) -> dt.datetime:
    """Deadline (as a wall datetime) of a dossier received at ``received`` with N = n."""
    work = c.to_working_scalar(wall(c, received))
    return to_dt(c, c.to_wall_scalar(c.deadline(work, n), side="left"))


def month_working_days(c: WorkingCalendar, year: int, month: int) -> int:
    first = D(year, month, 1)
    nxt = D(year + month // 12, month % 12 + 1, 1)
    i, j = (first - c.origin).days, (nxt - c.origin).days
    return int(c.is_working[i:j].sum())


# ----------------------------------------------------------------------------- office days


def test_basic_shape(cal: WorkingCalendar) -> None:
    assert cal.day_minutes == L
    assert cal.sessions == ((450, 690), (810, 1020))
    assert cal.cutoff_offset == 240 + 90  # 15:00 is 90 minutes into the afternoon
    assert cal.n_days == N_DAYS
    assert len(cal.is_working) == N_DAYS
    assert cal.n_working_days == int(cal.is_working.sum())


@pytest.mark.parametrize(("month", "expected"), [(7, 23), (8, 21), (9, 20)])
def test_working_days_per_month_facts(cal: WorkingCalendar, month: int, expected: int) -> None:
    assert month_working_days(cal, 2025, month) == expected
    first = D(2025, month, 1)
    last = D(2025, month + 1, 1) - dt.timedelta(days=1)
    assert len(working_days_between(Calendar(), first, last)) == expected
    # the working clock agrees: a month is `expected` office days long
    span = cal.working_minutes_until(D(2025, month + 1, 1)) - cal.working_minutes_until(first)
    assert span == expected * L


def test_quarter_total(cal: WorkingCalendar) -> None:
    assert cal.working_minutes_until(D(2025, 10, 1)) == (23 + 21 + 20) * L
    assert cal.date_of_working_day(0) == D(2025, 7, 1)
    assert cal.date_of_working_day(23) == D(2025, 8, 1)
    assert cal.date_of_working_day(23 + 21) == D(2025, 9, 3)


def test_national_day_closure(cal: WorkingCalendar) -> None:
    expected = {
        D(2025, 8, 28): True,
        D(2025, 8, 29): True,
        D(2025, 8, 30): False,
        D(2025, 8, 31): False,
        D(2025, 9, 1): False,
        D(2025, 9, 2): False,
        D(2025, 9, 3): True,
    }
    for day, is_open in expected.items():
        assert bool(cal.is_working[(day - ORIGIN).days]) is is_open, day
        assert is_working_day(Calendar(), day) is is_open, day
    k = int(cal.work_index[(D(2025, 8, 29) - ORIGIN).days])
    assert cal.date_of_working_day(k + 1) == D(2025, 9, 3)
    # closed days carry no working index and point at the next office day
    for day in (D(2025, 8, 30), D(2025, 9, 2)):
        i = (day - ORIGIN).days
        assert cal.work_index[i] == -1
        assert cal.next_work_day[i] == k + 1


def test_public_holidays_none_opens_national_day() -> None:
    spec = Calendar(public_holidays="none")
    assert is_working_day(spec, D(2025, 9, 1))
    assert is_working_day(spec, D(2025, 9, 2))
    c = WorkingCalendar.build(spec, ORIGIN, N_DAYS)
    assert month_working_days(c, 2025, 9) == 22


@pytest.mark.parametrize(
    ("day", "is_open"),
    [
        (D(2025, 4, 7), False),  # Hùng Kings
        (D(2025, 4, 26), True),  # Saturday make-up day for 2 May
        (D(2025, 4, 27), False),  # ordinary Sunday
        (D(2025, 4, 30), False),
        (D(2025, 5, 1), False),
        (D(2025, 5, 2), False),
        (D(2025, 5, 5), True),
        (D(2026, 1, 1), False),
        (D(2026, 2, 16), False),  # Tết 2026
        (D(2026, 2, 23), True),
        (D(2026, 8, 22), True),  # Saturday make-up day for National Day 2026
        (D(2026, 8, 31), False),
        (D(2026, 9, 2), False),
        (D(2026, 9, 3), True),
    ],
)
def test_packaged_vietnamese_holidays(day: dt.date, is_open: bool) -> None:
    assert is_working_day(Calendar(), day) is is_open
    assert is_working_day(Calendar(public_holidays="none"), day) is (day.weekday() < 5)


def test_makeup_working_day() -> None:
    spec = Calendar(makeup_working_days=[D(2025, 7, 5)])  # a Saturday
    c = WorkingCalendar.build(spec, ORIGIN, N_DAYS)
    assert c.is_working[(D(2025, 7, 5) - ORIGIN).days]
    assert not c.is_working[(D(2025, 7, 6) - ORIGIN).days]
    assert month_working_days(c, 2025, 7) == 24
    assert due(c, at(D(2025, 7, 4), 10), 1) == at(D(2025, 7, 5), 17)
    assert due(c, at(D(2025, 7, 4), 15, 30), 0) == at(D(2025, 7, 5), 17)
    assert due(c, at(D(2025, 7, 5), 9), 1) == at(D(2025, 7, 7), 17)
    # a Saturday night submission is first workable on the make-up Saturday
    assert to_dt(
        c, c.to_wall_scalar(c.to_working_scalar(wall(c, at(D(2025, 7, 4), 20))), "right")
    ) == at(D(2025, 7, 5), 7, 30)


def test_makeup_day_wins_over_a_holiday() -> None:
    spec = Calendar(extra_holidays=[D(2025, 9, 6)], makeup_working_days=[D(2025, 9, 6)])
    assert is_working_day(spec, D(2025, 9, 6))


def test_extra_holidays() -> None:
    spec = Calendar(extra_holidays=[D(2025, 7, 7), D(2025, 7, 8)])  # Mon, Tue
    c = WorkingCalendar.build(spec, ORIGIN, N_DAYS)
    assert month_working_days(c, 2025, 7) == 21
    assert due(c, at(D(2025, 7, 4), 10), 1) == at(D(2025, 7, 9), 17)
    assert due(c, at(D(2025, 7, 4), 15, 1), 0) == at(D(2025, 7, 9), 17)
    assert c.to_working_scalar(wall(c, at(D(2025, 7, 7), 10))) == 4 * L
    # the packaged holidays still apply alongside the extra ones
    assert not c.is_working[(D(2025, 9, 1) - ORIGIN).days]


def test_six_day_week() -> None:
    spec = Calendar(working_weekdays=["mon", "tue", "wed", "thu", "fri", "sat"])
    c = WorkingCalendar.build(spec, ORIGIN, N_DAYS)
    assert month_working_days(c, 2025, 7) == 27  # + Sat 5, 12, 19, 26
    assert due(c, at(D(2025, 7, 4), 10), 1) == at(D(2025, 7, 5), 17)


def test_origin_on_a_closed_day() -> None:
    c = WorkingCalendar.build(Calendar(), D(2025, 8, 30), 30)  # Saturday before National Day
    assert c.to_working_scalar(0.0) == 0.0
    assert c.to_working_scalar(3 * MINUTES_PER_DAY + 600) == 0.0  # Tue 2 Sep 10:00, a holiday
    assert c.date_of_working_day(0) == D(2025, 9, 3)
    assert to_dt(c, c.to_wall_scalar(0.0, side="right")) == at(D(2025, 9, 3), 7, 30)


# ----------------------------------------------------------------------------- wall -> working


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(D(2025, 7, 1), 0), 0.0),
        (at(D(2025, 7, 1), 7, 30), 0.0),
        (at(D(2025, 7, 1), 8, 30), 60.0),
        (at(D(2025, 7, 1), 11, 30), 240.0),
        (at(D(2025, 7, 1), 12, 15), 240.0),  # lunch: next opening is 13:30
        (at(D(2025, 7, 1), 13, 30), 240.0),
        (at(D(2025, 7, 1), 14, 30), 300.0),
        (at(D(2025, 7, 1), 17), L),
        (at(D(2025, 7, 1), 22), L),  # night: next opening is Wed 07:30
        (at(D(2025, 7, 2), 6), L),
        (at(D(2025, 7, 2), 7, 30), L),
        (at(D(2025, 7, 4), 18), 4 * L),  # Friday evening -> Monday 07:30
        (at(D(2025, 7, 5), 12), 4 * L),  # Saturday
        (at(D(2025, 7, 6), 23, 59), 4 * L),  # Sunday night
        (at(D(2025, 7, 7), 7, 30), 4 * L),
        (at(D(2025, 8, 29), 17, 30), (23 + 21) * L),  # Fri before the holiday -> Wed 3 Sep
        (at(D(2025, 9, 1), 10), (23 + 21) * L),  # National Day
        (at(D(2025, 9, 3), 7, 45), (23 + 21) * L + 15),
    ],
)
def test_to_working_known_instants(
    cal: WorkingCalendar, when: dt.datetime, expected: float
) -> None:
    w = wall(cal, when)
    assert cal.to_working_scalar(w) == pytest.approx(expected, abs=1e-9)
    assert cal.to_working(np.array([w]))[0] == pytest.approx(expected, abs=1e-9)


def test_closed_instants_map_to_the_next_opening(cal: WorkingCalendar) -> None:
    rng = np.random.default_rng(11)
    days = rng.integers(0, 150, 400)
    minutes = rng.uniform(0, MINUTES_PER_DAY, 400)
    checked = 0
    for d, m in zip(days, minutes, strict=True):
        when = at(ORIGIN + dt.timedelta(days=int(d)), 0) + dt.timedelta(minutes=float(m))
        if is_open_at(DEFAULT_REF, when):
            continue
        checked += 1
        opening = DEFAULT_REF.next_opening(when)
        work = cal.to_working_scalar(wall(cal, when))
        assert to_dt(cal, cal.to_wall_scalar(work, side="right")) == opening, when
        assert work == pytest.approx(cal.to_working_scalar(wall(cal, opening)), abs=1e-9)
    assert checked > 200  # most of the week is closed


# ----------------------------------------------------------------------------- working -> wall


def test_to_wall_day_boundary_conventions(cal: WorkingCalendar) -> None:
    cases = [
        # (working minute, side, expected wall instant)
        (0.0, "right", at(D(2025, 7, 1), 7, 30)),
        (0.0, "left", at(D(2025, 7, 1), 7, 30)),  # nothing earlier to close
        (L, "right", at(D(2025, 7, 2), 7, 30)),
        (L, "left", at(D(2025, 7, 1), 17)),
        (4 * L, "right", at(D(2025, 7, 7), 7, 30)),  # Monday opening
        (4 * L, "left", at(D(2025, 7, 4), 17)),  # Friday close
        ((23 + 21) * L, "right", at(D(2025, 9, 3), 7, 30)),
        ((23 + 21) * L, "left", at(D(2025, 8, 29), 17)),
    ]
    for work, side, expected in cases:
        assert to_dt(cal, cal.to_wall_scalar(work, side=side)) == expected, (work, side)
        assert to_dt(cal, cal.to_wall(np.array([work]), side=side)[0]) == expected, (work, side)


def test_to_wall_lunch_boundary_conventions(cal: WorkingCalendar) -> None:
    day = D(2025, 7, 2)  # working day 1
    for k_off, side, expected in [
        (240.0, "left", at(day, 11, 30)),
        (240.0, "right", at(day, 13, 30)),
        (239.5, "left", at(day, 11, 29, 30)),
        (239.5, "right", at(day, 11, 29, 30)),
        (240.5, "left", at(day, 13, 30, 30)),
        (240.5, "right", at(day, 13, 30, 30)),
        (449.0, "right", at(day, 16, 59)),
        (449.0, "left", at(day, 16, 59)),
    ]:
        work = L + k_off
        assert to_dt(cal, cal.to_wall_scalar(work, side=side)) == expected, (k_off, side)
        assert to_dt(cal, cal.to_wall(np.array([work]), side=side)[0]) == expected


def test_to_wall_keeps_nan(cal: WorkingCalendar) -> None:
    out = cal.to_wall(np.array([np.nan, 10.0, np.nan]), side="left")
    assert np.isnan(out[0])
    assert np.isnan(out[2])
    assert out[1] == 450 + 10
    dts = cal.to_datetime(out)
    assert np.isnat(dts[0])
    assert dts[1] == np.datetime64("2025-07-01T07:40:00")


def office_instants(rng: np.random.Generator, n: int) -> list[dt.datetime]:
    """Random instants strictly inside office sessions of open days (default calendar)."""
    out: list[dt.datetime] = []
    while len(out) < n:
        day = ORIGIN + dt.timedelta(days=int(rng.integers(0, 180)))
        if not DEFAULT_REF.is_open_day(day):
            continue
        start, end = DEFAULT_REF.sessions[int(rng.integers(0, 2))]
        a, b = at(day, start.hour, start.minute), at(day, end.hour, end.minute)
        span = (b - a).total_seconds()
        out.append(a + dt.timedelta(seconds=float(rng.uniform(1e-3, span - 1e-3))))
    return out


@pytest.mark.parametrize("side", ["left", "right"])
def test_round_trip_inside_office_hours(cal: WorkingCalendar, side: str) -> None:
    instants = office_instants(np.random.default_rng(5), 500)
    walls = np.array([wall(cal, x) for x in instants])
    back = cal.to_wall(cal.to_working(walls), side=side)
    np.testing.assert_allclose(back, walls, rtol=0, atol=1e-6)
    for w in walls[:100]:
        assert cal.to_wall_scalar(cal.to_working_scalar(w), side=side) == pytest.approx(w, abs=1e-6)


def test_round_trip_at_session_boundaries(cal: WorkingCalendar) -> None:
    for day in (D(2025, 7, 1), D(2025, 8, 29), D(2025, 9, 3)):
        for when, side in [
            (at(day, 7, 30), "right"),
            (at(day, 11, 30), "left"),
            (at(day, 13, 30), "right"),
            (at(day, 17), "left"),
        ]:
            work = cal.to_working_scalar(wall(cal, when))
            assert to_dt(cal, cal.to_wall_scalar(work, side=side)) == when
            assert to_dt(cal, cal.to_wall(np.array([work]), side=side)[0]) == when


# ----------------------------------------------------------------------------- scalar == vector


SPECS = {
    "default": Calendar(),
    "three-sessions": Calendar(
        office_hours=[("07:00", "09:00"), ("09:00", "12:00"), ("13:00", "17:30")],
        same_day_cutoff="09:00",
    ),
    "always-open": Calendar(always_open=True),
    "six-days-with-makeup": Calendar(
        working_weekdays=["mon", "tue", "wed", "thu", "fri", "sat"],
        makeup_working_days=[D(2025, 7, 6)],
        extra_holidays=[D(2025, 7, 7)],
    ),
}


@pytest.fixture(scope="module", params=list(SPECS), ids=list(SPECS))
def any_cal(request: pytest.FixtureRequest) -> WorkingCalendar:
    return WorkingCalendar.build(SPECS[request.param], ORIGIN, N_DAYS)


def test_to_working_scalar_matches_vector(any_cal: WorkingCalendar) -> None:
    rng = np.random.default_rng(1)
    walls = np.concatenate(
        [
            rng.uniform(-100.0, N_DAYS * MINUTES_PER_DAY + 100.0, 3000),
            rng.integers(0, N_DAYS * MINUTES_PER_DAY, 3000).astype(float),  # whole minutes
        ]
    )
    vec = any_cal.to_working(walls)
    sca = np.array([any_cal.to_working_scalar(float(w)) for w in walls])
    np.testing.assert_allclose(vec, sca, rtol=0, atol=1e-9)


@pytest.mark.parametrize("side", ["left", "right"])
def test_to_wall_scalar_matches_vector(any_cal: WorkingCalendar, side: str) -> None:
    rng = np.random.default_rng(2)
    top = any_cal.n_working_days * any_cal.day_minutes
    works = np.concatenate(
        [
            rng.uniform(0.0, top, 2000),
            rng.integers(0, int(top), 2000).astype(float),
            np.arange(any_cal.n_working_days) * any_cal.day_minutes,  # every day boundary
        ]
    )
    vec = any_cal.to_wall(works, side=side)
    sca = np.array([any_cal.to_wall_scalar(float(w), side=side) for w in works])
    np.testing.assert_allclose(vec, sca, rtol=0, atol=1e-9)


def test_deadline_scalar_matches_vector(any_cal: WorkingCalendar) -> None:
    rng = np.random.default_rng(3)
    c = any_cal
    top = (c.n_working_days - 25) * c.day_minutes
    rec = rng.uniform(0.0, top, 4000)
    rec[:500] = np.round(rec[:500] / c.day_minutes) * c.day_minutes  # exactly at a close
    rec[500:1000] = np.floor(rec[500:1000] / c.day_minutes) * c.day_minutes + c.cutoff_offset
    rec[1000:1100] = 0.0
    n = rng.choice(np.array([0, 0, 1, 2, 3, 5, 8, 10, 20]), rec.size)
    vec = c.deadlines(rec, n)
    sca = np.array([c.deadline(float(r), int(k)) for r, k in zip(rec, n, strict=True)])
    np.testing.assert_array_equal(vec, sca)


# ----------------------------------------------------------------------------- deadlines


FRI = D(2025, 7, 4)
MON = D(2025, 7, 7)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (at(FRI, 14, 59), at(FRI, 17)),
        (at(FRI, 15, 0), at(FRI, 17)),  # at the cut-off: still the same day
        (at(FRI, 15, 0, 1), at(MON, 17)),
        (at(FRI, 15, 1), at(MON, 17)),
        (at(FRI, 7, 31), at(FRI, 17)),
        (at(FRI, 11, 30), at(FRI, 17)),
        (at(FRI, 13, 30), at(FRI, 17)),
        (at(FRI, 16, 59), at(MON, 17)),
        (at(FRI, 17), at(MON, 17)),  # completes at closing: Friday, but after the cut-off
    ],
)
def test_same_day_procedure_cutoff_on_a_friday(
    cal: WorkingCalendar, received: dt.datetime, expected: dt.datetime
) -> None:
    assert due(cal, received, 0) == expected


def test_same_day_after_cutoff_before_national_day(cal: WorkingCalendar) -> None:
    # Fri 29 Aug after 15:00 -> next working day is Wed 3 Sep (weekend, then 1-2 Sep)
    assert due(cal, at(D(2025, 8, 29), 15, 30), 0) == at(D(2025, 9, 3), 17)
    assert due(cal, at(D(2025, 8, 29), 14, 0), 0) == at(D(2025, 8, 29), 17)


def test_documented_example_monday_plus_three(cal: WorkingCalendar) -> None:
    # module docstring: received Monday 09:00 with N=3, due Thursday 17:00
    assert due(cal, at(MON, 9), 3) == at(D(2025, 7, 10), 17)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, at(D(2025, 8, 29), 17)),
        (2, at(D(2025, 9, 3), 17)),
        (3, at(D(2025, 9, 4), 17)),
        (4, at(D(2025, 9, 5), 17)),
        (5, at(D(2025, 9, 8), 17)),
    ],
)
def test_deadline_across_national_day(cal: WorkingCalendar, n: int, expected: dt.datetime) -> None:
    # received Thu 28 Aug: day d + N with Sat 30 Aug - Tue 2 Sep closed
    assert due(cal, at(D(2025, 8, 28), 10), n) == expected
    assert due(cal, at(D(2025, 8, 28), 16, 30), n) == expected  # the cut-off is only for N=0


def test_reception_completing_at_closing_counts_for_that_day(cal: WorkingCalendar) -> None:
    close = at(MON, 17)
    work = cal.to_working_scalar(wall(cal, close))
    assert work == 5 * L  # the same working instant as Tuesday's opening ...
    assert cal.receipt_day(work) == 4  # ... but the reception counts for Monday (day 4)
    assert due(cal, close, 1) == at(D(2025, 7, 8), 17)
    assert due(cal, close, 3) == at(D(2025, 7, 10), 17)
    assert due(cal, at(MON, 16, 59), 1) == at(D(2025, 7, 8), 17)
    # and the day before a holiday
    assert due(cal, at(D(2025, 8, 29), 17), 1) == at(D(2025, 9, 3), 17)


def test_cutoff_at_closing_time_makes_closing_receptions_same_day() -> None:
    c = WorkingCalendar.build(Calendar(same_day_cutoff="17:00"), ORIGIN, N_DAYS)
    assert c.cutoff_offset == L
    assert due(c, at(FRI, 17), 0) == at(FRI, 17)
    assert due(c, at(FRI, 16, 59), 0) == at(FRI, 17)


def test_receipt_day_of_the_first_instant(cal: WorkingCalendar) -> None:
    assert cal.receipt_day(0.0) == 0
    assert cal.receipt_day(0.5) == 0
    assert cal.receipt_day(L - 0.5) == 0
    assert cal.receipt_day(L) == 0
    assert cal.receipt_day(L + 0.5) == 1
    assert cal.deadline(0.0, 0) == L
    assert cal.deadline(0.0, 2) == 3 * L


def test_always_open_calendar_is_wall_time() -> None:
    c = WorkingCalendar.build(Calendar(always_open=True), ORIGIN, N_DAYS)
    assert c.day_minutes == MINUTES_PER_DAY
    assert c.n_working_days == N_DAYS  # weekends and 1-2 Sep are open too
    assert is_working_day(Calendar(always_open=True), D(2025, 9, 1))
    rng = np.random.default_rng(4)
    walls = np.concatenate(
        [rng.uniform(0, N_DAYS * MINUTES_PER_DAY, 2000), np.arange(N_DAYS) * MINUTES_PER_DAY]
    )
    np.testing.assert_allclose(c.to_working(walls), walls, rtol=0, atol=1e-9)
    for side in ("left", "right"):
        np.testing.assert_allclose(c.to_wall(walls, side=side), walls, rtol=0, atol=1e-9)
    for w in walls[:200]:
        assert c.to_working_scalar(float(w)) == pytest.approx(w, abs=1e-9)
        assert c.to_wall_scalar(float(w), side="right") == pytest.approx(w, abs=1e-9)
    # deadlines run to midnight
    sat = D(2025, 7, 5)
    assert due(c, at(sat, 10), 1) == at(sat + dt.timedelta(days=1), 24)
    assert due(c, at(sat, 14), 0) == at(sat, 24)
    assert due(c, at(sat, 16), 0) == at(sat + dt.timedelta(days=1), 24)


# ----------------------------------------------------------------------------- reference rule


@dataclass(frozen=True)
class RefCalendar:
    """A slow, obviously correct calendar: walks dates one by one."""

    weekdays: frozenset[int]  # 0 = Monday
    holidays: frozenset[dt.date]
    makeups: frozenset[dt.date]
    sessions: tuple[tuple[dt.time, dt.time], ...]
    cutoff: dt.time

    def is_open_day(self, day: dt.date) -> bool:
        if day in self.makeups:
            return True
        return day not in self.holidays and day.weekday() in self.weekdays

    def next_open_day(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        while not self.is_open_day(day):
            day += dt.timedelta(days=1)
        return day

    def closing(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.sessions[-1][1])

    def next_opening(self, when: dt.datetime) -> dt.datetime:
        day = when.date()
        if self.is_open_day(day):
            for start, end in self.sessions:
                if when.time() < end:
                    return max(when, dt.datetime.combine(day, start))
        day = self.next_open_day(day)
        return dt.datetime.combine(day, self.sessions[0][0])

    def due(self, received: dt.datetime, n: int) -> dt.datetime:
        """Deadline of a reception completed at ``received`` (inside office hours)."""
        day = received.date()
        assert self.is_open_day(day)
        if n == 0:
            if received.time() <= self.cutoff:
                return self.closing(day)
            return self.closing(self.next_open_day(day))
        for _ in range(n):
            day = self.next_open_day(day)
        return self.closing(day)


def is_open_at(ref: RefCalendar, when: dt.datetime) -> bool:
    if not ref.is_open_day(when.date()):
        return False
    return any(start <= when.time() < end for start, end in ref.sessions)


# holidays of the packaged table between 1 Jul 2025 and mid-January 2026 (FACTS / official)
VN_HOLIDAYS = frozenset({D(2025, 9, 1), D(2025, 9, 2), D(2026, 1, 1)})
MON_FRI = frozenset(range(5))

DEFAULT_REF = RefCalendar(
    weekdays=MON_FRI,
    holidays=VN_HOLIDAYS,
    makeups=frozenset(),
    sessions=((T(7, 30), T(11, 30)), (T(13, 30), T(17, 0))),
    cutoff=T(15, 0),
)

REFERENCE_CASES = {
    "default": (Calendar(), DEFAULT_REF),
    "own-holidays-and-makeups": (
        Calendar(
            public_holidays="none",
            extra_holidays=[D(2025, 7, 7), D(2025, 10, 10), D(2025, 12, 24)],
            makeup_working_days=[D(2025, 7, 12), D(2025, 11, 15)],
            office_hours=[("08:00", "12:00"), ("13:00", "16:30")],
            same_day_cutoff="11:00",
        ),
        RefCalendar(
            weekdays=MON_FRI,
            holidays=frozenset({D(2025, 7, 7), D(2025, 10, 10), D(2025, 12, 24)}),
            makeups=frozenset({D(2025, 7, 12), D(2025, 11, 15)}),
            sessions=((T(8), T(12)), (T(13), T(16, 30))),
            cutoff=T(11, 0),
        ),
    ),
    "six-days-three-sessions": (
        Calendar(
            working_weekdays=["mon", "tue", "wed", "thu", "fri", "sat"],
            office_hours=[("07:00", "09:00"), ("09:30", "11:30"), ("14:00", "18:00")],
            same_day_cutoff="16:00",
        ),
        RefCalendar(
            weekdays=frozenset(range(6)),
            holidays=VN_HOLIDAYS,
            makeups=frozenset(),
            sessions=((T(7), T(9)), (T(9, 30), T(11, 30)), (T(14), T(18))),
            cutoff=T(16, 0),
        ),
    ),
}


def random_receipts(ref: RefCalendar, rng: np.random.Generator, n: int) -> list[dt.datetime]:
    """Reception completions inside office hours: random seconds after an opening up to and
    including the session's end, plus the cut-off and closing instants exactly."""
    out: list[dt.datetime] = []
    while len(out) < n:
        day = ORIGIN + dt.timedelta(days=int(rng.integers(0, 160)))
        if not ref.is_open_day(day):
            continue
        kind = rng.integers(0, 10)
        if kind == 0:
            out.append(dt.datetime.combine(day, ref.cutoff))
        elif kind == 1:
            out.append(dt.datetime.combine(day, ref.cutoff) + dt.timedelta(seconds=1))
        elif kind == 2:
            out.append(ref.closing(day))
        else:
            start, end = ref.sessions[int(rng.integers(0, len(ref.sessions)))]
            a, b = dt.datetime.combine(day, start), dt.datetime.combine(day, end)
            secs = int(rng.integers(1, int((b - a).total_seconds()) + 1))
            out.append(a + dt.timedelta(seconds=secs))
    return out


@pytest.mark.parametrize("case", list(REFERENCE_CASES))
def test_deadline_matches_day_by_day_reference(case: str) -> None:
    spec, ref = REFERENCE_CASES[case]
    c = WorkingCalendar.build(spec, ORIGIN, N_DAYS)
    rng = np.random.default_rng(20250701)
    receipts = random_receipts(ref, rng, 400)
    ns = rng.choice(np.array([0, 0, 0, 1, 2, 3, 5, 8, 10, 20]), len(receipts))
    walls = np.array([wall(c, r) for r in receipts])
    expected = np.array([wall(c, ref.due(r, int(n))) for r, n in zip(receipts, ns, strict=True)])
    # scalar path, as the simulation uses it
    got = np.array(
        [
            c.to_wall_scalar(c.deadline(c.to_working_scalar(float(w)), int(n)), side="left")
            for w, n in zip(walls, ns, strict=True)
        ]
    )
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, [
        (str(receipts[i]), int(ns[i]), str(to_dt(c, got[i])), str(to_dt(c, expected[i])))
        for i in bad[:5]
    ]
    # vectorised path
    got_vec = c.to_wall(c.deadlines(c.to_working(walls), ns), side="left")
    np.testing.assert_array_equal(got_vec, expected)


@pytest.mark.parametrize("case", list(REFERENCE_CASES))
def test_open_days_match_reference(case: str) -> None:
    spec, ref = REFERENCE_CASES[case]
    c = WorkingCalendar.build(spec, ORIGIN, N_DAYS)
    for i in range(N_DAYS):
        day = ORIGIN + dt.timedelta(days=i)
        assert bool(c.is_working[i]) is ref.is_open_day(day), day


# ----------------------------------------------------------------------------- properties

WALL_RANGE = st.floats(min_value=-500.0, max_value=N_DAYS * MINUTES_PER_DAY + 500.0)
WORK_RANGE = st.floats(min_value=0.0, max_value=(default_cal().n_working_days - 1) * L)
RECEIPT_RANGE = st.floats(min_value=0.0, max_value=(default_cal().n_working_days - 25) * L)


@settings(max_examples=300, deadline=None)
@given(a=WALL_RANGE, b=WALL_RANGE)
def test_to_working_is_monotone(a: float, b: float) -> None:
    c = default_cal()
    lo, hi = min(a, b), max(a, b)
    assert c.to_working_scalar(lo) <= c.to_working_scalar(hi)
    v = c.to_working(np.array([lo, hi]))
    assert v[0] <= v[1]


@settings(max_examples=300, deadline=None)
@given(a=WORK_RANGE, b=WORK_RANGE, side=st.sampled_from(["left", "right"]))
def test_to_wall_is_monotone_and_inverts_to_working(a: float, b: float, side: str) -> None:
    c = default_cal()
    lo, hi = min(a, b), max(a, b)
    assert c.to_wall_scalar(lo, side=side) <= c.to_wall_scalar(hi, side=side)
    assert c.to_wall_scalar(lo, side="left") <= c.to_wall_scalar(lo, side="right")
    back = c.to_working_scalar(c.to_wall_scalar(lo, side=side))
    assert back == pytest.approx(lo, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(received=RECEIPT_RANGE, n=st.integers(min_value=0, max_value=20))
def test_deadline_properties(received: float, n: int) -> None:
    c = default_cal()
    d = c.deadline(received, n)
    assert d >= received
    assert d % L == 0  # always at a closing time
    day = c.receipt_day(received)
    assert d >= (day + 1) * L  # never before the close of the receipt day
    assert d <= (day + 1 + max(n, 1)) * L
    assert c.deadline(received, n + 1) >= d
    if n >= 1:
        assert c.deadline(received, n + 1) == d + L
    assert c.deadlines(np.array([received]), np.array([n]))[0] == d


@settings(max_examples=200, deadline=None)
@given(a=RECEIPT_RANGE, b=RECEIPT_RANGE, n=st.integers(min_value=0, max_value=20))
def test_later_receipt_never_has_an_earlier_deadline(a: float, b: float, n: int) -> None:
    c = default_cal()
    lo, hi = min(a, b), max(a, b)
    assert c.deadline(lo, n) <= c.deadline(hi, n)
