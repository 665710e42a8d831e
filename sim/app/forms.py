"""Form fields of the workbench, derived from the scenario schema.

A field of the form is a dotted path of :class:`sim.scenario.Scenario` (``FIELDS``); its
widget (a choice, a whole number, a number, a switch) and its choices come from the pydantic
annotation at that path, and its label from :mod:`sim.labels`. A new mechanism of the model
is added to the form by one line in ``FIELDS`` once its field is in the schema.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from sim.scenario import Scenario


@dataclass(frozen=True)
class FieldSpec:
    """One form field: its section, dotted scenario path, kind, and choices (if any)."""

    section: str
    path: str
    kind: Literal["choice", "int", "float", "bool"]
    choices: tuple[Any, ...] = ()
    step: float | None = None


def _unwrap(annotation: Any) -> Any:
    """Drop ``Annotated`` and ``X | None`` around a type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def annotation_at(path: str, model: type[BaseModel] = Scenario) -> Any:
    """The type of the scenario field at a dotted path (dict keys allowed on the way).

    Raises
    ------
    KeyError
        If the path is not a field of the schema.
    """
    current: Any = model
    for part in path.split("."):
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                raise KeyError(path)
            current = current.model_fields[part].annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            raise KeyError(path)
    return _unwrap(current)


def field_spec(section: str, path: str, step: float | None = None) -> FieldSpec:
    """The form field of a schema path (kind and choices from its annotation)."""
    ann = annotation_at(path)
    if typing.get_origin(ann) is Literal:
        return FieldSpec(section, path, "choice", tuple(typing.get_args(ann)))
    if ann is bool:
        return FieldSpec(section, path, "bool")
    if ann is int:
        return FieldSpec(section, path, "int", step=step or 1)
    if ann is float:
        return FieldSpec(section, path, "float", step=step)
    raise TypeError(f"{path}: no form widget for {ann!r}")


#: The simple fields of the form, by section (label keys ``app_sec_<section>``). Staff
#: tables and the dated outage window are drawn separately.
FIELDS: tuple[FieldSpec, ...] = (
    field_spec("staff_type", "staffing.availability", 0.01),
    field_spec("land", "agencies.land_registration.staff_per_10k_residents", 0.1),
    field_spec("land", "agencies.land_registration.min_staff"),
    field_spec("land", "agencies.land_registration.multiplier", 0.1),
    field_spec("network", "network.link_mbps", 10.0),
    field_spec("network", "network.outages.system.mtbf_hours", 12.0),
    field_spec("network", "network.outages.links.mtbf_hours", 100.0),
    field_spec("online", "demand.online_shift", 0.05),
    field_spec("online", "pooling.online_reception"),
    field_spec("online", "reception.online_receive_within_working_hours", 1.0),
    field_spec("supplements", "supplements.clock_rule"),
)

SECTIONS: tuple[str, ...] = ("staff_type", "staff_unit", "land", "network", "online", "supplements")


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted path of nested mappings, or None where it is missing."""
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def owns(field_path: str, error_path: str) -> bool:
    """Whether an error at ``error_path`` belongs to the field at ``field_path``."""
    return error_path == field_path or error_path.startswith(field_path + ".")


__all__ = ["FIELDS", "SECTIONS", "FieldSpec", "annotation_at", "field_spec", "owns", "value_at"]
