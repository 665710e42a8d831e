"""sim.stats: intervals inside their quantity's range, notes for few replications, strict JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from sim.stats import (
    MIN_REPS,
    bounded_interval,
    dumps,
    interval_note,
    json_ready,
    kpi_interval,
    metric_range,
    paired_interval,
    rate_interval,
    t_interval,
    welch_interval,
)


def strict_loads(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity (as RFC 8259 parsers do)."""

    def refuse(constant: str):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


# ------------------------------------------------------------------------------ rates


@st.composite
def replications(draw):
    reps = draw(st.integers(2, 12))
    n = draw(st.lists(st.integers(1, 5000), min_size=reps, max_size=reps))
    k = [draw(st.integers(0, m)) for m in n]
    return np.array(k, float), np.array(n, float)


@settings(max_examples=150, deadline=None)
@given(replications())
def test_rate_interval_inside_unit_interval_and_never_zero_width(kn):
    k, n = kn
    m, lo, hi = rate_interval(k / n, n)
    assert 0.0 <= lo <= m <= hi <= 1.0
    assert hi - lo > 0.0
    assert m == pytest.approx(np.mean(k / n))


@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_identical_replications_at_a_bound_are_not_precision(rate: float):
    """Five replications of 1,160 dossiers all on time (or all late): an interval of
    non-zero width touching the bound, as wide as the binomial rule of three says."""
    n = np.full(5, 1160.0)
    m, lo, hi = rate_interval(np.full(5, rate), n)
    assert m == rate
    width = hi - lo
    rule_of_three = 3 / n.sum()  # one-sided 95% bound for a proportion seen 0 times
    assert rule_of_three < width < 10 * rule_of_three
    assert (lo == 0.0) if rate == 0.0 else (hi == 1.0)


def test_rate_interval_is_the_t_interval_when_replications_vary_more_than_binomially():
    rates = np.array([0.90, 0.94, 0.91, 0.97, 0.93])
    n = np.full(5, 2000)
    _, lo, hi = rate_interval(rates, n)
    ci = sps.t.interval(0.95, 4, loc=rates.mean(), scale=sps.sem(rates))
    assert (lo, hi) == pytest.approx(ci)


def test_rate_interval_undefined_replications_are_left_out():
    m, lo, hi = rate_interval([np.nan, 0.5, 0.7, np.nan], [0, 100, 100, 0])
    assert m == pytest.approx(0.6) and 0.0 <= lo < hi <= 1.0
    m, lo, hi = rate_interval([np.nan, 0.5], [0, 10])  # one usable replication
    assert m == 0.5 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in rate_interval([np.nan], [0]))


@pytest.mark.parametrize(
    "p, overdispersion", [(0.97, 1.0), (0.995, 1.0), (0.6, 1.0), (0.9, 20.0), (0.999, 5.0)]
)
def test_rate_interval_coverage(p: float, overdispersion: float):
    """Statistical check: over 3,000 experiments of 5 replications the interval holds the
    true mean rate in about 95% of them (binomial, or beta-binomial with shared noise)."""
    rng = np.random.default_rng(20261129)
    n, reps, trials = 400, 5, 3000
    hits = 0
    for _ in range(trials):
        if overdispersion > 1:
            a = p * (n / overdispersion)
            probs = rng.beta(a, (1 - p) * (n / overdispersion), reps)
        else:
            probs = np.full(reps, p)
        k = rng.binomial(n, probs)
        _, lo, hi = rate_interval(k / n, n)
        hits += lo <= p <= hi
    coverage = hits / trials
    # 95% nominal; the binomial floor makes it conservative near the bounds
    assert 0.92 <= coverage <= 1.0, coverage


# ------------------------------------------------------------------- other quantities


def test_t_interval_matches_scipy_and_needs_two_values():
    x = np.array([3.0, 5.0, 4.5, 6.0])
    m, lo, hi = t_interval(x)
    assert (lo, hi) == pytest.approx(sps.t.interval(0.95, 3, loc=x.mean(), scale=sps.sem(x)))
    assert m == pytest.approx(x.mean())
    m, lo, hi = t_interval([2.0])
    assert m == 2.0 and math.isnan(lo) and math.isnan(hi)


