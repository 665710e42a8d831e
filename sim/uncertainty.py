"""What-if comparisons that carry calibration uncertainty (posterior draws x replications).

Design
------
``draws`` parameter sets are drawn from the posterior by weight. For draw ``d`` every
scenario takes the draw's values and runs replications
``0 .. reps-1`` under the draw's seed, so within a draw the scenarios share common random
numbers; draws have independent seeds. A what-if that itself sets a calibrated parameter ``p`` to
``v_B``, other than the reference's ``v_A``, either keeps ``v_B`` in every draw
(``fitted="keep"``: an absolute setting, such as a rate a policy would impose) or takes
the draw's value times ``v_B / v_A`` (``fitted="scale"``: a relative change such as
"halved", which then halves the draw's value). For a metric ``m`` and a scenario ``B`` against the
reference ``A`` the paired differences are ``delta[d, r] = m(B, d, r) - m(A, d, r)``.

Intervals (95%)
---------------
* **stochastic only** -- the paired interval of today's comparison, as if the parameters
  were known: mean of all ``delta`` +/- t(D (R - 1)) sqrt(s_w^2 / (D R)), with ``s_w^2``
  the pooled within-draw variance of ``delta``.
* **total** (calibration + stochastic) -- where the effect of a further posterior draw may
  lie: mean +/- t(D - 1) sd(delta_bar_d) sqrt(1 + 1/D), where ``delta_bar_d`` (the draw's
  mean difference) varies with the parameters and with the replication noise.
* **P(improves on-time)** -- share of draws whose mean on-time-rate difference is above
  zero (a draw with no difference at all counts as not improving).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from sim.executors import Executor, open_executor
from sim.scenario import Scenario, bare_dict, get_path

#: Replication KPIs compared under the posterior (columns of a replication's ``kpis``).
POSTERIOR_KPIS: tuple[str, ...] = (
    "on_time_rate",
    "late",
    "open_overdue",
    "lead_time_working_hours_mean",
    "desk_wait_minutes_mean",
)
RATES = {"on_time_rate"}


@dataclass(frozen=True)
class DrawTask:
    """One replication of one scenario under one posterior draw (picklable)."""

    base: dict[str, Any]
    values: dict[str, float]
    seed: int
    rep: int


def run_draw_task(task: DrawTask) -> dict[str, float]:
    """The replication KPIs of one :class:`DrawTask`."""
    from sim.bayes import apply_values
    from sim.experiment import RepTask, run_replication

    scn = apply_values(task.base, task.values)
    k = run_replication(RepTask(scn, task.rep, task.seed, False)).kpis.iloc[0]
    return {m: float(k[m]) for m in POSTERIOR_KPIS if m in k.index}


FITTED = ("keep", "scale")
"""What a what-if that sets a calibrated parameter itself does under posterior draws."""


def _own_settings(
    label: str,
    base: dict[str, Any],
    ref: dict[str, Any],
    parameters: Sequence[str],
    fitted: str,
    notes: list[str],
) -> dict[str, float | None]:
    """Per calibrated parameter, the factor applied to the draw's value in scenario ``base``
    (1 = the draw as it is), or None where the scenario keeps its own value."""
    out: dict[str, float | None] = {}
    for p in parameters:
        mine, theirs = float(get_path(base, p)), float(get_path(ref, p))
        if mine == theirs:
            out[p] = 1.0
        elif fitted == "scale" and theirs != 0.0:
            out[p] = mine / theirs
            notes.append(
                f"{label} sets {p} to {mine:g}, {mine / theirs:g} x the reference's "
                f"{theirs:g}: each draw's value is scaled so"
            )
        else:
            out[p] = None
            why = " (a reference value of 0 cannot be scaled)" if fitted == "scale" else ""
            notes.append(f"{label} sets {p} itself ({mine:g}); the draws do not change it{why}")
    return out


def _check_scaled(label: str, draw: int, base: dict[str, Any], values: Mapping[str, float]) -> None:
    """Refuse, before any simulation, a scaled draw that is not a valid scenario."""
    from sim.bayes import apply_values
    from sim.scenario import ScenarioError

    try:
        apply_values(base, values)
    except ScenarioError as exc:
        raise ScenarioError(
            f"<scenario {label}>",
            exc.path,
            f"{label}, posterior draw {draw + 1}, scaled by the what-if's ratio: {exc.message} "
            "(use fitted keep)",
        ) from None


def _draw_tasks(
    table: pd.DataFrame,
    bases: list[dict[str, Any]],
    labels: list[str],
    ratios: list[dict[str, float | None]],
    reps: int,
    seed: int,
) -> tuple[list[DrawTask], list[tuple[str, int, int]]]:
    """One task per draw, scenario and replication (the draw's values, scaled or kept as
    ``ratios`` says; scaled ones checked first), and its (scenario, draw, rep) key."""
    tasks: list[DrawTask] = []
    keys: list[tuple[str, int, int]] = []
    for d, row in enumerate(table.to_dict("records")):
        for k, b in enumerate(bases):
            values = {
                p: float(row[p]) * factor for p, factor in ratios[k].items() if factor is not None
            }
            if any(ratios[k][p] != 1.0 for p in values):
                _check_scaled(labels[k], d, b, values)
            for r in range(reps):
                tasks.append(DrawTask(b, values, draw_seed(seed, d), r))
                keys.append((labels[k], d, r))
    return tasks, keys


def draw_seed(seed: int, draw: int) -> int:
    """The seed of a posterior draw's replications (independent across draws)."""
    return int(np.random.SeedSequence([seed, draw]).generate_state(1, dtype=np.uint64)[0] >> 1)


