"""ABC-SMC calibration (sim.bayes) end to end on a tiny scenario with a tiny budget.

One uninterrupted in-process fit is the reference; the same fit killed and resumed through
the command line (local worker processes), and the same fit on a real Dask cluster, must
leave the same posterior, bit for bit. Bad calibration sections are refused with one line
naming the field.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from clitools import kill_when, tthc

from sim.bayes import fit, load_posterior, write_fit
from sim.scenario import ScenarioError, load_scenario
from sim.targets import PENDING, TARGETS

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "calibration" / "tiny.yaml"
BUDGET = ["--population", "4", "--generations", "2", "--ppc", "2"]


def _strict_json(path: Path) -> Any:
    def refuse(token: str) -> None:
        raise AssertionError(f"{path}: {token} in JSON")

    return json.loads(path.read_text("utf-8"), parse_constant=refuse)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """An uninterrupted fit in this process."""
    out = tmp_path_factory.mktemp("abc_reference")
    scn = load_scenario(TINY)
    res = fit(scn, out, population=4, generations=2, ppc_draws=2, workers=1)
    write_fit(res, scn)
    return out, res


def test_fit_writes_a_posterior_with_its_checks(reference: tuple[Path, Any]) -> None:
    out, res = reference
    for name in (
        "abc.db",
        "posterior.parquet",
        "posterior_table.csv",
        "generations.csv",
        "ppc.parquet",
        "ppc_table.csv",
        "posterior_pairs.png",
        "ppc.png",
        "manifest.json",
    ):
        assert (out / name).is_file(), name
    scn = load_scenario(TINY)
    assert scn.calibration is not None
    post = load_posterior(out / "posterior.parquet")
    assert len(post.particles) == 4
    assert post.weights.sum() == pytest.approx(1.0)
    for p, prior in scn.calibration.priors.items():
        assert post.particles[p].between(prior.low, prior.high).all()
    table = res.table.set_index("parameter")
    assert (table["ci90_low"] <= table["median"]).all()
    assert (table["median"] <= table["ci90_high"]).all()
    gens = pd.read_csv(out / "generations.csv")
    assert list(gens["generation"]) == [0, 1]
    assert gens["epsilon"].is_monotonic_decreasing  # ABC-SMC tightens the threshold
    ppc = pd.read_csv(out / "ppc_table.csv")
    assert list(ppc["target"]) == list(scn.calibration.targets)
    assert ppc["share_in_range"].between(0, 1).all()
    man = _strict_json(out / "manifest.json")
    assert man["kind"] == "calibrate-abc"
    assert man["result"]["simulations"] == res.simulations > 8


def test_killed_calibration_resumes_to_the_same_posterior(
    reference: tuple[Path, Any], tmp_path: Path
) -> None:
    """Killed during generation 2 of 2, the command resumes from the SQLite history and ends
    with the uninterrupted fit's posterior (and runs on 2 local worker processes)."""
    out = tmp_path / "fit"
    args = ["calibrate", str(TINY), "--out", str(out), "--workers", "2", *BUDGET]
    err = tmp_path / "stderr.txt"
    status = kill_when(args, lambda: "generation 2/2: sampling" in err.read_text(), err)
    assert status < 0
    assert not (out / "manifest.json").exists() and not (out / "posterior.parquet").exists()
    done = tthc(*args, "--json")
    assert done.returncode == 0, done.stderr
    assert "resuming from the history" in done.stderr and "generation 2" in done.stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "posterior.parquet"),
        pd.read_parquet(reference[0] / "posterior.parquet"),
        check_exact=True,
    )
    obj = json.loads(done.stdout)
    assert obj["resumed_from_generation"] == 1


def test_dask_cluster_gives_the_same_posterior(
    reference: tuple[Path, Any], dask_cluster: str, tmp_path: Path
) -> None:
    scn = load_scenario(TINY)
    res = fit(scn, tmp_path, population=4, generations=2, ppc_draws=0, scheduler=dask_cluster)
    assert res.meta["scheduler"] == dask_cluster
    pd.testing.assert_frame_equal(
        res.posterior.particles, reference[1].posterior.particles, check_exact=True
    )


