"""Command line: parses arguments, loads scenarios, calls the library, prints.

Exit codes: 0 success, 2 bad input (one line on stderr naming the file and field, no
traceback), 1 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario import ScenarioError, load_scenario, scenario_warnings, written_paths

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A command-line argument that cannot be used."""


def _pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.2f}%"


def _int_in(text: str, low: int, high: int | None, message: str) -> int:
    """``text`` as an integer in [low, high] (no upper bound if None), else ``message``."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if v < low or (high is not None and v > high):
        raise argparse.ArgumentTypeError(message.format(v=v))
    return v


def _positive_int(text: str) -> int:
    return _int_in(text, 1, None, "must be at least 1, got {v}")


def _workers(text: str) -> int:
    return _int_in(text, 0, None, "must be 0 (all cores) or more, got {v}")


def _out_dir(path: Path, option: str = "--out") -> Path:
    """Create an output folder up front, so a bad path fails before any work is done."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path}: {option}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{path}: {option}: cannot create the folder ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"{path}: {option}: the folder is not writable")
    return path


def _seed(text: str) -> int:
    return _int_in(text, 0, 2**63 - 1, "seed must be between 0 and 2**63-1")


def _reps(text: str) -> int | str:
    """A number of replications, or 'auto' (until --halfwidth is reached)."""
    return "auto" if text.strip().lower() == "auto" else _positive_int(text)


def _halfwidth(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < v < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {v}")
    return v


def _add_precision_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--halfwidth",
        type=_halfwidth,
        default=0.002,
        help=f"with --reps auto: target 95%% half-width of {what} (default 0.002)",
    )
    p.add_argument(
        "--max-reps",
        type=_positive_int,
        default=100,
        help="with --reps auto: at most this many replications (default 100)",
    )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit code is 2 as well
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="tthc-sim", description="Simulate administrative-procedure dossiers in Quảng Ninh."
    )
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run replications of a scenario")
    r.add_argument("scenario", type=Path)
    r.add_argument(
        "--reps",
        type=_reps,
        default=None,
        help="replications, or 'auto' to reach --halfwidth (default: scenario's run.reps)",
    )
    _add_precision_args(r, "the on-time rate")
    r.add_argument("--seed", type=_seed, default=None, help="seed (default: scenario's run.seed)")
    r.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for dossiers.parquet, units.csv, summary.csv, manifest.json",
    )
    r.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a field, e.g. staffing.availability=0.9",
    )
    r.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout and nothing else"
    )
    r.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="local worker processes (0 = all cores; default 1)",
    )
    r.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    c = sub.add_parser("calibrate", help="fit the scenario's calibration parameter to a target")
    c.add_argument("scenario", type=Path)
    c.add_argument("--target", type=float, default=None, help="target on-time rate, e.g. 0.985")
    c.add_argument("--reps", type=_positive_int, default=None, help="replications per candidate")
    c.add_argument("--seed", type=_seed, default=None)
    c.add_argument("--parameter", default=None, help="dotted path (default: calibration.parameter)")
    c.add_argument("--bounds", type=float, nargs=2, default=None, metavar=("LOW", "HIGH"))
    c.add_argument("--grid", type=int, default=4, help="starting candidates (default 4)")
    c.add_argument("--workers", type=_workers, default=0, help="local processes (0 = all cores)")
    c.add_argument("--out", type=Path, default=None, help="folder for the plot and the points")
    c.add_argument("--write", action="store_true", help="write the fitted value into SCENARIO")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE")
    c.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    c.add_argument("--no-progress", action="store_true")

    cp = sub.add_parser("compare", help="paired comparison; the first scenario is the reference")
    cp.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO")
    cp.add_argument(
        "--reps", type=_reps, default=None, help="replications, or 'auto' to reach --halfwidth"
    )
    _add_precision_args(cp, "each paired on-time-rate difference")
    cp.add_argument("--seed", type=_seed, default=None, help="seed (default: the reference's)")
    cp.add_argument("--out", type=Path, default=None, help="folder for tables, plots, manifest")
    cp.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a field in every scenario",
    )
    cp.add_argument("--workers", type=_workers, default=1, help="local processes (0 = all cores)")
    cp.add_argument("--lang", choices=("en", "vi"), default="en", help="plot labels")
    cp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    cp.add_argument("--no-progress", action="store_true")

    sw = sub.add_parser("sweep", help="run a sweep file (grid or Latin hypercube)")
    sw.add_argument("sweep", type=Path)
    sw.add_argument(
        "--workers", type=_workers, default=0, help="local processes (default 0 = all cores)"
    )
    sw.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, tcp://HOST:PORT"
    )
    sw.add_argument(
        "--out", type=Path, default=None, help="result folder (default results/<sweep name>)"
    )
    sw.add_argument("--resume", action="store_true", help="skip points already in --out")
    sw.add_argument("--no-progress", action="store_true")

    pl = sub.add_parser("plot", help="plot a run, comparison or sweep folder")
    pl.add_argument("results", type=Path, metavar="RESULTS_DIR")
    pl.add_argument("--lang", choices=("en", "vi"), default="en", help="label language")
    pl.add_argument(
        "--format", dest="formats", nargs="+", choices=("png", "svg"), default=["png", "svg"]
    )
    pl.add_argument("--plots-dir", type=Path, default=None, help="default RESULTS_DIR/plots")

    v = sub.add_parser("validate", help="check a scenario file")
    v.add_argument("scenario", type=Path)
    v.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE")
    return p


