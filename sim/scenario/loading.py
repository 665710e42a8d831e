"""Reading scenario files: strict YAML (merge keys, no duplicate keys, bounded size),
``extends:`` inheritance with deep merge, ``--set`` overrides, and validation into a
:class:`~sim.scenario.schema.Scenario` with errors that name the file and the field.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import reprlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    ValidationError,
)

from sim.scenario.checks import check_mechanisms, cross_check
from sim.scenario.paths import bare_dict, get_path, parameter_value, set_path
from sim.scenario.schema import (
    MAX_MULTIPLIER,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    Prior,
    Scenario,
    ScenarioError,
    UncertainRange,
)
from sim.scenario.suggestions import _fields_at, did_you_mean


def deep_merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Child over base: mappings merge recursively, everything else replaces."""
    out = copy.deepcopy(dict(base))
    for k, v in child.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"


class _StrictMappings:
    """Mapping construction that rejects duplicate keys and keys that are lists or mappings.

    YAML merge keys (``<<: *anchor`` or ``<<: [*a, *b]``) work as the YAML 1.1 merge type
    says: the explicit keys of a mapping override the merged ones, and an earlier merged
    mapping overrides a later one; neither is a duplicate. Two explicit equal keys in one
    mapping (two ``<<`` included) are, also inside a mapping that is only merged.
    """

    def _check_keys(self, node: yaml.MappingNode, deep: bool) -> None:
        loader: Any = self
        checked: set[int] = loader.__dict__.setdefault("_checked_mappings", set())
        if id(node) in checked:
            return
        checked.add(id(node))
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                key: Any = "<<"
                merged = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for sub in merged:
                    if isinstance(sub, yaml.MappingNode):
                        self._check_keys(sub, deep)
            else:
                key = loader.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "a key must be a plain value, not a list or mapping",
                    key_node.start_mark,
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)

    def _merged_pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """Key and value nodes of a mapping with its merges expanded, weakest first.

        PyYAML's own flattening rewrites shared nodes in place, so a mapping merged into
        another after its own merges were flattened lets a merged value override an explicit
        one; this expansion leaves the nodes alone.
        """
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        explicit = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                explicit.append((key_node, value_node))
                continue
            subs = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for sub in reversed(subs):  # the first mapping listed wins
                if isinstance(sub, yaml.MappingNode) and sub.tag != _MAP_TAG:
                    loader: Any = self
                    loader.construct_object(sub)  # refuses python/... and other tags
                if not isinstance(sub, yaml.MappingNode) or sub.tag != _MAP_TAG:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"a merge key (<<) takes a mapping or a list of mappings, not {sub.id}",
                        sub.start_mark,
                    )
                merged.extend(self._merged_pairs(sub))
        return merged + explicit

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self._check_keys(node, deep)
        flat = yaml.MappingNode(
            node.tag, self._merged_pairs(node), node.start_mark, node.end_mark, node.flow_style
        )
        return super().construct_mapping(flat, deep=deep)  # type: ignore[misc]


class _ScenarioLoader(_StrictMappings, yaml.SafeLoader):
    """YAML loader for scenarios: dates and times stay text (pydantic parses and reports
    them with their field path), no YAML 1.1 base-60 numbers ("14:00" is a time, not 840),
    and duplicate keys are an error instead of silently keeping the last one."""


_ScenarioLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag
        not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)

_FastScenarioLoader: Any = None
if getattr(yaml, "CSafeLoader", None) is not None:
    # the same loader on libyaml's parser (about 8x faster); error messages and positions
    # always come from the pure-Python loader, which re-reads a file that fails
    class _FastScenarioLoader(_StrictMappings, yaml.CSafeLoader):  # type: ignore[no-redef]
        yaml_implicit_resolvers = _ScenarioLoader.yaml_implicit_resolvers


def parse_yaml(text: str) -> Any:
    """Parse scenario YAML (see :class:`_ScenarioLoader`).

    Raises ``yaml.YAMLError`` for bad syntax and ``ValueError`` for structures no scenario
    has: nesting deeper than MAX_YAML_DEPTH, an alias that contains itself, or aliases that
    expand to more than MAX_YAML_NODES values (a "billion laughs" file).
    """
    try:
        try:
            data = yaml.load(text, Loader=_FastScenarioLoader or _ScenarioLoader)
        except (yaml.YAMLError, ValueError, RecursionError):
            data = yaml.load(text, Loader=_ScenarioLoader)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_YAML_DEPTH} levels deep") from None
    _check_structure(data)
    return data


