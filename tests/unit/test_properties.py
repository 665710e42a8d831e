"""Property-based tests: mutated scenarios are either accepted and run, or rejected cleanly.

Hypothesis mutates valid scenarios (the M/M/c scenario and the 7-unit quick scenario, both
cut to two days) at random field paths: it sets hostile values (wrong types, negative, zero,
huge, NaN, infinity, odd text, lists and mappings), deletes fields and adds unknown ones, edits
the YAML text itself and passes random ``--set`` overrides. Whatever it does, validation must
either accept the scenario, and then a short run must succeed and conserve dossiers (arrived =
resolved + open, with the per-replication invariants on), or raise ``ScenarioError`` with a
one-line message naming the source; any other exception fails the test.

The default profile keeps the examples few and deterministic (CI); the slow-marked test runs a
larger random search. The calendar's deadline arithmetic has its own day-by-day reference in
tests/unit/test_calendar.py.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.experiment import run
from sim.scenario import (
    Scenario,
    ScenarioError,
    expected_dossiers,
    load_scenario,
    scenario_from_dict,
)

SCEN = Path(__file__).resolve().parents[2] / "scenarios"
SOURCE = "mutated.yaml"
MAX_RUN_DOSSIERS = 5_000
"""Accepted scenarios expected to generate more dossiers than this are validated, not run."""

FAST = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LARGE = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _short(path: Path, changes: dict[str, Any]) -> dict[str, Any]:
    """A shipped scenario, resolved (defaults included) and cut down, as plain data."""
    scn = load_scenario(path).with_changes(changes)
    assert expected_dossiers(scn) < MAX_RUN_DOSSIERS
    return scn.to_dict()


BASES: dict[str, dict[str, Any]] = {}
BROKEN: dict[str, str] = {}
"""Shipped scenarios that do not validate (reported by the tests instead of at collection)."""
for _name, _path, _changes in (
    (
        "mmc",
        SCEN / "validation" / "mmc.yaml",
        {
            "horizon.end": "2025-07-02",
            "demand.dossiers_per_working_day.QN01": 300,
            "staffing.by_unit_type.phường.reception": 2,
        },
    ),
    (
        "quick",
        SCEN / "validation" / "quick.yaml",
        {"horizon.start": "2025-08-18", "horizon.end": "2025-08-19", "run.reps": 1},
    ),
):
    try:
        BASES[_name] = _short(_path, _changes)
    except ScenarioError as _err:
        BROKEN[_name] = str(_err)
        BASES[_name] = {"name": _name}


def leaf_paths(node: Any, prefix: str = "") -> list[str]:
    """Dotted paths of every value (and every section) of a nested mapping."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += leaf_paths(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += leaf_paths(v, f"{prefix}.{i}")
    return out


PATHS = {name: leaf_paths(raw) for name, raw in BASES.items()}


def get_path(raw: Any, path: str) -> Any:
    node = raw
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


NUMERIC_PATHS = {
    name: [
        p
        for p in paths
        if isinstance(get_path(BASES[name], p), int | float)
        and not isinstance(get_path(BASES[name], p), bool)
    ]
    for name, paths in PATHS.items()
}
"""Numeric fields: 'jitter' mutations scale them moderately, so more mutants are valid."""


def mutate(raw: dict[str, Any], op: str, path: str, value: Any) -> None:
    """Apply one mutation in place (paths always exist: they come from the unmutated base)."""
    parts = path.split(".")
    try:
        parent = get_path(raw, ".".join(parts[:-1])) if len(parts) > 1 else raw
    except (KeyError, IndexError, TypeError, ValueError):
        return  # an earlier mutation removed or replaced the parent (e.g. a mapping by a list)
    last: Any = parts[-1]
    if isinstance(parent, list):
        if not last.isdigit() or int(last) >= len(parent):
            return
        last = int(last)
    elif not isinstance(parent, dict):
        return
    if op == "delete":
        if isinstance(parent, list) or last in parent:
            del parent[last]
    elif op == "unknown":
        target = parent[last] if isinstance(parent, dict) and last in parent else None
        if isinstance(target, dict):
            target["not_a_field"] = value
        elif isinstance(parent, dict):
            parent["not_a_field"] = value
    elif op in ("scale", "jitter"):
        old = parent[last] if isinstance(parent, list) or last in parent else None
        if isinstance(old, int | float) and not isinstance(old, bool):
            new = old * value
            parent[last] = int(new) if isinstance(old, int) and math.isfinite(new) else new
        else:
            parent[last] = value
    else:
        parent[last] = value


