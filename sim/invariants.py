"""Cheap checks run after every replication (``run.check_invariants``, on by default).

A violated invariant is a bug in the model, never a property of the scenario, so it raises
:class:`InvariantError` instead of producing a silently wrong number.
"""

from __future__ import annotations

import numpy as np

from sim.calendar import MINUTES_PER_DAY, WorkingCalendar
from sim.records import RepOutput
from sim.results import RepTables

EPS = 1e-6


class InvariantError(RuntimeError):
    """The simulation broke one of its own invariants."""


def _ordered(later: np.ndarray, earlier: np.ndarray) -> bool:
    both = ~np.isnan(later) & ~np.isnan(earlier)
    return bool(np.all(later[both] >= earlier[both] - EPS))


def check_replication(out: RepOutput, tables: RepTables, cal: WorkingCalendar) -> None:
    """Raise InvariantError if replication ``out`` breaks an invariant."""
    r = out.records.arrays()
    arrival = out.dossiers.arrival
    k = tables.kpis.iloc[0]
    problems = []
    arrived, resolved, still_open = (int(k[c]) for c in ("arrived", "resolved", "open"))
    if arrived != len(arrival) or arrived != resolved + still_open:
        problems.append(
            f"conservation: arrived {arrived} != resolved {resolved} + open {still_open}"
            + (f" (dossiers generated: {len(arrival)})" if arrived != len(arrival) else "")
        )
    chain = [
        ("reception_start", arrival),
        ("reception_end", r["reception_start"]),
        ("supplement_request", r["reception_end"]),
        ("supplement_return", r["supplement_request"]),
        ("recheck_end", r["supplement_return"]),
        ("processing_start", r["reception_end"]),
        ("processing_start", r["recheck_end"]),
        ("processing_end", r["processing_start"]),
        ("approval_start", r["processing_end"]),
        ("approval_start", r["recheck_end"]),
        ("resolved", r["approval_start"]),
        ("resolved", r["processing_end"]),
        ("resolved", r["reception_end"]),
        ("resolved", arrival),
    ]
    for later, earlier in chain:
        if not _ordered(r[later], earlier):
            problems.append(f"a dossier's {later} precedes an earlier stage")
    if np.any(r["resolved"][~np.isnan(r["resolved"])] > out.horizon_end + EPS):
        problems.append("a dossier resolved after the end of the horizon")
    # officers only work in office hours: every stage start maps into an office session
    starts = np.concatenate(
        [r[c] for c in ("reception_start", "processing_start", "approval_start")]
    )
    starts = starts[~np.isnan(starts)]
    if len(starts):
        tod = np.mod(cal.to_wall(starts, "right"), MINUTES_PER_DAY)
        inside = np.zeros(len(tod), bool)
        for a, b in cal.sessions:
            inside |= (tod >= a - EPS) & (tod <= b + EPS)
        if not inside.all():
            problems.append(f"{int((~inside).sum())} stage starts outside office hours")
    util = tables.pools["utilisation"].to_numpy(float)
    util = util[~np.isnan(util)]
    if np.any(util < -EPS) or np.any(util > 1 + EPS):
        problems.append(f"utilisation outside [0, 1]: max {util.max():.6f}")
    if problems:
        raise InvariantError(f"replication {out.rep}: " + "; ".join(problems))
