"""Cross-field checks of a validated scenario: one checker per section.

:func:`cross_check` runs them in order (units, unit codes and periods, procedures, staffing,
agencies, calendar, then demand volume, outages and the holiday years only on a scenario
clean so far); :func:`check_mechanisms` checks the lateness mechanisms and
:func:`check_parameter_ranges` the calibration priors and uncertain ranges. Each returns
``(dotted field, message)`` pairs; :func:`sim.scenario.loading.scenario_from_dict` raises the
first as a :class:`~sim.scenario.schema.ScenarioError`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

from sim.scenario.schema import (
    MAX_DOSSIERS_PER_REP,
    MAX_OUTAGES,
    SUM_TOLERANCE,
    WEEKDAYS,
    OutageProcess,
    Scenario,
    parse_clock,
)
from sim.scenario.suggestions import did_you_mean, unit_suggestion
from sim.units import load_units


def cross_check(s: Scenario) -> list[tuple[str, str]]:
    """Checks that involve several fields or the packaged unit table, section by section.

    Returns ``(dotted field, message)`` pairs in a fixed order; the checks of demand volume,
    outages and the holiday years run only on a scenario clean so far (their messages would
    be noise after an earlier fault).
    """
    if not s.procedures:
        return [("procedures", "at least one procedure is needed")]
    known = set(load_units().codes)
    errs = _check_units(s, known)
    errs += _check_unit_keys_and_periods(s, known)
    roles_needed, procedure_errs = _check_procedures(s)
    errs += procedure_errs
    errs += _check_staffing(s, roles_needed, clean=not errs)
    errs += _check_agencies(s, known)
    errs += _check_cutoff(s)
    for check in (_check_working_days, _check_demand, _check_outages, _check_holiday_years):
        if errs:
            break
        errs += check(s)
    return errs


def _check_units(s: Scenario, known: set[str]) -> list[tuple[str, str]]:
    """``units.include``: at least one unit, every code a real one."""
    errs: list[tuple[str, str]] = []
    if s.units.include != "all":
        if not s.units.include:
            errs.append(("units.include", "no units selected"))
        for i, c in enumerate(s.units.include):
            if c not in known:
                errs.append((f"units.include.{i}", f"unknown unit code {c!r}{unit_suggestion(c)}"))
    return errs


def _check_unit_keys_and_periods(s: Scenario, known: set[str]) -> list[tuple[str, str]]:
    """Unit codes used as keys in demand, staffing and network are real units; outage
    windows, surges, outage periods and degradations end after they start; degradations name
    known procedures."""
    errs: list[tuple[str, str]] = []

    def codes(path: str, keys: Iterable[str | None]) -> None:
        for c in keys:
            if c is None:
                continue
            # settings for real units that are not simulated are ignored: a scenario that
            # extends the baseline with fewer units cannot delete the inherited keys
            if c not in known:
                errs.append((f"{path}.{c}", f"unknown unit code {c!r}{unit_suggestion(c)}"))

    codes("demand.dossiers_per_working_day", s.demand.dossiers_per_working_day)
    codes("demand.attraction", s.demand.attraction)
    codes("staffing.units", s.staffing.units)
    codes("network.link_mbps_by_unit", s.network.link_mbps_by_unit)
    codes("network.fallback_mbps_by_unit", s.network.fallback_mbps_by_unit)
    codes("network.outages.link_mtbf_hours_by_unit", s.network.outages.link_mtbf_hours_by_unit)
    for i, w in enumerate(s.network.outages.windows):
        codes(f"network.outages.windows.{i}.unit", [w.unit])
        if w.end <= w.start:
            errs.append((f"network.outages.windows.{i}.end", "window ends before it starts"))
    for i, sg in enumerate(s.demand.surges):
        codes(f"demand.surges.{i}.units", sg.units or [])
        if sg.end < sg.start:
            errs.append((f"demand.surges.{i}.end", "surge ends before it starts"))
    for name, proc in (("system", s.network.outages.system), ("links", s.network.outages.links)):
        for i, period in enumerate(proc.periods):
            if period.end < period.start:
                errs.append((f"network.outages.{name}.periods.{i}.end", "ends before it starts"))
    for i, d in enumerate(s.network.degradations):
        if d.end <= d.start:
            errs.append((f"network.degradations.{i}.end", "ends before it starts"))
        for pname in d.procedures or []:
            if pname not in s.procedures:
                errs.append(
                    (
                        f"network.degradations.{i}.procedures",
                        f"unknown procedure {pname!r}{did_you_mean(pname, s.procedures)}",
                    )
                )
    return errs


def _check_procedures(s: Scenario) -> tuple[set[str], list[tuple[str, str]]]:
    """Procedures: shares and channel mixes are probability vectors, ids are identifiers,
    who handles each is consistent; the share multipliers name known procedures.

    Returns the roles the procedures need (reception always, the leader if anything is
    approved at a unit) and the errors.
    """
    errs: list[tuple[str, str]] = []
    total = sum(p.share for p in s.procedures.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        errs.append(("procedures", f"shares must sum to 1, they sum to {total:.6g}"))
    roles_needed: set[str] = set()
    for pid, p in s.procedures.items():
        path = f"procedures.{pid}"
        if not pid.isidentifier():
            errs.append((path, "procedure ids must be identifiers (letters, digits, _)"))
        mix = p.channels
        csum = mix.in_person + mix.online + mix.post
        if abs(csum - 1.0) > SUM_TOLERANCE:
            errs.append(
                (f"{path}.channels", f"channel shares must sum to 1, they sum to {csum:.6g}")
            )
        if p.handled_by == "agency":
            if p.agency is None:
                errs.append((f"{path}.agency", "handled_by: agency needs an agency"))
            elif p.agency not in s.agencies:
                errs.append(
                    (
                        f"{path}.agency",
                        f"unknown agency {p.agency!r}{did_you_mean(p.agency, s.agencies)}",
                    )
                )
            if p.processing_minutes is None:
                errs.append((f"{path}.processing_minutes", "an agency procedure needs processing"))
        elif p.processing_minutes is not None:
            if p.role is None:
                errs.append((f"{path}.role", "a procedure processed at a unit needs a role"))
            else:
                roles_needed.add(p.role)
        if p.role in ("reception", "leader"):
            errs.append((f"{path}.role", "reception and leader are not specialist roles"))
        if p.approval_minutes is not None and p.handled_by != "agency":
            roles_needed.add("leader")
    roles_needed.add("reception")
    for utype, mults in s.demand.share_multipliers_by_unit_type.items():
        for pid in mults:
            if pid not in s.procedures:
                errs.append(
                    (
                        f"demand.share_multipliers_by_unit_type.{utype}.{pid}",
                        f"unknown procedure{did_you_mean(pid, s.procedures)}",
                    )
                )
    return roles_needed, errs


def _check_staffing(s: Scenario, roles_needed: set[str], clean: bool) -> list[tuple[str, str]]:
    """Staffing names only needed roles; on a scenario ``clean`` so far, every active unit's
    type is staffed and every needed role has an officer in every active unit."""
    errs: list[tuple[str, str]] = []

    def role(r: str, with_all: bool = False) -> str:
        return (
            f"unknown role {r!r}{did_you_mean(r, [*roles_needed, *(['all'] if with_all else [])])}"
        )

    for utype, roles in s.staffing.by_unit_type.items():
        for r in roles:
            if r not in roles_needed:
                errs.append((f"staffing.by_unit_type.{utype}.{r}", role(r)))
    for c, roles in s.staffing.units.items():
        for r in roles:
            if r not in roles_needed:
                errs.append((f"staffing.units.{c}.{r}", role(r)))
    for r in s.staffing.multiplier:
        if r not in roles_needed and r != "all":
            errs.append((f"staffing.multiplier.{r}", role(r, True)))
    for utype, mroles in s.staffing.multiplier_by_unit_type.items():
        for r in mroles:
            if r not in roles_needed and r != "all":
                errs.append((f"staffing.multiplier_by_unit_type.{utype}.{r}", role(r, True)))
    if not clean or errs:
        return errs
    table = load_units().frame.set_index("code")
    active = set(s.unit_codes())
    types_active = {str(table.loc[c, "type"]) for c in active}
    for mtype in sorted(types_active - set(s.staffing.by_unit_type)):
        if any(c not in s.staffing.units for c in active if table.loc[c, "type"] == mtype):
            errs.append(("staffing.by_unit_type", f"no staffing given for unit type {mtype!r}"))
    if errs:
        return errs
    for c in sorted(active):
        ctype = str(table.loc[c, "type"])
        for r in sorted(roles_needed):
            if staff_count(s, c, ctype, r) < 1:
                errs.append(
                    (_staff_path(s, c, ctype, r), f"unit {c} has no {r} officer after multipliers")
                )
                break
    return errs


def _check_agencies(s: Scenario, known: set[str]) -> list[tuple[str, str]]:
    """An agency's staff is given at the units that host its branches."""
    errs: list[tuple[str, str]] = []
    table = load_units().frame.set_index("code")
    active = set(s.unit_codes())
    all_codes = load_units().codes
    names = dict(zip(table.index, table["name"], strict=True))
    for aid, a in s.agencies.items():
        hosts = agency_branches(s, aid)
        hosts_all = agency_branches(s, aid, all_codes)
        for c in a.staff:
            if c not in known:
                errs.append(
                    (f"agencies.{aid}.staff.{c}", f"unknown unit code {c!r}{unit_suggestion(c)}")
                )
                continue
            if c in hosts or (c not in active and c in hosts_all):
                continue  # a branch's host (one not simulated is ignored, as for every unit)
            where = hosts if c in active else hosts_all
            host = next(h for h, members in where.items() if c in members)
            errs.append(
                (
                    f"agencies.{aid}.staff.{c}",
                    f"{c} ({names[c]}) hosts no {aid} branch: the branch serving it is at "
                    f"{host} ({names[host]}); give its staff as staff: {{{host}: N}}",
                )
            )
    return errs


