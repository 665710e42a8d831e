"""What-ifs under posterior draws (``compare --posterior``): two intervals per difference."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clitools import tthc

from sim.bayes import Posterior
from sim.scenario import load_scenario
from sim.uncertainty import compare_posterior, intervals

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "calibration" / "tiny.yaml"


def test_total_interval_carries_the_spread_between_draws() -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.01, size=(30, 4))
    flat = intervals(0.05 + noise)  # parameters known: the draws agree
    spread = intervals(rng.normal(0.05, 0.05, size=(30, 1)) + noise)  # they disagree
    for iv in (flat, spread):
        assert iv["stochastic_ci95_low"] < iv["difference"] < iv["stochastic_ci95_high"]
        assert iv["total_ci95_low"] < iv["difference"] < iv["total_ci95_high"]
    width = {k: v["total_ci95_high"] - v["total_ci95_low"] for k, v in (("f", flat), ("s", spread))}
    assert width["s"] > 5 * width["f"]
    s_width = spread["stochastic_ci95_high"] - spread["stochastic_ci95_low"]
    assert width["s"] > 10 * s_width  # stochastic-only ignores the calibration spread


def _posterior(path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "staffing.availability": [0.5, 0.7, 0.9],
            "demand.per_1000_residents_per_working_day": [3.0, 3.5, 4.0],
            "weight": [0.2, 0.3, 0.5],
        }
    )
    frame.to_parquet(path)
    return path


def test_compare_under_posterior_draws(tmp_path: Path) -> None:
    post_file = _posterior(tmp_path / "posterior.parquet")
    more = tmp_path / "more.yaml"
    more.write_text(
        f"extends: {TINY}\nname: more_justice\nstaffing:\n  units:\n    QN21: {{justice: 9}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    args = [str(TINY), str(more), "--posterior", str(post_file), "--draws", "2", "--reps", "2"]
    r = tthc("compare", *args, "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    obj = json.loads(r.stdout)
    d = pd.read_csv(out / "posterior_differences.csv").set_index("metric")
    row = d.loc["on_time_rate"]
    assert row["total_ci95_low"] <= row["difference"] <= row["total_ci95_high"]
    assert row["stochastic_ci95_low"] <= row["difference"] <= row["stochastic_ci95_high"]
    assert 0.0 <= row["p_improves"] <= 1.0
    runs = pd.read_parquet(out / "posterior_runs.parquet")
    assert len(runs) == 2 * 2 * 2
    # common random numbers within a draw: both scenarios see the same arrivals
    assert obj["draws"] == 2 and (out / "posterior_comparison.png").is_file()
    json.loads((out / "manifest.json").read_text("utf-8"), parse_constant=lambda c: 1 / 0)


def test_a_whatif_that_sets_a_calibrated_parameter_keeps_its_value(tmp_path: Path) -> None:
    post = Posterior(pd.DataFrame({"staffing.availability": [0.5, 0.9], "weight": [0.5, 0.5]}))
    ref = load_scenario(TINY)
    fixed = ref.with_changes({"staffing.availability": 1.0})
    cmp = compare_posterior([ref, fixed], post, draws=2, reps=2, workers=1)
    assert any("sets staffing.availability itself" in n for n in cmp.notes)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--draws", "3"], "--draws needs --posterior"),
        (["--posterior", "nosuch.parquet"], "--posterior"),
    ],
)
def test_compare_posterior_bad_input(tmp_path: Path, extra: list[str], message: str) -> None:
    r = tthc("compare", str(TINY), str(TINY), *extra)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and message in r.stderr


def test_posterior_parameter_missing_from_a_scenario(tmp_path: Path) -> None:
    p = tmp_path / "post.parquet"
    pd.DataFrame({"staffing.nosuch": [1.0, 2.0], "weight": [0.5, 0.5]}).to_parquet(p)
    r = tthc("compare", str(TINY), str(TINY), "--posterior", str(p), "--draws", "2")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "staffing.nosuch" in r.stderr


def test_sweep_with_a_posterior_section(tmp_path: Path) -> None:
    post_file = _posterior(tmp_path / "posterior.parquet")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"name: post\nbase: {TINY}\nfactors:\n  staffing.multiplier.justice: [0.5]\n"
        f"reps: 2\nseed: 3\nposterior: {{file: {post_file.name}, draws: 2}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    r = tthc("sweep", str(sweep), "--workers", "1", "--out", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    d = pd.read_csv(out / "posterior_differences.csv")
    row = d[d["metric"] == "on_time_rate"].iloc[0]
    assert row["scenario"] != "base" and row["draws"] == 2
    assert row["total_ci95_low"] <= row["difference"] <= row["total_ci95_high"]
    assert "P(improves)" in r.stdout
    sweep.write_text(sweep.read_text("utf-8").replace(post_file.name, "missing.parquet"))
    r = tthc("sweep", str(sweep), "--workers", "1", "--out", str(tmp_path / "o2"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "posterior.file" in r.stderr