def _version() -> str:
    from sim import __version__

    return f"tthc-sim {__version__}"


def _print_run(res: Any, scn: Any) -> None:
    lo, hi = res.on_time_ci95
    r = res.replications
    print(
        f"Scenario: {scn.name}  ({scn.horizon.start} to {scn.horizon.end}, "
        f"{len(scn.unit_codes())} units)"
    )
    print(f"Replications: {res.reps}  seed: {res.seed}  wall time: {res.wall_seconds:.1f} s")
    print()
    print(
        f"On-time rate (đúng và trước hạn): {_pct(res.on_time_rate)}   "
        f"95% CI [{_pct(lo)}, {_pct(hi)}]"
    )
    print(
        f"Per replication: arrived {r['arrived'].mean():,.0f}  "
        f"resolved {r['resolved'].mean():,.0f}  open at end {r['open'].mean():,.0f} "
        f"(of which past deadline {r['open_overdue'].mean():,.0f})"
    )
    print(
        f"Online share {_pct(r['online_share'].mean())}   "
        f"desk wait {r['desk_wait_minutes_mean'].mean():.1f} min   "
        f"lead time {r['lead_time_working_hours_mean'].mean():.1f} working h"
    )
    causes = res.cause_table()
    if len(causes) and causes["late_per_rep"].sum() > 0:
        parts = ", ".join(
            f"{c} {s:.0%}" for c, s in zip(causes["cause"], causes["share"], strict=True)
        )
        print(f"Late dossiers by cause: {parts}")
    print()
    months = res.group_table("months")
    if len(months):
        print("By month of resolution:")
        print(_fmt(months, ["month", "resolved", "late", "on_time_rate", "ci95_low", "ci95_high"]))
        print()
    print("By procedure:")
    print(
        _fmt(
            res.group_table("procedures"),
            ["procedure", "resolved", "late", "on_time_rate", "ci95_low", "ci95_high"],
        )
    )
    print()
    print("By unit (mean per replication):")
    cols = [
        "code",
        "name",
        "type",
        "arrived",
        "open",
        "on_time_rate",
        "on_time_ci95_low",
        "on_time_ci95_high",
        "desk_wait_minutes_mean",
        "reception_utilisation",
    ]
    print(_fmt(res.unit_table(), cols))


def _fmt(df: pd.DataFrame, cols: list[str]) -> str:
    d = df[cols].copy()
    for c in cols:
        if c in (
            "on_time_rate",
            "ci95_low",
            "ci95_high",
            "on_time_ci95_low",
            "on_time_ci95_high",
            "reception_utilisation",
        ):
            d[c] = d[c].map(_pct)
        elif pd.api.types.is_float_dtype(d[c]):
            d[c] = d[c].map(lambda x: f"{x:,.1f}")
    d = d.rename(
        columns={
            "on_time_rate": "on-time",
            "on_time_ci95_low": "ci95 low",
            "on_time_ci95_high": "ci95 high",
            "ci95_low": "ci95 low",
            "ci95_high": "ci95 high",
            "desk_wait_minutes_mean": "desk wait min",
            "reception_utilisation": "desk util",
        }
    )
    return d.to_string(index=False)


