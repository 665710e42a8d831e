"""The data types of a replication: its layout, its per-dossier records and its output.

:class:`Layout` (pools and routing of a scenario) and :class:`RepOutput` (everything one
replication produced) live here, below the model, so that :mod:`sim.results` and
:mod:`sim.invariants` read a replication without importing :mod:`sim.model`.

Columnar recording of per-dossier timestamps:

One preallocated column per quantity, indexed by dossier number. Columns are
:class:`array.array` of C doubles: the model stores Python floats into them at list speed
without keeping a float object per cell (8 bytes a value instead of about 32), and they
become numpy arrays without a copy after the run. No per-event Python objects are created.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from sim.demand import Dossiers, MechanismDraws

NAN = float("nan")


@dataclass
class Records:
    """Working-clock timestamps (minutes) and waits of every dossier; NaN = not reached."""

    reception_start: array[float]
    reception_end: array[float]
    clock_start: array[float]
    deadline: array[float]
    supplement_request: array[float]
    supplement_return: array[float]
    recheck_end: array[float]
    processing_start: array[float]
    processing_end: array[float]
    approval_start: array[float]
    resolved: array[float]
    wait_queue: array[float]
    wait_network: array[float]
    wait_supplement: array[float]
    received_by: array[float]
    # lateness mechanisms (NaN when the dossier did not meet the step)
    wait_external: array[float]  # land: commune confirmation / other agency (calendar)
    wait_financial: array[float]  # land: tax notice and payment (calendar)
    wait_signing: array[float]  # waiting for the leader's next signing session
    after_close: array[float]  # overtime minutes worked after the close (sim.overtime)

    @classmethod
    def allocate(cls, n: int) -> Records:
        return cls(**{f.name: array("d", [NAN]) * n for f in fields(cls)})

    def arrays(self) -> dict[str, np.ndarray]:
        """All columns as float64 arrays."""
        return {
            f.name: np.frombuffer(getattr(self, f.name), dtype=np.float64) for f in fields(self)
        }


@dataclass
class Layout:
    """Units, pools and routing of a scenario (no randomness; reused by all replications)."""

    codes: list[str]
    frame: pd.DataFrame
    procedure_ids: list[str]
    pool_specs: list[tuple[str, str, int, int, int]]  # name, kind, unit, net_unit, staff
    reception_pool: np.ndarray  # per unit
    processing_pool: np.ndarray  # (procedure, unit) -> pool, by the unit that handles it
    approval_pool: np.ndarray  # (procedure, unit)
    handled_by: np.ndarray  # per procedure: 0 receiving, 1 home, 2 agency
    deadline_days: np.ndarray
    interactions: np.ndarray  # (procedure, 4): reception, transfer, processing, approval
    reception_groups: list[list[int]]  # per unit: reception pools its online dossiers may use
    task_force_pool: np.ndarray | None = None  # per unit: the backlog task force's pool or -1


@dataclass
class RepOutput:
    """Everything one replication produced (arrays; frames are built in sim.results)."""

    rep: int
    seed: int
    dossiers: Dossiers
    records: Records
    pools: pd.DataFrame
    horizon_end: float  # working minutes
    down_minutes: np.ndarray
    events: int
    draws: MechanismDraws | None = None  # per-dossier draws of the lateness mechanisms