def _check_structure(data: Any) -> None:
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any, depth: int) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise ValueError("a YAML alias (*name) refers to a value that contains it")
        if depth > MAX_YAML_DEPTH:
            raise ValueError(f"nested more than {MAX_YAML_DEPTH} levels deep")
        active.add(key)
        items = list(node.values()) if isinstance(node, dict) else node
        n = 1 + sum(size(x, depth + 1) for x in items)
        active.discard(key)
        if n > MAX_YAML_NODES:
            raise ValueError(f"more than {MAX_YAML_NODES:,} values once YAML aliases are expanded")
        sizes[key] = n
        return n

    size(data, 0)


def read_yaml_mapping(path: Path, source: str | None = None) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; every failure is a ScenarioError."""
    src = source or str(path)
    if not path.exists():
        raise ScenarioError(src, "", "file not found")
    if path.is_dir():
        raise ScenarioError(src, "", "is a directory, not a file")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(src, "", f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ScenarioError(src, "", f"cannot read: {exc.strerror}") from None
    try:
        data = parse_yaml(text)
    except yaml.reader.ReaderError as exc:  # a control character (NUL, BEL, ...) in the text
        pos, ch = exc.position, exc.character
        line, column = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        code = ch if isinstance(ch, int) else ord(ch)
        raise ScenarioError(
            src,
            f"line {line}, column {column}",
            f"YAML syntax error: character U+{code:04X} is not allowed in YAML",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(src, where, f"YAML syntax error: {problem}") from None
    except ValueError as exc:
        raise ScenarioError(src, "", f"unusable YAML: {exc}") from None
    if data is None:
        raise ScenarioError(src, "", "file is empty")
    if not isinstance(data, dict):
        raise ScenarioError(src, "", f"top level must be a mapping, got {type(data).__name__}")
    for k in data:
        if not isinstance(k, str):
            raise ScenarioError(src, str(k), "keys must be strings")
    return data


def load_raw(path: str | Path, _stack: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The scenario mapping of ``path`` with its ``extends`` chain merged in."""
    p = Path(path)
    resolved = p.resolve()
    if resolved in _stack:
        chain = " -> ".join(x.name for x in (*_stack, resolved))
        raise ScenarioError(str(p), "extends", f"cycle of extends: {chain}")
    data = read_yaml_mapping(p)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(str(p), "extends", "must be a file name")
    parent_path = (p.parent / parent) if not Path(parent).is_absolute() else Path(parent)
    if not parent_path.exists():
        raise ScenarioError(str(p), "extends", f"parent file {parent!r} not found")
    if parent_path.is_dir():
        raise ScenarioError(str(p), "extends", f"parent {parent!r} is a directory, not a file")
    base = load_raw(parent_path, (*_stack, resolved))
    return deep_merge(base, data)


def parse_override(text: str, source: str = "--set") -> tuple[str, Any]:
    """'a.b.c=value' -> ('a.b.c', value) with the value parsed as YAML."""
    if "=" not in text:
        raise ScenarioError(source, text, "override must look like path.to.field=value")
    path, _, value = text.partition("=")
    path = path.strip()
    if not path or any(not part for part in path.split(".")):
        raise ScenarioError(source, path or text, "empty field name in override")
    try:
        parsed = parse_yaml(value) if value.strip() else ""
    except (yaml.YAMLError, ValueError) as exc:
        why = f": {exc}" if isinstance(exc, ValueError) else ""
        raise ScenarioError(source, path, f"cannot parse value {value!r}{why}") from None
    return path, parsed


_DIST_FIELDS = {
    "reception_minutes",
    "processing_minutes",
    "approval_minutes",
    "return_delay_days",
    "repair_hours",
}
_DIST_TAGS = {"exponential", "lognormal", "gamma", "deterministic", "uniform", "triangular"}
_DIST_LIST = "exponential, lognormal, gamma, deterministic, uniform, triangular"


def _loc(loc: Sequence[int | str]) -> str:
    """Dotted field path of a pydantic error, without the discriminator tag pydantic inserts
    after a distribution field (``reception_minutes.lognormal.mean`` -> ``...minutes.mean``)."""
    parts = [str(x) for x in loc]
    out = [
        p
        for i, p in enumerate(parts)
        if not (p in _DIST_TAGS and i > 0 and parts[i - 1] in _DIST_FIELDS)
    ]
    return ".".join(out)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 2, 40, 40, 4, 4


