"""Lateness anatomy of a run: where the late dossiers are, why, and how that compares with
the published figures.

:func:`explain` reads the ``--out`` folder of ``tthc-sim run`` (``manifest.json`` with the
resolved scenario, seed and replications, ``dossiers.parquet`` with one row per dossier and
replication, ``replications.csv``) and returns an :class:`Anatomy`: tidy frames with every
figure per replication, and its mean over the replications with a 95% interval from
:mod:`sim.stats` (rates and shares inside [0, 1], counts inside [0, inf), NaN where
undefined).

Definitions
-----------
* **Late** on a clock: resolved after its deadline on that clock (the complement of that
  clock's on-time rate, :mod:`sim.results`). Dossiers still open past their deadline at the
  end of the horizon are counted apart (``open_overdue``, headline clock only: the frame keeps
  only the headline deadline).
* **Clocks** (:mod:`sim.clocks`): the *legal* clock always; the *recorded* clock of the
  one-stop system as well when the scenario has ``recorded_clock`` on, and it is then the
  headline clock (the province's 98.5% is a recorded figure).
* **Cause** of a late dossier: the largest delay that consumed its clock, as the run's
  ``late_cause`` column (:mod:`sim.results`) on the headline clock. On the legal clock of a
  run whose headline clock is the recorded one, the same rule is applied to the delays the
  legal clock counts (not the financial obligation, the failed synchronisation or the closing
  lag; supplements only with ``supplements.clock_rule: keep``).
* **Unit type**: phường / xã / đặc khu of the receiving unit (``sim/data/units.csv``).
* **Month**: month of resolution.
* **Land's use of its deadline**: for the dossiers of the land registration office's
  procedures, resolved (closed in the system, on the recorded clock) within the horizon and
  not inherited, the working time from the clock start to the resolution over the working
  time from the clock start to the deadline, on the headline clock. Above 1 means late.
* **Causes by counterfactual** (optional, reruns the replications):
  :func:`sim.attribution.attribute_lateness`, the share of late dossiers (resolved late or
  open past the deadline, headline clock) that would have been on time without each source
  of delay.
* **Facts**: every target registered in :mod:`sim.targets`, measured per replication, beside
  the reported value, range and source of ``calibration.targets`` in
  ``scenarios/calibration/baseline.yaml`` (the numbers live there only).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import ResultsFolderError
from sim.results import CAUSES, RepTables, _months, _rate, month_rates
from sim.scenario import Scenario, TargetSpec, load_scenario, scenario_from_dict
from sim.stats import bounded_interval, interval_note, rate_interval

ROOT = Path(__file__).resolve().parents[1]
TARGETS_FILE = ROOT / "scenarios" / "calibration" / "baseline.yaml"
"""Where the reported values, ranges and sources of the targets live (``calibration.targets``)."""

VIEWS: tuple[str, ...] = ("total", "cause", "procedure", "unit_type", "month")
"""Breakdowns of the late dossiers (``total`` has one level, ``all``)."""

LAND_THRESHOLDS: tuple[float, ...] = (0.5, 0.8, 1.0)
"""Shares of the deadline whose exceedance is reported for land dossiers."""
LAND_QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9, 0.99)
LAND_BINS: tuple[float, ...] = (*np.round(np.arange(0.0, 1.51, 0.1), 2).tolist(), math.inf)
"""Histogram bins of the deadline use (the last bin holds everything above 150%)."""

RECORDED_ONLY_CAUSES = frozenset({"financial_obligation", "data_sync", "closing_lag"})
"""Causes that only the recorded clock counts (:mod:`sim.results`)."""

_NEEDED = (
    "rep",
    "unit",
    "procedure",
    "channel",
    "inherited",
    "status",
    "on_time",
    "legal_on_time",
    "recorded_on_time",
    "open_overdue",
    "late_cause",
    "resolved_month",
    "arrived_at",
    "reception_start_at",
    "received_at",
    "clock_start_at",
    "processing_start_at",
    "processing_end_at",
    "approval_start_at",
    "resolved_at",
    "deadline_at",
    "closed_at",
    "wait_queue_minutes",
    "wait_network_minutes",
    "wait_supplement_minutes",
    "wait_external_minutes",
    "wait_signing_minutes",
    "inbox_wait_working_hours",
)


@dataclass
class Anatomy:
    """The lateness anatomy of one run folder (see the module docstring for definitions).

    Frames ending in ``_by_rep`` hold one value per replication; the others the mean over the
    replications with its 95% interval (``*_low``, ``*_high``; NaN where undefined, e.g.
    fewer than two replications).

    Attributes
    ----------
    late_by_rep
        ``rep, clock, view, level, late, resolved``: dossiers resolved late on ``clock`` in
        ``level`` of ``view`` (``resolved`` is NaN for causes).
    late
        ``clock, view, level, late, late_low, late_high`` (dossiers per replication),
        ``share, share_low, share_high`` (of the clock's late dossiers), ``rate, rate_low,
        rate_high`` (late / resolved in the level; NaN for causes), ``reps``.
    totals_by_rep, totals
        ``rep, metric, value`` / ``metric, mean, low, high``: resolved, late and on-time rate
        per clock (``late_legal``, ``on_time_rate_recorded``, ...) and ``open_overdue``.
    land_use_by_rep, land_use
        ``rep, statistic, value, dossiers`` / ``statistic, mean, low, high``: quantiles
        (``q50``: median) and shares above thresholds (``above_80``) of the land deadline use
        (fraction of the deadline; 1 = the whole of it).
    land_histogram
        ``bin_low, bin_high, share, share_low, share_high``: share of the land dossiers whose
        deadline use falls in each bin (mean over the replications).
    facts_by_rep, facts
        ``rep, target, value`` / ``target, description, kind, model, model_low, model_high,
        reported_value, range_low, range_high, within, reported, source``: every registered
        target against the reported figure; ``within`` is whether the model's mean lies in
        the reported range (None where either is undefined).
    counterfactual_by_rep, counterfactual
        None unless asked for: ``rep, month, cause, late, rescued, share`` /
        ``month, cause, late, share, share_low, share_high``.
    """

    folder: Path
    scenario: str
    seed: int
    replications: list[int]
    clocks: tuple[str, ...]
    headline_clock: str
    late_by_rep: pd.DataFrame
    late: pd.DataFrame
    totals_by_rep: pd.DataFrame
    totals: pd.DataFrame
    land_use_by_rep: pd.DataFrame
    land_use: pd.DataFrame
    land_histogram: pd.DataFrame
    facts_by_rep: pd.DataFrame
    facts: pd.DataFrame
    counterfactual_by_rep: pd.DataFrame | None = None
    counterfactual: pd.DataFrame | None = None
    targets_source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def interval_note(self) -> str | None:
        """What to say about intervals from this many replications (None when fine)."""
        return interval_note(len(self.replications))

    def frames(self) -> dict[str, pd.DataFrame]:
        """The tables by file stem (what ``--out`` writes as CSV)."""
        out = {
            "late": self.late,
            "late_by_rep": self.late_by_rep,
            "totals": self.totals,
            "totals_by_rep": self.totals_by_rep,
            "land_deadline_use": self.land_use,
            "land_deadline_use_by_rep": self.land_use_by_rep,
            "land_deadline_histogram": self.land_histogram,
            "facts": self.facts,
            "facts_by_rep": self.facts_by_rep,
        }
        if self.counterfactual is not None and self.counterfactual_by_rep is not None:
            out["counterfactual"] = self.counterfactual
            out["counterfactual_by_rep"] = self.counterfactual_by_rep
        return out

    def to_json(self) -> dict[str, Any]:
        """Plain data for :func:`sim.stats.dumps` (NaN becomes null there)."""
        out: dict[str, Any] = {
            "kind": "explain",
            "results": str(self.folder),
            "scenario": self.scenario,
            "seed": self.seed,
            "replications": self.replications,
            "clocks": list(self.clocks),
            "headline_clock": self.headline_clock,
            "interval_note": self.interval_note,
            "targets_source": self.targets_source,
            "notes": self.notes,
        }
        for name, frame in self.frames().items():
            if not name.endswith("_by_rep"):
                out[name] = frame.to_dict("records")
        out["counterfactual"] = (
            None if self.counterfactual is None else self.counterfactual.to_dict("records")
        )
        return out


# ----------------------------------------------------------------------------- reading


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a ``tthc-sim run --out`` folder.

    Raises
    ------
    ResultsFolderError
        Not a folder, no or an unreadable manifest, not a run, or files missing (the message
        names the path).
    """
    d = Path(folder)
    if not d.is_dir():
        raise ResultsFolderError("not a folder", str(d))
    path = d / "manifest.json"
    if not path.is_file():
        raise ResultsFolderError("no manifest.json: not a finished run folder", str(d))
    try:
        man = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsFolderError(f"not a valid manifest ({exc})", str(path)) from None
    if not isinstance(man, dict) or man.get("kind") != "run":
        kind = man.get("kind") if isinstance(man, dict) else None
        raise ResultsFolderError(
            f"kind: {kind!r}: explain reads the folder of `tthc-sim run --out`", str(path)
        )
    for key in ("scenario", "seed", "replications"):
        if key not in man:
            raise ResultsFolderError(f"{key}: missing", str(path))
    for name in ("dossiers.parquet", "replications.csv"):
        if not (d / name).is_file():
            raise ResultsFolderError(f"missing: {d} is incomplete", str(d / name))
    return man


def _read_rep(path: Path, rep: int, columns: Sequence[str]) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path, columns=list(columns), filters=[("rep", "==", rep)])
    except (OSError, ValueError, KeyError) as exc:  # pyarrow errors derive from these
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ResultsFolderError(f"unreadable dossier table ({first})", str(path)) from None
    return frame


