"""Calibration: fit one scenario parameter so that a KPI (the on-time rate) hits a target.

Method (stochastic root finding under common random numbers)
------------------------------------------------------------
1. Evaluate the KPI on a grid of candidate values within the bounds. Every candidate runs the
   *same* replications (same seed, same replication indices), so the differences between
   candidates are paired and far more precise than the KPI itself.
2. Check monotonicity instead of assuming it: the paired difference between neighbouring
   candidates must never be significantly (95% CI) of the opposite sign to the overall trend.
3. Bracket the target between neighbouring candidates whose mean KPIs lie on either side of
   it, and bisect: evaluate the midpoint with the same replications and keep the half whose
   ends still lie on either side; stop when the bracket is narrower than ``tol`` or when the
   midpoint's confidence interval contains the target (the simulation cannot tell the two
   apart any more).
4. The fitted value is where the mean KPI, interpolated linearly between the ends of the
   final bracket, equals the target: it always lies inside the bracket. Its 95% interval is
   the set of values around it where the target lies inside the interpolated 95% band of the
   mean curve (the interval obtained by inverting the band, as Fieller's method inverts a
   ratio's test); it always lies inside the bounds.
5. Verify: run the calibrated scenario on *fresh* replications (indices after those used for
   fitting). If the target lies outside the achieved KPI's 95% interval the fit has failed:
   :class:`CalibrationFailed` is raised (the command exits 1 and writes nothing into the
   scenario).

Rate intervals are those of :func:`sim.stats.rate_interval` (inside [0, 1]).

Earlier versions fitted the mean of per-replication roots of the lines through the bracket's
ends; a replication whose line was nearly flat or reversed there put its root far outside the
bracket, and the mean and interval of the roots with it (a fit of 0.40 for a crossing at 0.84).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.errors import InputError, SimError
from sim.executors import Executor, open_executor
from sim.experiment import RepTask, run_replication
from sim.scenario import Scenario, ScenarioError
from sim.stats import MIN_REPS, interval_note, json_ready, rate_interval, t_interval


class CalibrationError(InputError):
    """Calibration cannot proceed (target out of reach within the bounds, no bracket, ...):
    bad input, exit code 2 on the command line."""


class CalibrationFailed(SimError):
    """The fitted value does not reproduce the target on fresh replications.

    Not bad input (the scenario and the arguments were usable): the command line reports it
    and exits 1, writing nothing into the scenario. ``result`` holds the failed fit (its
    ``verified`` is False) for inspection.
    """

    def __init__(self, message: str, result: CalibrationResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class CalibrationResult:
    """Outcome of :func:`calibrate`."""

    parameter: str
    target: float
    kpi: str
    value: float
    value_ci95: tuple[float, float]
    achieved: float
    achieved_ci95: tuple[float, float]
    runs: int
    points: pd.DataFrame  # one row per (value, rep): the KPI of that replication
    curve: pd.DataFrame  # one row per value: mean and 95% interval
    monotone: bool
    direction: int  # +1 KPI increases with the parameter, -1 decreases
    scenario: Scenario  # the calibrated scenario
    verification: pd.DataFrame  # replications of the calibrated scenario
    bracket: tuple[float, float] = (math.nan, math.nan)  # final bracket holding ``value``
    verified: bool = False  # the target lies inside ``achieved_ci95``
    wall_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """A short human-readable report."""
        lo, hi = self.value_ci95
        alo, ahi = self.achieved_ci95
        lines = [
            f"Calibrated {self.parameter} so that {self.kpi} = {self.target:.4f}",
            f"  fitted value: {self.value:.4f}   95% CI [{lo:.4f}, {hi:.4f}]   "
            f"(bracket [{self.bracket[0]:.4f}, {self.bracket[1]:.4f}])",
            f"  achieved {self.kpi} on {len(self.verification)} fresh replications: "
            f"{self.achieved:.4f}   95% CI [{alo:.4f}, {ahi:.4f}]   "
            + ("(target inside: verified)" if self.verified else "(target outside: FAILED)"),
            f"  response is {'monotone' if self.monotone else 'NOT monotone'} "
            f"({'increasing' if self.direction > 0 else 'decreasing'}) over the bounds",
            f"  replications simulated: {self.runs}   wall time: {self.wall_seconds:.0f} s",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        lines.append("")
        lines.append("  value      mean      95% CI")
        for row in self.curve.itertuples():
            lines.append(
                f"  {row.value:<9.4f}  {row.mean:.4f}  [{row.ci95_low:.4f}, {row.ci95_high:.4f}]"
            )
        return "\n".join(lines)

    def figure(self, lang: str = "en") -> Any:
        """The calibration curve: on-time rate against the parameter with 95% CI bars.

        Returns a :class:`matplotlib.figure.Figure` (no pyplot state, no backend change, so
        it is safe in scripts, workers and notebooks alike)."""
        from matplotlib.figure import Figure

        vi = lang == "vi"
        fig = Figure(figsize=(7, 4.5))
        ax = fig.subplots()
        c = self.curve
        ax.errorbar(
            c["value"],
            100 * c["mean"],
            yerr=[100 * (c["mean"] - c["ci95_low"]), 100 * (c["ci95_high"] - c["mean"])],
            fmt="o-",
            capsize=4,
            label="mô phỏng (TB, KTC 95%)" if vi else "simulated (mean, 95% CI)",
        )
        ax.axhline(
            100 * self.target, color="tab:red", ls="--", label=("mục tiêu" if vi else "target")
        )
        lo, hi = self.value_ci95
        ax.axvspan(
            lo,
            hi,
            color="tab:green",
            alpha=0.2,
            label=("giá trị hiệu chỉnh" if vi else "fitted value (95% CI)"),
        )
        ax.axvline(self.value, color="tab:green")
        ax.set_xlabel(self.parameter)
        ax.set_ylabel("Tỷ lệ đúng hạn (%)" if vi else "On-time rate (%)")
        ax.set_title(("Hiệu chỉnh: " if vi else "Calibration: ") + self.parameter)
        ax.grid(alpha=0.3)
        ax.legend(loc="best")
        fig.tight_layout()
        return fig

    def plot(self, path: str | Path, lang: str = "en") -> list[Path]:
        """Write :meth:`figure` as PNG and SVG (atomically) next to ``path``."""
        from sim.outputs import atomic_path

        fig = self.figure(lang)
        base = Path(path)
        base.parent.mkdir(parents=True, exist_ok=True)
        out = []
        for ext in ("png", "svg"):
            p = base.with_suffix(f".{ext}")
            with atomic_path(p) as tmp:
                fig.savefig(tmp, format=ext, dpi=120)
            out.append(p)
        return out

    def to_json(self) -> dict[str, Any]:
        """Strict-JSON summary (undefined values ``None``)."""
        out = {
            "parameter": self.parameter,
            "target": self.target,
            "kpi": self.kpi,
            "value": self.value,
            "value_ci95": list(self.value_ci95),
            "achieved": self.achieved,
            "achieved_ci95": list(self.achieved_ci95),
            "verified": self.verified,
            "bracket": list(self.bracket),
            "runs": self.runs,
            "monotone": self.monotone,
            "direction": self.direction,
            "wall_seconds": self.wall_seconds,
            "notes": self.notes,
        }
        return dict(json_ready(out))


def check_monotone(points: pd.DataFrame, kpi: str = "kpi") -> tuple[bool, int, pd.DataFrame]:
    """Paired test of monotonicity over the evaluated values.

    ``points`` has columns ``value``, ``rep`` and ``kpi``; every value must have the same
    replications (common random numbers). Returns (monotone, direction, neighbour table):
    the response is monotone if no difference between neighbouring values is significantly
    (95% paired t-interval) of the sign opposite to the overall trend.
    """
    wide = points.pivot(index="rep", columns="value", values=kpi).sort_index(axis=1)
    values = list(wide.columns)
    overall = wide[values[-1]] - wide[values[0]]
    direction = 1 if float(overall.mean()) >= 0 else -1
    rows = []
    ok = True
    for a, b in pairwise(values):
        d = (wide[b] - wide[a]).to_numpy(float)
        m, lo, hi = t_interval(d)
        against = (hi < 0) if direction > 0 else (lo > 0)
        if against:
            ok = False
        rows.append(
            {
                "from": a,
                "to": b,
                "diff_mean": m,
                "ci95_low": lo,
                "ci95_high": hi,
                "against_trend": against,
            }
        )
    return ok, direction, pd.DataFrame(rows)


def _curve(points: pd.DataFrame) -> pd.DataFrame:
    """One row per value: ``value, mean, ci95_low, ci95_high, reps`` (rate intervals)."""
    rows = []
    for v, g in points.groupby("value", sort=True):
        m, lo, hi = rate_interval(g["kpi"], g["resolved"])
        rows.append({"value": float(v), "mean": m, "ci95_low": lo, "ci95_high": hi, "reps": len(g)})
    return pd.DataFrame(rows)


def calibrate(
    scenario: Scenario,
    *,
    parameter: str | None = None,
    bounds: tuple[float, float] | None = None,
    target: float | None = None,
    reps: int | None = None,
    seed: int | None = None,
    grid: int = 4,
    max_bisections: int = 3,
    tol: float | None = None,
    verify_reps: int | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Fit one parameter of ``scenario`` so that the on-time rate equals ``target``.

    Parameters
    ----------
    parameter, bounds, target, reps
        Default to the scenario's ``calibration`` section.
    grid
        Number of equally spaced starting candidates (>= 2).
    max_bisections, tol
        Refinement of the bracket (``tol`` defaults to 1% of the bounds' width).
    verify_reps
        Fresh replications of the calibrated scenario (default: ``reps``; at least 2).

    Returns
    -------
    CalibrationResult
        ``value`` inside ``bracket`` (itself inside ``bounds``), ``value_ci95`` inside
        ``bounds``, ``verified`` True.

    Raises
    ------
    ScenarioError
        No parameter or bounds, fewer than 2 replications, low >= high, or a bound that makes
        an invalid scenario.
    CalibrationError
        The mean on-time rate does not cross the target within the bounds.
    CalibrationFailed
        The target lies outside the 95% interval of the on-time rate achieved on fresh
        replications (``exc.result`` is the failed fit).
    """
    plan = _plan(scenario, parameter, bounds, target, reps, seed, grid, tol, verify_reps)
    say = log or (lambda _msg: None)
    t0 = time.perf_counter()
    with (
        open_executor(workers, scheduler, executor) as ex,
        _Candidates(scenario, plan, ex, progress) as candidates,
    ):
        fit_reps = list(range(plan.reps))
        grid_values = [float(x) for x in np.linspace(plan.low, plan.high, plan.grid)]
        records = candidates.evaluate(grid_values, fit_reps)
        notes = _grid_notes(pd.DataFrame(records), plan.reps)
        a, b = _first_bracket(_curve(pd.DataFrame(records)), plan)
        say(f"bracket [{a:.4f}, {b:.4f}]")
        a, b = _bisect(candidates, records, a, b, plan, max_bisections, say)
        points = pd.DataFrame(records)
        curve = _curve(points)
        value = bracket_root(curve, a, b, plan.target)
        if not math.isfinite(value):
            raise CalibrationError("could not locate the target between the bracketing values")
        calibrated = scenario.with_changes(
            {plan.parameter: value}, f"{plan.source} ({plan.parameter}={value})"
        )
        ver = candidates.verify(calibrated, list(range(plan.reps, plan.reps + plan.verify_reps)))
    result = _result(plan, points, curve, (a, b), value, calibrated, ver, candidates.runs, notes)
    result.wall_seconds = time.perf_counter() - t0
    if not result.verified:
        lo, hi = result.achieved_ci95
        raise CalibrationFailed(
            f"the fitted value {plan.parameter} = {value:.4f} does not reproduce the target: "
            f"on {plan.verify_reps} fresh replications the on-time rate is "
            f"{result.achieved:.4f} with 95% interval [{lo:.4f}, {hi:.4f}], which excludes "
            f"{plan.target}"
            + (f" ± {plan.tolerance}" if plan.tolerance else "")
            + " (more replications (--reps) or narrower bounds may help)",
            result,
        )
    return result