def test_a_different_seed_gives_a_different_posterior(
    reference: tuple[Path, Any], tmp_path: Path
) -> None:
    """The equality above is not vacuous: the particles do depend on the seed."""
    scn = load_scenario(TINY)
    res = fit(scn, tmp_path, seed=12, population=4, generations=1, ppc_draws=0)
    ref = reference[1].posterior.particles
    assert not np.array_equal(
        res.posterior.particles["staffing.availability"], ref["staffing.availability"]
    )


def test_a_folder_of_another_calibration_is_refused(
    reference: tuple[Path, Any], tmp_path: Path
) -> None:
    import shutil

    out = tmp_path / "other"
    shutil.copytree(reference[0], out)
    r = tthc("calibrate", str(TINY), "--out", str(out), "--seed", "99", *BUDGET)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "different calibration" in r.stderr


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(f"extends: {TINY}\n{body}", encoding="utf-8")
    return p


BAD = [
    (
        "calibration:\n  priors:\n    staffing.availability: {low: 0.5, high: 1.2}\n",
        "calibration.priors.staffing.availability",
        "outside the parameter's valid range",
    ),
    (
        "uncertain:\n  staffing.nosuch: {low: 0.5, high: 0.9}\n",
        "uncertain.staffing.nosuch",
        "no parameter",
    ),
    (
        "calibration:\n  priors:\n    staffing.availability.x: {low: 0.5, high: 0.9}\n",
        "calibration.priors.staffing.availability.x",
        "no parameter",
    ),
    (
        "calibration:\n  targets:\n    on_time: {value: 0.9, tolerance: 0.01}\n",
        "calibration.targets",
        "unknown target metric",
    ),
    (
        "calibration:\n  targets:\n    province_volume: {value: 2000, tolerance: 0}\n",
        "calibration.targets.province_volume.tolerance",
        "greater than 0",
    ),
    (
        "calibration:\n  targets:\n    province_volume: {value: 2000, tolerance: -5}\n",
        "calibration.targets.province_volume.tolerance",
        "greater than 0",
    ),
    (
        "calibration:\n  targets:\n    province_volume: {range: [3000, 2000]}\n",
        "calibration.targets.province_volume",
        "low < high",
    ),
    (
        "calibration:\n  priors:\n    staffing.availability: {low: 0.9, high: 0.5}\n",
        "calibration.priors.staffing.availability",
        "low < high",
    ),
    (
        "calibration:\n  abc: {kernel_scaling: 0}\n",
        "calibration.abc.kernel_scaling",
        "greater than 0",
    ),
    (
        "calibration:\n  abc: {min_acceptance_rate: 1.5}\n",
        "calibration.abc.min_acceptance_rate",
        "less than or equal to 1",
    ),
    (
        "uncertain:\n  name: {low: 0.5, high: 0.9}\n",
        "uncertain.name",
        "not a number",
    ),
]


@pytest.mark.parametrize(("body", "field", "message"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_calibration_sections_name_the_field(
    tmp_path: Path, body: str, field: str, message: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, body))
    assert info.value.path == field
    assert message in info.value.message


def test_bad_calibration_section_on_the_command_line(tmp_path: Path) -> None:
    bad = _write(tmp_path, BAD[0][0])
    r = tthc("calibrate", str(bad), "--out", str(tmp_path / "o"), *BUDGET)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1
    assert "calibration.priors.staffing.availability" in r.stderr and str(bad) in r.stderr


def test_a_target_waiting_for_the_model_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PENDING, "future_share", "waits for a mechanism")
    with pytest.raises(ScenarioError) as info:
        load_scenario(
            _write(tmp_path, "calibration:\n  targets:\n    future_share: {range: [0, 1]}\n")
        )
    assert info.value.path == "calibration.targets"
    assert "not computable by today's model (waits for a mechanism)" in info.value.message


