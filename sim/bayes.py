"""Multi-target Bayesian calibration by ABC-SMC (pyabc), and the posterior it leaves.

What is fitted
--------------
The parameters of the scenario's ``calibration.priors`` (dotted paths, bounded priors) to
every target of ``calibration.targets`` at once. A target is a registered summary statistic
(:mod:`sim.targets`) with a reported value and tolerance; one simulated replication of a
particle gives one value of every target. The distance of a particle is the Euclidean norm
of the targets' deviations, each in units of its own tolerance (:meth:`TargetSpec.scaled`),
so a distance of 1 is "on the edge of the reported ranges"; a target the run cannot define
(NaN) counts :data:`NAN_PENALTY` tolerances. Everything else (priors, perturbation kernel,
adaptive epsilon, weights) is pyabc's ABC-SMC: ``ABCSMC`` with its default multivariate
normal transition and median epsilon schedule.

Reproducibility and resumption
------------------------------
pyabc's parallel samplers reseed every worker from operating-system entropy, so the same
seed would not give the same posterior twice. The fit therefore uses pyabc's
``MappingSampler`` (one task per particle, each sampling until it accepts one), with each
task's random state seeded from ``(seed, generation, task)`` and the tasks mapped by the
project's executors (local processes, or a Dask cluster with ``--scheduler``). The set of
particles then depends on the seed only, not on the number or kind of workers.
The history lives in pyabc's SQLite database ``abc.db`` in the output folder; the fit runs
one generation per ``ABCSMC.run`` call, each starting from the database, so a calibration
killed during a generation resumes at that generation and ends with the same posterior as
an uninterrupted one.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc

from sim.errors import InputError
from sim.executors import Executor, open_executor
from sim.scenario import (
    Scenario,
    ScenarioError,
    TargetSpec,
    bare_dict,
    get_path,
    parameter_value,
    scenario_from_dict,
    set_path,
)

NAN_PENALTY = 100.0
"""Scaled deviation (in tolerances) counted for a target that a run leaves undefined."""
CREDIBLE = 0.90
"""Level of the credible intervals reported."""


class BayesError(InputError):
    """The calibration cannot proceed (missing section, different run in the folder, ...)."""


# ----------------------------------------------------------------------------- the problem


def _strict(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by None (strict JSON)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.floating | np.integer):
        return _strict(obj.item())
    if isinstance(obj, Mapping):
        return {str(k): _strict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_strict(v) for v in obj]
    return obj


def write_strict_json(data: Any, path: Path) -> None:
    """Write JSON that a strict parser reads: NaN and infinities as null."""
    from sim.outputs import atomic_open

    with atomic_open(path) as fh:
        json.dump(_strict(data), fh, indent=2, ensure_ascii=False, allow_nan=False, default=str)
        fh.write("\n")


@dataclass(frozen=True)
class ParticleModel:
    """Simulates one replication of the scenario at a particle's parameter values and
    returns its targets (picklable: sent to workers). The replication's seed is drawn from
    numpy's global generator, which the sampler seeds per task."""

    base: dict[str, Any]  # bare scenario data (no uncertainty sections)
    targets: tuple[str, ...]

    def scenario(self, values: Mapping[str, float]) -> Scenario:
        return apply_values(self.base, values)

    def __call__(self, pars: Mapping[str, float]) -> dict[str, float]:
        # pyabc draws from numpy's global generator, seeded per task by the sampler
        seed = int(np.random.randint(0, 2**31 - 1))  # noqa: NPY002
        return simulate_targets(self.scenario(dict(pars)), list(self.targets), seed)


def apply_values(base: Mapping[str, Any], values: Mapping[str, float]) -> Scenario:
    """The scenario ``base`` (data) with the dotted-path ``values`` set (integers rounded)."""
    raw = copy.deepcopy(dict(base))
    for path, v in values.items():
        set_path(raw, path, parameter_value(float(v), get_path(raw, path)), "<posterior>")
    return scenario_from_dict(raw, "<particle>")


