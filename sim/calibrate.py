"""Calibration: fit one scenario parameter so that a KPI (the on-time rate) hits a target.

Method (stochastic root finding under common random numbers)
------------------------------------------------------------
1. Evaluate the KPI on a grid of candidate values within the bounds. Every candidate runs the
   *same* replications (same seed, same replication indices), so the differences between
   candidates are paired and far more precise than the KPI itself.
2. Check monotonicity instead of assuming it: the paired difference between neighbouring
   candidates must never be significantly (95% CI) of the opposite sign to the overall trend.
3. Bracket the target between neighbouring candidates and bisect: evaluate the midpoint with
   the same replications; stop when the bracket is narrower than ``tol`` or when the
   midpoint's confidence interval contains the target (the simulation cannot tell the two
   apart any more).
4. Within the final bracket each replication's own response line crosses the target at some
   value; the fitted value is the mean of these per-replication roots and its interval is
   their Student-t interval.
5. Verify: run the calibrated scenario on *fresh* replications (indices after those used for
   fitting) and report the achieved KPI with its 95% interval.
"""

from __future__ import annotations

import math
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
from sim.results import t_interval
from sim.scenario import Scenario, ScenarioError


class CalibrationError(Exception):
    """Calibration cannot proceed (target out of reach, non-monotone response, ...)."""


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
    wall_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """A short human-readable report."""
        lo, hi = self.value_ci95
        alo, ahi = self.achieved_ci95
        lines = [
            f"Calibrated {self.parameter} so that {self.kpi} = {self.target:.4f}",
            f"  fitted value: {self.value:.4f}   95% CI [{lo:.4f}, {hi:.4f}]",
            f"  achieved {self.kpi} on {len(self.verification)} fresh replications: "
            f"{self.achieved:.4f}   95% CI [{alo:.4f}, {ahi:.4f}]",
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
        return {
            "parameter": self.parameter,
            "target": self.target,
            "kpi": self.kpi,
            "value": self.value,
            "value_ci95": list(self.value_ci95),
            "achieved": self.achieved,
            "achieved_ci95": list(self.achieved_ci95),
            "runs": self.runs,
            "monotone": self.monotone,
            "direction": self.direction,
            "wall_seconds": self.wall_seconds,
            "notes": self.notes,
        }


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
    rows = []
    for v, g in points.groupby("value", sort=True):
        m, lo, hi = t_interval(g["kpi"])
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
        Fresh replications of the calibrated scenario (default: ``reps``).
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
            out.append({"value": v, "rep": r, "kpi": float(res.kpis["on_time_rate"].iloc[0])})
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
            m, clo, chi = t_interval([r["kpi"] for r in new])
            say(f"midpoint {mid:.4f}: {m:.4f} [{clo:.4f}, {chi:.4f}]")
            fa = _mean_at(records, a)
            if (fa - target) * (m - target) <= 0:
                b = mid
            else:
                a = mid
            if clo <= target <= chi:
                break  # the simulation can no longer tell the midpoint from the target
        points = pd.DataFrame(records)
        roots = _per_rep_roots(points, a, b, target)
        if len(roots) >= max(2, reps // 2):
            value, vlo, vhi = t_interval(roots)
        else:
            # most replications are flat between a and b (e.g. all on time): invert the
            # mean curve and its confidence band instead
            notes.append("per-replication roots undefined; interval from the mean curve's band")
            value, vlo, vhi = _band_root(_curve(points), a, b, target)
        if not math.isfinite(value):
            raise CalibrationError("could not locate the target between the bracketing values")
        value = min(max(value, lo_b), hi_b)
        calibrated = scenario.with_changes({parameter: value}, f"{source} ({parameter}={value})")
        ver = evaluate_verification(ex, calibrated, seed, list(range(reps, reps + verify_reps)))
        runs += verify_reps
        bar.update(verify_reps)
        achieved, alo, ahi = t_interval(ver["on_time_rate"])
    finally:
        bar.close()
        if own:
            ex.close()
    monotone, direction, _ = check_monotone(points)
    return CalibrationResult(
        parameter=parameter,
        target=target,
        kpi="on_time_rate",
        value=value,
        value_ci95=(vlo, vhi),
        achieved=achieved,
        achieved_ci95=(alo, ahi),
        runs=runs,
        points=points.sort_values(["value", "rep"]).reset_index(drop=True),
        curve=_curve(points),
        monotone=monotone,
        direction=direction,
        scenario=calibrated,
        verification=ver,
        wall_seconds=time.perf_counter() - t0,
        notes=notes,
    )


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


def _per_rep_roots(points: pd.DataFrame, a: float, b: float, target: float) -> np.ndarray:
    """Where each replication's line through (a, f_r(a)) and (b, f_r(b)) meets the target."""
    wide = points.pivot(index="rep", columns="value", values="kpi")
    fa = wide[a].to_numpy(float)
    fb = wide[b].to_numpy(float)
    slope = (fb - fa) / (b - a)
    with np.errstate(divide="ignore", invalid="ignore"):
        roots = a + (target - fa) / slope
    return roots[np.isfinite(roots)]


def _band_root(
    curve: pd.DataFrame, a: float, b: float, target: float
) -> tuple[float, float, float]:
    """Root of the mean line between a and b, and where its 95% band lines meet the target."""
    c = curve.set_index("value")

    def root(col: str) -> float:
        fa, fb = float(c.loc[a, col]), float(c.loc[b, col])
        return a + (target - fa) * (b - a) / (fb - fa) if fb != fa else float("nan")

    value = root("mean")
    ends = sorted(x for x in (root("ci95_low"), root("ci95_high")) if math.isfinite(x))
    if len(ends) < 2:
        return value, float("nan"), float("nan")
    return value, ends[0], ends[1]


def write_value(path: str | Path, parameter: str, value: float, note: str | None = None) -> None:
    """Write ``parameter: value`` into a scenario YAML file, keeping its comments."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    from sim.outputs import atomic_open

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines (their trailing comments must stay on them)
    yaml.indent(mapping=2, sequence=4, offset=2)
    p = Path(path)
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