def _check_cutoff(s: Scenario) -> list[tuple[str, str]]:
    """The same-day cut-off lies in office hours."""
    cal = s.calendar
    if not cal.always_open:
        cut = parse_clock(cal.same_day_cutoff)
        if not any(a <= cut <= b for a, b in cal.session_minutes()):
            return [("calendar.same_day_cutoff", "cut-off must fall within office hours")]
    return []


def _check_working_days(s: Scenario) -> list[tuple[str, str]]:
    """At least one working day in the horizon."""
    return [] if _has_working_day(s) else [("calendar", "no working day in the horizon")]


def _check_holiday_years(s: Scenario) -> list[tuple[str, str]]:
    """The packaged public holidays cover the horizon's years."""
    if s.calendar.public_holidays != "vn":
        return []
    years = {d.year for d in _packaged_holidays()}
    for name, day in (("start", s.horizon.start), ("end", s.horizon.end)):
        if day.year not in years:
            return [
                (
                    f"horizon.{name}",
                    f"the packaged public holidays cover {min(years)}-{max(years)} only; "
                    "for other years set calendar.public_holidays: none and list them "
                    "in calendar.extra_holidays",
                )
            ]
    return []


def agency_branches(
    s: Scenario, agency: str, codes: Sequence[str] | None = None
) -> dict[str, list[str]]:
    """Where the branches of a second-tier agency sit: host unit code -> the codes it serves.

    As :func:`sim.model.build_layout` places them: one branch per former district (or one
    for the province) among the units ``codes`` (default the simulated ones), hosted at the
    former district's seat (``district_centre`` in the units table) or, when the seat is not
    simulated, at the most populous member.
    """
    table = load_units().frame
    wanted = set(s.unit_codes() if codes is None else codes)
    frame = table[table["code"].isin(wanted)].reset_index(drop=True)
    if s.agencies[agency].serves == "province":
        groups = {"province": list(range(len(frame)))}
    else:
        groups = {}
        for u in range(len(frame)):
            groups.setdefault(str(frame["former_district"].iloc[u]), []).append(u)
    out: dict[str, list[str]] = {}
    for members in groups.values():
        if not members:
            continue
        centres = [u for u in members if bool(frame["district_centre"].iloc[u])]
        host = centres[0] if centres else max(members, key=lambda u: frame["population"].iloc[u])
        out[str(frame["code"].iloc[host])] = [str(frame["code"].iloc[u]) for u in members]
    return out


