"""Network facts of a replication, checked against hand-computed cases and renewal theory.

Working clock of the quick scenario: an office day is 450 minutes (07:30-11:30, 13:30-17:00)
from Monday 18 August 2025, so Tuesday 09:00 is working minute 450 + 90 = 540, and a time in
the lunch break maps to the afternoon opening.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import build_layout, horizon_calendar
from sim.network import _renewal, build_network, merge_intervals, shift_out_of_outages
from sim.results import t_interval
from sim.scenario import OutageProcess, load_scenario

QUICK = Path(__file__).resolve().parents[2] / "scenarios" / "validation" / "quick.yaml"
ORIGIN = dt.date(2025, 8, 18)
QUIET = {  # no random outages at all: only the scheduled windows below
    "network.outages.system.mtbf_hours": None,
    "network.outages.system.periods": [],
    "network.outages.links.mtbf_hours": None,
    "network.degradations": [],
}
SYSTEM_WINDOW = {"start": "2025-08-19T09:00:00", "end": "2025-08-19T10:00:00"}  # 540-600
QN10_WINDOW = {"start": "2025-08-20T13:00:00", "end": "2025-08-20T14:00:00", "unit": "QN10"}
QN11_WINDOW = {"start": "2025-08-19T09:30:00", "end": "2025-08-19T10:30:00", "unit": "QN11"}


def network(changes: dict[str, Any], seed: int = 1, rep: int = 0) -> tuple[Any, list[str]]:
    scn = load_scenario(QUICK).with_changes({**QUIET, **changes})
    layout = build_layout(scn)
    cal = horizon_calendar(scn)
    types = [str(t) for t in layout.frame["type"]]
    net = build_network(scn, cal, layout.codes, types, layout.procedure_ids, seed, rep)
    return net, layout.codes


# ----------------------------------------------------------------------------- intervals


def test_merge_intervals_hand_cases() -> None:
    s, e = merge_intervals(np.array([5.0, 0.0, 10.0, 20.0]), np.array([8.0, 6.0, 10.0, 25.0]))
    assert s.tolist() == [0.0, 20.0] and e.tolist() == [8.0, 25.0]  # [10, 10) is empty
    s, e = merge_intervals(np.array([0.0, 5.0]), np.array([5.0, 7.0]))  # touching
    assert s.tolist() == [0.0] and e.tolist() == [7.0]
    s, e = merge_intervals(np.array([0.0, 2.0, 12.0]), np.array([10.0, 3.0, 13.0]))  # nested
    assert s.tolist() == [0.0, 12.0] and e.tolist() == [10.0, 13.0]
    s, e = merge_intervals(np.array([3.0]), np.array([1.0]))  # reversed: empty
    assert len(s) == len(e) == 0
    s, e = merge_intervals(np.empty(0), np.empty(0))
    assert len(s) == len(e) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: (t[0], t[0] + t[1] - 20)),
        max_size=8,
    )
)
def test_merge_intervals_is_the_union(pairs: list[tuple[int, int]]) -> None:
    starts = np.array([a for a, _ in pairs], float)
    ends = np.array([b for _, b in pairs], float)
    s, e = merge_intervals(starts, ends)
    # sorted, disjoint and separated (touching intervals are merged)
    assert np.all(e > s)
    assert np.all(s[1:] > e[:-1])
    # covers exactly the integer points covered by some input interval (half-open)
    grid = np.arange(-1, 130) + 0.5
    want = np.zeros(len(grid), bool)
    for a, b in pairs:
        want |= (grid >= a) & (grid < b)
    got = np.zeros(len(grid), bool)
    for a, b in zip(s, e, strict=True):
        got |= (grid >= a) & (grid < b)
    np.testing.assert_array_equal(got, want)


def test_shift_out_of_outages() -> None:
    starts, ends = np.array([100.0, 300.0]), np.array([200.0, 400.0])
    wall = np.array([50.0, 100.0, 150.0, 199.9, 200.0, 250.0, 399.9, 400.0, 500.0])
    got = shift_out_of_outages(wall, starts, ends)
    # inside [start, end): deferred to the end; at the end or outside: unchanged
    assert got.tolist() == [50.0, 200.0, 200.0, 200.0, 200.0, 250.0, 400.0, 400.0, 500.0]
    assert wall[1] == 100.0  # the input is not modified
    assert shift_out_of_outages(wall, np.empty(0), np.empty(0)) is wall
    assert shift_out_of_outages(np.array([150.0]), starts, ends).tolist() == [200.0]  # one alone


# ----------------------------------------------------------------------------- renewal process


def process(**kw: Any) -> OutageProcess:
    return OutageProcess.model_validate(kw)


def test_no_failure_rate_means_no_outages() -> None:
    s, e = _renewal(process(), None, np.random.default_rng(0), 1e6, ORIGIN)
    assert len(s) == len(e) == 0


def test_renewal_up_and_down_times_match_their_distributions() -> None:
    """Up times exponential with mean mtbf, down times the repair distribution."""
    proc = process(mtbf_hours=10.0, repair_hours={"dist": "deterministic", "value": 2.0})
    horizon = 1000 * 1440.0
    s, e = _renewal(proc, 10.0, np.random.default_rng(5), horizon, ORIGIN)
    assert np.all(e - s == pytest.approx(120.0))  # every repair takes 2 hours
    assert np.all(s[1:] >= e[:-1]) and s[-1] < horizon and s[0] >= 0
    up = s[1:] - e[:-1]  # from each repair's end to the next failure
    mean, lo, hi = t_interval(up, 0.999)
    assert lo <= 600.0 <= hi, (mean, lo, hi)
    # an alternating renewal process has about horizon / (mtbf + repair) cycles
    cycles = horizon / (600.0 + 120.0)
    assert abs(len(s) - cycles) < 4 * np.sqrt(cycles)


def test_renewal_reconstructed_from_its_exponential_draws() -> None:
    """Up time k is the generator's k-th standard exponential times the MTBF in minutes (the
    repairs, deterministic here, draw nothing), so the outages can be rebuilt exactly."""
    proc = process(mtbf_hours=2.0, repair_hours={"dist": "deterministic", "value": 0.5})
    s, e = _renewal(proc, 2.0, np.random.default_rng(9), 1440.0 * 10, ORIGIN)
    draws = np.random.default_rng(9).exponential(1.0, len(s))
    want_s = np.cumsum(draws * 120.0) + 30.0 * np.arange(len(s))
    np.testing.assert_allclose(s, want_s, rtol=1e-12)
    np.testing.assert_allclose(e, want_s + 30.0, rtol=1e-12)
    assert len(s) > 50


def test_renewal_crossing_into_a_period_keeps_its_draw() -> None:
    """An up time that crosses into a period spends what is left of its exponential draw at
    the period's rate: failure = a + (E - r0 * a) / r1 (a = start of the period)."""
    period = {"start": "2025-08-19", "end": "2025-08-30", "mtbf_hours": 2.0}  # from day 1
    proc = process(repair_hours={"dist": "deterministic", "value": 0.5}, periods=[period])
    r0, r1, a = 1 / (1000 * 60.0), 1 / 120.0, 1440.0
    for seed in range(5):
        s, _ = _renewal(proc, 1000.0, np.random.default_rng(seed), 10 * 1440.0, ORIGIN)
        first = np.random.default_rng(seed).exponential(1.0)
        assert first > r0 * a  # (true for these seeds) the first failure is in the period
        assert s[0] == pytest.approx(a + (first - r0 * a) / r1, rel=1e-12)


