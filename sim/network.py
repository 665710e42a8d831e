"""Network capacity: unit links, the provincial system, outages and slow periods.

Outages are drawn up front for a replication, in wall-clock time, as an alternating renewal
process (up times exponential with mean ``mtbf_hours``, possibly different in given periods;
repair times from ``repair_hours``), plus scheduled windows. They are then clipped to office
time on the working clock. A unit cannot use the system while its own link or the provincial
system is down; a unit with a fallback link (e.g. 4G) keeps working through its own link
failures at the fallback bandwidth instead.

The time of one system interaction (seconds) when a step starts is::

    response * slowdown / (1 - rho_sys)  +  8 * MB / (bandwidth * (1 - rho_link))

with ``rho_sys = busy officers in the province / system_capacity_sessions`` and
``rho_link = (background + busy officers at the unit * per-officer traffic) / bandwidth``,
both capped at ``max_utilisation`` (an M/M/1-like stretch: latency grows sharply near
saturation). Officers stay busy while they wait for the system, so short capacity lengthens
officer time per dossier and queues. ``slowdown`` is the product of the factors of the
``network.degradations`` and of the degraded periods of the named ``systems`` (when that
mechanism is on) that cover the moment and the dossier's procedure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from sim.calendar import MINUTES_PER_DAY, WorkingCalendar
from sim.rng import stream
from sim.scenario import OutageProcess, Scenario


def merge_intervals(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of half-open intervals, sorted, with empty ones dropped."""
    keep = ends > starts
    s, e = starts[keep], ends[keep]
    if len(s) == 0:
        return np.empty(0), np.empty(0)
    order = np.argsort(s, kind="stable")
    s, e = s[order], e[order]
    out_s, out_e = [float(s[0])], [float(e[0])]
    for a, b in zip(s[1:].tolist(), e[1:].tolist(), strict=True):
        if a <= out_e[-1]:
            out_e[-1] = max(out_e[-1], b)
        else:
            out_s.append(a)
            out_e.append(b)
    return np.asarray(out_s), np.asarray(out_e)


def _renewal(
    proc: OutageProcess,
    mtbf_default: float | None,
    rng: np.random.Generator,
    horizon_minutes: float,
    origin: dt.date,
) -> tuple[np.ndarray, np.ndarray]:
    """Down intervals (wall minutes) of one alternating renewal process."""
    pieces: list[tuple[float, float, float]] = []  # (start, end, failure rate per minute)
    base_rate = 0.0 if mtbf_default is None else 1.0 / (mtbf_default * 60.0)
    bounds = [(0.0, horizon_minutes, base_rate)]
    for p in proc.periods:
        a = (p.start - origin).days * MINUTES_PER_DAY
        b = ((p.end - origin).days + 1) * MINUTES_PER_DAY
        new: list[tuple[float, float, float]] = []
        for s, e, r in bounds:
            if b <= s or a >= e:
                new.append((s, e, r))
                continue
            if s < a:
                new.append((s, a, r))
            new.append((max(s, a), min(e, b), 1.0 / (p.mtbf_hours * 60.0)))
            if b < e:
                new.append((b, e, r))
        bounds = new
    pieces = sorted(bounds)
    if all(r == 0 for _, _, r in pieces):
        return np.empty(0), np.empty(0)
    starts: list[float] = []
    ends: list[float] = []
    t = 0.0
    k = 0
    need: float
    while t < horizon_minutes:
        need = rng.exponential(1.0)
        while k < len(pieces) and pieces[k][1] <= t:
            k += 1
        fail: float | None = None
        j = k
        while j < len(pieces):
            s, e, r = pieces[j]
            lo = max(s, t)
            if r > 0 and need <= r * (e - lo):
                fail = lo + need / r
                break
            need -= r * (e - lo)
            j += 1
        if fail is None or fail >= horizon_minutes:
            break
        down = float(proc.repair_hours.sample(rng, 1)[0]) * 60.0
        starts.append(fail)
        ends.append(fail + down)
        t = fail + down
    return np.asarray(starts), np.asarray(ends)


@dataclass
class NetworkState:
    """Per-replication network facts used by the model (working-clock intervals)."""

    down_starts: list[list[float]]  # per unit: union of system and (unbacked) link outages
    down_ends: list[list[float]]
    fallback_starts: list[list[float]]  # per unit: link outages bridged by the fallback
    fallback_ends: list[list[float]]
    bandwidth: list[float]
    fallback_bandwidth: list[float]
    system_down_wall: tuple[np.ndarray, np.ndarray]  # blocks online submission
    degradations: list[tuple[float, float, float, frozenset[int] | None]]
    down_minutes: np.ndarray  # working minutes without system access, per unit
    # per procedure: offset into down_starts / down_ends of the lists that add the outages
    # of the named systems it uses (0: the unit's own lists; unit u's list is u + offset)
    procedure_offset: list[int] = field(default_factory=list)


