"""Reference benchmark: the model against a bare SimPy floor, memory, workers, horizon scaling.

Usage::

    python benchmarks/run.py                 # full run (about 10-15 minutes on 2 cores)
    python benchmarks/run.py --quick         # smoke run on the quick scenario (seconds)
    python benchmarks/run.py --repeat 5 --skip workers

What is measured (every workload in a fresh Python process, so memory peaks never mix):

* **pair** - one process times the floor (:mod:`floor`) and the model one after the other
  (the order alternates between repeats), so their ratio is robust to the load on the
  machine. The model's figure is :func:`sim.model.simulate` for one replication: outage
  draws, demand generation, the SimPy run and the pool table. The floor's is its numpy
  draws plus its SimPy run. Both count SimPy's scheduled events the same way.
* **model** - one replication end to end as a worker runs it (``simulate``, the tidy
  frames of :func:`sim.results.rep_tables` with the per-dossier table kept, the invariant
  checks); peak RSS from ``getrusage(RUSAGE_SELF).ru_maxrss``.
* **scaling** - the same for horizons of 1, 3 and 12 months from the scenario's start.
* **workers** - ``sim.run(scenario, reps=4, keep_dossiers=False)`` with 1 and 2 workers
  (and the ``tthc-sim sweep`` command when it exists).

Every figure is the median over ``--repeat`` runs. ``--out`` writes the Markdown report
(by default ``benchmarks/RESULTS.md`` for full runs, nothing for ``--quick``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
QUICK = ROOT / "scenarios" / "validation" / "quick.yaml"
TARGETS = {"ratio": 0.5, "rss_mb": 400.0, "speedup": 1.7, "year_over_quarter": 4.0}
MONTHS = (1, 3, 12)
SECTIONS = ("pair", "model", "scaling", "workers", "sweep")


def dumps(obj: Any, **kwargs: Any) -> str:
    """Strict JSON (undefined numbers as null); imported late, after any measurement."""
    from sim.stats import dumps as strict_dumps

    return strict_dumps(obj, **kwargs)


# ----------------------------------------------------------------------------- child side
def _peak_rss_mb() -> float:
    """Peak resident set of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _load(spec: dict[str, Any]) -> Any:
    from sim.scenario import load_scenario

    return load_scenario(spec["scenario"], spec.get("overrides", []))


def _time_model(scn: Any, rep: int, end_to_end: bool) -> dict[str, Any]:
    """Time one replication: simulate() and, optionally, the tidy frames and checks."""
    from sim.model import build_layout, horizon_calendar, simulate

    out: dict[str, Any] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    layout = build_layout(scn)
    cal = horizon_calendar(scn)
    res = simulate(scn, rep, None, layout, cal)
    out["simulate_s"] = time.perf_counter() - t0
    out["simulate_cpu_s"] = time.process_time() - c0
    out["dossiers"] = len(res.dossiers)
    out["events"] = res.events
    resolved = res.records.arrays()["resolved"]
    out["open_at_end"] = int((resolved != resolved).sum())  # NaN: still open
    if end_to_end:
        from sim.results import rep_tables

        t1 = time.perf_counter()
        tables = rep_tables(res, scn, layout, cal, keep_dossiers=True)
        out["tables_s"] = time.perf_counter() - t1
        if scn.run.check_invariants:
            from sim.invariants import check_replication

            check_replication(res, tables, cal)
        out["end_to_end_s"] = time.perf_counter() - t0
        out["on_time_rate"] = float(tables.kpis["on_time_rate"].iloc[0])
        assert tables.dossiers is not None and len(tables.dossiers) == out["dossiers"]
    return out


