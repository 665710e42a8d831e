"""Trials of the ABC-SMC sampler's settings on a cheap stand-in of the baseline.

A baseline simulation costs about 7-10 s of wall time on two cores, so the sampler's settings
(population, perturbation kernel width) cannot be tried on the model itself within a
session. This script tries them on a stand-in: each calibration target is a quadratic
function of the fitted parameters (logarithm for log-uniform priors), least-squares fitted to
the stored simulations of the baseline (the screening's runs and the posterior predictive
draws in ``docs/calibration_abc``), plus normal noise with the residual standard deviation.
pyabc then runs the baseline's priors, targets and distance on it, with several settings
and seeds, and the effective sample size of every generation is printed and written to a
JSON file that ``python -m sim.caldoc`` quotes::

    python benchmarks/abc_sampler_trials.py                     # about 1.5 min on one core
    python benchmarks/abc_sampler_trials.py --out docs/calibration_abc/sampler_trials.json

The stand-in only ranks settings by how even their importance weights stay; it is not used
for inference, and its acceptance rates are not the model's.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = [(32, 5, 1.0), (64, 3, 1.0), (64, 3, 2.0), (64, 3, 3.0)]
"""(population, generations, kernel scaling) tried; (32, 5, 1.0) was the first stored fit's."""


def training_data(folder: Path, parameters: list[str], targets: list[str]) -> pd.DataFrame:
    """Parameter values and simulated targets stored by the screening and the predictive check."""
    frames = [pd.read_csv(folder / "screen" / "runs.csv")]
    if (folder / "ppc.parquet").exists():
        frames.append(pd.read_parquet(folder / "ppc.parquet"))
    data = pd.concat([f[[c for c in parameters + targets if c in f]] for f in frames])
    return data.dropna(subset=parameters).reset_index(drop=True)


class StandIn:
    """Quadratic response surface of each target, with normal noise of the residual sd."""

    def __init__(self, data: pd.DataFrame, priors: dict[str, Any], targets: list[str]):
        self.priors, self.targets = priors, targets
        self.parameters = sorted(priors)
        x = self._design(data)
        self.coef: dict[str, np.ndarray] = {}
        self.sd: dict[str, float] = {}
        for t in targets:
            y = data[t].to_numpy(float)
            ok = np.isfinite(y)
            c, *_ = np.linalg.lstsq(x[ok], y[ok], rcond=None)
            self.coef[t], self.sd[t] = c, float(np.std(y[ok] - x[ok] @ c))
        self.rng = np.random.default_rng(0)

    def _design(self, values: Any) -> np.ndarray:
        cols = []
        for p in self.parameters:
            v = np.asarray(values[p], float)
            cols.append(np.log(v) if self.priors[p].dist == "loguniform" else v)
        f = np.column_stack(cols)
        return np.column_stack([np.ones(len(f)), f, f**2])

    def __call__(self, pars: dict[str, float]) -> dict[str, float]:
        row = self._design({p: [pars[p]] for p in self.parameters})[0]
        return {t: float(row @ self.coef[t] + self.rng.normal(0, self.sd[t])) for t in self.targets}


def trial(model: StandIn, priors: dict[str, Any], specs: dict[str, Any], setting: tuple) -> dict:
    import pyabc

    from sim.bayes import ScaledDistance, effective_sample_size, pyabc_prior, transition

    population, generations, scaling = setting
    abc = pyabc.ABCSMC(
        model,
        pyabc_prior(priors),
        ScaledDistance(specs),
        population_size=population,
        transitions=transition(scaling),
        sampler=pyabc.sampler.SingleCoreSampler(),
    )
    abc.new("sqlite://", {n: s.centre for n, s in specs.items()})
    h = abc.run(max_nr_populations=generations)
    pops = h.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return {
        "population": population,
        "generations": generations,
        "kernel_scaling": scaling,
        "stand_in_simulations": int(pops["samples"].sum()),
        "ess": [round(effective_sample_size(h, t), 2) for t in range(h.max_t + 1)],
    }


def main(argv: list[str] | None = None) -> int:
    from sim.bayes import problem, write_strict_json
    from sim.scenario import load_scenario

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios/calibration/baseline.yaml")
    ap.add_argument("--data", type=Path, default=ROOT / "docs/calibration_abc")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--out", type=Path, default=None, help="JSON file (default: print only)")
    args = ap.parse_args(argv)
    logging.getLogger("ABC").setLevel(logging.WARNING)
    priors, specs = problem(load_scenario(args.scenario))
    data = training_data(args.data, sorted(priors), list(specs))
    model = StandIn(data, priors, list(specs))
    t0 = time.perf_counter()
    rows = []
    for seed in args.seeds:
        for setting in SETTINGS:
            np.random.seed(seed)  # noqa: NPY002 (pyabc draws from numpy's global generator)
            row = {"seed": seed, **trial(model, priors, specs, setting)}
            rows.append(row)
            print(row, flush=True)
    summary = {
        "training_simulations": len(data),
        "seeds": args.seeds,
        "trials": rows,
        "wall_seconds": time.perf_counter() - t0,
    }
    if args.out:
        write_strict_json(summary, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