def test_a_new_target_is_a_registered_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim import targets
    from sim.bayes import simulate_targets

    monkeypatch.setattr(targets, "TARGETS", dict(targets.TARGETS))
    monkeypatch.setitem(PENDING, "online_share_target", "waits")

    @targets.register("online_share_target", "share of online dossiers")
    def online(tables: Any, scn: Any) -> float:
        return float(tables.kpis["online_share"].iloc[0])

    assert "online_share_target" not in PENDING  # registering it ends the wait
    body = "calibration:\n  targets:\n    online_share_target: {value: 0.6, tolerance: 0.1}\n"
    scn = load_scenario(_write(tmp_path, body))
    x = simulate_targets(scn, ["online_share_target"], seed=1)
    assert 0.3 < x["online_share_target"] < 0.9
    with pytest.raises(ValueError, match="already registered"):
        targets.register("online_share_target", "again")(online)


def test_registry_lists_what_waits_for_the_model() -> None:
    assert set(PENDING).isdisjoint(TARGETS)
    for name in (
        "recorded_on_time_rate",
        "province_volume",
        "hong_gai_july_volume",
        "hong_gai_july_vertical_share",
        "july_september_late_ratio",
        "open_at_end_share",
        "land_late_share",
        "land_change_on_time_rate",
        "late_system_or_sync_share",
        "late_waiting_supplement_or_payment_share",
        "slow_to_receive_share",
    ):
        assert name in TARGETS


def test_options_of_the_other_method_are_refused(tmp_path: Path) -> None:
    r = tthc("calibrate", str(TINY), "--method", "abc", "--grid", "5")
    assert r.returncode == 2 and "--grid does not apply to --method abc" in r.stderr
    r = tthc("calibrate", str(TINY), "--method", "bisect", "--population", "5")
    assert r.returncode == 2 and "--population does not apply to --method bisect" in r.stderr


def test_scaled_deviation_is_one_at_the_edge_of_the_range() -> None:
    scn = load_scenario(TINY)
    assert scn.calibration is not None
    spec = scn.calibration.targets["open_at_end_share"]
    assert spec.scaled(0.2) == pytest.approx(1.0) and spec.scaled(0.0) == pytest.approx(1.0)
    assert spec.scaled(0.1) == 0.0
    vol = scn.calibration.targets["province_volume"]
    assert vol.scaled(2300) == pytest.approx(1.5) and math.isfinite(vol.scaled(0))


# ----------------------------------------------------------------------------- shipping


def _shippable(tmp_path: Path) -> Path:
    """A scenario file of its own (extending the tiny one) whose values carry sources."""
    f = tmp_path / "scenarios" / "mine.yaml"
    f.parent.mkdir(parents=True)
    f.write_text(
        f"extends: {TINY.as_posix()}\n"
        "name: mine\n"
        "staffing:\n"
        "  availability: 0.7   # assumption: a source\n"
        "  # a comment line that must stay\n"
        "demand:\n"
        "  per_1000_residents_per_working_day: 3.0\n",
        encoding="utf-8",
    )
    return f


def test_ship_writes_the_posterior_medians_and_the_posterior_beside(tmp_path: Path) -> None:
    from sim.bayes import Posterior, ship

    post = Posterior(
        pd.DataFrame(
            {
                "staffing.availability": [0.5, 0.6, 0.9],
                "demand.per_1000_residents_per_working_day": [2.6, 3.9, 4.1],
                "weight": [0.2, 0.5, 0.3],
            }
        )
    )
    f = _shippable(tmp_path)
    dest = ship(post, f)
    assert dest == f.parent / "posterior" / "mine.parquet"
    scn = load_scenario(f)
    # weighted medians: the middle particle carries the 50% point of both parameters
    assert scn.staffing.availability == pytest.approx(post.quantile("staffing.availability", 0.5))
    assert scn.demand.per_1000_residents_per_working_day == pytest.approx(
        post.quantile("demand.per_1000_residents_per_working_day", 0.5)
    )
    text = f.read_text("utf-8")
    assert "calibrated: posterior median, 90% credible interval" in text
    assert "; assumption: a source" in text and "# a comment line that must stay" in text
    shipped = load_posterior(dest)
    pd.testing.assert_frame_equal(shipped.particles, post.particles)
    # shipping again replaces the calibrated part, keeps the source once
    ship(post, f)
    line = next(ln for ln in f.read_text("utf-8").splitlines() if "availability:" in ln)
    assert line.count("calibrated:") == 1 and line.count("assumption: a source") == 1