def child_pair(spec: dict[str, Any]) -> dict[str, Any]:
    """Floor and model in one process (order given by ``spec['floor_first']``)."""
    import numpy as np
    from floor import run_floor, spec_from_model

    from sim.demand import generate
    from sim.model import build_layout, horizon_calendar

    scn = _load(spec)
    rep = spec.get("rep", 0)
    # size the floor like the replication (untimed: the same draws the model makes)
    layout = build_layout(scn)
    cal = horizon_calendar(scn)
    ds = generate(scn, cal, layout.frame, scn.run.seed, rep)
    n_work = int(cal.is_working[: scn.horizon.days].sum())
    fspec = spec_from_model(
        len(ds),
        n_work * cal.day_minutes,
        layout.frame["population"].to_numpy(float),
        ds.reception_minutes,
        ds.processing_minutes,
        ds.approval_minutes,
    )
    del ds
    out: dict[str, Any] = {"floor_first": spec["floor_first"]}

    def floor() -> None:
        f = run_floor(fspec)
        out.update(
            floor_s=f.seconds,
            floor_cpu_s=f.cpu_seconds,
            floor_dossiers=f.dossiers,
            floor_events=f.events,
            floor_completed=f.completed,
            floor_capacity=int(np.sum(fspec.capacities())),
        )
        if spec["floor_first"]:
            out["floor_rss_mb"] = _peak_rss_mb()

    def model() -> None:
        out.update(_time_model(scn, rep, end_to_end=False))

    for step in (floor, model) if spec["floor_first"] else (model, floor):
        step()
    return out


def child_model(spec: dict[str, Any]) -> dict[str, Any]:
    """One replication end to end, with its peak RSS."""
    before = _peak_rss_mb()
    scn = _load(spec)
    out = _time_model(scn, spec.get("rep", 0), end_to_end=True)
    out["rss_mb"] = _peak_rss_mb()
    out["rss_imports_mb"] = before
    return out


def child_workers(spec: dict[str, Any]) -> dict[str, Any]:
    """Wall time of ``sim.run`` with a given number of workers."""
    import sim

    scn = _load(spec)
    c0 = _cpu_seconds()
    t0 = time.perf_counter()
    res = sim.run(scn, reps=spec["reps"], workers=spec["workers"], keep_dossiers=False)
    return {
        "seconds": time.perf_counter() - t0,
        "cpu_s": _cpu_seconds() - c0,  # this process and its (finished) workers
        "on_time_rate": res.on_time_rate,
    }