def check_mechanisms(s: Scenario) -> list[tuple[str, str]]:
    """Cross-checks of the lateness mechanisms (procedures, branches, roles, clock times)."""
    errs: list[tuple[str, str]] = []
    units = load_units()

    def procs(path: str, names: Iterable[str]) -> None:
        for name in names:
            if name not in s.procedures:
                errs.append((path, f"unknown procedure {name!r}"))

    lr = s.land_route
    procs("land_route.procedures", lr.procedures)
    procs("land_route.financial_obligation_probability", lr.financial_obligation_probability)
    districts = set(units.frame["former_district"].astype(str))
    for b in lr.branches:
        if b not in districts:
            errs.append((f"land_route.branches.{b}", "unknown former district"))
    for name in lr.procedures:
        p = s.procedures.get(name)
        if p is not None and (p.handled_by != "agency" or p.processing_minutes is None):
            errs.append(("land_route.procedures", f"{name!r} is not processed by an agency"))
    for k, sysm in s.systems.named.items():
        procs(f"systems.named.{k}.procedures", sysm.procedures)
        for field in ("degraded", "down"):
            for i, per in enumerate(getattr(sysm, field)):
                if per.end <= per.start:
                    errs.append((f"systems.named.{k}.{field}.{i}.end", "ends before it starts"))
    procs("systems.sync_procedures", s.systems.sync_procedures or [])
    procs("signing.procedures", s.signing.procedures)
    procs("signing.delegable", s.signing.delegable)
    for name in s.signing.procedures:
        p = s.procedures.get(name)
        if p is not None and (p.approval_minutes is None or p.handled_by == "agency"):
            errs.append(("signing.procedures", f"{name!r} has no leader approval"))
    for name in s.signing.delegable:
        p = s.procedures.get(name)
        if p is not None and (p.role is None or p.processing_minutes is None):
            errs.append(("signing.delegable", f"{name!r} has no officers of a role to sign it"))
    for i, text in enumerate(s.signing.session_times):
        try:
            parse_clock(text)
        except ValueError as exc:
            errs.append((f"signing.session_times.{i}", str(exc)))
    if s.signing.enabled and not s.signing.session_times:
        errs.append(("signing.session_times", "at least one signing session a day is needed"))
    procs("overtime.procedures", s.overtime.procedures)
    if s.overtime.enabled and not s.overtime.procedures:
        errs.append(
            ("overtime.procedures", "name the procedures whose work may run past the close")
        )
    for name in s.overtime.procedures:
        p = s.procedures.get(name)
        if p is not None and p.approval_minutes is None:
            errs.append(("overtime.procedures", f"{name!r} has no approval to finish in overtime"))
    ib = s.initial_backlog
    if ib.enabled and s.horizon.start < ib.handover_date <= s.horizon.end:
        errs.append(
            (
                "initial_backlog.handover_date",
                "must be the horizon's start, or outside the horizon (no backlog then)",
            )
        )
    for i, e in enumerate(s.initial_backlog.entries):
        if e.unit not in units.codes:
            errs.append((f"initial_backlog.entries.{i}.unit", f"unknown unit code {e.unit!r}"))
        procs(f"initial_backlog.entries.{i}.procedure", [e.procedure])
    kinds = {"reception", "leader", "signing", "task_force", *s.agencies}
    kinds |= {p.role for p in s.procedures.values() if p.role}
    for k in s.staffing.availability_factor_by_role:
        if k not in kinds:
            errs.append((f"staffing.availability_factor_by_role.{k}", f"unknown role {k!r}"))
    for code, mult in s.demand.share_multipliers_by_unit.items():
        if code not in units.codes:
            errs.append((f"demand.share_multipliers_by_unit.{code}", "unknown unit code"))
        procs(f"demand.share_multipliers_by_unit.{code}", mult)
    return errs


