"""Paired comparisons under common random numbers, and replications to a target precision."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.comparison import compare, paired_interval, welch_interval, write_comparison
from sim.experiment import on_time_halfwidth, reps_to_add, run_to_precision
from sim.scenario import Scenario
from sim.stats import MIN_REPS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick() -> Scenario:
    """The quick scenario cut to two weeks (about 0.3 s a replication)."""
    scn = sim.load_scenario(ROOT / "scenarios" / "validation" / "quick.yaml")
    return scn.with_changes({"horizon.end": "2025-08-29"})


@pytest.fixture(scope="module")
def week(quick: Scenario) -> Scenario:
    """One week of quick with too few justice officers: on-time rates that vary."""
    return quick.with_changes({"horizon.end": "2025-08-22", "staffing.multiplier.justice": 0.6})


@pytest.fixture(scope="module")
def small_change(quick: Scenario) -> sim.Comparison:
    """Quick against quick with 10% fewer reception officers, 4 paired replications."""
    fewer = quick.with_changes({"staffing.multiplier.reception": 0.9, "name": "fewer"})
    return compare([quick, fewer], reps=4, seed=5)


def test_intervals_agree_with_scipy():
    g = np.random.default_rng(12)
    a = g.normal(10.0, 2.0, 7)
    b = a + g.normal(0.5, 0.3, 7)
    d, lo, hi = paired_interval(a, b)
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert d == pytest.approx(np.mean(b - a))
    assert (lo, hi) == pytest.approx((ci.low, ci.high))
    c = g.normal(9.0, 4.0, 5)
    d2, lo2, hi2 = welch_interval(a, c)
    ci2 = stats.ttest_ind(c, a, equal_var=False).confidence_interval(0.95)
    assert d2 == pytest.approx(c.mean() - a.mean())
    assert (lo2, hi2) == pytest.approx((ci2.low, ci2.high))


def test_same_scenario_twice_differs_by_exactly_zero(quick: Scenario):
    """Common random numbers: identical scenarios give identical replications."""
    cmp = compare([quick, quick], reps=2, seed=3)
    assert cmp.labels == ["quick", "quick#2"]
    d = cmp.differences()
    assert len(d) > 5
    assert (d["difference"] == 0).all()
    assert (d["paired_ci95_low"] == 0).all() and (d["paired_ci95_high"] == 0).all()
    u = cmp.unit_differences()
    assert set(u["code"]) == set(quick.unit_codes())
    assert (u["difference"].fillna(0) == 0).all()


def test_paired_interval_is_narrower_for_a_small_change(small_change: sim.Comparison):
    d = small_change.differences().set_index("metric")
    for m in ("lead_time_working_hours_mean", "queue_wait_minutes_mean", "desk_wait_minutes_mean"):
        row = d.loc[m]
        assert row["paired_halfwidth"] < 0.5 * row["unpaired_halfwidth"], m
        # both intervals estimate the same difference of means
        assert row["difference"] == pytest.approx(row["mean_scenario"] - row["mean_reference"])
    assert (d["pairs"] == 4).all()


def test_differences_match_the_separate_runs(quick: Scenario, small_change: sim.Comparison):
    """The comparison's replications are exactly those of sim.run with the same seed."""
    alone = sim.run(small_change.results[1].scenario, reps=4, seed=5, keep_dossiers=False)
    pd.testing.assert_frame_equal(alone.replications, small_change.results[1].replications)
    d = small_change.differences(["on_time_rate"]).iloc[0]
    ref = small_change.results[0].replications["on_time_rate"]
    assert d["mean_reference"] == pytest.approx(ref.mean())
    assert d["mean_scenario"] == pytest.approx(alone.replications["on_time_rate"].mean())


