"""tthc-sim: discrete-event simulation of administrative-procedure dossiers in Quảng Ninh.

The public API::

    import sim
    scn = sim.load_scenario("scenarios/baseline.yaml")
    res = sim.run(scn, reps=5, seed=1)
    res.on_time_rate, res.on_time_ci95      # headline KPI with its 95% t-interval
    res.unit_table()                        # one row per unit
    res.dossiers                            # one row per dossier and replication

Nothing is computed at import time.
"""

from sim.experiment import Results, run, write_results
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

__version__ = "0.1.0"

__all__ = [
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run",
    "scenario_from_dict",
    "write_results",
]
