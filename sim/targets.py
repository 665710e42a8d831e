"""Calibration targets: summary statistics of one replication that published figures report.

Each target is a function of one replication's tables (:class:`sim.results.RepTables`, with
its per-dossier frame when the target needs one) and of the scenario, returning one number,
or NaN where the figure is undefined for that run (no late dossier, month outside the
horizon, unit not simulated). Targets are registered by name with :func:`register`;
``calibration.targets`` and screening refer to them by that name. Adding a target is a
matter of writing a function and decorating it.

Figures the province reports count the *recorded* clock (the one-stop system's own): the
targets read the recorded KPIs (``recorded_on_time_rate``, ``recorded_on_time``), and the
causes of lateness follow the headline clock, which is the recorded one when the scenario's
``recorded_clock`` is enabled (as in the baseline).

A target that waits for the model to report something is listed in :data:`PENDING`; naming
it in a scenario is refused with that explanation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.results import RepTables
from sim.scenario import Scenario

TargetFunction = Callable[[RepTables, Scenario], float]

HONG_GAI = "QN21"
"""Unit code of Hồng Gai ward (FACTS.md: 9,673 dossiers in July 2025, 64.7% for vertical
agencies)."""
LAND_AGENCY = "land_registration"


@dataclass(frozen=True)
class Target:
    """A registered target metric."""

    name: str
    function: TargetFunction
    description: str
    kind: str  # "share" (in [0, 1]), "count" or "ratio"
    needs_dossiers: bool = False

    def __call__(self, tables: RepTables, scn: Scenario) -> float:
        return float(self.function(tables, scn))


TARGETS: dict[str, Target] = {}
"""Every registered target metric, by name."""

PENDING: dict[str, str] = {}
"""Targets named in the lateness issue that wait for the model to report them (name: why);
empty since the model reports the causes that name its mechanisms."""


def register(
    name: str, description: str, kind: str = "share", needs_dossiers: bool = False
) -> Callable[[TargetFunction], TargetFunction]:
    """Decorator: register ``function(tables, scenario) -> float`` as target ``name``.

    Raises
    ------
    ValueError
        If ``name`` is already registered or ``kind`` is not share, count or ratio.
    """
    if kind not in ("share", "count", "ratio"):
        raise ValueError(f"kind must be share, count or ratio, got {kind!r}")

    def deco(function: TargetFunction) -> TargetFunction:
        if name in TARGETS:
            raise ValueError(f"target {name!r} is already registered")
        TARGETS[name] = Target(name, function, description, kind, needs_dossiers)
        PENDING.pop(name, None)
        return function

    return deco


def check_metric(name: str) -> str | None:
    """Why ``name`` cannot be used as a target (None if it can)."""
    if name in TARGETS:
        return None
    if name in PENDING:
        return f"not computable by today's model ({PENDING[name]})"
    return f"unknown target metric; known: {', '.join(sorted(TARGETS))}"


def needs_dossiers(names: list[str]) -> bool:
    """Whether any of the targets reads the per-dossier frame."""
    return any(TARGETS[n].needs_dossiers for n in names)


def compute(tables: RepTables, scn: Scenario, names: list[str]) -> dict[str, float]:
    """The named targets of one replication (NaN where undefined, never inf)."""
    out = {}
    for n in names:
        v = TARGETS[n](tables, scn)
        out[n] = v if math.isfinite(v) else float("nan")
    return out


# ----------------------------------------------------------------------------- helpers


def _kpi(tables: RepTables, *columns: str) -> float:
    """The first of ``columns`` the replication reports."""
    for c in columns:
        if c in tables.kpis.columns:
            return float(tables.kpis[c].iloc[0])
    raise KeyError(columns[0])


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def land_procedures(scn: Scenario) -> list[str]:
    """Procedures handled by the land registration office."""
    return [k for k, p in scn.procedures.items() if p.agency == LAND_AGENCY]


def _dossiers(tables: RepTables) -> pd.DataFrame:
    if tables.dossiers is None:
        raise ValueError("this target needs the per-dossier frame (keep_dossiers=True)")
    return tables.dossiers


def _hong_gai_july(tables: RepTables, scn: Scenario) -> pd.DataFrame | None:
    """Dossiers received at Hồng Gai in July of the horizon's first year (None if the run
    does not cover that unit or the whole month)."""
    year = scn.horizon.start.year
    start, end = pd.Timestamp(year, 7, 1), pd.Timestamp(year, 8, 1)
    if HONG_GAI not in scn.unit_codes():
        return None
    if pd.Timestamp(scn.horizon.start) > start or pd.Timestamp(scn.horizon.end) < end.normalize():
        return None
    df = _dossiers(tables)
    at = df["arrived_at"]
    return df.loc[(df["unit"] == HONG_GAI) & (at >= start) & (at < end)]


def _month_late_rate(tables: RepTables, month: str) -> float:
    m = tables.months
    row = m.loc[m["month"].astype(str) == month]
    if row.empty:
        return float("nan")
    return _ratio(float(row["late"].sum()), float(row["resolved"].sum()))


# ----------------------------------------------------------------------------- targets


@register(
    "recorded_on_time_rate",
    "dossiers resolved by their deadline on the recorded clock / dossiers resolved "
    "(province: 98.5% in Q3 2025)",
)
def recorded_on_time_rate(tables: RepTables, scn: Scenario) -> float:
    return _kpi(tables, "recorded_on_time_rate", "on_time_rate")


@register("province_volume", "dossiers received in the horizon (all simulated units)", "count")
def province_volume(tables: RepTables, scn: Scenario) -> float:
    return _kpi(tables, "arrived")


@register("open_at_end_share", "dossiers still open at the end of the horizon / dossiers received")
def open_at_end_share(tables: RepTables, scn: Scenario) -> float:
    return _ratio(_kpi(tables, "open"), _kpi(tables, "arrived"))


@register(
    "july_september_late_ratio",
    "late rate (late / resolved, by month of resolution) of July over that of September",
    "ratio",
)
def july_september_late_ratio(tables: RepTables, scn: Scenario) -> float:
    year = scn.horizon.start.year
    jul = _month_late_rate(tables, f"{year}-07")
    sep = _month_late_rate(tables, f"{year}-09")
    return _ratio(jul, sep) if math.isfinite(jul) and math.isfinite(sep) else float("nan")


@register("land_late_share", "land dossiers among late dossiers (resolved late)")
def land_late_share(tables: RepTables, scn: Scenario) -> float:
    p = tables.procedures
    land = p["procedure"].astype(str).isin(land_procedures(scn))
    return _ratio(float(p.loc[land, "late"].sum()), float(p["late"].sum()))


@register(
    "land_change_on_time_rate",
    "on-time rate of land change registrations (recorded clock where reported)",
)
def land_change_on_time_rate(tables: RepTables, scn: Scenario) -> float:
    p = tables.procedures
    row = p.loc[p["procedure"].astype(str) == "land_change_registration"]
    col = "recorded_on_time" if "recorded_on_time" in p.columns else "on_time"
    return _ratio(float(row[col].sum()), float(row["resolved"].sum()))


@register(
    "slow_to_receive_share",
    "online dossiers not received within the receive-within limit (8 working hours), "
    "among online dossiers",
    needs_dossiers=True,
)
def slow_to_receive_share(tables: RepTables, scn: Scenario) -> float:
    if "slow_to_receive_share" in tables.kpis.columns:
        return _kpi(tables, "slow_to_receive_share")
    df = _dossiers(tables)
    online = df["channel"] == "online"
    wait = df.loc[online, "inbox_wait_working_hours"].to_numpy(float)
    limit = scn.reception.online_receive_within_working_hours
    # never received by the end of the horizon counts as slow too
    slow = np.isnan(wait) | (wait > limit)
    return _ratio(float(slow.sum()), float(online.sum()))


@register(
    "hong_gai_july_volume",
    "dossiers received by Hồng Gai ward in July (FACTS.md: 9,673 in July 2025)",
    "count",
    needs_dossiers=True,
)
def hong_gai_july_volume(tables: RepTables, scn: Scenario) -> float:
    d = _hong_gai_july(tables, scn)
    return float("nan") if d is None else float(len(d))


@register(
    "hong_gai_july_vertical_share",
    "share of Hồng Gai's July dossiers handled by agency desks (land office branch, police, "
    "social insurance, tax, post; FACTS.md: 64.7%)",
    needs_dossiers=True,
)
def hong_gai_july_vertical_share(tables: RepTables, scn: Scenario) -> float:
    d = _hong_gai_july(tables, scn)
    if d is None:
        return float("nan")
    # FACTS.md counts every agency desk at the centre as "vertical": the land registration
    # office branch, police, social insurance, tax, post
    vertical = [k for k, p in scn.procedures.items() if p.handled_by == "agency"]
    return _ratio(float(d["procedure"].astype(str).isin(vertical).sum()), float(len(d)))


def _late_share(tables: RepTables, causes: tuple[str, ...]) -> float:
    """Late dossiers (resolved late or open past the deadline) with one of ``causes`` as
    the largest delay, among all late dossiers."""
    from sim.results import CAUSES

    counts = {c: _kpi(tables, f"late_{c}") for c in CAUSES}
    return _ratio(sum(counts[c] for c in causes), sum(counts.values()))


@register(
    "late_system_or_sync_share",
    "late dossiers whose largest delay was a system outage or slow period (network) or a "
    "failed data synchronisation, among late dossiers (Gia Lai: about 61%)",
)
def late_system_or_sync_share(tables: RepTables, scn: Scenario) -> float:
    return _late_share(tables, ("network", "data_sync"))


@register(
    "late_waiting_supplement_or_payment_share",
    "late dossiers whose largest delay was waiting for supplements or for the financial "
    "obligation (tax notice and payment), on the headline clock, among late dossiers "
    "(Gia Lai: about 37%)",
)
def late_waiting_supplement_or_payment_share(tables: RepTables, scn: Scenario) -> float:
    return _late_share(tables, ("supplements", "financial_obligation"))
