"""Every shipped what-if validates, runs, and changes what its purpose line says."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.model import build_layout
from sim.scenario import read_yaml_mapping
from sim.sweep import load_sweep
from sim.units import load_units

ROOT = Path(__file__).resolve().parents[2]
SCEN = ROOT / "scenarios"
WHAT_IFS = sorted(
    p for p in SCEN.glob("*.yaml") if p.name not in ("baseline.yaml", "mechanisms_off.yaml")
)
SWEEPS = sorted((SCEN / "sweeps").glob("*.yaml"))


@pytest.fixture(scope="module")
def baseline() -> sim.Scenario:
    return sim.load_scenario(SCEN / "baseline.yaml")


def load(name: str) -> sim.Scenario:
    return sim.load_scenario(SCEN / f"{name}.yaml")


def short(scn: sim.Scenario, days: int = 3, start: dt.date | None = None) -> sim.Scenario:
    """The scenario cut to a few days (from ``start``, default its own start)."""
    s = start or scn.horizon.start
    return scn.with_changes(
        {"horizon.start": s.isoformat(), "horizon.end": (s + dt.timedelta(days)).isoformat()}
    )


def test_library_has_the_what_ifs():
    names = {p.stem for p in WHAT_IFS}
    assert len(WHAT_IFS) >= 8
    for wanted in (
        "reception_minus20_wards",
        "land_plus2_busiest_branch",
        "pooling_online_district",
        "links_20mbps",
        "links_50mbps",
        "links_200mbps",
        "outage_week_july",
        "island_4g_fallback",
        "half_outage_rate",
        "online_90",
        "surge_december",
        "more_phi_dia_gioi",
        "tax_notices_2x_faster",
        "signing_delegated",
        "sync_failures_halved",
        "land_system_outage_week",
        "backlog_task_force",
    ):
        assert wanted in names


def test_lateness_what_ifs_change_only_their_mechanism(baseline: sim.Scenario):
    """Each lateness what-if differs from the baseline in its own section only."""
    base = baseline.to_dict()
    sections = {
        "tax_notices_2x_faster": "land_route",
        "signing_delegated": "signing",
        "sync_failures_halved": "systems",
        "land_system_outage_week": "systems",
        "backlog_task_force": "initial_backlog",
        "land_plus2_busiest_branch": "agencies",
    }
    for name, section in sections.items():
        mine = load(name).to_dict()
        moved = {k for k in base if k not in ("name", "description") and mine[k] != base[k]}
        assert moved == {section}, (name, moved)
    tax = load("tax_notices_2x_faster").land_route.tax_notice_delay_days
    assert tax.mean == baseline.land_route.tax_notice_delay_days.mean / 2  # type: ignore[union-attr]
    halved = load("sync_failures_halved").systems
    assert halved.sync_failure_probability == baseline.systems.sync_failure_probability / 2
    land = "land_information"
    assert (
        halved.named[land].sync_failure_probability
        == baseline.systems.named[land].sync_failure_probability / 2  # type: ignore[operator]
    )
    down = load("land_system_outage_week").systems.named[land].down
    assert len(down) == 1 and down[0].end - down[0].start == dt.timedelta(7)
    assert load("backlog_task_force").initial_backlog.task_force_officers > 0


@pytest.mark.parametrize("path", WHAT_IFS, ids=lambda p: p.stem)
def test_what_if_header(path: Path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Purpose: ") and len(first) > 30
    raw = read_yaml_mapping(path)
    assert raw["extends"] == "baseline.yaml"
    assert raw["name"] == path.stem


@pytest.mark.parametrize("path", WHAT_IFS, ids=lambda p: p.stem)
def test_what_if_validates_and_runs(path: Path, baseline: sim.Scenario):
    scn = sim.load_scenario(path)
    changed = {k: v for k, v in scn.to_dict().items() if k not in ("name", "description")}
    base = {k: v for k, v in baseline.to_dict().items() if k not in ("name", "description")}
    if path.stem != "links_200mbps":  # the baseline's own bandwidth, kept for the link series
        assert changed != base, "the what-if changes nothing"
    res = sim.run(short(scn, days=2), reps=1, seed=1, keep_dossiers=False)
    r = res.replications.iloc[0]
    assert r["arrived"] > 1000  # (arrived == resolved + open: the invariant checker's)
    assert 0.0 <= r["on_time_rate"] <= 1.0


# ----------------------------------------------------------------------------- contents


def test_reception_cut_only_in_wards(baseline: sim.Scenario):
    before = {s[0]: s[4] for s in build_layout(baseline).pool_specs}
    after = {s[0]: s[4] for s in build_layout(load("reception_minus20_wards")).pool_specs}
    types = load_units().frame.set_index("code")["type"]
    for name, staff in before.items():
        code, _, role = name.partition("/")
        if role == "reception" and types[code] == "phường":
            assert after[name] == int(np.floor(0.8 * staff + 0.5)) < staff, name
        else:
            assert after[name] == staff, name


def test_land_branch_gets_two_more_officers(baseline: sim.Scenario):
    before = {s[0]: s[4] for s in build_layout(baseline).pool_specs}
    after = {s[0]: s[4] for s in build_layout(load("land_plus2_busiest_branch")).pool_specs}
    diff = {k: after[k] - before[k] for k in before if after[k] != before[k]}
    assert diff == {"land_registration@QN11": 2}


def test_network_what_ifs(baseline: sim.Scenario):
    for mbps in (20, 50, 200):
        net = load(f"links_{mbps}mbps").network
        assert (
            net.link_mbps == mbps and not net.link_mbps_by_unit and not net.link_mbps_by_unit_type
        )
    windows = load("outage_week_july").network.outages.windows
    assert len(windows) == 1 and windows[0].unit is None
    assert windows[0].start.month == 7 and windows[0].end - windows[0].start == dt.timedelta(7)
    fallback = load("island_4g_fallback").network.fallback_mbps_by_unit
    names = load_units().frame.set_index("code")["name"]
    assert {names[c] for c in fallback} == {"Cô Tô", "Vân Đồn", "Cái Chiên"}
    half = load("half_outage_rate").network.outages
    base = baseline.network.outages
    assert base.system.mtbf_hours is not None and base.links.mtbf_hours is not None
    assert half.system.mtbf_hours == 2 * base.system.mtbf_hours
    assert half.links.mtbf_hours == 2 * base.links.mtbf_hours
    for mine, theirs in ((half.system, base.system), (half.links, base.links)):
        assert [(p.start, p.end, p.mtbf_hours) for p in mine.periods] == [
            (p.start, p.end, 2 * p.mtbf_hours) for p in theirs.periods
        ]
    assert half.system.repair_hours == base.system.repair_hours  # only the failure rate


def test_pooling_and_phi_dia_gioi(baseline: sim.Scenario):
    assert load("pooling_online_district").pooling.online_reception == "former_district"
    assert load("pooling_online_province").pooling.online_reception == "province"
    assert load("more_phi_dia_gioi").demand.phi_dia_gioi_share > baseline.demand.phi_dia_gioi_share


def test_online_90_gives_about_90_percent_online():
    res = sim.run(short(load("online_90"), days=4), reps=1, seed=2, keep_dossiers=False)
    r = res.replications.iloc[0]
    share, n = float(r["online_share"]), int(r["arrived"])
    se = np.sqrt(share * (1 - share) / n)
    # the knob is set from the baseline's channel mix; allow 1 point plus sampling noise
    assert abs(share - 0.90) < 0.01 + 3 * se, share


def test_december_surge_raises_demand_by_about_30_percent():
    scn = load("surge_december")
    assert (scn.horizon.start, scn.horizon.end) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    # the last full week of November against the first full week of December (Mon-Fri)
    window = short(scn, days=11, start=dt.date(2025, 11, 24))
    res = sim.run(window, reps=1, seed=3)
    assert res.dossiers is not None
    day = res.dossiers["arrived_at"].dt.normalize()
    nov = int(((day >= "2025-11-24") & (day <= "2025-11-28")).sum())
    dec = int(((day >= "2025-12-01") & (day <= "2025-12-05")).sum())
    ratio = dec / nov
    se = ratio * np.sqrt(1 / nov + 1 / dec)  # Poisson counts
    assert abs(ratio - 1.3) < 3 * se + 0.03, ratio


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_shipped_sweeps_load(path: Path):
    sw = load_sweep(path)
    assert sw.points and len({p.id for p in sw.points}) == len(sw.points)
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ")
    sw.scenario(sw.points[0])  # a point's scenario validates


def test_staffing_x_network_factors():
    sw = load_sweep(SCEN / "sweeps" / "staffing_x_network.yaml")
    assert set(sw.factors) == {"staffing.multiplier.reception", "specialists", "network.link_mbps"}
    assert len(sw.points) == 18
    scn = sw.scenario(next(p for p in sw.points if p.values["specialists"] == 0.8))
    assert {k: scn.staffing.multiplier[k] for k in ("justice", "economy", "social", "general")} == {
        "justice": 0.8,
        "economy": 0.8,
        "social": 0.8,
        "general": 0.8,
    }


def test_smoke_sweep_is_small():
    sw = load_sweep(SCEN / "sweeps" / "smoke.yaml")
    assert len(sw.points) * sw.reps <= 12 and sw.reps == 2
    assert len(sw.base.unit_codes()) <= 10


@pytest.mark.slow
def test_land_what_if_targets_the_busiest_branch(baseline: sim.Scenario):
    """The branch that gets two more officers is the busiest one in the baseline."""
    res = sim.run(baseline, reps=2, seed=baseline.run.seed, workers=2, keep_dossiers=False)
    land = res.pools[res.pools["kind"] == "land_registration"]
    busiest = land.groupby("pool")["utilisation"].mean().idxmax()
    assert busiest == "land_registration@QN11"
