"""Save or check the raw output of a few replications, to prove an optimisation changed nothing.

Usage::

    python benchmarks/fingerprint.py save  DIR [--baseline]
    python benchmarks/fingerprint.py check DIR [--baseline]

``save`` writes every per-dossier input and record column, the pool table and the tidy
per-dossier frame of several replications of ``scenarios/validation/quick.yaml`` (under a few
variants that exercise pooling, the supplement clock rules, slow periods and FIFO desks) to
``DIR``; ``check`` recomputes them and reports any difference (bit for bit; NaN equals NaN).
``--baseline`` adds replication 0 of the full baseline (about half a minute). The scenarios
are saved with the reference (pickled), so later edits to the YAML files do not disturb the
check. SimPy's event count is reported but not compared: removing events is what
optimisations do.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.model import build_layout, horizon_calendar, simulate  # noqa: E402
from sim.results import dossier_frame  # noqa: E402
from sim.scenario import Scenario, load_scenario  # noqa: E402

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
    frame = dossier_frame(out, scn, layout, cal)
    return cols, frame, out.events


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["save", "check"])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--baseline", action="store_true", help="also replication 0 of the baseline")
    args = ap.parse_args(argv)
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
