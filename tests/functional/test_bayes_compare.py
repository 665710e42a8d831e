"""What-ifs under posterior draws (``compare --posterior``): two intervals per difference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def _record_tasks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replace the replication by a recorder of the tasks (in-process executor)."""
    from sim import uncertainty

    seen: list[Any] = []

    def fake(task: Any) -> dict[str, float]:
        seen.append(task)
        return {m: 0.5 for m in uncertainty.POSTERIOR_KPIS}

    monkeypatch.setattr(uncertainty, "run_draw_task", fake)
    return seen


def _values_of(seen: list[Any], availability_set: float) -> set[float | None]:
    return {
        t.values.get("staffing.availability")
        for t in seen
        if t.base["staffing"]["availability"] == availability_set
    }


def _availability_case(draws: list[float], reference: float) -> tuple[Posterior, Any]:
    """A posterior of ``staffing.availability`` (equal weights) and the tiny scenario at
    ``reference``."""
    post = Posterior(
        pd.DataFrame({"staffing.availability": draws, "weight": [1 / len(draws)] * len(draws)})
    )
    return post, load_scenario(TINY).with_changes({"staffing.availability": reference})


def test_a_whatif_that_sets_a_calibrated_parameter_keeps_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _record_tasks(monkeypatch)
    post, ref = _availability_case([0.5, 0.9], 0.8)
    fixed = ref.with_changes({"staffing.availability": 1.0})
    cmp = compare_posterior([ref, fixed], post, draws=2, reps=2, workers=1)
    assert any("sets staffing.availability itself (1)" in n for n in cmp.notes)
    assert _values_of(seen, 1.0) == {None}  # the what-if's own 1.0 in every draw
    assert _values_of(seen, 0.8) <= {0.5, 0.9} and len(seen) == 8


def test_a_relative_whatif_scales_every_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    """``fitted="scale"``: a what-if at half the reference's value halves each draw."""
    seen = _record_tasks(monkeypatch)
    post, ref = _availability_case([0.5, 0.9], 0.8)
    half = ref.with_changes({"staffing.availability": 0.4})
    cmp = compare_posterior([ref, half], post, draws=2, reps=2, workers=1, fitted="scale")
    drawn = _values_of(seen, 0.8)
    assert drawn <= {0.5, 0.9}
    assert _values_of(seen, 0.4) == {v / 2 for v in drawn}  # type: ignore[operator]
    assert any("0.5 x the reference's 0.8" in n for n in cmp.notes)
    assert cmp.meta["fitted"] == "scale"


def test_a_scaled_draw_outside_the_valid_range_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sim.scenario import ScenarioError

    seen = _record_tasks(monkeypatch)
    post, ref = _availability_case([0.95, 0.95], 0.5)
    more = ref.with_changes({"staffing.availability": 1.0})  # 2 x 0.95 > 1
    with pytest.raises(ScenarioError) as info:
        compare_posterior([ref, more], post, draws=2, reps=2, workers=1, fitted="scale")
    assert info.value.path == "staffing.availability"
    assert "posterior draw 1, scaled by the what-if's ratio" in info.value.message
    assert seen == []  # refused before any replication
    with pytest.raises(ValueError, match="fitted: 'ratio' is not one of keep, scale"):
        compare_posterior([ref, more], post, draws=2, reps=2, fitted="ratio")


def test_a_reference_value_of_zero_is_kept_not_scaled(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _record_tasks(monkeypatch)
    p = "demand.phi_dia_gioi_share"
    post = Posterior(pd.DataFrame({p: [0.02, 0.04], "weight": [0.5, 0.5]}))
    ref = load_scenario(TINY).with_changes({p: 0.0})
    some = ref.with_changes({p: 0.1})
    cmp = compare_posterior([ref, some], post, draws=2, reps=2, workers=1, fitted="scale")
    assert any("a reference value of 0 cannot be scaled" in n for n in cmp.notes)
    assert {t.values.get(p) for t in seen if t.base["demand"]["phi_dia_gioi_share"] == 0.1} == {
        None
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--draws", "3"], "--draws needs --posterior"),
        (["--fitted", "scale"], "--fitted needs --posterior"),
        (["--posterior", "nosuch.parquet"], "--posterior"),
    ],
)
def test_compare_posterior_bad_input(tmp_path: Path, extra: list[str], message: str) -> None:
    r = tthc("compare", str(TINY), str(TINY), *extra)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and message in r.stderr


def test_an_unknown_fitted_choice_is_an_argument_error() -> None:
    r = tthc("compare", str(TINY), str(TINY), "--posterior", "p.parquet", "--fitted", "ratio")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines()[-1].startswith("error: argument --fitted: invalid choice")


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


def test_a_posterior_sweep_passes_its_fitted_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim import uncertainty

    post_file = _posterior(tmp_path / "posterior.parquet")
    sweep = tmp_path / "sweep.yaml"
    body = (
        f"name: post\nbase: {TINY}\nfactors:\n  staffing.availability: [0.45]\n"
        f"reps: 2\nseed: 3\nposterior: {{file: {post_file.name}, draws: 2, fitted: scale}}\n"
    )
    sweep.write_text(body, encoding="utf-8")
    got: dict[str, Any] = {}

    def spy(scenarios: Any, post: Any, **kw: Any) -> Any:
        got.update(kw)
        raise RuntimeError("stop here")

    monkeypatch.setattr(uncertainty, "compare_posterior", spy)
    with pytest.raises(RuntimeError, match="stop here"):
        uncertainty.run_sweep_posterior(sweep)
    assert got["fitted"] == "scale"
    sweep.write_text(body.replace("fitted: scale", "fitted: ratio"), encoding="utf-8")
    r = tthc("sweep", str(sweep), "--workers", "1", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "posterior.fitted" in r.stderr
