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

Where the scenario switches them on, the lateness mechanisms join the story. A land dossier,
after the branch check, may wait calendar days for a commune confirmation or another
agency's opinion, then for the tax authority's notice and the applicant's payment (which the
legal clock does not count), and is finally printed and signed at the branch
(``land_route``). Certifications and same-day results wait for the designated leader's next
signing session, unless signing is delegated to the justice officers (``signing``). A named
software system's slow or down periods hold up only the procedures that use it
(``systems``). Dossiers inherited from the abolished districts start in processing on the
first day with part of their time used (``initial_backlog``). The recorded clock of the
one-stop system, its closing lag and failed synchronisations are worked out after the run
(:mod:`sim.clocks`).

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
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import simpy
from simpy.events import NORMAL, URGENT

from sim.calendar import WorkingCalendar
from sim.demand import IN_PERSON, Dossiers, MechanismDraws, draw_mechanisms, generate
from sim.network import NetworkState, build_network
from sim.overtime import apply_overtime
from sim.records import Layout, Records, RepOutput
from sim.rng import stream
from sim.scenario import Network, Scenario, parse_clock, staff_count
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
        "desk",
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
        # the one-stop desk works in the one-door system only: the named systems of a
        # procedure (and their outages) concern the specialist steps
        self.desk = kind == "reception"
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
    signing = scn.signing.enabled and bool(scn.signing.procedures)
    signing_pool: dict[int, int] = {}
    for u, code in enumerate(codes):
        ut = str(frame["type"].iloc[u])
        reception[u] = add(
            f"{code}/reception", "reception", u, u, staff_count(scn, code, ut, "reception")
        )
        for r in roles:
            role_pool[(u, r)] = add(f"{code}/{r}", r, u, u, staff_count(scn, code, ut, r))
        if signing:
            # one designated leader signs in sessions (see Signing)
            signers = staff_count(scn, code, ut, "signing") or max(
                1, math.floor(scn.staffing.multiplier.get("all", 1.0) + 0.5)
            )
            signing_pool[u] = add(f"{code}/signing", "signing", u, u, signers)
        if needs_leader:
            leader_pool[u] = add(
                f"{code}/leader", "leader", u, u, staff_count(scn, code, ut, "leader")
            )

    agency_pool = _agency_pools(scn, frame, codes, add)
    task_force = None
    ib = scn.initial_backlog
    if ib.enabled and ib.task_force_officers > 0:
        task_force = np.full(len(codes), NO_POOL, dtype=np.int64)
        for code in dict.fromkeys(e.unit for e in ib.entries if e.unit in codes):
            u = codes.index(code)
            task_force[u] = add(f"{code}/task_force", "task_force", u, u, ib.task_force_officers)

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
                in_sessions = signing and pids[j] in scn.signing.procedures
                approval[j, u] = signing_pool[u] if in_sessions else leader_pool[u]
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
        reception_groups=_reception_groups(scn, frame, reception),
        task_force_pool=task_force,
    )


def _agency_pools(
    scn: Scenario,
    frame: pd.DataFrame,
    codes: list[str],
    add: Callable[[str, str, int, int, int], int],
) -> dict[tuple[str, int], int]:
    """Add the second-tier agency pools; return the pool serving each (agency, unit)."""
    # a branch per former district (hosted at its centre) or one for all
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

    return agency_pool


def _reception_groups(scn: Scenario, frame: pd.DataFrame, reception: np.ndarray) -> list[list[int]]:
    """Per unit: the reception pools its online dossiers may use (its own first)."""
    n_u = len(reception)
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
    return groups_r


def horizon_calendar(scn: Scenario) -> WorkingCalendar:
    """Working calendar of the horizon plus a margin long enough for every deadline.

    The margin covers the longest statutory time counted in weeks of the scenario's working
    weekdays (holidays aside), plus supplement returns; at least a year.
    """
    longest = max((p.deadline_working_days for p in scn.procedures.values()), default=0)
    per_week = max(len(scn.calendar.working_weekdays), 1)
    margin = max(400, math.ceil((longest + 5) * 7 / per_week) + 120)
    return WorkingCalendar.build(scn.calendar, scn.horizon.start, scn.horizon.days + margin)


