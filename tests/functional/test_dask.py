"""The smoke sweep on a real Dask scheduler and worker gives the local numbers, bit for bit.

The ``dask_cluster`` fixture (a real scheduler and worker) lives in ``conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import load_sweep, run_sweep

pytest.importorskip("dask.distributed")

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "sweeps" / "smoke.yaml"


def test_smoke_sweep_on_dask_equals_local(dask_cluster: str, tmp_path: Path) -> None:
    sweep = load_sweep(SMOKE)
    on_dask = run_sweep(sweep, tmp_path / "dask", scheduler=dask_cluster)
    assert on_dask.meta["scheduler"] == dask_cluster and on_dask.meta["workers"] == 1
    local = run_sweep(sweep, tmp_path / "local", workers=1)
    assert on_dask.failed == 0 and local.failed == 0
    a = pd.read_parquet(tmp_path / "dask" / "replications.parquet")
    b = pd.read_parquet(tmp_path / "local" / "replications.parquet")
    assert len(a) == len(sweep.points) * sweep.reps
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(on_dask.points, local.points, check_exact=True)
    for p in sweep.points:  # the per-point files are the same bytes' worth of numbers
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "dask" / "points" / f"{p.id}.parquet"),
            pd.read_parquet(tmp_path / "local" / "points" / f"{p.id}.parquet"),
            check_exact=True,
        )
