"""Statistics over replications: intervals that respect their quantity's range, strict JSON.

Every interval the project prints or writes is computed here, so the console, the CSV tables,
the JSON objects, comparisons, sweeps, calibration and plots agree.

Conventions
-----------
* **Replications are the observations.** A KPI's interval is a 95% Student-t interval over
  the replications' values (each replication is one independent observation).
* **Rates stay inside [0, 1].** A rate such as the on-time rate (on time / resolved) has, per
  replication, a count ``k`` of successes out of ``n`` trials. Its interval is the Student-t
  interval of the replications' rates, with two guards. (1) The variance of a replication's
  rate is taken as at least its binomial variance ``p~ (1 - p~) / n``, where
  ``p~ = (k + 0.5) / (n + 1)`` (the empirical-logit correction: never 0 or 1), averaged over
  the replications; so replications that agree exactly (all at 100%, say) never give a
  zero-width interval: with ``R`` replications of ``n`` dossiers all on time the interval is
  about ``[1 - t / (R^0.5 * 1.4 n), 1]``, in line with the binomial "rule of three". (2) The
  interval is intersected with [0, 1]; the intersection of a confidence interval with the
  range of the parameter keeps its coverage. The reported rate is the mean of the
  replications' rates, always inside the interval. Where replications vary more than binomial
  sampling (the usual case: dossiers share queues) this is the plain t-interval.

  A t-interval on the replications' empirical logits ``log((k + 0.5) / (n - k + 0.5))`` also
  stays inside (0, 1) but was not chosen: a replication with no late dossier has a logit far
  from the others' (``log(2n + 1)``), which made the quick scenario's interval three times
  wider than the t-interval while the rates themselves were close.
* **Proportions without a count** (utilisation: busy over available minutes) use the plain
  t-interval clipped to [0, 1].
* **Counts and durations stay inside [0, inf).** The t-interval is clipped at 0.
* **Differences of rates stay inside [-1, 1]** (the paired or Welch interval clipped).
* **Fewer than** :data:`MIN_REPS` **replications** give intervals that are indicative only:
  :func:`interval_note` says so (the ``interval_note`` field of the JSON objects, a note in
  the console). With one replication an interval is undefined (``null``). A target precision
  (``--reps auto``) is never declared reached with fewer than :data:`MIN_REPS` replications.
* **Undefined is null.** A statistic that cannot be computed is NaN in frames and ``null`` in
  JSON, never ``NaN``: :func:`json_ready` and :func:`dumps` write strict JSON (RFC 8259).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # Student-t quantile (lighter than scipy.stats)

LEVEL = 0.95
"""Confidence level of every interval the project reports."""

MIN_REPS = 5
"""Replications below which an interval is indicative only (and a precision target unmet).