def daily_capacity(
    specs: list[tuple[str, str, int, int, int]], scn: Scenario, n_days: int, seed: int, rep: int
) -> list[np.ndarray]:
    """Officers present per working day for each pool (each present with prob. availability).

    The availability is ``staffing.availability`` times the factor that
    ``staffing.availability_factor_by_role`` gives the pool's kind (reception, leader,
    signing, a specialist role or an agency id; 1 if not given), at most 1.
    Officer k of a pool is present on day d if u[k, d] < availability, with the uniforms
    drawn officer by officer from the pool's stream. Adding officers appends rows without
    changing the others', and lowering the availability only removes officers from days
    they were present: staffing what-ifs stay coupled under common random numbers.
    """
    by_role = scn.staffing.availability_factor_by_role
    out = []
    for name, kind, _u, _n, staff in specs:
        a = scn.staffing.availability
        if kind in by_role:
            a = min(1.0, a * by_role[kind])
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
    draws = draw_mechanisms(scn, ds, layout.codes, seed, rep)
    n_work_days = int(cal.is_working[: scn.horizon.days].sum())
    L = cal.day_minutes
    horizon_end = n_work_days * L
    caps = daily_capacity(layout.pool_specs, scn, max(n_work_days, 1), seed, rep)
    rec = Records.allocate(len(ds))
    env = simpy.Environment()
    pools = [Pool(*spec) for spec in layout.pool_specs]
    for pool, c in zip(pools, caps, strict=True):
        pool.set_capacity(int(c[0]))
    runner = _Runner(scn, env, pools, layout, net, cal, ds, draws, rec, horizon_end)
    runner.held_sessions = held_signing_sessions(
        scn, cal, len(layout.codes), n_work_days, seed, rep
    )
    runner.start()
    if n_work_days > 1:
        env.process(_staff_days(env, pools, caps, n_work_days, L))
    env.run(until=horizon_end)
    # the horizon is inclusive: a step that ends exactly at its end counts, none starts then
    for pool in pools:
        pool.set_capacity(0, horizon_end)
    while env.peek() <= horizon_end:
        env.step()
    # the land route's draws are used up; the clocks need only the others (memory)
    empty = np.empty(0)
    draws.consultation_u = draws.consultation_delay = draws.financial_u = empty
    draws.tax_notice_delay = draws.payment_delay = draws.printing = empty
    for pool in pools:
        pool.settle(horizon_end)
    apply_overtime(scn, layout, ds, rec, L)
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
    return RepOutput(rep, seed, ds, rec, frame, horizon_end, net.down_minutes, events, draws)


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


class _Timing(NamedTuple):
    """Network timing of a run: closures over the outage intervals and the live load.

    ``finish(u, t, d)`` is the end of ``d`` minutes of system-dependent work started at ``t``
    at unit ``u`` (the work stops while ``u`` cannot reach the system; ``u`` may be a unit
    plus the ``procedure_offset`` of a procedure whose named systems have outages);
    ``down_overlap(u, a, b)`` the minutes of ``[a, b)`` during which ``u`` could not reach it;
    ``interaction_minutes(u, t, p)`` the time of one system interaction of procedure ``p``
    at ``u`` starting at ``t``, given the officers busy now (``busy_at_unit`` per unit and
    ``busy_total``, a one-element list, kept up to date by the officer stages).
    """

    finish: Callable[[int, float, float], float]
    down_overlap: Callable[[int, float, float], float]
    interaction_minutes: Callable[[int, float, int], float]
    busy_at_unit: list[int]
    busy_total: list[int]
    has_outages: list[list[float]]  # per unit: down interval starts (empty = never down)
    procedure_offset: list[int]  # per procedure: unit u's lists are u + offset (named systems)


