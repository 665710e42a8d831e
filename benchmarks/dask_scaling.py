"""Time per ABC-SMC generation against the number of Dask workers (issue: calibration).

Runs the same fit (same scenario, population, generations and seed) on a local Dask
cluster of 1 and of 2 worker processes (one thread each) and writes the wall time and the
simulations of each, and whether the two posteriors are the same, to a JSON file that
``python -m sim.caldoc`` puts into ``docs/calibration.md``::

    python benchmarks/dask_scaling.py                       # tiny scenario, about 5 min
    python benchmarks/dask_scaling.py --out docs/calibration_abc/scaling.json

Every particle is an independent task, so with the workers' cores otherwise idle the time
per generation should fall near-linearly (speed-up near 2 with two workers).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from dask.distributed import LocalCluster

    from sim.bayes import fit, write_strict_json
    from sim.scenario import load_scenario

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios/calibration/tiny.yaml")
    ap.add_argument("--population", type=int, default=24)
    ap.add_argument("--generations", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--out", type=Path, default=None, help="JSON file (default: print only)")
    args = ap.parse_args(argv)
    scn = load_scenario(args.scenario)
    runs = []
    posteriors = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.workers:
            with LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster:
                t0 = time.perf_counter()
                res = fit(
                    scn,
                    Path(tmp) / f"w{n}",
                    seed=args.seed,
                    population=args.population,
                    generations=args.generations,
                    ppc_draws=0,
                    scheduler=cluster.scheduler_address,
                )
                wall = time.perf_counter() - t0
            posteriors.append(res.posterior.particles)
            runs.append(
                {
                    "workers": n,
                    "simulations": int(res.simulations),
                    "wall_seconds": wall,
                    "generations_run": len(res.generations),
                }
            )
            print(f"{n} worker(s): {res.simulations} simulations in {wall:.0f} s", flush=True)
    same = all(p.equals(posteriors[0]) for p in posteriors[1:])
    rel = args.scenario.resolve()
    out = {
        "scenario": str(rel.relative_to(ROOT) if rel.is_relative_to(ROOT) else rel),
        "population": args.population,
        "generations": args.generations,
        "seed": args.seed,
        "runs": runs,
        "same_posterior": same,
    }
    print(json.dumps(out, indent=1))
    if args.out:
        write_strict_json(out, args.out)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