# ----------------------------------------------------------------------------- per dossier


def _working(cal: Any, origin: np.datetime64, column: pd.Series) -> np.ndarray:
    """Datetimes -> working minutes of ``cal`` (NaN for NaT)."""
    values = column.to_numpy(dtype="datetime64[ms]")
    nat = np.isnat(values)
    wall = (values - origin).astype("timedelta64[ms]").astype(np.float64) / 60_000.0
    wall[nat] = 0.0
    out = cal.to_working(wall)
    out[nat] = np.nan
    return np.asarray(out, dtype=np.float64)


def legal_causes(frame: pd.DataFrame, scn: Scenario, cal: Any) -> pd.Categorical:
    """The cause of every dossier on the legal clock: the largest delay it counts.

    The parts are those of :func:`sim.results.dossier_frame` on a run whose headline clock is
    the legal one: waiting for officers, for the system or network, for supplements (only
    with ``supplements.clock_rule: keep``), the officers' working time, the land route's
    external step and the signing session; recorded-only delays count 0. Returned for every
    row (callers keep the late ones); working times come from the frame's timestamps
    (rounded to the second), so near-ties may resolve otherwise than in the model.
    """
    origin = np.datetime64(cal.origin, "ms")

    def span(start: str, end: str) -> np.ndarray:
        d = _working(cal, origin, frame[end]) - _working(cal, origin, frame[start])
        return np.nan_to_num(d)

    network = np.nan_to_num(frame["wait_network_minutes"].to_numpy(dtype=float))
    service = (
        span("reception_start_at", "received_at")
        + span("processing_start_at", "processing_end_at")
        + span("approval_start_at", "resolved_at")
    )
    service = np.maximum(service - network, 0.0)
    n = len(frame)
    zero = np.zeros(n)
    supplements = np.nan_to_num(frame["wait_supplement_minutes"].to_numpy(dtype=float))
    parts = {
        "queueing": np.nan_to_num(frame["wait_queue_minutes"].to_numpy(dtype=float)),
        "network": network,
        "supplements": supplements if scn.supplements.clock_rule == "keep" else zero,
        "service": service,
        "land_external": np.nan_to_num(frame["wait_external_minutes"].to_numpy(dtype=float)),
        "signing": np.nan_to_num(frame["wait_signing_minutes"].to_numpy(dtype=float)),
    }
    stacked = np.vstack([parts.get(c, zero) for c in CAUSES])
    return pd.Categorical.from_codes(np.argmax(stacked, axis=0), categories=list(CAUSES))