def _network_timing(net: NetworkState, nw: Network, n_units: int, n_procedures: int) -> _Timing:
    """Bind the timing functions of :mod:`sim.network`'s module doc to one run's state."""
    down_starts, down_ends = net.down_starts, net.down_ends
    fallback_starts, fallback_ends = net.fallback_starts, net.fallback_ends
    bandwidth, fallback_bandwidth = net.bandwidth, net.fallback_bandwidth
    degradations = net.degradations
    response_seconds = nw.system_response_seconds
    megabits = nw.mb_per_interaction * 8.0
    background = nw.background_mbps
    per_officer = nw.mbps_per_active_officer
    sessions = nw.system_capacity_sessions
    rho_max = nw.max_utilisation
    busy_at_unit = [0] * n_units
    busy_total = [0]

    def finish(u: int, t: float, d: float) -> float:
        starts = down_starts[u]
        if not starts:
            return t + d
        ends = down_ends[u]
        k = bisect_right(ends, t)
        n = len(starts)
        while k < n:
            s = starts[k]
            if s >= t + d:
                break
            if s > t:
                d -= s - t
            t = ends[k]
            k += 1
        return t + d

    def down_overlap(u: int, a: float, b: float) -> float:
        starts = down_starts[u]
        ends = down_ends[u]
        k = bisect_right(ends, a)
        total = 0.0
        n = len(starts)
        while k < n and starts[k] < b:
            lo = starts[k] if starts[k] > a else a
            hi = ends[k] if ends[k] < b else b
            if hi > lo:
                total += hi - lo
            k += 1
        return total

    def interaction_minutes(u: int, t: float, p: int) -> float:
        rho_system = busy_total[0] / sessions
        if rho_system > rho_max:
            rho_system = rho_max
        b = bandwidth[u]
        fallback = fallback_starts[u]
        if fallback:
            k = bisect_right(fallback, t) - 1
            if k >= 0 and t < fallback_ends[u][k]:
                b = fallback_bandwidth[u]
        rho_link = (background + busy_at_unit[u] * per_officer) / b
        if rho_link > rho_max:
            rho_link = rho_max
        f = 1.0
        for a, z, factor, procs in degradations:
            if a <= t < z and (procs is None or p in procs):
                f *= factor
        return (
            response_seconds * f / (1.0 - rho_system) + megabits / (b * (1.0 - rho_link))
        ) / 60.0

    offset = net.procedure_offset or [0] * n_procedures
    return _Timing(
        finish, down_overlap, interaction_minutes, busy_at_unit, busy_total, down_starts, offset
    )


class _Stages(NamedTuple):
    """The officer side of a run: queue for a pool and serve, release the officer."""

    acquire: Callable[[_Dossier, Pool, bool, float, int, Step, float], None]
    release: Callable[[Pool], None]


def _choose_reception(group: list[Pool]) -> Pool:
    """The reception pool of ``group`` with most idle officers net of its lines (first wins)."""
    best = None
    best_score = 0
    for pool in group:
        score = pool.free - len(pool.high) - len(pool.low)
        if best is None or score > best_score:
            best, best_score = pool, score
    assert best is not None
    return best


def _officer_stages(
    env: simpy.Environment,
    timing: _Timing,
    procedure: memoryview,
    horizon_end: float,
) -> _Stages:
    """One stage at a pool, bound to a run.

    ``acquire(d, pool, high, minutes, n, then, now)`` queues ``d`` for ``pool`` (in its high
    or low line), then works ``minutes`` plus ``n`` system interactions; ``then`` runs when
    the work ends, with ``start``, ``end``, the queue wait ``qw`` and the network time
    ``netw`` left on the dossier. ``then`` must call ``release(pool)``.
    """
    schedule = env.schedule
    finish = timing.finish
    down_overlap = timing.down_overlap
    interaction_minutes = timing.interaction_minutes
    busy_at_unit = timing.busy_at_unit
    busy_total = timing.busy_total
    down_starts = timing.has_outages
    offset = timing.procedure_offset
    T = horizon_end

    def release(pool: Pool) -> None:
        busy_at_unit[pool.net_unit] -= 1
        busy_total[0] -= 1
        if pool.free < 0:
            pool.settle(env.now)
            pool.free += 1
        elif pool.high:
            schedule(pool.high.popleft())
        elif pool.low:
            schedule(pool.low.popleft())
        else:
            pool.free += 1

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
        v = u if pool.desk else u + offset[procedure[d.i]]
        blocked = down_overlap(v, d.t0, now) if down_starts[v] else 0.0
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
        busy_at_unit[u] += 1
        busy_total[0] += 1
        if n:
            p = procedure[d.i]
            work = minutes + n * interaction_minutes(u, now, p)
            v = u if pool.desk else u + offset[p]
            end = now + work if d.offline else finish(v, now, work)
            network = end - now - minutes
        else:
            end = now + minutes
            network = 0.0
        pool.busy_minutes += (end if end < T else T) - now
        pool.served += 1
        d.pool = pool
        d.start = now
        d.end = end
        d.qw = now - t0 - blocked
        d.netw = network + blocked
        d.callbacks = [then]
        schedule(d, NORMAL, end - now)

    return _Stages(acquire, release)