def test_counts_and_durations_stay_non_negative():
    frame = pd.DataFrame(
        {
            "late": [0, 0, 0, 9],
            "desk_wait_minutes_mean": [0.1, 0.0, 0.0, 12.0],
            "utilisation_reception": [0.99, 0.97, 1.0, 0.6],
            "signed": [-1.0, 2.0, -3.0, 0.5],
        }
    )
    for metric in ("late", "desk_wait_minutes_mean"):
        m, lo, hi = kpi_interval(frame, metric)
        assert t_interval(frame[metric])[1] < 0  # the plain interval would go below 0
        assert lo == 0.0 <= m <= hi
    m, lo, hi = kpi_interval(frame, "utilisation_reception")
    assert 0.0 <= lo <= m <= hi <= 1.0 and hi == 1.0
    assert kpi_interval(frame, "signed") == t_interval(frame["signed"])


def test_kpi_interval_uses_the_rate_interval_with_its_denominator():
    frame = pd.DataFrame({"on_time_rate": [1.0, 1.0, 1.0], "resolved": [50, 60, 40]})
    m, lo, hi = kpi_interval(frame, "on_time_rate")
    assert (m, lo, hi) == rate_interval(frame["on_time_rate"], frame["resolved"])
    assert lo < hi == 1.0


@pytest.mark.parametrize(
    "metric, expected",
    [
        ("on_time_rate", (0.0, 1.0)),
        ("online_share", (0.0, 1.0)),
        ("reception_utilisation", (0.0, 1.0)),
        ("utilisation_justice", (0.0, 1.0)),
        ("late_network", (0.0, math.inf)),
        ("open_overdue", (0.0, math.inf)),
        ("lead_time_working_hours_p90", (0.0, math.inf)),
        ("difference", (-math.inf, math.inf)),
    ],
)
def test_metric_range(metric: str, expected: tuple[float, float]):
    assert metric_range(metric) == expected


def test_rate_differences_stay_within_minus_one_and_one():
    a = np.array([0.02, 0.9, 0.1])
    b = np.array([0.99, 0.05, 0.98])
    for fn in (paired_interval, welch_interval):
        d, lo, hi = fn(a, b, metric="on_time_rate")
        assert -1.0 <= lo <= d <= hi <= 1.0
        _, raw_lo, raw_hi = fn(a, b)
        assert raw_lo < -1.0 or raw_hi > 1.0  # the unclipped interval would leave [-1, 1]


def test_bounded_interval_keeps_nan():
    m, lo, hi = bounded_interval([0.3], 0.0, 1.0)
    assert m == 0.3 and math.isnan(lo) and math.isnan(hi)


def test_interval_note_below_the_minimum():
    assert interval_note(MIN_REPS) is None and interval_note(40) is None
    assert "indicative" in str(interval_note(MIN_REPS - 1))
    assert "indicative" in str(interval_note(2))
    assert "no interval" in str(interval_note(1))


# ---------------------------------------------------------------------------- JSON


def test_dumps_writes_strict_json():
    data = {
        "nan": float("nan"),
        "inf": [np.float64("inf"), -math.inf],
        "na": pd.NA,
        "nat": pd.NaT,
        "int": np.int64(3),
        "float": np.float32(0.5),
        "bool": np.bool_(True),
        "array": np.array([1.0, np.nan]),
        "tuple": (1, float("nan")),
        "nested": {"x": [{"y": float("nan")}]},
        "when": pd.Timestamp("2025-07-01"),
    }
    obj = strict_loads(dumps(data))
    assert obj["nan"] is None and obj["inf"] == [None, None] and obj["na"] is None
    assert obj["nat"] is None
    assert obj["int"] == 3 and obj["float"] == 0.5 and obj["bool"] is True
    assert obj["array"] == [1.0, None] and obj["tuple"] == [1, None]
    assert obj["nested"] == {"x": [{"y": None}]}
    assert obj["when"].startswith("2025-07-01")
    assert json_ready([1.5, "a", None]) == [1.5, "a", None]
    with pytest.raises(ValueError):
        strict_loads(json.dumps({"x": float("nan")}))  # the parser used above is strict
