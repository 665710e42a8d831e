"""Replication bookkeeping of ``sim.experiment``: hand-made tables and tiny runs.

The tiny scenario is one ward (QN21) of the quick scenario for two working days, with each
officer present on half of the days (so the on-time rate varies between replications): a
replication takes well under a second.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.experiment import (
    RepTask,
    Results,
    combine_results,
    halfwidth,
    reps_to_add,
    run,
    run_replication,
    run_to_precision,
)
from sim.scenario import load_scenario
from sim.units import load_units

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "validation" / "quick.yaml"


@pytest.fixture(scope="module")
def tiny() -> Any:
    return load_scenario(QUICK).with_changes(
        {
            "horizon.end": "2025-08-19",
            "units.include": ["QN21"],
            "staffing.availability": 0.5,
            "run.reps": 3,
            "run.seed": 21,
        }
    )


def hand_results(scn: Any, rates: list[float], first_rep: int = 0, wall: float = 1.0) -> Results:
    reps = list(range(first_rep, first_rep + len(rates)))
    n = len(rates)
    replications = pd.DataFrame(
        {
            "rep": reps,
            "arrived": [100] * n,
            "resolved": [90] * n,
            "open": [10] * n,
            "open_overdue": [2] * n,
            "on_time_rate": rates,
        }
    )
    units = pd.DataFrame(
        {
            "rep": reps * 2,
            "code": ["QN21"] * n + ["QN09"] * n,
            "arrived": [10.0] * n + [4.0] * n,
            "resolved": [9.0] * n + [4.0] * n,
            "open": [1.0] * n + [0.0] * n,
            "open_overdue": [0.0] * n + [0.0] * n,
            "on_time_rate": rates + [1.0] * n,
            "desk_wait_minutes_mean": [5.0] * n + [1.0] * n,
            "reception_utilisation": [0.5] * n + [0.25] * n,
            "online_share": [0.4] * n + [0.2] * n,
        }
    )
    causes = pd.DataFrame(
        {
            "rep": [r for r in reps for _ in range(2)],
            "late_cause": pd.Categorical(
                ["queueing", "network"] * n, categories=["queueing", "network", "supplements"]
            ),
            "status": ["resolved"] * (2 * n),
            "dossiers": [3, 1] * n,
        }
    )
    channels = pd.DataFrame(
        {
            "rep": reps * 2,
            "channel": ["online"] * n + ["in_person"] * n,
            "resolved": [50.0] * n + [40.0] * n,
            "late": [5.0] * n + [0.0] * n,
            "on_time_rate": [r - 0.1 for r in rates] + [1.0] * n,
        }
    )
    empty = pd.DataFrame({"rep": []})
    return Results(
        scenario=scn,
        seed=9,
        replications=replications,
        units=units,
        procedures=empty,
        channels=channels,
        months=empty,
        causes=causes,
        pools=empty,
        backlog=empty,
        wall_seconds=wall,
        meta={"first_rep": first_rep},
    )


# ----------------------------------------------------------------------------- precision rule


def test_halfwidth_against_scipy() -> None:
    x = [0.8, 0.85, 0.9, 0.82]
    lo, hi = stats.t.interval(0.95, 3, loc=np.mean(x), scale=stats.sem(x))
    assert halfwidth(x) == pytest.approx((hi - lo) / 2)
    assert math.isnan(halfwidth([0.8]))


def test_reps_to_add_hand_cases() -> None:
    assert reps_to_add([], 0.01, 10) == 2  # nothing yet: two to get an interval
    assert reps_to_add([0.5], 0.01, 10) == 1
    assert reps_to_add([0.5], 0.01, 2) == 1
    assert reps_to_add([0.5, 0.6], 0.01, 2) == 0  # the cap is reached
    assert reps_to_add([0.5, 0.5, 0.5], 0.01, 10) == 0  # half-width 0: done
    # [0, 1]: half-width 12.706 * 0.7071 / 1.4142 = 6.35; far from 1: at most doubles
    assert reps_to_add([0.0, 1.0], 1.0, 100) == 2
    assert reps_to_add([0.0, 1.0], 1.0, 3) == 1  # but never past the cap
    # ten values with half-width h, target h / 1.1: needs ceil(10 * 1.21) = 13, so 3 more
    x = np.linspace(0.0, 1.0, 10)
    h = halfwidth(x)
    assert reps_to_add(x, h / 1.1, 100) == 3
    assert reps_to_add(x, h, 100) == 0  # exactly at the target
    assert reps_to_add(x, h * 1.0001, 100) == 0
    assert reps_to_add(x, h / 5, 100) == 10  # 250 wanted: doubles


def test_run_to_precision_arguments() -> None:
    with pytest.raises(ValueError, match="target_halfwidth"):
        run_to_precision(None, 0.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_reps"):
        run_to_precision(None, 0.1, max_reps=1)  # type: ignore[arg-type]


def test_run_to_precision_stops_at_the_target_or_the_cap(tiny: Any) -> None:
    sunk: list[pd.DataFrame] = []
    easy = run_to_precision(
        tiny, 1.0, min_reps=2, max_reps=6, keep_dossiers=False, dossier_sink=sunk.append
    )
    assert [int(f["rep"].iloc[0]) for f in sunk] == [0, 1] and easy.dossiers is None
    p = easy.meta["precision"]
    assert (p["reps"], p["batches"], p["reached"], p["max_reps"]) == (2, 1, True, 6)
    assert easy.reps == 2 and list(easy.replications["rep"]) == [0, 1]
    assert p["halfwidth"] == pytest.approx(halfwidth(easy.replications["on_time_rate"]))
    hard = run_to_precision(tiny, 1e-9, min_reps=3, max_reps=7, keep_dossiers=False)
    p = hard.meta["precision"]
    assert hard.replications["on_time_rate"].std() > 0
    assert (p["reps"], p["reached"]) == (7, False)
    assert p["batches"] == 3  # 3, then 3 more (doubling), then 1 (the cap)
    assert list(hard.replications["rep"]) == list(range(7))
    # the same replications as one run of seven
    full = run(tiny, 7, keep_dossiers=False)
    pd.testing.assert_series_equal(
        hard.replications["on_time_rate"], full.replications["on_time_rate"]
    )


# ----------------------------------------------------------------------------- runs


def test_run_defaults_and_replication_numbers(tiny: Any) -> None:
    seen: list[pd.DataFrame] = []
    res = run(tiny, reps=2, first_rep=4, keep_dossiers=False, dossier_sink=seen.append)
    assert res.seed == 21 and res.reps == 2 and res.dossiers is None
    assert list(res.replications["rep"]) == [4, 5]
    assert [int(f["rep"].iloc[0]) for f in seen] == [4, 5]  # streamed in order
    assert res.meta["first_rep"] == 4 and res.wall_seconds > 0
    dflt = run(tiny)  # reps and seed from the scenario's run section
    assert dflt.reps == 3 and dflt.seed == 21
    assert dflt.dossiers is not None and set(dflt.dossiers["rep"]) == {0, 1, 2}
    assert len(dflt.dossiers) == int(dflt.replications["arrived"].sum())
    # replication r is the same whatever batch it is run in
    pd.testing.assert_frame_equal(
        dflt.replications.iloc[[1, 2]].reset_index(drop=True),
        run(tiny, reps=2, first_rep=1).replications,
    )


def test_a_replication_keeps_its_dossiers_only_when_asked(tiny: Any) -> None:
    assert run_replication(RepTask(tiny, 0, 21, keep_dossiers=False)).dossiers is None
    kept = run_replication(RepTask(tiny, 0, 21)).dossiers
    assert kept is not None and len(kept) > 0


def test_combine_results(tiny: Any) -> None:
    a = hand_results(tiny, [0.8, 0.9], wall=1.5)
    b = hand_results(tiny, [1.0], first_rep=2, wall=2.0)
    c = combine_results([a, b])
    assert c.reps == 3 and list(c.replications["rep"]) == [0, 1, 2]
    assert c.per_rep == [0.8, 0.9, 1.0]
    assert list(c.units["rep"]) == [0, 1, 0, 1, 2, 2]
    assert c.wall_seconds == 3.5 and c.seed == 9 and c.meta == {"first_rep": 0}
    assert c.dossiers is None


# ----------------------------------------------------------------------------- tables


def test_headline_and_json(tiny: Any) -> None:
    res = hand_results(tiny, [0.8, 0.9, 1.0])
    assert res.on_time_rate == pytest.approx(0.9)
    lo, hi = stats.t.interval(0.95, 2, loc=0.9, scale=0.1 / math.sqrt(3))
    assert res.on_time_ci95 == pytest.approx((lo, hi))
    j = res.to_json()
    assert j["on_time_rate"] == pytest.approx(0.9) and j["on_time_ci95"] == pytest.approx([lo, hi])
    assert j["per_rep"] == [0.8, 0.9, 1.0] and j["reps"] == 3 and j["seed"] == 9
    assert (j["dossiers_arrived"], j["dossiers_resolved"]) == (300, 270)
    assert (j["dossiers_open_at_end"], j["dossiers_open_overdue_at_end"]) == (30, 6)
    assert j["scenario"] == tiny.name and j["wall_seconds"] == 1.0


def test_unit_table(tiny: Any) -> None:
    t = hand_results(tiny, [0.8, 0.9, 1.0]).unit_table()
    # in the order of the packaged units table: QN09 before QN21
    assert list(t["code"]) == ["QN09", "QN21"]
    q = t.set_index("code").loc["QN21"]
    assert (q["arrived"], q["resolved"], q["open"]) == (10.0, 9.0, 1.0)
    assert q["on_time_rate"] == pytest.approx(0.9)
    lo, hi = stats.t.interval(0.95, 2, loc=0.9, scale=0.1 / math.sqrt(3))
    assert (q["on_time_ci95_low"], q["on_time_ci95_high"]) == pytest.approx((lo, hi))
    assert (q["desk_wait_minutes_mean"], q["reception_utilisation"]) == (5.0, 0.5)
    assert q["online_share"] == pytest.approx(0.4)
    units = load_units().frame.set_index("code")
    assert (q["name"], q["type"]) == (units.loc["QN21", "name"], units.loc["QN21", "type"])
    assert t.set_index("code").loc["QN09", "on_time_rate"] == 1.0


def test_group_and_cause_tables(tiny: Any) -> None:
    res = hand_results(tiny, [0.8, 0.9, 1.0])
    g = res.group_table("channels").set_index("channel")
    assert list(g.index) == ["in_person", "online"]  # sorted
    assert g.loc["online", "on_time_rate"] == pytest.approx(0.8)
    assert (g.loc["online", "resolved"], g.loc["online", "late"]) == (50.0, 5.0)
    lo, hi = stats.t.interval(0.95, 2, loc=0.8, scale=0.1 / math.sqrt(3))
    assert (g.loc["online", "ci95_low"], g.loc["online", "ci95_high"]) == pytest.approx((lo, hi))
    c = res.cause_table().set_index("cause")
    # per replication: 3 queueing, 1 network, 0 supplements; shares of the 4 late ones
    assert c["late_per_rep"].tolist() == [3.0, 1.0, 0.0]
    np.testing.assert_allclose(c["share"], [0.75, 0.25, 0.0])
