"""Command line: parses arguments, loads scenarios, calls the library, prints.

Exit codes: 0 success, 2 bad input (one line on stderr naming the file and field, no
traceback), 1 internal error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario import ScenarioError, load_scenario

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A command-line argument that cannot be used."""


def _pct(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.2f}%"


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {v}")
    return v


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= v < 2**63:
        raise argparse.ArgumentTypeError("seed must be between 0 and 2**63-1")
    return v


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
        type=_positive_int,
        default=None,
        help="replications (default: scenario's run.reps)",
    )
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
        "--workers", type=int, default=1, help="local worker processes (0 = all cores; default 1)"
    )
    r.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

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


def cmd_validate(args: argparse.Namespace) -> int:
    scn = load_scenario(args.scenario, args.overrides)
    print(
        f"{args.scenario}: ok ({scn.name}, {len(scn.unit_codes())} units, "
        f"{len(scn.procedures)} procedures)"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from sim.experiment import run, write_results
    from sim.outputs import ParquetSink

    scn = load_scenario(args.scenario, args.overrides)
    sink = ParquetSink(args.out / "dossiers.parquet") if args.out else None
    if args.out and (args.out / "manifest.json").exists():
        (args.out / "manifest.json").unlink()  # the folder is incomplete until we finish
    try:
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
            res, args.out, {"overrides": list(args.overrides), "scenario_file": str(args.scenario)}
        )
    if args.json:
        sys.stdout.write(json.dumps(res.to_json()) + "\n")
    else:
        _print_run(res, scn)
        if args.out:
            print(f"\nResults written to {args.out}/")
    return 0


COMMANDS = {"run": cmd_run, "validate": cmd_validate}


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