def _cpu_seconds() -> float:
    """CPU time of this process plus its waited-for children (user + system)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        total += ru.ru_utime + ru.ru_stime
    return total


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "pair": child_pair,
    "model": child_model,
    "workers": child_workers,
}


# ----------------------------------------------------------------------------- parent side
def _import_baseline_mb() -> float:
    """Peak RSS of a process that only imports the package (what every run pays)."""
    code = (
        "import resource, sim, sim.model, sim.results, pandas, pyarrow;"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(res.stdout.strip())


def spawn(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one workload in a fresh interpreter and return its JSON report."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(spec)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if res.returncode != 0:
        raise RuntimeError(f"{kind} workload failed:\n{res.stderr[-4000:]}")
    out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    out["load_avg"] = os.getloadavg()[0]
    return out


def sweep_command() -> list[str] | None:
    """The ``tthc-sim sweep`` command line if the installed CLI has it, else None."""
    exe = Path(sys.executable).with_name("tthc-sim")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sim"]
    res = subprocess.run([*cmd, "sweep", "--help"], capture_output=True, text=True, cwd=ROOT)
    return cmd if res.returncode == 0 else None


def time_sweep(
    cmd: list[str], scenario: str, overrides: Sequence[str], workers: int
) -> dict[str, float]:
    """Wall time of ``tthc-sim sweep`` over 2 points x 2 replications (4 tasks, as sim.run)."""
    fixed = {}
    for item in overrides:
        key, _, value = item.partition("=")
        fixed[key] = yaml.safe_load(value)
    spec = {
        "name": "bench",
        "base": str(Path(scenario).resolve()),
        "set": fixed,
        "factors": {"staffing.multiplier.reception": [0.9, 1.0]},
        "reps": 2,
    }
    with tempfile.TemporaryDirectory(prefix="tthc-bench-") as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(yaml.safe_dump(spec), encoding="utf-8")
        args = ["sweep", str(path), "--workers", str(workers), "--out", str(Path(tmp) / "out")]
        c0 = _cpu_seconds()
        t0 = time.perf_counter()
        res = subprocess.run([*cmd, *args, "--no-progress"], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        cpu = _cpu_seconds() - c0  # the command and its workers
        if res.returncode != 0:
            raise RuntimeError(f"sweep failed:\n{res.stderr[-4000:]}")
    return {"seconds": seconds, "cpu_s": cpu, "load_avg": os.getloadavg()[0]}


def median(runs: Sequence[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in runs if key in r]
    return float(statistics.median(values)) if values else float("nan")


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _end_date(start: dt.date, months: int) -> dt.date:
    """The day before ``start`` plus ``months`` months (1 Jul + 3 months -> 30 Sep)."""
    y, m = divmod(start.month - 1 + months, 12)
    return dt.date(start.year + y, m + 1, start.day) - dt.timedelta(days=1)


def machine() -> dict[str, str]:
    """CPU, cores, memory, OS, Python and package versions (no host or user names)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for pkg in ("tthc-sim", "simpy", "numpy", "pandas", "pyarrow", "scipy", "pydantic"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{pkg} {metadata.version(pkg)}")
    return {
        "cpu": cpu,
        "cores": f"{os.cpu_count()} logical, {usable} usable by this process",
        "ram": ram,
        "os": f"{platform.system()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": ", ".join(versions),
    }


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Run every selected workload ``args.repeat`` times; return raw runs and medians."""
    scenario = str(QUICK if args.quick else args.scenario)
    base: dict[str, Any] = {"scenario": scenario, "overrides": list(args.set), "rep": 0}
    from sim.scenario import load_scenario

    scn = load_scenario(scenario, args.set)
    report: dict[str, Any] = {
        "scenario": os.path.relpath(scenario, ROOT),
        "overrides": list(args.set),
        "horizon": f"{scn.horizon.start} - {scn.horizon.end}",
        "repeat": args.repeat,
        "machine": machine(),
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "imports_mb": _import_baseline_mb(),
    }
    if "pair" not in args.skip:
        runs = []
        for k in range(args.repeat):
            _log(f"pair {k + 1}/{args.repeat} (floor {'first' if k % 2 == 0 else 'second'})")
            runs.append(spawn("pair", {**base, "floor_first": k % 2 == 0}))
        report["pair"] = runs
    if "model" not in args.skip:
        runs = []
        for k in range(args.repeat):
            _log(f"model end to end {k + 1}/{args.repeat}")
            runs.append(spawn("model", base))
        report["model"] = runs
    if "scaling" not in args.skip:
        scaling: dict[int, list[dict[str, Any]]] = {}
        for months in MONTHS:
            if (
                months == 3
                and "model" in report
                and _end_date(scn.horizon.start, 3) == scn.horizon.end
            ):
                scaling[months] = report["model"]  # the reference replication is a quarter
                continue
            end = _end_date(scn.horizon.start, months)
            spec = {**base, "overrides": [*args.set, f"horizon.end={end.isoformat()}"]}
            scaling[months] = []
            for k in range(args.scaling_repeat):
                _log(f"scaling {months} months {k + 1}/{args.scaling_repeat}")
                scaling[months].append(spawn("model", spec))
        report["scaling"] = {str(m): r for m, r in scaling.items()}
    if "workers" not in args.skip:
        runs1: list[dict[str, Any]] = []
        runs2: list[dict[str, Any]] = []
        for k in range(args.worker_repeat):
            for w, runs in ((1, runs1), (2, runs2)):
                _log(f"sim.run reps={args.reps} workers={w} {k + 1}/{args.worker_repeat}")
                runs.append(spawn("workers", {**base, "reps": args.reps, "workers": w}))
        report["workers"] = {"reps": args.reps, "1": runs1, "2": runs2}
        cmd = sweep_command()
        report["sweep_command"] = " ".join([*cmd, "sweep"]) if cmd else None
        if cmd is not None:
            sweeps: dict[str, list[dict[str, Any]]] = {"1": [], "2": []}
            for k in range(args.worker_repeat):
                for w in (1, 2):
                    _log(f"tthc-sim sweep (4 tasks) --workers {w} {k + 1}/{args.worker_repeat}")
                    sweeps[str(w)].append(time_sweep(cmd, scenario, args.set, w))
            report["sweep"] = sweeps
    report["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    return report


def headline(report: dict[str, Any]) -> dict[str, float]:
    """The medians the targets are checked against."""
    h: dict[str, float] = {}
    if "pair" in report:
        p = report["pair"]
        n = median(p, "dossiers")
        h["dossiers"] = n
        h["model_dps"] = n / median(p, "simulate_s")
        h["floor_dps"] = median(p, "floor_dossiers") / median(p, "floor_s")
        h["ratio"] = statistics.median(r["floor_s"] / r["simulate_s"] for r in p)
        h["ratio_cpu"] = statistics.median(r["floor_cpu_s"] / r["simulate_cpu_s"] for r in p)
        h["model_eps"] = median(p, "events") / median(p, "simulate_s")
        h["floor_eps"] = median(p, "floor_events") / median(p, "floor_s")
        h["model_events_per_dossier"] = median(p, "events") / n
        h["floor_events_per_dossier"] = median(p, "floor_events") / median(p, "floor_dossiers")
        h["floor_rss_mb"] = median(p, "floor_rss_mb")
        h["simulate_s"] = median(p, "simulate_s")
        h["floor_s"] = median(p, "floor_s")
    if "model" in report:
        m = report["model"]
        h["rss_mb"] = median(m, "rss_mb")
        h["end_to_end_s"] = median(m, "end_to_end_s")
        h["tables_s"] = median(m, "tables_s")
        h["end_to_end_dps"] = median(m, "dossiers") / h["end_to_end_s"]
    if "scaling" in report:
        for mo, runs in report["scaling"].items():
            h[f"scale_{mo}_s"] = median(runs, "end_to_end_s")
            h[f"scale_{mo}_rss_mb"] = median(runs, "rss_mb")
            h[f"scale_{mo}_dossiers"] = median(runs, "dossiers")
        if "3" in report["scaling"] and "12" in report["scaling"]:
            h["year_over_quarter"] = h["scale_12_rss_mb"] / h["scale_3_rss_mb"]
    if "workers" in report:
        w = report["workers"]
        h["workers_1_s"] = median(w["1"], "seconds")
        h["workers_2_s"] = median(w["2"], "seconds")
        # 1 and 2 workers run back to back in every repeat: median of the per-repeat ratios
        h["speedup"] = _median_ratio(w["1"], w["2"])
        # what the CPU work allows on two otherwise idle cores: the 2-worker run's CPU time
        # (workers' start-up included) spread over two cores, against the serial CPU time
        h["workers_1_cpu_s"] = median(w["1"], "cpu_s")
        h["workers_2_cpu_s"] = median(w["2"], "cpu_s")
        h["speedup_cpu_bound"] = 2 * h["workers_1_cpu_s"] / h["workers_2_cpu_s"]
    if "sweep" in report:
        h["sweep_1_s"] = median(report["sweep"]["1"], "seconds")
        h["sweep_2_s"] = median(report["sweep"]["2"], "seconds")
        h["sweep_speedup"] = _median_ratio(report["sweep"]["1"], report["sweep"]["2"])
        h["sweep_1_cpu_s"] = median(report["sweep"]["1"], "cpu_s")
        h["sweep_2_cpu_s"] = median(report["sweep"]["2"], "cpu_s")
        h["sweep_speedup_cpu_bound"] = 2 * h["sweep_1_cpu_s"] / h["sweep_2_cpu_s"]
    return h


def _median_ratio(one: Sequence[dict[str, Any]], two: Sequence[dict[str, Any]]) -> float:
    """Median over repeats of seconds with 1 worker / seconds with 2 workers."""
    return float(
        statistics.median(a["seconds"] / b["seconds"] for a, b in zip(one, two, strict=True))
    )


def verdicts(h: dict[str, float]) -> list[tuple[str, str, str, bool]]:
    """(target, required, measured, met) for every target that was measured."""
    out = []
    if "ratio" in h:
        r = h["ratio"]
        need = TARGETS["ratio"]
        out.append(("model dossiers/s ÷ floor dossiers/s", f"≥ {need}", f"{r:.2f}", r >= need))
    if "rss_mb" in h:
        r, need = h["rss_mb"], TARGETS["rss_mb"]
        out.append(
            (
                "peak RSS, one replication, dossier table kept",
                f"≤ {need:.0f} MB",
                f"{r:.0f} MB",
                r <= need,
            )
        )
    if "speedup" in h:
        r, need = h["speedup"], TARGETS["speedup"]
        out.append(("speed-up, 2 workers vs 1 (sim.run)", f"≥ {need}", f"{r:.2f}", r >= need))
    if "sweep_speedup" in h:
        r, need = h["sweep_speedup"], TARGETS["speedup"]
        out.append(
            ("speed-up, 2 workers vs 1 (tthc-sim sweep)", f"≥ {need}", f"{r:.2f}", r >= need)
        )
    if "year_over_quarter" in h:
        r, need = h["year_over_quarter"], TARGETS["year_over_quarter"]
        out.append(("peak RSS, 12 months ÷ 3 months", f"≤ {need:.0f}", f"{r:.2f}", r <= need))
    return out


def text_summary(report: dict[str, Any], h: dict[str, float]) -> str:
    """What the command prints."""
    lines = [f"scenario {report['scenario']} ({report['horizon']}), medians of {report['repeat']}"]
    if "ratio" in h:
        lines += [
            f"dossiers per replication   {h['dossiers']:,.0f}",
            f"model  simulate()          {h['simulate_s']:.2f} s  {h['model_dps']:,.0f} dossiers/s"
            f"  {h['model_eps']:,.0f} SimPy events/s"
            f"  ({h['model_events_per_dossier']:.2f}/dossier)",
            f"floor  bare SimPy          {h['floor_s']:.2f} s  {h['floor_dps']:,.0f} dossiers/s"
            f"  {h['floor_eps']:,.0f} SimPy events/s"
            f"  ({h['floor_events_per_dossier']:.2f}/dossier)",
            f"ratio model/floor          {h['ratio']:.2f} (wall)  {h['ratio_cpu']:.2f} (CPU time)",
        ]
    if "rss_mb" in h:
        lines += [
            f"end to end (+frames)       {h['end_to_end_s']:.2f} s  {h['end_to_end_dps']:,.0f}"
            f" dossiers/s  (tidy frames {h['tables_s']:.2f} s)",
            f"peak RSS model             {h['rss_mb']:.0f} MB  (imports alone "
            f"{report['imports_mb']:.0f} MB; floor {h.get('floor_rss_mb', float('nan')):.0f} MB)",
        ]
    if "scaling" in report:
        for mo in report["scaling"]:
            lines.append(
                f"horizon {mo:>2} months          {h[f'scale_{mo}_s']:.2f} s  "
                f"{h[f'scale_{mo}_rss_mb']:.0f} MB  {h[f'scale_{mo}_dossiers']:,.0f} dossiers"
            )
    if "speedup" in h:
        lines.append(
            f"sim.run reps={report['workers']['reps']}             1 worker "
            f"{h['workers_1_s']:.1f} s, 2 workers {h['workers_2_s']:.1f} s: "
            f"speed-up {h['speedup']:.2f} (CPU {h['workers_1_cpu_s']:.0f} s vs "
            f"{h['workers_2_cpu_s']:.0f} s: {h['speedup_cpu_bound']:.2f} from CPU time)"
        )
    if "sweep_speedup" in h:
        lines.append(
            f"tthc-sim sweep (4 tasks)   1 worker {h['sweep_1_s']:.1f} s, 2 workers "
            f"{h['sweep_2_s']:.1f} s: speed-up {h['sweep_speedup']:.2f} (CPU "
            f"{h['sweep_1_cpu_s']:.0f} s vs {h['sweep_2_cpu_s']:.0f} s: "
            f"{h['sweep_speedup_cpu_bound']:.2f} from CPU time)"
        )
    for name, need, got, ok in verdicts(h):
        lines.append(f"{'MET ' if ok else 'MISS'} {name}: {got} (target {need})")
    return "\n".join(lines)


def markdown(report: dict[str, Any], h: dict[str, float]) -> str:
    """benchmarks/RESULTS.md."""
    mc = report["machine"]
    md = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py` (see its docstring for what each figure times).",
        f"Scenario `{report['scenario']}` ({report['horizon']}), replication 0; every figure is "
        f"the median of {report['repeat']} runs, each workload in a fresh process. Run "
        f"{report['started']} – {report['finished']}"
        + (
            f" (sections {', '.join(report['reused'])} from an earlier run)."
            if "reused" in report
            else "."
        ),
        "",
        "## Machine",
        "",
        f"* CPU: {mc['cpu']}; cores: {mc['cores']}; RAM: {mc['ram']}",
        f"* {mc['os']}; {mc['python']}",
        f"* {mc['packages']}",
        f"* Load average (1 min) during the runs: {_load_range(report)} — the two cores are "
        "shared, so wall times are noisy; the model/floor ratio is taken within one process.",
        "",
        "## Targets",
        "",
        "| target | required | measured | |",
        "|---|---|---|---|",
    ]
    for name, need, got, ok in verdicts(h):
        md.append(f"| {name} | {need} | {got} | {'met' if ok else '**missed**'} |")
    if "ratio" in h:
        md += [
            "",
            "## Model against the bare SimPy floor",
            "",
            f"{h['dossiers']:,.0f} dossiers through 54 units. Model = `sim.model.simulate()` "
            "(outage draws, demand generation, SimPy run); floor = numpy draws + SimPy run with "
            "three `simpy.Resource` stages per unit, one process per dossier "
            "(`benchmarks/floor.py`).",
            "",
            "| | seconds | dossiers/s | SimPy events | events/s | events/dossier |",
            "|---|---:|---:|---:|---:|---:|",
            f"| model | {h['simulate_s']:.2f} | {h['model_dps']:,.0f} | "
            f"{median(report['pair'], 'events'):,.0f} | {h['model_eps']:,.0f} | "
            f"{h['model_events_per_dossier']:.2f} |",
            f"| floor | {h['floor_s']:.2f} | {h['floor_dps']:,.0f} | "
            f"{median(report['pair'], 'floor_events'):,.0f} | {h['floor_eps']:,.0f} | "
            f"{h['floor_events_per_dossier']:.2f} |",
            "",
            f"Ratio of dossiers/s, model ÷ floor: **{h['ratio']:.2f}** by wall time, "
            f"{h['ratio_cpu']:.2f} by CPU time (median of the per-run ratios).",
        ]
    if "rss_mb" in h:
        md += [
            "",
            "## One replication end to end",
            "",
            "`simulate()` + tidy frames (`sim.results.rep_tables`, per-dossier table kept) + "
            "invariant checks, as a worker runs a replication.",
            "",
            "| seconds | dossiers/s | of which tidy frames | peak RSS | imports alone |",
            "|---:|---:|---:|---:|---:|",
            f"| {h['end_to_end_s']:.2f} | {h['end_to_end_dps']:,.0f} | {h['tables_s']:.2f} s | "
            f"{h['rss_mb']:.0f} MB | {report['imports_mb']:.0f} MB |",
        ]
    if "scaling" in report:
        q = h.get("scale_3_rss_mb", float("nan"))
        qs = h.get("scale_3_s", float("nan"))
        md += [
            "",
            "## Scaling with the horizon",
            "",
            "One replication end to end (as above) from the scenario's start.",
            "",
            "| horizon | dossiers | seconds | × quarter | peak RSS | × quarter |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for mo in report["scaling"]:
            s, r = h[f"scale_{mo}_s"], h[f"scale_{mo}_rss_mb"]
            label = f"{mo} month" if mo == "1" else f"{mo} months"
            md.append(
                f"| {label} | {h[f'scale_{mo}_dossiers']:,.0f} | {s:.2f} | {s / qs:.2f} | "
                f"{r:.0f} MB | {r / q:.2f} |"
            )
    if "speedup" in h:
        w = report["workers"]
        md += [
            "",
            "## Workers",
            "",
            f"`sim.run(scenario, reps={w['reps']}, workers=N, keep_dossiers=False)` in a fresh "
            "process (spawned worker processes included). *CPU s* is the CPU time of the "
            "process and its workers; *from CPU* = 2 × CPU(1) ÷ CPU(2) estimates the speed-up "
            "the work allows on two otherwise idle cores (it ignores start-up that cannot "
            "overlap and uneven tasks). While other jobs hold the two cores, the wall-clock "
            "speed-up falls far short of it.",
            "",
            "Speed-up: median over the repeats of the ratio of the two runs made one after the "
            "other.",
            "",
            "| workers | seconds | speed-up | CPU s | from CPU |",
            "|---:|---:|---:|---:|---:|",
            f"| 1 | {h['workers_1_s']:.1f} | 1.00 | {h['workers_1_cpu_s']:.1f} | |",
            f"| 2 | {h['workers_2_s']:.1f} | {h['speedup']:.2f} | {h['workers_2_cpu_s']:.1f} | "
            f"{h['speedup_cpu_bound']:.2f} |",
        ]
        if "sweep_speedup" in h:
            md += [
                "",
                "`tthc-sim sweep` on the same scenario, 2 points × 2 replications (4 tasks), "
                "timed as a command (interpreter start-up included):",
                "",
                "| workers | seconds | speed-up | CPU s | from CPU |",
                "|---:|---:|---:|---:|---:|",
                f"| 1 | {h['sweep_1_s']:.1f} | 1.00 | {h['sweep_1_cpu_s']:.1f} | |",
                f"| 2 | {h['sweep_2_s']:.1f} | {h['sweep_speedup']:.2f} | "
                f"{h['sweep_2_cpu_s']:.1f} | {h['sweep_speedup_cpu_bound']:.2f} |",
            ]
        else:
            md.append("")
            md.append("(`tthc-sim sweep` was not available when this was run.)")
    md += ["", "## Raw runs", "", "```json", dumps(_raw(report), indent=1), "```", ""]
    return "\n".join(md)


def _raw(report: dict[str, Any]) -> dict[str, Any]:
    return {k: report[k] for k in SECTIONS if k in report}


def _load_range(report: dict[str, Any]) -> str:
    loads: list[float] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            if "load_avg" in x:
                loads.append(float(x["load_avg"]))
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(_raw(report))
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Reference benchmark of tthc-sim.")
    ap.add_argument("--scenario", type=Path, default=BASELINE)
    ap.add_argument("--set", action="append", default=[], metavar="A.B=V")
    ap.add_argument("--repeat", type=int, default=3, help="runs per workload (median)")
    ap.add_argument("--scaling-repeat", type=int, default=None, help="default: --repeat")
    ap.add_argument("--worker-repeat", type=int, default=None, help="default: --repeat")
    ap.add_argument("--reps", type=int, default=4, help="replications for the worker test")
    ap.add_argument(
        "--skip", nargs="*", default=[], choices=["pair", "model", "scaling", "workers"]
    )
    ap.add_argument("--quick", action="store_true", help="quick scenario, one run each")
    ap.add_argument("--out", type=Path, default=None, help="Markdown report to write")
    ap.add_argument("--json", type=Path, default=None, help="also dump the raw report")
    ap.add_argument(
        "--reuse",
        type=Path,
        default=None,
        help="a --json dump whose sections fill those skipped in this run (e.g. rerun workers)",
    )
    ap.add_argument("--child", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        sys.path.insert(0, str(HERE))
        result = CHILDREN[args.child[0]](json.loads(args.child[1]))
        print(json.dumps(result))  # to the parent process, which reads NaN back
        return 0
    if args.quick:
        args.repeat = 1
        args.reps = 2
    args.scaling_repeat = args.scaling_repeat or args.repeat
    args.worker_repeat = args.worker_repeat or args.repeat
    report = benchmark(args)
    if args.reuse is not None:
        old = json.loads(args.reuse.read_text())["report"]
        for section in SECTIONS:
            if section not in report and section in old:
                report[section] = old[section]
                report.setdefault("reused", []).append(section)
        report["started"] = min(report["started"], old["started"])
        if len(report.get("reused", [])) == len([k for k in old if k in SECTIONS]):
            # nothing measured now: the report is the earlier run's, rewritten
            report["finished"] = old["finished"]
            report.pop("reused")
    h = headline(report)
    print(text_summary(report, h))
    out = args.out or (None if args.quick else HERE / "RESULTS.md")
    if out is not None:
        out.write_text(markdown(report, h), encoding="utf-8")
        _log(f"wrote {out}")
    if args.json is not None:
        args.json.write_text(dumps({"report": report, "headline": h}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
