"""Batch sweeps: a base scenario, factors with values, replications; resumable Parquet store.

A sweep file (YAML) names a ``base`` scenario (path relative to the sweep file), optional
fixed ``set`` overrides, and ``factors``: a dotted scenario path, or a name listed under
``paths``, mapped to a list of values (``design: grid``, the full factorial) or to a range
``{low, high}`` (``design: lhs``, a Latin hypercube of ``points`` points drawn from the named
random stream ``(seed, 0, "sweep-lhs", factor)``, so it is reproducible). Every factor value
is applied to the base and validated when the file is loaded, so a misspelt path is reported
as bad input before anything runs.

Each point has a stable id, a hash of the canonical JSON of its factor values (independent of
the order of factors, of execution, and of the number of workers), and a readable name such
as ``reception=0.8, link_mbps=50``. Work is distributed as (point, replication) tasks through
:mod:`sim.executors`; replication ``r`` of every point uses the streams ``(seed, r, ...)``
(common random numbers across points). Each finished point is written atomically to
``points/<id>.parquet``; a failing point is written to ``errors/<id>.json`` and the others go
on. ``resume=True`` skips the points already stored, so a killed sweep finishes with no lost
and no duplicated points. ``manifest.json`` is written last.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from tqdm import tqdm

from sim.executors import Executor, open_executor
from sim.experiment import RepTask, run_replication
from sim.labels import LANGS
from sim.results import summarise
from sim.rng import stream
from sim.scenario import (
    Scenario,
    ScenarioError,
    load_raw,
    read_yaml_mapping,
    scenario_from_dict,
    scenario_warnings,
    set_path,
    written_paths,
)
from sim.stats import dumps, kpi_interval

POINTS_DIR = "points"
ERRORS_DIR = "errors"
SPEC_FILE = "sweep.json"
LOCK_FILE = ".sweep.lock"
"""Lock taken (with ``filelock``) by the sweep writing to a folder; the OS frees it if the
process dies, so a killed sweep never blocks its resume."""
RUN_PATHS = ("run.seed", "run.reps")
"""Scenario fields the sweep runner sets itself; as factors they set each point's seed or
number of replications."""
NO_EFFECT_PATHS = {
    "name": "the scenario's name",
    "description": "the scenario's description",
    "calibration": "read by tthc-sim calibrate only",
}
"""Scenario fields that cannot change a sweep's results: refused as factors."""
MAX_POINTS = 100_000
"""Most points a sweep may have (a grid's product of level counts, or ``points`` of an lhs)."""
MAX_TASKS = 1_000_000
"""Most (point, replication) tasks a sweep may have."""

#: KPIs summarised per point with 95% intervals in ``points.csv``.
POINT_KPIS: tuple[str, ...] = (
    "on_time_rate",
    "late",
    "open_overdue",
    "lead_time_working_hours_mean",
    "desk_wait_minutes_mean",
    "queue_wait_minutes_mean",
    "network_delay_minutes_mean",
    "utilisation_reception",
)


class SweepError(ScenarioError):
    """A sweep file that cannot be used, with the field that is wrong (bad input)."""


class SweepStoreError(SweepError):
    """An output folder that cannot take this sweep (bad input)."""


# ----------------------------------------------------------------------------- the file


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, v: Any, info: ValidationInfo) -> Any:
        # YAML reads yes/no/on/off as booleans, which pydantic would take as 1/0
        name = info.field_name
        if isinstance(v, bool) and name and cls.model_fields[name].annotation is not bool:
            raise ValueError("true/false (or yes/no, on/off) where a value is expected")
        return v


class Range(_Model):
    """A factor range for a Latin hypercube (``integer`` ranges include both ends)."""

    low: float
    high: float
    integer: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be greater than low ({self.low})")
        if self.integer and math.ceil(self.low) > math.floor(self.high):
            raise ValueError(f"no whole number between low ({self.low}) and high ({self.high})")
        return self


class PosteriorSpec(_Model):
    """``posterior:`` of a sweep file: run every point under posterior draws
    (:func:`sim.uncertainty.run_sweep_posterior`)."""

    file: str
    draws: Annotated[int, Field(ge=2, le=10_000)] = 20
    fitted: Literal["keep", "scale"] = "keep"
    """A factor on a calibrated parameter: its levels kept in every draw, or read as
    ratios to the base's value that scale each draw (see :mod:`sim.uncertainty`)."""


class SweepSpec(_Model):
    """The validated content of a sweep file."""

    name: str | None = None
    description: str = ""
    base: str
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set")
    design: Literal["grid", "lhs"] = "grid"
    factors: dict[str, Any]
    paths: dict[str, list[str]] = {}
    points: Annotated[int, Field(ge=1, le=MAX_POINTS)] | None = None
    reps: Annotated[int, Field(ge=1, le=100_000)] | None = None
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = None
    posterior: PosteriorSpec | None = None


@dataclass(frozen=True)
class SweepPoint:
    """One combination of factor values."""

    index: int
    id: str
    name: str
    values: dict[str, Any]