def _packaged_holidays() -> list[dt.date]:
    from sim.units import load_holidays

    return list(load_holidays()["date"])


def _check_demand(s: Scenario) -> list[tuple[str, str]]:
    """Arrival profiles must leave some weight, and the expected volume must fit in memory."""
    cal = s.calendar
    d = s.demand
    errs: list[tuple[str, str]] = []
    open_hours = set(range(24)) if cal.always_open else set()
    for a, b in cal.session_minutes():
        open_hours |= set(range(a // 60, (b - 1) // 60 + 1))
    if all(d.in_person_hour_factors.get(h, 1.0) == 0 for h in open_hours):
        errs.append(
            ("demand.in_person_hour_factors", "every office hour has factor 0: no arrivals")
        )
    if all(d.online_hour_factors.get(h, 1.0) == 0 for h in range(24)):
        errs.append(("demand.online_hour_factors", "every hour has factor 0: no arrivals"))
    if errs:
        return errs
    volume = expected_dossiers(s)
    if volume == 0:
        errs.append(("demand", "no dossier can arrive: every arrival rate is 0"))
    elif volume > MAX_DOSSIERS_PER_REP:
        errs.append(
            (
                "demand",
                f"about {volume:.3g} dossiers per replication expected; "
                f"at most {MAX_DOSSIERS_PER_REP:,} fit in memory",
            )
        )
    return errs


def expected_dossiers(s: Scenario) -> float:
    """Upper bound of the expected number of dossiers one replication generates.

    Home demand per working day of every simulated unit, times each day's weekday factor
    (a closed day counts at ``non_working_day_online_factor``, as if all demand were online),
    times the surges of that day (as if every surge applied to every unit).
    """
    from sim.calendar import working_days_between  # local: calendar imports scenario types

    d = s.demand
    table = load_units().frame.set_index("code")
    per_day = sum(
        d.dossiers_per_working_day.get(
            c, float(table.loc[c, "population"]) / 1000.0 * d.per_1000_residents_per_working_day
        )
        for c in s.unit_codes()
    )
    working = set(working_days_between(s.calendar, s.horizon.start, s.horizon.end))
    log_f = []  # log of each day's demand factor
    for k in range(s.horizon.days):
        day = s.horizon.start + dt.timedelta(days=k)
        f = (
            d.weekday_factors.get(WEEKDAYS[day.weekday()], 1.0)  # type: ignore[call-overload]
            if day in working
            else d.non_working_day_online_factor
        )
        log_f.append(math.log(f) if f > 0 else -math.inf)
    for sg in d.surges:
        first = max(0, (sg.start - s.horizon.start).days)
        last = min(len(log_f) - 1, (sg.end - s.horizon.start).days)
        for k in range(first, last + 1):
            log_f[k] += math.log(sg.factor) if sg.factor > 0 else -math.inf
    return per_day * sum(math.exp(min(x, 700.0)) for x in log_f)


def _check_outages(s: Scenario) -> list[tuple[str, str]]:
    """Random failures must stay countable: at most MAX_OUTAGES expected in a replication."""
    hours = s.horizon.days * 24.0
    out = s.network.outages
    n_units = len(s.unit_codes())

    def shortest(proc: OutageProcess, extra: Iterable[float] = ()) -> float:
        values = [m for m in (proc.mtbf_hours, *(p.mtbf_hours for p in proc.periods)) if m]
        values += list(extra)
        return min(values) if values else math.inf

    expected = hours / shortest(out.system) + n_units * hours / shortest(
        out.links, out.link_mtbf_hours_by_unit.values()
    )
    if expected > MAX_OUTAGES:
        return [
            (
                "network.outages",
                f"about {expected:.3g} failures per replication expected (mtbf_hours too "
                f"small); at most {MAX_OUTAGES:,} are allowed",
            )
        ]
    return []


def _staff_path(s: Scenario, code: str, unit_type: str, role: str) -> str:
    """The field to blame when a unit ends up with no officer of a role."""
    st = s.staffing
    if role in st.units.get(code, {}):
        base, base_path = st.units[code][role], f"staffing.units.{code}.{role}"
    else:
        base = dict(st.by_unit_type).get(unit_type, {}).get(role, 0)  # type: ignore[call-overload]
        base_path = f"staffing.by_unit_type.{unit_type}.{role}"
    if base < 1:
        return base_path
    by_type = dict(st.multiplier_by_unit_type).get(unit_type, {})  # type: ignore[call-overload]
    candidates = [
        (by_type.get(role), f"staffing.multiplier_by_unit_type.{unit_type}.{role}"),
        (by_type.get("all"), f"staffing.multiplier_by_unit_type.{unit_type}.all"),
        (st.multiplier.get(role), f"staffing.multiplier.{role}"),
        (st.multiplier.get("all"), "staffing.multiplier.all"),
    ]
    shrinking = [(m, path) for m, path in candidates if m is not None and m < 1]
    return min(shrinking)[1] if shrinking else base_path


def _has_working_day(s: Scenario) -> bool:
    from sim.calendar import working_days_between  # local: calendar imports scenario types

    return len(working_days_between(s.calendar, s.horizon.start, s.horizon.end)) > 0


def staff_count(s: Scenario, code: str, unit_type: str, role: str) -> int:
    """Officers of ``role`` at unit ``code`` after overrides and multipliers (round half up)."""
    st = s.staffing
    base = st.units.get(code, {}).get(role)
    if base is None:
        base = st.by_unit_type.get(unit_type, {}).get(role, 0)  # type: ignore[call-overload]
    m = st.multiplier.get("all", 1.0) * st.multiplier.get(role, 1.0)
    by_type = st.multiplier_by_unit_type.get(unit_type, {})  # type: ignore[call-overload]
    m *= by_type.get("all", 1.0) * by_type.get(role, 1.0)
    return int(math.floor(base * m + 0.5))
