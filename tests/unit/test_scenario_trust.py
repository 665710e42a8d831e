"""Values that cannot be right are refused, settings that would do nothing are warned about,
and a misspelt name is answered with the nearest valid one.

The refusals also stand in the bad-input corpus (``tests/corpus/scenarios``); here are their
siblings, the warnings, and the agreement of the branch placement with the model's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clitools import tthc

from sim.model import build_layout
from sim.scenario import (
    MAX_MULTIPLIER,
    ScenarioError,
    agency_branches,
    did_you_mean,
    load_scenario,
    scenario_warnings,
    unit_suggestion,
    written_paths,
)

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def quick():
    return load_scenario(QUICK)


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def refused(scn, changes) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        scn.with_changes(changes)
    return info.value


# ----------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    "path",
    [
        "staffing.multiplier.reception",
        "staffing.multiplier.all",
        "staffing.multiplier_by_unit_type.phường.justice",
        "agencies.land_registration.multiplier",
        "demand.weekday_factors.mon",
    ],
)
def test_multipliers_are_bounded(quick, path):
    ok = quick.with_changes({path: MAX_MULTIPLIER})  # the bound itself is allowed
    assert ok is not None
    err = refused(quick, {path: 85})
    assert err.path == path
    assert "less than or equal to 10" in err.message and "85% is 0.85" in err.message
    assert "a percent" not in refused(quick, {path: 850}).message  # no hint past 100


# ----------------------------------------------------------------------------- agency desks


@pytest.mark.parametrize(
    "include",
    [
        "all",
        ["QN09", "QN10", "QN11", "QN12", "QN13", "QN14", "QN21"],
        ["QN09", "QN10", "QN22", "QN23"],  # neither district's seat simulated
    ],
)
def test_branch_hosts_agree_with_the_model(baseline, include):
    scn = baseline.with_changes({"units.include": include})
    layout = build_layout(scn)
    for aid in scn.agencies:
        pools = {name.split("@")[1] for name, kind, *_ in layout.pool_specs if kind == aid}
        assert set(agency_branches(scn, aid)) == pools


def test_agency_staff_must_name_a_branch_host(baseline, quick):
    err = refused(baseline, {"agencies.land_registration.staff": {"QN22": 1}})
    assert err.path == "agencies.land_registration.staff.QN22"
    assert "QN21 (Hồng Gai)" in err.message
    # the host itself is fine, and so is the Vân Đồn scenario shipped with the project
    baseline.with_changes({"agencies.land_registration.staff": {"QN21": 1}})
    load_scenario(ROOT / "scenarios" / "land_plus2_busiest_branch.yaml")
    # a province-wide agency has one branch
    province = baseline.with_changes({"agencies.vertical_services.serves": "province"})
    (host,) = agency_branches(province, "vertical_services")
    other = next(c for c in province.unit_codes() if c != host)
    err = refused(province, {"agencies.vertical_services.staff": {other: 2}})
    assert f"at {host} (" in err.message
    # not simulated: a real host is ignored like every unit left out; a non-host is refused
    quick.with_changes({"agencies.land_registration.staff": {"QN53": 6}})
    err = refused(quick, {"agencies.land_registration.staff": {"QN22": 6}})
    assert "QN21 (Hồng Gai)" in err.message
    # a unit that hosts the branch only because the seat is left out of the simulation
    sub = baseline.with_changes({"units.include": ["QN09", "QN10", "QN12"]})
    (host,) = agency_branches(sub, "land_registration")
    sub.with_changes({"agencies.land_registration.staff": {host: 3}})


# ----------------------------------------------------------------------------- suggestions


def test_suggestions():
    assert unit_suggestion("QN533") == " (did you mean QN53 (Vân Đồn)?)"
    assert unit_suggestion("qn21") == " (did you mean QN21 (Hồng Gai)?)"
    assert unit_suggestion("Van Don") == " (did you mean QN53 (Vân Đồn)?)"
    assert unit_suggestion("53") == " (did you mean QN53 (Vân Đồn)?)"
    assert unit_suggestion("zzzzzz") == ""
    assert did_you_mean("recepton", ["reception", "justice"]) == " (did you mean 'reception'?)"
    assert did_you_mean("xyz", ["reception"]) == ""


@pytest.mark.parametrize(
    ("changes", "path", "hint"),
    [
        ({"staffing.availabilty": 0.9}, "staffing.availabilty", "'availability'"),
        ({"netwrk": {}}, "netwrk", "'network'"),
        ({"network.outages.sytem": {}}, "network.outages.sytem", "'system'"),
        (
            {"supplements.return_delay_days": {"dist": "gamma", "mean": 3, "cvv": 1}},
            "supplements.return_delay_days.cvv",
            "'cv'",
        ),
        ({"staffing.multiplier.recepton": 0.9}, "staffing.multiplier.recepton", "'reception'"),
        ({"units.include": ["QN09", "QN533"]}, "units.include.1", "QN53 (Vân Đồn)"),
        ({"demand.dossiers_per_working_day": {"QN099": 3}}, "", "QN09 (Đông Mai)"),
        (
            {
                "network.degradations": [
                    {
                        "start": "2025-08-18T00:00:00",
                        "end": "2025-08-19T00:00:00",
                        "response_factor": 2,
                        "procedures": ["birth_registraton"],
                    }
                ]
            },
            "network.degradations.0.procedures",
            "'birth_registration'",
        ),
    ],
)
def test_misspellings_get_the_nearest_name(quick, changes, path, hint):
    err = refused(quick, changes)
    if path:
        assert err.path == path
    assert f"(did you mean {hint}?)" in err.message, err


# ----------------------------------------------------------------------------- warnings


WINDOW_OUT = {"start": "2025-06-01T08:00:00", "end": "2025-06-01T12:00:00"}
WINDOW_IN = {"start": "2025-08-19T08:00:00", "end": "2025-08-19T12:00:00"}


@pytest.mark.parametrize(
    ("changes", "where", "what"),
    [
        ({"network.outages.windows": [WINDOW_OUT]}, "network.outages.windows.0", "outside"),
        (
            {"network.outages.windows": [{**WINDOW_IN, "unit": "QN53"}]},
            "network.outages.windows.0.unit",
            "not simulated",
        ),
        (
            {"network.degradations": [{**WINDOW_OUT, "response_factor": 2}]},
            "network.degradations.0",
            "outside",
        ),
        (
            {"demand.surges": [{"start": "2025-10-01", "end": "2025-10-05", "factor": 2}]},
            "demand.surges.0",
            "outside",
        ),
        (
            {
                "demand.surges": [
                    {"start": "2025-08-20", "end": "2025-08-25", "factor": 2, "units": ["QN53"]}
                ]
            },
            "demand.surges.0.units",
            "none of these units",
        ),
        (
            {
                "network.outages.links.periods": [
                    {"start": "2025-01-01", "end": "2025-01-02", "mtbf_hours": 5}
                ]
            },
            "network.outages.links.periods.0",
            "outside",
        ),
        ({"staffing.units.QN30": {"reception": 3}}, "staffing.units.QN30", "not simulated"),
        ({"network.link_mbps_by_unit": {"QN01": 50}}, "network.link_mbps_by_unit.QN01", "An Sinh"),
        ({"agencies.spare": {"min_staff": 1}}, "agencies.spare", "no procedure"),
    ],
)
def test_settings_without_effect_are_warned(quick, changes, where, what):
    scn = quick.with_changes(changes)
    before = set(scenario_warnings(quick))
    new = [w for w in scenario_warnings(scn) if w not in before]
    assert len(new) == 1, new
    assert new[0].startswith(f"{where}: ") and what in new[0]
    # reported when the user wrote that field, not when it was inherited from elsewhere
    assert scenario_warnings(scn, list(changes)) == new
    assert scenario_warnings(scn, ["horizon.end"]) == []


def test_settings_with_effect_are_not_warned(quick):
    changes = {
        "network.outages.windows": [WINDOW_IN, {**WINDOW_IN, "unit": "QN21"}],
        "demand.surges": [{"start": "2025-09-01", "end": "2025-10-05", "factor": 2}],
        "staffing.units.QN21": {"reception": 3},
    }
    assert scenario_warnings(quick.with_changes(changes), list(changes)) == []


def test_inherited_settings_are_not_warned():
    # quick inherits the baseline's July outage periods, outside its August horizon
    scn = load_scenario(QUICK)
    assert any("periods" in w for w in scenario_warnings(scn))
    assert scenario_warnings(scn, written_paths(QUICK)) == []
    for f in sorted((ROOT / "scenarios").rglob("*.yaml")):
        if "sweeps" not in f.parts:
            assert scenario_warnings(load_scenario(f), written_paths(f)) == [], f


def test_warnings_reach_stderr_and_the_manifests(tmp_path):
    scn = tmp_path / "window.yaml"
    scn.write_text(
        f"extends: {QUICK}\nname: window\nhorizon: {{end: 2025-08-18}}\n"
        "units: {include: [QN09]}\n"
        "network:\n  outages:\n    windows:\n"
        "      - {start: 2025-06-01T08:00:00, end: 2025-06-01T12:00:00}\n",
        encoding="utf-8",
    )
    proc = tthc("run", str(scn), "--reps", "2", "--out", str(tmp_path / "run"), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.startswith("warning: ")]
    assert len(lines) == 1
    assert "window.yaml: network.outages.windows.0: outage window" in lines[0]
    man = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert man["warnings"] == [lines[0].removeprefix("warning: ")]
    proc = tthc("validate", str(scn))
    assert proc.returncode == 0 and proc.stderr.strip() == lines[0]
    base = tmp_path / "plain.yaml"
    base.write_text(
        f"extends: {QUICK}\nname: plain\nhorizon: {{end: 2025-08-18}}\n"
        "units: {include: [QN09]}\n",
        encoding="utf-8",
    )
    proc = tthc(
        "compare",
        str(base),
        str(scn),
        "--reps",
        "2",
        "--out",
        str(tmp_path / "cmp"),
        "--no-progress",
    )
    assert proc.returncode == 0, proc.stderr
    man = json.loads((tmp_path / "cmp" / "manifest.json").read_text(encoding="utf-8"))
    assert man["warnings"] == [lines[0].removeprefix("warning: ")]


def test_a_structure_that_contains_itself_is_refused_not_a_recursion_error() -> None:
    """YAML anchors or the Python API can build a mapping that contains itself; the schema
    refuses it with a ScenarioError naming the field (found by the slow random search)."""
    from sim.scenario import ScenarioError, bare_dict, scenario_from_dict

    raw = bare_dict(load_scenario(QUICK))
    dist = {"dist": "exponential", "mean": 1.0}
    dist["not_a_field"] = dist
    raw["procedures"]["copy_certification"]["processing_minutes"] = dist
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw, "<self>")
    assert "processing_minutes" in str(info.value)
