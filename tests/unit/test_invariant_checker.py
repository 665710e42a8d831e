"""The always-on invariant checker (``sim.invariants.check_replication``) catches each breach.

Every test starts from one real, valid replication (one week of two units of the quick
scenario), breaks exactly one invariant in a copy of its output, and asserts that the checker raises
:class:`InvariantError` naming that invariant, and only it. Tests of the model that merely
re-asserted these invariants on a run (which cannot fail unless the checker has already
raised inside ``run``) were turned into these tests of the checker.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.invariants import EPS, InvariantError, check_replication
from sim.model import build_layout, horizon_calendar, simulate
from sim.results import rep_tables
from sim.scenario import load_scenario

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "validation" / "quick.yaml"
# working-clock stamps of a dossier, in the order of the checker's chain
STAMPS = (
    "reception_start",
    "reception_end",
    "supplement_request",
    "supplement_return",
    "recheck_end",
    "processing_start",
    "processing_end",
    "approval_start",
    "resolved",
)
# (later, earlier): every ordering the checker promises ("arrival" is the dossier's arrival)
CHAIN = [
    ("reception_start", "arrival"),
    ("reception_end", "reception_start"),
    ("supplement_request", "reception_end"),
    ("supplement_return", "supplement_request"),
    ("recheck_end", "supplement_return"),
    ("processing_start", "reception_end"),
    ("processing_start", "recheck_end"),
    ("processing_end", "processing_start"),
    ("approval_start", "processing_end"),
    ("approval_start", "recheck_end"),
    ("resolved", "approval_start"),
    ("resolved", "processing_end"),
    ("resolved", "reception_end"),
    ("resolved", "arrival"),
]


@pytest.fixture(scope="module")
def valid() -> tuple[Any, Any, Any]:
    """(output, tables, calendar) of a replication that satisfies every invariant."""
    scn = load_scenario(QUICK).with_changes(
        {"horizon.end": "2025-08-22", "units.include": ["QN09", "QN21"]}
    )
    layout = build_layout(scn)
    cal = horizon_calendar(scn)
    out = simulate(scn, 0, 7, layout, cal)
    tables = rep_tables(out, scn, layout, cal, keep_dossiers=False)
    return out, tables, cal


@pytest.fixture
def broken(valid: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
    """A fresh, freely editable copy of the valid replication."""
    out, tables, cal = valid
    return copy.deepcopy(out), copy.deepcopy(tables), cal


def problems(out: Any, tables: Any, cal: Any) -> list[str]:
    """The checker's list of problems ([] if it accepts the replication)."""
    try:
        check_replication(out, tables, cal)
    except InvariantError as exc:
        head, _, rest = str(exc).partition(": ")
        assert head == f"replication {out.rep}", str(exc)
        return rest.split("; ")
    return []


def stamp(out: Any, name: str) -> Any:
    """A writable column of the output: a record column or the dossiers' arrival."""
    return out.dossiers.arrival if name == "arrival" else getattr(out.records, name)


def test_a_valid_replication_passes(valid: tuple[Any, Any, Any]) -> None:
    out, tables, cal = valid
    r = out.records.arrays()
    # the fixture exercises every stamp, and some dossiers are still open at the end
    for name in STAMPS:
        assert np.isfinite(r[name]).any(), name
    assert np.isnan(r["resolved"]).any()
    assert problems(out, tables, cal) == []


@pytest.mark.parametrize(("later", "earlier"), CHAIN, ids=lambda x: str(x))
def test_each_ordering_is_checked(broken: tuple[Any, Any, Any], later: str, earlier: str) -> None:
    out, tables, cal = broken
    r = out.records.arrays()
    arrival = out.dossiers.arrival
    earlier_col = arrival if earlier == "arrival" else r[earlier]
    both = np.flatnonzero(~np.isnan(r[later]) & ~np.isnan(earlier_col))
    assert len(both), f"no dossier has both {later} and {earlier}"
    i = int(both[-1])
    # isolate the pair: the dossier keeps only these two stamps, so no other ordering applies
    for name in STAMPS:
        if name not in (later, earlier):
            getattr(out.records, name)[i] = math.nan
    # equal stamps, and a float rounding below the earlier one, are in order
    stamp(out, later)[i] = float(earlier_col[i])
    assert problems(out, tables, cal) == []
    stamp(out, later)[i] = float(earlier_col[i]) - EPS / 2
    assert problems(out, tables, cal) == []
    stamp(out, later)[i] = float(earlier_col[i]) - 10 * EPS
    assert problems(out, tables, cal) == [f"a dossier's {later} precedes an earlier stage"]


def test_conservation_arrived_equals_resolved_plus_open(broken: tuple[Any, Any, Any]) -> None:
    out, tables, cal = broken
    k = tables.kpis
    arrived, resolved, still_open = (int(k.at[0, c]) for c in ("arrived", "resolved", "open"))
    assert arrived == resolved + still_open == len(out.dossiers)
    k.at[0, "open"] = still_open - 1  # a dossier lost between the counts
    assert problems(out, tables, cal) == [
        f"conservation: arrived {arrived} != resolved {resolved} + open {still_open - 1}"
    ]
    k.at[0, "open"] = still_open
    k.at[0, "resolved"] = resolved + 1  # a dossier counted twice
    assert len(problems(out, tables, cal)) == 1