def _result(
    plan: _Plan,
    points: pd.DataFrame,
    curve: pd.DataFrame,
    bracket: tuple[float, float],
    value: float,
    calibrated: Scenario,
    verification: pd.DataFrame,
    runs: int,
    notes: list[str],
) -> CalibrationResult:
    """The fit: the fitted value (in ``calibrated``) with its interval, the rate it
    achieves on the verification replications, and whether that holds the target."""
    monotone, direction, _ = check_monotone(points)
    achieved, alo, ahi = rate_interval(verification["on_time_rate"], verification["resolved"])
    return CalibrationResult(
        parameter=plan.parameter,
        target=plan.target,
        kpi="on_time_rate",
        value=value,
        value_ci95=band_root_interval(curve, plan.target, value),
        achieved=achieved,
        achieved_ci95=(alo, ahi),
        runs=runs,
        points=points.sort_values(["value", "rep"]).reset_index(drop=True),
        curve=curve,
        monotone=monotone,
        direction=direction,
        scenario=calibrated,
        verification=verification,
        bracket=bracket,
        verified=reproduces(alo, ahi, plan.target, plan.tolerance),
        notes=notes,
    )


@dataclass(frozen=True)
class _Plan:
    """The settings of one bisection, defaults taken from the scenario's calibration."""

    source: str
    parameter: str
    low: float
    high: float
    target: float
    reps: int
    seed: int
    grid: int
    tol: float
    verify_reps: int
    tolerance: float  # verified when the achieved interval meets target ± tolerance


