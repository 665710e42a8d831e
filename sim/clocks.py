"""The two clocks of a dossier: the legal one and the one the one-stop system records.

The *legal* clock is the model's ``deadline`` record: the statutory working days from the
clock start, with the scenario's supplement rule (``supplements.clock_rule``) and, on the
land route, the tax notice and payment excluded (Decree 151/2025). The *recorded* clock is
what the one-stop system shows (FACTS.md, "Recorded versus legal clock"): with
``recorded_clock`` on it counts, for a share of the dossiers each, the waits for supplements
(the deadline runs from the first reception) and for financial obligations, and it stops
only when the dossier is closed in the system, which may be some working hours after the
work is done (closing lag) and, with ``systems`` on, calendar days later when the
synchronisation with the national portal failed and waited for a manual fix. With
``recorded_clock`` off the recorded deadline is the legal one and a dossier is closed when
its work is done (plus any synchronisation fix).

Everything here is computed after the run from the records and the mechanisms' draws, so
the recorded clock costs the simulation nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calendar import WorkingCalendar
from sim.demand import IN_PERSON, ONLINE
from sim.records import Layout, RepOutput
from sim.scenario import Scenario


@dataclass
class Clocks:
    """Per-dossier arrays (working minutes unless said otherwise; NaN = not reached)."""

    recorded_deadline: np.ndarray
    closed: np.ndarray  # when the dossier is closed in the one-stop system
    sync_wait: np.ndarray  # working minutes waiting for a failed synchronisation's fix
    closing_lag: np.ndarray  # working minutes between the work done and the closing
    financial_counted: np.ndarray  # financial-obligation wait counted on the recorded clock
    supplement_counted: np.ndarray  # supplement wait counted on the recorded clock
    slow_to_receive: np.ndarray  # float: 1 slow, 0 not, NaN not online or limit not reached


def sync_failure_probabilities(scn: Scenario, layout: Layout) -> np.ndarray:
    """Per procedure (layout order), the chance that a dossier's synchronisation with the
    national portal fails: ``systems.sync_failure_probability``, or the
    ``sync_failure_probability`` of the named system whose procedures include it (the last
    such system named wins)."""
    p = np.full(len(layout.procedure_ids), scn.systems.sync_failure_probability)
    for system in scn.systems.named.values():
        if system.sync_failure_probability is not None:
            for name in system.procedures:
                p[layout.procedure_ids.index(name)] = system.sync_failure_probability
    return p


def clocks(out: RepOutput, scn: Scenario, layout: Layout, cal: WorkingCalendar) -> Clocks:
    """Recorded deadlines and closing times of a replication (see the module doc)."""
    ds, r, dr = out.dossiers, out.records.arrays(), out.draws
    n = len(ds)
    resolved = r["resolved"]
    legal = r["deadline"]
    financial = np.nan_to_num(r["wait_financial"])
    zeros = np.zeros(n)
    sync_wait = zeros
    if scn.systems.enabled and dr is not None and len(dr.sync_u):
        sync_p = sync_failure_probabilities(scn, layout)[ds.procedure]
        fails = dr.sync_u < sync_p
        if scn.systems.sync_procedures is not None:
            ids = [layout.procedure_ids.index(p) for p in scn.systems.sync_procedures]
            fails &= np.isin(ds.procedure, ids)
        fails &= ~np.isnan(resolved)
        sync_wait = np.zeros(n)
        if fails.any():
            fixed = cal.to_working(cal.to_wall(resolved[fails], "left") + dr.sync_delay[fails])
            sync_wait[fails] = fixed - resolved[fails]
    rc = scn.recorded_clock
    closing_lag = zeros
    supplement_counted = zeros
    financial_counted = zeros
    recorded = legal
    if rc.enabled and dr is not None and len(dr.closing_u):
        closing_lag = np.where(
            dr.closing_u < rc.closing_lag_probability, dr.closing_lag_working_minutes, 0.0
        )
        # supplement waits the system counted: the deadline runs from the first reception
        asked = ~np.isnan(r["supplement_request"])
        asked &= dr.supplement_counted_u < rc.supplement_wait_counted_probability
        first = r["reception_end"].copy()
        legal_start = scn.reception.online_clock_start == "earlier_of_reception_and_limit"
        if legal_start and not rc.starts_at_reception:
            limit = ds.arrival + scn.reception.online_receive_within_working_hours * 60.0
            first = np.where((ds.channel != IN_PERSON) & (limit < first), limit, first)
        first_due = np.full(n, np.nan)
        ok = asked & ~np.isnan(first)
        first_due[ok] = cal.deadlines(first[ok], layout.deadline_days[ds.procedure[ok]])
        supplement_counted = np.where(asked, np.nan_to_num(r["wait_supplement"]), 0.0)
        # financial-obligation waits the system counted: the legal extension is not applied
        counted = dr.financial_counted_u < rc.financial_wait_counted_probability
        financial_counted = np.where(counted, financial, 0.0)
        recorded = np.where(asked, first_due, legal - financial) + (financial - financial_counted)
        if legal_start and rc.starts_at_reception:
            # the system counts an online dossier from its reception, not from the limit
            late_receipt = ~asked & (r["clock_start"] < r["reception_end"])
            if late_receipt.any():
                days = layout.deadline_days[ds.procedure[late_receipt]]
                shift = cal.deadlines(r["reception_end"][late_receipt], days) - cal.deadlines(
                    r["clock_start"][late_receipt], days
                )
                recorded[late_receipt] += shift
    closed = resolved + sync_wait + closing_lag
    within = scn.reception.online_receive_within_working_hours * 60.0
    online = ds.channel == ONLINE
    due_by = ds.arrival + within
    seen = ~np.isnan(r["reception_end"]) | (due_by <= out.horizon_end)
    late_receipt = np.where(np.isnan(r["reception_end"]), True, r["reception_end"] > due_by)
    slow = np.where(online & seen, late_receipt.astype(float), np.nan)
    return Clocks(
        recorded_deadline=recorded,
        closed=closed,
        sync_wait=sync_wait,
        closing_lag=closing_lag,
        financial_counted=financial_counted,
        supplement_counted=supplement_counted,
        slow_to_receive=slow,
    )
