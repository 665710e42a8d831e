"""docs/model.md must not drift from the code: its generated blocks match what the generator
writes from the shipped baseline now, and the baseline carries the stored calibration result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.calibrate import reproduces
from sim.modeldoc import BASELINE, DOC, calibration_block, fill, parameters_block
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def block(doc: str, name: str) -> str:
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    return doc.split(begin, 1)[1].split(end, 1)[0].strip()


def test_generator_reads_the_shipped_files() -> None:
    assert DOC == ROOT / "docs" / "model.md" and BASELINE == ROOT / "scenarios" / "baseline.yaml"


def test_parameter_table_is_current() -> None:
    """Regenerate with `python -m sim.modeldoc --only-parameters` after editing baseline.yaml."""
    doc = DOC.read_text(encoding="utf-8")
    assert block(doc, "parameters") == parameters_block().strip()


def test_calibration_block_is_current() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert block(doc, "calibration") == calibration_block(DOC.parent / "calibration").strip()


def test_baseline_carries_the_stored_calibration() -> None:
    stored = json.loads((DOC.parent / "calibration" / "manifest.json").read_text("utf-8"))
    result = stored["result"]
    scn = load_scenario(BASELINE)
    node = scn.to_dict()
    for part in result["parameter"].split("."):
        node = node[part]
    assert node == pytest.approx(result["value"], abs=5e-7)
    assert result["value_ci95"][0] <= node <= result["value_ci95"][1]
    tolerance = scn.calibration.tolerance if scn.calibration is not None else 0.0
    assert reproduces(*result["achieved_ci95"], result["target"], tolerance)
    assert result["verified"] is True


def test_every_parameter_row_has_a_source_or_says_assumption() -> None:
    rows = [r for r in parameters_block().splitlines() if r.startswith("| `")]
    assert len(rows) > 50
    for row in rows:
        source = row.rstrip(" |").rsplit("|", 1)[-1].strip()
        assert source, row


def test_fill_replaces_only_its_block() -> None:
    doc = "a\n<!-- BEGIN x -->\nold\n<!-- END x -->\nb <!-- BEGIN y -->\nkeep\n<!-- END y -->"
    out = fill(doc, "x", "new")
    assert block(out, "x") == "new" and block(out, "y") == "keep" and out.startswith("a\n")
    with pytest.raises(ValueError, match="no z block"):
        fill(doc, "z", "new")
