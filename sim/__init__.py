"""tthc-sim: discrete-event simulation of administrative-procedure dossiers in Quảng Ninh.

The public API::

    import sim
    scn = sim.load_scenario("scenarios/baseline.yaml")
    res = sim.run(scn, reps=5, seed=1)
    res.on_time_rate, res.on_time_ci95      # headline KPI with its 95% interval (in [0, 1])
    res.unit_table()                        # one row per unit
    res.dossiers                            # one row per dossier and replication
    cmp = sim.compare([scn, scn.with_changes({"staffing.multiplier.reception": 0.8})], reps=5)
    cmp.differences()                       # paired (and unpaired) 95% intervals
    sw = sim.run_sweep("scenarios/sweeps/smoke.yaml", "results/smoke", workers=2)
    sw.points                               # one row per point, on-time rate with its interval
    sim.plots.plot_dir("results/smoke")     # matplotlib is imported on first use
    post = sim.bayes.load_posterior("results/calibration/posterior.parquet")  # ABC-SMC fit
    cu = sim.compare_posterior([scn, other], post, draws=20, reps=2)
    cu.differences()                        # stochastic-only and total intervals, P(improves)
    fit = sim.calibrate(scn, target=0.985, reps=5)   # the same as sim.calibrate.calibrate(...)

``sim.compare`` is the function of the module :mod:`sim.comparison` (which holds the result
type ``Comparison``). ``sim.calibrate`` is a module whose call is its namesake function:
``sim.calibrate(...)`` is ``sim.calibrate.calibrate(...)``. Statistics (intervals, strict
JSON) are in ``sim.stats``.

Nothing is computed at import time. With ``workers`` > 1 replications run in worker
processes: a plain script must then start its work under ``if __name__ == "__main__":``
(worker processes import the script; notebooks need nothing).
"""

import types
from typing import Any

from sim import calibrate, comparison, stats
from sim.comparison import Comparison, compare, compare_to_folder, write_comparison
from sim.errors import InputError
from sim.experiment import run, run_to_folder, run_to_precision, write_results
from sim.results import Results
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from sim.sweep import Sweep, SweepResults, load_sweep, read_sweep, run_sweep
from sim.uncertainty import PosteriorComparison, compare_posterior, run_sweep_posterior

__version__ = "0.1.0"


class _CallableModule(types.ModuleType):
    """A module that, called, calls its namesake function (``sim.calibrate(...)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, self.__name__.rpartition(".")[2])(*args, **kwargs)


calibrate.__class__ = _CallableModule

__all__ = [
    "Comparison",
    "InputError",
    "PosteriorComparison",
    "Results",
    "Scenario",
    "ScenarioError",
    "Sweep",
    "SweepResults",
    "__version__",
    "bayes",
    "calibrate",
    "compare",
    "compare_posterior",
    "compare_to_folder",
    "comparison",
    "load_scenario",
    "load_sweep",
    "plots",
    "read_sweep",
    "run",
    "run_sweep",
    "run_sweep_posterior",
    "run_to_folder",
    "run_to_precision",
    "scenario_from_dict",
    "screening",
    "stats",
    "write_comparison",
    "write_results",
]


def __getattr__(name: str) -> Any:
    """``sim.plots``, ``sim.bayes`` and ``sim.screening`` on first use (matplotlib, pyabc
    and SALib are not imported with the package)."""
    if name in ("plots", "bayes", "screening"):
        import importlib

        return importlib.import_module(f"sim.{name}")
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
