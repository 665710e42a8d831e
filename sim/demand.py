"""Arrival streams and per-dossier work, generated up front as numpy arrays.

Demand originates at a dossier's *home unit* ``h`` (where the applicant lives) at rate
``lambda_h`` dossiers per ordinary working day: ``population_h / 1000 *
per_1000_residents_per_working_day`` unless ``dossiers_per_working_day`` sets it. For each
home unit and channel the arrivals are a non-homogeneous Poisson process with a
piecewise-constant intensity:

* in person and by post: only in office hours, shaped by ``in_person_hour_factors`` over the
  open part of each hour, scaled by ``weekday_factors`` and surges;
* online: any hour of any day, shaped by ``online_hour_factors``; a day the offices are closed
  gets ``non_working_day_online_factor`` of an ordinary working day's online volume.

Each dossier then draws its procedure (given its channel: P(p | c) is proportional to
share_p x P(c | p)), whether it is submitted outside its home unit (``phi_dia_gioi_share``)
and, if so, the receiving unit, chosen among the other units with weights population x
attraction (district centres attract ``centre_attraction`` times more). Work content (desk
minutes, processing and approval minutes, incompleteness, supplement delay) is drawn here
too, so the SimPy model only consumes arrays.

Every block (home unit x channel) draws from its own named streams, so changing staffing,
network or another unit's demand leaves these arrays untouched (common random numbers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from sim.calendar import MINUTES_PER_DAY, WorkingCalendar
from sim.network import shift_out_of_outages
from sim.rng import stream
from sim.scenario import CHANNELS, WEEKDAYS, Scenario

IN_PERSON, ONLINE, POST = 0, 1, 2
BACKLOG_BLOCK = 1 << 20
"""Key blocks of the inherited dossiers start here (entry k of the backlog: block + k)."""


@dataclass
class Dossiers:
    """All dossiers of one replication, sorted by working-clock arrival."""

    wall_arrival: np.ndarray  # wall minutes since the horizon origin (after outage shift)
    arrival: np.ndarray  # working minutes
    home: np.ndarray  # unit index (int16)
    receiving: np.ndarray  # unit index (int16)
    procedure: np.ndarray  # procedure index (int16)
    channel: np.ndarray  # 0 in person, 1 online, 2 post (int8)
    reception_minutes: np.ndarray
    processing_minutes: np.ndarray
    approval_minutes: np.ndarray
    incomplete: np.ndarray  # bool
    supplement_delay_minutes: np.ndarray  # wall minutes until the applicant supplements
    key: np.ndarray  # stable identity under common random numbers (int64, see generate)
    # deadline (working minutes) of a dossier inherited on the first day, else NaN
    # (all NaN when not given)
    inherited_due: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.inherited_due is None:
            self.inherited_due = np.full(len(self.arrival), np.nan)

    def __len__(self) -> int:
        return len(self.arrival)

    @property
    def phi_dia_gioi(self) -> np.ndarray:
        return self.home != self.receiving


def _weekday_factor(scn: Scenario, day: dt.date) -> float:
    return float(scn.demand.weekday_factors.get(WEEKDAYS[day.weekday()], 1.0))  # type: ignore[call-overload]


def _surge_factors(scn: Scenario, days: list[dt.date], codes: list[str]) -> np.ndarray:
    """Multiplier per (unit, day) from demand surges."""
    out = np.ones((len(codes), len(days)))
    for sg in scn.demand.surges:
        dmask = np.array([sg.start <= d <= sg.end for d in days])
        umask = np.ones(len(codes), bool) if sg.units is None else np.isin(codes, sg.units)
        out[np.ix_(umask, dmask)] *= sg.factor
    return out


def _office_slots(
    sessions: tuple[tuple[int, int], ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Within-day slots (start, length, hour) splitting office sessions at whole hours."""
    st, ln, hr = [], [], []
    for a, b in sessions:
        t = a
        while t < b:
            nxt = min(b, (t // 60 + 1) * 60)
            st.append(t)
            ln.append(nxt - t)
            hr.append(min(t // 60, 23))
            t = nxt
    return np.array(st, float), np.array(ln, float), np.array(hr, int)


def _hour_weights(factors: dict[int, float]) -> np.ndarray:
    w = np.ones(24)
    for h, f in factors.items():
        w[int(h)] = f
    return w


def home_demand_rates(scn: Scenario, frame: pd.DataFrame) -> np.ndarray:
    """Home demand per ordinary working day for each active unit (rows of ``frame``)."""
    rate = scn.demand.per_1000_residents_per_working_day
    lam = frame["population"].to_numpy(float) / 1000.0 * rate
    for i, code in enumerate(frame["code"]):
        if code in scn.demand.dossiers_per_working_day:
            lam[i] = scn.demand.dossiers_per_working_day[code]
    return lam


def attraction_weights(scn: Scenario, frame: pd.DataFrame) -> np.ndarray:
    """Weight of each active unit as a receiver of phi-địa-giới submissions."""
    att = np.where(frame["district_centre"].to_numpy(bool), scn.demand.centre_attraction, 1.0)
    for i, code in enumerate(frame["code"]):
        if code in scn.demand.attraction:
            att[i] = scn.demand.attraction[code]
    return frame["population"].to_numpy(float) * att


def procedure_shares(scn: Scenario, unit_type: str) -> np.ndarray:
    """Procedure mix of a unit type (base shares times type multipliers, renormalised)."""
    procs = list(scn.procedures.values())
    share = np.array([p.share for p in procs], float)
    mult = scn.demand.share_multipliers_by_unit_type.get(unit_type, {})  # type: ignore[call-overload]
    share *= np.array([mult.get(pid, 1.0) for pid in scn.procedures], float)
    total = share.sum()
    return share / total if total > 0 else share


def channel_matrix(scn: Scenario) -> np.ndarray:
    """P(channel | procedure), shape (procedures, 3).

    ``demand.online_shift`` moves that fraction of every procedure's in-person share online
    (a what-if knob: "online share rises to 90%").
    """
    m = np.array(
        [[getattr(p.channels, c) for c in CHANNELS] for p in scn.procedures.values()], float
    )
    shift = scn.demand.online_shift * m[:, IN_PERSON]
    m[:, IN_PERSON] -= shift
    m[:, ONLINE] += shift
    return m


@dataclass(frozen=True)
class _Profile:
    """What shapes demand over the horizon, the same for every unit and channel."""

    n_days: int
    wday: np.ndarray  # weekday factor of each day
    surge: np.ndarray  # (units, days) surge multipliers
    home_rates: np.ndarray  # home demand per ordinary working day of each unit
    weights: np.ndarray  # attraction of each unit as a phi-địa-giới receiver
    chan: np.ndarray  # (procedures, channels) channel mix
    office_start: np.ndarray  # office slots of a working day: start (minutes after midnight)
    office_len: np.ndarray  # ... their length (minutes)
    office_frac: np.ndarray  # ... and their share of a day's in-person or post submissions
    online_frac: np.ndarray  # share of a day's online submissions in each of its 24 hours
    online_day: np.ndarray  # online day factor (weekday, or the non-working-day factor)
    work_days: np.ndarray  # indices of the working days
    pdg_share: float  # share of dossiers submitted away from home (phi địa giới)


def _profile(scn: Scenario, cal: WorkingCalendar, frame: pd.DataFrame) -> _Profile:
    codes = list(frame["code"])
    days = [scn.horizon.start + dt.timedelta(days=i) for i in range(scn.horizon.days)]
    working = cal.is_working[: len(days)]
    wday = np.array([_weekday_factor(scn, d) for d in days])
    # in-person / post: office slots of working days
    o_start, o_len, o_hour = _office_slots(cal.sessions)
    o_w = _hour_weights(scn.demand.in_person_hour_factors)[o_hour] * o_len
    # online: 24 hourly slots of every day
    on_w = _hour_weights(scn.demand.online_hour_factors)
    return _Profile(
        n_days=len(days),
        wday=wday,
        surge=_surge_factors(scn, days, codes),
        home_rates=home_demand_rates(scn, frame),
        weights=attraction_weights(scn, frame),
        chan=channel_matrix(scn),
        office_start=o_start,
        office_len=o_len,
        office_frac=o_w / o_w.sum(),
        online_frac=on_w / on_w.sum(),
        online_day=np.where(working, wday, scn.demand.non_working_day_online_factor),
        work_days=np.flatnonzero(working),
        pdg_share=scn.demand.phi_dia_gioi_share if len(codes) > 1 else 0.0,
    )


def generate(
    scn: Scenario,
    cal: WorkingCalendar,
    frame: pd.DataFrame,
    seed: int,
    rep: int,
    system_down_wall: tuple[np.ndarray, np.ndarray] = (np.empty(0), np.empty(0)),
) -> Dossiers:
    """Draw every dossier of replication ``rep``.

    Each (home unit, channel) block draws from three streams of its own, in this order:
    ``arrivals`` (times), ``attributes`` (procedure, receiving unit), ``work`` (officer
    minutes, completeness, supplement delay); the inherited backlog comes first.

    Parameters
    ----------
    frame
        The active units (rows of the packaged units table, in model order).
    system_down_wall
        System outages (wall minutes); online submissions inside one are deferred to its end.
    """
    codes = list(frame["code"])
    prof = _profile(scn, cal, frame)
    blocks: list[dict[str, np.ndarray]] = _backlog_blocks(scn, cal, codes, seed, rep)
    for h, code in enumerate(codes):
        share = _unit_procedure_shares(scn, str(frame["type"].iloc[h]), code)
        p_chan = share @ prof.chan  # P(channel) at this home unit
        recv_p = prof.weights.copy()
        recv_p[h] = 0.0
        recv_p = recv_p / recv_p.sum() if recv_p.sum() > 0 else recv_p
        for c, cname in enumerate(CHANNELS):
            if p_chan[c] <= 0 or prof.home_rates[h] <= 0:
                continue
            rng_a = stream(seed, rep, "arrivals", code, cname)
            t = _arrival_times(rng_a, prof, h, c, prof.home_rates[h] * p_chan[c])
            n = len(t)
            if n == 0:
                continue
            rng_b = stream(seed, rep, "attributes", code, cname)
            p_cond = share * prof.chan[:, c]
            proc = rng_b.choice(len(scn.procedures), size=n, p=p_cond / p_cond.sum())
            proc = proc.astype(np.int16)
            pdg = rng_b.random(n) < prof.pdg_share
            recv = np.full(n, h, dtype=np.int16)
            k = int(pdg.sum())
            if k:
                recv[pdg] = rng_b.choice(len(codes), size=k, p=recv_p)
            work = _work(scn, stream(seed, rep, "work", code, cname), proc)
            if c == ONLINE:
                t = shift_out_of_outages(t, *system_down_wall)
            blocks.append(
                dict(
                    wall_arrival=t,
                    home=np.full(n, h, dtype=np.int16),
                    receiving=recv,
                    procedure=proc,
                    channel=np.full(n, c, dtype=np.int8),
                    **work,
                    # (home unit, channel, draw order): the same dossier in every scenario
                    # that shares these streams, whatever the order of arrival
                    key=(h * 3 + c) * (1 << 32) + np.arange(n, dtype=np.int64),
                    inherited_due=np.full(n, np.nan),
                )
            )
    return _in_arrival_order(blocks, cal)


def _unit_procedure_shares(scn: Scenario, unit_type: str, code: str) -> np.ndarray:
    """Procedure mix of one home unit: by unit type, times its own multipliers if any."""
    share = procedure_shares(scn, unit_type)
    by_unit = scn.demand.share_multipliers_by_unit.get(code)
    if by_unit and any(m != 1.0 for m in by_unit.values()):
        share = share * np.array([by_unit.get(pid, 1.0) for pid in scn.procedures], float)
        share = share / share.sum() if share.sum() > 0 else share
    return share


def _arrival_times(
    rng: np.random.Generator, prof: _Profile, h: int, c: int, rate: float
) -> np.ndarray:
    """Sorted submission times (wall minutes) of unit ``h`` on channel ``c``.

    A Poisson count per slot (online: every hour of every day; in person and post: the
    office slots of working days), each time uniform within its slot. ``rate`` is the
    channel's dossiers per ordinary working day.
    """
    if c == ONLINE:
        day_mult = prof.online_day * prof.surge[h]
        mu = rate * np.outer(day_mult, prof.online_frac)  # (days, 24)
        slot_start = (
            np.arange(prof.n_days)[:, None] * MINUTES_PER_DAY + 60.0 * np.arange(24)
        ).ravel()
        slot_len = np.full(slot_start.shape, 60.0)
    else:
        day_mult = (prof.wday * prof.surge[h])[prof.work_days]
        mu = rate * np.outer(day_mult, prof.office_frac)
        slot_start = (
            prof.work_days[:, None] * MINUTES_PER_DAY + prof.office_start[None, :]
        ).ravel()
        slot_len = np.tile(prof.office_len, len(prof.work_days))
    counts = rng.poisson(mu.ravel())
    n = int(counts.sum())
    if n == 0:
        return np.empty(0)
    t = np.repeat(slot_start, counts) + rng.random(n) * np.repeat(slot_len, counts)
    t.sort()
    return t


def _work(scn: Scenario, rng: np.random.Generator, proc: np.ndarray) -> dict[str, np.ndarray]:
    """Officer minutes of each stage (by procedure, in procedure order), whether each dossier
    is incomplete, and the applicant's supplement delay (wall minutes)."""
    procs = list(scn.procedures.values())
    n = len(proc)
    rec = np.empty(n)
    pro = np.zeros(n)
    app = np.zeros(n)
    for j, pr in enumerate(procs):
        idx = np.flatnonzero(proc == j)
        m = len(idx)
        if m == 0:
            continue
        rec[idx] = pr.reception_minutes.sample(rng, m)
        if pr.processing_minutes is not None:
            pro[idx] = pr.processing_minutes.sample(rng, m)
        if pr.approval_minutes is not None:
            app[idx] = pr.approval_minutes.sample(rng, m)
    inc_p = np.array([pr.incomplete_probability for pr in procs])[proc]
    incomplete = rng.random(n) < inc_p
    delay = scn.supplements.return_delay_days.sample(rng, n) * MINUTES_PER_DAY
    return {
        "reception_minutes": rec,
        "processing_minutes": pro,
        "approval_minutes": app,
        "incomplete": incomplete,
        "supplement_delay_minutes": delay,
    }


def _in_arrival_order(blocks: list[dict[str, np.ndarray]], cal: WorkingCalendar) -> Dossiers:
    """The blocks as one :class:`Dossiers`, in queue order."""
    names = [f.name for f in fields(Dossiers) if f.name != "arrival"]
    if not blocks:
        empty = {k: np.empty(0) for k in names}
        return Dossiers(arrival=np.empty(0), **empty)
    cat = {k: np.concatenate([b[k] for b in blocks]) for k in names}
    arrival = cal.to_working(cat["wall_arrival"])
    # FIFO: by working arrival, then by submission time (a night's online dossiers are
    # queued in the order they were submitted), then by block order (stable)
    # inherited dossiers (all at time 0) come first
    order = np.lexsort((cat["wall_arrival"], np.isnan(cat["inherited_due"]), arrival))
    return Dossiers(arrival=arrival[order], **{k: v[order] for k, v in cat.items()})


@dataclass
class MechanismDraws:
    """Per-dossier random quantities of the lateness mechanisms (in dossier order).

    Each mechanism draws from streams of its own, one per block (home unit x channel) in the
    block's draw order (the low bits of :attr:`Dossiers.key`), so switching a mechanism on
    or off, or changing its parameters, leaves every other draw untouched (common random
    numbers). A mechanism that is off draws nothing; its arrays are then empty.

    Uniforms ``*_u`` (float32) decide whether a dossier meets the step (``u < probability``); delays
    are in wall minutes (calendar time) unless named ``*_working_minutes``; ``printing`` is
    officer minutes.
    """

    consultation_u: np.ndarray
    consultation_delay: np.ndarray  # wall minutes, before the branch factor
    financial_u: np.ndarray
    tax_notice_delay: np.ndarray  # wall minutes
    payment_delay: np.ndarray  # wall minutes
    printing: np.ndarray  # officer minutes
    closing_u: np.ndarray
    closing_lag_working_minutes: np.ndarray
    supplement_counted_u: np.ndarray
    financial_counted_u: np.ndarray
    sync_u: np.ndarray
    sync_delay: np.ndarray  # wall minutes


def _backlog_blocks(
    scn: Scenario, cal: WorkingCalendar, codes: list[str], seed: int, rep: int
) -> list[dict[str, np.ndarray]]:
    """The inherited dossiers of ``initial_backlog``, one block per entry (simulated units)."""
    if not scn.initial_backlog.enabled or scn.initial_backlog.handover_date != scn.horizon.start:
        return []
    pids = list(scn.procedures)
    out: list[dict[str, np.ndarray]] = []
    for k, e in enumerate(scn.initial_backlog.entries):
        if e.unit not in codes or e.count == 0:
            continue
        n, u, j = e.count, codes.index(e.unit), pids.index(e.procedure)
        pr = scn.procedures[e.procedure]
        g = stream(seed, rep, "backlog", k)
        consumed = np.floor(e.consumed_working_days.sample(g, n))
        overdue = g.random(n) < e.overdue_share
        pro = pr.processing_minutes.sample(g, n) if pr.processing_minutes else np.zeros(n)
        app = pr.approval_minutes.sample(g, n) if pr.approval_minutes else np.zeros(n)
        left = np.maximum(pr.deadline_working_days - consumed, 0).astype(np.int64)
        due = cal.deadlines(np.zeros(n), left)
        out.append(
            dict(
                wall_arrival=np.zeros(n),
                home=np.full(n, u, dtype=np.int16),
                receiving=np.full(n, u, dtype=np.int16),
                procedure=np.full(n, j, dtype=np.int16),
                channel=np.full(n, IN_PERSON, dtype=np.int8),
                reception_minutes=np.zeros(n),
                processing_minutes=pro,
                approval_minutes=app,
                incomplete=np.zeros(n, dtype=bool),
                supplement_delay_minutes=np.zeros(n),
                key=(BACKLOG_BLOCK + k) * (1 << 32) + np.arange(n, dtype=np.int64),
                inherited_due=np.where(overdue, 0.0, due).astype(float),
            )
        )
    return out


def _u32(g: np.random.Generator, m: int) -> np.ndarray:
    """``m`` uniforms in [0, 1) as float32 (half the memory; ample for a probability)."""
    return g.random(m, dtype=np.float32)


def _per_block(
    ds: Dossiers,
    codes: list[str],
    seed: int,
    rep: int,
    name: str,
    draw: Callable[[np.random.Generator, int], list[np.ndarray]],
) -> list[np.ndarray]:
    """Arrays drawn block by block from the stream ``(name, unit, channel)``, in dossier order."""
    n = len(ds)
    order = np.argsort(ds.key, kind="stable")
    block = ds.key[order] >> 32
    cuts = np.flatnonzero(np.diff(block)) + 1
    outs: list[np.ndarray] | None = None
    for seg in np.split(np.arange(n), cuts) if n else []:
        b = int(block[seg[0]])
        if b >= BACKLOG_BLOCK:
            g = stream(seed, rep, name, "backlog", b - BACKLOG_BLOCK)
        else:
            h, c = divmod(b, 3)
            g = stream(seed, rep, name, codes[h], CHANNELS[c])
        values = draw(g, len(seg))
        if outs is None:
            outs = [np.empty(n, dtype=v.dtype) for v in values]
        for out, v in zip(outs, values, strict=True):
            out[order[seg]] = v
    return outs if outs is not None else []


def draw_mechanisms(
    scn: Scenario, ds: Dossiers, codes: list[str], seed: int, rep: int
) -> MechanismDraws:
    """Draw the per-dossier quantities of the mechanisms that are on (see the class doc)."""
    none = np.empty(0)
    day = float(MINUTES_PER_DAY)
    lr, rc, sy = scn.land_route, scn.recorded_clock, scn.systems
    consult_u = consult = fin_u = tax = pay = printing = none
    closing_u = closing = sync_u = sync = supp_counted_u = fin_counted_u = none
    n = len(ds)
    if lr.enabled and n:
        consult_u, consult = _per_block(
            ds, codes, seed, rep, "land_consultation",
            lambda g, m: [_u32(g, m), lr.consultation_delay_days.sample(g, m) * day],
        )  # fmt: skip
        fin_u, tax, pay = _per_block(
            ds, codes, seed, rep, "land_financial",
            lambda g, m: [
                _u32(g, m),
                lr.tax_notice_delay_days.sample(g, m) * day,
                lr.payment_delay_days.sample(g, m) * day,
            ],
        )  # fmt: skip
        (printing,) = _per_block(
            ds, codes, seed, rep, "land_printing", lambda g, m: [lr.printing_minutes.sample(g, m)]
        )
    if rc.enabled and n:
        closing_u, closing = _per_block(
            ds, codes, seed, rep, "closing_lag",
            lambda g, m: [_u32(g, m), rc.closing_lag_working_hours.sample(g, m) * 60.0],
        )  # fmt: skip
        supp_counted_u, fin_counted_u = _per_block(
            ds,
            codes,
            seed,
            rep,
            "recorded_pauses",
            lambda g, m: [_u32(g, m), _u32(g, m)],
        )
    if sy.enabled and n:
        sync_u, sync = _per_block(
            ds, codes, seed, rep, "sync_failure",
            lambda g, m: [_u32(g, m), sy.sync_fix_delay_days.sample(g, m) * day],
        )  # fmt: skip
    return MechanismDraws(
        consult_u,
        consult,
        fin_u,
        tax,
        pay,
        printing,
        closing_u,
        closing,
        supp_counted_u,
        fin_counted_u,
        sync_u,
        sync,
    )
