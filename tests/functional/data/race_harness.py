"""Widens the window between the store's "is there a sweep.json?" check and its write of
sweep.json (as a slow or network file system would), to make the race deterministic.

Usage: python race_harness.py SWEEP_FILE OUT_DIR (a copy of the case handed with the issue).
"""

import sys
import time

import sim.outputs as o
from sim.sweep import load_sweep, run_sweep

orig = o.write_json


def slow_write_json(data, path):
    if str(path).endswith("sweep.json"):
        time.sleep(4)
    return orig(data, path)


o.write_json = slow_write_json
res = run_sweep(load_sweep(sys.argv[1]), sys.argv[2], workers=1)
print("harness sweep done:", res.sweep.name, len(res.points), "points")
