"""Replications, units, procedures and months without dossiers: every table and file correct."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clitools import tthc
from outputs_cases import copy_cases

import sim
from sim.outputs import ParquetSink


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    return copy_cases(tmp_path_factory.mktemp("cases"))


def test_parquet_sink_survives_an_empty_first_batch(tmp_path):
    empty = pd.DataFrame(
        {
            "month": pd.Categorical.from_codes([], categories=[]),
            "note": pd.Series([], dtype=object),
            "x": np.array([], dtype=float),
        }
    )
    full = pd.DataFrame(
        {
            "month": pd.Categorical(["2025-08", None, "2025-09"]),
            "note": ["a", None, "c"],
            "x": [1.0, 2.0, 3.0],
        }
    )
    many = pd.DataFrame(  # more categories than int8 codes hold
        {
            "month": pd.Categorical([f"c{i}" for i in range(300)]),
            "note": ["z"] * 300,
            "x": np.zeros(300),
        }
    )
    sink = ParquetSink(tmp_path / "d.parquet")
    for frame in (empty, full, empty, many):
        sink.write(frame)
    sink.close()
    back = pd.read_parquet(tmp_path / "d.parquet")
    assert sink.rows == len(back) == 303
    assert back["month"].astype(object).iloc[:3].tolist()[::2] == ["2025-08", "2025-09"]
    assert back["note"].iloc[[0, 2]].tolist() == ["a", "c"] and back["note"].isna().sum() == 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_run_out_when_the_first_replication_resolves_nothing(cases, tmp_path):
    out = tmp_path / "D"
    p = tthc("run", str(cases / "oneday.yaml"), "--reps", "3", "--out", str(out), "--no-progress")
    assert p.returncode == 0, p.stderr
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    reps = pd.read_csv(out / "replications.csv")
    assert len(reps) == 3
    ds = pd.read_parquet(out / "dossiers.parquet")
    assert len(ds) == int(reps["arrived"].sum()) == man["headline"]["dossiers_arrived"]
    # the unit's rows of the replications without dossiers are kept: means over all three
    ubr = pd.read_csv(out / "units_by_rep.csv")
    assert sorted(ubr["rep"]) == [0, 1, 2]
    units = pd.read_csv(out / "units.csv")
    assert units["arrived"].iloc[0] == pytest.approx(reps["arrived"].mean())
    months = pd.read_csv(out / "months.csv")
    assert months["resolved"].sum() == pytest.approx(reps["resolved"].mean())


def test_empty_unit_procedure_channel_and_month_keep_their_rows(cases):
    scn = sim.load_scenario(cases / "zero.yaml")
    res = sim.run(scn, reps=3, seed=1)
    reps = res.replications
    # every replication has a row for every unit, procedure, channel and horizon month
    for name, key, levels in (
        ("units", "code", {"QN09", "QN21"}),
        ("procedures", "procedure", {"p", "q"}),
        ("channels", "channel", {"in_person", "online", "post"}),
        ("months", "month", {"2025-08", "2025-09"}),
    ):
        frame = getattr(res, name)
        assert len(frame) == 3 * len(levels), name
        assert set(frame[key].astype(str)) == levels, name
    units = res.unit_table().set_index("code")
    assert units.loc["QN21", "arrived"] == 0.0
    assert np.isnan(units.loc["QN21", "on_time_rate"])  # undefined, not 0
    assert units.loc["QN09", "arrived"] == pytest.approx(reps["arrived"].mean())
    for name, key, empty in (
        ("procedures", "procedure", "q"),
        ("channels", "channel", "online"),
        ("months", "month", "2025-08"),
    ):
        t = res.group_table(name).set_index(key)
        assert t["resolved"].sum() == pytest.approx(reps["resolved"].mean()), name
        assert t.loc[empty, "resolved"] == 0.0, name
        assert np.isnan(t.loc[empty, "on_time_rate"]), name
    assert res.group_table("months")[["on_time_rate"]].notna().sum().item() == 1
