"""Save or check the raw output of a few replications, to prove an optimisation changed nothing.

Usage::

    python benchmarks/fingerprint.py save  DIR [--baseline]
    python benchmarks/fingerprint.py check DIR [--baseline]
    python benchmarks/fingerprint.py golden [--update]

``save`` writes every per-dossier input and record column, the pool table and the tidy
per-dossier frame of several replications of ``scenarios/validation/quick.yaml`` (under a few
variants that exercise pooling, the supplement clock rules, slow periods and FIFO desks) to
``DIR``; ``check`` recomputes them and reports any difference (bit for bit; NaN equals NaN).
``--baseline`` adds replication 0 of the full baseline (about half a minute). The scenarios
are saved with the reference (pickled), so later edits to the YAML files do not disturb the
check. SimPy's event count is reported but not compared: removing events is what
optimisations do.

``golden`` compares a few replications (see :data:`GOLDEN_CASES`) with the committed
``tests/regression/golden_fingerprint.json``: a hash of every column and a few headline
numbers per replication, small enough to keep in the repository and checked by the fast
test suite (``tests/regression/test_golden_fingerprint.py``). ``golden --update`` rewrites
the file after a deliberate change of the numbers; the commit that does so says why.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.calendar import WorkingCalendar  # noqa: E402
from sim.model import build_layout, horizon_calendar, simulate  # noqa: E402
from sim.results import dossier_frame, rep_tables  # noqa: E402
from sim.scenario import Scenario, load_scenario  # noqa: E402

if TYPE_CHECKING:
    from sim.model import Layout, RepOutput

SLOW = {
    "start": "2025-08-18T00:00:00",
    "end": "2025-08-29T23:59:00",
    "response_factor": 4.0,
    "procedures": ["birth_registration", "copy_certification"],
}
VARIANTS: dict[str, dict[str, Any]] = {
    "plain": {},
    "pooled": {"pooling.online_reception": "province", "supplements.clock_rule": "pause"},
    "keep_fifo": {"supplements.clock_rule": "keep", "reception.discipline": "fifo"},
    "slow_busy": {
        "network.degradations": [SLOW],
        "staffing.multiplier.reception": 0.5,
        "network.outages.system.mtbf_hours": 40,
        "network.fallback_mbps": 20,
    },
    # a trickle: days without arrivals, arrivals only at openings (simultaneous events)
    "trickle": {
        "demand.per_1000_residents_per_working_day": 0.02,
        "demand.online_hour_factors": {h: (1.0 if h < 7 or h > 17 else 0.0) for h in range(24)},
        "staffing.availability": 0.5,
    },
}


def cases(with_baseline: bool) -> list[tuple[str, Scenario, int]]:
    """(name, scenario, replication) of every fingerprinted replication."""
    quick = load_scenario(ROOT / "scenarios/validation/quick.yaml")
    out = []
    for name, changes in VARIANTS.items():
        scn = quick.with_changes(changes) if changes else quick
        for rep in (0, 1, 2) if name == "plain" else (0,):
            out.append((f"quick-{name}-r{rep}", scn, rep))
    mmc = load_scenario(ROOT / "scenarios/validation/mmc.yaml")
    out.append(("mmc-r0", mmc, 0))
    if with_baseline:
        out.append(("baseline-r0", load_scenario(ROOT / "scenarios/baseline.yaml"), 0))
    return out


def columns(scn: Scenario, rep: int) -> tuple[dict[str, np.ndarray], pd.DataFrame, int]:
    """Raw columns, tidy frame and event count of one replication."""
    layout = build_layout(scn)
    cal = horizon_calendar(scn)
    out = simulate(scn, rep, None, layout, cal)
    cols, frame = _columns_of(out, scn, layout, cal)
    return cols, frame, out.events


def _columns_of(
    out: RepOutput, scn: Scenario, layout: Layout, cal: WorkingCalendar
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    cols: dict[str, np.ndarray] = {}
    ds = out.dossiers
    for name in ds.__dataclass_fields__:
        cols[f"in.{name}"] = np.asarray(getattr(ds, name))
    for name, arr in out.records.arrays().items():
        cols[f"rec.{name}"] = np.array(arr)
    for name in out.pools.columns:
        values = out.pools[name].to_numpy()
        cols[f"pool.{name}"] = values.astype(str) if values.dtype == object else values
    cols["down_minutes"] = np.asarray(out.down_minutes)
    cols["horizon_end"] = np.array([out.horizon_end])
    return cols, dossier_frame(out, scn, layout, cal)


GOLDEN = ROOT / "tests" / "regression" / "golden_fingerprint.json"
GOLDEN_UPDATE = "python benchmarks/fingerprint.py golden --update"
# (name, scenario file, changes, replication): a few replications of the quick scenario, one
# with province pooling and the pause clock rule, and the first week of the baseline
GOLDEN_CASES: list[tuple[str, str, dict[str, Any], int]] = [
    ("quick-r0", "scenarios/validation/quick.yaml", {}, 0),
    ("quick-r1", "scenarios/validation/quick.yaml", {}, 1),
    ("quick-pooled-r0", "scenarios/validation/quick.yaml", VARIANTS["pooled"], 0),
    ("baseline-week1-r0", "scenarios/baseline.yaml", {"horizon.end": "2025-07-07"}, 0),
]
# headline numbers stored beside the hashes, so that a difference reads as numbers
GOLDEN_KPIS = (
    "arrived",
    "resolved",
    "on_time",
    "open",
    "open_overdue",
    "on_time_rate",
    "lead_time_working_hours_mean",
    "desk_wait_minutes_mean",
    "network_delay_minutes_mean",
)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _array_digest(values: np.ndarray) -> str:
    """Hash of an array's dtype, shape and bytes (bit for bit: -0.0 differs from 0.0)."""
    a = np.ascontiguousarray(values)
    if a.dtype.kind in "OUS":
        return _digest(json.dumps([str(v) for v in a.ravel()]).encode())
    return _digest(f"{a.dtype.str}{a.shape}".encode() + a.tobytes())


