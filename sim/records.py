"""Columnar recording of per-dossier timestamps.

One preallocated column per quantity, indexed by dossier number. Columns are
:class:`array.array` of C doubles: the model stores Python floats into them at list speed
without keeping a float object per cell (8 bytes a value instead of about 32), and they
become numpy arrays without a copy after the run. No per-event Python objects are created.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, fields

import numpy as np

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

    @classmethod
    def allocate(cls, n: int) -> Records:
        return cls(**{f.name: array("d", [NAN]) * n for f in fields(cls)})

    def arrays(self) -> dict[str, np.ndarray]:
        """All columns as float64 arrays."""
        return {
            f.name: np.frombuffer(getattr(self, f.name), dtype=np.float64) for f in fields(self)
        }