def _working_offset(sessions: tuple[tuple[int, int], ...], minute: int) -> float:
    """Working minutes of a day before the time of day ``minute`` (office sessions)."""
    return float(sum(min(max(minute - a, 0), b - a) for a, b in sessions))


def _next_session(now: float, day_minutes: float, offsets: list[float]) -> float:
    """The first signing session (working clock) at or after ``now``."""
    day = math.floor(now / day_minutes)
    within = now - day * day_minutes
    for o in offsets:
        if o >= within:
            return day * day_minutes + o
    return (day + 1) * day_minutes + offsets[0]


def held_signing_sessions(
    scn: Scenario, cal: WorkingCalendar, n_units: int, n_days: int, seed: int, rep: int
) -> list[list[float]] | None:
    """Per unit, the working-clock times of the signing sessions its leader holds (None when
    every session is held: ``signing.meeting_probability`` is 0).

    Session ``k`` of working day ``d`` at unit ``u`` is missed for a meeting when
    ``u[u, d, k] < meeting_probability``, the uniforms drawn from the ``signing_meetings``
    stream in the order unit, day, session; one day past the horizon is included so that
    every dossier ready before the end finds a session. Raising the probability only removes
    sessions (common random numbers).
    """
    sg = scn.signing
    if not sg.enabled or sg.meeting_probability <= 0.0:
        return None
    L = cal.day_minutes
    offsets = sorted({_working_offset(cal.sessions, parse_clock(t)) for t in sg.session_times})
    days = n_days + 1
    u = stream(seed, rep, "signing_meetings").random((n_units, days, len(offsets)))
    times = np.arange(days)[:, None] * L + np.asarray(offsets)[None, :]
    return [times[u[k] >= sg.meeting_probability].tolist() for k in range(n_units)]


