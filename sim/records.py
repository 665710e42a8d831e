"""Columnar recording of per-dossier timestamps.

One preallocated column per quantity, indexed by dossier number; the model writes scalars
into plain Python lists (the fastest scalar store from Python code) and the columns become
numpy arrays once, after the run. No per-event Python objects are created.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

NAN = float("nan")


@dataclass
class Records:
    """Working-clock timestamps (minutes) and waits of every dossier; NaN = not reached."""

    reception_start: list[float]
    reception_end: list[float]
    clock_start: list[float]
    deadline: list[float]
    supplement_request: list[float]
    supplement_return: list[float]
    recheck_end: list[float]
    processing_start: list[float]
    processing_end: list[float]
    approval_start: list[float]
    resolved: list[float]
    wait_queue: list[float]
    wait_network: list[float]
    wait_supplement: list[float]
    received_by: list[float]

    @classmethod
    def allocate(cls, n: int) -> Records:
        return cls(**{f.name: [NAN] * n for f in fields(cls)})

    def arrays(self) -> dict[str, np.ndarray]:
        """All columns as float64 arrays."""
        return {f.name: np.asarray(getattr(self, f.name), dtype=np.float64) for f in fields(self)}
