"""The horizon is inclusive: a step that ends exactly at its end counts; none starts then.

SimPy's ``run(until=T)`` leaves the events at ``T`` unprocessed, which lost the dossier whose
last step ends exactly at the end of the horizon. The deterministic scenarios below put a
completion exactly there (``data/det.yaml``: one officer, 10-minute receptions, a queue from
the first minute: receptions end at 10, 20, ..., 2250 = the 5 working days x 450 minutes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model import build_layout, horizon_calendar, simulate
from sim.scenario import load_scenario

DET = Path(__file__).resolve().parent / "data" / "det.yaml"


def _records(changes: dict | None = None):
    scn = load_scenario(DET)
    if changes:
        scn = scn.with_changes(changes)
    out = simulate(scn, 0, None, build_layout(scn), horizon_calendar(scn))
    return out, out.records.arrays()


def test_reception_ending_at_horizon_end_is_resolved():
    out, r = _records()
    assert out.horizon_end == 5 * 450
    resolved = r["resolved"][~np.isnan(r["resolved"])]
    assert len(resolved) == 225  # SimPy's run(until=T) alone resolves 224
    assert resolved.max() == out.horizon_end


@pytest.fixture(scope="module")
def two_steps():
    """Reception (5 min, one officer) then processing (5 min, one officer) at the unit."""
    return _records(
        {
            "procedures.p.reception_minutes": {"dist": "deterministic", "value": 5},
            "procedures.p.processing_minutes": {"dist": "deterministic", "value": 5},
            "procedures.p.role": "justice",
            "staffing.by_unit_type.phường": {"reception": 1, "justice": 1},
        }
    )


def test_processing_ending_at_horizon_end_is_resolved(two_steps):
    out, r = two_steps
    T = out.horizon_end
    assert np.nanmax(r["resolved"]) == T
    # receptions end at 5, 10, ..., T; each is processed in the next 5 minutes, so every
    # received dossier but the last (received at T) is resolved by T
    assert np.sum(r["reception_end"] <= T) == T / 5
    assert np.sum(~np.isnan(r["resolved"])) == T / 5 - 1


def test_no_work_starts_at_horizon_end(two_steps):
    out, r = two_steps
    T = out.horizon_end
    for col in ("reception_start", "processing_start"):
        assert not np.any(r[col] >= T), col
    # the dossier received exactly at T waits for processing: it is in the line at the end
    pools = out.pools.set_index("kind")
    assert pools.loc["justice", "queue_at_end"] >= 1
    assert pools.loc["justice", "served"] == T / 5 - 1
