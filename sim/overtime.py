"""Overtime past the close: dossiers due today finished this evening (``overtime``).

FACTS.md ("Certification and the leader's signature"): same-day results are signed by the
leader, and staff stay past 17:00 to finish the day's work. The model's working clock has no
closed hours, so a dossier whose approval was not done by the close simply continues the
next morning. This module moves such dossiers back to the evening before, after the run,
where the scenario's overtime allowance covers them (see :class:`sim.scenario.Overtime`):

* the dossier's procedure is in ``overtime.procedures``;
* it was due at the close ``D`` of a working day, and its processing was done by ``D`` (it
  was waiting for, or in, its approval at the close);
* it was resolved during the next working day (``D < resolved <= D + day``);
* the overtime it needs, ``resolved - D`` less the morning's wait for a signing session
  (the leader signs in the evening instead of waiting for the 9:30 session), fits in what
  is left of its approving pool's allowance for that day (``minutes_per_officer`` times the
  pool's officers), taken by the dossiers in the order they would have finished.

Such a dossier is resolved at ``D`` on the working clock (the close; on the wall clock, the
evening of that day), its approval starts at the latest at ``D``, its signing wait is cut
at ``D``, and ``after_close`` records the overtime minutes it took. The officers' next
morning is not given back to the queues (the accounting is after the run), so the effect of
overtime on other dossiers is slightly understated.
"""

from __future__ import annotations

import numpy as np

from sim.demand import Dossiers
from sim.records import Layout, Records
from sim.scenario import Scenario


def apply_overtime(
    scn: Scenario, layout: Layout, ds: Dossiers, rec: Records, day_minutes: float
) -> int:
    """Finish in overtime the dossiers the allowance covers (in place; see the module doc).

    Parameters
    ----------
    scn, layout, ds
        The scenario, its layout and the replication's dossiers.
    rec
        The replication's records (working minutes), changed in place: ``resolved``,
        ``approval_start``, ``wait_signing`` and ``after_close`` of the dossiers finished in
        overtime.
    day_minutes
        Working minutes of a day (the working clock's day length).

    Returns
    -------
    int
        The number of dossiers finished in overtime.
    """
    ot = scn.overtime
    if not ot.enabled or not ot.procedures or ot.minutes_per_officer <= 0 or len(ds) == 0:
        return 0
    r = rec.arrays()  # views: writing into them writes the records
    L = float(day_minutes)
    resolved, due = r["resolved"], r["deadline"]
    ids = [layout.procedure_ids.index(p) for p in ot.procedures]
    ready = np.where(np.isnan(r["processing_end"]), r["reception_end"], r["processing_end"])
    ready = np.fmax(ready, r["recheck_end"])
    cand = np.isin(ds.procedure, ids) & (resolved > due) & (resolved <= due + L) & (ready <= due)
    # due at a close (deadlines are at closes; an inherited dossier's may not be)
    cand &= np.isclose(np.mod(due, L), 0.0) | np.isclose(np.mod(due, L), L)
    idx = np.flatnonzero(cand)
    if not len(idx):
        return 0
    d_close = due[idx]
    signing_wait = np.nan_to_num(r["wait_signing"][idx])
    session = ready[idx] + signing_wait  # when the waited-for session began
    morning_idle = np.clip(session - np.maximum(d_close, ready[idx]), 0.0, None)
    morning_idle = np.where(signing_wait > 0, morning_idle, 0.0)
    needed = np.maximum(resolved[idx] - d_close - morning_idle, 0.0)
    # the approving pool: the approval pool of the unit that handled the dossier
    p = ds.procedure[idx].astype(np.int64)
    home, receiving = ds.home[idx].astype(np.int64), ds.receiving[idx].astype(np.int64)
    unit = np.where(layout.handled_by[p] == 1, home, receiving)
    pool = layout.approval_pool[p, unit].astype(np.int64)
    staff = np.array([spec[4] for spec in layout.pool_specs], dtype=float)
    budget = np.where(pool >= 0, staff[np.maximum(pool, 0)] * ot.minutes_per_officer, 0.0)
    day = np.rint(d_close / L).astype(np.int64)
    order = np.lexsort((resolved[idx], day, pool))
    key = pool[order] * (int(day.max()) + 2) + day[order]
    spent = np.cumsum(needed[order])
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    before = np.where(group_start > 0, spent[group_start - 1], 0.0)
    fits = (spent - before <= budget[order]) & (pool[order] >= 0)
    done = idx[order][fits]
    if not len(done):
        return 0
    close = due[done]
    r["after_close"][done] = needed[order][fits]
    r["resolved"][done] = close
    r["approval_start"][done] = np.fmin(r["approval_start"][done], close)
    waited = r["wait_signing"][done]
    cut = np.maximum(close - ready[done], 0.0)
    r["wait_signing"][done] = np.where(np.isnan(waited), waited, np.minimum(waited, cut))
    return int(len(done))
