"""The tables of :class:`sim.experiment.Results` and the precision rule, on hand-made numbers.

Five replications with on-time rates 0.80, 0.85, 0.90, 0.95, 1.00 (1,000 resolved each):
mean 0.90, sample variance (0.1² + 0.05² + 0 + 0.05² + 0.1²) / 4 = 0.00625, above the
binomial floor (about 0.9 x 0.1 / 1000 = 0.00009), so the 95% half-width is
t(4, 0.975) x sqrt(0.00625 / 5) = 2.776445 x 0.0353553 = 0.098162. A unit that is always
on time with 4 resolved a replication has no spread; its floor is the binomial variance of
p = (4 + 0.5) / (4 + 1) = 0.9: 0.9 x 0.1 / 4 = 0.0225, half-width 2.776445 x
sqrt(0.0225 / 5) = 0.186250, so its interval is [0.81375, 1] (cut at 1).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim.executors as executors
from sim.executors import SerialExecutor
from sim.experiment import Results, on_time_halfwidth, reps_to_add, run, run_to_precision
from sim.scenario import load_scenario

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "validation" / "quick.yaml"
RATES = [0.80, 0.85, 0.90, 0.95, 1.00]
HALF = 0.098162
HALF_ALWAYS = 0.186250


def results(rates: list[float] = RATES, meta: dict[str, Any] | None = None) -> Results:
    n = len(rates)
    reps = list(range(n))
    replications = pd.DataFrame(
        {
            "rep": reps,
            "arrived": [1100] * n,
            "resolved": [1000] * n,
            "open": [100] * n,
            "open_overdue": [7] * n,
            "on_time_rate": rates,
        }
    )
    # QN21 first in the frame; the table puts QN09 first (the order of the units list)
    units = pd.DataFrame(
        {
            "rep": reps * 2,
            "code": ["QN21"] * n + ["QN09"] * n,
            "arrived": [10.0, 12.0, 14.0, 16.0, 18.0][:n] + [5.0] * n,
            "resolved": [1000.0] * n + [4.0] * n,
            "open": [1.0] * n + [0.0] * n,
            "open_overdue": [0.0, 0.0, 0.0, 0.0, 5.0][:n] + [0.0] * n,
            "on_time_rate": rates + [1.0] * n,
            "desk_wait_minutes_mean": [5.0] * n + [1.0] * n,
            "reception_utilisation": [0.5] * n + [0.25] * n,
            "online_share": [0.4] * n + [0.2] * n,
        }
    )
    channels = pd.DataFrame(
        {
            "rep": reps * 2,
            "channel": ["online"] * n + ["in_person"] * n,
            "resolved": [1000.0] * n + [4.0] * n,
            "late": [100.0, 150.0, 100.0, 50.0, 100.0][:n] + [0.0] * n,
            "on_time_rate": rates + [1.0] * n,
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
    empty = pd.DataFrame({"rep": []})
    return Results(
        scenario=load_scenario(QUICK),
        seed=9,
        replications=replications,
        units=units,
        procedures=empty,
        channels=channels,
        months=empty,
        causes=causes,
        pools=empty,
        backlog=empty,
        wall_seconds=2.5,
        meta=meta or {},
    )


def test_unit_table() -> None:
    t = results().unit_table()
    assert list(t.columns) == [
        "code", "name", "type", "arrived", "resolved", "open", "open_overdue", "on_time_rate",
        "on_time_ci95_low", "on_time_ci95_high", "desk_wait_minutes_mean",
        "reception_utilisation", "online_share",
    ]  # fmt: skip
    assert list(t.index) == [0, 1]
    assert list(t["code"]) == ["QN09", "QN21"]
    assert list(t["name"]) == ["Đông Mai", "Hồng Gai"]
    assert list(t["type"]) == ["phường", "phường"]
    assert t["arrived"].tolist() == [5.0, 14.0]
    assert t["resolved"].tolist() == [4.0, 1000.0]
    assert t["open"].tolist() == [0.0, 1.0]
    assert t["open_overdue"].tolist() == [0.0, 1.0]
    assert t["on_time_rate"].tolist() == pytest.approx([1.0, 0.9])
    assert t["on_time_ci95_low"].tolist() == pytest.approx([1 - HALF_ALWAYS, 0.9 - HALF], abs=1e-6)
    assert t["on_time_ci95_high"].tolist() == pytest.approx([1.0, 0.9 + HALF], abs=1e-6)
    assert t["desk_wait_minutes_mean"].tolist() == [1.0, 5.0]
    assert t["reception_utilisation"].tolist() == [0.25, 0.5]
    assert t["online_share"].tolist() == [0.2, 0.4]


def test_group_table_of_channels() -> None:
    t = results().group_table("channels")
    assert list(t.columns) == [
        "channel",
        "resolved",
        "late",
        "on_time_rate",
        "ci95_low",
        "ci95_high",
    ]
    assert list(t["channel"]) == ["in_person", "online"]  # sorted
    assert t["resolved"].tolist() == [4.0, 1000.0]
    assert t["late"].tolist() == [0.0, 100.0]
    assert t["on_time_rate"].tolist() == pytest.approx([1.0, 0.9])
    assert t["ci95_low"].tolist() == pytest.approx([1 - HALF_ALWAYS, 0.9 - HALF], abs=1e-6)
    assert t["ci95_high"].tolist() == pytest.approx([1.0, 0.9 + HALF], abs=1e-6)


def test_group_table_of_procedures_and_unobserved_categories() -> None:
    res = results()
    res.procedures = res.channels.rename(columns={"channel": "procedure"})
    t = res.group_table("procedures")
    assert list(t["procedure"]) == ["in_person", "online"]
    # a category without data in any replication gets no row (no row of undefined figures)
    res.channels["channel"] = pd.Categorical(
        res.channels["channel"], categories=["in_person", "online", "post"]
    )
    assert list(res.group_table("channels")["channel"]) == ["in_person", "online"]


def test_one_replication_has_no_interval() -> None:
    t = results([0.8]).unit_table()
    assert t["on_time_rate"].tolist() == pytest.approx([1.0, 0.8])
    assert t["on_time_ci95_low"].isna().all() and t["on_time_ci95_high"].isna().all()


def test_cause_table() -> None:
    # 3 queueing and 1 network a replication: shares 3/4 and 1/4; no supplements
    t = results().cause_table()
    assert list(t["cause"]) == ["queueing", "network", "supplements"]
    assert t["late_per_rep"].tolist() == [3.0, 1.0, 0.0]
    assert t["share"].tolist() == [0.75, 0.25, 0.0]
    one = results([0.8]).cause_table()  # one replication: per replication = the counts
    assert one["late_per_rep"].tolist() == [3.0, 1.0, 0.0]
    none = results()
    none.causes["dossiers"] = 0
    assert none.cause_table()["share"].isna().all()  # no late dossier: no shares


def test_headline_and_json() -> None:
    res = results(meta={"precision": {"target": 0.01}})
    assert res.on_time_rate == pytest.approx(0.9)
    lo, hi = res.on_time_ci95
    assert (lo, hi) == pytest.approx((0.9 - HALF, 0.9 + HALF), abs=1e-6)
    assert res.interval_note is None  # five replications are enough
    js = res.to_json()
    json.dumps(js, allow_nan=False)  # strict JSON
    assert js["on_time_rate"] == pytest.approx(0.9)
    assert js["on_time_ci95"] == pytest.approx([0.9 - HALF, 0.9 + HALF], abs=1e-6)
    assert js["per_rep"] == RATES
    assert js["dossiers_arrived"] == 5500 and js["dossiers_resolved"] == 5000
    assert js["dossiers_open_at_end"] == 500 and js["dossiers_open_overdue_at_end"] == 35
    assert js["reps"] == 5 and js["seed"] == 9 and js["wall_seconds"] == 2.5
    assert js["scenario"] == res.scenario.name
    assert js["precision"] == {"target": 0.01}
    assert "precision" not in results().to_json()
    # one replication: no interval, null not NaN, and a note saying so
    one = results([0.8]).to_json()
    assert one["on_time_ci95"] == [None, None]
    assert one["interval_note"] is not None and one["reps"] == 1
    # nothing resolved anywhere: the rate itself is undefined (null)
    nothing = results([math.nan, math.nan])
    nothing.replications["resolved"] = 0
    assert nothing.to_json()["on_time_rate"] is None


def test_on_time_halfwidth() -> None:
    reps = pd.DataFrame({"on_time_rate": RATES, "resolved": [1000] * 5})
    assert on_time_halfwidth(reps) == pytest.approx(HALF, abs=1e-6)
    assert np.isnan(on_time_halfwidth(reps.iloc[:1]))


@pytest.mark.parametrize(
    ("n", "hw", "target", "max_reps", "add"),
    [
        (3, 0.5, 0.01, 100, 2),  # below 5: top up to 5 whatever the half-width
        (3, 0.0, 0.01, 100, 2),
        (3, 0.5, 0.01, 4, 1),  # ... within the maximum
        (5, 0.01, 0.01, 100, 0),  # target reached
        (10, 0.011, 0.01, 100, 3),  # ceil(10 x 1.21) = 13: 3 more
        (10, 0.0100001, 0.01, 100, 1),  # ceil(10.00002) = 11: at least one
        (5, 0.02, 0.01, 100, 5),  # 20 needed: at most double
        (10, 0.011, 0.01, 12, 2),  # 13 needed, 12 allowed
        (6, math.nan, 0.01, 100, 6),  # no interval yet: double
        (6, math.nan, 0.01, 8, 2),
        (100, 0.5, 0.01, 100, 0),  # the maximum reached
        (120, 0.5, 0.01, 100, 0),
    ],
)
def test_reps_to_add(n: int, hw: float, target: float, max_reps: int, add: int) -> None:
    assert reps_to_add(n, hw, target, max_reps) == add


# ----------------------------------------------------------------------------- run to precision


@pytest.fixture(scope="module")
def tiny() -> Any:
    """One ward for two working days, officers present half of the days (varying rates)."""
    return load_scenario(QUICK).with_changes(
        {
            "horizon.end": "2025-08-19",
            "units.include": ["QN21"],
            "staffing.availability": 0.5,
            "run.seed": 21,
        }
    )


@pytest.fixture(scope="module")
def eight(tiny: Any) -> Any:
    return run(tiny, 8, keep_dossiers=False)


def test_run_to_precision_batches(tiny: Any, eight: Any) -> None:
    # an unreachable target with at most 8 replications: a first batch of 5 (min_reps),
    # then 3 more (at most double, within the maximum); replications 0-7 as run(tiny, 8)
    res = run_to_precision(tiny, 1e-9, max_reps=8)
    p = res.meta["precision"]
    assert (p["reps"], p["batches"], p["reached"]) == (8, 2, False)
    assert p["max_reps"] == 8 and p["min_reps"] == 5 and p["target_halfwidth"] == 1e-9
    assert p["halfwidth"] == pytest.approx(on_time_halfwidth(eight.replications))
    assert res.meta["workers"] == 1
    pd.testing.assert_frame_equal(res.replications, eight.replications)
    assert res.dossiers is not None and set(res.dossiers["rep"]) == set(range(8))
    assert len(res.dossiers) == int(eight.replications["arrived"].sum())


def test_run_to_precision_reached(tiny: Any, eight: Any) -> None:
    # any interval of a rate is narrower than +-1: reached with the first 5 replications;
    # a first batch of 2 is topped up to 5 (fewer are never precision)
    res = run_to_precision(tiny, 1.0, max_reps=8, keep_dossiers=False)
    p = res.meta["precision"]
    assert (p["reps"], p["batches"], p["reached"]) == (5, 1, True)
    first5 = eight.replications.iloc[:5].reset_index(drop=True)
    pd.testing.assert_frame_equal(res.replications, first5)
    res = run_to_precision(tiny, 1.0, max_reps=8, min_reps=2, keep_dossiers=False)
    p = res.meta["precision"]
    assert (p["reps"], p["batches"], p["reached"]) == (5, 2, True)
    # the target is met exactly at the half-width
    hw = on_time_halfwidth(first5)
    res = run_to_precision(tiny, hw, max_reps=8, keep_dossiers=False)
    assert res.meta["precision"]["reached"] is True and res.reps == 5


def test_run_to_precision_default_target_and_seed(tiny: Any, eight: Any) -> None:
    res = run_to_precision(tiny, max_reps=2, keep_dossiers=False)
    assert res.meta["precision"]["target_halfwidth"] == 0.002  # +-0.2 points
    assert res.reps == 2  # never more than max_reps, even in the first batch
    assert res.seed == 21
    other = run_to_precision(tiny, 1.0, max_reps=2, seed=22, keep_dossiers=False)
    assert other.seed == 22
    assert not other.replications.equals(res.replications)


class Spy(SerialExecutor):
    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self.closed = 0
        self.used = 0

    def imap(self, fn: Any, tasks: Any) -> Any:
        self.used += 1
        return super().imap(fn, tasks)

    def close(self) -> None:
        self.closed += 1


def test_run_to_precision_executors(tiny: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # two replications a run (the fewest allowed); an executor given by the caller is used
    # and left open
    given = Spy()
    run_to_precision(tiny, 1.0, max_reps=2, executor=given, keep_dossiers=False)
    assert given.closed == 0 and given.used == 1
    # otherwise one is made for the workers asked and closed at the end
    made: list[Spy] = []

    def make_executor(workers: int | None, scheduler: str | None) -> Spy:
        made.append(Spy(workers or 7))
        return made[-1]

    monkeypatch.setattr(executors, "make_executor", make_executor)
    for workers, expected in ((1, 1), (3, 3), (None, 7)):
        res = run_to_precision(tiny, 1.0, max_reps=2, workers=workers, keep_dossiers=False)
        assert made[-1].workers == expected and made[-1].closed == 1
        assert res.meta["workers"] == expected
    assert len(made) == 3


def test_run_to_precision_checks_and_streams(tiny: Any) -> None:
    with pytest.raises(ValueError, match="min_reps must be at least 1"):
        run_to_precision(tiny, 1.0, min_reps=0)
    seen: list[pd.DataFrame] = []
    res = run_to_precision(tiny, 1.0, max_reps=2, min_reps=1, dossier_sink=seen.append)
    assert res.reps == 2 and [int(f["rep"].iloc[0]) for f in seen] == [0, 1]


def test_run_records_its_scenario_time_and_workers(tiny: Any) -> None:
    import time

    t0 = time.perf_counter()
    res = run(tiny, 2, keep_dossiers=False)
    elapsed = time.perf_counter() - t0
    assert res.scenario is tiny
    assert 0 < res.wall_seconds <= elapsed
    assert res.meta["workers"] == 1