def test_conservation_counts_every_generated_dossier(broken: tuple[Any, Any, Any]) -> None:
    """The tables must count the dossiers the model generated, not only agree with themselves."""
    out, tables, cal = broken
    k = tables.kpis
    for col in ("arrived", "open"):  # one dossier missing from the tables altogether
        k.at[0, col] = int(k.at[0, col]) - 1
    n = len(out.dossiers)
    assert problems(out, tables, cal) == [
        f"conservation: arrived {n - 1} != resolved {int(k.at[0, 'resolved'])} "
        f"+ open {int(k.at[0, 'open'])} (dossiers generated: {n})"
    ]


def test_resolution_after_the_horizon(broken: tuple[Any, Any, Any]) -> None:
    out, tables, cal = broken
    r = out.records.arrays()
    i = int(np.flatnonzero(~np.isnan(r["resolved"]))[-1])
    out.records.resolved[i] = out.horizon_end  # at the very end: allowed
    assert problems(out, tables, cal) == []
    out.records.resolved[i] = out.horizon_end + EPS / 2
    assert problems(out, tables, cal) == []
    out.records.resolved[i] = out.horizon_end + 1.0
    assert problems(out, tables, cal) == ["a dossier resolved after the end of the horizon"]


class ShiftedCalendar:
    """The real calendar, except that one working instant maps to the wall time ``tod``.

    Stands for a bug in the working-to-wall mapping (an officer starting work at night),
    which is what the office-hours invariant guards against.
    """

    def __init__(self, cal: Any, work: float, tod: float) -> None:
        self.cal, self.work, self.tod = cal, work, tod
        self.sessions = cal.sessions

    def to_wall(self, work: np.ndarray, side: str = "right") -> np.ndarray:
        wall = self.cal.to_wall(work, side)
        day = np.floor(wall / 1440.0) * 1440.0
        return np.where(work == self.work, day + self.tod, wall)


def _office_case(out: Any, column: str) -> float:
    r = out.records.arrays()
    values = r[column][~np.isnan(r[column])]
    # a value that no other stage start shares
    others = np.concatenate(
        [r[c] for c in ("reception_start", "processing_start", "approval_start")]
    )
    unique = [v for v in values if np.sum(others == v) == 1]
    assert unique, column
    return float(unique[0])


@pytest.mark.parametrize("column", ["reception_start", "processing_start", "approval_start"])
@pytest.mark.parametrize(
    ("tod", "inside"),
    [
        (7 * 60 + 30, True),  # opening
        (11 * 60 + 30, True),  # close of the morning session
        (11 * 60 + 30 + 1, False),  # lunch break
        (13 * 60 + 30, True),  # afternoon opening
        (17 * 60, True),  # closing
        (17 * 60 + 1, False),
        (7 * 60 + 29, False),
        (3 * 60, False),  # at night
    ],
)
def test_stage_starts_in_office_hours(
    broken: tuple[Any, Any, Any], column: str, tod: float, inside: bool
) -> None:
    out, tables, cal = broken
    assert cal.sessions == ((450, 690), (810, 1020))  # 07:30-11:30, 13:30-17:00
    fake = ShiftedCalendar(cal, _office_case(out, column), tod)
    expected = [] if inside else ["1 stage starts outside office hours"]
    assert problems(out, tables, fake) == expected


@pytest.mark.parametrize(
    ("value", "ok"),
    [(0.0, True), (1.0, True), (1.0 + EPS / 2, True), (1.001, False), (-0.001, False)],
)
def test_utilisation_within_zero_one(broken: tuple[Any, Any, Any], value: float, ok: bool) -> None:
    out, tables, cal = broken
    pools = tables.pools
    pools.loc[pools.index[0], "utilisation"] = value
    pools.loc[pools.index[1], "utilisation"] = math.nan  # undefined (no officer time): ignored
    got = problems(out, tables, cal)
    if ok:
        assert got == []
    else:
        (msg,) = got
        assert msg.startswith("utilisation outside [0, 1]: max ")
        # the message reports the largest utilisation of the replication
        assert float(msg.rsplit(" ", 1)[1]) == pytest.approx(
            float(np.nanmax(pools["utilisation"])), abs=1e-6
        )


def test_all_problems_reported_together(broken: tuple[Any, Any, Any]) -> None:
    out, tables, cal = broken
    r = out.records.arrays()
    i = int(np.flatnonzero(~np.isnan(r["resolved"]))[0])
    out.records.resolved[i] = out.horizon_end + 5.0
    tables.pools.loc[tables.pools.index[0], "utilisation"] = 2.0
    tables.kpis.at[0, "open"] = int(tables.kpis.at[0, "open"]) + 1
    got = problems(out, tables, cal)
    assert len(got) == 3
    assert got[0].startswith("conservation: ")
    assert got[1] == "a dossier resolved after the end of the horizon"
    assert got[2] == "utilisation outside [0, 1]: max 2.000000"


@pytest.mark.parametrize("on", [True, False])
def test_run_calls_the_checker_on_every_replication(
    monkeypatch: pytest.MonkeyPatch, on: bool
) -> None:
    """What makes re-asserting the invariants after ``run`` redundant: ``run`` checks them."""
    import sim.invariants
    from sim.experiment import run

    seen: list[int] = []

    def spy(out: Any, tables: Any, cal: Any) -> None:
        seen.append(out.rep)
        check_replication(out, tables, cal)

    monkeypatch.setattr(sim.invariants, "check_replication", spy)
    scn = load_scenario(QUICK).with_changes(
        {
            "horizon.end": "2025-08-19",
            "units.include": ["QN21"],
            "run.check_invariants": on,
        }
    )
    run(scn, reps=2, seed=3, keep_dossiers=False)
    assert seen == ([0, 1] if on else [])