def build_network(
    scn: Scenario,
    cal: WorkingCalendar,
    codes: list[str],
    unit_types: list[str],
    procedure_ids: list[str],
    seed: int,
    rep: int,
) -> NetworkState:
    """Draw outages for one replication and collect link capacities."""
    net = scn.network
    horizon_min = float(scn.horizon.days * MINUTES_PER_DAY)
    origin = scn.horizon.start

    sys_s, sys_e = _renewal(
        net.outages.system,
        net.outages.system.mtbf_hours,
        stream(seed, rep, "outages", "system"),
        horizon_min,
        origin,
    )
    win_sys = [w for w in net.outages.windows if w.unit is None]
    if win_sys:
        ws = np.array([cal.wall_minutes(w.start) for w in win_sys])
        we = np.array([cal.wall_minutes(w.end) for w in win_sys])
        sys_s, sys_e = np.concatenate([sys_s, ws]), np.concatenate([sys_e, we])
    sys_s, sys_e = merge_intervals(sys_s, sys_e)

    down_s: list[list[float]] = []
    down_e: list[list[float]] = []
    fb_s: list[list[float]] = []
    fb_e: list[list[float]] = []
    bw: list[float] = []
    fbw: list[float] = []
    down_minutes = np.zeros(len(codes))
    for u, code in enumerate(codes):
        mtbf = net.outages.link_mtbf_hours_by_unit.get(code, net.outages.links.mtbf_hours)
        ls, le = _renewal(
            net.outages.links, mtbf, stream(seed, rep, "outages", "link", code), horizon_min, origin
        )
        wins = [w for w in net.outages.windows if w.unit == code]
        if wins:
            ls = np.concatenate([ls, [cal.wall_minutes(w.start) for w in wins]])
            le = np.concatenate([le, [cal.wall_minutes(w.end) for w in wins]])
        by_type: dict[str, float] = {str(k): v for k, v in net.link_mbps_by_unit_type.items()}
        link = net.link_mbps_by_unit.get(code, by_type.get(unit_types[u], net.link_mbps))
        fallback = net.fallback_mbps_by_unit.get(code, net.fallback_mbps)
        bw.append(float(link))
        fbw.append(float(fallback) if fallback is not None else 0.0)
        wls, wle = cal.to_working(ls), cal.to_working(le)
        wss, wse = cal.to_working(sys_s), cal.to_working(sys_e)
        if fallback is not None:
            ms, me = merge_intervals(wss, wse)
            fs, fe = merge_intervals(wls, wle)
        else:
            ms, me = merge_intervals(np.concatenate([wss, wls]), np.concatenate([wse, wle]))
            fs, fe = np.empty(0), np.empty(0)
        down_s.append(ms.tolist())
        down_e.append(me.tolist())
        fb_s.append(fs.tolist())
        fb_e.append(fe.tolist())
        down_minutes[u] = float(np.sum(me - ms))

    degr: list[tuple[float, float, float, frozenset[int] | None]] = []
    for d in net.degradations:
        a = float(cal.to_working(np.array([cal.wall_minutes(d.start)]))[0])
        b = float(cal.to_working(np.array([cal.wall_minutes(d.end)]))[0])
        procs = (
            None
            if d.procedures is None
            else frozenset(procedure_ids.index(p) for p in d.procedures)
        )
        if b > a:
            degr.append((a, b, float(d.response_factor), procs))
    if scn.systems.enabled:
        # a named system's degraded period slows only the procedures that use it
        for sysm in scn.systems.named.values():
            procs = frozenset(procedure_ids.index(p) for p in sysm.procedures)
            for per in sysm.degraded:
                a = float(cal.to_working(np.array([cal.wall_minutes(per.start)]))[0])
                b = float(cal.to_working(np.array([cal.wall_minutes(per.end)]))[0])
                if b > a and per.response_factor > 1.0 and procs:
                    degr.append((a, b, float(per.response_factor), procs))
    offsets = _named_system_outages(scn, cal, procedure_ids, down_s, down_e, seed, rep)
    return NetworkState(
        procedure_offset=offsets,
        down_starts=down_s,
        down_ends=down_e,
        fallback_starts=fb_s,
        fallback_ends=fb_e,
        bandwidth=bw,
        fallback_bandwidth=fbw,
        system_down_wall=(sys_s, sys_e),
        degradations=degr,
        down_minutes=down_minutes,
    )


def _named_system_outages(
    scn: Scenario,
    cal: WorkingCalendar,
    procedure_ids: list[str],
    down_s: list[list[float]],
    down_e: list[list[float]],
    seed: int,
    rep: int,
) -> list[int]:
    """Append per-unit down lists for each set of named systems with outages that some
    procedure uses (in place); return each procedure's offset into the lists."""
    offsets = [0] * len(procedure_ids)
    if not scn.systems.enabled:
        return offsets
    horizon_min = float(scn.horizon.days * MINUTES_PER_DAY)
    own: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, sysm in scn.systems.named.items():
        s, e = _renewal(
            sysm.outages,
            sysm.outages.mtbf_hours,
            stream(seed, rep, "outages", "named_system", name),
            horizon_min,
            scn.horizon.start,
        )
        if sysm.down:
            s = np.concatenate([s, [cal.wall_minutes(w.start) for w in sysm.down]])
            e = np.concatenate([e, [cal.wall_minutes(w.end) for w in sysm.down]])
        if len(s):
            own[name] = (cal.to_working(s), cal.to_working(e))
    n_units = len(down_s)
    combos: dict[tuple[str, ...], int] = {}
    for j, pid in enumerate(procedure_ids):
        used = tuple(k for k, sysm in scn.systems.named.items() if pid in sysm.procedures)
        used = tuple(k for k in used if k in own)
        if not used:
            continue
        if used not in combos:
            combos[used] = len(down_s)
            ss = np.concatenate([own[k][0] for k in used])
            ee = np.concatenate([own[k][1] for k in used])
            for u in range(n_units):
                ms, me = merge_intervals(
                    np.concatenate([down_s[u], ss]), np.concatenate([down_e[u], ee])
                )
                down_s.append(ms.tolist())
                down_e.append(me.tolist())
        offsets[j] = combos[used]
    return offsets


def shift_out_of_outages(wall: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Online submissions that fall in a system outage happen when it ends (applicants retry)."""
    if len(starts) == 0 or len(wall) == 0:
        return wall
    k = np.searchsorted(starts, wall, side="right") - 1
    inside = (k >= 0) & (wall < ends[np.clip(k, 0, None)])
    out = wall.copy()
    out[inside] = ends[k[inside]]
    return out