def _plan(
    scenario: Scenario,
    parameter: str | None,
    bounds: tuple[float, float] | None,
    target: float | None,
    reps: int | None,
    seed: int | None,
    grid: int,
    tol: float | None,
    verify_reps: int | None,
) -> _Plan:
    """The bisection's settings: the arguments, else the scenario's ``calibration`` section.

    Raises
    ------
    ScenarioError
        No parameter or bounds, fewer than 2 replications, or low >= high.
    ValueError
        ``grid`` < 2.
    """
    spec = scenario.calibration
    source = f"<calibration of {scenario.name}>"
    if parameter is None or bounds is None:
        if spec is None:
            raise ScenarioError(
                source, "calibration", "no calibration section and no parameter given"
            )
        parameter = parameter or spec.parameter
        bounds = bounds or spec.bounds
    if parameter is None or bounds is None:
        raise ScenarioError(
            source,
            "calibration.parameter",
            "the bisection needs a parameter and bounds (calibration.parameter and "
            "calibration.bounds, or --parameter and --bounds)",
        )
    target = target if target is not None else (spec.target if spec else 0.985)
    reps = reps or (spec.reps if spec else 4)
    if reps < 2:
        raise ScenarioError(source, "calibration.reps", "need at least 2 replications")
    lo_b, hi_b = float(bounds[0]), float(bounds[1])
    if not lo_b < hi_b:
        raise ScenarioError(source, "calibration.bounds", "need low < high")
    if grid < 2:
        raise ValueError("grid must be >= 2")
    verify_reps = verify_reps or reps
    if verify_reps < 2:
        raise ScenarioError(source, "verify_reps", "need at least 2 replications")
    return _Plan(
        source=source,
        parameter=parameter,
        low=lo_b,
        high=hi_b,
        target=target,
        reps=reps,
        seed=scenario.run.seed if seed is None else seed,
        grid=grid,
        tol=tol if tol is not None else 0.01 * (hi_b - lo_b),
        verify_reps=verify_reps,
        tolerance=spec_tolerance(scenario),
    )


