"""Parameter recovery (simulation-based calibration), slow tier.

Repeatedly: draw "true" parameters from the priors of the tiny calibration scenario, simulate
the targets once at them (a fresh seed), make those the reported values (tolerances as in the
scenario), fit by ABC-SMC, and check whether each true value lies in its 90% credible interval.
Over all repeats and parameters the intervals must cover the truth at least as often as 90%
implies, allowing for binomial noise (one-sided, 5%). ABC's tolerance makes the posterior
wider than the exact one, so over-coverage is expected and not tested.

Budget: REPEATS fits of population POPULATION over GENERATIONS generations, about
REPEATS x (POPULATION x 8) simulations of about a second: some 30-60 minutes on two cores,
so CI's slow tier leaves it out (marker ``sbc``): run it with ``python -m pytest -m sbc``.
With ``TTHC_SBC_REPORT=FILE`` the coverage is also written to FILE (JSON), which
``python -m sim.caldoc`` puts into docs/calibration.md.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom

from sim.bayes import fit, simulate_targets
from sim.scenario import load_scenario

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "calibration" / "tiny.yaml"
REPEATS = int(os.environ.get("TTHC_SBC_REPEATS", "10"))
POPULATION = int(os.environ.get("TTHC_SBC_POPULATION", "30"))
GENERATIONS = int(os.environ.get("TTHC_SBC_GENERATIONS", "4"))


@pytest.mark.slow
@pytest.mark.sbc
def test_credible_intervals_cover_known_parameters(tmp_path: Path) -> None:
    base = load_scenario(TINY)
    assert base.calibration is not None
    priors = base.calibration.priors
    specs = base.calibration.targets
    covered = 0
    total = 0
    misses = []
    ess_final = []
    t0 = time.perf_counter()
    for k in range(REPEATS):
        rng = np.random.default_rng(np.random.SeedSequence([2026, k]))
        truth = {p: float(rng.uniform(pr.low, pr.high)) for p, pr in priors.items()}
        at_truth = base.with_changes(truth)
        observed = simulate_targets(at_truth, list(specs), seed=10_000 + k, rep=0)
        targets = {}
        for name, spec in specs.items():
            lo, hi = spec.bounds
            half = (hi - lo) / 2
            targets[name] = {"value": observed[name], "tolerance": half}
        scn = base.with_changes({"calibration.targets": targets})
        res = fit(
            scn,
            tmp_path / f"fit{k}",
            seed=k,
            population=POPULATION,
            generations=GENERATIONS,
            ppc_draws=0,
            workers=2,
        )
        ess_final.append(float(res.generations["ess"].iloc[-1]))
        table = res.table.set_index("parameter")
        for p, v in truth.items():
            total += 1
            inside = table.loc[p, "ci90_low"] <= v <= table.loc[p, "ci90_high"]
            covered += int(inside)
            if not inside:
                misses.append((k, p, v, table.loc[p, "ci90_low"], table.loc[p, "ci90_high"]))
    need = int(binom.ppf(0.05, total, 0.9))
    report = os.environ.get("TTHC_SBC_REPORT")
    if report:
        summary = {
            "repeats": REPEATS,
            "population": POPULATION,
            "generations": GENERATIONS,
            "kernel_scaling": base.calibration.abc.kernel_scaling,
            "ess_final": ess_final,
            "covered": covered,
            "total": total,
            "need": need,
            "wall_seconds": time.perf_counter() - t0,
            "misses": [
                {
                    "repeat": k,
                    "parameter": p,
                    "truth": v,
                    "ci90": [float(lo), float(hi)],
                    # where the truth lay in its prior's range (0 = low end, 1 = high end)
                    "prior_position": (v - priors[p].low) / (priors[p].high - priors[p].low),
                }
                for k, p, v, lo, hi in misses
            ],
        }
        Path(report).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    assert covered >= need, f"covered {covered} of {total} (need {need}): {misses}"
