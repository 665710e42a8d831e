"""Replication bookkeeping of ``sim.experiment``: hand-made tables and tiny runs.

The tiny scenario is one ward (QN21) of the quick scenario for two working days, with each
officer present on half of the days (so the on-time rate varies between replications): a
replication takes well under a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.experiment import (
    RepTask,
    Results,
    combine_results,
    run,
    run_replication,
    run_to_precision,
)
from sim.scenario import load_scenario

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


def test_run_to_precision_arguments() -> None:
    with pytest.raises(ValueError, match="target_halfwidth"):
        run_to_precision(None, 0.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_reps"):
        run_to_precision(None, 0.1, max_reps=1)  # type: ignore[arg-type]


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