class _Candidates:
    """The scenario at candidate values of the parameter, simulated on an executor.

    Both bounds are made into scenarios up front, so a bound that makes an invalid scenario
    fails before any simulation (:class:`ScenarioError`). ``runs`` counts the replications.
    """

    def __init__(self, scenario: Scenario, plan: _Plan, ex: Executor, progress: bool) -> None:
        self.scenario = scenario
        self.plan = plan
        self.ex = ex
        self.runs = 0
        self._variants: dict[float, Scenario] = {}
        self.variant(plan.low)
        self.variant(plan.high)
        self._bar = tqdm(
            desc=f"calibrate {plan.parameter}", unit="rep", disable=not progress, leave=False
        )

    def __enter__(self) -> _Candidates:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()

    def variant(self, v: float) -> Scenario:
        """The scenario with the parameter at ``v`` (made once per value)."""
        if v not in self._variants:
            p = self.plan
            self._variants[v] = self.scenario.with_changes(
                {p.parameter: v}, f"{p.source} ({p.parameter}={v})"
            )
        return self._variants[v]

    def evaluate(self, values: list[float], rep_ids: list[int]) -> list[dict[str, Any]]:
        """One record per (value, replication): ``value, rep, kpi, resolved``."""
        tasks = [
            RepTask(self.variant(v), r, self.plan.seed, False) for v in values for r in rep_ids
        ]
        keys = [(v, r) for v in values for r in rep_ids]
        self._bar.total = (self._bar.total or 0) + len(tasks)
        out = []
        for i, res in self.ex.imap(run_replication, tasks):
            if isinstance(res, BaseException):
                raise res
            v, r = keys[i]
            k = res.kpis.iloc[0]
            out.append(
                {
                    "value": v,
                    "rep": r,
                    "kpi": float(k["on_time_rate"]),
                    "resolved": int(k["resolved"]),
                }
            )
            self._bar.update(1)
        self.runs += len(tasks)
        return out

    def verify(self, calibrated: Scenario, rep_ids: list[int]) -> pd.DataFrame:
        """Replication KPIs of the calibrated scenario on fresh replications."""
        ver = evaluate_verification(self.ex, calibrated, self.plan.seed, rep_ids)
        self.runs += len(rep_ids)
        self._bar.update(len(rep_ids))
        return ver