# ----------------------------------------------------------------------------- strategies

SPECIAL_NUMBERS = [0, -1, 1, 2, 0.5, 1.5, -0.5, 1e-300, 1e300, 10**9, 2**63, -(2**63)]
SPECIAL_FLOATS = [math.nan, math.inf, -math.inf]
SPECIAL_TEXT = [
    "",
    " ",
    "all",
    "none",
    "QN01",
    "QN99",
    "phường",
    "2025-02-30",
    "2025-07-02",
    "2025-07-02T08:00",
    "2025-07-02T08:00+07:00",
    "07:30",
    "24:00",
    "25:00",
    "nan",
    "inf",
    "exponential",
    "desk",
    "justice",
    "∞",
    "\x00",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(SPECIAL_NUMBERS + SPECIAL_FLOATS),
    st.text(max_size=8),
    st.sampled_from(SPECIAL_TEXT),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(
        st.sampled_from(["dist", "mean", "cv", "value", "QN01", "a"]), scalars, max_size=3
    ),
    st.sampled_from(
        [
            {"dist": "exponential", "mean": 1.0},
            {"dist": "deterministic", "value": 0},
            {"dist": "lognormal", "mean": 1e6, "cv": 10},
            {"dist": "uniform", "low": 0, "high": 0},
            {"in_person": 0.5, "online": 0.5},
            ["mon"],
            [],
            {},
        ]
    ),
)
scale_factors = st.sampled_from([0, -1, 0.5, 0.999, 1.001, 2, 10, 1000, 1e9, math.nan, math.inf])


@st.composite
def mutations(draw: st.DrawFn, base: str) -> list[tuple[str, str, Any]]:
    n = draw(st.integers(min_value=1, max_value=3))
    out = []
    for _ in range(n):
        op = draw(st.sampled_from(["set", "set", "scale", "jitter", "jitter", "delete", "unknown"]))
        if op == "jitter":
            path = draw(st.sampled_from(NUMERIC_PATHS[base] or PATHS[base]))
            value = draw(st.sampled_from([0.5, 0.9, 1.1, 2.0, 3.0]))
        else:
            path = draw(st.sampled_from(PATHS[base]))
            value = draw(scale_factors if op == "scale" else values)
        out.append((op, path, value))
    return out


# ----------------------------------------------------------------------------- the property


def check_rejection(err: ScenarioError, source: str) -> None:
    text = str(err)
    assert "\n" not in text, f"multi-line message: {text!r}"
    assert err.source.startswith(source), err.source
    assert text.startswith(f"{err.source}: "), text
    assert isinstance(err.path, str) and err.message


def check_accepted_runs(scn: Scenario) -> None:
    """A short run of an accepted scenario succeeds (the invariant checker, on, conserves
    dossiers and orders every dossier's stages) and gives valid rates."""
    if expected_dossiers(scn) > MAX_RUN_DOSSIERS:
        event("accepted, too large to run")
        return
    event("accepted and run")
    scn = scn.with_changes({"run.check_invariants": True})
    res = run(scn, reps=1, seed=3, keep_dossiers=False)
    r = res.replications.iloc[0]
    assert r["open_overdue"] <= r["open"]
    rate = r["on_time_rate"]
    assert math.isnan(rate) or 0.0 <= rate <= 1.0


def outcome_of_mapping(base: str, muts: list[tuple[str, str, Any]]) -> None:
    if base in BROKEN:
        pytest.fail(f"the shipped scenario does not validate: {BROKEN[base]}")
    raw = copy.deepcopy(BASES[base])
    for op, path, value in muts:
        mutate(raw, op, path, value)
    try:
        scn = scenario_from_dict(raw, SOURCE)
    except ScenarioError as err:
        event(f"rejected at {err.path.split('.')[0] or 'file'}")
        check_rejection(err, SOURCE)
        return
    check_accepted_runs(scn)


@FAST
@given(muts=mutations("mmc"))
def test_mutated_mmc_is_accepted_and_runs_or_rejected_cleanly(
    muts: list[tuple[str, str, Any]],
) -> None:
    outcome_of_mapping("mmc", muts)