def test_global_link_failure_rate() -> None:
    net, codes = network({"network.outages.links.mtbf_hours": 5.0})
    assert all(net.down_minutes[u] > 0 for u in range(len(codes)))


def test_renewal_starts_at_time_zero() -> None:
    """A failure rate of one per 3.6 seconds: the first failure falls within the first minute."""
    proc = process(mtbf_hours=0.001, repair_hours={"dist": "deterministic", "value": 0.01})
    firsts = [
        _renewal(proc, 0.001, np.random.default_rng(seed), 100.0, ORIGIN)[0][0] for seed in range(5)
    ]
    assert max(firsts) < 1.0


def test_renewal_two_periods_and_a_base_rate() -> None:
    """Rates change at period boundaries: base, period 1, period 2, base again."""
    periods = [
        {"start": "2025-08-23", "end": "2025-08-27", "mtbf_hours": 1.0},  # days 5-9
        {"start": "2025-08-28", "end": "2025-09-06", "mtbf_hours": 4.0},  # days 10-19
    ]
    proc = process(repair_hours={"dist": "deterministic", "value": 0.5}, periods=periods)
    day = 1440.0
    spans = [(0, 5, 24.0), (5, 10, 1.0), (10, 20, 4.0), (20, 40, 24.0)]  # (from, to, mtbf h)
    counts = np.zeros((30, len(spans)))
    for seed in range(30):
        s, _ = _renewal(proc, 24.0, np.random.default_rng(seed), 40 * day, ORIGIN)
        for j, (a, b, _m) in enumerate(spans):
            counts[seed, j] = np.sum((s >= a * day) & (s < b * day))
    for j, (a, b, mtbf) in enumerate(spans):
        # cycles of (mtbf + 0.5 h) over the span, less at most one part-cycle at each end
        want = (b - a) * 24 / (mtbf + 0.5)
        mean, lo, hi = t_interval(counts[:, j], 0.999)
        assert lo - 1 <= want <= hi + 1, (j, mean, lo, hi, want)


