"""Paired comparisons of scenarios under common random numbers.

Replication ``r`` of every scenario uses the random streams ``(seed, r, name...)``, so the
same applicants arrive with the same work in every scenario and only the change under study
differs. The effect of scenario B against the reference A is estimated from the per-replication
differences ``B_r - A_r`` with a Student-t interval (paired). The unpaired (Welch) interval,
which ignores the pairing, is reported next to it: for a small change the paired interval is
much narrower, because the noise shared by both scenarios cancels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.executors import Executor, open_executor
from sim.experiment import reps_to_add, run
from sim.results import Results, combine_results
from sim.scenario import Scenario
from sim.stats import (
    MIN_REPS,
    halfwidth,
    interval_note,
    json_ready,
    paired_interval,
    rate_interval,
    welch_interval,
)
from sim.units import load_units

#: KPIs of a replication compared by default (columns of ``Results.replications``).
MAIN_KPIS: tuple[str, ...] = (
    "on_time_rate",
    "late",
    "open_overdue",
    "lead_time_working_hours_mean",
    "lead_time_working_hours_p90",
    "desk_wait_minutes_mean",
    "inbox_wait_working_hours_mean",
    "queue_wait_minutes_mean",
    "network_delay_minutes_mean",
    "utilisation_reception",
)

#: KPIs of a unit and replication compared per unit (columns of ``Results.units``).
UNIT_KPIS: tuple[str, ...] = (
    "on_time_rate",
    "desk_wait_minutes_mean",
    "lead_time_working_hours_mean",
)


def _difference_row(a: pd.Series, b: pd.Series, metric: str) -> dict[str, float]:
    """Paired and unpaired intervals of ``b - a`` (aligned on their index: replications),
    clipped to the range of a difference of ``metric`` (rates: [-1, 1])."""
    pair = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    d, lo, hi = paired_interval(pair["a"], pair["b"], metric=metric)
    _, ulo, uhi = welch_interval(a, b, metric=metric)
    return {
        "mean_reference": float(np.nanmean(a)) if a.notna().any() else float("nan"),
        "mean_scenario": float(np.nanmean(b)) if b.notna().any() else float("nan"),
        "difference": d,
        "paired_ci95_low": lo,
        "paired_ci95_high": hi,
        "paired_halfwidth": halfwidth(lo, hi),
        "unpaired_ci95_low": ulo,
        "unpaired_ci95_high": uhi,
        "unpaired_halfwidth": halfwidth(ulo, uhi),
        "pairs": len(pair),
    }


@dataclass
class Comparison:
    """Replications of several scenarios with the same seed; the first is the reference."""

    results: list[Results]
    labels: list[str]
    seed: int
    wall_seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def reference(self) -> Results:
        return self.results[0]

    @property
    def reps(self) -> int:
        return self.reference.reps

    def scenario_table(self) -> pd.DataFrame:
        """One row per scenario: on-time rate with its 95% interval and the main counts.

        Columns ``scenario, reps, on_time_rate, ci95_low, ci95_high, arrived, resolved, late,
        open`` (means per replication; the interval is :func:`sim.stats.rate_interval`).
        """
        rows = []
        for label, res in zip(self.labels, self.results, strict=True):
            r = res.replications
            m, lo, hi = rate_interval(r["on_time_rate"], r["resolved"])
            rows.append(
                {
                    "scenario": label,
                    "reps": res.reps,
                    "on_time_rate": m,
                    "ci95_low": lo,
                    "ci95_high": hi,
                    "arrived": float(r["arrived"].mean()),
                    "resolved": float(r["resolved"].mean()),
                    "late": float(r["late"].mean()),
                    "open": float(r["open"].mean()),
                }
            )
        return pd.DataFrame(rows)

    def differences(self, metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """Scenario minus reference for each KPI: paired and unpaired 95% intervals.

        One row per (scenario, metric); ``halfwidth_ratio`` = paired / unpaired half-width.
        Intervals of rate differences are clipped to [-1, 1]
        (:func:`sim.stats.difference_range`).
        """
        ref = self.reference.replications.set_index("rep")
        wanted = list(metrics or MAIN_KPIS)
        rows = []
        for label, res in zip(self.labels[1:], self.results[1:], strict=True):
            other = res.replications.set_index("rep")
            for m in wanted:
                if m not in ref.columns or m not in other.columns:
                    continue
                rows.append(
                    {
                        "scenario": label,
                        "reference": self.labels[0],
                        "metric": m,
                        **_difference_row(ref[m].astype(float), other[m].astype(float), m),
                    }
                )
        out = pd.DataFrame(rows)
        if len(out):
            out["halfwidth_ratio"] = out["paired_halfwidth"] / out["unpaired_halfwidth"]
        return out

    def unit_differences(self, metrics: Sequence[str] = ("on_time_rate",)) -> pd.DataFrame:
        """Per-unit differences scenario minus reference, paired over replications."""
        table = load_units().frame.set_index("code")
        ref = self.reference.units.set_index(["code", "rep"])
        rows = []
        for label, res in zip(self.labels[1:], self.results[1:], strict=True):
            other = res.units.set_index(["code", "rep"])
            codes = [c for c in ref.index.unique("code") if c in other.index.unique("code")]
            for code in codes:
                a_all, b_all = ref.loc[code], other.loc[code]
                for m in metrics:
                    if m not in a_all.columns or m not in b_all.columns:
                        continue
                    rows.append(
                        {
                            "scenario": label,
                            "reference": self.labels[0],
                            "code": code,
                            "name": table.loc[code, "name"],
                            "type": table.loc[code, "type"],
                            "metric": m,
                            **_difference_row(a_all[m].astype(float), b_all[m].astype(float), m),
                        }
                    )
        return pd.DataFrame(rows)

    def paired_replications(self, metric: str = "on_time_rate") -> pd.DataFrame:
        """One row per replication: each scenario's value and its difference to the reference."""
        out = self.reference.replications[["rep", metric]].rename(columns={metric: self.labels[0]})
        for label, res in zip(self.labels[1:], self.results[1:], strict=True):
            b = res.replications[["rep", metric]].rename(columns={metric: label})
            out = out.merge(b, on="rep", how="inner")
            out[f"{label} - {self.labels[0]}"] = out[label] - out[self.labels[0]]
        return out

    def to_json(self) -> dict[str, Any]:
        """A strict-JSON summary (the command line's ``--json`` object): undefined values
        are ``None``, never NaN."""
        out = {
            "reference": self.labels[0],
            "scenarios": self.labels,
            "reps": self.reps,
            "seed": self.seed,
            "interval_note": interval_note(self.reps),
            "wall_seconds": self.wall_seconds,
            "per_scenario": self.scenario_table().to_dict(orient="records"),
            "differences": self.differences().to_dict(orient="records"),
            **({"precision": self.meta["precision"]} if "precision" in self.meta else {}),
        }
        return dict(json_ready(out))


