"""Numbers a user can trust: intervals inside their range everywhere, strict JSON, no precision
claimed from agreeing replications, calibration that stays in its bracket or fails loudly.

The cases are copies of the failing inputs of 2026-11-29 (``tests/cases/2026-11-29``; ``@REPO@``
stands for the checkout) and siblings built from them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import sim
import sim.calibrate as calibrate_mod
from sim.calibrate import CalibrationFailed, band_root_interval, bracket_root, write_value
from sim.cli import main
from sim.stats import MIN_REPS, metric_range

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases" / "2026-11-29"


def case(name: str, tmp_path: Path) -> Path:
    """A copy of a case file with ``@REPO@`` replaced by the checkout."""
    text = (CASES / name).read_text(encoding="utf-8").replace("@REPO@", str(ROOT))
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def strict_loads(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


def assert_in_range(frame: pd.DataFrame, mean: str, low: str, high: str, metric: str) -> None:
    """Every row's interval lies in the metric's range and holds the mean (NaN allowed)."""
    lo_r, hi_r = metric_range(metric)
    rows = frame[[mean, low, high]].dropna()
    assert (rows[low] >= lo_r).all() and (rows[high] <= hi_r).all(), rows
    assert (rows[low] <= rows[mean] + 1e-12).all() and (rows[mean] <= rows[high] + 1e-12).all()


# ------------------------------------------------------------------ 1. rate intervals


def test_two_replications_give_rate_intervals_inside_0_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """Case: ``run cal.yaml --set staffing.availability=0.5 --reps 2 --json`` gave
    [-3.07, 3.74]; the console, every table and the JSON must stay inside [0, 1]."""
    cal = case("cal.yaml", tmp_path)
    code, out, err = run_cli(
        capsys, "run", str(cal), "--set", "staffing.availability=0.5", "--reps", "2", "--json"
    )
    assert code == 0, err
    obj = strict_loads(out)
    lo, hi = obj["on_time_ci95"]
    assert 0.0 <= lo <= obj["on_time_rate"] <= hi <= 1.0
    assert "indicative" in obj["interval_note"] and "indicative" in err

    scn = sim.load_scenario(cal, ["staffing.availability=0.5"])
    res = sim.run(scn, reps=2, keep_dossiers=False)
    assert res.reps < MIN_REPS and res.interval_note
    ut = res.unit_table()
    assert_in_range(ut, "on_time_rate", "on_time_ci95_low", "on_time_ci95_high", "on_time_rate")
    for name in ("procedures", "channels", "months"):
        assert_in_range(
            res.group_table(name), "on_time_rate", "ci95_low", "ci95_high", "on_time_rate"
        )
    summary = res.summary()
    for row in summary.dropna(subset=["ci95_low"]).itertuples():
        lo_r, hi_r = metric_range(str(row.metric))
        assert lo_r <= row.ci95_low <= row.mean <= row.ci95_high <= hi_r, row
    # the same numbers reach the files
    out_dir = tmp_path / "out"
    sim.write_results(res, out_dir)
    csv = pd.read_csv(out_dir / "summary.csv")
    late = csv[csv["metric"].str.startswith("late")]
    assert (late["ci95_low"].dropna() >= 0).all()
    rates = csv[csv["metric"].isin(["on_time_rate", "online_share"])]
    assert rates["ci95_low"].between(0, 1).all() and rates["ci95_high"].between(0, 1).all()
    units = pd.read_csv(out_dir / "units.csv")
    assert units["on_time_ci95_high"].le(1).all() and units["on_time_ci95_low"].ge(0).all()
    man = strict_loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert man["headline"]["interval_note"]


def test_console_says_the_interval_is_indicative(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    cal = case("cal.yaml", tmp_path)
    code, out, _ = run_cli(capsys, "run", str(cal), "--reps", "2")
    assert code == 0
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("On-time rate"))
    assert lines[at + 1].startswith("Note: intervals are indicative only")
    for pct in (float(x) for x in _percentages(out)):
        assert 0.0 <= pct <= 100.0


def _percentages(text: str) -> list[str]:
    import re

    return re.findall(r"(-?\d+(?:\.\d+)?)%", text)


def test_comparison_and_sweep_tables_stay_in_range(tmp_path: Path):
    """Siblings: compare's per-scenario intervals in [0, 1], rate differences in [-1, 1];
    a sweep's point table and summary in range; their JSON strict."""
    cal = sim.load_scenario(case("cal.yaml", tmp_path))
    low = cal.with_changes({"staffing.availability": 0.5, "name": "low"})
    cmp = sim.compare([cal, low], reps=2)
    table = cmp.scenario_table()
    assert_in_range(table, "on_time_rate", "ci95_low", "ci95_high", "on_time_rate")
    d = cmp.differences()
    rate = d[d["metric"] == "on_time_rate"].iloc[0]
    assert -1.0 <= rate["paired_ci95_low"] <= rate["difference"] <= rate["paired_ci95_high"] <= 1
    assert rate["unpaired_ci95_low"] >= -1.0 and rate["unpaired_ci95_high"] <= 1.0
    ud = cmp.unit_differences()
    assert ud["paired_ci95_low"].ge(-1).all() and ud["paired_ci95_high"].le(1).all()
    obj = strict_loads(json.dumps(cmp.to_json()))
    assert obj["interval_note"] and obj["reps"] == 2

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        yaml.safe_dump(
            {
                "name": "avail",
                "base": str(tmp_path / "cal.yaml"),
                "factors": {"staffing.availability": [0.5, 0.9]},
                "reps": 2,
                "seed": 1,
            }
        ),
        encoding="utf-8",
    )
    res = sim.run_sweep(sweep, tmp_path / "sw", workers=1)
    pts = res.points
    assert_in_range(
        pts, "on_time_rate", "on_time_rate_ci95_low", "on_time_rate_ci95_high", "on_time_rate"
    )
    assert_in_range(pts, "late", "late_ci95_low", "late_ci95_high", "late")  # inside [0, inf)
    summary = pd.read_csv(tmp_path / "sw" / "summary.csv")
    for row in summary.dropna(subset=["ci95_low"]).itertuples():
        lo_r, hi_r = metric_range(str(row.metric))
        assert lo_r <= row.ci95_low and row.ci95_high <= hi_r, row
    strict_loads((tmp_path / "sw" / "manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ 2. strict JSON


def test_one_replication_writes_null_not_nan(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Case: ``run quick.yaml --reps 1 --json`` wrote ``[NaN, NaN]`` (stdout and manifest)."""
    quick = str(ROOT / "scenarios" / "validation" / "quick.yaml")
    short = "horizon.end=2025-08-20"
    code, out, err = run_cli(capsys, "run", quick, "--set", short, "--reps", "1", "--json")
    assert code == 0, err
    obj = strict_loads(out)
    assert obj["on_time_ci95"] == [None, None]
    assert obj["on_time_rate"] is not None and "no interval" in obj["interval_note"]
    code, out, err = run_cli(
        capsys, "run", quick, "--set", short, "--reps", "1", "--out", str(tmp_path / "o")
    )
    assert code == 0, err
    man = strict_loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert man["headline"]["on_time_ci95"] == [None, None]


def test_replications_that_resolve_nothing_are_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """Sibling: every dossier takes longer than the horizon, so no replication resolves one."""
    cal = case("cal.yaml", tmp_path)
    slow = "procedures.p.processing_minutes={dist: deterministic, value: 20000}"
    code, out, err = run_cli(capsys, "run", str(cal), "--set", slow, "--reps", "2", "--json")
    assert code == 0, err
    obj = strict_loads(out)
    assert obj["dossiers_resolved"] == 0
    assert obj["per_rep"] == [None, None]
    assert obj["on_time_rate"] is None and obj["on_time_ci95"] == [None, None]
    code, out, err = run_cli(
        capsys, "compare", str(cal), str(cal), "--set", slow, "--reps", "2", "--json"
    )
    assert code == 0, err
    obj = strict_loads(out)
    assert obj["per_scenario"][0]["on_time_rate"] is None


# ------------------------------------------------------------- 3. precision targets


def test_agreeing_replications_are_not_precision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """Case: ``run base7.yaml --reps auto --halfwidth 0.0005`` stopped after 3 identical
    replications at 100% claiming a half-width of 0."""
    base7 = case("base7.yaml", tmp_path)
    code, out, err = run_cli(
        capsys, "run", str(base7), "--reps", "auto", "--halfwidth", "0.0005", "--json"
    )
    assert code == 0, err
    obj = strict_loads(out)
    p = obj["precision"]
    lo, hi = obj["on_time_ci95"]
    assert obj["reps"] == p["reps"] >= MIN_REPS
    assert p["halfwidth"] > 0.0 and lo < hi <= 1.0
    assert p["halfwidth"] == pytest.approx((hi - lo) / 2)
    if p["reached"]:
        assert p["halfwidth"] <= 0.0005
    if all(r == 1.0 for r in obj["per_rep"]):
        assert lo < 1.0  # 100% in every replication is still an estimate


def test_precision_below_the_minimum_is_never_reached(tmp_path: Path):
    """Sibling: a cap below the minimum number of replications cannot reach any target."""
    scn = sim.load_scenario(case("base7.yaml", tmp_path))
    res = sim.run_to_precision(scn, 0.5, max_reps=3, keep_dossiers=False)
    assert res.reps == 3 and res.meta["precision"]["reached"] is False


# ------------------------------------------------------------------ 4. calibration


def test_calibration_case_stays_in_its_bracket(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Case: ``calibrate cal.yaml --reps 4 --grid 3`` returned 0.40 (CI [-6.3, 4.55]) for a
    curve crossing 0.9 near 0.84, and ``--write`` wrote it. Also: ``--write`` through a
    symbolic link updates the file it points to and keeps the link."""
    real = case("cal.yaml", tmp_path)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    code, out, err = run_cli(
        capsys,
        "calibrate",
        str(link),
        "--reps",
        "4",
        "--grid",
        "3",
        "--workers",
        "1",
        "--write",
        "--json",
    )
    obj = strict_loads(out)
    a, b = obj["bracket"]
    value = obj["value"]
    lo, hi = obj["value_ci95"]
    assert 0.4 <= a <= value <= b <= 1.0
    assert 0.4 <= lo <= value <= hi <= 1.0
    assert code == 0, err
    assert obj["verified"] is True
    alo, ahi = obj["achieved_ci95"]
    assert alo <= 0.9 <= ahi
    assert link.is_symlink() and link.resolve() == real.resolve()
    written = yaml.safe_load(real.read_text(encoding="utf-8"))
    assert written["staffing"]["availability"] == pytest.approx(value, abs=1e-6)


def test_bracket_root_and_its_interval_stay_inside():
    """The case's curve, where one replication fell between 0.70 and 0.85: the root is where
    the mean crosses the target inside [a, b], its interval inside the evaluated values."""
    curve = pd.DataFrame(
        {
            "value": [0.4, 0.7, 0.85, 1.0],
            "mean": [0.1779, 0.4319, 0.9248, 0.9935],
            "ci95_low": [0.0, 0.0, 0.7882, 0.9729],
            "ci95_high": [0.4182, 0.9872, 1.0, 1.0],
        }
    )
    v = bracket_root(curve, 0.7, 0.85, 0.9)
    assert 0.7 <= v <= 0.85
    assert v == pytest.approx(0.7 + 0.15 * (0.9 - 0.4319) / (0.9248 - 0.4319))
    lo, hi = band_root_interval(curve, 0.9, v)
    assert 0.4 <= lo <= v <= hi <= 1.0
    assert hi < 1.0  # at 1.0 the band [0.9729, 1] excludes the target
    assert math.isnan(bracket_root(curve, 0.4, 0.7, 0.9))  # not a bracket


def test_failed_verification_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    """A fit whose fresh replications miss the target is a failure, never a success."""
    cal = case("cal.yaml", tmp_path)
    before = cal.read_text(encoding="utf-8")
    real = calibrate_mod.evaluate_verification

    def far_off(*args: Any, **kwargs: Any) -> pd.DataFrame:
        ver = real(*args, **kwargs)
        return ver.assign(on_time_rate=0.2, on_time=(0.2 * ver["resolved"]).round())

    monkeypatch.setattr(calibrate_mod, "evaluate_verification", far_off)
    code, out, err = run_cli(
        capsys,
        "calibrate",
        str(cal),
        "--reps",
        "2",
        "--grid",
        "2",
        "--workers",
        "1",
        "--write",
        "--json",
    )
    assert code == 1
    assert "calibration failed" in err and "nothing written" in err
    assert cal.read_text(encoding="utf-8") == before
    assert strict_loads(out)["verified"] is False
    with pytest.raises(CalibrationFailed) as info:
        sim.calibrate(sim.load_scenario(cal), reps=2, grid=2)
    assert info.value.result.verified is False


def test_write_value_through_a_symbolic_link(tmp_path: Path):
    real = tmp_path / "real.yaml"
    real.write_text("staffing:\n  availability: 0.9  # fitted\n", encoding="utf-8")
    link = tmp_path / "s.yaml"
    link.symlink_to(real.name)  # relative link
    write_value(link, "staffing.availability", 0.75)
    assert link.is_symlink() and link.resolve() == real
    assert "availability: 0.75" in real.read_text(encoding="utf-8")


# ----------------------------------------------------------------- 5. the Python API


def test_modules_and_functions_of_the_same_name():
    """``sim.calibrate.calibrate`` works after a bare ``import sim`` and calling the module
    calls its namesake function; ``sim.compare`` is a function, not shadowed by a module."""
    import importlib

    import sim as fresh

    importlib.reload(fresh)
    assert fresh.calibrate.calibrate is calibrate_mod.calibrate
    assert fresh.calibrate.CalibrationFailed is CalibrationFailed
    assert fresh.comparison.Comparison is sim.Comparison
    assert fresh.compare is fresh.comparison.compare
    importlib.import_module("sim.comparison")  # importing the module keeps the function
    assert fresh.compare is fresh.comparison.compare
    assert callable(fresh.compare) and callable(fresh.calibrate)
    with pytest.raises(ValueError, match="at least two"):
        fresh.compare([])


def test_calibration_tolerance_widens_the_verification_band() -> None:
    """With tolerance 0 the achieved interval must contain the target; with a tolerance it
    must meet the band target ± tolerance; a bad tolerance is refused."""
    from sim.calibrate import reproduces, spec_tolerance
    from sim.scenario import ScenarioError, load_scenario

    assert reproduces(0.984, 0.986, 0.985)
    assert not reproduces(0.9850, 0.9858, 0.9849)
    assert reproduces(0.9850, 0.9858, 0.9849, 0.003)
    assert reproduces(0.9875, 0.9880, 0.985, 0.003)
    assert not reproduces(0.9881, 0.9890, 0.985, 0.003)
    assert not reproduces(0.9800, 0.9819, 0.985, 0.003)
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert spec_tolerance(base) == 0.003
    with pytest.raises(ScenarioError, match=r"calibration\.tolerance"):
        base.with_changes({"calibration.tolerance": -0.1})


def test_calibration_section_for_abc_only_needs_no_bisection_parameter() -> None:
    """priors and targets alone make a valid calibration section (ABC); a bisection on it
    is refused naming calibration.parameter; parameter without bounds, or nothing to fit,
    is refused when the scenario loads."""
    from sim.calibrate import calibrate
    from sim.scenario import ScenarioError, load_raw, scenario_from_dict

    raw = load_raw(ROOT / "scenarios" / "validation" / "quick.yaml")
    raw["calibration"] = {
        "priors": {"staffing.availability": {"dist": "uniform", "low": 0.5, "high": 1.0}},
        "targets": {"recorded_on_time_rate": {"value": 0.95, "tolerance": 0.02}},
    }
    scn = scenario_from_dict(raw, "abc-only")
    assert scn.calibration is not None and scn.calibration.parameter is None
    with pytest.raises(ScenarioError, match=r"calibration\.parameter"):
        calibrate(scn)
    raw["calibration"] = {"parameter": "staffing.availability"}
    with pytest.raises(ScenarioError, match="bounds missing"):
        scenario_from_dict(raw, "half")
    raw["calibration"] = {"target": 0.9}
    with pytest.raises(ScenarioError, match="nothing to fit"):
        scenario_from_dict(raw, "empty")
