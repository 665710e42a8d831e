"""Command line: parses arguments, loads scenarios, calls the library, prints.

Exit codes: 0 success, 2 bad input (any :class:`sim.errors.InputError`, turned into one line
on stderr naming the file and field, no traceback, in :func:`main` only), 1 internal error
(with its traceback) or a calibration whose fitted value fails its verification
(:class:`sim.calibrate.CalibrationFailed`), 130 interrupted. Commands write no file
themselves: result folders are written by the library (:mod:`sim.outputs`,
:func:`sim.experiment.run_to_folder`, :func:`sim.comparison.compare_to_folder`, ...).

Every JSON object printed is strict JSON (:func:`sim.stats.dumps`: undefined values are
``null``).
"""

from __future__ import annotations

import argparse
import codecs
import json
import math
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ArgumentError, InputError, ResultsFolderError
from sim.executors import connect_scheduler
from sim.labels import LABELS, label
from sim.outputs import prepare_folder
from sim.scenario import load_scenario, scenario_warnings, written_paths
from sim.stats import MIN_REPS, dumps

EXIT_BAD_INPUT = 2
STREAM_ERRORS = "tthc-ascii"


def _to_ascii(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: what a stream cannot encode is written without diacritics."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    from sim.labels import ascii_text

    return ascii_text(exc.object[exc.start : exc.end]), exc.end


codecs.register_error(STREAM_ERRORS, _to_ascii)


def setup_streams() -> None:
    """Let stdout and stderr print Vietnamese whatever their encoding.

    A stream that cannot encode Vietnamese (``PYTHONIOENCODING=ascii``, a C locale without
    UTF-8, a Windows cp1252 console) is reconfigured to write such characters without their
    marks (``Quảng Ninh`` -> ``Quang Ninh``) instead of raising ``UnicodeEncodeError``.
    ``--json`` output is ASCII already (``ensure_ascii``), so it stays exact, valid JSON.
    """
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "Quảng Ninh đ \u2212".encode(encoding)
        except LookupError:
            pass
        except UnicodeEncodeError:
            pass
        else:
            continue
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=STREAM_ERRORS)


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


def _port(text: str) -> int:
    return _int_in(text, 1, 65535, "port must be between 1 and 65535, got {v}")


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


def _add_lang_arg(p: argparse.ArgumentParser, also: str = "") -> None:
    p.add_argument(
        "--lang",
        choices=("en", "vi"),
        default=None,
        help=f"language of the console tables{also} (default en) and the first language of "
        "the headers of results.xlsx (default vi)",
    )