def _t(q: float, dof: float) -> float:
    return float(stdtrit(dof, q)) if dof >= 1 else float("nan")


def intervals(delta: np.ndarray) -> dict[str, float]:
    """Mean, stochastic-only and total 95% intervals of paired differences ``delta[d, r]``.

    NaN differences (an undefined KPI) are dropped per draw; a draw with none left is
    dropped; intervals are NaN where they cannot be estimated.
    """
    rows = [r[np.isfinite(r)] for r in np.atleast_2d(delta)]
    rows = [r for r in rows if len(r)]
    nan = float("nan")
    if not rows:
        return {
            "difference": nan,
            "stochastic_ci95_low": nan,
            "stochastic_ci95_high": nan,
            "total_ci95_low": nan,
            "total_ci95_high": nan,
        }
    allv = np.concatenate(rows)
    mean = float(allv.mean())
    within = [r.var(ddof=1) for r in rows if len(r) >= 2]
    dof_w = sum(len(r) - 1 for r in rows if len(r) >= 2)
    if within and dof_w >= 1:
        sw2 = float(np.average(within, weights=[len(r) - 1 for r in rows if len(r) >= 2]))
        half_s = _t(0.975, dof_w) * math.sqrt(sw2 / len(allv))
    else:
        half_s = nan
    means = np.array([r.mean() for r in rows])
    d = len(means)
    half_t = _t(0.975, d - 1) * float(means.std(ddof=1)) * math.sqrt(1 + 1 / d) if d >= 2 else nan
    return {
        "difference": mean,
        "stochastic_ci95_low": mean - half_s,
        "stochastic_ci95_high": mean + half_s,
        "total_ci95_low": mean - half_t,
        "total_ci95_high": mean + half_t,
    }


