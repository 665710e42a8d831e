"""Shared fixtures: paths of the shipped scenarios and a writer of throw-away scenario files."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
SCENARIOS_DIR = REPO_ROOT / "scenarios"

ScenarioWriter = Callable[..., Path]


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} does not hold a mapping"
    return data


def dump_yaml(data: Mapping[str, Any]) -> str:
    """YAML text of a mapping, keeping key order and Vietnamese text readable."""
    return yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False)


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    """The repository's scenarios/ folder (computed from the location of the tests)."""
    assert SCENARIOS_DIR.is_dir(), f"no scenarios folder at {SCENARIOS_DIR}"
    return SCENARIOS_DIR


@pytest.fixture(scope="session")
def baseline_path(scenarios_dir: Path) -> Path:
    """Path of scenarios/baseline.yaml."""
    path = scenarios_dir / "baseline.yaml"
    assert path.is_file(), f"missing {path}"
    return path


@pytest.fixture(scope="session")
def mmc_path(scenarios_dir: Path) -> Path:
    """Path of scenarios/validation/mmc.yaml (one unit, always open)."""
    path = scenarios_dir / "validation" / "mmc.yaml"
    assert path.is_file(), f"missing {path}"
    return path


@pytest.fixture(scope="session")
def _baseline_raw_cache(baseline_path: Path) -> dict[str, Any]:
    return _read_yaml(baseline_path)


@pytest.fixture(scope="session")
def _mmc_raw_cache(mmc_path: Path) -> dict[str, Any]:
    return _read_yaml(mmc_path)


@pytest.fixture
def baseline_raw(_baseline_raw_cache: dict[str, Any]) -> dict[str, Any]:
    """A fresh, freely mutable copy of the baseline scenario as loaded by yaml.safe_load."""
    return copy.deepcopy(_baseline_raw_cache)


@pytest.fixture
def mmc_raw(_mmc_raw_cache: dict[str, Any]) -> dict[str, Any]:
    """A fresh, freely mutable copy of the M/M/c validation scenario."""
    return copy.deepcopy(_mmc_raw_cache)


@pytest.fixture
def tmp_scenario(tmp_path: Path) -> ScenarioWriter:
    """Write a scenario file under tmp_path and return its path.

    ``content`` may be YAML text (str), raw bytes (written verbatim) or a mapping (dumped as
    YAML). ``name`` may contain sub-folders, which are created.
    """

    def write(content: str | bytes | Mapping[str, Any], name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(dump_yaml(content), encoding="utf-8")
        return path

    return write
