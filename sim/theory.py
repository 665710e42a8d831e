"""Closed-form queueing results the simulator is checked against.

Used by the theory tests and the validation report; nothing here depends on the model.
"""

from __future__ import annotations

import math


def erlang_c(c: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (Erlang C), ``a = lambda/mu < c``."""
    a = offered_load
    if c < 1 or a < 0:
        raise ValueError("need c >= 1 and a >= 0")
    if a >= c:
        return 1.0
    # numerically stable recursion of the Erlang B formula, then B -> C
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho + rho * b)


def mmc_wait(arrival_rate: float, mean_service: float, c: int) -> float:
    """Mean wait in queue W_q of an M/M/c queue (same time unit as the inputs)."""
    mu = 1.0 / mean_service
    a = arrival_rate / mu
    if a >= c:
        return math.inf
    return erlang_c(c, a) / (c * mu - arrival_rate)


def mg1_wait(arrival_rate: float, mean_service: float, service_scv: float) -> float:
    """Pollaczek-Khinchine mean wait of an M/G/1 queue (``service_scv`` = cv squared)."""
    rho = arrival_rate * mean_service
    if rho >= 1:
        return math.inf
    return rho * mean_service * (1 + service_scv) / (2 * (1 - rho))


def jackson_tandem_sojourn(arrival_rate: float, stages: list[tuple[float, int]]) -> float:
    """Mean time in system of M/M/c stations in series (Jackson product form).

    ``stages`` lists (mean service, servers) per station; each station is an M/M/c queue
    with the same Poisson input, so the mean sojourn is the sum of W_q + service.
    """
    return sum(mmc_wait(arrival_rate, s, c) + s for s, c in stages)
