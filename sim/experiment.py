"""Replications of a scenario, and their results as tidy frames with confidence intervals.

Replication ``r`` of any scenario uses the random streams ``(seed, r, name...)``; running the
same replications of two scenarios therefore compares them under common random numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from sim.executors import Executor, open_executor
from sim.model import build_layout, horizon_calendar, simulate
from sim.results import (  # `from sim.experiment import Results` keeps working
    GROUP_TABLES,
    RepTables,
    Results,
    combine_results,
    rep_tables,
    stack_tables,
)
from sim.scenario import Scenario
from sim.stats import MIN_REPS, halfwidth, rate_interval


@dataclass(frozen=True)
class RepTask:
    """One replication to run (picklable: sent to worker processes or a cluster)."""

    scenario: Scenario
    rep: int
    seed: int
    keep_dossiers: bool = True


def run_replication(task: RepTask) -> RepTables:
    """Simulate one replication and aggregate it (the unit of work of every executor)."""
    scn = task.scenario
    layout = build_layout(scn)
    cal = horizon_calendar(scn)
    out = simulate(scn, task.rep, task.seed, layout, cal)
    tables = rep_tables(out, scn, layout, cal, keep_dossiers=task.keep_dossiers)
    if scn.run.check_invariants:
        from sim.invariants import check_replication

        check_replication(out, tables, cal)
    return tables


def run(
    scenario: Scenario,
    reps: int | None = None,
    seed: int | None = None,
    *,
    first_rep: int = 0,
    workers: int | None = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    keep_dossiers: bool = True,
    dossier_sink: Callable[[pd.DataFrame], None] | None = None,
    progress: bool = False,
) -> Results:
    """Run replications ``first_rep .. first_rep + reps - 1`` of a scenario.

    Parameters
    ----------
    reps, seed
        Default to the scenario's ``run`` section.
    workers, scheduler, executor
        Where to run: in-process (``workers=1``, the default), local processes, or a Dask
        scheduler address. Results are identical whichever is used.
    keep_dossiers
        Keep the per-dossier frame in ``Results.dossiers`` (about 80 MB per replication of
        the baseline).
    dossier_sink
        Called with each replication's dossier frame, in replication order (e.g. to stream
        them to Parquet) instead of keeping them.
    """
    reps = scenario.run.reps if reps is None else reps
    seed = scenario.run.seed if seed is None else seed
    want_dossiers = keep_dossiers or dossier_sink is not None
    tasks = [RepTask(scenario, first_rep + k, seed, want_dossiers) for k in range(reps)]
    with open_executor(workers, scheduler, executor) as ex:
        t0 = time.perf_counter()
        done: dict[int, RepTables] = {}
        next_to_sink = 0
        kept: list[pd.DataFrame] = []
        bar = tqdm(
            total=reps,
            desc=f"{scenario.name}: replications",
            unit="rep",
            disable=not progress,
            leave=False,
        )
        try:
            for i, result in ex.imap(run_replication, tasks):
                if isinstance(result, BaseException):
                    raise result
                done[i] = result
                bar.update(1)
                while next_to_sink in done and done[next_to_sink].dossiers is not None:
                    frame = done[next_to_sink].dossiers
                    assert frame is not None
                    if dossier_sink is not None:
                        dossier_sink(frame)
                    if keep_dossiers:
                        kept.append(frame)
                    done[next_to_sink].dossiers = None
                    next_to_sink += 1
        finally:
            bar.close()
    tables = [done[i] for i in range(reps)]
    return Results(
        scenario=scenario,
        seed=seed,
        replications=stack_tables(tables, "kpis"),
        **{name: stack_tables(tables, name) for name in GROUP_TABLES},
        dossiers=pd.concat(kept, ignore_index=True) if kept else None,
        wall_seconds=time.perf_counter() - t0,
        meta={"first_rep": first_rep, "workers": ex.workers},
    )


def write_results(
    results: Results,
    out_dir: str | Path,
    extra_manifest: dict[str, Any] | None = None,
    *,
    workbook_lang: str = "vi",
) -> Path:
    """Write summary.csv, units.csv, the group tables, results.xlsx and manifest.json (last).

    The CSV files are for programs (plain UTF-8, unrounded); ``results.xlsx`` is the same
    for people (:func:`sim.workbook.write_workbook`, headers in ``workbook_lang`` first).
    """
    from sim.outputs import MANIFEST, manifest, write_csv, write_json
    from sim.workbook import WORKBOOK, write_workbook

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(results.summary(), out / "summary.csv")
    write_csv(results.unit_table(), out / "units.csv")
    write_csv(results.replications, out / "replications.csv")
    write_csv(results.group_table("procedures"), out / "procedures.csv")
    write_csv(results.group_table("channels"), out / "channels.csv")
    write_csv(results.group_table("months"), out / "months.csv")
    write_csv(results.cause_table(), out / "causes.csv")
    write_csv(results.units, out / "units_by_rep.csv")
    write_csv(results.pools, out / "pools_by_rep.csv")
    write_csv(results.backlog, out / "backlog.csv")
    write_workbook(results, out / WORKBOOK, lang=workbook_lang)
    m = manifest(
        "run",
        scenario=results.scenario.to_dict(),
        seed=results.seed,
        reps=results.reps,
        replications=[int(r) for r in results.replications["rep"]],
        wall_seconds=results.wall_seconds,
        headline=results.to_json(),
        # what this result owns: the tables above and the dossiers of `run --out`, not
        # whatever else the folder holds
        files=[*sorted(n for n in RUN_FILES if (out / n).is_file()), MANIFEST],
        **(extra_manifest or {}),
    )
    write_json(m, out / MANIFEST)
    return out


def run_to_folder(
    scenario: Scenario,
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
    option: str = "--out",
) -> Results:
    """Run replications into a result folder: what ``tthc-sim run --out`` writes.

    The folder is claimed first (:func:`sim.outputs.prepare_folder`: an older run's files are
    cleared, a folder holding anything else is refused before any work), the dossiers of
    every replication are streamed to ``dossiers.parquet`` (one row per dossier and
    replication, columns of :func:`sim.results.rep_tables`), then :func:`write_results` writes
    the tables and ``manifest.json`` last.

    Parameters
    ----------
    reps, seed, workers, scheduler, executor, progress
        As :func:`run`; ``reps`` is ignored with ``target_halfwidth``.
    target_halfwidth, max_reps
        If ``target_halfwidth`` is given, replications are added until the on-time rate's
        95% half-width reaches it (:func:`run_to_precision`).
    extra_manifest
        Fields added to ``manifest.json`` (the scenario file, overrides, warnings).
    workbook_lang
        First language of the headers of ``results.xlsx`` ("vi" or "en").
    option
        How the folder is named in error messages.

    Returns
    -------
    Results
        Without the per-dossier frame (``dossiers`` is None: it is in the folder).

    Raises
    ------
    sim.errors.ResultsFolderError
        If the folder cannot be created or holds something that is not a run result.
    """
    from sim.outputs import ParquetSink, finish_folder, prepare_folder

    folder = prepare_folder(out, "run", option=option)  # incomplete until we finish
    sink = ParquetSink(folder / "dossiers.parquet")
    try:
        if target_halfwidth is not None:
            res = run_to_precision(
                scenario,
                target_halfwidth,
                max_reps=max_reps,
                seed=seed,
                workers=workers,
                scheduler=scheduler,
                executor=executor,
                keep_dossiers=False,
                dossier_sink=sink.write,
                progress=progress,
            )
        else:
            res = run(
                scenario,
                reps,
                seed,
                workers=workers,
                scheduler=scheduler,
                executor=executor,
                keep_dossiers=False,
                dossier_sink=sink.write,
                progress=progress,
            )
        sink.close()
    finally:
        sink.discard()
    write_results(res, folder, extra_manifest, workbook_lang=workbook_lang)
    finish_folder(folder)
    return res


#: files of a run folder besides ``manifest.json`` (``dossiers.parquet`` from ``run --out``)
RUN_FILES = (
    "results.xlsx",
    "summary.csv",
    "units.csv",
    "replications.csv",
    "procedures.csv",
    "channels.csv",
    "months.csv",
    "causes.csv",
    "units_by_rep.csv",
    "pools_by_rep.csv",
    "backlog.csv",
    "dossiers.parquet",
)


# ---------------------------------------------------------------------- target precision


def on_time_halfwidth(replications: pd.DataFrame) -> float:
    """Half-width of the on-time rate's 95% interval (:func:`sim.stats.rate_interval`).

    ``replications`` has one row per replication with ``on_time_rate`` and ``resolved``.
    """
    _, lo, hi = rate_interval(replications["on_time_rate"], replications["resolved"])
    return halfwidth(lo, hi)


def reps_to_add(n: int, hw: float, target: float, max_reps: int) -> int:
    """Replications to add to ``n`` so that a 95% half-width ``hw`` may reach ``target``.

    Zero when ``max_reps`` is reached, or when at least :data:`sim.stats.MIN_REPS`
    replications have a half-width of at most ``target``. Below ``MIN_REPS`` it tops up to
    ``MIN_REPS`` whatever the half-width (a few agreeing replications are not precision).
    Otherwise the estimate uses the current half-width (which shrinks as ``1/sqrt(n)``) and
    at most doubles the replications per batch, so the rule depends only on the values, never
    on the number of workers.
    """
    room = max_reps - n
    if room <= 0:
        return 0
    if n < MIN_REPS:
        return min(MIN_REPS - n, room)
    if math.isfinite(hw) and hw <= target:
        return 0
    if not math.isfinite(hw):  # no interval yet (e.g. nothing resolved): double
        return min(n, room)
    needed = math.ceil(n * (hw / target) ** 2)
    return int(min(max(needed - n, 1), n, room))


def run_to_precision(
    scenario: Scenario,
    target_halfwidth: float = 0.002,
    *,
    max_reps: int = 100,
    min_reps: int = MIN_REPS,
    seed: int | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    keep_dossiers: bool = True,
    dossier_sink: Callable[[pd.DataFrame], None] | None = None,
    progress: bool = False,
) -> Results:
    """Add replications in batches until the on-time rate's 95% half-width is at most the target.

    Parameters
    ----------
    target_halfwidth
        Wanted half-width of the on-time rate's interval (:func:`sim.stats.rate_interval`,
        which never collapses at 0 or 1); 0.002 = ±0.2 points.
    max_reps, min_reps
        Cap on the replications, and the size of the first batch. The target is never
        declared reached with fewer than :data:`sim.stats.MIN_REPS` (5) replications: with
        fewer, more are added (up to ``max_reps``).

    Raises
    ------
    ValueError
        If ``target_halfwidth`` is not positive, ``max_reps`` < 2 or ``min_reps`` < 1.

    Returns
    -------
    Results
        Replications ``0 .. n-1`` (identical to ``run(scenario, n, seed)``);
        ``meta["precision"]`` says how many were used and whether the target was met.
    """
    if target_halfwidth <= 0:
        raise ValueError("target_halfwidth must be positive")
    if max_reps < 2:
        raise ValueError("max_reps must be at least 2")
    if min_reps < 1:
        raise ValueError("min_reps must be at least 1")
    seed = scenario.run.seed if seed is None else seed
    with open_executor(workers, scheduler, executor) as ex:
        parts: list[Results] = []
        n, size = 0, max(2, min(min_reps, max_reps))
        while size > 0:
            parts.append(
                run(
                    scenario,
                    size,
                    seed,
                    first_rep=n,
                    executor=ex,
                    keep_dossiers=keep_dossiers,
                    dossier_sink=dossier_sink,
                    progress=progress,
                )
            )
            n += size
            hw = on_time_halfwidth(pd.concat([p.replications for p in parts]))
            size = reps_to_add(n, hw, target_halfwidth, max_reps)
    res = combine_results(parts)
    hw = on_time_halfwidth(res.replications)
    res.meta["precision"] = {
        "target_halfwidth": target_halfwidth,
        "halfwidth": hw,
        "reached": bool(res.reps >= MIN_REPS and hw <= target_halfwidth),
        "reps": res.reps,
        "min_reps": MIN_REPS,
        "max_reps": max_reps,
        "batches": len(parts),
    }
    res.meta["workers"] = ex.workers
    return res