def _number(x: Any) -> float | int | None:
    """A JSON-safe number: ints stay ints, NaN becomes null."""
    if isinstance(x, (int, np.integer)):
        return int(x)
    v = float(x)
    return None if math.isnan(v) else v


def golden_case(scn: Scenario, rep: int) -> dict[str, Any]:
    """Column hashes and headline numbers of replication ``rep`` of ``scn``."""
    layout = build_layout(scn)
    cal = horizon_calendar(scn)
    out = simulate(scn, rep, None, layout, cal)
    cols, frame = _columns_of(out, scn, layout, cal)
    hashes = {name: _array_digest(values) for name, values in sorted(cols.items())}
    for name in frame.columns:
        h = pd.util.hash_pandas_object(frame[name], index=False).to_numpy()
        hashes[f"frame.{name}"] = _array_digest(h)
    kpis = rep_tables(out, scn, layout, cal, keep_dossiers=False).kpis.iloc[0]
    return {
        "dossiers": len(frame),
        "kpis": {k: _number(kpis[k]) for k in GOLDEN_KPIS},
        "hashes": hashes,
    }


def golden_fingerprint() -> dict[str, Any]:
    """The fingerprint of every golden case (what ``golden_fingerprint.json`` holds)."""
    cases_out = {}
    for name, path, changes, rep in GOLDEN_CASES:
        scn = load_scenario(ROOT / path)
        cases_out[name] = golden_case(scn.with_changes(changes) if changes else scn, rep)
    return {"update_with": GOLDEN_UPDATE, "cases": cases_out}


def golden_differences(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Readable differences between two fingerprints ([] if identical)."""
    lines = []
    old_cases, new_cases = stored.get("cases", {}), current["cases"]
    for name in sorted(set(old_cases) | set(new_cases)):
        if name not in old_cases or name not in new_cases:
            lines.append(f"{name}: case {'added' if name in new_cases else 'removed'}")
            continue
        old, new = old_cases[name], new_cases[name]
        if old["dossiers"] != new["dossiers"]:
            lines.append(f"{name}: dossiers {old['dossiers']} -> {new['dossiers']}")
        for k in sorted(set(old["kpis"]) | set(new["kpis"])):
            a, b = old["kpis"].get(k), new["kpis"].get(k)
            if a != b:
                lines.append(f"{name}: {k} {a} -> {b}")
        moved = sorted(
            c
            for c in set(old["hashes"]) | set(new["hashes"])
            if old["hashes"].get(c) != new["hashes"].get(c)
        )
        if moved:
            lines.append(f"{name}: columns changed: {', '.join(moved)}")
    return lines


def golden(update: bool, path: Path = GOLDEN) -> int:
    """Check (or with ``update`` rewrite) the committed golden fingerprint; 0 if identical."""
    current = golden_fingerprint()
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(current, indent=1, sort_keys=True, allow_nan=False) + "\n")
        print(f"wrote {path.relative_to(ROOT)}: commit it with the reason for the change")
        return 0
    stored = json.loads(path.read_text()) if path.exists() else {}
    diff = golden_differences(stored, current)
    for line in diff:
        print(line)
    if diff:
        print(f"numbers changed: if deliberate, run `{GOLDEN_UPDATE}` and say why in the commit")
        return 1
    print(f"{len(current['cases'])} golden cases identical")
    return 0


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["save", "check", "golden"])
    ap.add_argument("dir", type=Path, nargs="?", help="folder of the saved replications")
    ap.add_argument("--baseline", action="store_true", help="also replication 0 of the baseline")
    ap.add_argument("--update", action="store_true", help="golden: rewrite the committed file")
    args = ap.parse_args(argv)
    if args.action == "golden":
        return golden(args.update)
    if args.dir is None:
        ap.error(f"{args.action} needs DIR")
    args.dir.mkdir(parents=True, exist_ok=True)
    bad = 0
    for name, scn, rep in cases(args.baseline):
        npz, pkl = args.dir / f"{name}.npz", args.dir / f"{name}.pkl"
        scn_file = args.dir / f"{name}.scenario.pkl"
        if args.action == "save":
            scn_file.write_bytes(pickle.dumps(scn))
        else:
            scn = pickle.loads(scn_file.read_bytes())
        cols, frame, events = columns(scn, rep)
        if args.action == "save":
            np.savez(npz, **cols)  # type: ignore[arg-type]
            frame.to_pickle(pkl)
            print(f"{name}: saved {len(frame)} dossiers, {events} events")
            continue
        ref = np.load(npz, allow_pickle=False)
        diff = sorted(k for k in set(ref.files) | set(cols) if k not in ref.files or k not in cols)
        diff += [k for k in ref.files if k in cols and not _same(ref[k], cols[k])]
        try:
            pd.testing.assert_frame_equal(pd.read_pickle(pkl), frame, check_exact=True)
        except AssertionError as exc:
            diff.append(f"frame: {str(exc).splitlines()[0]}")
        bad += bool(diff)
        status = "IDENTICAL" if not diff else "DIFFERENT: " + ", ".join(diff)
        print(f"{name}: {len(frame)} dossiers, {events} events: {status}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