def _grid_notes(points: pd.DataFrame, reps: int) -> list[str]:
    """Warnings about the starting grid: too few replications, a non-monotone response."""
    monotone, _, _ = check_monotone(points)
    notes: list[str] = []
    if reps < MIN_REPS:
        notes.append(str(interval_note(reps)))
    if not monotone:
        notes.append("the response is not monotone over the bounds; the fit may be ambiguous")
    return notes


def _first_bracket(curve: pd.DataFrame, plan: _Plan) -> tuple[float, float]:
    """The first pair of neighbouring candidates whose mean rates straddle the target.

    Raises
    ------
    CalibrationError
        If no pair does: the target is not reached within the bounds.
    """
    sign = (curve["mean"] - plan.target).to_numpy()
    crossing = [i for i in range(len(sign) - 1) if sign[i] * sign[i + 1] <= 0]
    if not crossing:
        raise CalibrationError(
            f"target {plan.target} is not reached within bounds [{plan.low}, {plan.high}]: "
            f"the mean on-time rate ranges from {curve['mean'].min():.4f} "
            f"to {curve['mean'].max():.4f}"
        )
    i = crossing[0]
    return float(curve["value"][i]), float(curve["value"][i + 1])


def _bisect(
    candidates: _Candidates,
    records: list[dict[str, Any]],
    a: float,
    b: float,
    plan: _Plan,
    max_bisections: int,
    say: Callable[[str], None],
) -> tuple[float, float]:
    """Halve the bracket ``[a, b]`` until it is narrower than ``plan.tol``, the midpoint's
    interval holds the target, or ``max_bisections`` are done; appends to ``records``."""
    fit_reps = list(range(plan.reps))
    for _ in range(max_bisections):
        if b - a <= plan.tol:
            break
        mid = (a + b) / 2
        new = candidates.evaluate([mid], fit_reps)
        records += new
        m, clo, chi = rate_interval([r["kpi"] for r in new], [r["resolved"] for r in new])
        say(f"midpoint {mid:.4f}: {m:.4f} [{clo:.4f}, {chi:.4f}]")
        fa = _mean_at(records, a)
        if (fa - plan.target) * (m - plan.target) <= 0:
            b = mid
        else:
            a = mid
        if clo <= plan.target <= chi:
            break  # the simulation can no longer tell the midpoint from the target
    return a, b


