"""Validation report: the simulator against queueing theory, Little's law and face validity.

``python -m sim.validation_report [--out docs/validation.md] [--reps N] [--quick]`` runs every check
and writes a Markdown report:

* **queueing theory** (scenarios/validation/): M/M/c at several loads against Erlang C, M/D/1
  and M/G/1 against Pollaczek-Khinchine, a two-stage tandem against the Jackson product form,
  and a deterministic case whose lead time is known exactly. Each row gives the simulated mean
  over replications with its 95% Student-t interval and the theoretical value, and passes when
  the interval contains it;
* **Little's law** on the baseline (a shortened horizon): the time-average number of dossiers
  in the system against arrival rate x mean time in system, per replication (paired);
* **face validity**: directions of change (more staff -> shorter waits, less bandwidth -> more
  network delay, more outages -> lower on-time rate, more demand -> longer waits), each a
  paired comparison under common random numbers that passes when the whole 95% interval of
  the difference lies on the expected side of zero.

``--quick`` shortens every horizon and uses fewer replications (a smoke version for tests);
the shipped docs/validation.md is the full version. Exit code 0 when every row passes, 1 when
a row fails, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment import run
from sim.results import t_interval
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.theory import erlang_c, jackson_tandem_sojourn, mg1_wait, mmc_wait

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DEFAULT_OUT = Path("docs") / "validation.md"
DEFAULT_SEED = 20250701
REGENERATE = "python -m sim.validation_report --out docs/validation.md"
EXACT_TOLERANCE = 1e-9
"""Relative slack when an interval is degenerate (deterministic cases, exact identities)."""


@dataclass
class Row:
    """One check of the report."""

    section: str  # "theory", "little" or "face"
    name: str
    quantity: str
    simulated: float
    ci_low: float
    ci_high: float
    theory: float | None  # None for face-validity rows
    passed: bool
    reps: int
    seed: int
    setting: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Settings:
    """Replications, seed and horizon length of a report."""

    quick: bool = False
    reps: int | None = None
    seed: int = DEFAULT_SEED
    workers: int = 1

    def reps_for(self, full: int, quick: int) -> int:
        return self.reps if self.reps is not None else (quick if self.quick else full)

    @property
    def theory_end(self) -> str:
        """Last day of the theory scenarios (they start 1 Jul 2025)."""
        return "2025-07-07" if self.quick else "2025-07-28"


def contains(low: float, high: float, value: float) -> bool:
    """Whether [low, high] contains value (with a tiny slack for degenerate intervals)."""
    slack = EXACT_TOLERANCE * max(1.0, abs(value))
    return low - slack <= value <= high + slack


def _scenario(name: str, changes: dict[str, Any]) -> Scenario:
    return load_scenario(SCENARIOS / "validation" / f"{name}.yaml").with_changes(changes)


def _kpis(scn: Scenario, reps: int, seed: int, cfg: Settings) -> pd.DataFrame:
    res = run(scn, reps=reps, seed=seed, workers=cfg.workers, keep_dossiers=False)
    return res.replications


def _theory_row(
    name: str,
    quantity: str,
    values: pd.Series,
    theory: float,
    reps: int,
    seed: int,
    setting: str,
) -> Row:
    m, lo, hi = t_interval(values)
    return Row(
        "theory", name, quantity, m, lo, hi, theory, contains(lo, hi, theory), reps, seed, setting
    )


# ----------------------------------------------------------------------------- theory checks

MMC_LOADS: dict[str, tuple[int, int]] = {
    # name: (dossiers per day, servers); mean service 3 min
    "mmc_rho040_c3": (576, 3),
    "mmc_rho080_c3": (1152, 3),
    "mmc_rho054_c5": (1296, 5),
    "mm1_rho070": (336, 1),
}


def check_mmc(key: str, cfg: Settings) -> list[Row]:
    """M/M/c desk: mean wait in queue against Erlang C."""
    per_day, c = MMC_LOADS[key]
    scn = _scenario(
        "mmc",
        {
            "horizon.end": cfg.theory_end,
            "demand.dossiers_per_working_day.QN01": per_day,
            "staffing.by_unit_type.phường.reception": c,
        },
    )
    lam = per_day / 1440.0
    mean_s = scn.procedures["desk"].reception_minutes.expected_value()
    rho = lam * mean_s / c
    reps = cfg.reps_for(30, 10)
    seed = cfg.seed + 1 + list(MMC_LOADS).index(key)
    k = _kpis(scn, reps, seed, cfg)
    return [
        _theory_row(
            f"M/M/{c}, ρ = {rho:.2f}: mean desk wait",
            "W_q (minutes) vs Erlang C",
            k["desk_wait_minutes_mean"],
            mmc_wait(lam, mean_s, c),
            reps,
            seed,
            f"M/M/{c}: λ = {lam:.3g}/min, mean service {mean_s:g} min, ρ = {rho:.2f}, "
            f"P(wait) = {erlang_c(c, lam * mean_s):.3f}",
        )
    ]


MG1_CASES: dict[str, tuple[int, dict[str, Any], float]] = {
    # name: (dossiers per day, service distribution, squared cv)
    "md1_rho070": (336, {"dist": "deterministic", "value": 3.0}, 0.0),
    "mg1_gamma_cv2_rho050": (240, {"dist": "gamma", "mean": 3.0, "cv": 2.0}, 4.0),
}


def check_mg1(key: str, cfg: Settings) -> list[Row]:
    """One server, general service: mean wait against Pollaczek-Khinchine."""
    per_day, dist, scv = MG1_CASES[key]
    scn = _scenario(
        "mmc",
        {
            "horizon.end": cfg.theory_end,
            "demand.dossiers_per_working_day.QN01": per_day,
            "staffing.by_unit_type.phường.reception": 1,
            "procedures.desk.reception_minutes": dist,
        },
    )
    lam = per_day / 1440.0
    mean_s = scn.procedures["desk"].reception_minutes.expected_value()
    reps = cfg.reps_for(40 if scv > 1 else 30, 12 if scv > 1 else 10)
    seed = cfg.seed + 11 + list(MG1_CASES).index(key)
    k = _kpis(scn, reps, seed, cfg)
    label = "M/D/1" if scv == 0 else f"M/G/1 ({dist['dist']}, cv² = {scv:g})"
    return [
        _theory_row(
            f"{label}, ρ = {lam * mean_s:.2f}: mean desk wait",
            "W_q (minutes) vs Pollaczek-Khinchine",
            k["desk_wait_minutes_mean"],
            mg1_wait(lam, mean_s, scv),
            reps,
            seed,
            f"{label}: λ = {lam:.3g}/min, mean service {mean_s:g} min",
        )
    ]


def check_tandem(cfg: Settings) -> list[Row]:
    """Desk then specialists (two M/M/c stations): lead time against the Jackson form."""
    scn = _scenario("tandem", {"horizon.end": cfg.theory_end})
    lam = scn.demand.dossiers_per_working_day["QN01"] / 1440.0
    proc = scn.procedures["intake"]
    staff = scn.staffing.by_unit_type["phường"]
    assert proc.processing_minutes is not None
    stages = [
        (proc.reception_minutes.expected_value(), staff["reception"]),
        (proc.processing_minutes.expected_value(), staff["specialist"]),
    ]
    reps = cfg.reps_for(30, 10)
    seed = cfg.seed + 21
    k = _kpis(scn, reps, seed, cfg)
    stage_text = ", ".join(f"{s:g} min x {c} (ρ = {lam * s / c:.2f})" for s, c in stages)
    return [
        _theory_row(
            "Tandem M/M/2 → M/M/3: mean lead time",
            "time in system (working h = wall h) vs Jackson product form",
            k["lead_time_working_hours_mean"],
            jackson_tandem_sojourn(lam, stages) / 60.0,
            reps,
            seed,
            f"λ = {lam:.3g}/min; stations {stage_text}",
        )
    ]


def check_deterministic(cfg: Settings) -> list[Row]:
    """Deterministic work and ample staff on the office calendar: every lead time is exact.

    3 desk minutes then 5 specialist minutes, 40 officers at each station (nobody ever
    waits), office hours with a lunch break, weekends and holidays: on the working clock
    every dossier's lead time is exactly 8 working minutes, even when its work is split by
    the lunch break or a night.
    """
    scn = _scenario(
        "tandem",
        {
            "horizon.end": "2025-07-07" if cfg.quick else "2025-07-14",
            "calendar.always_open": False,
            "calendar.public_holidays": "vn",
            "demand.dossiers_per_working_day.QN01": 300,
            "procedures.intake.reception_minutes": {"dist": "deterministic", "value": 3.0},
            "procedures.intake.processing_minutes": {"dist": "deterministic", "value": 5.0},
            "staffing.by_unit_type.phường": {"reception": 40, "specialist": 40},
        },
    )
    reps = cfg.reps_for(5, 3)
    seed = cfg.seed + 31
    res = run(scn, reps=reps, seed=seed, workers=cfg.workers, keep_dossiers=True)
    assert res.dossiers is not None
    lead = res.dossiers["lead_time_working_hours"].dropna().to_numpy()
    k = res.replications
    exact = 8.0 / 60.0
    worst = float(np.max(np.abs(lead - exact))) if len(lead) else math.inf
    row = _theory_row(
        "Deterministic 3 + 5 min, no queueing, office calendar: lead time",
        "time in system (working h), exact",
        k["lead_time_working_hours_mean"],
        exact,
        reps,
        seed,
        f"{len(lead):,} dossiers; largest deviation of any dossier {worst:.1e} h",
    )
    row.passed = row.passed and worst < 1e-9
    return [row]


THEORY_CHECKS: dict[str, Callable[[Settings], list[Row]]] = {
    **{key: partial(check_mmc, key) for key in MMC_LOADS},
    **{key: partial(check_mg1, key) for key in MG1_CASES},
    "tandem": check_tandem,
    "deterministic": check_deterministic,
}


# ----------------------------------------------------------------------------- Little's law


def littles_law_terms(
    dossiers: pd.DataFrame,
    window: tuple[dt.datetime, dt.datetime],
    horizon_end: dt.datetime,
) -> pd.DataFrame:
    """Per replication: the three terms of Little's law over a window, in wall-clock hours.

    * L: time average over the window of N(t), the dossiers arrived and not yet resolved
      (each dossier contributes the part of [arrival, resolution) inside the window);
    * lambda: dossiers arriving in the window per hour;
    * W: mean time in system of the dossiers arriving in the window (those still open at
      ``horizon_end`` counted until then: ``open_at_end`` says how many).
    """
    w0, w1, end = pd.Timestamp(window[0]), pd.Timestamp(window[1]), pd.Timestamp(horizon_end)
    hour = pd.Timedelta(hours=1)
    width = (w1 - w0) / hour
    rows = []
    for rep, g in dossiers.groupby("rep", sort=True):
        a = ((g["arrived_at"] - w0) / hour).to_numpy(dtype=float)
        d = ((g["resolved_at"] - w0) / hour).to_numpy(dtype=float)
        is_open = np.isnan(d)
        d = np.where(is_open, (end - w0) / hour, d)
        inside = np.clip(np.minimum(d, width) - np.maximum(a, 0.0), 0.0, None)
        arriving = (a >= 0.0) & (a < width)
        rows.append(
            {
                "rep": rep,
                "L": float(inside.sum()) / width,
                "lambda_per_hour": float(arriving.sum()) / width,
                "W_hours": float((d[arriving] - a[arriving]).mean()),
                "arrived": int(arriving.sum()),
                "open_at_end": int((is_open & arriving).sum()),
            }
        )
    return pd.DataFrame(rows)


def check_little(cfg: Settings) -> list[Row]:
    """Little's law on the baseline (or, with --quick, the 7-unit quick scenario).

    The window is whole weeks (Monday 00:00 to Monday 00:00) after a two-week warm-up, and
    ends two weeks or more before the horizon, so that its dossiers are resolved.
    """
    if cfg.quick:
        scn = load_scenario(SCENARIOS / "validation" / "quick.yaml").with_changes(
            {"horizon.end": "2025-09-19"}
        )
        window = (dt.datetime(2025, 8, 25), dt.datetime(2025, 9, 8))
    else:
        scn = load_scenario(SCENARIOS / "baseline.yaml")
        window = (dt.datetime(2025, 7, 14), dt.datetime(2025, 9, 15))
    end = dt.datetime.combine(scn.horizon.end + dt.timedelta(days=1), dt.time())
    reps = cfg.reps_for(3, 6)
    seed = cfg.seed + 41
    res = run(scn, reps=reps, seed=seed, workers=cfg.workers, keep_dossiers=True)
    assert res.dossiers is not None
    terms = littles_law_terms(res.dossiers, window, end)
    lam_w = terms["lambda_per_hour"] * terms["W_hours"]
    m, lo, hi = t_interval(terms["L"])
    dm, dlo, dhi = t_interval(terms["L"] - lam_w)
    weeks = (window[1] - window[0]).days // 7
    row = Row(
        "little",
        f"Little's law, {scn.name} ({len(scn.unit_codes())} units), window "
        f"{window[0]:%d %b} – {window[1]:%d %b %Y} ({weeks} weeks)",
        "L = mean dossiers in the system vs λ·W",
        m,
        lo,
        hi,
        float(lam_w.mean()),
        contains(dlo, dhi, 0.0) and contains(lo, hi, float(lam_w.mean())),
        reps,
        seed,
        f"λ = {terms['lambda_per_hour'].mean():.1f} dossiers/h, W = "
        f"{terms['W_hours'].mean():.2f} h; paired L − λW: mean {dm:.3g}, "
        f"95% CI [{dlo:.3g}, {dhi:.3g}]",
        extra={
            "open_at_end": float(terms["open_at_end"].mean()),
            "arrived": float(terms["arrived"].mean()),
            "horizon": f"{scn.horizon.start} – {scn.horizon.end}",
        },
    )
    return [row]


# ----------------------------------------------------------------------------- face validity

FACE_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, int]] = [
    # (statement, changes of A, changes of B, metric, expected sign of B - A)
    (
        "more reception staff → shorter desk waits (×0.6 → ×1.0)",
        {"staffing.multiplier.reception": 0.6},
        {},
        "desk_wait_minutes_mean",
        -1,
    ),
    (
        "lower bandwidth → more network delay (200 → 10 Mbps)",
        {},
        {"network.link_mbps": 10},
        "network_delay_minutes_mean",
        +1,
    ),
    (
        "more link outages → lower on-time rate (MTBF 1500 h → 8 h, repairs 4 h → 8 h)",
        {},
        {
            "network.outages.links.mtbf_hours": 8,
            "network.outages.links.repair_hours": {"dist": "lognormal", "mean": 8.0, "cv": 1.0},
        },
        "on_time_rate",
        -1,
    ),
    (
        "higher demand → longer waits for officers (×1.5)",
        {},
        {"demand.per_1000_residents_per_working_day": "x1.5"},
        "queue_wait_minutes_mean",
        +1,
    ),
]


def _resolve(scn: Scenario, changes: dict[str, Any]) -> Scenario:
    """Apply changes; a value 'xF' multiplies the current value by F."""
    out: dict[str, Any] = {}
    raw = scn.to_dict()
    for path, value in changes.items():
        if isinstance(value, str) and value.startswith("x"):
            node: Any = raw
            for part in path.split("."):
                node = node[part]
            value = float(node) * float(value[1:])
        out[path] = value
    return scn.with_changes(out) if out else scn


def check_face(cfg: Settings) -> list[Row]:
    """Directions of change on the 7-unit quick scenario, paired by replication."""
    base = load_scenario(SCENARIOS / "validation" / "quick.yaml")
    if cfg.quick:
        base = base.with_changes({"horizon.end": "2025-08-29"})
    reps = cfg.reps_for(10, 5)
    seed = cfg.seed + 51
    cache: dict[str, pd.DataFrame] = {}

    def kpis(changes: dict[str, Any]) -> pd.DataFrame:
        key = repr(sorted(changes.items()))
        if key not in cache:
            cache[key] = _kpis(_resolve(base, changes), reps, seed, cfg).set_index("rep")
        return cache[key]

    rows = []
    for statement, ch_a, ch_b, metric, sign in FACE_CASES:
        a, b = kpis(ch_a)[metric], kpis(ch_b)[metric]
        diff = (b - a).to_numpy(dtype=float)
        m, lo, hi = t_interval(diff)
        passed = bool(hi < 0) if sign < 0 else bool(lo > 0)
        rows.append(
            Row(
                "face",
                statement,
                metric,
                m,
                lo,
                hi,
                None,
                passed,
                reps,
                seed,
                extra={"A": float(a.mean()), "B": float(b.mean()), "sign": sign},
            )
        )
    return rows


# ----------------------------------------------------------------------------- the report

SECTIONS: dict[str, Callable[[Settings], list[Row]]] = {
    **THEORY_CHECKS,
    "little": check_little,
    "face": check_face,
}


def run_checks(cfg: Settings, only: Sequence[str] | None = None, log: Any = None) -> list[Row]:
    """Run the named checks (all by default) and return their rows."""
    rows: list[Row] = []
    for key, fn in SECTIONS.items():
        if only and key not in only:
            continue
        t = time.perf_counter()
        new = fn(cfg)
        rows += new
        if log is not None:
            status = "ok" if all(r.passed for r in new) else "FAILED"
            print(f"{key}: {status} ({time.perf_counter() - t:.0f} s)", file=log, flush=True)
    return rows


def _num(x: float | None, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.{digits}g}"


def _ok(passed: bool) -> str:
    return "pass" if passed else "**FAIL**"


def render(rows: Sequence[Row], cfg: Settings, wall_seconds: float) -> str:
    """The Markdown report."""
    from sim.outputs import versions

    v = versions()
    mode = "quick (shortened horizons, fewer replications)" if cfg.quick else "full"
    n_pass = sum(r.passed for r in rows)
    lines = [
        "# Validation report",
        "",
        f"Regenerate with `{REGENERATE}`"
        + (
            " (add `--quick` for a fast smoke version)."
            if not cfg.quick
            else " (this is the `--quick` smoke version)."
        ),
        "",
        f"Mode: {mode}. Base seed {cfg.seed}; every check uses its own seed (listed), and"
        " replication *r* uses the random streams *(seed, r, ...)*. Generated in"
        f" {wall_seconds:.0f} s with tthc-sim {v.get('tthc-sim', '?')}, SimPy"
        f" {v.get('simpy', '?')}, NumPy {v.get('numpy', '?')}.",
        "",
        f"**{n_pass} of {len(rows)} checks pass.** Intervals are 95% Student-t intervals over"
        " independent replications (one value per replication).",
        "",
        "## 1. Queueing theory",
        "",
        "Single-unit scenarios in `scenarios/validation/` (always open, so working time is"
        " wall time; Poisson arrivals; FIFO; no network delay, outages or supplements). A row"
        " passes when the 95% interval of the simulated mean contains the theoretical value."
        " Each replication starts empty and runs"
        f" {'7' if cfg.quick else '28'} days; the start-up bias is far below the interval width."
        " With several rows at 95% each, one row outside its interval now and then is expected"
        " by chance even for a correct model; a discrepancy is real when it persists across"
        " seeds (`--seed`) and grows clearer with more replications (`--reps`).",
        "",
        "| check | compared | simulated | 95% CI | theory | reps | seed | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.section != "theory":
            continue
        lines.append(
            f"| {r.name} | {r.quantity} | {_num(r.simulated)} | [{_num(r.ci_low)}, "
            f"{_num(r.ci_high)}] | {_num(r.theory)} | {r.reps} | {r.seed} | {_ok(r.passed)} |"
        )
    lines += ["", "Settings:", ""]
    seen: set[str] = set()
    for r in rows:
        if r.section == "theory" and r.setting and r.setting not in seen:
            seen.add(r.setting)
            lines.append(f"* {r.name.split(':')[0]}: {r.setting}")
    lines += [
        "",
        "## 2. Little's law",
        "",
        "Definitions (wall-clock hours, over a measurement window of whole weeks after a"
        " warm-up and well before the horizon ends): **L** is the time average over the window"
        " of N(t), the number of dossiers arrived and not yet resolved, from the arrival and"
        " resolution instants of every dossier; **λ** is the number of dossiers arriving in"
        " the window divided by its length; **W** is the mean time in system of those"
        " dossiers, to their resolution (the very few still open when the horizon ends are"
        " counted until then). In steady state L = λW; over a finite window the two differ by"
        " the dossiers carried into and out of the window, which balance when the system is in"
        " the same state at both edges (whole weeks: same weekday and hour). The row passes"
        " when the interval of L contains λW and the paired interval of L − λW, replication"
        " by replication, contains 0.",
        "",
        "| check | compared | L (simulated) | 95% CI | λW | reps | seed | result |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.section == "little":
            lines.append(
                f"| {r.name} | {r.quantity} | {_num(r.simulated)} | [{_num(r.ci_low)}, "
                f"{_num(r.ci_high)}] | {_num(r.theory)} | {r.reps} | {r.seed} | {_ok(r.passed)} |"
            )
    for r in rows:
        if r.section == "little":
            lines += [
                "",
                f"Horizon {r.extra['horizon']}. {r.setting}. Dossiers arriving in the window:"
                f" {r.extra['arrived']:,.0f} a replication, of which"
                f" {r.extra['open_at_end']:,.1f} still open at the end of the horizon.",
            ]
    lines += [
        "",
        "## 3. Face validity (directions of change)",
        "",
        "The 7-unit quick scenario (`scenarios/validation/quick.yaml`). A and B run the same"
        " replications (common random numbers); the interval is the paired 95% t-interval of"
        " B − A. A row passes when the whole interval lies on the expected side of 0.",
        "",
        "| statement | metric | A | B | B − A | 95% CI | expected | reps | seed | result |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.section == "face":
            exp = "< 0" if r.extra["sign"] < 0 else "> 0"
            lines.append(
                f"| {r.name} | {r.quantity} | {_num(r.extra['A'])} | {_num(r.extra['B'])} | "
                f"{_num(r.simulated)} | [{_num(r.ci_low)}, {_num(r.ci_high)}] | {exp} | "
                f"{r.reps} | {r.seed} | {_ok(r.passed)} |"
            )
    lines += [
        "",
        "## Theory used",
        "",
        "* Erlang C: P(wait) = C(c, a), a = λ/μ; W_q = C(c, a) / (cμ − λ) (`sim.theory.mmc_wait`).",
        "* Pollaczek-Khinchine: W_q = ρ E[S] (1 + cv²) / (2 (1 − ρ)) (`sim.theory.mg1_wait`).",
        "* Jackson product form for stations in series with Poisson input: mean time in system"
        " = Σ (W_q of the station's M/M/c queue + its mean service)"
        " (`sim.theory.jackson_tandem_sojourn`).",
        "* Little's law: L = λW for any stable system in steady state.",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m sim.validation_report",
        description="Run the validation checks and write the Markdown report.",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    p.add_argument("--reps", type=int, default=None, help="replications of every check")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--quick", action="store_true", help="short horizons, few replications")
    p.add_argument("--workers", type=int, default=1, help="local worker processes")
    p.add_argument("--only", action="append", choices=list(SECTIONS), help="run only these")
    args = p.parse_args(argv)
    if args.reps is not None and args.reps < 2:
        p.error("--reps must be at least 2 (intervals need two replications)")
    if not 0 <= args.seed < 2**63:
        p.error("--seed must be between 0 and 2**63-1")
    cfg = Settings(quick=args.quick, reps=args.reps, seed=args.seed, workers=args.workers)
    t0 = time.perf_counter()
    try:
        rows = run_checks(cfg, args.only, log=sys.stderr)
    except ScenarioError as exc:  # a validation scenario is missing or broken
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from sim.outputs import atomic_open

    with atomic_open(args.out) as fh:
        fh.write(render(rows, cfg, time.perf_counter() - t0))
    failed = [r.name for r in rows if not r.passed]
    print(f"{len(rows) - len(failed)} of {len(rows)} checks pass; report in {args.out}")
    for name in failed:
        print(f"FAILED: {name}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