def _scenario_warnings(path: Path, scn: Any, overrides: Sequence[str]) -> list[str]:
    """The scenario's no-effect warnings (``FILE: field: why``), also printed on stderr."""
    lines = [f"{path}: {w}" for w in scenario_warnings(scn, written_paths(path, overrides))]
    _warn(lines)
    return lines


def cmd_validate(args: argparse.Namespace) -> int:
    scn = load_scenario(args.scenario, args.overrides)
    _scenario_warnings(args.scenario, scn, args.overrides)
    print(
        f"{args.scenario}: ok ({scn.name}, {len(scn.unit_codes())} units, "
        f"{len(scn.procedures)} procedures)"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.experiment import run, write_results
    from sim.outputs import ParquetSink

    scn = load_scenario(args.scenario, args.overrides)
    warnings = _scenario_warnings(args.scenario, scn, args.overrides)
    if args.out:
        _out_dir(args.out)
        (args.out / "manifest.json").unlink(missing_ok=True)  # incomplete until we finish
        for tmp in args.out.glob(".*.tmp"):  # temporary files of a killed run
            if tmp.is_file():
                tmp.unlink(missing_ok=True)
    sink = ParquetSink(args.out / "dossiers.parquet") if args.out else None
    try:
        if args.reps == "auto":
            from sim.experiment import run_to_precision

            res = run_to_precision(
                scn,
                args.halfwidth,
                max_reps=args.max_reps,
                seed=args.seed,
                workers=args.workers,
                keep_dossiers=False,
                dossier_sink=sink.write if sink else None,
                progress=not args.no_progress,
            )
        else:
            res = run(
                scn,
                reps=args.reps,
                seed=args.seed,
                workers=args.workers,
                keep_dossiers=False,
                dossier_sink=sink.write if sink else None,
                progress=not args.no_progress,
            )
        if sink:
            sink.close()
    finally:
        if sink:
            sink.discard()
    if args.out:
        write_results(
            res,
            args.out,
            {
                "overrides": list(args.overrides),
                "scenario_file": str(args.scenario),
                "warnings": warnings,
            },
        )
    precision = res.meta.get("precision")
    if args.json:
        obj = res.to_json()
        if precision:
            obj["precision"] = precision
        sys.stdout.write(json.dumps(obj) + "\n")
    else:
        _print_run(res, scn)
        if precision:
            print(f"\n{_precision_line(precision, 'on-time rate')}")
        if args.out:
            print(f"\nResults written to {args.out}/")
    return 0


def _precision_line(p: dict[str, Any], what: str) -> str:
    state = "reached" if p["reached"] else f"NOT reached (cap --max-reps {p['max_reps']})"
    return (
        f"--reps auto: {p['reps']} replications; 95% half-width of the {what} "
        f"{100 * p['halfwidth']:.3f} points, target {100 * p['target_halfwidth']:.3f}: {state}"
    )


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibrate import CalibrationError, calibrate, write_value
    from sim.outputs import manifest, write_csv, write_json

    scn = load_scenario(args.scenario, args.overrides)
    warnings = _scenario_warnings(args.scenario, scn, args.overrides)
    if args.target is not None and not 0.0 < args.target <= 1.0:
        raise UsageError(f"--target must be in (0, 1], got {args.target}")
    if args.grid < 2:
        raise UsageError("--grid must be at least 2")
    if args.bounds and not all(math.isfinite(b) for b in args.bounds):
        raise UsageError(f"--bounds must be finite numbers, got {args.bounds}")
    if args.out:
        _out_dir(args.out)
        (args.out / "manifest.json").unlink(missing_ok=True)  # incomplete until we finish
    try:
        res = calibrate(
            scn,
            parameter=args.parameter,
            bounds=tuple(args.bounds) if args.bounds else None,
            target=args.target,
            reps=args.reps,
            seed=args.seed,
            grid=args.grid,
            workers=args.workers,
            progress=not args.no_progress,
        )
    except CalibrationError as exc:
        raise UsageError(f"{args.scenario}: calibration: {exc}") from None
    if args.out:
        plots = _atomic_plots(res, args.out, "calibration")
        write_csv(res.points, args.out / "points.csv")
        write_csv(res.curve, args.out / "curve.csv")
        write_csv(res.verification, args.out / "verification.csv")
        write_json(
            manifest(
                "calibrate",
                scenario=scn.to_dict(),
                result=res.to_json(),
                warnings=warnings,
                plots=[p.name for p in plots],
            ),
            args.out / "manifest.json",
        )
    if args.write:
        note = f"calibrated: {res.kpi} {res.achieved:.4f} (target {res.target})"
        write_value(args.scenario, res.parameter, res.value, note)
    if args.json:
        sys.stdout.write(json.dumps(res.to_json()) + "\n")
        return 0
    print(res.report())
    if args.out:
        print(f"\nPlot and points written to {args.out}/")
    if args.write:
        print(f"Wrote {res.parameter} = {res.value:.6f} into {args.scenario}")
    return 0


def _atomic_plots(res: Any, out: Path, stem: str) -> list[Path]:
    """``res.plot`` into a temporary folder, each file then renamed into ``out``."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix=".plots.", suffix=".tmp", dir=out) as tmp:
        drafts = res.plot(Path(tmp) / stem)
        placed = []
        for draft in drafts:
            os.replace(draft, out / draft.name)
            placed.append(out / draft.name)
    return placed


def _fmt_value(metric: str, x: float, diff: bool = False) -> str:
    """A KPI value for a table: rates in % (differences in percentage points)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if metric in ("on_time_rate", "utilisation_reception"):
        return f"{100 * x:+.3f} pp" if diff else f"{100 * x:.2f}%"
    return f"{x:+,.3f}" if diff else f"{x:,.3f}"


def _ci(metric: str, lo: float, hi: float) -> str:
    return f"[{_fmt_value(metric, lo, True)}, {_fmt_value(metric, hi, True)}]"


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import compare, write_comparison

    if len(args.scenarios) < 2:
        raise UsageError("compare needs at least two scenario files (the reference first)")
    scns = [load_scenario(p, args.overrides) for p in args.scenarios]
    warnings = [
        w
        for p, scn in zip(args.scenarios, scns, strict=True)
        for w in _scenario_warnings(p, scn, args.overrides)
    ]
    if args.out:
        _out_dir(args.out)
    auto = args.reps == "auto"
    cmp = compare(
        scns,
        reps=None if auto else args.reps,
        seed=args.seed,
        target_halfwidth=args.halfwidth if auto else None,
        max_reps=args.max_reps,
        workers=args.workers,
        progress=not args.no_progress,
    )
    written: list[Path] = []
    if args.out:
        from sim.plots import plot_dir

        write_comparison(
            cmp,
            args.out,
            {
                "scenario_files": [str(p) for p in args.scenarios],
                "overrides": list(args.overrides),
                "warnings": warnings,
            },
        )
        written = plot_dir(args.out, lang=args.lang)
    if args.json:
        sys.stdout.write(json.dumps(cmp.to_json(), default=str) + "\n")
        return 0
    print(
        f"Comparison under common random numbers: {cmp.reps} replications, seed {cmp.seed}, "
        f"wall time {cmp.wall_seconds:.1f} s"
    )
    for k, (label, path) in enumerate(zip(cmp.labels, args.scenarios, strict=True)):
        print(f"  {'reference' if k == 0 else f'[{k}]':>9}: {label}  ({path})")
    if "precision" in cmp.meta:
        print(_precision_line(cmp.meta["precision"], "paired on-time-rate difference"))
    print()
    print(
        _fmt(
            cmp.scenario_table(),
            ["scenario", "reps", "on_time_rate", "ci95_low", "ci95_high", "resolved", "late"],
        )
    )
    diffs = cmp.differences()
    for label in cmp.labels[1:]:
        d = diffs[diffs["scenario"] == label]
        print(f"\n{label} minus {cmp.labels[0]} (95% intervals; paired = same replications):")
        rows = [
            {
                "metric": m.metric,
                cmp.labels[0]: _fmt_value(m.metric, m.mean_reference),
                label: _fmt_value(m.metric, m.mean_scenario),
                "difference": _fmt_value(m.metric, m.difference, True),
                "paired CI": _ci(m.metric, m.paired_ci95_low, m.paired_ci95_high),
                "unpaired (Welch) CI": _ci(m.metric, m.unpaired_ci95_low, m.unpaired_ci95_high),
                "paired/unpaired width": "n/a"
                if math.isnan(m.halfwidth_ratio)
                else f"{m.halfwidth_ratio:.2f}",
            }
            for m in d.itertuples()
        ]
        print(pd.DataFrame(rows).to_string(index=False))
    units = cmp.unit_differences()
    for label in cmp.labels[1:]:
        u = units[units["scenario"] == label].sort_values(["difference", "code"])
        if not len(u):
            continue
        print(f"\nOn-time rate by unit, {label} minus {cmp.labels[0]} (paired 95% interval):")
        rows = [
            {
                "code": x.code,
                "name": x.name,
                "type": x.type,
                cmp.labels[0]: _fmt_value("on_time_rate", x.mean_reference),
                label: _fmt_value("on_time_rate", x.mean_scenario),
                "difference": _fmt_value("on_time_rate", x.difference, True),
                "paired CI": _ci("on_time_rate", x.paired_ci95_low, x.paired_ci95_high),
            }
            for x in u.itertuples()
        ]
        print(pd.DataFrame(rows).to_string(index=False))
    if args.out:
        print(f"\nResults written to {args.out}/ ({len(written)} plot files in plots/)")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.sweep import load_sweep, run_sweep

    sweep = load_sweep(args.sweep)
    _warn(sweep.warnings)
    executor = None
    if args.scheduler:  # connect first: a wrong address is bad input, found before any work
        from sim.executors import make_executor

        try:
            executor = make_executor(scheduler=args.scheduler)
        except (OSError, ValueError) as exc:
            raise UsageError(f"{args.scheduler}: --scheduler: cannot connect ({exc})") from None
    try:
        out = _out_dir(args.out or Path("results") / sweep.name)
        res = run_sweep(
            sweep,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            executor=executor,
            resume=args.resume,
            progress=not args.no_progress,
        )
    finally:
        if executor is not None:
            executor.close()
    pts = res.points
    reps = {sweep.reps_of(p) for p in sweep.points}
    seeds = {sweep.seed_of(p) for p in sweep.points}
    reps_text = f"{reps.pop()} replications" if len(reps) == 1 else "replications per point"
    seed_text = f"seed {seeds.pop()}" if len(seeds) == 1 else "a seed per point"
    print(
        f"Sweep {sweep.name}: {len(pts)} points x {reps_text}, {seed_text}, "
        f"wall time {res.wall_seconds:.1f} s ({res.meta['workers']} workers"
        + (f" on {args.scheduler}" if args.scheduler else "")
        + ")"
    )
    print()
    print(
        _fmt(
            pts.rename(
                columns={
                    "on_time_rate_ci95_low": "ci95_low",
                    "on_time_rate_ci95_high": "ci95_high",
                }
            ),
            ["point_id", "name", "status", "reps", "on_time_rate", "ci95_low", "ci95_high"],
        )
    )
    done = int((pts["status"] == "done").sum())
    print(
        f"\n{done} of {len(pts)} points done ({res.meta['points_skipped']} from a previous run), "
        f"{res.failed} failed. Results in {out}/"
    )
    for e in res.errors.itertuples():
        print(f"error: point {e.point_id} ({e.name}): {e.error}", file=sys.stderr)
    return 1 if res.failed else 0


def _warn(lines: Sequence[str]) -> None:
    """Settings that are legal but have no effect: one line each on stderr."""
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)