def reproduces(low: float, high: float, target: float, tolerance: float = 0.0) -> bool:
    """Whether an interval [low, high] of the achieved rate meets target ± tolerance."""
    return bool(low <= target + tolerance and target - tolerance <= high)


def spec_tolerance(scn: Scenario) -> float:
    """``calibration.tolerance`` of ``scn`` (0 without a calibration section)."""
    return scn.calibration.tolerance if scn.calibration is not None else 0.0


def evaluate_verification(
    ex: Executor, scn: Scenario, seed: int, rep_ids: list[int]
) -> pd.DataFrame:
    """Replication KPIs of ``scn`` on the given replication indices."""
    tasks = [RepTask(scn, r, seed, False) for r in rep_ids]
    rows: dict[int, pd.DataFrame] = {}
    for i, res in ex.imap(run_replication, tasks):
        if isinstance(res, BaseException):
            raise res
        rows[i] = res.kpis
    return pd.concat([rows[i] for i in range(len(tasks))], ignore_index=True)


def _mean_at(records: list[dict[str, Any]], v: float) -> float:
    return float(np.mean([r["kpi"] for r in records if r["value"] == v]))


def bracket_root(curve: pd.DataFrame, a: float, b: float, target: float) -> float:
    """Where the mean curve, linear between ``a`` and ``b``, equals ``target``.

    ``curve`` has columns ``value`` and ``mean``; the means at ``a`` and ``b`` lie on either
    side of the target (or on it), so the root lies in ``[a, b]``. NaN if they do not.
    """
    c = curve.set_index("value")["mean"]
    fa, fb = float(c.loc[a]) - target, float(c.loc[b]) - target
    if not fa * fb <= 0:
        return math.nan
    if fa == fb:  # flat at the target between a and b
        return (a + b) / 2
    return a + (b - a) * fa / (fa - fb)


def band_root_interval(
    curve: pd.DataFrame, target: float, value: float, points: int = 4001
) -> tuple[float, float]:
    """The 95% interval of a root by inverting the curve's 95% band.

    ``curve`` has columns ``value``, ``mean``, ``ci95_low`` and ``ci95_high`` (one row per
    evaluated value); the band and the mean are interpolated linearly between them. Returns
    the contiguous range of parameter values around ``value`` where the target lies inside
    the band: it contains ``value`` (where the mean equals the target) and lies within the
    evaluated values, hence within the bounds. Resolution: ``points`` values over the range.
    """
    c = curve.sort_values("value")
    x = c["value"].to_numpy(float)
    mean = c["mean"].to_numpy(float)
    lo = np.where(np.isfinite(c["ci95_low"]), c["ci95_low"], mean)
    hi = np.where(np.isfinite(c["ci95_high"]), c["ci95_high"], mean)
    grid = np.union1d(np.linspace(x[0], x[-1], points), np.append(x, value))
    inside = (np.interp(grid, x, lo) <= target) & (target <= np.interp(grid, x, hi))
    at = int(np.searchsorted(grid, value))
    inside[at] = True  # the mean (inside the band) equals the target there
    first, last = at, at
    while first > 0 and inside[first - 1]:
        first -= 1
    while last < len(grid) - 1 and inside[last + 1]:
        last += 1
    return float(grid[first]), float(grid[last])


#: files of a calibration folder besides ``manifest.json`` and the plots
CALIBRATION_FILES = ("curve.csv", "points.csv", "verification.csv")