def unique_labels(names: Sequence[str]) -> list[str]:
    """Scenario names made unique by a ``#2``, ``#3`` suffix where they repeat."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return out


def compare(
    scenarios: Sequence[Scenario],
    reps: int | None = None,
    seed: int | None = None,
    *,
    target_halfwidth: float | None = None,
    max_reps: int = 100,
    min_reps: int = MIN_REPS,
    labels: Sequence[str] | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> Comparison:
    """Run the same replications (same seed, same indices) of each scenario and pair them.

    Parameters
    ----------
    scenarios
        The reference first, then the scenarios compared with it.
    reps, seed
        Default to the reference scenario's ``run`` section; every scenario uses the same.
    target_halfwidth
        If given (instead of ``reps``), add replications in batches until the paired 95%
        half-width of the on-time-rate difference is at most this for every scenario, or
        ``max_reps`` is reached; never declared reached with fewer than
        :data:`sim.stats.MIN_REPS` replications.
    labels
        Names in tables and plots (default: the scenario names, made unique).

    Returns
    -------
    Comparison
        ``.differences()``, ``.unit_differences()``, ``.scenario_table()`` are pandas frames.
    """
    if len(scenarios) < 2:
        raise ValueError("compare needs at least two scenarios")
    ref = scenarios[0]
    seed = ref.run.seed if seed is None else seed
    names = list(labels) if labels is not None else unique_labels([s.name for s in scenarios])
    if len(names) != len(scenarios):
        raise ValueError("one label per scenario is needed")
    with open_executor(workers, scheduler, executor) as ex:
        t0 = time.perf_counter()
        parts: list[list[Results]] = [[] for _ in scenarios]
        n = 0
        size = (ref.run.reps if reps is None else reps) if target_halfwidth is None else min_reps
        size = max(1, size)
        if target_halfwidth is not None:
            size = max(2, min(size, max_reps))
        while size > 0:
            for k, scn in enumerate(scenarios):
                parts[k].append(
                    run(
                        scn,
                        size,
                        seed,
                        first_rep=n,
                        executor=ex,
                        keep_dossiers=False,
                        progress=progress,
                    )
                )
            n += size
            if target_halfwidth is None:
                break
            ref_rates = pd.concat([p.replications for p in parts[0]]).set_index("rep")
            size = 0
            for k in range(1, len(scenarios)):
                other = pd.concat([p.replications for p in parts[k]]).set_index("rep")
                _, lo, hi = paired_interval(
                    ref_rates["on_time_rate"], other["on_time_rate"], metric="on_time_rate"
                )
                size = max(size, reps_to_add(n, halfwidth(lo, hi), target_halfwidth, max_reps))
    results = [combine_results(p) for p in parts]
    cmp = Comparison(
        results=results,
        labels=names,
        seed=seed,
        wall_seconds=time.perf_counter() - t0,
        meta={"workers": ex.workers},
    )
    if target_halfwidth is not None:
        d = cmp.differences(["on_time_rate"])
        worst = float(d["paired_halfwidth"].max()) if len(d) else float("nan")
        cmp.meta["precision"] = {
            "target_halfwidth": target_halfwidth,
            "halfwidth": worst,
            "reached": bool(n >= MIN_REPS and worst <= target_halfwidth),
            "reps": n,
            "min_reps": MIN_REPS,
            "max_reps": max_reps,
        }
    return cmp


def write_comparison(
    cmp: Comparison,
    out_dir: str | Path,
    extra_manifest: dict[str, Any] | None = None,
    plots: Callable[[Path], Sequence[Path]] | None = None,
    *,
    workbook_lang: str = "vi",
) -> Path:
    """Write the comparison tables and ``manifest.json`` (kind ``comparison``, written last).

    Files: ``scenarios.csv``, ``differences.csv``, ``unit_differences.csv``,
    ``paired_on_time.csv``, ``replications.csv``, ``units.csv`` (per scenario and unit, with
    intervals), ``units_by_rep.csv`` and ``backlog.csv`` (all with a ``scenario`` column), and
    ``results.xlsx`` for people (:func:`sim.workbook.write_comparison_workbook`, headers in
    ``workbook_lang`` first).
    ``plots``, if given, is called with the folder after the tables and returns the plot
    files it wrote; the manifest, written after them, lists them under ``plots``.
    """
    from sim.outputs import MANIFEST, manifest, write_csv, write_json
    from sim.workbook import WORKBOOK, write_comparison_workbook

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if (out / MANIFEST).exists():
        (out / MANIFEST).unlink()  # incomplete until the new manifest is written
    write_csv(cmp.scenario_table(), out / "scenarios.csv")
    write_csv(cmp.differences(), out / "differences.csv")
    write_csv(cmp.unit_differences(UNIT_KPIS), out / "unit_differences.csv")
    write_csv(cmp.paired_replications(), out / "paired_on_time.csv")

    def stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(
            [
                f.assign(scenario=label)
                for f, label in zip(frames, cmp.labels, strict=True)
                if len(f)
            ],
            ignore_index=True,
        )

    write_csv(stacked([r.replications for r in cmp.results]), out / "replications.csv")
    write_csv(stacked([r.unit_table() for r in cmp.results]), out / "units.csv")
    write_csv(stacked([r.units for r in cmp.results]), out / "units_by_rep.csv")
    write_csv(stacked([r.backlog for r in cmp.results]), out / "backlog.csv")
    write_comparison_workbook(cmp, out / WORKBOOK, lang=workbook_lang)
    plotted = [Path(p).relative_to(out).as_posix() for p in plots(out)] if plots else []
    m = manifest(
        "comparison",
        reference=cmp.labels[0],
        labels=cmp.labels,
        scenarios=[r.scenario.to_dict() for r in cmp.results],
        seed=cmp.seed,
        reps=cmp.reps,
        replications=[int(r) for r in cmp.reference.replications["rep"]],
        wall_seconds=cmp.wall_seconds,
        comparison=cmp.to_json(),
        files=[*sorted(n for n in COMPARISON_FILES if (out / n).is_file()), MANIFEST],
        plots=plotted,
        **(extra_manifest or {}),
    )
    write_json(m, out / MANIFEST)
    return out


def compare_to_folder(
    scenarios: Sequence[Scenario],
    out: str | Path,
    reps: int | None = None,
    seed: int | None = None,
    *,
    target_halfwidth: float | None = None,
    max_reps: int = 100,
    workers: int | None = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    extra_manifest: dict[str, Any] | None = None,
    workbook_lang: str = "vi",
    plot_lang: str = "en",
    option: str = "--out",
) -> tuple[Comparison, list[Path]]:
    """Compare scenarios into a result folder: what ``tthc-sim compare --out`` writes.

    The folder is claimed first (:func:`sim.outputs.prepare_folder`: an older comparison's
    files and plots are cleared, a folder holding anything else is refused before any work),
    then :func:`compare` runs, :func:`write_comparison` writes the tables, the plots of
    :func:`sim.plots.plot_comparison_dir` (PNG and SVG in ``out/plots``) and
    ``manifest.json`` last.

    Parameters
    ----------
    scenarios, reps, seed, target_halfwidth, max_reps, workers, scheduler, executor, progress
        As :func:`compare`.
    extra_manifest
        Fields added to ``manifest.json`` (scenario files, overrides, warnings).
    workbook_lang, plot_lang
        Languages of ``results.xlsx`` (first in its headers) and of the plots ("vi" or "en").
    option
        How the folder is named in error messages.

    Returns
    -------
    tuple of Comparison and list of Path
        The comparison and the plot files written.

    Raises
    ------
    sim.errors.ResultsFolderError
        If the folder cannot be created or holds something that is not a comparison.
    """
    from sim.outputs import finish_folder, prepare_folder
    from sim.plots import FORMATS, plot_comparison_dir

    folder = prepare_folder(out, "comparison", option=option)
    cmp = compare(
        scenarios,
        reps,
        seed,
        target_halfwidth=target_halfwidth,
        max_reps=max_reps,
        workers=workers,
        scheduler=scheduler,
        executor=executor,
        progress=progress,
    )
    written: list[Path] = []

    def plots(folder: Path) -> list[Path]:
        written.extend(plot_comparison_dir(folder, folder / "plots", plot_lang, FORMATS))
        return written

    # tables, then the plots, then the manifest vouching for them
    write_comparison(cmp, folder, extra_manifest, plots, workbook_lang=workbook_lang)
    finish_folder(folder)
    return cmp, written


#: files of a comparison folder besides ``manifest.json`` and the plots
COMPARISON_FILES = (
    "results.xlsx",
    "scenarios.csv",
    "differences.csv",
    "unit_differences.csv",
    "paired_on_time.csv",
    "replications.csv",
    "units.csv",
    "units_by_rep.csv",
    "backlog.csv",
)

__all__ = [
    "MAIN_KPIS",
    "UNIT_KPIS",
    "Comparison",
    "compare",
    "compare_to_folder",
    "paired_interval",
    "unique_labels",
    "welch_interval",
    "write_comparison",
]
