"""Settings that are legal but have no effect: one warning each, naming the field.

Only settings the user wrote (in the file, its parents or a ``--set``) are spoken of
(:func:`written_paths`); the command line prints the warnings on stderr and records them in
the manifest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sim.scenario.loading import read_yaml_mapping
from sim.scenario.schema import OutageProcess, Scenario
from sim.units import load_units


def written_paths(path: str | Path, overrides: Sequence[str] = ()) -> set[str]:
    """Dotted paths a scenario file writes itself (not through ``extends``), and its ``--set``.

    :func:`scenario_warnings` uses them to speak only of settings the user wrote: a scenario
    that extends the baseline over another period should not hear about the baseline's July
    outage periods.
    """
    out: set[str] = set()

    def walk(node: Any, prefix: str) -> None:
        items: list[tuple[Any, Any]] = []
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        if prefix and not items:  # a value, or an empty list or mapping
            out.add(prefix)
        for k, v in items:
            walk(v, f"{prefix}.{k}" if prefix else str(k))

    raw = read_yaml_mapping(Path(path))
    raw.pop("extends", None)
    walk(raw, "")
    for text in overrides:
        out.add(text.partition("=")[0].strip())
    return out


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(f"{b}.") or b.startswith(f"{a}.")


MECHANISM_SECTIONS = (
    "land_route",
    "recorded_clock",
    "systems",
    "signing",
    "overtime",
    "initial_backlog",
)
"""Scenario sections of the lateness mechanisms, each switched on and off by ``enabled``."""


def scenario_warnings(s: Scenario, written: Iterable[str] | None = None) -> list[str]:
    """Settings of a valid scenario that are legal but have no effect, one line each
    (``field.path: what and why``).

    Dated items wholly outside the horizon (outage windows, degradations, surges, outage
    periods), per-unit settings, surges and outage windows of units that are not simulated,
    agencies that no procedure uses. With ``written`` (see :func:`written_paths`) only the
    warnings about fields the user wrote are returned.
    """
    out: list[tuple[str, str]] = []
    start = dt.datetime.combine(s.horizon.start, dt.time())
    end = dt.datetime.combine(s.horizon.end + dt.timedelta(days=1), dt.time())
    span = f"the horizon ({s.horizon.start} to {s.horizon.end})"
    active = set(s.unit_codes())
    known = set(load_units().codes)

    def outside(a: dt.datetime, z: dt.datetime) -> bool:
        return z <= start or a >= end

    def days_outside(a: dt.date, z: dt.date) -> bool:
        return z < s.horizon.start or a > s.horizon.end

    for i, w in enumerate(s.network.outages.windows):
        path = f"network.outages.windows.{i}"
        if outside(w.start, w.end):
            out.append((path, f"outage window {w.start} to {w.end} lies outside {span}"))
        elif w.unit is not None and w.unit in known and w.unit not in active:
            out.append((f"{path}.unit", f"unit {w.unit} is not simulated (units.include)"))
    for i, d in enumerate(s.network.degradations):
        if outside(d.start, d.end):
            out.append(
                (
                    f"network.degradations.{i}",
                    f"degradation {d.start} to {d.end} lies outside {span}",
                )
            )
    for i, sg in enumerate(s.demand.surges):
        path = f"demand.surges.{i}"
        if days_outside(sg.start, sg.end):
            out.append((path, f"surge {sg.start} to {sg.end} lies outside {span}"))
        elif sg.units is not None and sg.units and not set(sg.units) & active:
            out.append((f"{path}.units", "none of these units is simulated (units.include)"))
    for name in ("system", "links"):
        proc: OutageProcess = getattr(s.network.outages, name)
        for i, period in enumerate(proc.periods):
            if days_outside(period.start, period.end):
                out.append(
                    (
                        f"network.outages.{name}.periods.{i}",
                        f"outage period {period.start} to {period.end} lies outside {span}",
                    )
                )
    for section in MECHANISM_SECTIONS:
        model = getattr(s, section)
        if not model.enabled:
            for f in sorted(model.model_fields_set - {"enabled"}):
                out.append((f"{section}.{f}", f"{section} is switched off (enabled: false)"))
    used = {p.agency for p in s.procedures.values() if p.handled_by == "agency"}
    for aid in s.agencies:
        if aid not in used:
            out.append((f"agencies.{aid}", "no procedure is handled by this agency"))
    names = dict(zip(load_units().frame["code"], load_units().frame["name"], strict=True))
    per_unit: list[tuple[str, Iterable[str]]] = [
        ("demand.dossiers_per_working_day", s.demand.dossiers_per_working_day),
        ("demand.attraction", s.demand.attraction),
        ("staffing.units", s.staffing.units),
        ("network.link_mbps_by_unit", s.network.link_mbps_by_unit),
        ("network.fallback_mbps_by_unit", s.network.fallback_mbps_by_unit),
        ("network.outages.link_mtbf_hours_by_unit", s.network.outages.link_mtbf_hours_by_unit),
        *((f"agencies.{aid}.staff", a.staff) for aid, a in s.agencies.items()),
    ]
    for path, keys in per_unit:
        for c in keys:
            if c in known and c not in active:
                out.append(
                    (f"{path}.{c}", f"unit {c} ({names[c]}) is not simulated (units.include)")
                )
    if written is not None:
        paths = list(written)
        out = [(p, m) for p, m in out if any(_related(p, w) for w in paths)]
    return [f"{p}: {m}" for p, m in out]