def _add_precision_args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--halfwidth",
        type=_halfwidth,
        default=0.002,
        help=f"with --reps auto: target 95%% half-width of {what} (default 0.002; "
        f"never reached with fewer than {MIN_REPS} replications)",
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
        help="folder for dossiers.parquet, units.csv, summary.csv, results.xlsx, manifest.json",
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
    _add_lang_arg(r)

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
    c.add_argument(
        "--method",
        choices=("abc", "bisect"),
        default=None,
        help="abc: all calibration.priors to all calibration.targets (ABC-SMC, the default "
        "when the scenario has priors); bisect: one parameter to the on-time rate",
    )
    c.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, tcp://HOST:PORT"
    )
    c.add_argument("--population", type=_positive_int, default=None, help="abc: particles")
    c.add_argument("--generations", type=_positive_int, default=None, help="abc: at most")
    c.add_argument("--ppc", type=_workers, default=20, help="abc: posterior predictive simulations")
    c.add_argument(
        "--restart", action="store_true", help="abc: discard the history in --out, start anew"
    )
    c.add_argument(
        "--ship",
        type=Path,
        default=None,
        metavar="SCENARIO_FILE",
        help="abc: write the posterior medians into SCENARIO_FILE and the posterior to "
        "posterior/<its name>.parquet beside it",
    )

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
    _add_lang_arg(cp, " and plots")
    cp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    cp.add_argument("--no-progress", action="store_true")
    cp.add_argument(
        "--posterior",
        type=Path,
        default=None,
        metavar="FILE",
        help="posterior.parquet: run every scenario under --draws posterior draws and report "
        "stochastic-only and total (calibration + stochastic) intervals",
    )
    cp.add_argument(
        "--draws", type=_positive_int, default=None, help="with --posterior (default 20)"
    )
    cp.add_argument(
        "--fitted",
        choices=["keep", "scale"],
        default=None,
        help="with --posterior: a what-if that sets a calibrated parameter itself keeps its "
        "value in every draw (keep, default) or scales each draw's value by its ratio to the "
        "reference's (scale: 'halved' halves every draw)",
    )
    cp.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, tcp://HOST:PORT"
    )

    sc = sub.add_parser("screen", help="Morris screening of the scenario's uncertain parameters")
    sc.add_argument("scenario", type=Path)
    sc.add_argument(
        "--target",
        dest="targets",
        action="append",
        default=None,
        help="target metric (repeatable; default: calibration.targets)",
    )
    sc.add_argument("--trajectories", type=_positive_int, default=10, help="Morris trajectories")
    sc.add_argument("--levels", type=_positive_int, default=4, help="Morris levels (even)")
    sc.add_argument(
        "--noise-reps", type=_positive_int, default=5, help="replications for the noise (>= 2)"
    )
    sc.add_argument("--seed", type=_seed, default=None)
    sc.add_argument("--workers", type=_workers, default=0, help="local processes (0 = all cores)")
    sc.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, tcp://HOST:PORT"
    )
    sc.add_argument("--out", type=Path, default=None, help="default results/screen/<scenario>")
    sc.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE")
    sc.add_argument("--json", action="store_true", help="print one JSON object on stdout")

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
    _add_lang_arg(sw)

    pl = sub.add_parser("plot", help="plot a run, comparison or sweep folder")
    pl.add_argument("results", type=Path, metavar="RESULTS_DIR")
    pl.add_argument("--lang", choices=("en", "vi"), default="en", help="label language")
    pl.add_argument(
        "--format", dest="formats", nargs="+", choices=("png", "svg"), default=["png", "svg"]
    )
    pl.add_argument("--plots-dir", type=Path, default=None, help="default RESULTS_DIR/plots")

    ex = sub.add_parser("explain", help="lateness anatomy of a run folder (tthc-sim run --out)")
    ex.add_argument("results", type=Path, metavar="RESULTS_DIR")
    ex.add_argument(
        "--counterfactual",
        action="store_true",
        help="also rerun the replications without each source of delay (slow)",
    )
    ex.add_argument(
        "--workers", type=_workers, default=1, help="processes for --counterfactual (0 = all)"
    )
    ex.add_argument("--json", action="store_true", help="print one JSON object and nothing else")
    ex.add_argument("--out", type=Path, default=None, help="folder for the CSV tables and plots")
    ex.add_argument(
        "--format", dest="formats", nargs="+", choices=("png", "svg"), default=["png", "svg"]
    )
    _add_lang_arg(ex)

    ap = sub.add_parser("app", help="start the planner's workbench (web page)")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=_port, default=8501, help="TCP port (default 8501)")
    ap.add_argument(
        "--scenarios", type=Path, default=Path("scenarios"), help="served scenario folder"
    )
    ap.add_argument(
        "--sweeps", type=Path, default=Path("results"), help="folder of sweep stores to browse"
    )
    ap.add_argument(
        "--workers", type=_workers, default=0, help="simulation processes (default 0 = all cores)"
    )

    v = sub.add_parser("validate", help="check a scenario file")
    v.add_argument("scenario", type=Path)
    v.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE")
    return p


@contextmanager
def _about(source: str) -> Iterator[None]:
    """Name ``source`` (a file, an option) first in a library error that does not name it."""
    try:
        yield
    except InputError as exc:
        if exc.source is None:
            exc.source = source
        raise


def _version() -> str:
    from sim import __version__

    return f"tthc-sim {__version__}"


def _note_line(note: str | None) -> str:
    return f"\nNote: {note}." if note else ""


def _warn_note(note: str | None) -> None:
    """With ``--json`` the note is a field of the object; say it on stderr as well."""
    if note:
        print(f"warning: {note}", file=sys.stderr)


def _console_lang(args: argparse.Namespace) -> str:
    return str(args.lang or "en")