With 5 replications the t-quantile (2.78) is within 42% of the normal one (1.96) and the
standard deviation has 4 degrees of freedom; with 2 it has 1 and the quantile is 12.7, so
the interval mostly reflects chance."""

RATE_TRIALS: dict[str, str] = {
    "on_time_rate": "resolved",
    "online_share": "arrived",
    "phi_dia_gioi_share": "arrived",
}
"""Rates of a replication and the column holding their number of trials (the denominator)."""

#: KPIs that are counts of dossiers (or events); the late dossiers of each cause
#: (``late_<cause>``) are counts too (:func:`is_count`).
COUNTS = frozenset(
    {
        "arrived",
        "resolved",
        "on_time",
        "late",
        "open",
        "open_overdue",
        "finished_after_close",
        "events",
        "dossiers",
        "late_per_rep",
        "open_dossiers",
    }
)
_DURATION_SUFFIXES = ("_minutes", "_hours", "_minutes_mean", "_hours_mean", "_hours_p90")


def _is_rate(metric: str) -> bool:
    return (
        metric in RATE_TRIALS
        or metric.endswith(("_rate", "_share", "utilisation"))
        or metric.startswith("utilisation")
        or metric == "share"
    )


def is_count(metric: str) -> bool:
    """Whether a KPI is a count per replication: one of :data:`COUNTS`, or the late
    dossiers of one cause (``late_<cause>``)."""
    if metric in COUNTS:
        return True
    return (
        metric.startswith("late_")
        and not _is_rate(metric)
        and not metric.endswith(_DURATION_SUFFIXES)
    )


Interval = tuple[float, float, float]
"""(mean, low, high); NaN where undefined."""

_NAN3: Interval = (math.nan, math.nan, math.nan)


def _finite(values: Any) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[np.isfinite(x)]


def t_interval(values: Any, level: float = LEVEL) -> Interval:
    """Mean and Student-t interval of independent observations, with no range restriction.

    Parameters
    ----------
    values
        One value per replication; NaN values are left out.
    level
        Confidence level.

    Returns
    -------
    (mean, low, high)
        NaN mean if no value, NaN bounds if fewer than two.
    """
    x = _finite(values)
    n = len(x)
    if n == 0:
        return _NAN3
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan
    half = float(stdtrit(n - 1, 0.5 + level / 2) * x.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half


def bounded_interval(
    values: Any, low: float = -math.inf, high: float = math.inf, level: float = LEVEL
) -> Interval:
    """The t-interval of :func:`t_interval` clipped to the quantity's range ``[low, high]``."""
    m, lo, hi = t_interval(values, level)
    if math.isnan(lo):
        return m, lo, hi
    return m, min(max(lo, low), high), max(min(hi, high), low)


def rate_interval(rates: Any, trials: Any, level: float = LEVEL) -> Interval:
    """Mean of per-replication rates and its t-interval inside [0, 1] (binomial floor).

    Parameters
    ----------
    rates
        One rate per replication, in [0, 1] (NaN where the rate is undefined, e.g. nothing
        resolved: such replications are left out).
    trials
        The rate's denominator per replication (e.g. dossiers resolved), same length, or one
        number for all. Replications with no trial are left out.
    level
        Confidence level.

    Returns
    -------
    (mean, low, high)
        ``0 <= low <= mean <= high <= 1``, ``low < high`` whenever two or more replications
        count; NaN bounds with fewer than two, NaN mean with none.

    Notes
    -----
    See the module docstring: the variance is at least the binomial one, so the interval
    never collapses at 0 or 1, and the interval is intersected with [0, 1].
    """
    r = np.asarray(rates, dtype=float).ravel()
    n = np.broadcast_to(np.asarray(trials, dtype=float), r.shape).ravel()
    keep = np.isfinite(r) & np.isfinite(n) & (n > 0)
    r, n = np.clip(r[keep], 0.0, 1.0), n[keep]
    count = len(r)
    if count == 0:
        return _NAN3
    mean = float(r.mean())
    if count < 2:
        return mean, math.nan, math.nan
    p = (r * n + 0.5) / (n + 1.0)
    binomial = float(np.mean(p * (1.0 - p) / n))
    var = max(float(r.var(ddof=1)), binomial)
    half = float(stdtrit(count - 1, 0.5 + level / 2)) * math.sqrt(var / count)
    return mean, max(mean - half, 0.0), min(mean + half, 1.0)


def metric_range(metric: str) -> tuple[float, float]:
    """The range of a KPI's values, from its name: rates [0, 1], counts and durations [0, inf).

    Unknown names are unrestricted (``(-inf, inf)``).
    """
    if _is_rate(metric):
        return 0.0, 1.0
    if metric in COUNTS or metric.startswith("late_") or metric.endswith(_DURATION_SUFFIXES):
        return 0.0, math.inf
    return -math.inf, math.inf


