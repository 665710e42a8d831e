"""Scenarios: frozen, validated descriptions of one what-if.

A scenario is a YAML file validated into :class:`Scenario` (pydantic v2, unknown keys
rejected, fields cannot be reassigned; nested lists and mappings are to be treated as
read-only: derive variants with :meth:`Scenario.with_changes`, which validates them).
``extends: other.yaml`` inherits a parent scenario and deep-merges the child over it
(mappings merge key by key; lists and scalars replace). Dotted overrides
(``--set staffing.availability=0.9``) are applied to the merged mapping before validation,
so they are checked exactly like the file. Every problem is a :class:`ScenarioError` naming
the file and the field path.

One concern per module; everything is imported from here (``from sim.scenario import X``):

* :mod:`sim.scenario.schema`: the sections and :class:`Scenario` (pydantic models), the
  error type and the limits;
* :mod:`sim.scenario.loading`: YAML loading (merge keys, ``extends:``), ``--set``
  overrides, validation into a scenario (:func:`load_scenario`, :func:`scenario_from_dict`);
* :mod:`sim.scenario.checks`: the cross-field checks, one checker per section;
* :mod:`sim.scenario.warnings`: settings that are legal but have no effect;
* :mod:`sim.scenario.suggestions`: "did you mean" for misspelt names;
* :mod:`sim.scenario.paths`: dotted paths into a scenario's mapping.
"""

from sim.scenario.checks import (
    agency_branches,
    check_mechanisms,
    cross_check,
    expected_dossiers,
    staff_count,
)
from sim.scenario.loading import (
    check_parameter_ranges,
    deep_merge,
    load_raw,
    load_scenario,
    parse_override,
    parse_yaml,
    read_yaml_mapping,
    scenario_from_dict,
)
from sim.scenario.paths import (
    bare_dict,
    get_path,
    parameter_value,
    set_path,
)
from sim.scenario.schema import (
    CHANNELS,
    MAX_DOSSIERS_PER_REP,
    MAX_HORIZON_DAYS,
    MAX_MULTIPLIER,
    MAX_OUTAGES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    SUM_TOLERANCE,
    WEEKDAYS,
    AbcSettings,
    Agency,
    BacklogEntry,
    Calendar,
    CalibrationSpec,
    Channel,
    ChannelMix,
    Degradation,
    Demand,
    Horizon,
    InitialBacklog,
    LandBranch,
    LandRoute,
    Multiplier,
    Network,
    NonNegative,
    OutagePeriod,
    OutageProcess,
    Outages,
    OutageWindow,
    Overtime,
    Pooling,
    Positive,
    Prior,
    Probability,
    Procedure,
    Reception,
    RecordedClock,
    RunSettings,
    Scenario,
    ScenarioError,
    Section,
    Signing,
    SoftwareSystem,
    Staffing,
    StageInteractions,
    Supplements,
    Surge,
    SystemPeriod,
    Systems,
    TargetSpec,
    UncertainRange,
    UnitsSelection,
    UnitType,
    Weekday,
    parse_clock,
)
from sim.scenario.suggestions import (
    did_you_mean,
    unit_suggestion,
)
from sim.scenario.warnings import (
    MECHANISM_SECTIONS,
    scenario_warnings,
    written_paths,
)
from sim.units import UNIT_TYPES

__all__ = [
    "CHANNELS",
    "MAX_DOSSIERS_PER_REP",
    "MAX_HORIZON_DAYS",
    "MAX_MULTIPLIER",
    "MAX_OUTAGES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "MECHANISM_SECTIONS",
    "SUM_TOLERANCE",
    "UNIT_TYPES",
    "WEEKDAYS",
    "AbcSettings",
    "Agency",
    "BacklogEntry",
    "Calendar",
    "CalibrationSpec",
    "Channel",
    "ChannelMix",
    "Degradation",
    "Demand",
    "Horizon",
    "InitialBacklog",
    "LandBranch",
    "LandRoute",
    "Multiplier",
    "Network",
    "NonNegative",
    "OutagePeriod",
    "OutageProcess",
    "OutageWindow",
    "Outages",
    "Overtime",
    "Pooling",
    "Positive",
    "Prior",
    "Probability",
    "Procedure",
    "Reception",
    "RecordedClock",
    "RunSettings",
    "Scenario",
    "ScenarioError",
    "Section",
    "Signing",
    "SoftwareSystem",
    "Staffing",
    "StageInteractions",
    "Supplements",
    "Surge",
    "SystemPeriod",
    "Systems",
    "TargetSpec",
    "UncertainRange",
    "UnitType",
    "UnitsSelection",
    "Weekday",
    "agency_branches",
    "bare_dict",
    "check_mechanisms",
    "check_parameter_ranges",
    "cross_check",
    "deep_merge",
    "did_you_mean",
    "expected_dossiers",
    "get_path",
    "load_raw",
    "load_scenario",
    "parameter_value",
    "parse_clock",
    "parse_override",
    "parse_yaml",
    "read_yaml_mapping",
    "scenario_from_dict",
    "scenario_warnings",
    "set_path",
    "staff_count",
    "unit_suggestion",
    "written_paths",
]