def _workbook_lang(args: argparse.Namespace) -> str:
    return str(args.lang or "vi")


def _print_run(res: Any, scn: Any, lang: str = "en") -> None:
    lo, hi = res.on_time_ci95
    r = res.replications

    def t(key: str, **fmt: Any) -> str:
        return label(f"con_{key}", lang, **fmt)

    print(
        t(
            "run_scenario",
            name=scn.name,
            start=scn.horizon.start,
            end=scn.horizon.end,
            units=len(scn.unit_codes()),
        )
    )
    print(t("run_reps", reps=res.reps, seed=res.seed, seconds=res.wall_seconds))
    print()
    print(
        t("run_rate", rate=_pct(res.on_time_rate), low=_pct(lo), high=_pct(hi))
        + _note_line(res.interval_note)
    )
    print(
        t(
            "run_counts",
            arrived=r["arrived"].mean(),
            resolved=r["resolved"].mean(),
            open=r["open"].mean(),
            overdue=r["open_overdue"].mean(),
        )
    )
    print(
        t(
            "run_waits",
            online=_pct(r["online_share"].mean()),
            desk=r["desk_wait_minutes_mean"].mean(),
            lead=r["lead_time_working_hours_mean"].mean(),
        )
    )
    causes = res.cause_table()
    if len(causes) and causes["late_per_rep"].sum() > 0:
        names = [c if lang == "en" else label(f"cause_{c}", lang).lower() for c in causes["cause"]]
        parts = ", ".join(f"{c} {s:.0%}" for c, s in zip(names, causes["share"], strict=True))
        print(t("run_causes", parts=parts))
    print()
    months = res.group_table("months")
    if len(months):
        print(t("by_month"))
        cols = ["month", "resolved", "late", "on_time_rate", "ci95_low", "ci95_high"]
        print(_fmt(months, cols, lang))
        print()
    print(t("by_procedure"))
    print(
        _fmt(
            res.group_table("procedures"),
            ["procedure", "resolved", "late", "on_time_rate", "ci95_low", "ci95_high"],
            lang,
        )
    )
    print()
    print(t("by_unit"))
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
    print(_fmt(res.unit_table(), cols, lang))


_PERCENT_COLUMNS = frozenset(
    {
        "on_time_rate",
        "ci95_low",
        "ci95_high",
        "on_time_ci95_low",
        "on_time_ci95_high",
        "reception_utilisation",
    }
)


def _fmt(df: pd.DataFrame, cols: list[str], lang: str = "en") -> str:
    """A console table: rates in %, one decimal for other fractions, headers in ``lang``.

    In Vietnamese, procedure ids and point statuses are shown by their names.
    """
    d = df[cols].copy()
    for c in cols:
        if c in _PERCENT_COLUMNS:
            d[c] = d[c].map(_pct)
        elif pd.api.types.is_float_dtype(d[c]):
            d[c] = d[c].map(lambda x: "n/a" if math.isnan(x) else f"{x:,.1f}")
        elif lang != "en" and c == "procedure":
            d[c] = d[c].map(lambda v: label(str(v), lang))
        elif lang != "en" and c == "status":
            d[c] = d[c].map(lambda v: label(f"status_{v}", lang))
    d = d.rename(columns={c: label(f"con_{c}", lang) if f"con_{c}" in LABELS else c for c in cols})
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
    from sim.experiment import run, run_to_folder, run_to_precision

    scn = load_scenario(args.scenario, args.overrides)
    warnings = _scenario_warnings(args.scenario, scn, args.overrides)
    auto = args.reps == "auto"
    reps = None if auto else args.reps
    target = args.halfwidth if auto else None
    common = {"seed": args.seed, "workers": args.workers, "progress": not args.no_progress}
    if args.out:
        res = run_to_folder(
            scn,
            args.out,
            reps,
            target_halfwidth=target,
            max_reps=args.max_reps,
            extra_manifest={
                "overrides": list(args.overrides),
                "scenario_file": str(args.scenario),
                "warnings": warnings,
            },
            workbook_lang=_workbook_lang(args),
            **common,
        )
    elif auto:
        res = run_to_precision(
            scn, args.halfwidth, max_reps=args.max_reps, keep_dossiers=False, **common
        )
    else:
        res = run(scn, reps, keep_dossiers=False, **common)
    precision = res.meta.get("precision")
    if args.json:
        _warn_note(res.interval_note)
        sys.stdout.write(dumps(res.to_json()) + "\n")
    else:
        lang = _console_lang(args)
        _print_run(res, scn, lang)
        if precision:
            print("\n" + _precision_line(precision, "what_rate", lang))
        if args.out:
            print("\n" + label("con_written", lang, out=args.out))
    return 0