def test_unit_differences_match_unit_tables(small_change: sim.Comparison):
    u = small_change.unit_differences(("on_time_rate", "desk_wait_minutes_mean"))
    assert set(u["metric"]) == {"on_time_rate", "desk_wait_minutes_mean"}
    table = small_change.results[1].unit_table().set_index("code")
    rates = u[u["metric"] == "on_time_rate"].set_index("code")
    assert rates.index.is_unique and set(rates.index) == set(table.index)
    assert np.allclose(rates["mean_scenario"], table.loc[rates.index, "on_time_rate"])
    assert rates.loc["QN21", "name"] == "Hồng Gai"


def test_compare_needs_two_scenarios(quick: Scenario):
    with pytest.raises(ValueError, match="at least two"):
        compare([quick], reps=2)


def test_write_comparison(tmp_path: Path, small_change: sim.Comparison):
    out = write_comparison(small_change, tmp_path / "cmp")
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["kind"] == "comparison" and man["reference"] == "quick"
    assert man["reps"] == 4 and man["seed"] == 5
    diffs = pd.read_csv(out / "differences.csv")
    assert {"paired_ci95_low", "unpaired_ci95_low", "halfwidth_ratio"} <= set(diffs.columns)
    units = pd.read_csv(out / "units.csv")
    assert set(units["scenario"]) == {"quick", "fewer"}
    for f in man["files"]:
        assert (out / f).exists(), f


# ----------------------------------------------------------------------------- precision


def test_reps_to_add_rule():
    # below the minimum: top up to it whatever the half-width (agreement is not precision)
    assert reps_to_add(3, 0.0, 0.001, 50) == MIN_REPS - 3
    assert reps_to_add(1, float("nan"), 0.001, 50) == MIN_REPS - 1
    assert reps_to_add(3, 0.0, 0.001, 4) == 1  # the cap
    assert reps_to_add(6, 0.0005, 0.001, 50) == 0  # enough replications, precise enough
    more = reps_to_add(6, 0.01, 0.001, 50)
    assert 1 <= more <= 6  # at most doubles
    assert reps_to_add(6, 0.01, 0.001, 8) == 2
    assert reps_to_add(8, 0.01, 0.001, 8) == 0
    assert reps_to_add(6, float("nan"), 0.001, 50) == 6  # no interval yet: double


def test_run_to_precision_stops_at_target_or_cap(week: Scenario):
    loose = week
    res = run_to_precision(loose, 0.02, max_reps=8, seed=2, keep_dossiers=False)
    p = res.meta["precision"]
    hw = on_time_halfwidth(res.replications)
    lo, hi = res.on_time_ci95
    assert hw == pytest.approx((hi - lo) / 2)
    assert p["reps"] == res.reps <= 8
    assert p["halfwidth"] == pytest.approx(hw)
    assert (hw <= 0.02 and res.reps >= MIN_REPS) == p["reached"]
    assert p["reached"] or res.reps == 8
    # the replications are exactly those of a fixed run of the same length
    fixed = sim.run(loose, reps=res.reps, seed=2, keep_dossiers=False)
    pd.testing.assert_frame_equal(res.replications, fixed.replications)


def test_run_to_precision_respects_the_cap(week: Scenario):
    res = run_to_precision(week, 1e-6, max_reps=4, seed=2, keep_dossiers=False)
    assert res.reps == 4 and res.meta["precision"]["reached"] is False


def test_compare_to_precision(week: Scenario):
    base = week.with_changes({"staffing.multiplier.justice": 1.0})
    other = week.with_changes({"name": "fewer_justice"})
    cmp = compare([base, other], seed=4, target_halfwidth=0.03, max_reps=6)
    p = cmp.meta["precision"]
    d = cmp.differences(["on_time_rate"]).iloc[0]
    assert p["reps"] == cmp.reps == len(cmp.results[1].replications) <= 6
    assert p["halfwidth"] == pytest.approx(d["paired_halfwidth"])
    assert p["reached"] == (d["paired_halfwidth"] <= 0.03 and cmp.reps >= MIN_REPS)
    assert p["reached"] or cmp.reps == 6