def _input_repr(value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else _REPR.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def scenario_from_dict(raw: Mapping[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a mapping into a Scenario, raising ScenarioError with the field path."""
    try:
        scn = Scenario.model_validate(dict(raw))
    except ValidationError as exc:
        errors = exc.errors()
        # a misspelt key also makes the intended one 'missing': report the misspelling
        missing: dict[tuple[Any, ...], list[str]] = {}
        for e in errors:
            if e["type"] == "missing":
                missing.setdefault(tuple(e["loc"][:-1]), []).append(str(e["loc"][-1]))
        err = next(
            (
                e
                for e in errors
                if e["type"] == "extra_forbidden"
                and did_you_mean(str(e["loc"][-1]), missing.get(tuple(e["loc"][:-1]), []))
            ),
            errors[0],
        )
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] not in ("missing", "extra_forbidden", "value_error") and "input" in err:
            msg = f"{msg} (got {_input_repr(err['input'])})"
        if (
            err["type"] == "less_than_equal"
            and err.get("ctx", {}).get("le") == MAX_MULTIPLIER
            and isinstance(err.get("input"), int | float)
            and err["input"] <= 100
        ):
            msg += f"; a percent? {err['input']}% is {err['input'] / 100:g}"
        if err["type"] == "extra_forbidden":
            loc = list(err["loc"])
            msg = "unknown field" + did_you_mean(str(loc[-1]), _fields_at(loc[:-1]))
        if err["type"] == "union_tag_invalid":
            msg = f"unknown distribution {err['input'].get('dist')!r}; use one of {_DIST_LIST}"
        elif err["type"] == "union_tag_not_found":
            msg = f"a distribution needs 'dist:' ({_DIST_LIST})"
        elif err["type"] == "model_attributes_type" and str(err["loc"][-1]) in _DIST_FIELDS:
            msg = (
                "must be a distribution such as {dist: lognormal, mean: 8, cv: 0.5} "
                f"(got {_input_repr(err.get('input'))})"
            )
        more = len(exc.errors()) - 1
        if more:
            msg += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise ScenarioError(source, _loc(err["loc"]), msg) from None
    errs = (cross_check(scn) + check_mechanisms(scn)) or check_parameter_ranges(scn)
    if errs:
        path, msg = errs[0]
        if len(errs) > 1:
            msg += f" (and {len(errs) - 1} more problem{'s' if len(errs) > 2 else ''})"
        raise ScenarioError(source, path, msg)
    return scn


def check_parameter_ranges(s: Scenario) -> list[tuple[str, str]]:
    """Every path of ``uncertain`` and ``calibration.priors`` names a number of the scenario,
    and both ends of its range are valid values of that field (checked by validating the
    scenario at all lows, then at all highs; per parameter only to name a failing one)."""
    sections: list[tuple[str, Mapping[str, Prior | UncertainRange]]] = []
    if s.uncertain:
        sections.append(("uncertain", s.uncertain))
    if s.calibration is not None and s.calibration.priors:
        sections.append(("calibration.priors", s.calibration.priors))
    if not sections:
        return []
    bare = bare_dict(s)
    errs: list[tuple[str, str]] = []
    items: list[tuple[str, str, dict[str, float | int]]] = []  # (field, path, {side: value})
    for section, entries in sections:
        for path, rng in entries.items():
            field = f"{section}.{path}"
            try:
                current = get_path(bare, path)
            except KeyError:
                errs.append((field, f"no parameter {path!r} in the scenario"))
                continue
            if isinstance(current, bool) or not isinstance(current, int | float):
                errs.append((field, f"{path!r} is not a number (got {_input_repr(current)})"))
                continue
            ends = {
                "low": parameter_value(rng.low, current),
                "high": parameter_value(rng.high, current),
            }
            items.append((field, path, ends))
    if errs:
        return errs

    def invalid(changes: list[tuple[str, float | int]]) -> ScenarioError | None:
        raw = copy.deepcopy(bare)
        for path, v in changes:
            set_path(raw, path, v)
        try:
            scenario_from_dict(raw, "<range check>")
        except ScenarioError as exc:
            return exc
        return None

    for side in ("low", "high"):
        if invalid([(path, ends[side]) for _, path, ends in items]) is None:
            continue
        for field, path, ends in items:  # name the parameters whose end is invalid
            exc = invalid([(path, ends[side])])
            if exc is not None:
                errs.append(
                    (
                        field,
                        f"{side} end {ends[side]} is outside the parameter's valid range "
                        f"({exc.path}: {exc.message})",
                    )
                )
        return errs or [(items[0][0], f"the {side} ends together make the scenario invalid")]
    return []


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Load, merge ``extends``, apply ``a.b=v`` overrides and validate a scenario file.

    Parameters
    ----------
    path
        The YAML file.
    overrides
        Dotted overrides as given to ``--set``, e.g. ``["staffing.availability=0.9"]``.
    """
    raw = load_raw(path)
    src = str(path)
    for text in overrides:
        key, value = parse_override(text, f"{src} (--set {text})")
        set_path(raw, key, value, f"{src} (--set {key})")
    if overrides:
        src = f"{src} (with --set)"
    return scenario_from_dict(raw, src)