@dataclass
class Sweep:
    """A loaded sweep: the spec, the base scenario (as a mapping) and its points."""

    source: str
    spec: SweepSpec
    name: str
    base_raw: dict[str, Any]
    base: Scenario
    factor_paths: dict[str, list[str]]
    points: list[SweepPoint]
    reps: int
    seed: int
    point_seeds: dict[int, int] = field(default_factory=dict)
    point_reps: dict[int, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def factors(self) -> list[str]:
        return list(self.spec.factors)

    def seed_of(self, point: SweepPoint) -> int:
        """Seed of a point: its ``run.seed`` when that is a factor, else the sweep's."""
        return self.point_seeds.get(point.index, self.seed)

    def reps_of(self, point: SweepPoint) -> int:
        """Replications of a point: its ``run.reps`` when that is a factor, else the sweep's."""
        return self.point_reps.get(point.index, self.reps)

    @property
    def total_tasks(self) -> int:
        """Number of (point, replication) runs."""
        return sum(self.reps_of(p) for p in self.points)

    def raw_for(self, point: SweepPoint) -> dict[str, Any]:
        """The scenario mapping of a point (base, ``set`` overrides, then factor values)."""
        raw = copy.deepcopy(self.base_raw)
        for factor, value in point.values.items():
            for path in self.factor_paths[factor]:
                set_path(raw, path, copy.deepcopy(value), f"{self.source}: point {point.name}")
        return raw

    def scenario(self, point: SweepPoint) -> Scenario:
        """The validated scenario of a point (raises ScenarioError for a bad combination)."""
        return scenario_from_dict(self.raw_for(point), f"{self.source} [{point.name}]")

    def fingerprint(self) -> str:
        """Hash of everything that determines the results (for safe resuming)."""
        data = {
            "base": self.base.to_dict(),
            "factor_paths": self.factor_paths,
            "points": [p.id for p in self.points],
            "reps": self.reps,
            "seed": self.seed,
        }
        return hashlib.blake2b(canonical_json(data).encode(), digest_size=16).hexdigest()

    def points_frame(self) -> pd.DataFrame:
        """One row per point: index, id, name and factor levels (see :func:`table_levels`)."""
        frame = pd.DataFrame(
            {
                "point": [p.index for p in self.points],
                "point_id": [p.id for p in self.points],
                "name": [p.name for p in self.points],
            }
        )
        for f in self.factors:
            frame[f] = table_levels([p.values[f] for p in self.points])
        return frame

    def levels_by_point(self) -> dict[str, dict[int, Any]]:
        """factor -> point index -> the point's level as it stands in the tables."""
        return {
            f: dict(
                zip(
                    (p.index for p in self.points),
                    table_levels([p.values[f] for p in self.points]),
                    strict=True,
                )
            )
            for f in self.factors
        }

    def describe(self) -> dict[str, Any]:
        """JSON-compatible description (written to ``sweep.json`` and the manifest)."""
        return {
            "name": self.name,
            "source": self.source,
            "design": self.spec.design,
            "factors": {
                k: (v.model_dump() if isinstance(v, Range) else v)
                for k, v in self.spec.factors.items()
            },
            "factor_paths": self.factor_paths,
            "set": self.spec.overrides,
            "reps": self.reps,
            "seed": self.seed,
            "fingerprint": self.fingerprint(),
            "points": [
                {
                    "id": p.id,
                    "name": p.name,
                    "values": p.values,
                    "seed": self.seed_of(p),
                    "reps": self.reps_of(p),
                }
                for p in self.points
            ],
            "warnings": list(self.warnings),
        }


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no spaces: equal data give equal text."""
    return dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _level_key(v: Any) -> Any:
    """A level for spotting repeats: 50 and 50.0 are the same level."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def point_id(values: Mapping[str, Any]) -> str:
    """Stable id of a point: a hash of the canonical JSON of its factor values."""
    return hashlib.blake2b(canonical_json(dict(values)).encode(), digest_size=6).hexdigest()


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, str):
        return v
    return canonical_json(v)


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        # a whole number beyond 64 bits fits no numeric column (Parquet, numpy): text
        return "number" if isinstance(v, float) or -(2**63) <= v < 2**63 else "json"
    if isinstance(v, str):
        return "text"
    return "json"


def level_labels(values: Sequence[Any]) -> list[str]:
    """A text label for each factor value, distinct for distinct values.

    ``null``, ``true``/``false``, numbers as JSON writes them (``20``, ``0.5``), text as it
    is, lists and mappings as JSON. When two different values would read the same (the text
    ``"20"`` and the number 20), every value is labelled by its JSON instead (``"20"`` with
    its quotes).
    """

    def plain(v: Any) -> str:
        return v if isinstance(v, str) else canonical_json(v)

    labels = [plain(v) for v in values]
    exact = {canonical_json(v) for v in values}
    if len(set(labels)) != len(exact):
        labels = [canonical_json(v) for v in values]
    return labels


def table_levels(values: Sequence[Any]) -> list[Any]:
    """Factor values as they stand in a table column (``points.csv``, Parquet, frames).

    The values themselves when they are all numbers, all text or all true/false (one column
    type); otherwise (``null`` among numbers, lists, a mix of types) their
    :func:`level_labels`, so that every level stays a distinct, non-missing value. The exact
    values are in ``sweep.json`` and the manifest (``sweep.points[].values``).
    """
    kinds = {_kind(v) for v in values}
    if len(kinds) == 1 and kinds <= {"number", "text", "bool"}:
        return list(values)
    return level_labels(values)


def plot_levels(values: Sequence[Any]) -> list[Any]:
    """Factor values for plotting: numbers stay numbers (a numeric axis), anything else is
    drawn as its :func:`level_labels` (true/false and null included)."""
    if values and {_kind(v) for v in values} == {"number"}:
        return list(values)
    return level_labels(values)