@FAST
@given(muts=mutations("quick"))
def test_mutated_quick_is_accepted_and_runs_or_rejected_cleanly(
    muts: list[tuple[str, str, Any]],
) -> None:
    outcome_of_mapping("quick", muts)


# ----------------------------------------------------------------------------- YAML text

MMC_TEXT = (SCEN / "validation" / "mmc.yaml").read_text(encoding="utf-8")
SHORT_MMC_TEXT = MMC_TEXT.replace(
    "horizon: {start: 2025-07-01, end: 2025-07-28}", "horizon: {start: 2025-07-01, end: 2025-07-02}"
).replace("dossiers_per_working_day: {QN01: 1152}", "dossiers_per_working_day: {QN01: 300}")
"""The M/M/c file cut to two days (checked below, so that accepted edits are really run)."""


def test_short_mmc_text_is_valid_and_small(tmp_path: Path) -> None:
    path = tmp_path / "mmc.yaml"
    path.write_text(SHORT_MMC_TEXT, encoding="utf-8")
    scn = load_scenario(path)
    assert scn.horizon.days == 2
    assert expected_dossiers(scn) < MAX_RUN_DOSSIERS


@st.composite
def text_edits(draw: st.DrawFn) -> bytes:
    """The short M/M/c file with a few characters inserted, deleted or replaced."""
    data = bytearray(SHORT_MMC_TEXT.encode("utf-8"))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        pos = draw(st.integers(min_value=0, max_value=len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(
            st.one_of(
                st.binary(min_size=1, max_size=3),
                st.sampled_from(
                    [
                        b":",
                        b"-",
                        b"{",
                        b"}",
                        b"[",
                        b"]",
                        b"&a",
                        b"*a",
                        b"!!",
                        b"\t",
                        b"\n  ",
                        b"'",
                        b'"',
                        b"#",
                        b"0",
                        b"9",
                        b".",
                        b"e9",
                        b"\xff",
                        b"\xc3",
                    ]
                ),
            )
        )
        if kind == "insert":
            data[pos:pos] = chunk
        elif kind == "delete":
            del data[pos : pos + len(chunk)]
        else:
            data[pos : pos + len(chunk)] = chunk
    return bytes(data)


@FAST
@given(content=text_edits())
def test_edited_yaml_text_is_accepted_and_runs_or_rejected_cleanly(
    content: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("text") / "mmc.yaml"
    path.write_bytes(content)
    try:
        scn = load_scenario(path)
    except ScenarioError as err:
        event("rejected")
        check_rejection(err, str(path))
        return
    check_accepted_runs(scn)


override_texts = st.builds(
    lambda path, sep, value: f"{path}{sep}{value}",
    st.one_of(st.sampled_from(PATHS["mmc"]), st.text(max_size=10)),
    st.sampled_from(["=", "=", "=", "", "==", ":"]),
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            [
                "-1",
                "0",
                ".nan",
                ".inf",
                "1e400",
                "[1",
                "{a: 1}",
                "[]",
                "yes",
                "2025-02-30",
                "{dist: weibull}",
                "null",
                "~",
                "'",
                "&a [*a]",
            ]
        ),
    ),
)


@FAST
@given(overrides=st.lists(override_texts, min_size=1, max_size=2))
def test_random_overrides_are_accepted_and_run_or_rejected_cleanly(
    overrides: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("set") / "mmc.yaml"
    path.write_text(SHORT_MMC_TEXT, encoding="utf-8")
    try:
        scn = load_scenario(path, overrides)
    except ScenarioError as err:
        event("rejected")
        check_rejection(err, str(path))
        return
    check_accepted_runs(scn)


# ----------------------------------------------------------------------------- larger search


@pytest.mark.slow
@LARGE
@given(base=st.sampled_from(sorted(BASES)), data=st.data())
def test_large_random_search(base: str, data: st.DataObject) -> None:
    outcome_of_mapping(base, data.draw(mutations(base)))


@settings(max_examples=1, database=None)
@given(muts=st.just([("set", "calendar", []), ("set", "calendar.office_hours.0", None)]))
def test_mutation_through_a_replaced_parent_is_skipped(
    muts: list[tuple[str, str, Any]],
) -> None:
    """Regression: a mapping replaced by a list earlier must not break later mutations."""
    outcome_of_mapping("mmc", muts)
