"""A served scenario folder for the workbench tests: copies of the shipped files plus a tiny one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Two units for one week: a comparison of 3 replications takes about a second of CPU.
TINY = """\
extends: validation/quick.yaml
name: tiny
description: Two units (Đông Mai, Hồng Gai) for one week, for the workbench tests
horizon:
  start: 2025-08-18
  end: 2025-08-24
units:
  include: [QN09, QN21]
run:
  reps: 3
  seed: 5
"""


@pytest.fixture
def served(tmp_path: Path) -> Path:
    """A served folder: baseline.yaml, validation/quick.yaml and tiny.yaml (extends quick)."""
    root = tmp_path / "served"
    (root / "validation").mkdir(parents=True)
    shutil.copy(REPO / "scenarios" / "baseline.yaml", root / "baseline.yaml")
    shutil.copy(
        REPO / "scenarios" / "validation" / "quick.yaml", root / "validation" / "quick.yaml"
    )
    (root / "tiny.yaml").write_text(TINY, encoding="utf-8")
    return root