@dataclass
class PosteriorComparison:
    """Outcome of :func:`compare_posterior`.

    ``runs``: one row per (scenario, draw, rep) with the KPIs; ``draws``: the parameter sets.
    """

    labels: list[str]
    draws: pd.DataFrame
    runs: pd.DataFrame
    reps: int
    seed: int
    wall_seconds: float
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def _matrix(self, label: str, metric: str) -> np.ndarray:
        g = self.runs[self.runs["scenario"] == label]
        return g.pivot(index="draw", columns="rep", values=metric).sort_index().to_numpy(float)

    def differences(self, metrics: Sequence[str] = POSTERIOR_KPIS) -> pd.DataFrame:
        """One row per (scenario, metric): the difference against the reference with its
        stochastic-only and total 95% intervals, and P(improves) for the on-time rate."""
        ref = self.labels[0]
        rows = []
        for label in self.labels[1:]:
            for m in metrics:
                if m not in self.runs.columns:
                    continue
                a, b = self._matrix(ref, m), self._matrix(label, m)
                delta = b - a
                row: dict[str, Any] = {"scenario": label, "metric": m}
                row["mean_reference"] = float(np.nanmean(a))
                row["mean_scenario"] = float(np.nanmean(b))
                row.update(intervals(delta))
                per_draw = np.nanmean(np.where(np.isfinite(delta), delta, np.nan), axis=1)
                ok = per_draw[np.isfinite(per_draw)]
                row["p_improves"] = (
                    float(np.mean(ok > 0)) if (m in RATES and len(ok)) else float("nan")
                )
                row["draws"] = len(ok)
                rows.append(row)
        return pd.DataFrame(rows)

    def scenario_table(self) -> pd.DataFrame:
        """One row per scenario: mean on-time rate over draws and replications, and the
        central 95% of the draws' means (calibration + stochastic), clipped to [0, 1]."""
        rows = []
        for label in self.labels:
            x = self._matrix(label, "on_time_rate")
            per_draw = np.nanmean(x, axis=1)
            ok = per_draw[np.isfinite(per_draw)]
            rows.append(
                {
                    "scenario": label,
                    "draws": len(ok),
                    "reps": self.reps,
                    "on_time_rate": float(np.nanmean(x)) if np.isfinite(x).any() else math.nan,
                    "draws_p2_5": float(np.clip(np.quantile(ok, 0.025), 0, 1))
                    if len(ok)
                    else math.nan,
                    "draws_p97_5": float(np.clip(np.quantile(ok, 0.975), 0, 1))
                    if len(ok)
                    else math.nan,
                }
            )
        return pd.DataFrame(rows)

    def to_json(self) -> dict[str, Any]:
        from sim.bayes import _strict

        return _strict(
            {
                "labels": self.labels,
                "draws": len(self.draws),
                "reps": self.reps,
                "seed": self.seed,
                "wall_seconds": self.wall_seconds,
                "scenarios": self.scenario_table().to_dict("records"),
                "differences": self.differences().to_dict("records"),
                "notes": self.notes,
                **self.meta,
            }
        )

    def figure(self, metric: str = "on_time_rate", lang: str = "en") -> Any:
        """Each scenario's difference against the reference: the total (calibration +
        stochastic) band, and inside it the stochastic-only band."""
        from matplotlib.figure import Figure

        vi = lang == "vi"
        d = self.differences([metric])
        scale = 100.0 if metric in RATES else 1.0
        fig = Figure(figsize=(7.5, 1.4 + 0.6 * len(d)))
        ax = fig.subplots()
        y = np.arange(len(d))
        ax.hlines(
            y,
            scale * d["total_ci95_low"],
            scale * d["total_ci95_high"],
            lw=10,
            color="tab:orange",
            alpha=0.4,
            label="tổng (hiệu chỉnh + ngẫu nhiên)" if vi else "total (calibration + stochastic)",
        )
        ax.hlines(
            y,
            scale * d["stochastic_ci95_low"],
            scale * d["stochastic_ci95_high"],
            lw=4,
            color="tab:blue",
            label="chỉ ngẫu nhiên" if vi else "stochastic only",
        )
        ax.plot(scale * d["difference"], y, "o", color="black")
        ax.axvline(0, color="gray", lw=0.8)
        ax.set_yticks(y, [str(s) for s in d["scenario"]])
        unit = " (điểm %)" if vi else " (percentage points)"
        ax.set_xlabel(
            (
                f"Chênh lệch {metric} so với {self.labels[0]}"
                if vi
                else f"{metric} minus {self.labels[0]}"
            )
            + (unit if metric in RATES else "")
        )
        ax.set_title(
            f"{len(self.draws)} mẫu hậu nghiệm x {self.reps} lần lặp (KTC 95%)"
            if vi
            else f"{len(self.draws)} posterior draws x {self.reps} replications (95% intervals)"
        )
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        return fig


