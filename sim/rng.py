"""Random streams keyed by stable names.

Every random quantity of replication ``rep`` is drawn from a generator identified by
``(seed, rep, name...)``, e.g. ``("arrivals", "QN21", "online")``. The generator is built
from :class:`numpy.random.SeedSequence` with the names hashed to integers by BLAKE2b, so it
does not depend on the order in which streams are created, on the process that creates them,
or on anything else in the scenario. This gives common random numbers for free: two scenarios
that differ only in staffing draw identical arrivals, procedures and service times.

There is no global random state anywhere in the package.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_int(name: str | int) -> int:
    """A 32-bit integer derived from a name, identical on every platform and run."""
    if isinstance(name, int):
        return name & 0xFFFFFFFF
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "little")


def stream(seed: int, rep: int, *names: str | int) -> np.random.Generator:
    """The generator for replication ``rep`` and the stream named by ``names``."""
    key = (int(rep), *(stable_int(n) for n in names))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
