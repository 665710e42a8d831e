"""Calendar facts that the mutation run of ``sim/calendar.py`` found untested.

Hand-computed on small calendars: from Monday 18 August 2025 without public holidays, 12
calendar days run to Friday 29 August and hold 10 office days; an office day is 450
minutes (07:30-11:30, 13:30-17:00). The Vietnamese calendar closes Mon 1 and Tue 2
September 2025 (National Day), so the office days from Fri 29 August to Thu 4 September
are the 29th, the 3rd and the 4th.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.calendar import WorkingCalendar, working_days_between
from sim.scenario import Calendar

MONDAY = dt.date(2025, 8, 18)
L = 450.0


@pytest.fixture(scope="module")
def short() -> WorkingCalendar:
    return WorkingCalendar.build(Calendar(public_holidays="none"), MONDAY, 12)


def test_working_days_between_lists_the_dates() -> None:
    days = working_days_between(Calendar(), dt.date(2025, 8, 29), dt.date(2025, 9, 4))
    assert days == [dt.date(2025, 8, 29), dt.date(2025, 9, 3), dt.date(2025, 9, 4)]
    assert working_days_between(Calendar(), dt.date(2025, 9, 1), dt.date(2025, 9, 2)) == []


def test_wall_minutes_of_datetimes_and_dates(short: WorkingCalendar) -> None:
    assert short.wall_minutes(dt.datetime(2025, 8, 19, 9, 0)) == 1440 + 540
    assert short.wall_minutes(dt.datetime(2025, 8, 18, 0, 0, 30)) == 0.5
    assert short.wall_minutes(dt.date(2025, 8, 20)) == 2 * 1440  # a date is its midnight
    assert short.wall_minutes(dt.datetime(2025, 8, 17, 23, 0)) == -60


def test_working_minutes_until_the_last_day(short: WorkingCalendar) -> None:
    assert short.n_days == 12 and short.n_working_days == 10
    # before Friday 29 August: Mon-Fri and Mon-Thu, 9 office days
    assert short.working_minutes_until(dt.date(2025, 8, 29)) == 9 * L
    assert short.working_minutes_until(dt.date(2025, 8, 28)) == 8 * L
    assert short.working_minutes_until(dt.date(2025, 8, 23)) == 5 * L  # Saturday
    assert short.working_minutes_until(MONDAY) == 0.0
    # outside the calendar: clamped to its first and last day, never an index error
    assert short.working_minutes_until(dt.date(2025, 8, 1)) == 0.0
    assert short.working_minutes_until(dt.date(2025, 9, 30)) == 9 * L


def test_working_time_past_the_calendar_stays_on_its_last_day(short: WorkingCalendar) -> None:
    # working minute 10 x 450 + 100 is past the 10 office days: it is clamped into the last
    # office day, Friday 29 August (calendar day 11), at 07:30 + 100 min = 09:10
    work = 10 * L + 100.0
    friday_0910 = 11 * 1440 + 9 * 60 + 10
    assert short.to_wall_scalar(work) == friday_0910
    assert short.to_wall(np.array([work]))[0] == friday_0910
    assert short.to_wall(np.array([work]), side="left")[0] == friday_0910
    # and the last office moment itself is Friday 17:00 on the closing side
    assert short.to_wall_scalar(10 * L, "left") == 11 * 1440 + 17 * 60
    assert short.to_wall(np.array([10 * L]), side="left")[0] == 11 * 1440 + 17 * 60