class _Runner:
    """Binds the per-run state and schedules the arrival source. Hot path: keep it lean.

    The steps of a dossier are closures built in two groups, each over the columns it
    writes: :meth:`_reception_steps` (arrival, check, supplements, re-check) hands the
    received dossier to the first of :meth:`_processing_steps` (transfer, processing,
    approval). Records are :class:`array.array` columns written in place; a column is
    written when the step that determines it has ended (start times too), so an open
    dossier's row shows only its completed steps; ``wait_queue`` / ``wait_network``
    accumulate over the stages.
    """

    def __init__(
        self,
        scn: Scenario,
        env: simpy.Environment,
        pools: list[Pool],
        layout: Layout,
        net: NetworkState,
        cal: WorkingCalendar,
        ds: Dossiers,
        draws: MechanismDraws,
        rec: Records,
        horizon_end: float,
    ) -> None:
        self.draws = draws
        self.env = env
        self.scn = scn
        self.pools = pools
        self.layout = layout
        self.net = net
        self.cal = cal
        self.ds = ds
        self.rec = rec
        self.horizon_end = horizon_end
        self.held_sessions: list[list[float]] | None = None

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
        # inherited dossiers (initial_backlog) are the first rows: they enter processing at 0
        n_inherited = int(np.count_nonzero(~np.isnan(self.ds.inherited_due)))
        if n_inherited:
            inherit = self._inherit_step()
            handover = simpy.Event(env)
            handover._ok, handover._value = True, None

            def hand_over(_: simpy.Event) -> None:
                for i in range(n_inherited):
                    inherit(i)

            handover.callbacks.append(hand_over)
            schedule(handover, URGENT)
        source = simpy.Event(env)
        source._ok, source._value = True, None
        # next arrival index; 1 if the source is waiting for that arrival
        state = [n_inherited, 0]

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
        """The first step of a dossier (arrival), wired to the run's pools and network."""
        n_procedures = len(self.layout.procedure_ids)
        timing = _network_timing(self.net, self.scn.network, len(self.layout.codes), n_procedures)
        procedure = _column(self.ds.procedure)
        stages = _officer_stages(self.env, timing, procedure, self.horizon_end)
        approval = self._approval_steps(stages)
        land = self._land_steps(stages, approval) if self.scn.land_route.enabled else None
        route = set(self.scn.land_route.procedures)
        after_check = [
            land if land is not None and pid in route else approval
            for pid in self.layout.procedure_ids
        ]
        transfer = self._processing_steps(timing, stages, after_check)
        self._transfer = transfer
        self._stages = stages
        return self._reception_steps(stages, transfer)

    def _inherit_step(self) -> Callable[[int], None]:
        """Start inherited dossier ``i`` at time 0: already received, its deadline given."""
        env, ds, rec, transfer = self.env, self.ds, self.rec, self._transfer
        due, receiving = _column(ds.inherited_due), _column(ds.receiving)
        procedure, processing_minutes = _column(ds.procedure), _column(ds.processing_minutes)
        task_force = self.layout.task_force_pool
        interactions = self.layout.interactions.tolist()
        acquire, processed = self._stages.acquire, self._processed

        def inherit(i: int) -> None:
            rec.reception_start[i] = rec.reception_end[i] = rec.clock_start[i] = 0.0
            rec.wait_queue[i] = rec.wait_network[i] = 0.0
            rec.deadline[i] = due[i]
            rec.received_by[i] = receiving[i]
            d = _Dossier(env, i)
            team = NO_POOL if task_force is None else int(task_force[receiving[i]])
            if team >= 0 and processing_minutes[i] == processing_minutes[i]:
                # examined by the unit's backlog task force instead of the regular officers
                d.pu = receiving[i]
                p = procedure[i]
                minutes = processing_minutes[i]
                acquire(d, self.pools[team], True, minutes, interactions[p][2], processed, 0.0)
            else:
                transfer(d)

        return inherit

    def _reception_steps(self, stages: _Stages, transfer: Step) -> Callable[[int, float], None]:
        """Arrival, check at the desk, supplements and re-check; then ``transfer``."""
        env, scn, ds, rec, pools = self.env, self.scn, self.ds, self.rec, self.pools
        deadline_of = self.cal.deadline
        acquire, release = stages
        ask_supplements = self._supplement_steps(stages, transfer)
        groups = [[pools[g] for g in group] for group in self.layout.reception_groups]
        receiving, procedure, channel = (
            _column(ds.receiving),
            _column(ds.procedure),
            _column(ds.channel),
        )
        desk_minutes, arrival = _column(ds.reception_minutes), _column(ds.arrival)
        incomplete = _column(ds.incomplete)
        deadline_days = self.layout.deadline_days.tolist()
        interactions = self.layout.interactions.tolist()
        desk_pool_of_unit = self.layout.reception_pool.tolist()
        pooled = scn.pooling.online_reception != "none"
        in_person_first = scn.reception.discipline == "in_person_first"
        paper_desk = scn.reception.in_person_when_system_down == "paper"
        limit = scn.reception.online_receive_within_working_hours * 60.0
        clock_at_limit = scn.reception.online_clock_start == "earlier_of_reception_and_limit"
        reception_start, reception_end = rec.reception_start, rec.reception_end
        clock_start, deadline = rec.clock_start, rec.deadline
        wait_queue, wait_network = rec.wait_queue, rec.wait_network
        received_by = rec.received_by

        def arrive(i: int, now: float) -> None:
            u = receiving[i]
            c = channel[i]
            online_pooled = pooled and c != IN_PERSON
            pool = _choose_reception(groups[u]) if online_pooled else pools[desk_pool_of_unit[u]]
            received_by[i] = pool.unit
            high = c == IN_PERSON or not in_person_first
            d = _Dossier(env, i)
            d.offline = paper_desk and c == IN_PERSON
            acquire(d, pool, high, desk_minutes[i], interactions[procedure[i]][0], received, now)

        def received(d: _Dossier) -> None:
            release(d.pool)
            d.offline = False
            i = d.i
            end = d.end
            reception_start[i] = d.start
            reception_end[i] = end
            wait_queue[i] = d.qw
            wait_network[i] = d.netw
            clock = end
            if channel[i] != IN_PERSON and clock_at_limit and arrival[i] + limit < end:
                clock = arrival[i] + limit
            clock_start[i] = clock
            due = deadline_of(clock, deadline_days[procedure[i]])
            deadline[i] = due
            if incomplete[i]:
                ask_supplements(d, end, due)
            else:
                transfer(d)

        return arrive

    def _supplement_steps(
        self, stages: _Stages, transfer: Step
    ) -> Callable[[_Dossier, float, float], None]:
        """Ask for supplements, wait for the applicant, check again; then ``transfer``.

        The returned ``ask(d, end, due)`` is called when the first check ends at ``end`` with
        the statutory deadline ``due``; the clock then restarts, pauses or keeps running as
        ``supplements.clock_rule`` says.
        """
        env, scn, ds, rec, pools = self.env, self.scn, self.ds, self.rec, self.pools
        schedule = env.schedule
        to_wall, to_work = self.cal.to_wall_scalar, self.cal.to_working_scalar
        deadline_of = self.cal.deadline
        acquire, release = stages
        receiving, procedure, channel = (
            _column(ds.receiving),
            _column(ds.procedure),
            _column(ds.channel),
        )
        desk_minutes = _column(ds.reception_minutes)
        supplement_delay = _column(ds.supplement_delay_minutes)
        deadline_days = self.layout.deadline_days.tolist()
        interactions = self.layout.interactions.tolist()
        desk_pool_of_unit = self.layout.reception_pool.tolist()
        in_person_first = scn.reception.discipline == "in_person_first"
        paper_desk = scn.reception.in_person_when_system_down == "paper"
        rule = scn.supplements.clock_rule
        recheck = scn.supplements.recheck_factor
        supplement_request, supplement_return = rec.supplement_request, rec.supplement_return
        recheck_end, clock_start, deadline = rec.recheck_end, rec.clock_start, rec.deadline
        wait_queue, wait_network = rec.wait_queue, rec.wait_network
        wait_supplement = rec.wait_supplement

        def ask(d: _Dossier, end: float, due: float) -> None:
            i = d.i
            if rule != "keep":
                # the clock stops while the applicant supplements: no deadline meanwhile
                deadline[i] = NAN
                d.due = due
            supplement_request[i] = end
            back = to_work(to_wall(end, "left") + supplement_delay[i])
            d.back = back
            if back > end:
                d.callbacks = [supplemented]
                schedule(d, NORMAL, back - end)
            else:
                supplemented(d)

        def supplemented(d: _Dossier) -> None:
            i = d.i
            supplement_return[i] = d.back
            c = channel[i]
            # in person the applicant comes back to the home desk; online stays with the pool
            pool = pools[desk_pool_of_unit[receiving[i]]] if c == IN_PERSON else d.pool
            high = c == IN_PERSON or not in_person_first
            n = interactions[procedure[i]][0]
            d.offline = paper_desk and c == IN_PERSON
            acquire(d, pool, high, desk_minutes[i] * recheck, n, rechecked, env.now)

        def rechecked(d: _Dossier) -> None:
            release(d.pool)
            d.offline = False
            i = d.i
            wait_queue[i] += d.qw
            wait_network[i] += d.netw
            end = d.end
            recheck_end[i] = end
            waited = supplement_return[i] - supplement_request[i]
            if rule == "restart":
                clock_start[i] = end
                deadline[i] = deadline_of(end, deadline_days[procedure[i]])
            elif rule == "pause":
                deadline[i] = d.due + waited
            wait_supplement[i] = waited
            transfer(d)

        return ask

    def _processing_steps(self, timing: _Timing, stages: _Stages, after_check: list[Step]) -> Step:
        """Transfer to the competent unit and processing (the first is returned); then the
        step ``after_check[procedure]`` (approval, or the land route)."""
        env, ds, rec, pools, lay = self.env, self.ds, self.rec, self.pools, self.layout
        schedule = env.schedule
        finish, interaction_minutes = timing.finish, timing.interaction_minutes
        acquire, release = stages.acquire, stages.release
        receiving, home, procedure = _column(ds.receiving), _column(ds.home), _column(ds.procedure)
        processing_minutes = _column(ds.processing_minutes)
        handled_by = lay.handled_by.tolist()
        interactions = lay.interactions.tolist()
        processing_pool = lay.processing_pool.tolist()
        processing_start, processing_end = rec.processing_start, rec.processing_end
        wait_queue, wait_network = rec.wait_queue, rec.wait_network

        def transfer(d: _Dossier) -> None:
            i = d.i
            p = procedure[i]
            u = receiving[i]
            if handled_by[p] == 1 and home[i] != u:
                # electronic transfer to the competent home unit: needs both ends reachable
                t0 = env.now
                n = interactions[p][1]
                send = n * interaction_minutes(u, t0, p) if n else 0.0
                t1 = finish(home[i], finish(u, t0, send), 0.0)
                d.pu = home[i]
                if t1 > t0:
                    d.t0, d.end = t0, t1
                    d.callbacks = [transferred]
                    schedule(d, NORMAL, t1 - t0)
                else:
                    wait_network[i] += t1 - t0
                    processing(d)
            else:
                d.pu = u
                processing(d)

        def transferred(d: _Dossier) -> None:
            wait_network[d.i] += d.end - d.t0
            processing(d)

        def processing(d: _Dossier) -> None:
            i = d.i
            p = procedure[i]
            pool = processing_pool[p][d.pu]
            if pool >= 0:
                minutes = processing_minutes[i]
                acquire(d, pools[pool], True, minutes, interactions[p][2], processed, env.now)
            else:
                after_check[p](d)

        def processed(d: _Dossier) -> None:
            release(d.pool)
            i = d.i
            processing_start[i] = d.start
            processing_end[i] = d.end
            wait_queue[i] += d.qw
            wait_network[i] += d.netw
            after_check[procedure[i]](d)

        self._processed = processed
        return transfer

    def _approval_steps(self, stages: _Stages) -> Step:
        """Approval by the processing unit's leader, then the result (the first is returned).

        With ``signing`` on, the approvals of its procedures wait for the leader's next
        signing session of the day; with ``signing.delegation`` the ``delegable`` ones are
        signed at once by the officers of the procedure's role instead.
        """
        env, ds, rec, pools, lay, sg = (
            self.env,
            self.ds,
            self.rec,
            self.pools,
            self.layout,
            self.scn.signing,
        )
        schedule = env.schedule
        acquire, release = stages.acquire, stages.release
        procedure, approval_minutes = _column(ds.procedure), _column(ds.approval_minutes)
        interactions = lay.interactions.tolist()
        approval_pool = lay.approval_pool.tolist()
        in_sessions = [False] * len(lay.procedure_ids)
        if sg.enabled:
            for j, pid in enumerate(lay.procedure_ids):
                if sg.delegation and pid in sg.delegable:
                    approval_pool[j] = lay.processing_pool[j].tolist()
                else:
                    in_sessions[j] = pid in sg.procedures
        L = self.cal.day_minutes
        sessions = self.cal.sessions
        offsets = sorted({_working_offset(sessions, parse_clock(t)) for t in sg.session_times})
        approval_start, resolved, wait_signing = rec.approval_start, rec.resolved, rec.wait_signing
        wait_queue, wait_network = rec.wait_queue, rec.wait_network
        held = self.held_sessions
        far = self.horizon_end + 2 * L  # no session held before the end: never signed

        def approval(d: _Dossier) -> None:
            i = d.i
            p = procedure[i]
            pool = approval_pool[p][d.pu]
            if pool < 0:
                resolved[i] = env.now
            elif in_sessions[p]:
                now = env.now
                if held is None:
                    session = _next_session(now, L, offsets)
                else:
                    times = held[d.pu]
                    k = bisect_left(times, now)
                    session = times[k] if k < len(times) else far
                wait_signing[i] = session - now
                d.callbacks = [sign]
                schedule(d, NORMAL, session - now)
            else:
                minutes = approval_minutes[i]
                acquire(d, pools[pool], True, minutes, interactions[p][3], approved, env.now)

        def sign(d: _Dossier) -> None:
            i = d.i
            p = procedure[i]
            pool = pools[approval_pool[p][d.pu]]
            acquire(d, pool, True, approval_minutes[i], interactions[p][3], signed, env.now)

        def signed(d: _Dossier) -> None:
            # the queue at the leader after the session is part of the wait for the signature
            wait_signing[d.i] += d.qw
            d.qw = 0.0
            approved(d)

        def approved(d: _Dossier) -> None:
            release(d.pool)
            i = d.i
            approval_start[i] = d.start
            wait_queue[i] += d.qw
            wait_network[i] += d.netw
            resolved[i] = env.now

        return approval

    def _land_steps(self, stages: _Stages, approval: Step) -> Step:
        """The land route in calendar time after the branch check (see ``LandRoute``).

        Commune confirmation or another agency's opinion (with the branch's probability and
        delay factor), the tax notice and the applicant's payment (calendar delays that the
        legal clock excludes: the deadline moves by their working minutes), then printing and
        signing of the certificate by the branch's officers; then ``approval``.
        """
        env, ds, rec, pools, lay = self.env, self.ds, self.rec, self.pools, self.layout
        lr, dr = self.scn.land_route, self.draws
        schedule = env.schedule
        to_wall, to_work = self.cal.to_wall_scalar, self.cal.to_working_scalar
        acquire, release = stages.acquire, stages.release
        procedure = _column(ds.procedure)
        districts = [str(x) for x in lay.frame["former_district"]]
        branch = [lr.branches.get(x) for x in districts]
        consult_p = [
            lr.consultation_probability if b is None or b.consultation_probability is None
            else b.consultation_probability
            for b in branch
        ]  # fmt: skip
        consult_factor = [1.0 if b is None else b.consultation_delay_factor for b in branch]
        financial_p = [lr.financial_obligation_probability.get(p, 0.0) for p in lay.procedure_ids]
        consult_u, consult_delay = _column(dr.consultation_u), _column(dr.consultation_delay)
        financial_u = _column(dr.financial_u)
        tax_delay, pay_delay = _column(dr.tax_notice_delay), _column(dr.payment_delay)
        printing_minutes = _column(dr.printing)
        n_print = lr.printing_interactions
        processing_pool = lay.processing_pool.tolist()
        deadline, wait_external, wait_financial = (
            rec.deadline,
            rec.wait_external,
            rec.wait_financial,
        )
        wait_queue, wait_network = rec.wait_queue, rec.wait_network

        def land(d: _Dossier) -> None:
            i = d.i
            now = env.now
            t = now
            u = d.pu
            if consult_u[i] < consult_p[u]:
                t = to_work(to_wall(t, "left") + consult_delay[i] * consult_factor[u])
                wait_external[i] = t - now
            if financial_u[i] < financial_p[procedure[i]]:
                notified = to_work(to_wall(t, "left") + tax_delay[i])
                paid = to_work(to_wall(notified, "left") + pay_delay[i])
                wait_financial[i] = paid - t
                deadline[i] += paid - t  # Decree 151/2025: not counted on the legal clock
                t = paid
            if t > now:
                d.callbacks = [print_certificate]
                schedule(d, NORMAL, t - now)
            else:
                print_certificate(d)

        def print_certificate(d: _Dossier) -> None:
            i = d.i
            pool = pools[processing_pool[procedure[i]][d.pu]]
            acquire(d, pool, True, printing_minutes[i], n_print, printed, env.now)

        def printed(d: _Dossier) -> None:
            release(d.pool)
            i = d.i
            wait_queue[i] += d.qw
            wait_network[i] += d.netw
            approval(d)

        return land


__all__ = ["Layout", "Pool", "RepOutput", "build_layout", "horizon_calendar", "simulate"]
