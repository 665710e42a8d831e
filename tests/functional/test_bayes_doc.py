"""docs/calibration.md is generated from the calibration scenario and the stored results."""

from __future__ import annotations

from sim.caldoc import DOC, SCENARIO, build
from sim.scenario import load_scenario
from sim.targets import PENDING, TARGETS


def test_calibration_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == build(), "run: python -m sim.caldoc"


def test_baseline_calibration_names_its_targets_and_the_waiting_ones() -> None:
    scn = load_scenario(SCENARIO)
    assert scn.calibration is not None
    text = DOC.read_text(encoding="utf-8")
    for name, spec in scn.calibration.targets.items():
        assert name in TARGETS and spec.source and f"`{name}`" in text
    for name in PENDING:
        assert f"`{name}`" in text
    for name in scn.calibration.priors:
        assert f"`{name}`" in text
