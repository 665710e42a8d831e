"""Screening of the uncertain parameters by Morris elementary effects (SALib).

The parameters are those of the scenario's ``uncertain:`` section (dotted paths with the
range each assumption may take). SALib draws ``trajectories`` Morris trajectories over
``levels`` levels of the unit hypercube; every point is simulated once, all with the same
replication and seed (common random numbers, so an elementary effect compares two runs that
differ in one parameter only). SALib then gives, per target, each parameter's mean absolute
elementary effect ``mu_star`` (the change of the target per step of ``delta`` =
levels / (2 (levels - 1)) of the parameter's range), its bootstrap 95% interval, ``mu`` and
``sigma`` (interactions, non-linearity).

Replication noise is shown beside it: ``noise_reps`` replications at the centre of the
ranges give each target's standard deviation ``sd`` over replications, and
``noise_ee = sqrt(2) sd / delta`` is the spread of an elementary effect computed from two
*independent* replications. Under common random numbers the noise of an effect is smaller,
so this is a conservative floor: a parameter ``matters`` for a target when the lower end of
its ``mu_star`` bootstrap interval exceeds twice the mean absolute effect that noise alone
would give (sqrt(2/pi) noise_ee).
The parameters that matter for some target go into the fit; the rest stay fixed at the
scenario's values, and the report says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.executors import Executor, open_executor
from sim.scenario import Scenario, bare_dict

NOISE_FACTOR = 2.0
"""A parameter matters when mu_star (its interval's lower end) exceeds NOISE_FACTOR x the
noise-only mean absolute effect."""


class ScreeningError(InputError):
    """Screening cannot proceed (no uncertain parameters, no targets)."""


@dataclass
class ScreeningResult:
    """Outcome of :func:`screen`.

    ``table``: one row per (target, parameter): ``mu_star``, ``mu_star_conf`` (half-width of
    its bootstrap 95% interval), ``mu``, ``sigma``, ``noise_ee``, ``matters``, ``rank``.
    ``noise``: one row per target: ``mean`` and ``sd`` over the noise replications.
    ``runs``: one row per simulated point: the parameter values and the targets.
    """

    table: pd.DataFrame
    noise: pd.DataFrame
    runs: pd.DataFrame
    parameters: list[str]
    targets: list[str]
    delta: float
    wall_seconds: float
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def fit(self) -> list[str]:
        """Parameters that matter for at least one target (to be fitted)."""
        m = self.table[self.table["matters"]]
        return [p for p in self.parameters if p in set(m["parameter"])]

    @property
    def fixed(self) -> list[str]:
        """Parameters indistinguishable from replication noise for every target."""
        return [p for p in self.parameters if p not in self.fit]

    def report(self) -> str:
        lines = [
            f"Morris screening: {len(self.parameters)} parameters, {len(self.runs)} simulations "
            f"(+{self.meta.get('noise_reps', 0)} for the noise), step delta {self.delta:.3f} "
            f"of each range, wall time {self.wall_seconds:.0f} s",
        ]
        for t in self.targets:
            n = self.noise[self.noise["target"] == t].iloc[0]
            lines += [
                "",
                f"{t}: replication sd {n['sd']:.4g} (mean {n['mean']:.4g}); "
                f"noise-only |effect| about {n['noise_mu_star']:.4g}",
                f"  {'rank':>4}  {'parameter':<45} {'mu_star':>10} {'95% conf':>10} "
                f"{'sigma':>10}  matters",
            ]
            sub = self.table[self.table["target"] == t].sort_values("rank")
            for r in sub.itertuples():
                lines.append(
                    f"  {r.rank:>4}  {r.parameter:<45} {r.mu_star:>10.4g} "
                    f"{r.mu_star_conf:>10.4g} {r.sigma:>10.4g}  {'yes' if r.matters else 'no'}"
                )
        lines += [
            "",
            "Fit: " + (", ".join(self.fit) or "none"),
            "Stay fixed at the scenario's values (effects within replication noise): "
            + (", ".join(self.fixed) or "none"),
        ]
        return "\n".join(lines)

    def figure(self, target: str) -> Any:
        """Bar chart of mu_star (with its 95% interval) for one target, noise floor marked."""
        from matplotlib.figure import Figure

        sub = self.table[self.table["target"] == target].sort_values("mu_star")
        n = self.noise[self.noise["target"] == target].iloc[0]
        fig = Figure(figsize=(7, 1.2 + 0.45 * len(sub)))
        ax = fig.subplots()
        colors = ["tab:blue" if m else "tab:gray" for m in sub["matters"]]
        ax.barh(sub["parameter"], sub["mu_star"], xerr=sub["mu_star_conf"], color=colors)
        ax.axvline(
            NOISE_FACTOR * n["noise_mu_star"],
            color="tab:red",
            ls="--",
            label="replication-noise threshold",
        )
        ax.set_xlabel(f"mu* (change of {target} per step of {self.delta:.2f} of the range)")
        ax.set_title(f"Morris screening: {target}")
        ax.legend(loc="lower right", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        fig.tight_layout()
        return fig

    def to_json(self) -> dict[str, Any]:
        from sim.bayes import _strict

        return _strict(
            {
                "parameters": self.parameters,
                "targets": self.targets,
                "delta": self.delta,
                "fit": self.fit,
                "fixed": self.fixed,
                "ranking": self.table.to_dict("records"),
                "noise": self.noise.to_dict("records"),
                "simulations": len(self.runs),
                "wall_seconds": self.wall_seconds,
                **self.meta,
            }
        )


def screen(
    scn: Scenario,
    *,
    targets: list[str] | None = None,
    trajectories: int = 10,
    levels: int = 4,
    noise_reps: int = 5,
    seed: int | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
) -> ScreeningResult:
    """Morris screening of ``scn.uncertain`` for each target.

    Parameters
    ----------
    targets
        Registered target names (default: those of ``calibration.targets``).
    trajectories, levels
        Morris design (SALib): ``trajectories`` x (parameters + 1) simulations.
    noise_reps
        Replications at the centre of the ranges to estimate replication noise (>= 2).

    Raises
    ------
    ScreeningError
        No ``uncertain`` section, no targets, or fewer than 2 noise replications.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    from sim.bayes import TargetTask, executor_map, run_target_task
    from sim.targets import check_metric

    if not scn.uncertain:
        raise ScreeningError("uncertain: no parameters to screen (add an uncertain section)")
    names = list(targets or (scn.calibration.targets if scn.calibration else []))
    if not names:
        raise ScreeningError("calibration.targets: no targets to screen against")
    for n in names:
        problem_text = check_metric(n)
        if problem_text:
            raise ScreeningError(f"target {n!r}: {problem_text}")
    if noise_reps < 2:
        raise ScreeningError("noise replications must be at least 2")
    if trajectories < 2 or levels < 2 or levels % 2:
        raise ScreeningError("need at least 2 trajectories and an even number of levels >= 2")
    seed = scn.run.seed if seed is None else seed
    params = list(scn.uncertain)
    bounds = [[scn.uncertain[p].low, scn.uncertain[p].high] for p in params]
    problem: dict[str, Any] = {"num_vars": len(params), "names": params, "bounds": bounds}
    X = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed % 2**32)
    base = bare_dict(scn)
    centre = {p: (lo + hi) / 2 for p, (lo, hi) in zip(params, bounds, strict=True)}
    tasks = [
        TargetTask(base, dict(zip(params, map(float, row), strict=True)), tuple(names), seed, 0)
        for row in X
    ]
    tasks += [TargetTask(base, centre, tuple(names), seed, 1 + r) for r in range(noise_reps)]
    with open_executor(workers, scheduler, executor) as ex:
        t0 = time.perf_counter()
        results = executor_map(ex)(run_target_task, tasks)
    wall = time.perf_counter() - t0
    design = pd.DataFrame(X, columns=params)
    runs = pd.concat([design, pd.DataFrame(results[: len(X)])], axis=1)
    noise_runs = pd.DataFrame(results[len(X) :])
    delta = levels / (2 * (levels - 1))
    rows = []
    noise_rows = []
    for t in names:
        y = runs[t].to_numpy(float)
        nz = noise_runs[t].to_numpy(float)
        sd = float(np.nanstd(nz, ddof=1)) if np.isfinite(nz).sum() >= 2 else float("nan")
        noise_ee = math.sqrt(2) * sd / delta
        noise_mu_star = math.sqrt(2 / math.pi) * noise_ee
        noise_rows.append(
            {
                "target": t,
                "mean": float(np.nanmean(nz)) if np.isfinite(nz).any() else float("nan"),
                "sd": sd,
                "noise_ee": noise_ee,
                "noise_mu_star": noise_mu_star,
                "undefined_runs": int((~np.isfinite(y)).sum()),
            }
        )
        if not np.isfinite(y).all():
            # SALib needs every point; a target the runs leave undefined cannot be screened
            for p in params:
                rows.append(_row(t, p, *(float("nan"),) * 4, noise_ee, False))
            continue
        si = morris_analyze.analyze(
            problem, X, y, num_levels=levels, seed=seed % 2**32, num_resamples=200
        )
        for i, p in enumerate(params):
            mu_star = float(si["mu_star"][i])
            conf = float(si["mu_star_conf"][i])
            # the lower end of mu_star's bootstrap interval must clear the noise threshold
            floor = NOISE_FACTOR * noise_mu_star if math.isfinite(sd) else 0.0
            matters = bool(mu_star - conf > floor)
            rows.append(
                _row(
                    t,
                    p,
                    mu_star,
                    conf,
                    float(si["mu"][i]),
                    float(si["sigma"][i]),
                    noise_ee,
                    matters,
                )
            )
    table = pd.DataFrame(rows)
    table["rank"] = (
        table.groupby("target")["mu_star"].rank(ascending=False, method="min").fillna(0)
    ).astype(int)
    return ScreeningResult(
        table=table,
        noise=pd.DataFrame(noise_rows),
        runs=runs,
        parameters=params,
        targets=names,
        delta=delta,
        wall_seconds=wall,
        meta={
            "trajectories": trajectories,
            "levels": levels,
            "noise_reps": noise_reps,
            "seed": seed,
            "ranges": {p: list(b) for p, b in zip(params, bounds, strict=True)},
            "noise_factor": NOISE_FACTOR,
        },
    )