def write_calibration(
    res: CalibrationResult,
    out: str | Path,
    scenario: Scenario,
    *,
    failure: str | None = None,
    extra_manifest: dict[str, Any] | None = None,
) -> list[Path]:
    """Write a bisection's folder: what ``tthc-sim calibrate --method bisect --out`` writes.

    Files: the plot of :meth:`CalibrationResult.plot` (``calibration.png`` and ``.svg``),
    ``points.csv`` (columns ``value``, ``rep``, ``kpi``, ``resolved``: one row per simulated
    replication), ``curve.csv`` (one row per candidate value: its mean on-time rate and 95%
    interval), ``verification.csv`` (the fresh replications at the fitted value) and
    ``manifest.json`` last (kind ``calibrate``; ``failure`` is the message of a fit that
    failed its verification, written too so that it can be inspected). Claim the folder
    first with :func:`sim.outputs.prepare_folder` (kind ``calibrate``).

    Returns
    -------
    list of Path
        The plot files.
    """
    from sim.outputs import MANIFEST, manifest, write_csv, write_json

    folder = Path(out)
    plots = _atomic_plots(res, folder, "calibration")
    write_csv(res.points, folder / "points.csv")
    write_csv(res.curve, folder / "curve.csv")
    write_csv(res.verification, folder / "verification.csv")
    write_json(
        manifest(
            "calibrate",
            scenario=scenario.to_dict(),
            result=res.to_json(),
            failure=failure,
            files=[*CALIBRATION_FILES, MANIFEST],
            plots=[p.name for p in plots],
            **(extra_manifest or {}),
        ),
        folder / MANIFEST,
    )
    return plots


def _atomic_plots(res: CalibrationResult, out: Path, stem: str) -> list[Path]:
    """``res.plot`` into a temporary folder, each file then renamed into ``out``."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix=".plots.", suffix=".tmp", dir=out) as tmp:
        drafts = res.plot(Path(tmp) / stem)
        placed = []
        for draft in drafts:
            os.replace(draft, out / draft.name)
            placed.append(out / draft.name)
    return placed


def write_value(
    path: str | Path,
    parameter: str,
    value: float,
    note: str | None = None,
    *,
    keep_source: bool = False,
) -> None:
    """Write ``parameter: value`` into a scenario YAML file, keeping its comments.

    ``note`` becomes the value's end-of-line comment; with ``keep_source`` the comment it
    had (its source, after any earlier ``calibrated: ...;`` part) follows the note. A value
    inside a one-line mapping (``{dist: ..., mean: ...}``) gets the comment of that line.
    If ``path`` is a symbolic link, the file it points to is updated and the link kept.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    from sim.outputs import atomic_open

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines (their trailing comments must stay on them)
    yaml.indent(mapping=2, sequence=4, offset=2)
    # through a symbolic link: update the file it points to and keep the link
    p = Path(os.path.realpath(path))
    with p.open(encoding="utf-8") as fh:
        doc = yaml.load(fh)
    node = doc
    parent: Any = None
    parts = parameter.split(".")
    for part in parts[:-1]:
        key: Any = int(part) if isinstance(node, list) else part
        if isinstance(node, dict) and key not in node:
            node[key] = CommentedMap()
        parent, node = (node, key), node[key]
    last: Any = int(parts[-1]) if isinstance(node, list) else parts[-1]
    node[last] = round(float(value), 6)
    if note and isinstance(node, CommentedMap):
        # a value inside a one-line mapping: the comment is that line's, its parent's key
        owner = parent if node.fa.flow_style() and parent else (node, last)
        if isinstance(owner[0], CommentedMap):
            _set_eol_comment(owner[0], owner[1], note, keep_source)
    with atomic_open(p) as fh:
        yaml.dump(doc, fh)


def _set_eol_comment(node: Any, key: Any, note: str, keep_source: bool) -> None:
    """Make ``note`` the end-of-line comment of ``node[key]`` (ruamel.yaml), keeping the
    comment lines that follow it; with ``keep_source`` the old comment's text (without an
    earlier ``calibrated: ...;`` part) follows the note."""
    entry = node.ca.items.get(key)
    token = entry[2] if entry and len(entry) > 2 else None
    if token is None:
        node.yaml_add_eol_comment(note, key)
        return
    first, newline, rest = str(token.value).partition("\n")
    old = first.strip().lstrip("#").strip()
    if old.startswith("calibrated:"):
        old = old.partition(";")[2].strip()
    text = f"{note}; {old}" if keep_source and old else note
    token.value = f"# {text}{newline}{rest}"