def land_deadline_use(frame: pd.DataFrame, scn: Scenario, cal: Any) -> np.ndarray:
    """Deadline use of the land dossiers of one replication (headline clock; see the module
    docstring): one value per land dossier resolved within the horizon and not inherited."""
    from sim.targets import land_procedures

    land = frame["procedure"].astype(str).isin(land_procedures(scn)).to_numpy()
    keep = land & (frame["status"] == "resolved").to_numpy() & ~frame["inherited"].to_numpy()
    sub = frame.loc[keep]
    origin = np.datetime64(cal.origin, "ms")
    end_col = "closed_at" if scn.recorded_clock.enabled else "resolved_at"
    start = _working(cal, origin, sub["clock_start_at"])
    end = _working(cal, origin, sub[end_col])
    due = _working(cal, origin, sub["deadline_at"])
    window = due - start
    ok = np.isfinite(start) & np.isfinite(end) & np.isfinite(due) & (window > 0)
    return np.asarray((end[ok] - start[ok]) / window[ok], dtype=np.float64)


# ----------------------------------------------------------------------------- per replication


def _unit_types(scn: Scenario) -> dict[str, str]:
    from sim.units import load_units

    t = load_units().frame
    return {str(c): str(v) for c, v in zip(t["code"], t["type"], strict=True)}


def _levels(scn: Scenario, months: Sequence[str]) -> dict[str, list[str]]:
    types = _unit_types(scn)
    present = {types[c] for c in scn.unit_codes()}
    from sim.units import UNIT_TYPES

    return {
        "total": ["all"],
        "cause": list(CAUSES),
        "procedure": list(scn.procedures),
        "unit_type": [t for t in UNIT_TYPES if t in present],
        "month": list(months),
    }


def _late_rows(
    frame: pd.DataFrame, late: np.ndarray, cause: pd.Series, clock: str, rep: int, types: dict
) -> list[dict[str, Any]]:
    """Late and resolved dossiers of one replication and clock by every view's level."""
    resolved = (frame["status"] == "resolved").to_numpy()
    keys = {
        "total": pd.Series("all", index=frame.index),
        "procedure": frame["procedure"].astype(str),
        "unit_type": frame["unit"].astype(str).map(types),
        "month": frame["resolved_month"].astype(str),
    }
    rows: list[dict[str, Any]] = []
    for view, key in keys.items():
        n_late = key[late].value_counts()
        n_res = key[resolved].value_counts()
        for level in n_res.index.union(n_late.index):
            rows.append(
                {
                    "rep": rep,
                    "clock": clock,
                    "view": view,
                    "level": str(level),
                    "late": int(n_late.get(level, 0)),
                    "resolved": float(n_res.get(level, 0)),
                }
            )
    n_cause = cause[late].astype(str).value_counts()
    for level, n in n_cause.items():
        rows.append(
            {
                "rep": rep,
                "clock": clock,
                "view": "cause",
                "level": str(level),
                "late": int(n),
                "resolved": math.nan,
            }
        )
    return rows


def _rep_tables(frame: pd.DataFrame, kpis: pd.DataFrame, scn: Scenario, rep: int) -> RepTables:
    """The parts of :class:`sim.results.RepTables` the targets read, rebuilt from the frame."""
    procedures = _rate(frame, "procedure", list(scn.procedures))
    resolved = frame["status"] == "resolved"
    observed = [str(m) for m in frame.loc[resolved, "resolved_month"].dropna().unique()]
    months = month_rates(frame, resolved, scn, observed)
    empty = pd.DataFrame()
    return RepTables(
        rep=rep,
        kpis=kpis.reset_index(drop=True),
        units=empty,
        procedures=procedures,
        channels=empty,
        months=months,
        causes=empty,
        pools=empty,
        backlog=empty,
        dossiers=frame,
    )


# ----------------------------------------------------------------------------- facts


def reported_targets(path: str | Path = TARGETS_FILE) -> dict[str, TargetSpec]:
    """The reported value, range and source of every target (``calibration.targets`` of
    ``path``; empty if the file has none).

    Raises
    ------
    ScenarioError
        If the file cannot be read or validated.
    """
    scn = load_scenario(path)
    return dict(scn.calibration.targets) if scn.calibration else {}


def _target_specs(scn: Scenario, path: str | Path | None) -> tuple[dict[str, TargetSpec], str]:
    """The run scenario's own targets if it has any, else those of ``path``."""
    if scn.calibration is not None and scn.calibration.targets:
        return dict(scn.calibration.targets), "the run's scenario (calibration.targets)"
    target = Path(path) if path is not None else TARGETS_FILE
    if not target.is_file():
        return {}, ""
    try:
        rel = target.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        rel = str(target)
    return reported_targets(target), f"{rel} (calibration.targets)"