def _row(
    t: str,
    p: str,
    mu_star: float,
    conf: float,
    mu: float,
    sigma: float,
    noise_ee: float,
    matters: bool,
) -> dict[str, Any]:
    return {
        "target": t,
        "parameter": p,
        "mu_star": mu_star,
        "mu_star_conf": conf,
        "mu": mu,
        "sigma": sigma,
        "noise_ee": noise_ee,
        "matters": matters,
    }


def write_screening(
    res: ScreeningResult, scn: Scenario, out: str | Path, extra: Mapping[str, Any] | None = None
) -> list[str]:
    """Write ``screening.csv``, ``noise.csv``, ``runs.csv``, one plot per target and
    ``manifest.json`` (strict JSON) into ``out``; returns the plot file names."""
    from sim.bayes import _save, write_strict_json
    from sim.outputs import manifest, write_csv

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(res.table, out / "screening.csv")
    write_csv(res.noise, out / "noise.csv")
    write_csv(res.runs, out / "runs.csv")
    plots: list[str] = []
    for t in res.targets:
        plots += _save(res.figure(t), out / f"screen_{t}")
    write_strict_json(
        manifest(
            "screen", scenario=scn.to_dict(), result=res.to_json(), plots=plots, **(extra or {})
        ),
        out / "manifest.json",
    )
    return plots
