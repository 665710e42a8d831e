"""Dotted paths into a scenario's nested mapping (``staffing.multiplier.reception``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.scenario.schema import (
    Scenario,
    ScenarioError,
)


def set_path(raw: dict[str, Any], path: str, value: Any, source: str = "--set") -> None:
    """Set a dotted path in a nested mapping, creating mappings on the way."""
    parts = path.split(".")
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ScenarioError(source, ".".join(parts[: i + 1]), "no such list item")
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(source, ".".join(parts[:i]), "is not a mapping")
        if node.get(part) is None:
            node[part] = {}
        node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        if not last.isdigit() or int(last) >= len(node):
            raise ScenarioError(source, path, "no such list item")
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(source, ".".join(parts[:-1]), "is not a mapping")


def get_path(raw: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a nested mapping; KeyError if there is none."""
    node: Any = raw
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            raise KeyError(path)
    return node


def bare_dict(s: Scenario) -> dict[str, Any]:
    """The scenario as data without the sections that describe its uncertainty
    (``uncertain``, ``calibration``): what a simulation at fixed parameter values needs."""
    raw = s.to_dict()
    raw.pop("uncertain", None)
    raw["calibration"] = None
    return raw


def parameter_value(value: float, current: Any) -> float | int:
    """A proposed parameter value in the field's own type (integers rounded)."""
    return int(round(value)) if isinstance(current, int) else float(value)
