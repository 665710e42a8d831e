"""docs/model.md must not drift from the code: its generated blocks match what the generator
writes from the shipped baseline now, and the baseline carries the stored calibration result."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.modeldoc import BASELINE, CALIBRATION, DOC, calibration_block, fill, parameters_block
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
    assert block(doc, "calibration") == calibration_block().strip()


def test_baseline_carries_the_posterior_medians_and_ships_the_posterior() -> None:
    """The baseline's fitted values are the stored fit's posterior medians, each marked as
    calibrated in the file, and the shipped posterior is the fit's."""
    import pandas as pd

    from sim.bayes import load_posterior
    from sim.scenario import bare_dict, get_path

    table = pd.read_csv(CALIBRATION / "posterior_table.csv")
    raw = bare_dict(load_scenario(BASELINE))
    text = BASELINE.read_text(encoding="utf-8")
    for row in table.itertuples():
        assert get_path(raw, row.parameter) == pytest.approx(row.median, rel=1e-5, abs=5e-7)
        assert row.ci90_low <= row.median <= row.ci90_high
    assert text.count("calibrated: posterior median") >= len(table)
    shipped = load_posterior(BASELINE.parent / "posterior" / "baseline.parquet")
    fitted = load_posterior(CALIBRATION / "posterior.parquet")
    pd.testing.assert_frame_equal(shipped.particles, fitted.particles)
    assert sorted(shipped.parameters) == sorted(table["parameter"])


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
