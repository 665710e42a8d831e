"""docs/calibration.md is generated from the calibration scenario and the stored results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.caldoc import DOC, SCENARIO, build
from sim.scenario import load_scenario
from sim.targets import PENDING, TARGETS


def test_calibration_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == build(), "run: python -m sim.caldoc"


def test_baseline_calibration_names_its_targets_and_the_waiting_ones() -> None:
    scn = load_scenario(SCENARIO)
    assert scn.calibration is not None
    text = DOC.read_text(encoding="utf-8")
    for name, spec in scn.calibration.targets.items():
        assert name in TARGETS and spec.source and f"`{name}`" in text
    for name in PENDING:
        assert f"`{name}`" in text
    for name in scn.calibration.priors:
        assert f"`{name}`" in text


def test_sections_read_the_stored_results(tmp_path: Path) -> None:
    """Each section reports what its results file holds, and says how to produce it when
    the file is missing."""
    from sim.caldoc import recovery_text, sampler_trials, scaling_text, whatif_text

    assert "Not run yet" in " ".join(whatif_text(tmp_path / "none"))
    assert "Not run" in " ".join(sampler_trials(tmp_path / "none.json"))
    trials = tmp_path / "trials.json"
    trials.write_text(
        json.dumps(
            {
                "training_simulations": 79,
                "seeds": [1],
                "trials": [
                    {
                        "seed": 1,
                        "population": 64,
                        "generations": 3,
                        "kernel_scaling": 3.0,
                        "stand_in_simulations": 450,
                        "ess": [64.0, 41.7, 33.98],
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    text = "\n".join(sampler_trials(trials))
    assert "| 64 | 3 | 3 | 1 | 64.0 → 41.7 → 34.0 |" in text and "79 stored simulations" in text
    assert "Not run yet" in " ".join(recovery_text(tmp_path / "none.json"))
    assert "Not measured yet" in " ".join(scaling_text(tmp_path / "none.json"))

    w = tmp_path / "whatif"
    w.mkdir()
    pd.DataFrame(
        [
            {
                "scenario": "more_staff",
                "metric": "on_time_rate",
                "difference": 0.0021,
                "stochastic_ci95_low": 0.0011,
                "stochastic_ci95_high": 0.0031,
                "total_ci95_low": -0.0009,
                "total_ci95_high": 0.0051,
                "p_improves": 0.75,
            },
            {
                "scenario": "more_staff",
                "metric": "late",
                "difference": -3.0,
                "stochastic_ci95_low": -4.0,
                "stochastic_ci95_high": -2.0,
                "total_ci95_low": -9.0,
                "total_ci95_high": 3.0,
                "p_improves": float("nan"),
            },
        ]
    ).to_csv(w / "posterior_differences.csv", index=False)
    (w / "manifest.json").write_text(
        json.dumps({"result": {"draws": 8, "reps": 2, "notes": ["a note"]}}), encoding="utf-8"
    )
    assert "--fitted scale" not in "\n".join(whatif_text(w))
    (w / "manifest.json").write_text(
        json.dumps({"result": {"draws": 8, "reps": 2, "notes": ["a note"], "fitted": "scale"}}),
        encoding="utf-8",
    )
    text = "\n".join(whatif_text(w))
    assert "scales each draw by its ratio to the baseline's value (`--fitted scale`)" in text
    assert "| `more_staff` | +0.210 | [+0.110, +0.310] | [-0.090, +0.510] | 0.75 |" in text
    assert "8 posterior draws x 2 replications" in text and "a note" in text
    assert text.count("more_staff") == 1  # the on-time rate only

    rec = tmp_path / "recovery.json"
    rec.write_text(
        json.dumps(
            {
                "repeats": 10,
                "population": 20,
                "generations": 3,
                "covered": 19,
                "total": 20,
                "need": 15,
                "wall_seconds": 600.0,
                "kernel_scaling": 3.0,
                "ess_final": [12.5, 20.25],
            }
        ),
        encoding="utf-8",
    )
    assert (
        "**19 times out of 20** (95%), which meets the test's requirement of at least 15"
        in (recovery_text(rec)[0])
    )
    assert "kernel scaling 3; final effective sample size 12.5 – 20.2)" in recovery_text(rec)[0]
    rec.write_text(
        json.dumps(
            {
                "repeats": 10,
                "population": 20,
                "generations": 3,
                "covered": 14,
                "total": 20,
                "need": 15,
                "wall_seconds": 600.0,
                "misses": [
                    {
                        "repeat": 2,
                        "parameter": "p",
                        "truth": 0.41,
                        "ci90": [0.5, 0.9],
                        "prior_position": 0.02,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    text = "\n".join(recovery_text(rec))
    assert "which **does not meet** the test's requirement of at least 15" in text
    assert "| 2 | `p` | 0.41 | 0.5 – 0.9 | 2% of its range |" in text

    sc = tmp_path / "scaling.json"
    sc.write_text(
        json.dumps(
            {
                "scenario": "tiny.yaml",
                "population": 24,
                "generations": 3,
                "runs": [
                    {"workers": 1, "simulations": 100, "wall_seconds": 200.0},
                    {"workers": 2, "simulations": 100, "wall_seconds": 110.0},
                ],
            }
        ),
        encoding="utf-8",
    )
    text = "\n".join(scaling_text(sc))
    assert "| 1 | 100 | 200 | 2.00 | 1.00 |" in text and "| 2 | 100 | 110 | 1.10 | 1.82 |" in text


def test_screening_section_ranks_every_assumption_and_names_the_fixed(tmp_path: Path) -> None:
    from sim.caldoc import screening_text

    assert "Not run" in " ".join(screening_text(tmp_path, [], 32))
    rows = []
    for t in ("t_a", "t_b"):
        for p, mu, matters in (("p1", 3.0, True), ("p2", 1.0, False), ("p3", 2.0, t == "t_b")):
            rows.append({"target": t, "parameter": p, "mu_star": mu, "matters": matters})
    table = pd.DataFrame(rows)
    table["rank"] = table.groupby("target")["mu_star"].rank(ascending=False).astype(int)
    table.to_csv(tmp_path / "screening.csv", index=False)
    res = {
        "parameters": ["p1", "p2", "p3"],
        "targets": ["t_a", "t_b"],
        "trajectories": 3,
        "levels": 4,
        "simulations": 12,
        "noise_reps": 3,
        "wall_seconds": 120.0,
        "noise_factor": 2.0,
        "fixed": ["p2"],
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"result": res}), encoding="utf-8")
    text = "\n".join(screening_text(tmp_path, ["p1"], 48))
    assert "| `p1` (fitted) | 1* | 1* | 1 |" in text
    assert "| `p3` | 2 | 2* | 2 |" in text and "| `p2` | 3 | 3 | 3 |" in text
    assert text.index("`p1`") < text.index("`p3`") < text.index("`p2` |")
    assert "**Fixed at the baseline's values** (2): `p2`, `p3`" in text
    assert "the population of 48 that the budget allows" in text