def _precision_line(p: dict[str, Any], what: str, lang: str = "en") -> str:
    """The ``--reps auto`` outcome; ``what`` is the label key (``con_<what>``) of the KPI."""
    if p["reached"]:
        state = label("con_reached", lang)
    elif p["reps"] < p.get("min_reps", 0):
        state = label("con_not_reached_min", lang, min_reps=p["min_reps"], max_reps=p["max_reps"])
    else:
        state = label("con_not_reached", lang, max_reps=p["max_reps"])
    return label(
        "con_precision",
        lang,
        reps=p["reps"],
        what=label(f"con_{what}", lang),
        halfwidth=100 * p["halfwidth"],
        target=100 * p["target_halfwidth"],
        state=state,
    )


_BISECT_ONLY = ("target", "grid", "bounds", "parameter", "write", "reps")
_ABC_ONLY = ("scheduler", "population", "generations", "restart", "ship")


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``--method abc`` (default when the scenario has calibration.priors) or ``bisect``."""
    given = {
        name
        for name in (*_BISECT_ONLY, *_ABC_ONLY)
        if getattr(args, name) not in (None, False) and not (name == "grid" and args.grid == 4)
    }
    method = args.method
    if method is None:
        if given & set(_BISECT_ONLY):
            method = "bisect"
        else:
            scn = load_scenario(args.scenario, args.overrides)
            has_priors = scn.calibration is not None and bool(scn.calibration.priors)
            method = "abc" if has_priors else "bisect"
    wrong = sorted(given & set(_ABC_ONLY if method == "bisect" else _BISECT_ONLY))
    if wrong:
        raise ArgumentError(f"--{wrong[0]} does not apply to --method {method}")
    return _calibrate_abc(args) if method == "abc" else _calibrate_bisect(args)


def _calibrate_abc(args: argparse.Namespace) -> int:
    from sim.bayes import check_parameters_in, fit, progress_to_stderr, ship, write_fit

    scn = load_scenario(args.scenario, args.overrides)
    if scn.calibration is None or not scn.calibration.priors:
        raise ArgumentError(f"{args.scenario}: calibration.priors: no parameters to fit")
    if not scn.calibration.targets:
        raise ArgumentError(f"{args.scenario}: calibration.targets: no targets to fit to")
    if args.ship is not None:  # refused before the fit, not after hours of it
        check_parameters_in(scn.calibration.priors, load_scenario(args.ship), str(args.ship))
    out = prepare_folder(args.out or Path("results") / "calibration" / scn.name)
    with _about(args.scenario), connect_scheduler(args.scheduler) as executor:
        res = fit(
            scn,
            out,
            seed=args.seed,
            population=args.population,
            generations=args.generations,
            ppc_draws=args.ppc,
            workers=args.workers,
            executor=executor,
            restart=args.restart,
            progress=None if args.no_progress else progress_to_stderr,
        )
    write_fit(res, scn, {"scenario_file": str(args.scenario), "overrides": list(args.overrides)})
    shipped = None
    if args.ship is not None:
        shipped = ship(res.posterior, args.ship, priors=scn.calibration.priors)
    if args.json:
        sys.stdout.write(json.dumps(res.to_json(), allow_nan=False) + "\n")
        return 0
    print(res.report())
    print(f"\nPosterior, tables, plots and manifest written to {out}/")
    if shipped is not None:
        print(f"Posterior medians written into {args.ship}; posterior shipped as {shipped}")
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    from sim.screening import screen, write_screening
    from sim.targets import check_metric

    scn = load_scenario(args.scenario, args.overrides)
    for t in args.targets or []:
        problem = check_metric(t)
        if problem:
            raise ArgumentError(f"--target {t}: {problem}")
    out = prepare_folder(args.out or Path("results") / "screen" / scn.name, incomplete=True)
    with _about(args.scenario), connect_scheduler(args.scheduler) as executor:
        res = screen(
            scn,
            targets=args.targets,
            trajectories=args.trajectories,
            levels=args.levels,
            noise_reps=args.noise_reps,
            seed=args.seed,
            workers=args.workers,
            executor=executor,
        )
    write_screening(res, scn, out, {"scenario_file": str(args.scenario)})
    if args.json:
        sys.stdout.write(json.dumps(res.to_json(), allow_nan=False) + "\n")
        return 0
    print(res.report())
    print(f"\nTables, plots and manifest written to {out}/")
    return 0


def _compare_posterior(args: argparse.Namespace) -> int:
    from sim.bayes import load_posterior, progress_to_stderr
    from sim.uncertainty import compare_posterior, write_posterior_comparison

    if args.reps == "auto":
        raise ArgumentError("--reps auto does not apply with --posterior (give a number >= 2)")
    reps = args.reps if args.reps is not None else 2
    if reps < 2:
        raise ArgumentError(f"--reps: need at least 2 replications per draw, got {reps}")
    draws = args.draws if args.draws is not None else 20
    if draws < 2:
        raise ArgumentError(f"--draws: need at least 2 posterior draws, got {draws}")
    with _about("--posterior"):
        post = load_posterior(args.posterior)
    scns = [load_scenario(p, args.overrides) for p in args.scenarios]
    if args.out:
        prepare_folder(args.out)
    with connect_scheduler(args.scheduler) as executor:
        cmp = compare_posterior(
            scns,
            post,
            draws=draws,
            reps=reps,
            seed=args.seed,
            fitted=args.fitted or "keep",
            workers=args.workers,
            executor=executor,
            progress=None if args.no_progress else progress_to_stderr,
        )
    if args.out:
        write_posterior_comparison(
            cmp,
            args.out,
            {"scenario_files": [str(p) for p in args.scenarios], "posterior": str(args.posterior)},
        )
    if args.json:
        sys.stdout.write(json.dumps(cmp.to_json(), allow_nan=False) + "\n")
        return 0
    print(
        f"Comparison under {draws} posterior draws x {reps} replications (common random "
        f"numbers within each draw), seed {cmp.seed}, wall time {cmp.wall_seconds:.1f} s"
    )
    for note in cmp.notes:
        print(f"  note: {note}")
    d = cmp.differences()
    for name in cmp.labels[1:]:
        print(f"\n{name} minus {cmp.labels[0]} (95% intervals):")
        rows = [
            {
                "metric": m.metric,
                "difference": _fmt_value(m.metric, m.difference, True),
                "stochastic only": _ci(m.metric, m.stochastic_ci95_low, m.stochastic_ci95_high),
                "total (calibration + stochastic)": _ci(
                    m.metric, m.total_ci95_low, m.total_ci95_high
                ),
                "P(improves)": "" if math.isnan(m.p_improves) else f"{m.p_improves:.2f}",
            }
            for m in d[d["scenario"] == name].itertuples()
        ]
        print(pd.DataFrame(rows).to_string(index=False))
    if args.out:
        print(f"\nResults written to {args.out}/")
    return 0


def _calibrate_bisect(args: argparse.Namespace) -> int:
    from sim.calibrate import CalibrationFailed, calibrate, write_calibration, write_value
    from sim.outputs import finish_folder

    scn = load_scenario(args.scenario, args.overrides)
    warnings = _scenario_warnings(args.scenario, scn, args.overrides)
    if args.target is not None and not 0.0 < args.target <= 1.0:
        raise ArgumentError(f"--target must be in (0, 1], got {args.target}")
    if args.grid < 2:
        raise ArgumentError("--grid must be at least 2")
    if args.bounds and not all(math.isfinite(b) for b in args.bounds):
        raise ArgumentError(f"--bounds must be finite numbers, got {args.bounds}")
    if args.out:
        prepare_folder(args.out, "calibrate")  # manifest removed: incomplete until we finish
    failure: str | None = None
    try:
        with _about(f"{args.scenario}: calibration"):
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
    except CalibrationFailed as exc:  # a fit that misses its target: reported, never written
        res, failure = exc.result, str(exc)
    if args.out:
        write_calibration(
            res, args.out, scn, failure=failure, extra_manifest={"warnings": warnings}
        )
        finish_folder(args.out)
    if args.write and failure is None:
        note = f"calibrated: {res.kpi} {res.achieved:.4f} (target {res.target})"
        write_value(args.scenario, res.parameter, res.value, note)
    if args.json:
        sys.stdout.write(dumps(res.to_json()) + "\n")
    else:
        print(res.report())
        if args.out:
            print(f"\nPlot and points written to {args.out}/")
        if args.write and failure is None:
            print(f"Wrote {res.parameter} = {res.value:.6f} into {args.scenario}")
    if failure is not None:
        unwritten = "; nothing written into the scenario" if args.write else ""
        print(f"error: {args.scenario}: calibration failed: {failure}{unwritten}", file=sys.stderr)
        return 1
    return 0


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
    from sim.comparison import compare, compare_to_folder
    from sim.stats import interval_note

    if len(args.scenarios) < 2:
        raise ArgumentError("compare needs at least two scenario files (the reference first)")
    if args.posterior is not None:
        return _compare_posterior(args)
    for option, value in (
        ("--draws", args.draws),
        ("--scheduler", args.scheduler),
        ("--fitted", args.fitted),
    ):
        if value is not None:
            raise ArgumentError(f"{option} needs --posterior")
    scns = [load_scenario(p, args.overrides) for p in args.scenarios]
    warnings = [
        w
        for p, scn in zip(args.scenarios, scns, strict=True)
        for w in _scenario_warnings(p, scn, args.overrides)
    ]
    auto = args.reps == "auto"
    settings: dict[str, Any] = {
        "reps": None if auto else args.reps,
        "seed": args.seed,
        "target_halfwidth": args.halfwidth if auto else None,
        "max_reps": args.max_reps,
        "workers": args.workers,
        "progress": not args.no_progress,
    }
    written: list[Path] = []
    if args.out:
        cmp, written = compare_to_folder(
            scns,
            args.out,
            extra_manifest={
                "scenario_files": [str(p) for p in args.scenarios],
                "overrides": list(args.overrides),
                "warnings": warnings,
            },
            workbook_lang=_workbook_lang(args),
            plot_lang=_console_lang(args),
            **settings,
        )
    else:
        cmp = compare(scns, **settings)
    note = interval_note(cmp.reps)
    if args.json:
        _warn_note(note)
        sys.stdout.write(dumps(cmp.to_json()) + "\n")
        return 0
    _print_comparison(cmp, args.scenarios, note, _console_lang(args))
    if args.out:
        print(
            "\n" + label("con_cmp_written", _console_lang(args), out=args.out, plots=len(written))
        )
    return 0


def _print_comparison(cmp: Any, paths: Sequence[Path], note: str | None, lang: str) -> None:
    """The console tables of a comparison: scenarios, paired differences, units."""

    def t(key: str, **fmt: Any) -> str:
        return label(f"con_{key}", lang, **fmt)

    def metric_name(metric: str) -> str:
        return metric if lang == "en" else label(metric, lang)

    print(t("cmp_head", reps=cmp.reps, seed=cmp.seed, seconds=cmp.wall_seconds) + _note_line(note))
    for k, (name, path) in enumerate(zip(cmp.labels, paths, strict=True)):
        print(f"  {t('reference') if k == 0 else f'[{k}]':>9}: {name}  ({path})")
    if "precision" in cmp.meta:
        print(_precision_line(cmp.meta["precision"], "what_difference", lang))
    print()
    print(
        _fmt(
            cmp.scenario_table(),
            ["scenario", "reps", "on_time_rate", "ci95_low", "ci95_high", "resolved", "late"],
            lang,
        )
    )
    diffs = cmp.differences()
    ref = cmp.labels[0]
    for name in cmp.labels[1:]:
        d = diffs[diffs["scenario"] == name]
        print("\n" + t("cmp_minus", scenario=name, reference=ref))
        rows = [
            {
                t("metric"): metric_name(m.metric),
                ref: _fmt_value(m.metric, m.mean_reference),
                name: _fmt_value(m.metric, m.mean_scenario),
                t("difference"): _fmt_value(m.metric, m.difference, True),
                t("paired_ci"): _ci(m.metric, m.paired_ci95_low, m.paired_ci95_high),
                t("unpaired_ci"): _ci(m.metric, m.unpaired_ci95_low, m.unpaired_ci95_high),
                t("width_ratio"): "n/a"
                if math.isnan(m.halfwidth_ratio)
                else f"{m.halfwidth_ratio:.2f}",
            }
            for m in d.itertuples()
        ]
        print(pd.DataFrame(rows).to_string(index=False))
    units = cmp.unit_differences()
    for name in cmp.labels[1:]:
        u = units[units["scenario"] == name].sort_values(["difference", "code"])
        if not len(u):
            continue
        print("\n" + t("cmp_units", scenario=name, reference=ref))
        rows = [
            {
                t("code"): x.code,
                t("name"): x.name,
                t("type"): x.type,
                ref: _fmt_value("on_time_rate", x.mean_reference),
                name: _fmt_value("on_time_rate", x.mean_scenario),
                t("difference"): _fmt_value("on_time_rate", x.difference, True),
                t("paired_ci"): _ci("on_time_rate", x.paired_ci95_low, x.paired_ci95_high),
            }
            for x in u.itertuples()
        ]
        print(pd.DataFrame(rows).to_string(index=False))


def cmd_sweep(args: argparse.Namespace) -> int:
    from sim.sweep import load_sweep, run_sweep

    sweep = load_sweep(args.sweep)
    _warn(sweep.warnings)
    if sweep.spec.posterior is not None:
        return _sweep_posterior(sweep, args)
    # connect first: a wrong address is bad input, found before any work
    with connect_scheduler(args.scheduler) as executor:
        out = prepare_folder(args.out or Path("results") / sweep.name)
        res = run_sweep(
            sweep,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            executor=executor,
            resume=args.resume,
            progress=not args.no_progress,
            workbook_lang=_workbook_lang(args),
        )
    pts = res.points
    lang = _console_lang(args)
    print(
        label(
            "con_sweep_head",
            lang,
            name=sweep.name,
            points=len(pts),
            reps=_span([sweep.reps_of(p) for p in sweep.points]),
            seed=_span([sweep.seed_of(p) for p in sweep.points]),
            seconds=res.wall_seconds,
            workers=res.meta["workers"],
            where=label("con_sweep_on", lang, scheduler=args.scheduler) if args.scheduler else "",
        )
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
            lang,
        )
    )
    done = int((pts["status"] == "done").sum())
    print(
        "\n"
        + label(
            "con_sweep_done",
            lang,
            done=done,
            points=len(pts),
            skipped=res.meta["points_skipped"],
            failed=res.failed,
            out=out,
        )
    )
    for e in res.errors.itertuples():
        print(f"error: point {e.point_id} ({e.name}): {e.error}", file=sys.stderr)
    return 1 if res.failed else 0


def _sweep_posterior(sweep: Any, args: argparse.Namespace) -> int:
    """A sweep with ``posterior:``: every point against the base under posterior draws."""
    from sim.bayes import progress_to_stderr
    from sim.uncertainty import run_sweep_posterior

    if args.resume:
        raise ArgumentError(f"{args.sweep}: --resume does not apply to a sweep with posterior:")
    out = prepare_folder(args.out or Path("results") / sweep.name)
    with connect_scheduler(args.scheduler) as executor:
        cmp = run_sweep_posterior(
            sweep,
            out,
            workers=args.workers,
            executor=executor,
            progress=None if args.no_progress else progress_to_stderr,
        )
    d = cmp.differences(["on_time_rate"])
    print(
        f"Sweep {sweep.name} under {len(cmp.draws)} posterior draws x {cmp.reps} replications, "
        f"seed {cmp.seed}, wall time {cmp.wall_seconds:.1f} s"
    )
    rows = [
        {
            "point": r.scenario,
            "on-time minus base": _fmt_value("on_time_rate", r.difference, True),
            "stochastic only": _ci("on_time_rate", r.stochastic_ci95_low, r.stochastic_ci95_high),
            "total": _ci("on_time_rate", r.total_ci95_low, r.total_ci95_high),
            "P(improves)": f"{r.p_improves:.2f}",
        }
        for r in d.itertuples()
    ]
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"\nResults in {out}/")
    return 0


def _span(values: Sequence[int]) -> str:
    """One value, or the smallest and largest of several (per-point seeds or replications)."""
    distinct = sorted(set(values))
    return str(distinct[0]) if len(distinct) == 1 else f"{distinct[0]}-{distinct[-1]}"


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
            raise ResultsFolderError(f"not a valid manifest ({exc})", str(man)) from None
    target = args.plots_dir if args.plots_dir is not None else args.results / "plots"
    existed = target.exists()
    try:
        if args.plots_dir is not None and args.results.is_dir():
            prepare_folder(args.plots_dir, option="--plots-dir")
        files = plot_dir(args.results, lang=args.lang, formats=args.formats, out=args.plots_dir)
    except FileNotFoundError as exc:
        raise ResultsFolderError(
            f"missing: {args.results} is incomplete", str(exc.filename)
        ) from None
    except (pandas.errors.EmptyDataError, pandas.errors.ParserError) as exc:
        raise ResultsFolderError(f"unreadable result table ({exc})", str(args.results)) from None
    finally:
        if not existed and target.is_dir() and not any(target.iterdir()):
            target.rmdir()  # nothing plotted: leave no empty folder behind
    for f in files:
        print(f)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from sim.explain import explain, render_text, write_anatomy
    from sim.outputs import finish_folder

    if args.out is not None:
        prepare_folder(args.out, "explain")
    anatomy = explain(args.results, counterfactual=args.counterfactual, workers=args.workers)
    if args.out is not None:
        write_anatomy(anatomy, args.out, args.formats)
        finish_folder(args.out)
    if args.json:
        _warn_note(anatomy.interval_note)
        sys.stdout.write(dumps(anatomy.to_json()) + "\n")
        return 0
    print(render_text(anatomy, _console_lang(args)))
    if args.out is not None:
        print("\n" + label("exp_written", _console_lang(args), out=args.out))
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Start the Streamlit server of :mod:`sim.app.main` (replaces this process)."""
    import importlib.util

    from sim.app.core import ENV_SCENARIOS, ENV_SWEEPS, ENV_WORKERS, scenario_files

    folder = args.scenarios
    if not folder.is_dir():
        raise ArgumentError(f"{folder}: --scenarios: not a folder")
    if not scenario_files(folder):
        raise ArgumentError(f"{folder}: --scenarios: no scenario file (*.yaml) in the folder")
    if importlib.util.find_spec("streamlit") is None:
        raise ArgumentError("the workbench needs Streamlit: pip install 'tthc-sim[app]'")
    script = Path(__file__).with_name("app") / "main.py"
    env = {
        **os.environ,
        ENV_SCENARIOS: str(folder.resolve()),
        ENV_SWEEPS: str(args.sweeps.resolve()),
        ENV_WORKERS: str(args.workers),
    }
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        args.host,
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--server.maxUploadSize",
        "1",  # MB; the app itself refuses scenarios over sim.app.core.MAX_UPLOAD_BYTES
        "--server.fileWatcherType",
        "none",
        "--server.enableXsrfProtection",
        "true",
        "--runner.postScriptGC",
        "false",  # a full garbage collection after every rerun stalls the server
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--global.developmentMode",
        "false",
    ]
    print(f"tthc-sim app: http://{args.host}:{args.port}  (scenarios: {folder})", flush=True)
    os.execve(sys.executable, argv, env)
    return 0  # pragma: no cover - execve does not return


COMMANDS = {
    "run": cmd_run,
    "validate": cmd_validate,
    "calibrate": cmd_calibrate,
    "compare": cmd_compare,
    "screen": cmd_screen,
    "sweep": cmd_sweep,
    "plot": cmd_plot,
    "explain": cmd_explain,
    "app": cmd_app,
}


def main(argv: Sequence[str] | None = None) -> int:
    setup_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:  # the one place bad input becomes exit code 2
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
