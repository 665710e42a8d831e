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


def generate(
    scn: Scenario,
    cal: WorkingCalendar,
    frame: pd.DataFrame,
    seed: int,
    rep: int,
    system_down_wall: tuple[np.ndarray, np.ndarray] = (np.empty(0), np.empty(0)),
) -> Dossiers:
    """Draw every dossier of replication ``rep``.

    Parameters
    ----------
    frame
        The active units (rows of the packaged units table, in model order).
    system_down_wall
        System outages (wall minutes); online submissions inside one are deferred to its end.
    """
    codes = list(frame["code"])
    n_units = len(codes)
    days = [scn.horizon.start + dt.timedelta(days=i) for i in range(scn.horizon.days)]
    n_days = len(days)
    working = cal.is_working[:n_days]
    wday = np.array([_weekday_factor(scn, d) for d in days])
    surge = _surge_factors(scn, days, codes)
    lam = home_demand_rates(scn, frame)
    weights = attraction_weights(scn, frame)
    chan = channel_matrix(scn)
    procs = list(scn.procedures.values())
    n_proc = len(procs)
    pdg_share = scn.demand.phi_dia_gioi_share if n_units > 1 else 0.0

    # in-person / post: office slots of working days
    o_start, o_len, o_hour = _office_slots(cal.sessions)
    o_w = _hour_weights(scn.demand.in_person_hour_factors)[o_hour] * o_len
    o_frac = o_w / o_w.sum()
    # online: 24 hourly slots of every day
    on_w = _hour_weights(scn.demand.online_hour_factors)
    on_frac = on_w / on_w.sum()
    online_day = np.where(working, wday, scn.demand.non_working_day_online_factor)
    work_days_idx = np.flatnonzero(working)

    blocks: list[dict[str, np.ndarray]] = _backlog_blocks(scn, cal, codes, seed, rep)
    for h, code in enumerate(codes):
        utype = str(frame["type"].iloc[h])
        share = procedure_shares(scn, utype)
        by_unit = scn.demand.share_multipliers_by_unit.get(code)
        if by_unit and any(m != 1.0 for m in by_unit.values()):
            share = share * np.array([by_unit.get(pid, 1.0) for pid in scn.procedures], float)
            share = share / share.sum() if share.sum() > 0 else share
        p_chan = share @ chan  # P(channel) at this home unit
        recv_p = weights.copy()
        recv_p[h] = 0.0
        recv_p = recv_p / recv_p.sum() if recv_p.sum() > 0 else recv_p
        for c, cname in enumerate(CHANNELS):
            if p_chan[c] <= 0 or lam[h] <= 0:
                continue
            rng_a = stream(seed, rep, "arrivals", code, cname)
            if c == ONLINE:
                day_mult = online_day * surge[h]
                mu = lam[h] * p_chan[c] * np.outer(day_mult, on_frac)  # (days, 24)
                slot_start = (
                    np.arange(n_days)[:, None] * MINUTES_PER_DAY + 60.0 * np.arange(24)
                ).ravel()
                slot_len = np.full(slot_start.shape, 60.0)
            else:
                day_mult = (wday * surge[h])[work_days_idx]
                mu = lam[h] * p_chan[c] * np.outer(day_mult, o_frac)
                slot_start = (work_days_idx[:, None] * MINUTES_PER_DAY + o_start[None, :]).ravel()
                slot_len = np.tile(o_len, len(work_days_idx))
            counts = rng_a.poisson(mu.ravel())
            n = int(counts.sum())
            if n == 0:
                continue
            t = np.repeat(slot_start, counts) + rng_a.random(n) * np.repeat(slot_len, counts)
            t.sort()

            rng_b = stream(seed, rep, "attributes", code, cname)
            p_cond = share * chan[:, c]
            p_cond = p_cond / p_cond.sum()
            proc = rng_b.choice(n_proc, size=n, p=p_cond).astype(np.int16)
            pdg = rng_b.random(n) < pdg_share
            recv = np.full(n, h, dtype=np.int16)
            k = int(pdg.sum())
            if k:
                recv[pdg] = rng_b.choice(n_units, size=k, p=recv_p)

            rng_w = stream(seed, rep, "work", code, cname)
            rec = np.empty(n)
            pro = np.zeros(n)
            app = np.zeros(n)
            for j, pr in enumerate(procs):
                idx = np.flatnonzero(proc == j)
                m = len(idx)
                if m == 0:
                    continue
                rec[idx] = pr.reception_minutes.sample(rng_w, m)
                if pr.processing_minutes is not None:
                    pro[idx] = pr.processing_minutes.sample(rng_w, m)
                if pr.approval_minutes is not None:
                    app[idx] = pr.approval_minutes.sample(rng_w, m)
            inc_p = np.array([pr.incomplete_probability for pr in procs])[proc]
            incomplete = rng_w.random(n) < inc_p
            delay = scn.supplements.return_delay_days.sample(rng_w, n) * MINUTES_PER_DAY
            if c == ONLINE:
                t = shift_out_of_outages(t, *system_down_wall)
            blocks.append(
                dict(
                    wall_arrival=t,
                    home=np.full(n, h, dtype=np.int16),
                    receiving=recv,
                    procedure=proc,
                    channel=np.full(n, c, dtype=np.int8),
                    reception_minutes=rec,
                    processing_minutes=pro,
                    approval_minutes=app,
                    incomplete=incomplete,
                    supplement_delay_minutes=delay,
                    # (home unit, channel, draw order): the same dossier in every scenario
                    # that shares these streams, whatever the order of arrival
                    key=(h * 3 + c) * (1 << 32) + np.arange(n, dtype=np.int64),
                    inherited_due=np.full(n, np.nan),
                )
            )

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
