"""The bare SimPy floor: the reference workload's size with none of the model's detail.

``n`` dossiers arrive at 54 units (Poisson, shares proportional to population) over the
same number of working minutes as the reference replication and pass three stages
(reception, processing, approval), each a :class:`simpy.Resource` per unit, with
exponential service times whose means are the model's mean desk, processing and approval
minutes. One SimPy process per dossier; no calendar, no network, no daily staffing, no
routing, no recording beyond one lead-time array. Everything random is drawn up front with
numpy (included in the timing, as the model's demand generation is).

Capacities are sized so that every resource has the same offered load per server
(``utilisation``, by default 0.5; the baseline's officer pools are about 20-60% busy), so
queues are short but present, as in the model.
"""

from __future__ import annotations

import math
import time
from array import array
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

STAGES = ("reception", "processing", "approval")


@dataclass(frozen=True)
class FloorSpec:
    """Size and load of a floor run."""

    n_dossiers: int
    horizon_minutes: float  # working minutes the arrivals spread over (and the run length)
    unit_weights: tuple[float, ...]  # arrival share of every unit
    mean_minutes: tuple[float, float, float]  # mean service time of the three stages
    utilisation: float = 0.5
    seed: int = 12345

    def capacities(self) -> np.ndarray:
        """Servers per (unit, stage): offered load / utilisation, at least one."""
        w = np.asarray(self.unit_weights, dtype=float)
        rate = self.n_dossiers * w / w.sum() / self.horizon_minutes  # per minute
        load = rate[:, None] * np.asarray(self.mean_minutes)[None, :]
        return np.maximum(1, np.ceil(load / self.utilisation)).astype(np.int64)


@dataclass
class FloorResult:
    """What a floor run measured."""

    dossiers: int
    completed: int
    events: int
    seconds: float  # wall time, draws included
    cpu_seconds: float
    mean_lead_minutes: float


def spec_from_model(
    n_dossiers: int,
    horizon_minutes: float,
    population: np.ndarray,
    reception: np.ndarray,
    processing: np.ndarray,
    approval: np.ndarray,
) -> FloorSpec:
    """A floor the size of a model replication (means of the stages the dossiers have)."""

    def mean_positive(x: np.ndarray) -> float:
        x = x[x > 0]
        return float(x.mean()) if len(x) else 1.0

    return FloorSpec(
        n_dossiers=int(n_dossiers),
        horizon_minutes=float(horizon_minutes),
        unit_weights=tuple(float(p) for p in population),
        mean_minutes=(
            mean_positive(reception),
            mean_positive(processing),
            mean_positive(approval),
        ),
    )


def events_scheduled(env: simpy.Environment) -> int:
    """SimPy's internal event counter (as :mod:`sim.model` counts the model's events)."""
    counter = getattr(env, "_eid", None)
    return int(next(counter)) if counter is not None else -1


def run_floor(spec: FloorSpec) -> FloorResult:
    """Draw the floor's inputs, run it to the horizon, and time both."""
    t0, c0 = time.perf_counter(), time.process_time()
    rng = np.random.default_rng(spec.seed)
    n = spec.n_dossiers
    w = np.asarray(spec.unit_weights, dtype=float)
    arrival = np.sort(rng.random(n) * spec.horizon_minutes).tolist()
    unit = rng.choice(len(w), size=n, p=w / w.sum()).tolist()
    service = [rng.exponential(m, n).tolist() for m in spec.mean_minutes]
    caps = spec.capacities()

    env = simpy.Environment()
    resources = [
        [simpy.Resource(env, int(caps[u, s])) for s in range(len(STAGES))] for u in range(len(w))
    ]
    lead = array("d", [math.nan]) * n
    timeout = env.timeout

    def dossier(i: int) -> Any:
        t = env.now
        for s, res in enumerate(resources[unit[i]]):
            with res.request() as req:
                yield req
                yield timeout(service[s][i])
        lead[i] = env.now - t

    def source() -> Any:
        for i, t in enumerate(arrival):
            if t > env.now:
                yield timeout(t - env.now)
            env.process(dossier(i))

    env.process(source())
    env.run(until=spec.horizon_minutes)
    events = events_scheduled(env)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    done = np.frombuffer(lead, dtype=np.float64)
    finished = done[~np.isnan(done)]
    return FloorResult(
        dossiers=n,
        completed=len(finished),
        events=events,
        seconds=seconds,
        cpu_seconds=cpu,
        mean_lead_minutes=float(finished.mean()) if len(finished) else math.nan,
    )