def compare_posterior(
    scenarios: Sequence[Scenario],
    posterior: Any,
    *,
    draws: int = 20,
    reps: int = 2,
    seed: int | None = None,
    labels: Sequence[str] | None = None,
    fitted: str = "keep",
    workers: int | None = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[str], None] | None = None,
) -> PosteriorComparison:
    """Compare scenarios (the first is the reference) under ``draws`` posterior draws.

    Parameters
    ----------
    posterior
        A :class:`sim.bayes.Posterior` (e.g. from :func:`sim.bayes.load_posterior`).
    draws, reps
        Posterior draws, and replications per draw (>= 2: the stochastic-only interval
        needs the within-draw variance).
    seed
        Default: the reference's ``run.seed``.
    fitted
        ``"keep"`` or ``"scale"``: what a what-if that sets a calibrated parameter itself
        does under the draws (module docstring). A reference value of 0 cannot be scaled:
        such a parameter is kept, with a note.

    Raises
    ------
    ValueError
        Fewer than two scenarios, ``draws`` < 2, ``reps`` < 2, or ``fitted`` neither
        ``"keep"`` nor ``"scale"``.
    ScenarioError
        A posterior parameter that a scenario does not have, or (``fitted="scale"``) a
        scaled value outside the parameter's valid range, naming the scenario and the draw.
    """
    from sim.bayes import check_posterior_for, executor_map
    from sim.comparison import unique_labels

    if len(scenarios) < 2:
        raise ValueError("need at least two scenarios (the reference first)")
    if draws < 2 or reps < 2:
        raise ValueError("need at least 2 draws and 2 replications per draw")
    if fitted not in FITTED:
        raise ValueError(f"fitted: {fitted!r} is not one of {', '.join(FITTED)}")
    seed = scenarios[0].run.seed if seed is None else seed
    labels = list(labels) if labels else unique_labels([s.name for s in scenarios])
    for s in scenarios:
        check_posterior_for(posterior, s, f"<scenario {s.name}>")
    table = posterior.draws(draws, seed)
    bases = [bare_dict(s) for s in scenarios]
    ref = bases[0]
    notes: list[str] = []
    ratios = [
        _own_settings(label, b, ref, posterior.parameters, fitted, notes)
        for label, b in zip(labels, bases, strict=True)
    ]
    tasks, keys = _draw_tasks(table, bases, labels, ratios, reps, seed)
    say = progress or (lambda _m: None)
    say(f"{len(tasks)} replications ({len(scenarios)} scenarios x {draws} draws x {reps} reps)")
    with open_executor(workers, scheduler, executor) as ex:
        t0 = time.perf_counter()
        results = executor_map(ex)(run_draw_task, tasks)
    runs = pd.DataFrame(
        [
            {"scenario": s, "draw": d, "rep": r, **res}
            for (s, d, r), res in zip(keys, results, strict=True)
        ]
    )
    return PosteriorComparison(
        labels=labels,
        draws=table,
        runs=runs,
        reps=reps,
        seed=seed,
        wall_seconds=time.perf_counter() - t0,
        notes=notes,
        meta={"workers": ex.workers, "scheduler": scheduler, "fitted": fitted},
    )


def write_posterior_comparison(
    cmp: PosteriorComparison, out: str | Path, extra: Mapping[str, Any] | None = None
) -> list[str]:
    """Write ``differences.csv``, ``scenarios.csv``, ``runs.parquet``, ``draws.csv``, the
    plot (both bands) and ``manifest.json`` (strict JSON) into ``out``."""
    from sim.bayes import _save, write_strict_json
    from sim.outputs import manifest, write_csv, write_parquet

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(cmp.differences(), out / "posterior_differences.csv")
    write_csv(cmp.scenario_table(), out / "posterior_scenarios.csv")
    write_csv(cmp.draws, out / "posterior_draws.csv")
    write_parquet(cmp.runs, out / "posterior_runs.parquet")
    plots = _save(cmp.figure(), out / "posterior_comparison")
    write_strict_json(
        manifest("compare-posterior", result=cmp.to_json(), plots=plots, **dict(extra or {})),
        out / "manifest.json",
    )
    return plots


def run_sweep_posterior(
    sweep: Any,
    out: str | Path | None = None,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[str], None] | None = None,
) -> PosteriorComparison:
    """Every point of a sweep with ``posterior:`` against the sweep's base scenario, under
    the posterior's draws (``posterior.draws``) and the sweep's replications and seed.

    Raises
    ------
    ScenarioError
        ``posterior.file`` missing or unreadable, fewer than 2 replications, or a point that
        is not a valid scenario.
    """
    from sim.bayes import BayesError, load_posterior
    from sim.scenario import ScenarioError
    from sim.sweep import Sweep, load_sweep

    sw = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    spec = sw.spec.posterior
    if spec is None:
        raise ScenarioError(sw.source, "posterior", "the sweep has no posterior section")
    path = Path(spec.file)
    if not path.is_absolute():
        path = Path(sw.source).parent / path
    if not path.is_file():
        raise ScenarioError(sw.source, "posterior.file", f"{spec.file!r} not found")
    try:
        post = load_posterior(path)
    except BayesError as exc:
        raise ScenarioError(sw.source, "posterior.file", str(exc)) from None
    if sw.reps < 2:
        raise ScenarioError(sw.source, "reps", "a posterior sweep needs at least 2 replications")
    scenarios = [sw.base] + [sw.scenario(pt) for pt in sw.points]
    labels = ["base"] + [pt.name for pt in sw.points]
    cmp = compare_posterior(
        scenarios,
        post,
        draws=spec.draws,
        reps=sw.reps,
        seed=sw.seed,
        labels=labels,
        fitted=spec.fitted,
        workers=workers,
        scheduler=scheduler,
        executor=executor,
        progress=progress,
    )
    cmp.meta["sweep"] = sw.describe()
    if out is not None:
        write_posterior_comparison(cmp, out, {"posterior": str(path)})
    return cmp