def facts_table(values: pd.DataFrame, specs: dict[str, TargetSpec]) -> pd.DataFrame:
    """Every registered target's model value (mean and 95% interval over the replications of
    ``values``: ``rep, target, value``) beside the reported figure of ``specs``.

    Shares get :func:`sim.stats.bounded_interval` inside [0, 1], counts and ratios inside
    [0, inf). Columns as :attr:`Anatomy.facts`.
    """
    from sim.targets import TARGETS

    names = [*[n for n in specs if n in TARGETS], *[n for n in TARGETS if n not in specs]]
    rows = []
    for name in names:
        t = TARGETS[name]
        v = values.loc[values["target"] == name, "value"].to_numpy(dtype=float)
        high = 1.0 if t.kind == "share" else math.inf
        mean, lo, hi = bounded_interval(v, 0.0, high)
        spec = specs.get(name)
        bounds = spec.bounds if spec else (math.nan, math.nan)
        within = None
        if spec is not None and math.isfinite(mean):
            within = bool(bounds[0] <= mean <= bounds[1])
        rows.append(
            {
                "target": name,
                "description": t.description,
                "kind": t.kind,
                "model": mean,
                "model_low": lo,
                "model_high": hi,
                "reported_value": spec.centre if spec else math.nan,
                "range_low": bounds[0],
                "range_high": bounds[1],
                "within": within,
                "reported": spec.reported if spec else "",
                "source": spec.source if spec else "",
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- summaries


def _summarise_late(by_rep: pd.DataFrame, reps: Sequence[int]) -> pd.DataFrame:
    """Mean and interval of late counts, shares of the clock's late and late rates."""
    rows = []
    totals = by_rep[by_rep["view"] == "total"].set_index(["clock", "rep"])["late"]
    for (clock, view, level), g in by_rep.groupby(["clock", "view", "level"], sort=False):
        g = g.set_index("rep").reindex(list(reps))
        late = g["late"].fillna(0).to_numpy(dtype=float)
        total = np.array([totals.get((clock, r), 0) for r in reps], dtype=float)
        share = np.where(total > 0, late / np.where(total > 0, total, 1), np.nan)
        m, lo, hi = bounded_interval(late, 0.0, math.inf)
        s = rate_interval(share, total)
        if view == "cause":
            rt: tuple[float, float, float] = (math.nan, math.nan, math.nan)
        else:
            res = g["resolved"].fillna(0).to_numpy(dtype=float)
            rate = np.where(res > 0, late / np.where(res > 0, res, 1), np.nan)
            rt = rate_interval(rate, res)
        rows.append(
            {
                "clock": clock,
                "view": view,
                "level": level,
                "late": m,
                "late_low": lo,
                "late_high": hi,
                "share": s[0],
                "share_low": s[1],
                "share_high": s[2],
                "rate": rt[0],
                "rate_low": rt[1],
                "rate_high": rt[2],
                "reps": len(reps),
            }
        )
    return pd.DataFrame(rows)


def _complete(by_rep: pd.DataFrame, levels: dict[str, list[str]]) -> pd.DataFrame:
    """Every (rep, clock, view, level) present, zero where nothing was counted, in order."""
    keys = []
    for clock in by_rep["clock"].unique():
        for view in VIEWS:
            for level in levels[view]:
                keys.append((clock, view, level))
    reps = sorted(by_rep["rep"].unique())
    idx = pd.MultiIndex.from_tuples(
        [(r, *k) for r in reps for k in keys], names=["rep", "clock", "view", "level"]
    )
    out = by_rep.groupby(["rep", "clock", "view", "level"], sort=False)[["late", "resolved"]].sum(
        min_count=1
    )
    extra = out.index.difference(idx)
    out = out.reindex(idx.append(extra))
    out["late"] = out["late"].fillna(0).astype("int64")
    cause = out.index.get_level_values("view") == "cause"
    out.loc[~cause, "resolved"] = out.loc[~cause, "resolved"].fillna(0)
    return out.reset_index()


def _summarise_values(by_rep: pd.DataFrame, key: str) -> pd.DataFrame:
    """Mean and interval of ``value`` per ``key``: shares and rates with the binomial floor
    (``dossiers`` as trials), other quantities inside [0, inf)."""
    rows = []
    for name, g in by_rep.groupby(key, sort=False):
        v = g["value"].to_numpy(dtype=float)
        is_rate = str(name).startswith(("above_", "on_time_rate", "share"))
        if is_rate and "dossiers" in g:
            m, lo, hi = rate_interval(v, g["dossiers"].to_numpy(dtype=float))
        else:
            m, lo, hi = bounded_interval(v, 0.0, math.inf)
        rows.append({key: name, "mean": m, "low": lo, "high": hi})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- main


def explain(
    folder: str | Path,
    *,
    counterfactual: bool = False,
    workers: int | None = 1,
    targets_file: str | Path | None = None,
) -> Anatomy:
    """The lateness anatomy of a ``tthc-sim run --out`` folder.

    Parameters
    ----------
    folder
        The run folder (``manifest.json``, ``dossiers.parquet``, ``replications.csv``).
    counterfactual
        Also rerun the run's replications (same scenario, seed and replication numbers)
        without each source of delay (:func:`sim.attribution.attribute_lateness`); this takes
        several times the run's own time.
    workers
        Processes for the counterfactual reruns (1: in this process, 0: all cores).
    targets_file
        Scenario file whose ``calibration.targets`` give the reported figures when the run's
        scenario has none (default :data:`TARGETS_FILE`).

    Returns
    -------
    Anatomy

    Raises
    ------
    ResultsFolderError
        For a folder that is not a finished run folder, or unreadable files (the message
        names the path and, where there is one, the field).
    ScenarioError
        If the run's scenario (in its manifest) no longer validates.
    """
    from sim.model import horizon_calendar
    from sim.targets import TARGETS

    d = Path(folder)
    man = read_manifest(d)
    scn = scenario_from_dict(man["scenario"], str(d / "manifest.json"))
    reps = [int(r) for r in man["replications"]]
    seed = int(man["seed"])
    kpis = pd.read_csv(d / "replications.csv")
    if "rep" not in kpis.columns:
        raise ResultsFolderError("rep: missing column", str(d / "replications.csv"))
    recorded = scn.recorded_clock.enabled
    clocks = ("legal", "recorded") if recorded else ("legal",)
    headline = "recorded" if recorded else "legal"
    cal = horizon_calendar(scn)
    types = _unit_types(scn)
    specs, targets_source = _target_specs(scn, targets_file)
    columns = list(dict.fromkeys([*_NEEDED]))
    late_rows: list[dict[str, Any]] = []
    totals: list[dict[str, Any]] = []
    land_rows: list[dict[str, Any]] = []
    hist_rows: list[dict[str, Any]] = []
    fact_rows: list[dict[str, Any]] = []
    months: set[str] = set(_months(scn, []))
    edges = np.asarray(LAND_BINS, dtype=float)
    path = d / "dossiers.parquet"
    for rep in reps:
        frame = _read_rep(path, rep, columns)
        if frame.empty:
            raise ResultsFolderError(f"rep: no dossier of replication {rep}", str(path))
        resolved = (frame["status"] == "resolved").to_numpy()
        months |= {str(m) for m in frame.loc[resolved, "resolved_month"].dropna().unique()}
        n_res = int(resolved.sum())
        for clock in clocks:
            on_time = frame[f"{clock}_on_time"].fillna(False).to_numpy(dtype=bool)
            late = resolved & ~on_time
            if clock == headline:
                cause = frame["late_cause"]
            else:
                cause = pd.Series(legal_causes(frame, scn, cal), index=frame.index)
            late_rows += _late_rows(frame, late, cause, clock, rep, types)
            totals += [
                {
                    "rep": rep,
                    "metric": f"late_{clock}",
                    "value": int(late.sum()),
                    "dossiers": n_res,
                },
                {
                    "rep": rep,
                    "metric": f"on_time_rate_{clock}",
                    "value": (n_res - int(late.sum())) / n_res if n_res else math.nan,
                    "dossiers": n_res,
                },
            ]
        totals += [
            {"rep": rep, "metric": "resolved", "value": n_res, "dossiers": n_res},
            {
                "rep": rep,
                "metric": f"open_overdue_{headline}",
                "value": int(frame["open_overdue"].sum()),
                "dossiers": len(frame),
            },
        ]
        use = land_deadline_use(frame, scn, cal)
        n_land = len(use)
        for q in LAND_QUANTILES:
            land_rows.append(
                {
                    "rep": rep,
                    "statistic": f"q{round(100 * q)}",
                    "value": float(np.quantile(use, q)) if n_land else math.nan,
                    "dossiers": n_land,
                }
            )
        for t in LAND_THRESHOLDS:
            land_rows.append(
                {
                    "rep": rep,
                    "statistic": f"above_{round(100 * t)}",
                    "value": float((use > t).mean()) if n_land else math.nan,
                    "dossiers": n_land,
                }
            )
        counts, _ = np.histogram(np.minimum(use, 1e9), bins=np.minimum(edges, 1e10))
        for i, c in enumerate(counts):
            hist_rows.append(
                {
                    "rep": rep,
                    "bin_low": edges[i],
                    "bin_high": edges[i + 1],
                    "share": c / n_land if n_land else math.nan,
                    "dossiers": n_land,
                }
            )
        k = kpis.loc[kpis["rep"] == rep]
        if k.empty:
            raise ResultsFolderError(
                f"rep: no row for replication {rep}", str(d / "replications.csv")
            )
        tables = _rep_tables(frame, k, scn, rep)
        for name, target in TARGETS.items():
            try:
                value = target(tables, scn)
            except KeyError:  # a KPI an older run did not report
                value = math.nan
            fact_rows.append(
                {"rep": rep, "target": name, "value": value if math.isfinite(value) else math.nan}
            )
        del frame, tables
    late_by_rep = _complete(pd.DataFrame(late_rows), _levels(scn, sorted(months)))
    totals_by_rep = pd.DataFrame(totals)
    land_by_rep = pd.DataFrame(land_rows)
    hist_by_rep = pd.DataFrame(hist_rows)
    facts_by_rep = pd.DataFrame(fact_rows)
    hist = []
    for (lo_b, hi_b), g in hist_by_rep.groupby(["bin_low", "bin_high"], sort=True):
        s = rate_interval(g["share"], g["dossiers"])
        hist.append(
            {
                "bin_low": lo_b,
                "bin_high": hi_b,
                "share": s[0],
                "share_low": s[1],
                "share_high": s[2],
            }
        )
    anatomy = Anatomy(
        folder=d,
        scenario=scn.name,
        seed=seed,
        replications=reps,
        clocks=clocks,
        headline_clock=headline,
        late_by_rep=late_by_rep,
        late=_summarise_late(late_by_rep, reps),
        totals_by_rep=totals_by_rep,
        totals=_summarise_values(totals_by_rep, "metric"),
        land_use_by_rep=land_by_rep,
        land_use=_summarise_values(land_by_rep, "statistic"),
        land_histogram=pd.DataFrame(hist),
        facts_by_rep=facts_by_rep,
        facts=facts_table(facts_by_rep, specs),
        targets_source=targets_source,
    )
    if not specs:
        anatomy.notes.append("no reported figures found: the facts table has no ranges")
    if counterfactual:
        anatomy.counterfactual_by_rep, anatomy.counterfactual = counterfactuals(
            scn, seed, reps, workers
        )
    return anatomy


def counterfactuals(
    scn: Scenario, seed: int, reps: Sequence[int], workers: int | None = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per replication and summarised: :func:`sim.attribution.attribute_lateness` for the
    run's scenario, seed and replications. The summary share's interval is
    :func:`sim.stats.rate_interval` with the late dossiers as trials."""
    from sim.attribution import attribute_lateness

    by_rep = attribute_lateness(scn, seed=seed, workers=workers, replications=list(reps))
    rows = []
    for (month, cause), g in by_rep.groupby(["month", "cause"], sort=False):
        m, lo, hi = rate_interval(g["share"], g["late"])
        rows.append(
            {
                "month": month,
                "cause": cause,
                "late": float(g["late"].mean()),
                "share": m,
                "share_low": lo,
                "share_high": hi,
            }
        )
    return by_rep, pd.DataFrame(rows)


# ----------------------------------------------------------------------------- rendering


def _num(x: float, digits: int = 1) -> str:
    return "n/a" if x is None or not math.isfinite(float(x)) else f"{float(x):,.{digits}f}"


def _pc(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(float(x)) else f"{100 * float(x):.2f}%"


def level_label(view: str, level: str, lang: str, names_vi: dict[str, str] | None = None) -> str:
    """How a level of a view is shown in ``lang`` (procedure, cause and unit-type names)."""
    from sim.labels import LABELS, label

    if view == "cause":
        return label(f"cause_{level}", lang)
    if view == "procedure":
        if level not in LABELS and lang == "vi" and names_vi and names_vi.get(level):
            return names_vi[level]
        return label(level, lang)
    if view == "unit_type":
        return label(level, lang)
    if view == "total":
        return label("exp_all", lang)
    return level


def _fact_value(kind: str, x: float) -> str:
    return _pc(x) if kind == "share" else _num(x, 2 if kind == "ratio" else 0)


def _ci(fmt: Any, low: float, high: float) -> str:
    return f"{fmt(low)} – {fmt(high)}"


def view_table(anatomy: Anatomy, view: str, clock: str, lang: str = "en") -> pd.DataFrame:
    """One view of the late dossiers on one clock, formatted for people (headers in
    ``lang``): late per replication, share of the clock's late dossiers and, except for
    causes, the late rate within the level, each with its 95% interval."""
    from sim.labels import label

    d = anatomy.late[(anatomy.late["view"] == view) & (anatomy.late["clock"] == clock)]
    names_vi = anatomy_names_vi(anatomy)
    ci = "95%"
    cols: dict[str, list[str]] = {
        label("exp_level", lang): [level_label(view, str(v), lang, names_vi) for v in d["level"]],
        label("exp_late", lang): [_num(x) for x in d["late"]],
        f"{ci} ": [_ci(_num, a, b) for a, b in zip(d["late_low"], d["late_high"], strict=True)],
        label("exp_share", lang): [_pc(x) for x in d["share"]],
        f"{ci}  ": [_ci(_pc, a, b) for a, b in zip(d["share_low"], d["share_high"], strict=True)],
    }
    if view != "cause":
        cols[label("exp_rate", lang)] = [_pc(x) for x in d["rate"]]
        cols[f"{ci}   "] = [
            _ci(_pc, a, b) for a, b in zip(d["rate_low"], d["rate_high"], strict=True)
        ]
    return pd.DataFrame(cols)


def anatomy_names_vi(anatomy: Anatomy) -> dict[str, str]:
    """Vietnamese procedure names of the run's scenario (``procedures.*.name_vi``)."""
    try:
        man = json.loads((anatomy.folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    procs = (man.get("scenario") or {}).get("procedures") or {}
    return {k: str(v.get("name_vi", "")) for k, v in procs.items() if isinstance(v, dict)}


def facts_frame(anatomy: Anatomy, lang: str = "en") -> pd.DataFrame:
    """The facts table formatted for people."""
    from sim.labels import label

    rows = []
    for r in anatomy.facts.itertuples():
        rng = (
            f"{_fact_value(r.kind, r.range_low)} – {_fact_value(r.kind, r.range_high)}"
            if math.isfinite(r.range_low)
            else label("exp_na", lang)
        )
        within = {True: "exp_yes", False: "exp_no", None: "exp_na"}[r.within]
        rows.append(
            {
                label("exp_fact", lang): label(f"tgt_{r.target}", lang),
                label("exp_model", lang): _fact_value(r.kind, r.model),
                "95%": f"{_fact_value(r.kind, r.model_low)} – {_fact_value(r.kind, r.model_high)}",
                label("exp_reported", lang): _fact_value(r.kind, r.reported_value),
                label("exp_range", lang): rng,
                label("exp_within", lang): label(within, lang),
                label("exp_source", lang): r.source,
            }
        )
    return pd.DataFrame(rows)


def land_frame(anatomy: Anatomy, lang: str = "en") -> pd.DataFrame:
    from sim.labels import label

    rows = []
    for r in anatomy.land_use.itertuples():
        rows.append(
            {
                label("exp_statistic", lang): label(f"exp_{r.statistic}", lang),
                label("exp_mean", lang): _pc(r.mean),
                "95%": _ci(_pc, r.low, r.high),
            }
        )
    return pd.DataFrame(rows)


def counterfactual_frame(anatomy: Anatomy, lang: str = "en") -> pd.DataFrame | None:
    from sim.labels import label

    if anatomy.counterfactual is None:
        return None
    d = anatomy.counterfactual[anatomy.counterfactual["month"] == "all"]
    return pd.DataFrame(
        {
            label("exp_cf_cause", lang): [label(f"cf_{c}", lang) for c in d["cause"]],
            label("exp_late", lang): [_num(x) for x in d["late"]],
            label("exp_rescued", lang): [_pc(x) for x in d["share"]],
            "95%": [_ci(_pc, a, b) for a, b in zip(d["share_low"], d["share_high"], strict=True)],
        }
    )


def _totals_lines(anatomy: Anatomy, lang: str) -> list[str]:
    from sim.labels import label

    t = anatomy.totals.set_index("metric")
    lines = []
    for clock in anatomy.clocks:
        late, rate = t.loc[f"late_{clock}"], t.loc[f"on_time_rate_{clock}"]
        lines.append(
            label(
                "exp_total",
                lang,
                clock=label(f"exp_clock_{clock}", lang),
                late=_num(late["mean"]),
                low=_num(late["low"]),
                high=_num(late["high"]),
                rate=_pc(rate["mean"]),
                rate_low=_pc(rate["low"]),
                rate_high=_pc(rate["high"]),
            )
        )
    o = t.loc[f"open_overdue_{anatomy.headline_clock}"]
    lines.append(
        label(
            "exp_open_overdue",
            lang,
            clock=label(f"exp_clock_{anatomy.headline_clock}", lang),
            value=_num(o["mean"]),
            low=_num(o["low"]),
            high=_num(o["high"]),
        )
    )
    return lines


def _land_dossiers(anatomy: Anatomy) -> float:
    d = anatomy.land_use_by_rep
    return float(d.groupby("rep")["dossiers"].first().mean()) if len(d) else 0.0


def _head_line(anatomy: Anatomy, lang: str) -> str:
    """The report's first line: scenario, replications, seed and clocks."""
    from sim.labels import label

    clocks = ", ".join(label(f"exp_clock_{c}", lang) for c in anatomy.clocks)
    return label(
        "exp_head",
        lang,
        scenario=anatomy.scenario,
        reps=len(anatomy.replications),
        seed=anatomy.seed,
        clocks=clocks,
        headline=label(f"exp_clock_{anatomy.headline_clock}", lang),
    )


def render_text(anatomy: Anatomy, lang: str = "en") -> str:
    """The console report (tables in ``lang``)."""
    from sim.labels import label

    out = [_head_line(anatomy, lang)]
    if anatomy.interval_note:
        out.append(f"Note: {anatomy.interval_note}.")
    out += [*_totals_lines(anatomy, lang), ""]
    for view in ("cause", "procedure", "unit_type", "month"):
        for clock in anatomy.clocks:
            head = label(f"exp_view_{view}", lang)
            clock_text = label("exp_clock_suffix", lang, clock=label(f"exp_clock_{clock}", lang))
            out.append(f"{head}, {clock_text}:")
            out += [view_table(anatomy, view, clock, lang).to_string(index=False), ""]
    out.append(
        label(
            "exp_land_head",
            lang,
            clock=label(f"exp_clock_{anatomy.headline_clock}", lang),
            dossiers=_num(_land_dossiers(anatomy)),
        )
    )
    out += [land_frame(anatomy, lang).to_string(index=False), ""]
    out.append(label("exp_facts_head", lang, source=anatomy.targets_source or "-"))
    out += [facts_frame(anatomy, lang).to_string(index=False)]
    cf = counterfactual_frame(anatomy, lang)
    if cf is not None:
        out += ["", label("exp_cf_head", lang), cf.to_string(index=False)]
    out += [f"Note: {n}." for n in anatomy.notes]
    return "\n".join(out)


def _md_table(frame: pd.DataFrame) -> list[str]:
    head = "| " + " | ".join(str(c).strip() for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = [
        "| " + " | ".join(str(v).replace("|", "/") for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return [head, rule, *body]


def to_markdown(anatomy: Anatomy, lang: str = "en") -> str:
    """The anatomy as Markdown (the generated "Lateness anatomy" block of docs/model.md)."""
    from sim.labels import label

    out = [_head_line(anatomy, lang) + "."]
    if anatomy.interval_note:
        out += ["", f"_Note: {anatomy.interval_note}._"]
    out += [""] + [f"* {line}" for line in _totals_lines(anatomy, lang)]
    for view in ("cause", "procedure", "unit_type", "month"):
        for clock in anatomy.clocks:
            clock_text = label("exp_clock_suffix", lang, clock=label(f"exp_clock_{clock}", lang))
            out += ["", f"**{label(f'exp_view_{view}', lang)}, {clock_text}**", ""]
            out += _md_table(view_table(anatomy, view, clock, lang))
    out += [
        "",
        "**"
        + label(
            "exp_land_head",
            lang,
            clock=label(f"exp_clock_{anatomy.headline_clock}", lang),
            dossiers=_num(_land_dossiers(anatomy)),
        )
        + "**",
        "",
    ]
    out += _md_table(land_frame(anatomy, lang))
    out += ["", "**" + label("exp_facts_head", lang, source=anatomy.targets_source or "-") + "**"]
    out += ["", *_md_table(facts_frame(anatomy, lang))]
    cf = counterfactual_frame(anatomy, lang)
    if cf is not None:
        out += ["", "**" + label("exp_cf_head", lang) + "**", "", *_md_table(cf)]
    return "\n".join(out)


# ----------------------------------------------------------------------------- plots


PLOT_VIEWS: tuple[str, ...] = ("cause", "procedure", "unit_type", "month")
"""Views plotted as bars of late dossiers (one figure each)."""
_CLOCK_COLOURS = {"legal": "tab:blue", "recorded": "tab:red"}


def plot_view(anatomy: Anatomy, view: str, lang: str = "en") -> Any:
    """Late dossiers per replication by the levels of ``view``, one bar per clock, with the
    95% interval (matplotlib Figure)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from sim.labels import label
    from sim.plots import _legend, _lit, _wrap

    d = anatomy.late[anatomy.late["view"] == view]
    levels = list(dict.fromkeys(d["level"]))
    if view == "month":
        levels = sorted(levels)
    names_vi = anatomy_names_vi(anatomy)
    fig = Figure(figsize=(9, 0.3 * len(levels) * len(anatomy.clocks) + 2.0), layout="constrained")
    ax = fig.subplots()
    height = 0.8 / len(anatomy.clocks)
    ypos = np.arange(len(levels))[::-1]
    handles = []
    for k, clock in enumerate(anatomy.clocks):
        c = d[d["clock"] == clock].set_index("level").reindex(levels)
        mean = c["late"].to_numpy(dtype=float)
        lo = np.where(np.isnan(c["late_low"]), mean, c["late_low"])
        hi = np.where(np.isnan(c["late_high"]), mean, c["late_high"])
        y = ypos + (k - (len(anatomy.clocks) - 1) / 2) * height
        bars = ax.barh(
            y,
            mean,
            height=height * 0.9,
            color=_CLOCK_COLOURS[clock],
            alpha=0.75,
            xerr=np.vstack([mean - lo, hi - mean]),
            error_kw={"ecolor": "black", "elinewidth": 1, "capsize": 2},
        )
        text = label("exp_clock_suffix", lang, clock=label(f"exp_clock_{clock}", lang))
        handles.append((bars, text))
    ax.set_yticks(ypos, [_lit(level_label(view, v, lang, names_vi)) for v in levels])
    ax.set_xlabel(label("exp_axis_late", lang))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    _legend(ax, handles, fontsize="small", loc="lower right")
    title = label(
        "exp_title_view",
        lang,
        view=label(f"exp_view_{view}", lang),
        reps=len(anatomy.replications),
        scenario=anatomy.scenario,
    )
    fig.suptitle(_lit(_wrap(title, 90)), fontsize="medium")
    return fig


def plot_land(anatomy: Anatomy, lang: str = "en") -> Any:
    """Histogram of the land dossiers' deadline use (share of dossiers per bin, mean over the
    replications, 95% interval), with the 50%, 80% and 100% marks."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    from sim.labels import label
    from sim.plots import _lit, _wrap

    h = anatomy.land_histogram
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.subplots()
    if len(h) and np.isfinite(h["share"].to_numpy(dtype=float)).any():
        width = 0.1
        left = h["bin_low"].to_numpy(dtype=float)
        mean = h["share"].to_numpy(dtype=float)
        lo = np.where(np.isnan(h["share_low"]), mean, h["share_low"])
        hi = np.where(np.isnan(h["share_high"]), mean, h["share_high"])
        ax.bar(
            left,
            mean,
            width=width * 0.95,
            align="edge",
            color="tab:green",
            alpha=0.75,
            yerr=np.vstack([mean - lo, hi - mean]),
            error_kw={"ecolor": "black", "elinewidth": 1, "capsize": 2},
        )
        for t in LAND_THRESHOLDS:
            ax.axvline(t, color="tab:red" if t == 1.0 else "gray", linestyle="--", linewidth=1)
        ax.set_xticks(
            [*left, left[-1] + width],
            [*(f"{x:.0%}" for x in left), "∞"],
            fontsize="x-small",
        )
    else:
        ax.text(0.5, 0.5, label("exp_no_land", lang), ha="center", transform=ax.transAxes)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(label("exp_axis_use", lang))
    ax.set_ylabel(label("exp_axis_share_land", lang))
    ax.grid(axis="y", alpha=0.3)
    title = label(
        "exp_title_land",
        lang,
        clock=label(f"exp_clock_{anatomy.headline_clock}", lang),
        scenario=anatomy.scenario,
        reps=len(anatomy.replications),
    )
    ax.set_title(_lit(_wrap(title, 80)))
    return fig


FACTS_CLIP: tuple[float, float] = (-2.0, 3.0)
"""Range of the facts chart's axis, in units of each reported range (values beyond are drawn
at the edge with an arrow)."""


def _relative(x: float, low: float, high: float) -> float:
    """``x`` on the scale where the reported range is [0, 1]."""
    return (x - low) / (high - low)


def plot_facts(anatomy: Anatomy, lang: str = "en") -> Any:
    """The model against the reported facts: one row per target, on a scale where each
    target's reported range runs from 0 to 1 (green band), with the reported value (green
    bar), the model's mean and 95% interval (dot and line: blue inside the range, red
    outside) and, at the right, the numbers themselves. Targets without a reported range
    are listed with their model value only."""
    from matplotlib.figure import Figure

    from sim.labels import label
    from sim.plots import _lit, _wrap

    f = anatomy.facts
    n = max(len(f), 1)
    fig = Figure(figsize=(10, 0.45 * n + 1.6), layout="constrained")
    ax = fig.subplots()
    lo_clip, hi_clip = FACTS_CLIP
    ypos = np.arange(len(f))[::-1]
    ax.axvspan(0.0, 1.0, color="tab:green", alpha=0.15, lw=0)
    for y, r in zip(ypos, f.itertuples(), strict=True):
        has_range = math.isfinite(r.range_low) and math.isfinite(r.range_high)
        text = f"{_fact_value(r.kind, r.model)}  ({label('exp_reported', lang)} "
        text += f"{_fact_value(r.kind, r.range_low)} – {_fact_value(r.kind, r.range_high)})"
        ax.text(
            1.01, y, _lit(text), transform=ax.get_yaxis_transform(), va="center", fontsize="x-small"
        )
        if not has_range or not math.isfinite(r.model):
            ax.plot([0.5], [y], marker="x", color="gray")
            continue
        rv = _relative(r.reported_value, r.range_low, r.range_high)
        ax.plot([rv, rv], [y - 0.3, y + 0.3], color="tab:green", linewidth=2)
        m = _relative(r.model, r.range_low, r.range_high)
        lo = _relative(r.model_low, r.range_low, r.range_high) if math.isfinite(r.model_low) else m
        hi = (
            _relative(r.model_high, r.range_low, r.range_high) if math.isfinite(r.model_high) else m
        )
        colour = "tab:blue" if r.within else "tab:red"
        ax.hlines(y, max(lo, lo_clip), min(hi, hi_clip), color=colour, linewidth=2)
        if m < lo_clip or m > hi_clip:
            edge = lo_clip if m < lo_clip else hi_clip
            ax.plot([edge], [y], marker="<" if m < lo_clip else ">", color=colour, ms=7)
        else:
            ax.plot([m], [y], "o", color=colour, ms=5)
    ax.set_yticks(ypos, [_lit(label(f"tgt_{t}", lang)) for t in f["target"]], fontsize="small")
    ax.set_ylim(-0.7, len(f) - 0.3)
    ax.set_xlim(lo_clip - 0.1, hi_clip + 0.1)
    ax.axvline(0.0, color="tab:green", linewidth=0.8)
    ax.axvline(1.0, color="tab:green", linewidth=0.8)
    ax.set_xlabel(label("exp_axis_facts", lang))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(_lit(_wrap(label("exp_title_facts", lang), 90)), fontsize="medium")
    return fig


def write_anatomy(
    anatomy: Anatomy, out: str | Path, formats: Sequence[str] = ("png", "svg")
) -> list[Path]:
    """Write the tables as CSV, the plots in English and Vietnamese (``plots/*_en.png``,
    ``plots/*_vi.png``, and SVG) and ``manifest.json`` (kind ``explain``, written last) to
    ``out``; return the files written.

    The folder should have been claimed for an ``explain`` result
    (:func:`sim.outputs.claim_folder`) by the caller.
    """
    from sim.labels import LANGS
    from sim.outputs import MANIFEST, manifest, record_plots, unique_stems, write_csv, write_json
    from sim.plots import save

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for name, frame in anatomy.frames().items():
        write_csv(frame, d / f"{name}.csv")
        files.append(d / f"{name}.csv")
    views = [f"late_by_{v}" for v in PLOT_VIEWS]
    stems = unique_stems([*views, "land_deadline_use", "facts"])
    plots: list[Path] = []
    for lang in LANGS:
        for view, name in zip(PLOT_VIEWS, views, strict=True):
            plots += save(
                plot_view(anatomy, view, lang), d / "plots" / f"{stems[name]}_{lang}", formats
            )
        plots += save(
            plot_land(anatomy, lang), d / "plots" / f"{stems['land_deadline_use']}_{lang}", formats
        )
        plots += save(plot_facts(anatomy, lang), d / "plots" / f"{stems['facts']}_{lang}", formats)
    m = manifest(
        "explain",
        results=str(anatomy.folder),
        scenario=anatomy.scenario,
        seed=anatomy.seed,
        replications=anatomy.replications,
        clocks=list(anatomy.clocks),
        headline_clock=anatomy.headline_clock,
        targets_source=anatomy.targets_source,
        counterfactual=anatomy.counterfactual is not None,
        files=[*(f.name for f in files), MANIFEST],
    )
    write_json(m, d / MANIFEST)
    record_plots(d, plots)
    return [*files, *plots, d / MANIFEST]


__all__ = [
    "LAND_BINS",
    "PLOT_VIEWS",
    "TARGETS_FILE",
    "VIEWS",
    "Anatomy",
    "counterfactuals",
    "explain",
    "facts_table",
    "land_deadline_use",
    "legal_causes",
    "plot_facts",
    "plot_land",
    "plot_view",
    "read_manifest",
    "render_text",
    "reported_targets",
    "to_markdown",
    "write_anatomy",
]
