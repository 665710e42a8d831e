"""The SimPy model: how a dossier (hồ sơ) travels through the one-stop mechanism.

The story of a dossier
----------------------
An applicant who lives in *home unit* B submits a dossier for some procedure at *receiving
unit* A (usually A = B; otherwise it is a "phi địa giới" submission). In person or by post it
arrives while the office is open and joins the queue at A's one-stop desk; online it may come
at any hour and waits in A's online inbox. A one-stop officer of A (or, with pooling, of
another unit) checks it (*tiếp nhận*): this takes desk minutes plus a few interactions with
the provincial system, which stretch when A's link or the system is loaded and stop while
either is down. With the completion of the check the dossier is *received* and its statutory
clock starts (an online dossier's clock starts at the latest when the receive-within limit
expires, even if nobody has picked it up yet).

Some dossiers are incomplete. The applicant is asked for supplements, comes back after a
random delay (calendar days), and the dossier is checked again at A's desk; the statutory
clock restarts, pauses or keeps running as the scenario says.

Then the dossier is processed (*thẩm định*) by the competent specialists: the specialist pool
of A (procedures any unit may handle, such as copy certification), of B (after an electronic
transfer from A to B, which needs both links and the system), or of a second-tier agency
branch serving A (land registration, vertical agencies). Finally a leader of the processing
unit signs it (*ký duyệt*) and the result is returned. The dossier is *on time* if this
happens by its deadline; dossiers still open when the horizon ends are reported apart.

How it is simulated
-------------------
Everything random was drawn beforehand (:mod:`sim.demand`, :mod:`sim.network`); this module
only moves dossiers through officer pools on the *working clock* of :mod:`sim.calendar`, in
which closed hours do not exist, so no process ever sleeps through a night. Pools are light
FIFO multi-server queues with a daily capacity (officers present that day, drawn from the
availability). A stage that needs the system progresses only while the system is reachable;
the officer stays with the dossier meanwhile. Timestamps go into preallocated columns.

A dossier is not a SimPy process but a single event that is scheduled again at each of its
waits, with the callback of its next step (:class:`_Dossier`): the same events at the same
moments as one generator process per dossier would schedule, without the process machinery.
Same seed, same numbers.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy
from simpy.events import NORMAL, URGENT

from sim.calendar import WorkingCalendar
from sim.demand import IN_PERSON, Dossiers, generate
from sim.network import NetworkState, build_network
from sim.records import Records
from sim.rng import stream
from sim.scenario import Scenario, staff_count
from sim.units import load_units

NO_POOL = -1
NAN = float("nan")


class Pool:
    """A pool of interchangeable officers: a FIFO multi-server queue with daily capacity.

    Two waiting lines (``high`` before ``low``) give in-person applicants priority over the
    online inbox when the scenario asks for it. ``free`` is the number of idle officers
    present; it goes negative when fewer officers are present than are still busy (they
    finish their dossier and are then not replaced).
    """

    __slots__ = (
        "busy",
        "busy_minutes",
        "capacity",
        "free",
        "high",
        "kind",
        "low",
        "name",
        "net_unit",
        "overtime_minutes",
        "served",
        "since",
        "staff",
        "unit",
    )

    def __init__(self, name: str, kind: str, unit: int, net_unit: int, staff: int) -> None:
        self.name = name
        self.kind = kind  # reception / specialist role / leader / agency id
        self.unit = unit  # unit index (or -1 for agencies)
        self.net_unit = net_unit  # whose link the officers use
        self.staff = staff
        self.capacity = 0
        self.free = 0
        self.busy = 0
        self.high: deque[simpy.Event] = deque()
        self.low: deque[simpy.Event] = deque()
        self.busy_minutes = 0.0
        self.served = 0
        # officers still finishing a dossier after fewer were present than busy ("overtime"):
        # integral of max(0, -free) over time, so utilisation stays within [0, 1]
        self.overtime_minutes = 0.0
        self.since = 0.0

    def settle(self, now: float) -> None:
        """Accumulate overtime up to ``now`` (call before ``free`` changes while negative)."""
        if self.free < 0:
            self.overtime_minutes -= self.free * (now - self.since)
        self.since = now

    def set_capacity(self, n: int, now: float = 0.0) -> None:
        self.settle(now)
        self.free += n - self.capacity
        self.capacity = n
        while self.free > 0 and (self.high or self.low):
            self.free -= 1
            (self.high or self.low).popleft().succeed()

    def queue_length(self) -> int:
        return len(self.high) + len(self.low)


@dataclass
class Layout:
    """Units, pools and routing of a scenario (no randomness; reused by all replications)."""

    codes: list[str]
    frame: pd.DataFrame
    procedure_ids: list[str]
    pool_specs: list[tuple[str, str, int, int, int]]  # name, kind, unit, net_unit, staff
    reception_pool: np.ndarray  # per unit
    processing_pool: np.ndarray  # (procedure, unit) -> pool, by the unit that handles it
    approval_pool: np.ndarray  # (procedure, unit)
    handled_by: np.ndarray  # per procedure: 0 receiving, 1 home, 2 agency
    deadline_days: np.ndarray
    interactions: np.ndarray  # (procedure, 4): reception, transfer, processing, approval
    reception_groups: list[list[int]]  # per unit: reception pools its online dossiers may use


def build_layout(scn: Scenario) -> Layout:
    """Pools and routing tables of a scenario."""
    table = load_units().frame
    codes = scn.unit_codes()
    frame = table[table["code"].isin(codes)].reset_index(drop=True)
    pids = list(scn.procedures)
    procs = list(scn.procedures.values())
    specs: list[tuple[str, str, int, int, int]] = []

    def add(name: str, kind: str, unit: int, net_unit: int, staff: int) -> int:
        specs.append((name, kind, unit, net_unit, staff))
        return len(specs) - 1

    roles = sorted({p.role for p in procs if p.role and p.processing_minutes is not None})
    reception = np.zeros(len(codes), dtype=np.int64)
    role_pool: dict[tuple[int, str], int] = {}
    leader_pool: dict[int, int] = {}
    needs_leader = any(p.approval_minutes is not None and p.handled_by != "agency" for p in procs)
    for u, code in enumerate(codes):
        ut = str(frame["type"].iloc[u])
        reception[u] = add(
            f"{code}/reception", "reception", u, u, staff_count(scn, code, ut, "reception")
        )
        for r in roles:
            role_pool[(u, r)] = add(f"{code}/{r}", r, u, u, staff_count(scn, code, ut, r))
        if needs_leader:
            leader_pool[u] = add(
                f"{code}/leader", "leader", u, u, staff_count(scn, code, ut, "leader")
            )

    # second-tier agencies: a branch per former district (hosted at its centre) or one for all
    agency_pool: dict[tuple[str, int], int] = {}
    for aid, ag in scn.agencies.items():
        if ag.serves == "province":
            groups = {"province": list(range(len(codes)))}
        else:
            groups = {}
            for u in range(len(codes)):
                groups.setdefault(str(frame["former_district"].iloc[u]), []).append(u)
        for members in groups.values():
            centres = [u for u in members if bool(frame["district_centre"].iloc[u])]
            host = (
                centres[0] if centres else max(members, key=lambda u: frame["population"].iloc[u])
            )
            served = float(frame["population"].iloc[members].sum())
            host_code = codes[host]
            base = ag.staff.get(host_code)
            if base is None:
                base = max(
                    ag.min_staff, math.floor(ag.staff_per_10k_residents * served / 1e4 + 0.5)
                )
            staff = int(math.floor(base * ag.multiplier + 0.5))
            pid = add(f"{aid}@{host_code}", aid, -1, host, staff)
            for u in members:
                agency_pool[(aid, u)] = pid

    n_p, n_u = len(procs), len(codes)
    processing = np.full((n_p, n_u), NO_POOL, dtype=np.int64)
    approval = np.full((n_p, n_u), NO_POOL, dtype=np.int64)
    handled = np.zeros(n_p, dtype=np.int64)
    for j, p in enumerate(procs):
        handled[j] = {"receiving_unit": 0, "home_unit": 1, "agency": 2}[p.handled_by]
        for u in range(n_u):
            if p.processing_minutes is not None:
                if p.handled_by == "agency":
                    assert p.agency is not None
                    processing[j, u] = agency_pool[(p.agency, u)]
                else:
                    assert p.role is not None
                    processing[j, u] = role_pool[(u, p.role)]
            if p.approval_minutes is not None and p.handled_by != "agency":
                approval[j, u] = leader_pool[u]
    inter = np.array(
        [
            [
                p.system_interactions.reception,
                p.system_interactions.transfer,
                p.system_interactions.processing,
                p.system_interactions.approval,
            ]
            for p in procs
        ],
        dtype=np.int64,
    )
    mode = scn.pooling.online_reception
    groups_r: list[list[int]] = []
    for u in range(n_u):
        if mode == "none":
            members = [u]
        elif mode == "province":
            members = list(range(n_u))
        else:
            fd = frame["former_district"].iloc[u]
            members = [v for v in range(n_u) if frame["former_district"].iloc[v] == fd]
        members.remove(u)
        groups_r.append([int(reception[u])] + [int(reception[v]) for v in members])
    return Layout(
        codes=codes,
        frame=frame,
        procedure_ids=pids,
        pool_specs=specs,
        reception_pool=reception,
        processing_pool=processing,
        approval_pool=approval,
        handled_by=handled,
        deadline_days=np.array([p.deadline_working_days for p in procs], dtype=np.int64),
        interactions=inter,
        reception_groups=groups_r,
    )


def horizon_calendar(scn: Scenario) -> WorkingCalendar:
    """Working calendar of the horizon plus a margin long enough for every deadline.

    The margin covers the longest statutory time counted in weeks of the scenario's working
    weekdays (holidays aside), plus supplement returns; at least a year.
    """
    longest = max((p.deadline_working_days for p in scn.procedures.values()), default=0)
    per_week = max(len(scn.calendar.working_weekdays), 1)
    margin = max(400, math.ceil((longest + 5) * 7 / per_week) + 120)
    return WorkingCalendar.build(scn.calendar, scn.horizon.start, scn.horizon.days + margin)


@dataclass
class RepOutput:
    """Everything one replication produced (arrays; frames are built in sim.results)."""

    rep: int
    seed: int
    dossiers: Dossiers
    records: Records
    pools: pd.DataFrame
    horizon_end: float  # working minutes
    down_minutes: np.ndarray
    events: int


def daily_capacity(
    specs: list[tuple[str, str, int, int, int]], scn: Scenario, n_days: int, seed: int, rep: int
) -> list[np.ndarray]:
    """Officers present per working day for each pool (each present with prob. availability).

    Officer k of a pool is present on day d if u[k, d] < availability, with the uniforms
    drawn officer by officer from the pool's stream. Adding officers appends rows without
    changing the others', and lowering the availability only removes officers from days
    they were present: staffing what-ifs stay coupled under common random numbers.
    """
    a = scn.staffing.availability
    out = []
    for name, _kind, _u, _n, staff in specs:
        if a >= 1.0 or staff == 0:
            caps = np.full(n_days, staff, dtype=np.int64)
        else:
            u = stream(seed, rep, "availability", name).random(staff * n_days)
            caps = (u.reshape(staff, n_days) < a).sum(axis=0).astype(np.int64)
            caps = np.maximum(caps, min(staff, scn.staffing.min_on_duty))
        out.append(caps)
    return out


def simulate(
    scn: Scenario,
    rep: int,
    seed: int | None = None,
    layout: Layout | None = None,
    cal: WorkingCalendar | None = None,
) -> RepOutput:
    """Run replication ``rep`` of a scenario and return its raw output."""
    seed = scn.run.seed if seed is None else seed
    layout = layout or build_layout(scn)
    cal = cal or horizon_calendar(scn)
    types = [str(t) for t in layout.frame["type"]]
    net = build_network(scn, cal, layout.codes, types, layout.procedure_ids, seed, rep)
    ds = generate(scn, cal, layout.frame, seed, rep, net.system_down_wall)
    n_work_days = int(cal.is_working[: scn.horizon.days].sum())
    L = cal.day_minutes
    horizon_end = n_work_days * L
    caps = daily_capacity(layout.pool_specs, scn, max(n_work_days, 1), seed, rep)
    rec = Records.allocate(len(ds))
    env = simpy.Environment()
    pools = [Pool(*spec) for spec in layout.pool_specs]
    for pool, c in zip(pools, caps, strict=True):
        pool.set_capacity(int(c[0]))
    _Runner(scn, env, pools, layout, net, cal, ds, rec, horizon_end).start()
    if n_work_days > 1:
        env.process(_staff_days(env, pools, caps, n_work_days, L))
    env.run(until=horizon_end)
    # the horizon is inclusive: a step that ends exactly at its end counts, none starts then
    for pool in pools:
        pool.set_capacity(0, horizon_end)
    while env.peek() <= horizon_end:
        env.step()
    for pool in pools:
        pool.settle(horizon_end)
    events = _events_scheduled(env)
    frame = pd.DataFrame(
        {
            "pool": [p.name for p in pools],
            "kind": [p.kind for p in pools],
            "unit": [layout.codes[p.unit] if p.unit >= 0 else "" for p in pools],
            "host_unit": [layout.codes[p.net_unit] for p in pools],
            "staff": [p.staff for p in pools],
            "officer_minutes": [float(c.sum()) * L for c in caps],
            "overtime_minutes": [p.overtime_minutes for p in pools],
            "busy_minutes": [p.busy_minutes for p in pools],
            "served": [p.served for p in pools],
            "queue_at_end": [p.queue_length() for p in pools],
        }
    )
    return RepOutput(rep, seed, ds, rec, frame, horizon_end, net.down_minutes, events)


def _events_scheduled(env: simpy.Environment) -> int:
    """Number of events SimPy scheduled (its internal event counter; -1 if unavailable)."""
    counter = getattr(env, "_eid", None)
    try:
        return int(next(counter)) if counter is not None else -1
    except TypeError:
        return -1


def _staff_days(
    env: simpy.Environment, pools: list[Pool], caps: list[np.ndarray], n_days: int, L: float
) -> Any:
    for k in range(1, n_days):
        yield env.timeout(k * L - env.now)
        for pool, c in zip(pools, caps, strict=True):
            pool.set_capacity(int(c[k]), env.now)


def _column(values: np.ndarray) -> memoryview:
    """Scalar access to a numpy column from Python without copying it.

    Indexing a memoryview gives Python ints and floats about as fast as an
    :class:`array.array` and much faster than numpy scalar indexing; unlike ``tolist()`` or a
    converted copy it needs no memory of its own.
    """
    return memoryview(np.ascontiguousarray(values))  # type: ignore[arg-type]


class _Dossier(simpy.Event):
    """One dossier in flight: a single SimPy event, scheduled again at every wait.

    A generator process per dossier costs a :class:`simpy.Process`, an initialisation event,
    a generator frame resumed through ``Process._resume`` at every step, and a termination
    event. Instead a dossier is one event object: whenever it has to wait (for its service
    to end, for the applicant's supplements, for a transfer) the model sets the callback of
    its next step and schedules the same object again; waiting for an officer, it sits in
    the pool's line until a release schedules it. Every wait is still one SimPy event
    scheduled at the same moment as a process would schedule it, so SimPy's ordering of
    simultaneous events (time, priority, insertion order) is unchanged. ``Event.__init__``
    is inlined, as in SimPy's own :class:`simpy.Timeout`.
    """

    __slots__ = (
        "back",
        "due",
        "end",
        "i",
        "minutes",
        "n",
        "netw",
        "offline",
        "pool",
        "pu",
        "qw",
        "start",
        "t0",
        "then",
    )
    i: int  # dossier number
    pool: Pool  # the pool serving it, or whose line it waits in
    minutes: float  # work of the awaited stage (while waiting for an officer)
    n: int  # system interactions of the awaited stage
    then: Callable[[Any], None]  # step after the awaited stage
    t0: float  # when it started waiting (officer, transfer)
    start: float  # service start of the last stage
    end: float  # service end of the last stage; arrival of a transfer
    qw: float  # queue wait of the last stage
    netw: float  # network delay of the last stage
    back: float  # when the supplements come back
    due: float  # provisional deadline while the clock is stopped for supplements
    offline: bool  # its current stage may go on without the system (paper at the desk)
    pu: int  # unit whose pools process and approve it

    def __init__(self, env: simpy.Environment, i: int) -> None:
        self.env = env
        self.callbacks = []
        self._ok = True
        self._value = None
        self.i = i
        self.offline = False

    def succeed(self, value: Any = None) -> _Dossier:
        """Wake the dossier now (a pool calls this when an officer becomes free for it)."""
        self.env.schedule(self)
        return self


Step = Callable[[_Dossier], None]


class _Runner:
    """Binds the per-run state and schedules the arrival source. Hot path: keep it lean."""

    def __init__(
        self,
        scn: Scenario,
        env: simpy.Environment,
        pools: list[Pool],
        layout: Layout,
        net: NetworkState,
        cal: WorkingCalendar,
        ds: Dossiers,
        rec: Records,
        horizon_end: float,
    ) -> None:
        self.env = env
        self.scn = scn
        self.pools = pools
        self.layout = layout
        self.net = net
        self.cal = cal
        self.ds = ds
        self.rec = rec
        self.horizon_end = horizon_end

    def start(self) -> None:
        """Schedule the arrival source at time 0, as urgent as a process's initialisation.

        The source wakes at every distinct arrival time and starts the dossiers due, in
        order, exactly as a process looping ``if t > now: yield timeout(t - now)`` and then
        starting one process per dossier would: their first steps run after the source has
        scheduled its next wake-up and before any other event at that time. At time 0 the
        staffing process's initialisation is still pending and would come first, so the
        dossiers due then are started from an urgent event of their own.
        """
        arrive = self._make_dossier()
        env = self.env
        arrivals = _column(self.ds.arrival)
        n_arrivals = len(arrivals)
        schedule = env.schedule
        source = simpy.Event(env)
        source._ok, source._value = True, None
        state = [0, 0]  # next arrival index; 1 if the source is waiting for that arrival

        def start_due(k: int, j: int, now: float) -> None:
            for i in range(k, j):
                arrive(i, now)

        def wake(_: simpy.Event) -> None:
            now = env.now
            k = state[0]
            j = k + state[1]
            while j < n_arrivals and not arrivals[j] > now:
                j += 1
            if j < n_arrivals:
                source.callbacks = [wake]
                schedule(source, NORMAL, arrivals[j] - now)
                state[0], state[1] = j, 1
            if now == 0.0:
                first = simpy.Event(env)
                first._ok, first._value = True, None
                first.callbacks.append(lambda _: start_due(k, j, now))
                schedule(first, URGENT)
            else:
                start_due(k, j, now)

        source.callbacks.append(wake)
        schedule(source, URGENT)

    def _make_dossier(self) -> Callable[[int, float], None]:
        """The first step of a dossier (arrival), closing over the run's state."""
        env = self.env
        scn = self.scn
        cal = self.cal
        net = self.net
        lay = self.layout
        ds = self.ds
        rec = self.rec
        pools = self.pools
        schedule = env.schedule
        T = self.horizon_end
        to_wall = cal.to_wall_scalar
        to_work = cal.to_working_scalar
        deadline_of = cal.deadline

        # per-dossier inputs, with fast scalar access from Python
        recv = _column(ds.receiving)
        home = _column(ds.home)
        proc = _column(ds.procedure)
        chan = _column(ds.channel)
        rec_min = _column(ds.reception_minutes)
        pro_min = _column(ds.processing_minutes)
        app_min = _column(ds.approval_minutes)
        incomplete = _column(ds.incomplete)
        delay = _column(ds.supplement_delay_minutes)
        arrival = _column(ds.arrival)

        handled = lay.handled_by.tolist()
        deadline_days = lay.deadline_days.tolist()
        inter = lay.interactions.tolist()
        rec_pool_of_unit = lay.reception_pool.tolist()
        proc_pool = lay.processing_pool.tolist()
        appr_pool = lay.approval_pool.tolist()
        groups = [[pools[i] for i in g] for g in lay.reception_groups]
        pooled = scn.pooling.online_reception != "none"
        in_person_first = scn.reception.discipline == "in_person_first"
        paper_desk = scn.reception.in_person_when_system_down == "paper"
        limit = scn.reception.online_receive_within_working_hours * 60.0
        clock_at_limit = scn.reception.online_clock_start == "earlier_of_reception_and_limit"
        rule = scn.supplements.clock_rule
        recheck = scn.supplements.recheck_factor

        # network
        dS, dE = net.down_starts, net.down_ends
        fS, fE = net.fallback_starts, net.fallback_ends
        bw, fbw = net.bandwidth, net.fallback_bandwidth
        degr = net.degradations
        nw = scn.network
        resp_s = nw.system_response_seconds
        mb8 = nw.mb_per_interaction * 8.0
        bg = nw.background_mbps
        per_off = nw.mbps_per_active_officer
        sys_cap = nw.system_capacity_sessions
        rho_max = nw.max_utilisation
        busy_unit = [0] * len(lay.codes)
        busy_all = [0]

        # records: array('d') columns written in place. A column is written when the step
        # that determines it has ended (start times too), so an open dossier's row shows
        # only its completed steps; wait_queue / wait_network accumulate over the stages.
        r_rs, r_re, r_sr, r_st = (
            rec.reception_start,
            rec.reception_end,
            rec.supplement_request,
            rec.supplement_return,
        )
        r_r2, r_ps, r_pe, r_as = (
            rec.recheck_end,
            rec.processing_start,
            rec.processing_end,
            rec.approval_start,
        )
        r_done, r_dl, r_cs = rec.resolved, rec.deadline, rec.clock_start
        r_q, r_n, r_s = rec.wait_queue, rec.wait_network, rec.wait_supplement
        r_by = rec.received_by

        def finish(u: int, t: float, d: float) -> float:
            """End of ``d`` minutes of system-dependent work started at ``t`` at unit u."""
            S = dS[u]
            if not S:
                return t + d
            E = dE[u]
            k = bisect_right(E, t)
            n = len(S)
            while k < n:
                s = S[k]
                if s >= t + d:
                    break
                if s > t:
                    d -= s - t
                t = E[k]
                k += 1
            return t + d

        def down_overlap(u: int, a: float, b: float) -> float:
            """Minutes of [a, b) during which unit u could not reach the system."""
            S = dS[u]
            E = dE[u]
            k = bisect_right(E, a)
            total = 0.0
            n = len(S)
            while k < n and S[k] < b:
                lo = S[k] if S[k] > a else a
                hi = E[k] if E[k] < b else b
                if hi > lo:
                    total += hi - lo
                k += 1
            return total

        def interaction_minutes(u: int, t: float, p: int) -> float:
            rs = busy_all[0] / sys_cap
            if rs > rho_max:
                rs = rho_max
            b = bw[u]
            F = fS[u]
            if F:
                k = bisect_right(F, t) - 1
                if k >= 0 and t < fE[u][k]:
                    b = fbw[u]
            rl = (bg + busy_unit[u] * per_off) / b
            if rl > rho_max:
                rl = rho_max
            f = 1.0
            for a, z, fac, ps in degr:
                if a <= t < z and (ps is None or p in ps):
                    f *= fac
            return (resp_s * f / (1.0 - rs) + mb8 / (b * (1.0 - rl))) / 60.0

        def release(pool: Pool) -> None:
            busy_unit[pool.net_unit] -= 1
            busy_all[0] -= 1
            if pool.free < 0:
                pool.settle(env.now)
                pool.free += 1
            elif pool.high:
                schedule(pool.high.popleft())
            elif pool.low:
                schedule(pool.low.popleft())
            else:
                pool.free += 1

        def choose_reception(u: int) -> Pool:
            best = None
            best_score = 0
            for pool in groups[u]:
                score = pool.free - len(pool.high) - len(pool.low)
                if best is None or score > best_score:
                    best, best_score = pool, score
            assert best is not None
            return best

        # ------------------------------------------------------------ one stage at a pool
        # Queue for ``pool``, then work ``minutes`` plus ``n`` system interactions; ``then``
        # runs when the work ends, with start, end, queue wait (qw) and network time (netw)
        # left on the dossier. The officer is released by ``then``.

        def acquire(
            d: _Dossier, pool: Pool, high: bool, minutes: float, n: int, then: Step, now: float
        ) -> None:
            if pool.free > 0:
                pool.free -= 1
                begin(d, pool, minutes, n, then, now, now, 0.0)
            else:
                d.pool, d.minutes, d.n, d.then, d.t0 = pool, minutes, n, then, now
                d.callbacks = [officer_free]
                (pool.high if high else pool.low).append(d)

        def officer_free(d: _Dossier) -> None:
            pool = d.pool
            u = pool.net_unit
            now = env.now
            # waiting while the system was down is network delay, not queueing
            blocked = down_overlap(u, d.t0, now) if dS[u] else 0.0
            begin(d, pool, d.minutes, d.n, d.then, d.t0, now, blocked)

        def begin(
            d: _Dossier,
            pool: Pool,
            minutes: float,
            n: int,
            then: Step,
            t0: float,
            now: float,
            blocked: float,
        ) -> None:
            u = pool.net_unit
            busy_unit[u] += 1
            busy_all[0] += 1
            if n:
                work = minutes + n * interaction_minutes(u, now, proc[d.i])
                end = now + work if d.offline else finish(u, now, work)
                netw = end - now - minutes
            else:
                end = now + minutes
                netw = 0.0
            pool.busy_minutes += (end if end < T else T) - now
            pool.served += 1
            d.pool = pool
            d.start = now
            d.end = end
            d.qw = now - t0 - blocked
            d.netw = netw + blocked
            d.callbacks = [then]
            schedule(d, NORMAL, end - now)

        # ------------------------------------------------------------ the steps of a dossier
        def arrive(i: int, now: float) -> None:
            u = recv[i]
            c = chan[i]
            pool = (
                choose_reception(u) if (pooled and c != IN_PERSON) else pools[rec_pool_of_unit[u]]
            )
            r_by[i] = pool.unit
            high = c == IN_PERSON or not in_person_first
            d = _Dossier(env, i)
            d.offline = paper_desk and c == IN_PERSON
            acquire(d, pool, high, rec_min[i], inter[proc[i]][0], received, now)

        def received(d: _Dossier) -> None:
            release(d.pool)
            d.offline = False
            i = d.i
            end = d.end
            r_rs[i] = d.start
            r_re[i] = end
            r_q[i] = d.qw
            r_n[i] = d.netw
            clock = end
            if chan[i] != IN_PERSON and clock_at_limit and arrival[i] + limit < end:
                clock = arrival[i] + limit
            r_cs[i] = clock
            due = deadline_of(clock, deadline_days[proc[i]])
            r_dl[i] = due
            if incomplete[i]:
                if rule != "keep":
                    # the clock stops while the applicant supplements: no deadline meanwhile
                    r_dl[i] = NAN
                    d.due = due
                r_sr[i] = end
                back = to_work(to_wall(end, "left") + delay[i])
                if back > end:
                    d.back = back
                    d.callbacks = [supplemented]
                    schedule(d, NORMAL, back - end)
                else:
                    d.back = back
                    supplemented(d)
            else:
                transfer(d)

        def supplemented(d: _Dossier) -> None:
            i = d.i
            r_st[i] = d.back
            c = chan[i]
            # in person the applicant comes back to the home desk; online stays with the pool
            pool = pools[rec_pool_of_unit[recv[i]]] if c == IN_PERSON else d.pool
            high = c == IN_PERSON or not in_person_first
            n = inter[proc[i]][0]
            d.offline = paper_desk and c == IN_PERSON
            acquire(d, pool, high, rec_min[i] * recheck, n, rechecked, env.now)

        def rechecked(d: _Dossier) -> None:
            release(d.pool)
            d.offline = False
            i = d.i
            r_q[i] += d.qw
            r_n[i] += d.netw
            end = d.end
            r_r2[i] = end
            swait = r_st[i] - r_sr[i]
            if rule == "restart":
                r_cs[i] = end
                r_dl[i] = deadline_of(end, deadline_days[proc[i]])
            elif rule == "pause":
                r_dl[i] = d.due + swait
            r_s[i] = swait
            transfer(d)

        def transfer(d: _Dossier) -> None:
            i = d.i
            p = proc[i]
            u = recv[i]
            if handled[p] == 1 and home[i] != u:
                # electronic transfer to the competent home unit: needs both ends reachable
                t0 = env.now
                ti = inter[p][1]
                dt_ = ti * interaction_minutes(u, t0, p) if ti else 0.0
                t1 = finish(home[i], finish(u, t0, dt_), 0.0)
                d.pu = home[i]
                if t1 > t0:
                    d.t0, d.end = t0, t1
                    d.callbacks = [transferred]
                    schedule(d, NORMAL, t1 - t0)
                else:
                    r_n[i] += t1 - t0
                    processing(d)
            else:
                d.pu = u
                processing(d)

        def transferred(d: _Dossier) -> None:
            r_n[d.i] += d.end - d.t0
            processing(d)

        def processing(d: _Dossier) -> None:
            i = d.i
            p = proc[i]
            pp = proc_pool[p][d.pu]
            if pp >= 0:
                acquire(d, pools[pp], True, pro_min[i], inter[p][2], processed, env.now)
            else:
                approval(d)

        def processed(d: _Dossier) -> None:
            release(d.pool)
            i = d.i
            r_ps[i] = d.start
            r_pe[i] = d.end
            r_q[i] += d.qw
            r_n[i] += d.netw
            approval(d)

        def approval(d: _Dossier) -> None:
            i = d.i
            p = proc[i]
            ap = appr_pool[p][d.pu]
            if ap >= 0:
                acquire(d, pools[ap], True, app_min[i], inter[p][3], approved, env.now)
            else:
                r_done[i] = env.now

        def approved(d: _Dossier) -> None:
            release(d.pool)
            i = d.i
            r_as[i] = d.start
            r_q[i] += d.qw
            r_n[i] += d.netw
            r_done[i] = env.now

        return arrive


__all__ = ["Layout", "Pool", "RepOutput", "build_layout", "horizon_calendar", "simulate"]
