"""Golden numbers: a few replications must reproduce the committed fingerprint bit for bit.

The fingerprint (``golden_fingerprint.json`` beside this file) holds a hash of every raw
output column and every per-dossier column, and a few headline numbers, of the replications
listed in ``benchmarks/fingerprint.py`` (``GOLDEN_CASES``). Any change that moves a number
fails here; when the change is deliberate, rewrite the file with
``python benchmarks/fingerprint.py golden --update`` and give the reason in the commit message.
"""

from __future__ import annotations

import copy
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
GOLDEN = Path(__file__).resolve().parent / "golden_fingerprint.json"


@pytest.fixture(scope="module")
def fingerprint() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import fingerprint

        yield fingerprint
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def stored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def current(fingerprint: ModuleType) -> dict[str, Any]:
    data: dict[str, Any] = fingerprint.golden_fingerprint()
    return data


def test_numbers_match_the_committed_fingerprint(
    fingerprint: ModuleType, stored: dict[str, Any], current: dict[str, Any]
) -> None:
    diff = fingerprint.golden_differences(stored, current)
    assert not diff, (
        "the model's numbers changed:\n  "
        + "\n  ".join(diff)
        + f"\nIf the change is deliberate, run `{fingerprint.GOLDEN_UPDATE}` "
        "and put the reason in the commit message."
    )


def test_fingerprint_file_is_compact_and_valid_json(stored: dict[str, Any]) -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    assert len(text) < 64_000
    assert "NaN" not in text and "Infinity" not in text
    assert stored["update_with"] == "python benchmarks/fingerprint.py golden --update"
    for name, case in stored["cases"].items():
        assert case["dossiers"] > 100, name
        k = case["kpis"]
        assert k["arrived"] == case["dossiers"] == k["resolved"] + k["open"], name
        assert k["on_time_rate"] is None or 0.0 <= k["on_time_rate"] <= 1.0, name
        assert all(v is None or math.isfinite(v) for v in k.values()), name
        # every raw column and every per-dossier column is covered
        prefixes = {c.split(".", 1)[0] for c in case["hashes"]}
        assert {"in", "rec", "pool", "frame"} <= prefixes, name


def test_a_moved_number_is_reported(fingerprint: ModuleType, stored: dict[str, Any]) -> None:
    """The comparison can fail: one changed column or headline number is named."""
    name = next(iter(stored["cases"]))
    moved = copy.deepcopy(stored)
    moved["cases"][name]["hashes"]["rec.resolved"] = "0" * 16
    moved["cases"][name]["kpis"]["on_time"] += 1
    diff = fingerprint.golden_differences(stored, moved)
    assert diff == [
        f"{name}: on_time {stored['cases'][name]['kpis']['on_time']} -> "
        f"{moved['cases'][name]['kpis']['on_time']}",
        f"{name}: columns changed: rec.resolved",
    ]
    assert fingerprint.golden_differences(stored, copy.deepcopy(stored)) == []


def test_hash_is_bit_exact(fingerprint: ModuleType) -> None:
    import numpy as np

    a = np.array([0.0, 1.5, np.nan])
    assert fingerprint._array_digest(a) == fingerprint._array_digest(a.copy())
    assert fingerprint._array_digest(a) != fingerprint._array_digest(np.array([-0.0, 1.5, np.nan]))
    assert fingerprint._array_digest(a) != fingerprint._array_digest(a.astype(np.float32))
    b = a.copy()
    b[1] = np.nextafter(1.5, 2.0)  # one unit in the last place
    assert fingerprint._array_digest(a) != fingerprint._array_digest(b)