def kpi_interval(frame: pd.DataFrame, metric: str, level: float = LEVEL) -> Interval:
    """The interval of one KPI over the replications (rows) of ``frame``, by the KPI's kind.

    A rate whose denominator column (:data:`RATE_TRIALS`) is in ``frame`` gets
    :func:`rate_interval`; other KPIs the t-interval clipped to :func:`metric_range`.
    """
    values = frame[metric]
    trials = RATE_TRIALS.get(metric)
    if trials is not None and trials in frame.columns:
        return rate_interval(values, frame[trials], level)
    low, high = metric_range(metric)
    return bounded_interval(values, low, high, level)


def difference_range(metric: str) -> tuple[float, float]:
    """The range of a difference of two values of ``metric`` (rates: [-1, 1])."""
    low, high = metric_range(metric)
    if math.isfinite(low) and math.isfinite(high):
        return low - high, high - low
    return -math.inf, math.inf


def paired_interval(
    reference: Any, other: Any, level: float = LEVEL, metric: str | None = None
) -> Interval:
    """Mean of ``other - reference`` over paired replications with its t-interval.

    Pairs where either value is NaN are dropped. With ``metric`` the interval is clipped to
    the range of a difference of that KPI (:func:`difference_range`: rates [-1, 1]).
    """
    a = np.asarray(reference, dtype=float)
    b = np.asarray(other, dtype=float)
    low, high = difference_range(metric) if metric else (-math.inf, math.inf)
    return bounded_interval(b - a, low, high, level)


def welch_interval(
    reference: Any, other: Any, level: float = LEVEL, metric: str | None = None
) -> Interval:
    """Difference of means ``other - reference`` with the unpaired (Welch) t-interval.

    NaN values are left out; with ``metric`` the interval is clipped as in
    :func:`paired_interval`.
    """
    a, b = _finite(reference), _finite(other)
    if len(a) == 0 or len(b) == 0:
        return _NAN3
    d = float(b.mean() - a.mean())
    if len(a) < 2 or len(b) < 2:
        return d, math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0.0:
        return d, d, d
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stdtrit(dof, 0.5 + level / 2)) * se
    low, high = difference_range(metric) if metric else (-math.inf, math.inf)
    return d, max(d - half, low), min(d + half, high)


def halfwidth(low: float, high: float) -> float:
    """Half the width of an interval (NaN if undefined)."""
    return (high - low) / 2


def interval_note(reps: int) -> str | None:
    """What to say about intervals from ``reps`` replications (None when they are fine)."""
    if reps < 2:
        return (
            f"no interval with {reps} replication; "
            f"at least {MIN_REPS} are needed for reliable intervals"
        )
    if reps < MIN_REPS:
        return (
            f"intervals are indicative only with {reps} replications; "
            f"at least {MIN_REPS} are needed for reliable intervals"
        )
    return None


# ------------------------------------------------------------------------- strict JSON


def json_ready(obj: Any) -> Any:
    """A copy of ``obj`` that strict JSON can hold: non-finite numbers and missing values
    become ``None``, NumPy scalars and arrays Python ones, dates ISO text, other objects
    their ``str``."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Mapping):
        return {str(k) if not isinstance(k, str) else k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray | pd.Series | pd.Index):
        return [json_ready(v) for v in obj.tolist()]
    if isinstance(obj, Sequence | set | frozenset):
        return [json_ready(v) for v in obj]
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, datetime | date | pd.Timestamp):
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return str(obj)
    return str(obj)


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`json_ready` ``(obj)``; never writes ``NaN`` or ``Infinity``."""
    return json.dumps(json_ready(obj), allow_nan=False, **kwargs)


__all__ = [
    "LEVEL",
    "MIN_REPS",
    "RATE_TRIALS",
    "Interval",
    "bounded_interval",
    "difference_range",
    "dumps",
    "halfwidth",
    "interval_note",
    "json_ready",
    "kpi_interval",
    "metric_range",
    "paired_interval",
    "rate_interval",
    "t_interval",
    "welch_interval",
]
