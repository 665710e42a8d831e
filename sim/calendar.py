"""Working calendar, the working-time clock, and deadline arithmetic.

All units of the province share one calendar, so the simulation runs on a *working clock*:
minutes of office time since the start of the horizon, in which nights, lunch breaks, weekends
and holidays do not exist. Working day ``k`` (0-based, in order) occupies the half-open
interval ``[k*L, (k+1)*L)`` where ``L`` is the length of an office day in minutes
(07:30-11:30 + 13:30-17:00 gives L = 450). Wall-clock instants (online submissions at night,
outages, supplement returns) are mapped into working time once; working times are mapped back
to dates for reporting.

Mapping conventions
-------------------
* ``to_working`` is right-continuous: an instant outside office hours maps to the next moment
  an office is open (a submission at 22:00 is first workable at 07:30 the next working day).
* ``to_wall(side="right")`` maps a start instant to the opening side of a boundary (working
  minute ``k*L`` is 07:30 on day ``k``); ``side="left"`` maps a completion instant to the
  closing side (``k*L`` is 17:00 on day ``k-1``; 240 is 11:30, not 13:30).

Deadline convention (Decree 118/2025; documented in README)
-----------------------------------------------------------
A dossier *received* (reception completed) on working day ``d`` with a statutory time of
``N >= 1`` working days is due at the close of working day ``d + N``: received Monday 09:00
with N=3, due Thursday 17:00. Same-day procedures (N = 0) are due at the close of day ``d``
if received at or before the cut-off (15:00), otherwise at the close of the next working
day. A reception that finishes exactly at closing time counts as received that day. A result
is on time if it is resolved at or before its deadline.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from dataclasses import dataclass, field

import numpy as np

from sim.scenario import WEEKDAYS, Calendar, parse_clock
from sim.units import load_holidays

MINUTES_PER_DAY = 1440


def _day_sets(spec: Calendar) -> tuple[set[dt.date], set[dt.date]]:
    holidays = set(spec.extra_holidays)
    makeups = set(spec.makeup_working_days)
    if spec.public_holidays == "vn":
        table = load_holidays()
        holidays |= set(table.loc[table["kind"] == "holiday", "date"])
        makeups |= set(table.loc[table["kind"] == "makeup", "date"])
    return holidays, makeups


def is_working_day(spec: Calendar, day: dt.date, _sets: tuple[set, set] | None = None) -> bool:
    """Whether ``day`` is an office day: a working weekday that is no holiday, or a make-up day."""
    if spec.always_open:
        return True
    holidays, makeups = _sets if _sets is not None else _day_sets(spec)
    if day in makeups:
        return True
    if day in holidays:
        return False
    return WEEKDAYS[day.weekday()] in spec.working_weekdays


def working_days_between(spec: Calendar, start: dt.date, end: dt.date) -> list[dt.date]:
    """Office days from ``start`` to ``end`` inclusive (the slow, obvious reference)."""
    sets = _day_sets(spec)
    out = []
    d = start
    while d <= end:
        if is_working_day(spec, d, sets):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


@dataclass(frozen=True)
class WorkingCalendar:
    """The working clock for one horizon.

    Wall time is measured in minutes since 00:00 of ``origin``; working time in office
    minutes since the first office moment on or after ``origin``.
    """

    origin: dt.date
    n_days: int
    sessions: tuple[tuple[int, int], ...]
    cutoff_offset: float
    is_working: np.ndarray  # bool per calendar day
    work_index: np.ndarray  # working-day index per calendar day, -1 if closed
    next_work_day: np.ndarray  # first working-day index on or after each calendar day
    work_day_cal: np.ndarray  # calendar-day index of each working day
    day_minutes: float = field(init=False)
    _sess_cum: tuple[float, ...] = field(init=False, repr=False)
    _wd_cal_list: list[int] = field(init=False, repr=False)
    _next_list: list[int] = field(init=False, repr=False)
    _widx_list: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        cum = [0.0]
        for a, b in self.sessions:
            cum.append(cum[-1] + (b - a))
        object.__setattr__(self, "day_minutes", cum[-1])
        object.__setattr__(self, "_sess_cum", tuple(cum))
        object.__setattr__(self, "_wd_cal_list", self.work_day_cal.tolist())
        object.__setattr__(self, "_next_list", self.next_work_day.tolist())
        object.__setattr__(self, "_widx_list", self.work_index.tolist())

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, spec: Calendar, start: dt.date, n_days: int) -> WorkingCalendar:
        """Calendar of ``n_days`` days from ``start`` (give a margin past the horizon)."""
        sets = _day_sets(spec)
        days = [start + dt.timedelta(days=i) for i in range(n_days)]
        is_w = np.array([is_working_day(spec, d, sets) for d in days], dtype=bool)
        work_index = np.full(n_days, -1, dtype=np.int64)
        work_index[is_w] = np.arange(int(is_w.sum()))
        work_day_cal = np.flatnonzero(is_w).astype(np.int64)
        n_work = len(work_day_cal)
        # next working day on or after each day (n_work if none)
        nxt = np.searchsorted(work_day_cal, np.arange(n_days), side="left").astype(np.int64)
        sessions = tuple(spec.session_minutes())
        if spec.always_open:
            cutoff = float(parse_clock(spec.same_day_cutoff))
        else:
            cutoff = float(_offset_of(sessions, parse_clock(spec.same_day_cutoff)))
        del n_work
        return cls(
            origin=start,
            n_days=n_days,
            sessions=sessions,
            cutoff_offset=cutoff,
            is_working=is_w,
            work_index=work_index,
            next_work_day=nxt,
            work_day_cal=work_day_cal,
        )

    # ------------------------------------------------------------------ basic facts
    @property
    def n_working_days(self) -> int:
        return len(self.work_day_cal)

    def working_minutes_until(self, day: dt.date) -> float:
        """Working minutes before 00:00 of ``day`` (the working time of that midnight)."""
        i = (day - self.origin).days
        i = min(max(i, 0), self.n_days - 1)
        return float(self._next_list[i]) * self.day_minutes

    def date_of_working_day(self, k: int) -> dt.date:
        return self.origin + dt.timedelta(days=int(self._wd_cal_list[k]))

    def wall_minutes(self, when: dt.datetime | dt.date) -> float:
        """Wall minutes since the origin of a datetime (or a date at 00:00)."""
        if not isinstance(when, dt.datetime):
            when = dt.datetime.combine(when, dt.time())
        delta = when - dt.datetime.combine(self.origin, dt.time())
        return delta.total_seconds() / 60.0

    # ------------------------------------------------------------------ wall -> working
    def to_working(self, wall: np.ndarray) -> np.ndarray:
        """Wall minutes -> working minutes (right-continuous; closed times map forward)."""
        wall = np.asarray(wall, dtype=np.float64)
        day = np.floor(wall / MINUTES_PER_DAY).astype(np.int64)
        day = np.clip(day, 0, self.n_days - 1)
        tod = np.clip(wall - day * MINUTES_PER_DAY, 0.0, MINUTES_PER_DAY)
        offset = np.zeros_like(wall)
        for a, b in self.sessions:
            offset += np.clip(tod - a, 0.0, b - a)
        widx = self.work_index[day]
        out = np.where(
            widx >= 0,
            widx * self.day_minutes + offset,
            self.next_work_day[day] * self.day_minutes,
        )
        return out.astype(np.float64)

    def to_working_scalar(self, wall: float) -> float:
        """Scalar :meth:`to_working` for the simulation's hot path."""
        day = int(wall // MINUTES_PER_DAY)
        if day < 0:
            return 0.0
        if day >= self.n_days:
            day = self.n_days - 1
        widx = self._widx_list[day]
        if widx < 0:
            return self._next_list[day] * self.day_minutes
        tod = wall - day * MINUTES_PER_DAY
        off = 0.0
        for a, b in self.sessions:
            if tod > a:
                off += (b - a) if tod >= b else (tod - a)
        return widx * self.day_minutes + off

    # ------------------------------------------------------------------ working -> wall
    def to_wall(self, work: np.ndarray, side: str = "right") -> np.ndarray:
        """Working minutes -> wall minutes since the origin (NaN stays NaN).

        ``side="left"`` for completion instants (a boundary is the close of the earlier
        session), ``"right"`` for start instants (a boundary is the next opening).
        """
        work = np.asarray(work, dtype=np.float64)
        nan = np.isnan(work)
        w = np.where(nan, 0.0, work)
        L = self.day_minutes
        k = np.floor(w / L).astype(np.int64)
        off = w - k * L
        if side == "left":
            at_boundary = (off == 0) & (k > 0)
            k = np.where(at_boundary, k - 1, k)
            off = np.where(at_boundary, L, off)
        k = np.clip(k, 0, self.n_working_days - 1)
        cum = np.asarray(self._sess_cum)
        starts = np.asarray([a for a, _ in self.sessions], dtype=np.float64)
        s = np.searchsorted(cum[1:], off, side="left" if side == "left" else "right")
        s = np.clip(s, 0, len(self.sessions) - 1)
        tod = starts[s] + (off - cum[s])
        out = self.work_day_cal[k] * MINUTES_PER_DAY + tod
        return np.where(nan, np.nan, out)

    def to_wall_scalar(self, work: float, side: str = "right") -> float:
        L = self.day_minutes
        k = int(work // L)
        off = work - k * L
        if side == "left" and off == 0 and k > 0:
            k -= 1
            off = L
        k = min(max(k, 0), self.n_working_days - 1)
        cum = self._sess_cum
        if side == "left":
            s = 0
            while s < len(self.sessions) - 1 and off > cum[s + 1]:
                s += 1
        else:
            s = bisect_right(cum, off) - 1
            s = min(max(s, 0), len(self.sessions) - 1)
        return self._wd_cal_list[k] * MINUTES_PER_DAY + self.sessions[s][0] + (off - cum[s])

    def to_datetime(self, wall: np.ndarray) -> np.ndarray:
        """Wall minutes -> numpy datetime64[s] (NaT for NaN)."""
        wall = np.asarray(wall, dtype=np.float64)
        base = np.datetime64(self.origin, "s")
        secs = np.round(np.where(np.isnan(wall), 0.0, wall) * 60.0).astype(np.int64)
        out = base + secs.astype("timedelta64[s]")
        return np.where(np.isnan(wall), np.datetime64("NaT"), out)

    # ------------------------------------------------------------------ deadlines
    def receipt_day(self, work: float) -> int:
        """Working day on which a reception completing at ``work`` counts (closing = that day)."""
        if work <= 0:
            return 0
        return max(int(math.ceil(work / self.day_minutes)) - 1, 0)

    def deadline(self, received: float, working_days: int) -> float:
        """Working-minute deadline of a dossier received at ``received`` (see module doc)."""
        L = self.day_minutes
        # receipt_day, inlined: this runs once or twice for every dossier
        d = int(math.ceil(received / L)) - 1
        if d < 0:
            d = 0
        if working_days == 0:
            late = (received - d * L) > self.cutoff_offset
            return (d + 1 + (1 if late else 0)) * L
        return (d + 1 + working_days) * L

    def deadlines(self, received: np.ndarray, working_days: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`deadline`."""
        received = np.asarray(received, dtype=np.float64)
        wd = np.asarray(working_days, dtype=np.int64)
        L = self.day_minutes
        d = np.maximum(np.ceil(received / L).astype(np.int64) - 1, 0)
        late = (received - d * L) > self.cutoff_offset
        extra = np.where(wd == 0, late.astype(np.int64), wd)
        return (d + 1 + extra) * L


def _offset_of(sessions: tuple[tuple[int, int], ...], minute: int) -> int:
    off = 0
    for a, b in sessions:
        off += min(max(minute - a, 0), b - a)
    return off