def cmd_plot(args: argparse.Namespace) -> int:
    import pandas.errors

    from sim.plots import plot_dir

    man = args.results / "manifest.json"
    if man.is_file():
        try:
            json.loads(man.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"{man}: not a valid manifest ({exc})") from None
    target = args.plots_dir if args.plots_dir is not None else args.results / "plots"
    existed = target.exists()
    try:
        if args.plots_dir is not None and args.results.is_dir():
            _out_dir(args.plots_dir, "--plots-dir")
        files = plot_dir(args.results, lang=args.lang, formats=args.formats, out=args.plots_dir)
    except FileNotFoundError as exc:
        raise UsageError(f"{exc.filename}: missing: {args.results} is incomplete") from None
    except (pandas.errors.EmptyDataError, pandas.errors.ParserError) as exc:
        raise UsageError(f"{args.results}: unreadable result table ({exc})") from None
    finally:
        if not existed and target.is_dir() and not any(target.iterdir()):
            target.rmdir()  # nothing plotted: leave no empty folder behind
    for f in files:
        print(f)
    return 0


COMMANDS = {
    "run": cmd_run,
    "validate": cmd_validate,
    "calibrate": cmd_calibrate,
    "compare": cmd_compare,
    "sweep": cmd_sweep,
    "plot": cmd_plot,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
