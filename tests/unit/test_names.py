"""Names: one definition per concept, and no module shadowed by a function of its name."""

from __future__ import annotations

import importlib

import pytest

import sim
from sim import results, stats
from sim.workbook import metric_kind


@pytest.mark.parametrize("cause", results.CAUSES)
def test_late_dossiers_of_every_cause_are_counts(cause: str) -> None:
    """The workbook formats what the statistics call a count as a count (one list)."""
    metric = f"late_{cause}"
    assert stats.is_count(metric)
    assert metric_kind(metric) == "count"
    assert stats.metric_range(metric) == (0.0, float("inf"))


@pytest.mark.parametrize(
    "metric", ["on_time_rate", "online_share", "utilisation_reception", "desk_wait_minutes_mean"]
)
def test_rates_and_durations_are_not_counts(metric: str) -> None:
    assert not stats.is_count(metric)
    assert metric_kind(metric) != "count"


def test_results_live_beside_the_results_code() -> None:
    from sim.experiment import Results as FromExperiment

    assert sim.Results is results.Results is FromExperiment
    assert results.Results.__module__ == "sim.results"


def test_sim_compare_is_a_function_whatever_is_imported() -> None:
    importlib.import_module("sim.comparison")
    assert sim.compare is sim.comparison.compare
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("sim.compare")


def test_the_report_module_is_not_named_like_the_validate_command() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("sim.validation")
    assert callable(importlib.import_module("sim.validation_report").main)


def test_no_two_demand_and_plot_functions_share_a_name() -> None:
    demand = importlib.import_module("sim.demand")
    plots = importlib.import_module("sim.plots")
    shared = {n for n in vars(demand) if callable(getattr(demand, n)) and not n.startswith("_")}
    shared &= {n for n in dir(plots) if n in plots.__all__}
    assert shared == set()
