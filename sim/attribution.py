"""Why were dossiers late? Counterfactual attribution under common random numbers.

Each dossier's ``late_cause`` column names the largest delay it met (its proximate cause).
That undercounts causes that act through queues: a slow system makes officers slower, and the
dossiers behind them wait "in the queue". This module answers the sharper question: *which
late dossiers would have been on time if one thing had been perfect?* It reruns the same
replications (same streams, so the same applicants with the same work) with

* ``network``: no outages, no slow periods, links and system far beyond any load;
* ``supplements``: every dossier complete at the first check;
* ``staffing``: ten times the officers everywhere, all present every day;

and, for each lateness mechanism that the scenario switches on,

* ``land_external``: no commune confirmation or other agency's opinion on the land route;
* ``financial_obligation``: no tax notice or payment on the land route;
* ``data_sync``: no failed synchronisation with the national portal;
* ``system_degradation``: no degraded period of the named systems;
* ``signing``: approvals at once, without waiting for a signing session;
* ``closing_lag``: dossiers closed in the system as soon as the work is done;
* ``recorded_waits``: the recorded clock pauses for supplements and financial obligations
  as the legal one does;

and matches dossiers by their stable key. A late dossier can be rescued by several
counterfactuals, so the shares need not sum to one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.executors import open_executor
from sim.experiment import RepTask, run_replication
from sim.scenario import MAX_MULTIPLIER, Scenario


def counterfactuals(scn: Scenario) -> dict[str, Scenario]:
    """The scenario variants in which one source of delay is removed."""
    no_network: dict[str, Any] = {
        "network.outages.system.mtbf_hours": None,
        "network.outages.system.periods": [],
        "network.outages.links.mtbf_hours": None,
        "network.outages.links.periods": [],
        "network.outages.link_mtbf_hours_by_unit": {},
        "network.outages.windows": [],
        "network.degradations": [],
        "network.link_mbps": 1e5,
        "network.link_mbps_by_unit_type": {},
        "network.link_mbps_by_unit": {},
        "network.background_mbps": 0.0,
        "network.system_capacity_sessions": 1e9,
    }
    complete = {f"procedures.{pid}.incomplete_probability": 0.0 for pid in scn.procedures}
    staffed: dict[str, Any] = {"staffing.multiplier.all": 10.0, "staffing.availability": 1.0}
    for aid in scn.agencies:
        # ten times the branch's officers, within the scenario bound on multipliers
        staffed[f"agencies.{aid}.multiplier"] = min(
            MAX_MULTIPLIER, 10.0 * scn.agencies[aid].multiplier
        )
    out = {
        "network": scn.with_changes(no_network, f"<{scn.name}: perfect network>"),
        "supplements": scn.with_changes(complete, f"<{scn.name}: complete dossiers>"),
        "staffing": scn.with_changes(staffed, f"<{scn.name}: ample staff>"),
    }
    for cause, changes in _mechanism_changes(scn).items():
        out[cause] = scn.with_changes(changes, f"<{scn.name}: no {cause}>")
    return out


def _mechanism_changes(scn: Scenario) -> dict[str, dict[str, Any]]:
    """Changes that remove one lateness mechanism (only those the scenario has on)."""
    out: dict[str, dict[str, Any]] = {}
    if scn.land_route.enabled:
        out["land_external"] = {
            "land_route.consultation_probability": 0.0,
            "land_route.branches": {},
        }
        out["financial_obligation"] = {"land_route.financial_obligation_probability": {}}
    if scn.systems.enabled:
        out["data_sync"] = {
            "systems.sync_failure_probability": 0.0,
            **{
                f"systems.named.{k}.sync_failure_probability": None
                for k, system in scn.systems.named.items()
                if system.sync_failure_probability is not None
            },
        }
        if any(s.degraded for s in scn.systems.named.values()):
            out["system_degradation"] = {
                f"systems.named.{k}.degraded": [] for k in scn.systems.named
            }
    if scn.signing.enabled:
        out["signing"] = {"signing.enabled": False}
    if scn.recorded_clock.enabled:
        out["closing_lag"] = {"recorded_clock.closing_lag_probability": 0.0}
        out["recorded_waits"] = {
            "recorded_clock.supplement_wait_counted_probability": 0.0,
            "recorded_clock.financial_wait_counted_probability": 0.0,
        }
    return out


def _late(frame: pd.DataFrame) -> pd.Series:
    """Late (resolved after the deadline, or open past it) by dossier key."""
    late = frame["late_cause"].notna().to_numpy()
    return pd.Series(late, index=frame["dossier_key"].to_numpy())


def attribute_lateness(
    scn: Scenario,
    reps: int = 3,
    seed: int | None = None,
    workers: int | None = 1,
    replications: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Share of late dossiers each counterfactual would have made on time.

    Replications ``0 .. reps - 1``, or the given ``replications`` (e.g. those of a run
    folder's manifest; ``reps`` is then ignored).

    Returns one row per (replication, month of resolution or "all", cause) with the number
    of late dossiers in the scenario, how many of them are on time in the counterfactual, and
    that share.
    """
    seed = scn.run.seed if seed is None else seed
    numbers = list(range(reps)) if replications is None else [int(r) for r in replications]
    variants = {"scenario": scn, **counterfactuals(scn)}
    tasks = [RepTask(v, r, seed, True) for v in variants.values() for r in numbers]
    keys = [(name, r) for name in variants for r in numbers]
    frames: dict[tuple[str, int], pd.DataFrame] = {}
    with open_executor(workers) as ex:
        for i, res in ex.imap(run_replication, tasks):
            if isinstance(res, BaseException):
                raise res
            assert res.dossiers is not None
            frames[keys[i]] = res.dossiers[["dossier_key", "late_cause", "resolved_month"]]
    rows = []
    for r in numbers:
        base = frames[("scenario", r)]
        late = _late(base)
        month = pd.Series(
            base["resolved_month"].astype(object).fillna("open").astype(str).to_numpy(),
            index=late.index,
        )
        for cause in variants:
            if cause == "scenario":
                continue
            other = _late(frames[(cause, r)]).reindex(late.index, fill_value=True)
            rescued = late & ~other
            for m in ["all", *sorted(month[late].unique())]:
                sel = late if m == "all" else late & (month == m)
                n_late = int(sel.sum())
                n_rescued = int((rescued & sel).sum())
                rows.append(
                    {
                        "rep": r,
                        "month": m,
                        "cause": cause,
                        "late": n_late,
                        "rescued": n_rescued,
                        "share": n_rescued / n_late if n_late else np.nan,
                    }
                )
    return pd.DataFrame(rows)
