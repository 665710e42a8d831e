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

from sim.executors import Executor, SerialExecutor, make_executor
from sim.experiment import RepTask, run_replication
from sim.scenario import Scenario, ScenarioError
from sim.stats import MIN_REPS, interval_note, json_ready, rate_interval, t_interval


class CalibrationError(Exception):
    """Calibration cannot proceed (target out of reach, non-monotone response, ...)."""


class CalibrationFailed(CalibrationError):
    """The fitted value does not reproduce the target on fresh replications.

    ``result`` holds the failed fit (its ``verified`` is False) for inspection.
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
    spec = scenario.calibration
    source = f"<calibration of {scenario.name}>"
    if parameter is None or bounds is None:
        if spec is None:
            raise ScenarioError(
                source, "calibration", "no calibration section and no parameter given"
            )
        parameter = parameter or spec.parameter
        bounds = bounds or spec.bounds
    target = target if target is not None else (spec.target if spec else 0.985)
    reps = reps or (spec.reps if spec else 4)
    if reps < 2:
        raise ScenarioError(source, "calibration.reps", "need at least 2 replications")
    seed = scenario.run.seed if seed is None else seed
    lo_b, hi_b = float(bounds[0]), float(bounds[1])
    if not lo_b < hi_b:
        raise ScenarioError(source, "calibration.bounds", "need low < high")
    if grid < 2:
        raise ValueError("grid must be >= 2")
    tol = tol if tol is not None else 0.01 * (hi_b - lo_b)
    verify_reps = verify_reps or reps
    if verify_reps < 2:
        raise ScenarioError(source, "verify_reps", "need at least 2 replications")
    say = log or (lambda _msg: None)

    # every candidate must be a valid scenario: check both bounds up front
    variants: dict[float, Scenario] = {}

    def variant(v: float) -> Scenario:
        if v not in variants:
            variants[v] = scenario.with_changes({parameter: v}, f"{source} ({parameter}={v})")
        return variants[v]

    variant(lo_b)
    variant(hi_b)

    own = executor is None
    ex = executor or (
        SerialExecutor() if (workers == 1 and not scheduler) else make_executor(workers, scheduler)
    )
    t0 = time.perf_counter()
    records: list[dict[str, Any]] = []
    runs = 0
    bar = tqdm(desc=f"calibrate {parameter}", unit="rep", disable=not progress, leave=False)

    def evaluate(values: list[float], rep_ids: list[int]) -> list[dict[str, Any]]:
        nonlocal runs
        tasks = [RepTask(variant(v), r, seed, False) for v in values for r in rep_ids]
        keys = [(v, r) for v in values for r in rep_ids]
        bar.total = (bar.total or 0) + len(tasks)
        out = []
        for i, res in ex.imap(run_replication, tasks):
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
            bar.update(1)
        runs += len(tasks)
        return out

    try:
        fit_reps = list(range(reps))
        values = [float(x) for x in np.linspace(lo_b, hi_b, grid)]
        records += evaluate(values, fit_reps)
        points = pd.DataFrame(records)
        monotone, direction, _ = check_monotone(points)
        notes: list[str] = []
        if reps < MIN_REPS:
            notes.append(str(interval_note(reps)))
        if not monotone:
            notes.append("the response is not monotone over the bounds; the fit may be ambiguous")
        curve = _curve(points)
        sign = (curve["mean"] - target).to_numpy()
        crossing = [i for i in range(len(sign) - 1) if sign[i] * sign[i + 1] <= 0]
        if not crossing:
            raise CalibrationError(
                f"target {target} is not reached within bounds [{lo_b}, {hi_b}]: the mean "
                f"on-time rate ranges from {curve['mean'].min():.4f} "
                f"to {curve['mean'].max():.4f}"
            )
        i = crossing[0]
        a, b = float(curve["value"][i]), float(curve["value"][i + 1])
        say(f"bracket [{a:.4f}, {b:.4f}]")
        for _ in range(max_bisections):
            if b - a <= tol:
                break
            mid = (a + b) / 2
            new = evaluate([mid], fit_reps)
            records += new
            m, clo, chi = rate_interval([r["kpi"] for r in new], [r["resolved"] for r in new])
            say(f"midpoint {mid:.4f}: {m:.4f} [{clo:.4f}, {chi:.4f}]")
            fa = _mean_at(records, a)
            if (fa - target) * (m - target) <= 0:
                b = mid
            else:
                a = mid
            if clo <= target <= chi:
                break  # the simulation can no longer tell the midpoint from the target
        points = pd.DataFrame(records)
        curve = _curve(points)
        value = bracket_root(curve, a, b, target)
        if not math.isfinite(value):
            raise CalibrationError("could not locate the target between the bracketing values")
        vlo, vhi = band_root_interval(curve, target, value)
        calibrated = scenario.with_changes({parameter: value}, f"{source} ({parameter}={value})")
        ver = evaluate_verification(ex, calibrated, seed, list(range(reps, reps + verify_reps)))
        runs += verify_reps
        bar.update(verify_reps)
        achieved, alo, ahi = rate_interval(ver["on_time_rate"], ver["resolved"])
    finally:
        bar.close()
        if own:
            ex.close()
    monotone, direction, _ = check_monotone(points)
    band = spec_tolerance(scenario)
    verified = reproduces(alo, ahi, target, band)
    result = CalibrationResult(
        parameter=parameter,
        target=target,
        kpi="on_time_rate",
        value=value,
        value_ci95=(vlo, vhi),
        achieved=achieved,
        achieved_ci95=(alo, ahi),
        runs=runs,
        points=points.sort_values(["value", "rep"]).reset_index(drop=True),
        curve=curve,
        monotone=monotone,
        direction=direction,
        scenario=calibrated,
        verification=ver,
        bracket=(a, b),
        verified=verified,
        wall_seconds=time.perf_counter() - t0,
        notes=notes,
    )
    if not verified:
        raise CalibrationFailed(
            f"the fitted value {parameter} = {value:.4f} does not reproduce the target: "
            f"on {verify_reps} fresh replications the on-time rate is {achieved:.4f} with 95% "
            f"interval [{alo:.4f}, {ahi:.4f}], which excludes {target}"
            + (f" ± {band}" if band else "")
            + " (more replications "
            "(--reps) or narrower bounds may help)",
            result,
        )
    return result


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


def write_value(path: str | Path, parameter: str, value: float, note: str | None = None) -> None:
    """Write ``parameter: value`` into a scenario YAML file, keeping its comments.

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
    parts = parameter.split(".")
    for part in parts[:-1]:
        key: Any = int(part) if isinstance(node, list) else part
        if isinstance(node, dict) and key not in node:
            node[key] = CommentedMap()
        node = node[key]
    last: Any = int(parts[-1]) if isinstance(node, list) else parts[-1]
    node[last] = round(float(value), 6)
    if note and isinstance(node, CommentedMap):
        node.yaml_add_eol_comment(note, last)
    with atomic_open(p) as fh:
        yaml.dump(doc, fh)