def test_ship_target_without_a_prior_parameter_is_refused_before_the_fit(tmp_path: Path) -> None:
    mmc = TINY.parents[1] / "validation" / "mmc.yaml"  # one desk: no Hồng Gai attraction
    fitted = tmp_path / "fitted.yaml"
    fitted.write_text(
        f"extends: {TINY.as_posix()}\nname: fitted\n"
        "calibration:\n  priors:\n    demand.attraction.QN21: {dist: uniform, low: 8, high: 20}\n",
        encoding="utf-8",
    )
    out = tmp_path / "fit"
    r = tthc("calibrate", str(fitted), "--ship", str(mmc), "--out", str(out), *BUDGET)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "demand.attraction.QN21" in r.stderr and str(mmc) in r.stderr
    assert not (out / "abc.db").exists()
    r = tthc("calibrate", str(TINY), "--method", "bisect", "--ship", str(fitted))
    assert r.returncode == 2 and "--ship" in r.stderr


def test_degenerate_weights_are_reported() -> None:
    from sim.bayes import degeneracy_note

    assert degeneracy_note(1.4, 32) is not None and "1.4 of 32" in str(degeneracy_note(1.4, 32))
    assert degeneracy_note(9.9, 32) is not None  # below a quarter of the population
    assert degeneracy_note(12.0, 32) is None and degeneracy_note(10.0, 20) is None
    assert degeneracy_note(9.0, 20) is not None  # below 10 whatever the population
    assert degeneracy_note(float("nan"), 32) is None


def test_fit_reports_the_effective_sample_size_per_generation(reference: tuple[Path, Any]) -> None:
    _, res = reference
    ess = res.generations["ess"]
    assert (
        len(ess) == len(res.generations)
        and ((ess >= 1.0) & (ess <= res.posterior.meta["population"] + 1e-9)).all()
    )
    w = res.posterior.weights
    assert ess.iloc[-1] == pytest.approx(1.0 / float(np.sum(w**2)))


def test_a_low_acceptance_rate_ends_the_fit(tmp_path: Path) -> None:
    """``calibration.abc.min_acceptance_rate`` is applied: with a minimum of 1 the fit ends
    after the first generation that rejected a proposal, long before its fourth."""
    scn = load_scenario(TINY).with_changes({"calibration.abc.min_acceptance_rate": 1.0})
    res = fit(scn, tmp_path, population=4, generations=4, ppc_draws=0)
    rates = res.generations["acceptance_rate"]
    assert len(rates) < 4
    assert rates.iloc[-1] < 1.0 and (rates.iloc[:-1] == 1.0).all()
    assert res.meta["min_acceptance_rate"] == 1.0


def test_the_kernel_width_reaches_pyabc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``calibration.abc.kernel_scaling`` scales pyabc's perturbation kernel, and a wider
    kernel proposes particles farther from the last generation's."""
    import pyabc

    from sim import bayes

    made: list[float] = []

    def spy(scaling: float) -> Any:
        made.append(scaling)
        return pyabc.MultivariateNormalTransition(scaling=scaling)

    monkeypatch.setattr(bayes, "transition", spy)
    scn = load_scenario(TINY).with_changes({"calibration.abc.kernel_scaling": 2.5})
    res = fit(scn, tmp_path, population=4, generations=2, ppc_draws=0)
    assert made and set(made) == {2.5}
    assert res.meta["kernel_scaling"] == 2.5

    rng = np.random.default_rng(7)
    pts = pd.DataFrame({"a": rng.normal(0, 1, 40), "b": rng.normal(0, 1, 40)})
    w = np.full(40, 1 / 40)
    spread = []
    for scaling in (1.0, 3.0):
        k = bayes.transition(scaling)
        k.fit(pts, w)
        spread.append(float(k.rvs(size=400).std().mean()))
    assert spread[1] > 1.2 * spread[0]