def simulate_targets(scn: Scenario, names: list[str], seed: int, rep: int = 0) -> dict[str, float]:
    """Targets of replication ``rep`` of ``scn`` under ``seed``."""
    from sim import targets as tg
    from sim.experiment import RepTask, run_replication

    tables = run_replication(RepTask(scn, rep, seed, tg.needs_dossiers(names)))
    return tg.compute(tables, scn, names)


@dataclass(frozen=True)
class ScaledDistance:
    """Euclidean norm of the targets' deviations, each in units of its tolerance."""

    specs: dict[str, TargetSpec]

    def deviations(self, x: Mapping[str, float]) -> dict[str, float]:
        out = {}
        for name, spec in self.specs.items():
            v = float(x[name])
            out[name] = NAN_PENALTY if math.isnan(v) else min(abs(spec.scaled(v)), NAN_PENALTY)
        return out

    def __call__(self, x: Mapping[str, float], x_0: Mapping[str, float]) -> float:
        return float(math.sqrt(sum(d * d for d in self.deviations(x).values())))


def problem(scn: Scenario) -> tuple[dict[str, Any], dict[str, TargetSpec]]:
    """The priors and the targets of ``scn``'s calibration section.

    Raises
    ------
    BayesError
        If the scenario has no ``calibration.priors`` or no ``calibration.targets``.
    """
    spec = scn.calibration
    if spec is None or not spec.priors:
        raise BayesError("calibration.priors: no parameters to fit (add a priors section)")
    if not spec.targets:
        raise BayesError("calibration.targets: no targets to fit to (add a targets section)")
    return dict(spec.priors), dict(spec.targets)


def pyabc_prior(priors: Mapping[str, Any]) -> Any:
    """pyabc's ``Distribution`` of the priors (scipy's uniform and loguniform)."""
    rvs = {}
    for name, p in priors.items():
        if p.dist == "uniform":
            rvs[name] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            rvs[name] = pyabc.RV("loguniform", p.low, p.high)
    return pyabc.Distribution(**rvs)


def transition(scaling: float) -> Any:
    """pyabc's perturbation kernel: a multivariate normal around the particles, its
    bandwidth (Silverman's rule of thumb on the weighted covariance) times ``scaling``.

    A wider kernel (``calibration.abc.kernel_scaling`` above 1) costs acceptance rate but
    keeps the importance weights even when the population is small beside the number of
    parameters; see docs/calibration.md, "Choice of the sampler's settings".
    """
    return pyabc.MultivariateNormalTransition(scaling=scaling)


# ----------------------------------------------------------------------------- sampler


