"""Suggestions for misspelt names: the nearest procedure, unit code or field."""

from __future__ import annotations

import difflib
import types
import typing
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import (
    BaseModel,
)

from sim.scenario.schema import (
    Scenario,
)
from sim.units import load_units

# ----------------------------------------------------------------------------- suggestions


def _plain(text: str) -> str:
    """Lower case without Vietnamese marks or spaces: 'Vân Đồn' -> 'vandon'."""
    t = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in t if not unicodedata.combining(ch) and ch.isalnum()).lower()


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest of ``choices``, or '' when none is near."""
    options = [str(c) for c in choices]
    near = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if not near:
        by_plain = {_plain(c): c for c in options}
        near = [by_plain[m] for m in difflib.get_close_matches(_plain(str(word)), by_plain, 1)]
    return f" (did you mean {near[0]!r}?)" if near else ""


def unit_suggestion(word: str) -> str:
    """`` (did you mean QN53 (Vân Đồn)?)``: the nearest unit code, or the unit whose name the
    word spells (with or without Vietnamese marks); '' when none is near."""
    table = load_units()
    codes = table.codes
    names = dict(zip(table.frame["code"], table.frame["name"], strict=True))
    w = str(word).strip()
    near = difflib.get_close_matches(w.upper(), codes, n=1, cutoff=0.75)
    if not near and w.isdigit():
        near = [c for c in codes if c == f"QN{int(w):02d}"]
    if not near:
        by_name = {_plain(n): c for c, n in names.items()}
        near = [by_name[m] for m in difflib.get_close_matches(_plain(w), by_name, 1, 0.75)]
    return f" (did you mean {near[0]} ({names[near[0]]})?)" if near else ""


def _strip_annotation(ann: Any) -> Any:
    """The type inside Annotated[...] and Optional[...]."""
    while True:
        origin = typing.get_origin(ann)
        if origin is Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(args) != 1:
                return ann
            ann = args[0]
        else:
            return ann


def _models_in(ann: Any) -> list[type[BaseModel]]:
    ann = _strip_annotation(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [ann]
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(ann) for m in _models_in(a)]
    return []


def _fields_at(loc: Sequence[int | str]) -> list[str]:
    """Names of the fields that the mapping at pydantic location ``loc`` may hold."""
    ann: Any = Scenario
    for part in loc:
        models = _models_in(ann)
        if models:
            tagged = [
                m
                for m in models
                if "dist" in m.model_fields
                and part in typing.get_args(m.model_fields["dist"].annotation)
            ]
            if tagged:  # pydantic's discriminator tag of a distribution
                ann = tagged[0]
                continue
            found = [m.model_fields[str(part)] for m in models if str(part) in m.model_fields]
            if not found:
                return []
            ann = found[0].annotation
            continue
        inner = _strip_annotation(ann)
        args = typing.get_args(inner)
        origin = typing.get_origin(inner)
        if origin is dict:
            ann = args[1]
        elif origin in (list, tuple) and args:
            ann = args[0]
        else:
            return []
    return sorted({name for m in _models_in(ann) for name in m.model_fields})