def short_names(factors: Sequence[str]) -> dict[str, str]:
    """Shortest distinct trailing parts of dotted names (``network.link_mbps`` -> link_mbps)."""
    out: dict[str, str] = {}
    for f in factors:
        parts = f.split(".")
        for k in range(1, len(parts) + 1):
            cand = ".".join(parts[-k:])
            clash = [g for g in factors if g != f and ".".join(g.split(".")[-k:]) == cand]
            if not clash:
                out[f] = cand
                break
        else:
            out[f] = f
    return out


def point_name(values: Mapping[str, Any], short: Mapping[str, str]) -> str:
    """Readable name of a point, e.g. ``reception=0.8, link_mbps=50``."""
    return ", ".join(f"{short[k]}={_fmt_value(v)}" for k, v in values.items())


def lhs_values(spec: SweepSpec, seed: int) -> list[dict[str, Any]]:
    """Latin hypercube: ``points`` points, one in each of ``points`` strata of every factor.

    Every factor draws from its own named stream, so adding a factor never moves the others.
    """
    n = spec.points or 0
    columns: dict[str, list[Any]] = {}
    for factor, rng_spec in spec.factors.items():
        assert isinstance(rng_spec, Range)
        g = stream(seed, 0, "sweep-lhs", factor)
        u = (g.permutation(n) + g.random(n)) / n
        if rng_spec.integer:
            lo, hi = math.ceil(rng_spec.low), math.floor(rng_spec.high)
            vals: list[Any] = [int(lo + min(math.floor(x * (hi - lo + 1)), hi - lo)) for x in u]
        else:
            vals = [float(f"{rng_spec.low + x * (rng_spec.high - rng_spec.low):.6g}") for x in u]
        columns[factor] = vals
    return [{f: columns[f][i] for f in spec.factors} for i in range(n)]


_KNOWN_KEYS = (*(f.alias or k for k, f in SweepSpec.model_fields.items()), *Range.model_fields)