def test_renewal_uses_the_period_rate_inside_its_dates() -> None:
    """A period with its own MTBF: failures at that rate inside it, none outside if the base
    rate is zero."""
    period = {"start": "2025-08-28", "end": "2025-09-06", "mtbf_hours": 2.0}  # days 10-19
    proc = process(repair_hours={"dist": "deterministic", "value": 1.0}, periods=[period])
    horizon = 40 * 1440.0
    counts = []
    for seed in range(20):
        s, _ = _renewal(proc, None, np.random.default_rng(seed), horizon, ORIGIN)
        assert np.all(s >= 10 * 1440.0) and np.all(s < 20 * 1440.0), seed
        counts.append(len(s))
    # ten days at one failure per (2 h up + 1 h repair): about 80 cycles (one fewer at most
    # for the part-cycle at the period's end)
    mean, lo, hi = t_interval(np.array(counts, float), 0.999)
    assert lo - 1 <= 10 * 24 / 3 <= hi + 1, (mean, lo, hi)


def test_renewal_period_overrides_the_base_rate() -> None:
    period = {"start": "2025-08-28", "end": "2025-09-06", "mtbf_hours": 1e6}  # days 10-19
    proc = process(repair_hours={"dist": "deterministic", "value": 0.5}, periods=[period])
    inside = 0
    total = 0
    for seed in range(10):
        s, _ = _renewal(proc, 3.0, np.random.default_rng(seed), 30 * 1440.0, ORIGIN)
        inside += int(np.sum((s >= 10 * 1440.0) & (s < 20 * 1440.0)))
        total += len(s)
    # base: a failure every 3.5 hours outside the period; (almost) none inside
    assert inside <= 2 and total > 10 * 20 * 24 / 3.5 * 0.8


# ----------------------------------------------------------------------------- the network state


def test_system_window_blocks_every_unit() -> None:
    net, codes = network({"network.outages.windows": [SYSTEM_WINDOW]})
    for u in range(len(codes)):
        assert net.down_starts[u] == [540.0] and net.down_ends[u] == [600.0]
        assert net.fallback_starts[u] == [] and net.fallback_ends[u] == []
    np.testing.assert_array_equal(net.down_minutes, np.full(len(codes), 60.0))
    # online submissions are blocked in wall time: Tuesday 09:00-10:00
    s, e = net.system_down_wall
    assert s.tolist() == [1440.0 + 540.0] and e.tolist() == [1440.0 + 600.0]


def test_link_windows_without_fallback_add_to_the_system_outages() -> None:
    net, codes = network({"network.outages.windows": [SYSTEM_WINDOW, QN10_WINDOW, QN11_WINDOW]})
    u10, u11, u09 = codes.index("QN10"), codes.index("QN11"), codes.index("QN09")
    # QN10: Wednesday 13:00-14:00 starts in the lunch break: 900 + 240 = 1140 to 1170
    assert net.down_starts[u10] == [540.0, 1140.0] and net.down_ends[u10] == [600.0, 1170.0]
    assert net.down_minutes[u10] == 90.0
    # QN11: 09:30-10:30 overlaps the system window: one outage 540-630
    assert net.down_starts[u11] == [540.0] and net.down_ends[u11] == [630.0]
    assert net.down_minutes[u11] == 90.0
    assert net.down_minutes[u09] == 60.0


def test_fallback_bridges_link_outages_only() -> None:
    net, codes = network(
        {
            "network.outages.windows": [SYSTEM_WINDOW, QN10_WINDOW],
            "network.fallback_mbps": 20.0,
            "network.fallback_mbps_by_unit": {"QN11": 30.0},
        }
    )
    u10, u11 = codes.index("QN10"), codes.index("QN11")
    assert net.down_starts[u10] == [540.0] and net.down_ends[u10] == [600.0]
    assert net.fallback_starts[u10] == [1140.0] and net.fallback_ends[u10] == [1170.0]
    assert net.down_minutes[u10] == 60.0
    assert net.fallback_bandwidth[u10] == 20.0 and net.fallback_bandwidth[u11] == 30.0


