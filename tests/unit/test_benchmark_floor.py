"""The bare SimPy floor of benchmarks/ runs and counts what it claims (no timing asserted)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def floor_module() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import floor

        yield floor
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_floor_capacities_follow_the_offered_load(floor_module: Any) -> None:
    spec = floor_module.FloorSpec(
        n_dossiers=9000,
        horizon_minutes=4500.0,
        unit_weights=(1.0, 2.0),
        mean_minutes=(5.0, 20.0, 1.0),
        utilisation=0.5,
    )
    caps = spec.capacities()
    # unit 0 gets 3000 dossiers over 4500 minutes: 2/3 per minute x 20 minutes / 0.5 = 27 (ceil)
    assert caps.shape == (2, 3)
    assert caps[0, 1] == 27
    assert caps[1, 1] == 54
    assert (caps >= 1).all()


def test_floor_runs_every_dossier_through_three_stages(floor_module: Any) -> None:
    spec = floor_module.FloorSpec(
        n_dossiers=3000,
        horizon_minutes=10_000.0,
        unit_weights=tuple([1.0] * 54),
        mean_minutes=(6.0, 20.0, 3.0),
    )
    res = floor_module.run_floor(spec)
    assert res.dossiers == 3000
    # light load: nearly all finish before the horizon
    assert 0.95 * res.dossiers <= res.completed <= res.dossiers
    # request, grant (an event even when free), service and release for 3 stages, plus the
    # process's start and end, and the source's timeouts: about 12 events a dossier
    assert 10 * res.dossiers <= res.events <= 13 * res.dossiers
    assert res.mean_lead_minutes > 20.0  # three stages of about 29 minutes of work in all