def executor_map(ex: Executor) -> Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]]:
    """A ``map`` over one of the project's executors, results in task order; a task that
    raised raises here (pyabc's mapping sampler would silently drop it)."""

    def mapper(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        tasks = list(items)
        out: list[Any] = [None] * len(tasks)
        for i, res in ex.imap(fn, tasks):
            if isinstance(res, BaseException):
                raise res
            out[i] = res
        return out

    return mapper


class SeededMappingSampler(pyabc.sampler.MappingSampler):
    """pyabc's MappingSampler with each task's random state seeded from (seed, generation,
    task index) instead of from operating-system entropy; tasks run through ``map_``."""

    def __init__(self, map_: Callable[..., Any], seed: int) -> None:
        super().__init__(map_=self._seeded_map)
        self._user_map = map_
        self._seed = seed
        self._seeds: list[int] = []

    def _seeded_map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        n = len(list(items))
        return list(self._user_map(fn, self._seeds[:n]))

    def sample_until_n_accepted(self, n: int, simulate_one: Any, t: int, **kw: Any) -> Any:
        ss = np.random.SeedSequence([self._seed, t + 1])  # t = -1: the calibration sample
        self._seeds = [int(s) for s in ss.generate_state(n)]
        return super().sample_until_n_accepted(n, simulate_one, t, **kw)

    def map_function(self, simulate_one: Any, task_seed: int) -> Any:
        """pyabc's ``MappingSampler.map_function`` with the task's own seed."""
        simulate_one = self.unpickle(simulate_one)
        np.random.seed(task_seed)  # noqa: NPY002 - pyabc samples from the global generator
        random.seed(task_seed)
        nr_simulations = 0
        sample = self._create_empty_sample()
        while True:
            new_sim = simulate_one()
            nr_simulations += 1
            sample.append(new_sim)
            if new_sim.accepted:
                break
        return sample, nr_simulations


# ----------------------------------------------------------------------------- the fit


@dataclass
class Posterior:
    """Weighted particles of the last ABC-SMC generation.

    ``particles`` has one column per parameter (dotted path) and ``weight`` (sums to 1).
    """

    particles: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> list[str]:
        return [c for c in self.particles.columns if c not in ("weight", "generation")]

    @property
    def weights(self) -> np.ndarray:
        w = self.particles["weight"].to_numpy(float)
        return w / w.sum()

    def quantile(self, name: str, q: float) -> float:
        """Weighted quantile of one parameter (pyabc's weighted statistics)."""
        from pyabc.weighted_statistics import weighted_quantile

        return float(weighted_quantile(self.particles[name].to_numpy(float), self.weights, alpha=q))

    def median(self) -> dict[str, float]:
        """Posterior median of every parameter."""
        return {p: self.quantile(p, 0.5) for p in self.parameters}

    def table(self, priors: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """One row per parameter: prior bounds, posterior median and 90% credible interval."""
        tail = (1 - CREDIBLE) / 2
        rows = []
        for p in self.parameters:
            pr = (priors or {}).get(p)
            rows.append(
                {
                    "parameter": p,
                    "prior": getattr(pr, "dist", None),
                    "prior_low": getattr(pr, "low", float("nan")),
                    "prior_high": getattr(pr, "high", float("nan")),
                    "median": self.quantile(p, 0.5),
                    "ci90_low": self.quantile(p, tail),
                    "ci90_high": self.quantile(p, 1 - tail),
                    "ess": kish_ess(self.weights),
                }
            )
        return pd.DataFrame(rows)

    def draws(self, n: int, seed: int) -> pd.DataFrame:
        """``n`` parameter sets drawn by weight (with replacement), reproducible by seed."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x706F7374]))
        idx = rng.choice(len(self.particles), size=n, replace=True, p=self.weights)
        out = self.particles.iloc[idx][self.parameters].reset_index(drop=True)
        out.insert(0, "draw", np.arange(n))
        return out

    def write(self, path: str | Path) -> None:
        from sim.outputs import write_parquet

        write_parquet(self.particles, path)


def load_posterior(path: str | Path) -> Posterior:
    """Read ``posterior.parquet`` (one column per parameter and ``weight``).

    Raises
    ------
    BayesError
        If the file cannot be read or has no ``weight`` column or no parameter.
    """
    p = Path(path)
    try:
        frame = pd.read_parquet(p)
    except (OSError, ValueError) as exc:
        raise BayesError(f"{p}: not a readable posterior ({exc})") from None
    if "weight" not in frame.columns or len(frame.columns) < 2 or frame.empty:
        raise BayesError(f"{p}: a posterior needs a weight column and one column per parameter")
    w = frame["weight"].to_numpy(float)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise BayesError(f"{p}: weight: must be finite, non-negative and not all zero")
    return Posterior(frame)


def ship(
    post: Posterior,
    into: str | Path,
    *,
    priors: Mapping[str, Any] | None = None,
    doc: str = "docs/calibration.md",
) -> Path:
    """Ship a fit: write each parameter's posterior median into the scenario file ``into``
    (comments kept; each value's comment says it is calibrated, with its 90% credible
    interval, before the source it had) and the posterior beside it, as
    ``<folder of into>/posterior/<stem of into>.parquet``, so that uncertainty runs
    (``compare --posterior``) need no refit.

    Returns
    -------
    Path
        The posterior file written.

    Raises
    ------
    ScenarioError
        A posterior parameter that the scenario ``into`` does not have.
    """
    from sim.calibrate import write_value
    from sim.scenario import load_scenario

    into = Path(into)
    check_parameters_in(post.parameters, load_scenario(into), str(into))
    table = post.table(priors).set_index("parameter")
    for p, r in table.iterrows():
        note = (
            f"calibrated: posterior median, 90% credible interval [{r['ci90_low']:.4g}, "
            f"{r['ci90_high']:.4g}] ({doc})"
        )
        write_value(into, str(p), float(r["median"]), note, keep_source=True)
    dest = into.parent / "posterior" / f"{into.stem}.parquet"
    dest.parent.mkdir(parents=True, exist_ok=True)
    post.write(dest)
    return dest


def check_posterior_for(post: Posterior, scn: Scenario, source: str) -> None:
    """Every parameter of ``post`` is a number of ``scn``.

    Raises
    ------
    ScenarioError
        Naming the first parameter the scenario does not have.
    """
    check_parameters_in(post.parameters, scn, source)


def check_parameters_in(parameters: Iterable[str], scn: Scenario, source: str) -> None:
    """Every dotted path of ``parameters`` is a value of ``scn``.

    Raises
    ------
    ScenarioError
        Naming the first parameter the scenario does not have.
    """
    raw = bare_dict(scn)
    for p in parameters:
        try:
            get_path(raw, p)
        except KeyError:
            raise ScenarioError(source, p, "posterior parameter not in the scenario") from None


def _fingerprint(scn: Scenario, seed: int, population: int) -> str:
    spec = scn.calibration
    assert spec is not None
    data = {
        "scenario": bare_dict(scn),
        "priors": {k: v.model_dump(mode="json") for k, v in spec.priors.items()},
        "targets": {k: v.model_dump(mode="json") for k, v in spec.targets.items()},
        "seed": seed,
        "population": population,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class FitResult:
    """Outcome of :func:`fit`: the posterior, its tables and the run's record."""

    posterior: Posterior
    table: pd.DataFrame  # posterior_table: median and 90% credible interval per parameter
    generations: pd.DataFrame  # generation, epsilon, simulations, particles, acceptance_rate, ess
    ppc: pd.DataFrame  # one row per predictive draw: parameters and targets
    ppc_table: pd.DataFrame  # one row per target: reported range and predictive interval
    simulations: int
    wall_seconds: float
    resumed_from: int
    out: Path
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return _strict(
            {
                "posterior": self.table.to_dict("records"),
                "predictive_checks": self.ppc_table.to_dict("records"),
                "generations": self.generations.to_dict("records"),
                "simulations": self.simulations,
                "wall_seconds": self.wall_seconds,
                "resumed_from_generation": self.resumed_from,
                **self.meta,
            }
        )

    def degeneracy_warning(self) -> str | None:
        """:func:`degeneracy_note` for the last generation (None when it is healthy)."""
        if self.generations.empty or "ess" not in self.generations:
            return None
        return degeneracy_note(
            float(self.generations["ess"].iloc[-1]), int(self.posterior.meta["population"])
        )

    def report(self) -> str:
        lines = [
            f"ABC-SMC: {len(self.generations)} generations, {self.simulations} simulations, "
            f"wall time {self.wall_seconds:.0f} s"
            + (f" (resumed at generation {self.resumed_from})" if self.resumed_from else ""),
            "",
            "Posterior (median, 90% credible interval):",
        ]
        for r in self.table.itertuples():
            lines.append(
                f"  {r.parameter:<45} {r.median:.4g}  [{r.ci90_low:.4g}, {r.ci90_high:.4g}]"
                f"   prior [{r.prior_low:.4g}, {r.prior_high:.4g}]"
            )
        warning = self.degeneracy_warning()
        lines += ["", warning] if warning else []
        lines += ["", "Posterior predictive checks (90% interval vs reported range):"]
        for r in self.ppc_table.itertuples():
            lines.append(
                f"  {r.target:<32} {r.pred_median:.4g}  [{r.pred_low:.4g}, {r.pred_high:.4g}]"
                f"   reported [{r.range_low:.4g}, {r.range_high:.4g}]"
                f"   in range {_share(r.share_in_range)}"
            )
        return "\n".join(lines)


def degeneracy_note(ess: float, population: int) -> str | None:
    """A warning when the last population's effective sample size is below a quarter of
    the particles (or below 10): the weights rest on a few particles, so the medians are
    near the heaviest and the credible intervals understate the uncertainty."""
    if not math.isfinite(ess) or ess >= max(10.0, population / 4):
        return None
    return (
        f"WARNING: effective sample size {ess:.1f} of {population} particles: the importance "
        "weights rest on a few particles, so the medians sit near the heaviest one and the "
        "90% intervals understate the uncertainty; fit with a larger population."
    )


def _share(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.0f}%"


def fit(
    scn: Scenario,
    out: str | Path,
    *,
    seed: int | None = None,
    population: int | None = None,
    generations: int | None = None,
    min_epsilon: float | None = None,
    max_simulations: int | None = None,
    ppc_draws: int = 20,
    workers: int | None = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    restart: bool = False,
    progress: Callable[[str], None] | None = None,
) -> FitResult:
    """Fit ``scn``'s ``calibration.priors`` to its ``calibration.targets`` by ABC-SMC.

    Parameters
    ----------
    scn
        Scenario with ``calibration.priors`` and ``calibration.targets``.
    out
        Output folder: ``abc.db`` (pyabc history, resumable), ``posterior.parquet``,
        ``posterior_table.csv``, ``generations.csv``, ``ppc.parquet``, ``ppc_table.csv``,
        plots and ``manifest.json`` (written by :func:`write_fit`).
    seed, population, generations, min_epsilon, max_simulations
        Default to ``run.seed`` and ``calibration.abc``. Stops after ``generations``
        generations, or once epsilon (a distance in tolerances) reaches ``min_epsilon``, or
        after ``max_simulations`` simulations, or after a generation whose acceptance rate
        fell below ``calibration.abc.min_acceptance_rate``. The perturbation kernel's width
        is ``calibration.abc.kernel_scaling`` (see :func:`transition`).
    ppc_draws
        Posterior predictive simulations (fresh replications at parameter sets drawn from
        the posterior by weight); 0 skips the check.
    workers, scheduler, executor
        Where simulations run: local processes (``workers``, 1 = in this process), a Dask
        scheduler address, or a ready executor. The posterior does not depend on it.
    restart
        Discard a previous calibration's history in ``out`` instead of resuming it.
    progress
        Called with one line per generation (generation, acceptance rate, epsilon,
        simulations, ETA).

    Raises
    ------
    BayesError
        No priors or targets, or ``out`` holds the history of a different calibration.
    """
    import logging

    priors, specs = problem(scn)
    assert scn.calibration is not None
    abc_cfg = scn.calibration.abc
    seed = scn.run.seed if seed is None else seed
    population = population or abc_cfg.population
    generations = generations or abc_cfg.generations
    min_eps = abc_cfg.min_epsilon if min_epsilon is None else min_epsilon
    max_sims = max_simulations or abc_cfg.max_simulations
    say = progress or (lambda _m: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    db_file = out / "abc.db"
    state_file = out / "abc_run.json"
    fp = _fingerprint(scn, seed, population)
    if restart:
        db_file.unlink(missing_ok=True)
        state_file.unlink(missing_ok=True)
    resuming = False
    if db_file.exists():
        state = json.loads(state_file.read_text("utf-8")) if state_file.exists() else {}
        if state.get("fingerprint") != fp:
            raise BayesError(
                f"{out}: holds the history of a different calibration (scenario, priors, "
                "targets, seed or population differ); use another --out or --restart"
            )
        resuming = True
    (out / "manifest.json").unlink(missing_ok=True)  # incomplete until write_fit

    logging.getLogger("ABC").setLevel(logging.WARNING)  # progress is ours, on stderr
    with open_executor(workers, scheduler, executor) as ex:
        t_start = time.perf_counter()
        names = list(specs)
        model = ParticleModel(bare_dict(scn), tuple(names))
        distance = ScaledDistance(specs)
        db = "sqlite:///" + str(db_file.resolve())
        x0 = {n: s.centre for n, s in specs.items()}

        def loaded() -> Any:
            # a fresh ABCSMC loaded from the database for every generation: an uninterrupted
            # fit takes exactly the path of one resumed after a kill (pyabc caches its
            # initial population on the object, so repeated run() calls would not)
            abc = pyabc.ABCSMC(
                model,
                pyabc_prior(priors),
                distance,
                population_size=population,
                transitions=transition(abc_cfg.kernel_scaling),
                sampler=SeededMappingSampler(executor_map(ex), seed),
            )
            abc.load(db, 1, x0)
            return abc

        if not resuming:  # the fingerprint first: a kill between the two leaves no orphan db
            write_strict_json({"fingerprint": fp, "seed": seed}, state_file)
            pyabc.ABCSMC(
                model,
                pyabc_prior(priors),
                distance,
                population_size=population,
                transitions=transition(abc_cfg.kernel_scaling),
            ).new(db, x0)
        abc = loaded()
        resumed_from = abc.history.max_t + 1
        if resuming:
            say(f"resuming from the history in {db_file} at generation {resumed_from + 1}")
        gen_seconds: list[float] = []
        while True:
            h = abc.history
            done = h.max_t + 1
            pops = h.get_all_populations()
            pops = pops[pops["t"] >= 0]
            last_eps = float(pops["epsilon"].iloc[-1]) if len(pops) else math.inf
            total = int(h.total_nr_simulations)
            last_rate = (
                float(pops["particles"].iloc[-1]) / max(float(pops["samples"].iloc[-1]), 1.0)
                if len(pops)
                else 1.0
            )
            if (
                done >= generations
                or last_eps <= min_eps
                or (max_sims and total >= max_sims)
                or last_rate < abc_cfg.min_acceptance_rate
            ):
                break
            t0 = time.perf_counter()
            say(f"generation {done + 1}/{generations}: sampling {population} particles ...")
            abc.run(
                max_nr_populations=1,
                max_total_nr_simulations=max_sims or np.inf,
                min_acceptance_rate=abc_cfg.min_acceptance_rate,
            )
            gen_seconds.append(time.perf_counter() - t0)
            abc = loaded()
            h = abc.history
            pops = h.get_all_populations()
            row = pops[pops["t"] == h.max_t].iloc[0]
            sims = int(row["samples"])
            left = generations - (h.max_t + 1)
            eta = np.mean(gen_seconds) * left
            say(
                f"generation {h.max_t + 1}/{generations}: acceptance rate "
                f"{population / max(sims, 1):.3f}, epsilon {row['epsilon']:.4g}, "
                f"ESS {effective_sample_size(h, h.max_t):.1f}, "
                f"simulations {sims} (total {int(h.total_nr_simulations)}), "
                f"{gen_seconds[-1]:.0f} s; ETA {_duration(eta) if left else 'done'}"
            )
        h = abc.history
        params, w = h.get_distribution(m=0, t=h.max_t)
        particles = params.reset_index(drop=True)
        particles = particles[sorted(particles.columns)]
        particles["weight"] = np.asarray(w, float) / float(np.sum(w))
        particles["generation"] = h.max_t
        posterior = Posterior(particles, {"seed": seed, "population": population})
        pops = h.get_all_populations()
        gens = pd.DataFrame(
            {
                "generation": pops["t"].astype(int),
                "epsilon": pops["epsilon"].astype(float),
                "simulations": pops["samples"].astype(int),
                "particles": pops["particles"].astype(int),
            }
        )
        gens = gens[gens["generation"] >= 0].reset_index(drop=True)
        gens["acceptance_rate"] = gens["particles"] / gens["simulations"].where(
            gens["simulations"] > 0
        )
        gens["ess"] = [effective_sample_size(h, int(t)) for t in gens["generation"]]
        simulations = int(h.total_nr_simulations)
        say(f"posterior predictive check: {ppc_draws} simulations ...")
        ppc = predictive(posterior, scn, names, ppc_draws, seed, ex)
    wall = time.perf_counter() - t_start
    return FitResult(
        posterior=posterior,
        table=posterior.table(priors),
        generations=gens,
        ppc=ppc,
        ppc_table=ppc_table(ppc, specs),
        simulations=simulations,
        wall_seconds=wall,
        resumed_from=resumed_from,
        out=out,
        meta={
            "seed": seed,
            "population": population,
            "max_generations": generations,
            "min_epsilon": min_eps,
            "max_simulations": max_sims,
            "ppc_draws": ppc_draws,
            "min_acceptance_rate": abc_cfg.min_acceptance_rate,
            "kernel_scaling": abc_cfg.kernel_scaling,
            "workers": ex.workers,
            "scheduler": scheduler,
            "distance": "Euclidean norm of target deviations in units of their tolerances",
            "nan_penalty": NAN_PENALTY,
            "targets": {k: v.model_dump(mode="json") for k, v in specs.items()},
            "priors": {k: v.model_dump(mode="json") for k, v in priors.items()},
        },
    )


def kish_ess(weights: np.ndarray) -> float:
    """Kish's effective sample size, 1 / sum(w^2), of importance weights (normalised here;
    pyabc's :func:`pyabc.weighted_statistics.effective_sample_size`). Far below the number
    of particles, the posterior rests on a few of them and its credible intervals
    understate the uncertainty."""
    from pyabc.weighted_statistics import effective_sample_size

    w = np.asarray(weights, float)
    return float(effective_sample_size(w / w.sum()))


def effective_sample_size(history: Any, t: int) -> float:
    """:func:`kish_ess` of generation ``t`` in a pyabc history."""
    return kish_ess(history.get_distribution(m=0, t=t)[1])


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@dataclass(frozen=True)
class TargetTask:
    """One replication at given parameter values whose targets are wanted (picklable)."""

    base: dict[str, Any]
    values: dict[str, float]
    names: tuple[str, ...]
    seed: int
    rep: int


def run_target_task(task: TargetTask) -> dict[str, float]:
    """Targets of one :class:`TargetTask` (the unit of work sent to executors)."""
    return simulate_targets(
        apply_values(task.base, task.values), list(task.names), task.seed, task.rep
    )


def predictive(
    post: Posterior, scn: Scenario, names: list[str], n: int, seed: int, ex: Executor
) -> pd.DataFrame:
    """Targets of ``n`` fresh replications at parameter sets drawn from ``post`` by weight
    (replication ``1_000_000 + i`` of ``seed``: never one the fit used). One row per draw."""
    if n <= 0:
        return pd.DataFrame(columns=["draw", *post.parameters, *names])
    draws = post.draws(n, seed)
    base = bare_dict(scn)
    tasks = [
        TargetTask(base, {p: float(d[p]) for p in post.parameters}, tuple(names), seed, 10**6 + i)
        for i, d in enumerate(draws.to_dict("records"))
    ]
    results = executor_map(ex)(run_target_task, tasks)
    return pd.concat([draws, pd.DataFrame(results)], axis=1)


def ppc_table(ppc: pd.DataFrame, specs: Mapping[str, TargetSpec]) -> pd.DataFrame:
    """One row per target: reported value and range, predictive median and 90% interval, and
    the share of predictive draws inside the reported range (NaN draws count as outside)."""
    tail = (1 - CREDIBLE) / 2
    rows = []
    for name, s in specs.items():
        x = ppc[name].to_numpy(float) if name in ppc.columns else np.array([])
        ok = x[np.isfinite(x)]
        lo, hi = s.bounds
        rows.append(
            {
                "target": name,
                "value": s.centre,
                "range_low": lo,
                "range_high": hi,
                "reported": s.reported,
                "source": s.source,
                "pred_median": float(np.median(ok)) if len(ok) else float("nan"),
                "pred_low": float(np.quantile(ok, tail)) if len(ok) else float("nan"),
                "pred_high": float(np.quantile(ok, 1 - tail)) if len(ok) else float("nan"),
                "undefined_draws": int(len(x) - len(ok)),
                "share_in_range": float(np.mean((x >= lo) & (x <= hi))) if len(x) else float("nan"),
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- outputs


def pair_figure(post: Posterior, priors: Mapping[str, Any] | None = None) -> Any:
    """Pair plot of the weighted posterior: weighted histograms on the diagonal, particles
    (size by weight) below it; axes span the priors' bounds."""
    from matplotlib.figure import Figure

    ps = post.parameters
    k = len(ps)
    fig = Figure(figsize=(2.6 * k + 1, 2.6 * k + 1))
    axes = np.atleast_2d(fig.subplots(k, k, squeeze=False))
    w = post.weights
    for i, pi in enumerate(ps):
        for j, pj in enumerate(ps):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(post.particles[pi], bins=20, weights=w, color="tab:blue", alpha=0.7)
            else:
                ax.scatter(post.particles[pj], post.particles[pi], s=4 + 200 * w, alpha=0.5)
            if priors and pj in priors:
                ax.set_xlim(priors[pj].low, priors[pj].high)
            if i == k - 1:
                ax.set_xlabel(pj, fontsize=8)
            if j == 0 and i != j:
                ax.set_ylabel(pi, fontsize=8)
    fig.suptitle("Posterior (ABC-SMC, last generation)")
    fig.tight_layout()
    return fig


def ppc_figure(ppc: pd.DataFrame, specs: Mapping[str, TargetSpec]) -> Any:
    """One panel per target: predictive draws against the reported value and range."""
    from matplotlib.figure import Figure

    names = list(specs)
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, name in zip(axes, names, strict=False):
        s = specs[name]
        x = ppc[name].to_numpy(float) if name in ppc.columns else np.array([])
        x = x[np.isfinite(x)]
        lo, hi = s.bounds
        ax.axvspan(lo, hi, color="tab:green", alpha=0.2, label="reported range")
        ax.axvline(s.centre, color="tab:green", label="reported value")
        if len(x):
            ax.hist(x, bins=15, color="tab:blue", alpha=0.7, label="posterior predictive")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _save(fig: Any, base: Path) -> list[str]:
    from sim.outputs import atomic_path

    names = []
    for ext in ("png", "svg"):
        p = base.with_suffix(f".{ext}")
        with atomic_path(p) as tmp:
            fig.savefig(tmp, format=ext, dpi=110)
        names.append(p.name)
    return names


def write_fit(res: FitResult, scn: Scenario, extra: Mapping[str, Any] | None = None) -> None:
    """Write the fit's files into ``res.out`` (``manifest.json`` last: strict JSON)."""
    from sim.outputs import manifest, write_csv, write_parquet

    out = res.out
    priors, specs = problem(scn)
    res.posterior.write(out / "posterior.parquet")
    write_csv(res.table, out / "posterior_table.csv")
    write_csv(res.generations, out / "generations.csv")
    write_parquet(res.ppc, out / "ppc.parquet")
    write_csv(res.ppc_table, out / "ppc_table.csv")
    plots = _save(pair_figure(res.posterior, priors), out / "posterior_pairs")
    if len(res.ppc):
        plots += _save(ppc_figure(res.ppc, specs), out / "ppc")
    write_strict_json(
        manifest(
            "calibrate-abc",
            scenario=scn.to_dict(),
            result=res.to_json(),
            plots=plots,
            **dict(extra or {}),
        ),
        out / "manifest.json",
    )


def progress_to_stderr(line: str) -> None:
    """Progress lines for the command line."""
    print(line, file=sys.stderr, flush=True)