def _pydantic_error(source: str, exc: ValidationError) -> SweepError:
    errors = exc.errors()
    # a misspelt key also makes the intended one 'missing': report the misspelling
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = ".".join("set" if x == "overrides" else str(x) for x in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
        near = difflib.get_close_matches(str(err["loc"][-1]), _KNOWN_KEYS, n=1, cutoff=0.6)
        if near:
            msg += f" (did you mean {near[0]!r}?)"
    elif err["type"] not in ("missing", "value_error") and "input" in err:
        text = repr(err["input"])
        msg = f"{msg} (got {text if len(text) <= 40 else text[:37] + '...'})"
    return SweepError(source, loc, msg)


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file; every problem is a SweepError naming the field.

    Each factor value (or both ends of a range) is applied to the base scenario and
    validated, so a factor path that does not exist is rejected here.

    Raises
    ------
    SweepError
        A field of the sweep file (or of its base scenario, named) that cannot be used.
    """
    p = Path(path)
    src = str(p)
    try:
        spec = SweepSpec.model_validate(read_yaml_mapping(p))
    except ValidationError as exc:
        raise _pydantic_error(src, exc) from None
    if not spec.factors:
        raise SweepError(src, "factors", "at least one factor is needed")
    base_path, base_raw, base = _sweep_base(src, p, spec)
    factor_paths = _factor_paths(src, spec)
    if spec.design == "grid":
        combos, checks = _grid_design(src, spec)
    else:
        spec, combos, checks = _lhs_design(src, spec, base)
    reps = spec.reps if spec.reps is not None else base.run.reps
    seed = spec.seed if spec.seed is not None else base.run.seed
    run_factors = _run_factors(src, spec, factor_paths)
    warnings = _run_warnings(src, spec, run_factors)
    written = written_paths(base_path) | set(spec.overrides)
    warnings += [f"{src}: base: {w}" for w in scenario_warnings(base, written)]
    _check_levels(src, base_raw, factor_paths, checks, warnings)
    point_seeds: dict[int, int] = {}
    point_reps: dict[int, int] = {}
    if run_factors["run.seed"] or run_factors["run.reps"]:
        point_seeds, point_reps = _point_runs(src, base_raw, factor_paths, combos, run_factors)
    _check_size(src, len(combos), reps, point_reps)
    return Sweep(
        source=src,
        spec=spec,
        name=spec.name or p.stem,
        base_raw=base_raw,
        base=base,
        factor_paths=factor_paths,
        points=_sweep_points(src, spec, combos),
        reps=reps,
        seed=seed,
        point_seeds=point_seeds,
        point_reps=point_reps,
        warnings=warnings,
    )


def _sweep_base(src: str, p: Path, spec: SweepSpec) -> tuple[Path, dict[str, Any], Scenario]:
    """The base scenario's file, its raw mapping with the fixed ``set:`` overrides applied,
    and the validated scenario; a fault of the base file is reported as ``base`` (naming the
    file), a fault of an override as ``set``."""
    if not spec.base.strip():
        raise SweepError(src, "base", "must be the file name of a scenario")
    base_path = Path(spec.base) if Path(spec.base).is_absolute() else p.parent / spec.base
    if base_path.is_dir():
        raise SweepError(src, "base", f"{spec.base!r} is a directory, not a scenario file")
    if not base_path.is_file():
        raise SweepError(src, "base", f"scenario file {spec.base!r} not found")
    try:
        base_raw = load_raw(base_path)
    except ScenarioError as exc:
        raise SweepError(src, "base", f"{exc}") from None
    plain_base = copy.deepcopy(base_raw) if spec.overrides else None
    for key, value in spec.overrides.items():
        try:
            set_path(base_raw, key, copy.deepcopy(value), src)
        except ScenarioError as exc:
            raise SweepError(src, f"set.{key}", f"{exc.path}: {exc.message}") from None
    try:
        base = scenario_from_dict(base_raw, src)
    except ScenarioError as exc:
        fault: ScenarioError | None = exc
        if plain_base is not None:  # the base alone, to tell its faults from those of `set`
            try:
                scenario_from_dict(plain_base, str(base_path))
            except ScenarioError as base_exc:
                fault = base_exc
            else:
                raise SweepError(src, "set", f"{exc.path}: {exc.message}") from None
        assert fault is not None
        # name the scenario file: the fault is in it, not in the sweep file
        raise SweepError(src, "base", f"{base_path}: {fault.path}: {fault.message}") from None
    return base_path, base_raw, base


def _factor_paths(src: str, spec: SweepSpec) -> dict[str, list[str]]:
    """The dotted fields each factor sets (``paths:``, else the factor's own name); each
    field is set by one factor only, never also under ``set:``, and can change results."""
    for name in spec.paths:
        if name not in spec.factors:
            raise SweepError(src, f"paths.{name}", "not a factor")
        if not spec.paths[name]:
            raise SweepError(src, f"paths.{name}", "at least one path is needed")
    factor_paths = {f: list(spec.paths.get(f, [f])) for f in spec.factors}
    for f, fpaths in factor_paths.items():
        for fp in fpaths:
            if not fp or any(not part for part in fp.split(".")):
                raise SweepError(src, f"factors.{f}", f"empty field name in path {fp!r}")
            if fp in spec.overrides:
                raise SweepError(src, f"factors.{f}", f"{fp} is also fixed under set")
            for top, what in NO_EFFECT_PATHS.items():
                if _within(fp, top):
                    raise SweepError(
                        src,
                        f"factors.{f}",
                        f"{fp} cannot change the results ({what}): not a factor",
                    )
    owner: dict[str, str] = {}  # every field is set by one factor only
    for f, fpaths in factor_paths.items():
        for fp in fpaths:
            for other_path, other in owner.items():
                if f"{fp}.".startswith(f"{other_path}.") or other_path.startswith(f"{fp}."):
                    what = "the same field" if fp == other_path else "overlapping fields"
                    raise SweepError(src, f"factors.{f}", f"sets {what} as factor {other!r} ({fp})")
            owner[fp] = f
    return factor_paths


def _grid_design(src: str, spec: SweepSpec) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """Every combination of the factors' levels, and the levels to check on the base."""
    if spec.points is not None:
        raise SweepError(src, "points", "only for design: lhs (a grid has every point)")
    levels: dict[str, list[Any]] = {}
    for f, vals in spec.factors.items():
        if not isinstance(vals, list) or not vals:
            raise SweepError(src, f"factors.{f}", "a grid factor needs a list of values")
        keys = [canonical_json(_level_key(v)) for v in vals]
        if len(set(keys)) != len(keys):
            raise SweepError(src, f"factors.{f}", "repeated value")
        levels[f] = vals
    n_points = math.prod(len(v) for v in levels.values())
    if n_points > MAX_POINTS:
        raise SweepError(
            src, "factors", f"the grid has {n_points:,} points; at most {MAX_POINTS:,}"
        )
    combos = [dict(zip(levels, c, strict=True)) for c in itertools.product(*levels.values())]
    return combos, levels


def _lhs_design(
    src: str, spec: SweepSpec, base: Scenario
) -> tuple[SweepSpec, list[dict[str, Any]], dict[str, list[Any]]]:
    """A Latin hypercube over the factors' ranges (seeded by the sweep's or the base's
    seed): the spec with its ranges validated, the points, and the ends of each range to
    check on the base."""
    if spec.points is None:
        raise SweepError(src, "points", "design: lhs needs the number of points")
    ranges: dict[str, Range] = {}
    for f, r in spec.factors.items():
        if not isinstance(r, Mapping):
            raise SweepError(src, f"factors.{f}", "an lhs factor needs {low: .., high: ..}")
        try:
            ranges[f] = Range.model_validate(r)
        except ValidationError as exc:
            inner = _pydantic_error(src, exc)
            where = ".".join(x for x in (f"factors.{f}", inner.path) if x)
            raise SweepError(src, where, inner.message) from None
    spec = spec.model_copy(update={"factors": ranges})
    seed_for_design = spec.seed if spec.seed is not None else base.run.seed
    combos = lhs_values(spec, seed_for_design)
    checks = {
        f: ([math.ceil(r.low), math.floor(r.high)] if r.integer else [r.low, r.high])
        for f, r in ranges.items()
    }
    return spec, combos, checks


def _run_factors(
    src: str, spec: SweepSpec, factor_paths: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """The factors that set ``run.seed`` and ``run.reps`` (each of :data:`RUN_PATHS`);
    refuses a ``set:`` that fixes what the sweep's ``seed:`` or ``reps:`` fixes too."""
    for key in spec.overrides:  # the sweep's seed: / reps: and set: must not both fix one
        for field_path, own in (("run.seed", spec.seed), ("run.reps", spec.reps)):
            if own is not None and _touches(key, field_path):
                top = field_path.split(".")[1]
                raise SweepError(
                    src,
                    f"set.{key}",
                    f"{field_path} is fixed twice (also by {top}: {own}); give it once",
                )
    return {
        target: [
            f for f, fpaths in factor_paths.items() if any(_touches(fp, target) for fp in fpaths)
        ]
        for target in RUN_PATHS
    }


def _run_warnings(src: str, spec: SweepSpec, run_factors: Mapping[str, list[str]]) -> list[str]:
    """The sweep's own ``seed:`` / ``reps:`` have no effect when a factor sets them."""
    warnings: list[str] = []
    for target, top, own in (("run.seed", "seed", spec.seed), ("run.reps", "reps", spec.reps)):
        if run_factors[target] and own is not None and not (top == "seed" and spec.design == "lhs"):
            warnings.append(
                f"{src}: {top}: {own} has no effect: every point takes its {top} from factor "
                f"{run_factors[target][0]}"
            )
    return warnings


def _check_levels(
    src: str,
    base_raw: dict[str, Any],
    factor_paths: Mapping[str, list[str]],
    checks: Mapping[str, list[Any]],
    warnings: list[str],
) -> None:
    """Every level of every factor must apply to the base scenario; the no-effect warnings
    of a level (not already given for the base) are added to ``warnings``."""
    for f, vals in checks.items():
        for v in vals:
            raw = copy.deepcopy(base_raw)
            try:
                for fp in factor_paths[f]:
                    set_path(raw, fp, copy.deepcopy(v), src)
                value_scn = scenario_from_dict(raw, src)
            except ScenarioError as exc:
                raise SweepError(
                    src, f"factors.{f}", f"value {_fmt_value(v)}: {exc.path}: {exc.message}"
                ) from None
            for w in scenario_warnings(value_scn, factor_paths[f]):
                line = f"{src}: factors.{f}: value {_fmt_value(v)}: {w}"
                if f"{src}: base: {w}" not in warnings and line not in warnings:
                    warnings.append(line)


def _check_size(src: str, n_points: int, reps: int, point_reps: Mapping[int, int]) -> None:
    """At most :data:`MAX_TASKS` (point, replication) runs."""
    n_tasks = sum(point_reps.get(i, reps) for i in range(n_points))
    if n_tasks > MAX_TASKS:
        raise SweepError(
            src,
            "reps",
            (
                f"{n_points:,} points x {reps:,} replications"
                if not point_reps
                else f"{n_points:,} points with the replications of factor run.reps"
            )
            + f" = {n_tasks:,} runs; at most {MAX_TASKS:,}",
        )


def _sweep_points(src: str, spec: SweepSpec, combos: list[dict[str, Any]]) -> list[SweepPoint]:
    """The points, with their stable ids and short names; two equal points are refused."""
    short = short_names(list(spec.factors))
    points = [
        SweepPoint(index=i, id=point_id(v), name=point_name(v, short), values=v)
        for i, v in enumerate(combos)
    ]
    ids = [pt.id for pt in points]
    if len(set(ids)) != len(ids):
        raise SweepError(src, "factors", "two points have the same factor values")
    return points


def _within(path: str, top: str) -> bool:
    """Whether dotted ``path`` is ``top`` or a field inside it."""
    return path == top or path.startswith(f"{top}.")


def _touches(path: str, target: str) -> bool:
    """Whether setting dotted ``path`` sets the field ``target`` (itself or a parent of it)."""
    return _within(target, path)


def _point_runs(
    src: str,
    base_raw: Mapping[str, Any],
    factor_paths: Mapping[str, list[str]],
    combos: Sequence[Mapping[str, Any]],
    run_factors: Mapping[str, list[str]],
) -> tuple[dict[int, int], dict[int, int]]:
    """Seed and replications of every point whose factors set ``run.seed`` / ``run.reps``."""
    from sim.scenario import RunSettings

    seeds: dict[int, int] = {}
    n_reps: dict[int, int] = {}
    involved = {f for fs in run_factors.values() for f in fs}
    for i, values in enumerate(combos):
        raw: dict[str, Any] = {"run": copy.deepcopy(base_raw.get("run") or {})}
        for f in involved:
            for fp in factor_paths[f]:
                if _within(fp, "run"):
                    set_path(raw, fp, copy.deepcopy(values[f]), src)
        try:
            settings = RunSettings.model_validate(raw["run"])
        except ValidationError as exc:
            names = ", ".join(f"{f}={_fmt_value(values[f])}" for f in sorted(involved))
            raise SweepError(src, "factors", f"point {names}: {exc.errors()[0]['msg']}") from None
        if run_factors["run.seed"]:
            seeds[i] = settings.seed
        if run_factors["run.reps"]:
            n_reps[i] = settings.reps
    return seeds, n_reps


# ----------------------------------------------------------------------------- running


@dataclass(frozen=True)
class SweepTask:
    """One replication of one point (picklable: sent to worker processes or a cluster)."""

    point: int
    rep: int
    seed: int
    scenario: Scenario


def run_sweep_task(task: SweepTask) -> pd.DataFrame:
    """Simulate one replication of one point: its one-row KPI frame."""
    tables = run_replication(RepTask(task.scenario, task.rep, task.seed, keep_dossiers=False))
    return tables.kpis


@dataclass
class SweepResults:
    """Results of a sweep: replications, per-point summaries, errors (pandas frames)."""

    sweep: Sweep
    replications: pd.DataFrame
    points: pd.DataFrame
    summary: pd.DataFrame
    errors: pd.DataFrame
    out: Path | None = None
    wall_seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return len(self.errors)


def _point_frame(sweep: Sweep, point: SweepPoint, rows: list[pd.DataFrame]) -> pd.DataFrame:
    kpis = pd.concat(rows, ignore_index=True).sort_values("rep").reset_index(drop=True)
    head = pd.DataFrame(
        {
            "point": np.full(len(kpis), point.index, dtype=np.int64),
            "point_id": point.id,
            "name": point.name,
            # the exact values are in sweep.json: a column of one type whatever the value
            **{f: [canonical_json(point.values[f])] * len(kpis) for f in sweep.factors},
        }
    )
    return pd.concat([head, kpis], axis=1)


def _with_levels(sw: Sweep, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with a ``point`` column) with its factor columns set to the table levels."""
    out = frame.copy()
    for f, by_point in sw.levels_by_point().items():
        if f in out.columns:
            out[f] = pd.Series([by_point[i] for i in out["point"]], index=out.index, dtype=object)
            out[f] = out[f].infer_objects()
    return out


def _error_record(point: SweepPoint, exc: BaseException, rep: int | None) -> dict[str, Any]:
    cause = exc.__cause__
    return {
        "point": point.index,
        "point_id": point.id,
        "name": point.name,
        "values": point.values,
        "rep": rep,
        "error": f"{type(exc).__name__}: {exc}",
        "detail": str(cause) if cause is not None else "",
    }


_STORE_LOCKS: dict[Path, Any] = {}


def _acquire_store_lock(out: Path) -> Any:
    """The lock of a sweep folder, acquired (re-entrant within one thread: the command line
    takes it before it claims the folder, and run_sweep takes it again)."""
    from filelock import FileLock, Timeout

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SweepStoreError(str(out), "", f"cannot create the folder ({exc.strerror})") from None
    key = out.resolve()
    lock = _STORE_LOCKS.get(key)
    if lock is None:
        lock = _STORE_LOCKS[key] = FileLock(key / LOCK_FILE, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise SweepStoreError(
            str(out),
            "",
            f"another sweep is writing to this folder (it holds {LOCK_FILE}): wait for it to "
            "end, or use another --out",
        ) from None
    return lock


@contextmanager
def store_lock(out: str | Path) -> Iterator[None]:
    """Hold the lock of a sweep folder for the block.

    Raises
    ------
    SweepStoreError
        When another sweep (another process, or another thread) holds it. The operating
        system releases the lock of a process that dies, so a killed sweep never blocks.
    """
    lock = _acquire_store_lock(Path(out))
    try:
        yield
    finally:
        lock.release()


class _Store:
    """The output folder: one Parquet file per finished point, one JSON file per failure."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.points_dir = out / POINTS_DIR
        self.errors_dir = out / ERRORS_DIR
        self._lock: Any = None
        self._had_lock = False

    def lock(self) -> None:
        """Take the folder's lock, or refuse: another sweep is writing to it."""
        self._had_lock = (self.out / LOCK_FILE).exists()
        self._lock = _acquire_store_lock(self.out)

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def holds_other(self, sweep: Sweep, resume: bool) -> bool:
        """Whether the folder holds a sweep this run will not resume (not ``resume``, or
        another sweep)."""
        spec = self.out / SPEC_FILE
        if not spec.is_file():
            return False
        if not resume:
            return True
        try:
            stored = json.loads(spec.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return True
        return not isinstance(stored, dict) or stored.get("fingerprint") != sweep.fingerprint()

    def claim(self, sweep: Sweep, resume: bool) -> None:
        """Claim the folder (with its lock held): an older sweep's derived files and plots
        are cleared, its store of points kept; a folder holding anything else is refused and
        left as it was. A folder holding a sweep that is not to be resumed is refused later,
        by :meth:`prepare`, before anything in it is touched.

        Raises
        ------
        sim.outputs.OutputFolderError
            If the folder holds something that is not a sweep.
        """
        from sim.outputs import prepare_folder

        try:
            other = self.holds_other(sweep, resume)
            prepare_folder(self.out, None if other else "sweep", keep=(SPEC_FILE,))
        except Exception:
            if not self._had_lock:  # a refused folder is left as it was
                (self.out / LOCK_FILE).unlink(missing_ok=True)
            raise

    def prepare(self, sweep: Sweep, resume: bool) -> None:
        from sim.outputs import MANIFEST, write_json

        spec_path = self.out / SPEC_FILE
        if spec_path.exists():
            if not resume:
                raise SweepStoreError(
                    str(self.out), "", "already holds a sweep: pass --resume or another --out"
                )
            try:
                stored = json.loads(spec_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stored = {}
            if stored.get("fingerprint") != sweep.fingerprint():
                raise SweepStoreError(
                    str(self.out),
                    "",
                    "holds a different sweep (base, factors, reps or seed changed): "
                    "use another --out",
                )
        elif self.points_dir.exists() and any(self.points_dir.iterdir()):
            raise SweepStoreError(str(self.out), POINTS_DIR, "holds points of an unknown sweep")
        self.points_dir.mkdir(parents=True, exist_ok=True)
        self.errors_dir.mkdir(parents=True, exist_ok=True)
        for d in (self.out, self.points_dir, self.errors_dir):  # leftovers of a killed run
            for tmp in d.glob(".*.tmp"):
                if tmp.is_file():
                    tmp.unlink(missing_ok=True)
        if (self.out / MANIFEST).exists():
            (self.out / MANIFEST).unlink()  # incomplete until the new manifest is written
        write_json(sweep.describe(), spec_path)

    def done(self, sweep: Sweep) -> dict[int, pd.DataFrame]:
        """Points already stored with all their replications."""
        out: dict[int, pd.DataFrame] = {}
        for pt in sweep.points:
            f = self.points_dir / f"{pt.id}.parquet"
            if not f.exists():
                continue
            try:
                frame = pd.read_parquet(f)
            except Exception:  # unreadable: computed again
                continue
            if sorted(frame["rep"].tolist()) == list(range(sweep.reps_of(pt))):
                for factor in sweep.factors:  # as _point_frame writes them, whatever wrote them
                    frame[factor] = canonical_json(pt.values[factor])
                out[pt.index] = frame
        return out

    def save_point(self, point: SweepPoint, frame: pd.DataFrame) -> None:
        from sim.outputs import write_parquet

        write_parquet(frame, self.points_dir / f"{point.id}.parquet")
        (self.errors_dir / f"{point.id}.json").unlink(missing_ok=True)

    def save_error(self, record: dict[str, Any]) -> None:
        from sim.outputs import write_json

        write_json(record, self.errors_dir / f"{record['point_id']}.json")


def _tasks(
    sweep: Sweep, scenarios: dict[int, Scenario], todo: list[SweepPoint]
) -> Iterator[SweepTask]:
    for pt in todo:
        for r in range(sweep.reps_of(pt)):
            yield SweepTask(pt.index, r, sweep.seed_of(pt), scenarios[pt.index])


def run_sweep(
    sweep: Sweep | str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    executor: Executor | None = None,
    resume: bool = False,
    progress: bool = False,
    workbook_lang: str = "vi",
) -> SweepResults:
    """Run every point of a sweep (all replications) and collect the results.

    Parameters
    ----------
    sweep
        A loaded :class:`Sweep` or the path of a sweep file.
    out
        Folder of the Parquet store (``points/``, ``errors/``, combined tables, manifest);
        ``None`` keeps everything in memory.
    workers, scheduler, executor
        Local processes (``workers``; None or 0 = all cores, 1 = in this process) or a Dask
        scheduler address. The numbers are identical whichever is used.
    resume
        Skip the points already stored in ``out``.
    workbook_lang
        Language first in the headers of ``out/results.xlsx`` ("vi" or "en").
    """
    if workbook_lang not in LANGS:  # refused before any work, not after the sweep
        raise ValueError(f"unknown language {workbook_lang!r}: use one of {', '.join(LANGS)}")
    from sim.outputs import finish_folder

    sw = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    t0 = time.perf_counter()
    store = _Store(Path(out)) if out is not None else None
    frames: dict[int, pd.DataFrame] = {}
    if store is not None:
        store.lock()
    try:
        if store is not None:
            store.claim(sw, resume)
        res = _run_locked(
            sw, store, frames, t0, workers, scheduler, executor, resume, progress, workbook_lang
        )
        if store is not None:
            finish_folder(store.out)
        return res
    finally:
        if store is not None:
            store.unlock()


def _run_locked(
    sw: Sweep,
    store: _Store | None,
    frames: dict[int, pd.DataFrame],
    t0: float,
    workers: int | None,
    scheduler: str | None,
    executor: Executor | None,
    resume: bool,
    progress: bool,
    workbook_lang: str,
) -> SweepResults:
    if store is not None:
        store.prepare(sw, resume)
        if resume:
            frames.update(store.done(sw))
    errors: dict[int, dict[str, Any]] = {}
    skipped = len(frames)

    # the scenario of every pending point; a bad combination is a failed point
    scenarios: dict[int, Scenario] = {}
    for pt in sw.points:
        if pt.index in frames:
            continue
        try:
            scenarios[pt.index] = sw.scenario(pt)
        except ScenarioError as exc:
            errors[pt.index] = _error_record(pt, exc, None)
            if store is not None:
                store.save_error(errors[pt.index])
    todo = [pt for pt in sw.points if pt.index in scenarios]

    ex: Executor | None = executor
    bar = tqdm(
        total=len(sw.points),
        initial=skipped + len(errors),
        desc=f"{sw.name}: points",
        unit="point",
        disable=not progress,
        dynamic_ncols=True,
    )
    with ExitStack() as scope:
        scope.callback(bar.close)
        if todo:  # no worker processes (nor a scheduler) for a sweep with nothing left to do
            ex = scope.enter_context(open_executor(workers, scheduler, executor))
            tasks = list(_tasks(sw, scenarios, todo))
            pending: dict[int, list[pd.DataFrame]] = {pt.index: [] for pt in todo}
            for i, result in ex.imap(run_sweep_task, tasks):
                task = tasks[i]
                pt = sw.points[task.point]
                if pt.index in errors:
                    continue
                if isinstance(result, BaseException):
                    errors[pt.index] = _error_record(pt, result, task.rep)
                    pending.pop(pt.index, None)
                    if store is not None:
                        store.save_error(errors[pt.index])
                    bar.update(1)
                    bar.set_postfix(failed=len(errors), refresh=False)
                    continue
                rows = pending[pt.index]
                rows.append(result)
                if len(rows) == sw.reps_of(pt):
                    frame = _point_frame(sw, pt, rows)
                    del pending[pt.index]
                    if store is not None:
                        store.save_point(pt, frame)
                    frames[pt.index] = frame
                    bar.update(1)
                    if errors:
                        bar.set_postfix(failed=len(errors), refresh=False)

    res = _combine(sw, frames, errors)
    res.wall_seconds = time.perf_counter() - t0
    res.meta = {
        "workers": ex.workers if ex is not None else 0,
        "scheduler": scheduler,
        "points_skipped": skipped,
        "points_run": len(todo),
    }
    if store is not None:
        res.out = store.out
        _write_store(res, store, workbook_lang)
    return res


def _combine(
    sw: Sweep, frames: dict[int, pd.DataFrame], errors: dict[int, dict[str, Any]]
) -> SweepResults:
    ordered = [frames[i] for i in sorted(frames)]
    reps = pd.concat(ordered, ignore_index=True) if ordered else pd.DataFrame()
    if len(reps):
        reps = _with_levels(sw, reps)
    summary = (
        summarise(reps.drop(columns=["name", *sw.factors]), by=["point", "point_id"])
        if len(reps)
        else pd.DataFrame()
    )
    err = pd.DataFrame(
        [
            {k: (canonical_json(v) if k == "values" else v) for k, v in e.items()}
            for _, e in sorted(errors.items())
        ],
        columns=["point", "point_id", "name", "values", "rep", "error", "detail"],
    )
    return SweepResults(
        sweep=sw,
        replications=reps,
        points=point_summary(sw, reps, errors),
        summary=summary,
        errors=err,
    )


def point_summary(
    sw: Sweep, reps: pd.DataFrame, errors: Mapping[int, Mapping[str, Any]] | None = None
) -> pd.DataFrame:
    """One row per point: factor values, status, and main KPIs with 95% intervals."""
    errors = errors or {}
    by_point = dict(iter(reps.groupby("point"))) if len(reps) else {}
    rows = []
    for pt in sw.points:
        row: dict[str, Any] = {"point": pt.index, "point_id": pt.id, "name": pt.name}
        row.update(pt.values)
        g = by_point.get(pt.index)
        row["status"] = "done" if g is not None else ("failed" if pt.index in errors else "open")
        row["reps"] = 0 if g is None else len(g)
        for k in POINT_KPIS:
            if g is not None and k in g.columns:
                m, lo, hi = kpi_interval(g, k)
            else:
                m = lo = hi = float("nan")
            row[k] = m
            row[f"{k}_ci95_low"] = lo
            row[f"{k}_ci95_high"] = hi
        rows.append(row)
    return _with_levels(sw, pd.DataFrame(rows))


def _write_store(res: SweepResults, store: _Store, workbook_lang: str = "vi") -> None:
    from sim.outputs import MANIFEST, manifest, write_csv, write_json, write_parquet
    from sim.workbook import WORKBOOK, write_sweep_workbook

    out = store.out
    if len(res.replications):
        write_parquet(res.replications, out / "replications.parquet")
    write_csv(res.points, out / "points.csv")
    write_csv(res.summary, out / "summary.csv")
    write_csv(res.errors, out / "errors.csv")
    write_sweep_workbook(res, out / WORKBOOK, lang=workbook_lang)
    sw = res.sweep
    m = manifest(
        "sweep",
        sweep=sw.describe(),
        base_scenario=sw.base.to_dict(),
        seed=sw.seed,
        reps=sw.reps,
        points_total=len(sw.points),
        points_done=int((res.points["status"] == "done").sum()),
        points_failed=res.failed,
        warnings=list(sw.warnings),
        wall_seconds=res.wall_seconds,
        **res.meta,
        files=sorted(
            [p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")]
            + [f"{POINTS_DIR}/", f"{ERRORS_DIR}/", MANIFEST]
        ),
    )
    write_json(m, out / MANIFEST)


def read_sweep(out: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read a finished sweep folder: (replications, per-point summary, manifest).

    Factor columns hold the same levels as :class:`SweepResults` (see :func:`table_levels`),
    rebuilt from the exact values the manifest keeps, so a level such as ``null``, ``true``,
    the text ``"007"`` or a list comes back as it went in (a CSV cell alone cannot say).
    """
    from sim.outputs import MANIFEST

    d = Path(out)
    man = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    reps_path = d / "replications.parquet"
    reps = pd.read_parquet(reps_path) if reps_path.exists() else pd.DataFrame()
    points = pd.read_csv(d / "points.csv", dtype={"point_id": str})
    return _stored_levels(reps, man), _stored_levels(points, man), man


def read_points(out: str | Path, *, for_plots: bool = False) -> pd.DataFrame:
    """The per-point summary of a sweep folder (``points.csv``) with its factor levels.

    With ``for_plots`` every level that is not a number is its :func:`level_labels` text
    (``null``, ``true``, ``[1,2]``), so that it is drawn as a level of its own.

    Raises
    ------
    FileNotFoundError
        When ``manifest.json`` or ``points.csv`` is missing.
    """
    from sim.outputs import MANIFEST

    d = Path(out)
    man = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
    points = pd.read_csv(d / "points.csv", dtype={"point_id": str})
    return _stored_levels(points, man, plot_levels if for_plots else table_levels)


def _stored_levels(
    frame: pd.DataFrame,
    man: Mapping[str, Any],
    levels: Any = None,
) -> pd.DataFrame:
    """Factor columns of a stored table rebuilt from the manifest's exact point values."""
    stored = (man.get("sweep") or {}).get("points") or []
    if not len(frame) or "point_id" not in frame.columns or not stored:
        return frame
    make = levels or table_levels
    out = frame.copy()
    ids = [str(p["id"]) for p in stored]
    for f in (man.get("sweep") or {}).get("factors", {}):
        if f not in out.columns:
            continue
        by_id = dict(zip(ids, make([p["values"].get(f) for p in stored]), strict=True))
        if set(out["point_id"].astype(str)) <= set(by_id):
            column = pd.Series([by_id[str(i)] for i in out["point_id"]], index=out.index)
            out[f] = column.astype(object).infer_objects()
    return out


__all__ = [
    "POINT_KPIS",
    "Range",
    "Sweep",
    "SweepPoint",
    "SweepResults",
    "SweepSpec",
    "SweepStoreError",
    "SweepTask",
    "canonical_json",
    "level_labels",
    "lhs_values",
    "load_sweep",
    "plot_levels",
    "point_id",
    "point_summary",
    "read_points",
    "read_sweep",
    "run_sweep",
    "run_sweep_task",
    "short_names",
    "store_lock",
    "table_levels",
]