def test_bandwidth_precedence_unit_then_type_then_default() -> None:
    net, codes = network(
        {
            "network.link_mbps": 150.0,
            "network.link_mbps_by_unit_type": {"phường": 100.0},
            "network.link_mbps_by_unit": {"QN09": 50.0},
        }
    )
    assert net.bandwidth[codes.index("QN09")] == 50.0
    assert all(net.bandwidth[u] == 100.0 for u in range(len(codes)) if codes[u] != "QN09")
    assert net.fallback_bandwidth == [0.0] * len(codes)  # no fallback link
    plain, _ = network({"network.link_mbps": 150.0})
    assert plain.bandwidth == [150.0] * len(codes)


def test_per_unit_link_failure_rate() -> None:
    net, codes = network({"network.outages.link_mtbf_hours_by_unit": {"QN12": 2.0}})
    u12 = codes.index("QN12")
    assert net.down_minutes[u12] > 0 and len(net.down_starts[u12]) > 5
    assert all(net.down_minutes[u] == 0 for u in range(len(codes)) if u != u12)
    # and the draws are those of the unit's own stream: another replication differs
    other, _ = network({"network.outages.link_mtbf_hours_by_unit": {"QN12": 2.0}}, rep=1)
    assert other.down_starts[u12] != net.down_starts[u12]


def test_random_system_and_link_outages() -> None:
    changes = {
        "network.outages.system.mtbf_hours": 10.0,
        "network.outages.system.periods": [
            {"start": "2025-08-25", "end": "2025-08-29", "mtbf_hours": 2.0}
        ],
        "network.outages.links.mtbf_hours": 20.0,
        "network.outages.links.periods": [
            {"start": "2025-09-01", "end": "2025-09-05", "mtbf_hours": 5.0}
        ],
    }
    net, codes = network(changes, seed=4)
    again, _ = network(changes, seed=4)
    other, _ = network(changes, seed=5)
    assert net.down_starts == again.down_starts and net.down_ends == again.down_ends
    assert net.down_starts != other.down_starts
    sys_s, sys_e = net.system_down_wall
    # the system's outages, with the busier week: about 5 days / 10.5 h vs 5 days / 2.5 h
    assert len(sys_s) > 10 and np.all(sys_e > sys_s)
    week = (sys_s >= 7 * 1440.0) & (sys_s < 12 * 1440.0)
    assert week.sum() > (~week).sum() / 2
    assert (~week).sum() >= 10  # the base rate applies outside the period
    # every unit loses the system's outages and its own link's, which differ between units
    scn = load_scenario(QUICK).with_changes({**QUIET, **changes})
    cal = horizon_calendar(scn)
    ws, we = merge_intervals(cal.to_working(sys_s), cal.to_working(sys_e))
    system_down = float(np.sum(we - ws))
    links = set()
    for u in range(len(codes)):
        assert net.down_minutes[u] > system_down
        s, e = np.array(net.down_starts[u]), np.array(net.down_ends[u])
        assert net.down_minutes[u] == pytest.approx(float(np.sum(e - s)))
        links.add(tuple(net.down_starts[u]))
    assert len(links) == len(codes)


def test_degradations_on_the_working_clock() -> None:
    slow = {
        "start": "2025-08-18T08:00:00",
        "end": "2025-08-18T12:00:00",
        "response_factor": 3.0,
        "procedures": ["birth_registration"],
    }
    weekend = {"start": "2025-08-23T08:00:00", "end": "2025-08-24T12:00:00", "response_factor": 2.0}
    net, _ = network({"network.degradations": [slow, weekend]})
    pids = list(load_scenario(QUICK).procedures)
    # 08:00 is minute 30; 12:00 (lunch) maps to the afternoon opening, minute 240; the
    # weekend holds no working time and is dropped
    assert net.degradations == [(30.0, 240.0, 3.0, frozenset({pids.index("birth_registration")}))]
    everyone = {**slow, "procedures": None}
    net, _ = network({"network.degradations": [everyone]})
    assert net.degradations == [(30.0, 240.0, 3.0, None)]
