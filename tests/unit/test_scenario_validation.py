"""Scenario validation: every rule reports a ScenarioError naming the file and the field path.

Broken scenarios are built by loading a shipped scenario with ``yaml.safe_load`` and editing
the mapping. The big rule tables validate that mapping with ``scenario_from_dict`` (fast); file
problems, ``extends``, ``--set`` and a sample of the rules go through real files in tmp_path and
``load_scenario``, so the whole path from YAML text to the error message is exercised too.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    scenario_from_dict,
    staff_count,
)
from sim.units import load_units

DELETE = object()
"""Marker for :func:`edit`: remove the key (or list item) instead of setting it."""

Writer = Callable[..., Path]


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def baseline_scn(baseline_path: Path) -> Scenario:
    """The validated baseline, shared (it is frozen; no test below mutates it)."""
    return load_scenario(baseline_path)


def edit(raw: dict[str, Any], dotted: str, value: Any) -> None:
    """Set (or with DELETE remove) ``a.b.0.c`` in a nested mapping, creating mappings."""
    parts = dotted.split(".")
    node: Any = raw
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        else:
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
    last = parts[-1]
    key: Any = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value


def apply_edits(raw: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    for dotted, value in edits.items():
        edit(raw, dotted, value)
    return raw


def load_error(path: Path | str, overrides: list[str] | tuple[str, ...] = ()) -> ScenarioError:
    """The ScenarioError raised by load_scenario (fails the test if none is raised)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, list(overrides))
    return info.value


SOURCE = "scenarios/what-if/broken.yaml"
"""Source name given to scenario_from_dict (the rule tables validate mappings directly, which
is ~5x faster than a YAML round trip; a sample of rules also goes through real files)."""


def dict_error(raw: dict[str, Any], source: str = SOURCE) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw, source)
    return info.value


def check(err: ScenarioError, source: Path | str, path: str, fragment: str) -> None:
    """The error names ``source`` and ``path`` and says ``fragment``."""
    assert err.path == path, f"path {err.path!r}, expected {path!r} (message: {err.message!r})"
    assert fragment in err.message, f"{fragment!r} not in message {err.message!r}"
    assert err.source == str(source)
    text = str(err)
    assert str(source) in text, f"{text!r} does not name the file {source}"
    if path:
        assert text.startswith(f"{source}: {path}: "), text
    assert err.message in text


def broken_file(
    writer: Writer, raw: dict[str, Any], edits: dict[str, Any], name: str = "broken.yaml"
) -> Path:
    return writer(apply_edits(raw, edits), name)


# ----------------------------------------------------------------------------- the error class


def test_scenario_error_carries_source_path_and_message() -> None:
    err = ScenarioError("a.yaml", "staffing.availability", "too high")
    assert (err.source, err.path, err.message) == ("a.yaml", "staffing.availability", "too high")
    assert str(err) == "a.yaml: staffing.availability: too high"
    assert isinstance(err, Exception)


def test_scenario_error_without_path_omits_it() -> None:
    err = ScenarioError("a.yaml", "", "file is empty")
    assert str(err) == "a.yaml: file is empty"


# ----------------------------------------------------------------------------- shipped scenarios


def test_baseline_validates(baseline_path: Path) -> None:
    scn = load_scenario(baseline_path)
    assert isinstance(scn, Scenario)
    assert scn.name == "baseline"
    assert scn.horizon.start == dt.date(2025, 7, 1)
    assert scn.horizon.end == dt.date(2025, 9, 30)
    assert scn.horizon.days == 92
    assert len(scn.unit_codes()) == 54
    assert scn.unit_codes() == load_units().codes
    assert math.isclose(sum(p.share for p in scn.procedures.values()), 1.0, abs_tol=1e-9)
    for pid, proc in scn.procedures.items():
        mix = proc.channels
        assert math.isclose(mix.in_person + mix.online + mix.post, 1.0, abs_tol=1e-9), pid
    assert 0.0 < scn.staffing.availability < 1.0  # calibrated (docs/model.md)
    assert scn.calendar.public_holidays == "vn"


def test_mmc_validates(mmc_path: Path) -> None:
    scn = load_scenario(mmc_path)
    assert scn.name == "mmc"
    assert scn.unit_codes() == ["QN01"]
    assert scn.calendar.always_open is True
    assert list(scn.procedures) == ["desk"]
    assert scn.procedures["desk"].reception_minutes.expected_value() == pytest.approx(3.0)
    assert staff_count(scn, "QN01", "phường", "reception") == 3


def test_shipped_scenarios_survive_a_yaml_round_trip(
    baseline_raw: dict[str, Any], mmc_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    # the helper used by every test below must not itself break a valid scenario
    for name, raw in (("b.yaml", baseline_raw), ("m.yaml", mmc_raw)):
        path = tmp_scenario(raw, name)
        assert load_scenario(path).name == raw["name"]


# ----------------------------------------------------------------------------- reading files


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    check(load_error(path), path, "", "file not found")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "a_folder.yaml"
    folder.mkdir()
    check(load_error(folder), folder, "", "is a directory")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("name: x\n  bad: indent\n", 2, id="mapping-in-scalar"),
        pytest.param("name: x\nhorizon: {start: 2025-07-01\n  end: [\n", 3, id="unclosed-flow"),
        pytest.param("name: x\n\tfoo: 1\n", 2, id="tab"),
        pytest.param("name: x\ndescription: 'unterminated\n", 3, id="unterminated-quote"),
    ],
)
def test_yaml_syntax_error_names_line_and_column(
    tmp_scenario: Writer, text: str, line: int
) -> None:
    path = tmp_scenario(text)
    err = load_error(path)
    assert re.fullmatch(r"line \d+, column \d+", err.path), err.path
    assert err.path.startswith(f"line {line}, "), err.path
    assert "YAML syntax error" in err.message
    assert str(err).startswith(f"{path}: line {line}, column ")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="zero-bytes"),
        pytest.param("\n\n   \n", id="blank-lines"),
        pytest.param("# only a comment\n", id="comment-only"),
        pytest.param("---\n", id="document-marker"),
    ],
)
def test_empty_file(tmp_scenario: Writer, text: str) -> None:
    path = tmp_scenario(text)
    check(load_error(path), path, "", "file is empty")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("- name: x\n- name: y\n", "list", id="list"),
        pytest.param("just a sentence\n", "str", id="string"),
        pytest.param("42\n", "int", id="number"),
    ],
)
def test_top_level_must_be_a_mapping(tmp_scenario: Writer, text: str, kind: str) -> None:
    path = tmp_scenario(text)
    err = load_error(path)
    check(err, path, "", "top level must be a mapping")
    assert kind in err.message


def test_non_utf8_bytes(tmp_scenario: Writer) -> None:
    head = "name: Hồng Gai\n".encode()
    path = tmp_scenario(head + b"description: caf\xe9\n")
    err = load_error(path)
    check(err, path, "", "not UTF-8")
    # the message points at the offending byte
    assert f"byte {len(head) + len(b'description: caf')}" in err.message


def test_utf8_with_bom_and_vietnamese_text_is_fine(
    mmc_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    mmc_raw["description"] = "Một cửa — Hồng Gai, đặc khu"
    text = yaml.safe_dump(mmc_raw, allow_unicode=True, sort_keys=False)
    path = tmp_scenario("\ufeff" + text)
    assert load_scenario(path).description == "Một cửa — Hồng Gai, đặc khu"


def test_non_string_top_level_key(tmp_scenario: Writer) -> None:
    path = tmp_scenario("1: one\nname: x\n")
    check(load_error(path), path, "1", "keys must be strings")


def test_unquoted_impossible_date_in_yaml_is_a_scenario_error(
    baseline_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    # PyYAML's timestamp constructor raises a bare ValueError for 2025-02-30; the loader must
    # still turn it into a ScenarioError (the command line only catches ScenarioError).
    text = yaml.safe_dump(baseline_raw, allow_unicode=True, sort_keys=False)
    text = text.replace("start: 2025-07-01\n", "start: 2025-02-30\n", 1)
    assert "start: 2025-02-30" in text
    path = tmp_scenario(text)
    err = load_error(path)
    assert err.path == "horizon.start" or err.path.startswith("line "), err.path
    assert "day" in err.message
    assert str(err).startswith(f"{path}: ")


# ----------------------------------------------------------------------------- schema rules

NAN = float("nan")
INF = float("inf")

SCHEMA_CASES = [
    # unknown and misspelt keys
    ("baseline", {"colour": "blue"}, "colour", "unknown field", "unknown-top-level-key"),
    (
        "baseline",
        {"staffing.availabilty": 0.9},
        "staffing.availabilty",
        "unknown field",
        "misspelt-staffing-availability",
    ),
    (
        "baseline",
        {"procedures.birth_registration.deadline_workingdays": 3},
        "procedures.birth_registration.deadline_workingdays",
        "unknown field",
        "misspelt-procedure-field",
    ),
    (
        "baseline",
        {"network.outages.system.mtbf": 10},
        "network.outages.system.mtbf",
        "unknown field",
        "misspelt-deep-key",
    ),
    # missing required fields
    ("baseline", {"name": DELETE}, "name", "Field required", "missing-name"),
    ("baseline", {"horizon.end": DELETE}, "horizon.end", "Field required", "missing-horizon-end"),
    (
        "baseline",
        {"procedures.copy_certification.reception_minutes": DELETE},
        "procedures.copy_certification.reception_minutes",
        "Field required",
        "missing-reception-minutes",
    ),
    # wrong types
    (
        "baseline",
        {"staffing.availability": "high"},
        "staffing.availability",
        "valid number",
        "string-for-number",
    ),
    ("baseline", {"run.reps": "many"}, "run.reps", "valid integer", "string-for-integer"),
    (
        "baseline",
        {"procedures.copy_certification.deadline_working_days": 2.5},
        "procedures.copy_certification.deadline_working_days",
        "fractional part",
        "fraction-for-integer",
    ),
    (
        "baseline",
        {"staffing.by_unit_type": [5, 3]},
        "staffing.by_unit_type",
        "valid dictionary",
        "list-for-mapping",
    ),
    (
        "baseline",
        {"calendar.working_weekdays": "mon"},
        "calendar.working_weekdays",
        "valid list",
        "string-for-list",
    ),
    # out-of-range numbers
    (
        "baseline",
        {"staffing.by_unit_type.xã.reception": -1},
        "staffing.by_unit_type.xã.reception",
        "greater than or equal to 0",
        "negative-staff-by-type",
    ),
    (
        "baseline",
        {"staffing.units.QN21.reception": -3},
        "staffing.units.QN21.reception",
        "greater than or equal to 0",
        "negative-staff-unit-override",
    ),
    (
        "baseline",
        {"staffing.availability": 0},
        "staffing.availability",
        "greater than 0",
        "availability-zero",
    ),
    (
        "baseline",
        {"staffing.availability": 1.5},
        "staffing.availability",
        "less than or equal to 1",
        "availability-above-one",
    ),
    (
        "baseline",
        {"procedures.copy_certification.incomplete_probability": 1.2},
        "procedures.copy_certification.incomplete_probability",
        "less than or equal to 1",
        "probability-above-one",
    ),
    (
        "baseline",
        {"procedures.copy_certification.share": 1.5},
        "procedures.copy_certification.share",
        "less than or equal to 1",
        "share-above-one",
    ),
    (
        "baseline",
        {"procedures.copy_certification.channels.online": -0.1},
        "procedures.copy_certification.channels.online",
        "greater than or equal to 0",
        "negative-channel-share",
    ),
    (
        "baseline",
        {"demand.phi_dia_gioi_share": 1.01},
        "demand.phi_dia_gioi_share",
        "less than or equal to 1",
        "phi-dia-gioi-above-one",
    ),
    (
        "baseline",
        {"network.max_utilisation": 1.0},
        "network.max_utilisation",
        "less than 1",
        "max-utilisation-one",
    ),
    ("baseline", {"run.reps": 0}, "run.reps", "greater than or equal to 1", "zero-reps"),
    ("baseline", {"run.seed": -1}, "run.seed", "greater than or equal to 0", "negative-seed"),
    # NaN and infinities, also inside dicts and distributions
    ("baseline", {"staffing.availability": NAN}, "staffing.availability", "finite", "nan"),
    ("baseline", {"network.link_mbps": INF}, "network.link_mbps", "finite", "inf"),
    ("baseline", {"demand.centre_attraction": -INF}, "demand.centre_attraction", "finite", "-inf"),
    ("baseline", {"demand.attraction.QN21": NAN}, "demand.attraction.QN21", "finite", "nan-dict"),
    (
        "baseline",
        {"staffing.multiplier": {"justice": INF}},
        "staffing.multiplier.justice",
        "finite",
        "inf-multiplier",
    ),
    (
        "baseline",
        {"procedures.copy_certification.reception_minutes.mean": NAN},
        "procedures.copy_certification.reception_minutes.mean",
        "finite",
        "nan-distribution",
    ),
    # enumerations
    (
        "baseline",
        {"calendar.working_weekdays": ["mon", "funday"]},
        "calendar.working_weekdays.1",
        "'mon'",
        "bad-weekday",
    ),
    (
        "baseline",
        {"calendar.public_holidays": "us"},
        "calendar.public_holidays",
        "'vn' or 'none'",
        "bad-holiday-table",
    ),
    (
        "baseline",
        {"procedures.copy_certification.handled_by": "province"},
        "procedures.copy_certification.handled_by",
        "receiving_unit",
        "bad-handled-by",
    ),
    (
        "baseline",
        {"reception.discipline": "lifo"},
        "reception.discipline",
        "fifo",
        "bad-discipline",
    ),
    # distributions inside procedures
    (
        "baseline",
        {"procedures.copy_certification.reception_minutes": {"dist": "weibull", "mean": 1}},
        "procedures.copy_certification.reception_minutes",
        "weibull",
        "unknown-distribution",
    ),
    (
        "baseline",
        {"procedures.copy_certification.reception_minutes": {"dist": "lognormal", "mean": -1}},
        "procedures.copy_certification.reception_minutes.mean",
        "greater than 0",
        "negative-mean",
    ),
    (
        "baseline",
        {
            "procedures.copy_certification.processing_minutes": {
                "dist": "triangular",
                "low": 5,
                "mode": 2,
                "high": 8,
            }
        },
        "procedures.copy_certification.processing_minutes",
        "low <= mode <= high",
        "triangular-order",
    ),
    (
        "baseline",
        {
            "procedures.copy_certification.processing_minutes": {
                "dist": "uniform",
                "low": 5,
                "high": 2,
            }
        },
        "procedures.copy_certification.processing_minutes",
        "high must be >= low",
        "uniform-order",
    ),
    (
        "baseline",
        {"supplements.return_delay_days": {"dist": "gamma", "mean": 3.0, "cv": 0}},
        "supplements.return_delay_days.cv",
        "greater than 0",
        "gamma-cv-zero",
    ),
    # dates
    (
        "baseline",
        {"horizon.start": "2025-02-30"},
        "horizon.start",
        "day value is outside expected range",
        "impossible-date",
    ),
    (
        "baseline",
        {"calendar.extra_holidays": ["2025-13-01"]},
        "calendar.extra_holidays.0",
        "month value",
        "impossible-holiday",
    ),
    (
        "baseline",
        {"calendar.makeup_working_days": ["2025-09-31"]},
        "calendar.makeup_working_days.0",
        "day value",
        "impossible-makeup-day",
    ),
    ("baseline", {"horizon.start": "yesterday"}, "horizon.start", "valid date", "not-a-date"),
    # office hours and cut-off format
    (
        "baseline",
        {"calendar.office_hours": [["7h30", "11:30"]]},
        "calendar.office_hours",
        "HH:MM",
        "office-hours-malformed",
    ),
    (
        "baseline",
        {"calendar.office_hours": [["07:30", "25:00"]]},
        "calendar.office_hours",
        "not a time of day",
        "office-hours-25h",
    ),
    (
        "baseline",
        {"calendar.office_hours": [["07:30", "11:60"]]},
        "calendar.office_hours",
        "not a time of day",
        "office-hours-60min",
    ),
    (
        "baseline",
        {"calendar.office_hours": [["07:30", "11:30"], ["11:00", "17:00"]]},
        "calendar.office_hours",
        "overlaps",
        "office-hours-overlap",
    ),
    (
        "baseline",
        {"calendar.office_hours": [["13:30", "17:00"], ["07:30", "11:30"]]},
        "calendar.office_hours",
        "overlaps or precedes",
        "office-hours-out-of-order",
    ),
    (
        "baseline",
        {"calendar.office_hours": [["11:30", "07:30"]]},
        "calendar.office_hours",
        "ends before it starts",
        "office-hours-end-before-start",
    ),
    (
        "baseline",
        {"calendar.office_hours": [["07:30", "07:30"]]},
        "calendar.office_hours",
        "ends before it starts",
        "office-hours-empty-session",
    ),
    (
        "baseline",
        {"calendar.office_hours": []},
        "calendar.office_hours",
        "at least one office session",
        "office-hours-none",
    ),
    (
        "baseline",
        {"calendar.office_hours": [["07:30", "11:30", "12:00"]]},
        "calendar.office_hours.0",
        "at most 2 items",
        "office-hours-three-items",
    ),
    (
        "baseline",
        {"calendar.same_day_cutoff": "3pm"},
        "calendar.same_day_cutoff",
        "HH:MM",
        "cutoff-malformed",
    ),
]


@pytest.mark.parametrize(
    ("where", "value", "prefix", "fragment"),
    [
        ("staffing.by_unit_type.city", {"reception": 2}, "staffing.by_unit_type.city", "phường"),
        ("demand.online_hour_factors", {24: 1.0}, "demand.online_hour_factors.24", "23"),
        ("demand.weekday_factors", {"monday": 1.0}, "demand.weekday_factors.monday", "'mon'"),
    ],
    ids=["unit-type", "hour", "weekday"],
)
def test_bad_key_of_a_typed_mapping_names_the_key(
    where: str, value: Any, prefix: str, fragment: str, baseline_raw: dict[str, Any]
) -> None:
    err = dict_error(apply_edits(baseline_raw, {where: value}))
    assert err.path.startswith(prefix), (err.path, prefix)
    assert fragment in err.message
    assert str(err).startswith(f"{SOURCE}: {prefix}")


@pytest.mark.parametrize(
    ("base", "text_edit", "path", "fragment"),
    [
        pytest.param(
            "mmc",
            ("availability: 1.0", "availabilty: 1.0"),
            "staffing.availabilty",
            "unknown field",
            id="misspelt-key",
        ),
        pytest.param(
            "mmc",
            ("availability: 1.0", "availability: .nan"),
            "staffing.availability",
            "finite",
            id="yaml-nan",
        ),
        pytest.param(
            "mmc",
            ("availability: 1.0", "availability: .inf"),
            "staffing.availability",
            "finite",
            id="yaml-inf",
        ),
        pytest.param(
            "mmc",
            ("availability: 1.0", "availability: lots"),
            "staffing.availability",
            "valid number",
            id="string-for-number",
        ),
        pytest.param(
            "mmc",
            ("include: [QN01]", "include: [QN01, QN99]"),
            "units.include.1",
            "unknown unit code 'QN99'",
            id="unknown-unit",
        ),
        pytest.param(
            "mmc",
            ("{in_person: 1.0}", "{in_person: 0.5, online: 0.4}"),
            "procedures.desk.channels",
            "must sum to 1",
            id="channel-mix",
        ),
        pytest.param(
            "mmc",
            ("end: 2025-07-28", "end: 2025-06-28"),
            "horizon.end",
            "before start",
            id="horizon",
        ),
        pytest.param(
            "baseline",
            ('same_day_cutoff: "15:00"', 'same_day_cutoff: "11:45"'),
            "calendar.same_day_cutoff",
            "within office hours",
            id="cutoff",
        ),
        pytest.param(
            "baseline",
            ("share: 0.34", "share: 0.30"),
            "procedures",
            "shares must sum to 1",
            id="shares",
        ),
    ],
)
def test_rules_are_reported_against_the_file(
    base: str,
    text_edit: tuple[str, str],
    path: str,
    fragment: str,
    baseline_path: Path,
    mmc_path: Path,
    tmp_scenario: Writer,
) -> None:
    # the shipped file with one textual edit, loaded through load_scenario
    source = {"baseline": baseline_path, "mmc": mmc_path}[base]
    text = source.read_text(encoding="utf-8")
    old, new = text_edit
    assert old in text, f"{old!r} not found in {source.name}"
    file = tmp_scenario(text.replace(old, new, 1), f"edited-{source.name}")
    check(load_error(file), file, path, fragment)


def test_field_path_keeps_a_procedure_id_that_equals_a_distribution_name(
    mmc_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    # the path of an error inside procedure "exponential" must still name the procedure
    mmc_raw["procedures"] = {"exponential": mmc_raw["procedures"]["desk"]}
    mmc_raw["procedures"]["exponential"]["incomplete_probability"] = 2
    file = tmp_scenario(mmc_raw)
    check(
        load_error(file),
        file,
        "procedures.exponential.incomplete_probability",
        "less than or equal to 1",
    )


def test_first_problem_is_reported_with_a_count_of_the_others(
    mmc_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    raw = apply_edits(mmc_raw, {"staffing.availability": 7, "run.reps": 0})
    file = tmp_scenario(raw)
    err = load_error(file)
    assert err.path in ("staffing.availability", "run.reps")
    assert err.message.endswith("(and 1 more problem)")


def test_scenario_from_dict_names_its_source(mmc_raw: dict[str, Any]) -> None:
    mmc_raw["staffing"]["availability"] = 1.5
    err = dict_error(mmc_raw, "what-if #3")
    check(err, "what-if #3", "staffing.availability", "less than or equal to 1")


def test_scenario_from_dict_reports_a_bad_date_string(baseline_raw: dict[str, Any]) -> None:
    baseline_raw["horizon"]["start"] = "2025-02-30"
    check(dict_error(baseline_raw), SOURCE, "horizon.start", "day value")


# ----------------------------------------------------------------------------- cross checks

D = dt.date
T = dt.datetime

CROSS_CASES = [
    # probability vectors
    (
        "baseline",
        {"procedures.copy_certification.share": 0.30},
        "procedures",
        "shares must sum to 1, they sum to 0.96",
        "shares-sum",
    ),
    (
        "baseline",
        {"procedures.copy_certification.channels": {"in_person": 0.5, "online": 0.4}},
        "procedures.copy_certification.channels",
        "channel shares must sum to 1, they sum to 0.9",
        "channel-mix-sum",
    ),
    (
        "mmc",
        {"procedures.desk.channels": {"in_person": 0.7, "online": 0.7}},
        "procedures.desk.channels",
        "channel shares must sum to 1, they sum to 1.4",
        "channel-mix-above-one",
    ),
    ("mmc", {"procedures": {}}, "procedures", "at least one procedure", "no-procedures"),
    # unknown unit codes
    (
        "baseline",
        {"staffing.units.QN99": {"reception": 3}},
        "staffing.units.QN99",
        "unknown unit code 'QN99'",
        "unknown-unit-staffing",
    ),
    (
        "baseline",
        {"demand.attraction.QN99": 2.0},
        "demand.attraction.QN99",
        "unknown unit code 'QN99'",
        "unknown-unit-attraction",
    ),
    (
        "baseline",
        {"network.link_mbps_by_unit": {"QN99": 100}},
        "network.link_mbps_by_unit.QN99",
        "unknown unit code 'QN99'",
        "unknown-unit-link",
    ),
    (
        "baseline",
        {"network.fallback_mbps_by_unit": {"QN99": 10}},
        "network.fallback_mbps_by_unit.QN99",
        "unknown unit code 'QN99'",
        "unknown-unit-fallback",
    ),
    (
        "baseline",
        {"demand.dossiers_per_working_day": {"QN99": 10}},
        "demand.dossiers_per_working_day.QN99",
        "unknown unit code 'QN99'",
        "unknown-unit-dossiers",
    ),
    (
        "baseline",
        {"agencies.land_registration.staff": {"QN99": 2}},
        "agencies.land_registration.staff.QN99",
        "unknown unit code 'QN99'",
        "unknown-unit-agency-staff",
    ),
    (
        "baseline",
        {
            "demand.surges": [
                {"start": D(2025, 7, 1), "end": D(2025, 7, 5), "factor": 2.0, "units": ["QN99"]}
            ]
        },
        "demand.surges.0.units.QN99",
        "unknown unit code 'QN99'",
        "unknown-unit-surge",
    ),
    (
        "baseline",
        {
            "network.outages.windows": [
                {"start": T(2025, 7, 2, 8), "end": T(2025, 7, 2, 9), "unit": "QN99"}
            ]
        },
        "network.outages.windows.0.unit.QN99",
        "unknown unit code 'QN99'",
        "unknown-unit-window",
    ),
    (
        "mmc",
        {"units.include": ["QN01", "QN99"]},
        "units.include.1",
        "unknown unit code 'QN99'",
        "unknown-unit-include",
    ),
    ("mmc", {"units.include": []}, "units.include", "no units selected", "empty-include"),
    # periods that end before they start
    (
        "baseline",
        {"horizon.end": D(2025, 6, 30)},
        "horizon.end",
        "end 2025-06-30 is before start 2025-07-01",
        "horizon-end-before-start",
    ),
    (
        "baseline",
        {"demand.surges": [{"start": D(2025, 7, 10), "end": D(2025, 7, 1), "factor": 2.0}]},
        "demand.surges.0.end",
        "ends before it starts",
        "surge-end-before-start",
    ),
    (
        "baseline",
        {"network.outages.windows": [{"start": T(2025, 7, 2, 10), "end": T(2025, 7, 2, 9)}]},
        "network.outages.windows.0.end",
        "ends before it starts",
        "window-end-before-start",
    ),
    (
        "baseline",
        {"network.degradations.0.end": T(2025, 6, 1)},
        "network.degradations.0.end",
        "ends before it starts",
        "degradation-end-before-start",
    ),
    (
        "baseline",
        {"network.outages.system.periods.0.end": D(2025, 6, 30)},
        "network.outages.system.periods.0.end",
        "ends before it starts",
        "outage-period-end-before-start",
    ),
    # calendar
    (
        "baseline",
        {"calendar.same_day_cutoff": "12:00"},
        "calendar.same_day_cutoff",
        "within office hours",
        "cutoff-in-lunch-break",
    ),
    (
        "baseline",
        {"calendar.same_day_cutoff": "18:00"},
        "calendar.same_day_cutoff",
        "within office hours",
        "cutoff-after-close",
    ),
    (
        "baseline",
        {"calendar.same_day_cutoff": "06:00"},
        "calendar.same_day_cutoff",
        "within office hours",
        "cutoff-before-opening",
    ),
    (
        "baseline",
        {"calendar.working_weekdays": [], "calendar.public_holidays": "none"},
        "calendar",
        "no working day in the horizon",
        "no-working-weekday",
    ),
    (
        "baseline",
        {"horizon.start": D(2025, 9, 1), "horizon.end": D(2025, 9, 2)},
        "calendar",
        "no working day in the horizon",
        "horizon-only-holidays",
    ),
    (
        "baseline",
        {"horizon.start": D(2025, 8, 30), "horizon.end": D(2025, 8, 31)},
        "calendar",
        "no working day in the horizon",
        "horizon-only-weekend",
    ),
    (
        "baseline",
        {
            "horizon.start": D(2025, 7, 7),
            "horizon.end": D(2025, 7, 8),
            "calendar.extra_holidays": [D(2025, 7, 7), D(2025, 7, 8)],
        },
        "calendar",
        "no working day in the horizon",
        "horizon-only-extra-holidays",
    ),
    (
        "mmc",
        {"calendar.always_open": False, "calendar.working_weekdays": []},
        "calendar",
        "no working day in the horizon",
        "not-always-open-no-weekday",
    ),
    # procedures, agencies and roles
    (
        "baseline",
        {"procedures.vertical_services.agency": "police"},
        "procedures.vertical_services.agency",
        "unknown agency 'police'",
        "unknown-agency",
    ),
    (
        "baseline",
        {"procedures.vertical_services.agency": DELETE},
        "procedures.vertical_services.agency",
        "needs an agency",
        "agency-procedure-without-agency",
    ),
    (
        "baseline",
        {"procedures.vertical_services.processing_minutes": DELETE},
        "procedures.vertical_services.processing_minutes",
        "needs processing",
        "agency-procedure-without-processing",
    ),
    (
        "baseline",
        {"procedures.social_allowance.role": DELETE},
        "procedures.social_allowance.role",
        "needs a role",
        "processing-without-role",
    ),
    (
        "mmc",
        {"procedures.desk.processing_minutes": {"dist": "exponential", "mean": 3.0}},
        "procedures.desk.role",
        "needs a role",
        "processing-without-role-mmc",
    ),
    (
        "baseline",
        {"procedures.other_commune.role": "reception"},
        "procedures.other_commune.role",
        "not specialist roles",
        "reception-as-specialist",
    ),
    (
        "baseline",
        {"staffing.by_unit_type.xã.janitor": 2},
        "staffing.by_unit_type.xã.janitor",
        "unknown role 'janitor'",
        "unknown-role-by-type",
    ),
    (
        "baseline",
        {"staffing.units.QN21.janitor": 2},
        "staffing.units.QN21.janitor",
        "unknown role 'janitor'",
        "unknown-role-unit",
    ),
    (
        "baseline",
        {"staffing.multiplier": {"janitor": 2.0}},
        "staffing.multiplier.janitor",
        "unknown role 'janitor'",
        "unknown-role-multiplier",
    ),
    (
        "baseline",
        {"staffing.multiplier_by_unit_type": {"xã": {"janitor": 2.0}}},
        "staffing.multiplier_by_unit_type.xã.janitor",
        "unknown role 'janitor'",
        "unknown-role-multiplier-by-type",
    ),
    (
        "mmc",
        {"staffing.by_unit_type.phường.justice": 2},
        "staffing.by_unit_type.phường.justice",
        "unknown role 'justice'",
        "role-no-procedure-needs",
    ),
    (
        "mmc",
        {"staffing.units": {"QN01": {"reception": 0}}},
        "staffing.units.QN01.reception",
        "unit QN01 has no reception officer",
        "unit-override-zero-staff",
    ),
    (
        "mmc",
        {"staffing.by_unit_type.phường.reception": 0},
        "staffing.by_unit_type.phường.reception",
        "unit QN01 has no reception officer",
        "by-type-zero-staff",
    ),
    (
        "baseline",
        {
            "staffing.by_unit_type.phường.leader": DELETE,
            "staffing.by_unit_type.xã.leader": DELETE,
            "staffing.by_unit_type.đặc khu.leader": DELETE,
        },
        "staffing.by_unit_type.phường.leader",
        "has no leader officer",
        "approval-without-leader",
    ),
    (
        "baseline",
        {"network.degradations.0.procedures": ["foo"]},
        "network.degradations.0.procedures",
        "unknown procedure 'foo'",
        "degradation-unknown-procedure",
    ),
    (
        "baseline",
        {"demand.share_multipliers_by_unit_type.xã.foo": 1.0},
        "demand.share_multipliers_by_unit_type.xã.foo",
        "unknown procedure",
        "share-multiplier-unknown-procedure",
    ),
]


@pytest.mark.parametrize(
    ("base", "edits", "path", "fragment"),
    [pytest.param(*case[:4], id=case[4]) for case in [*SCHEMA_CASES, *CROSS_CASES]],
)
def test_validation_rule(
    base: str,
    edits: dict[str, Any],
    path: str,
    fragment: str,
    baseline_raw: dict[str, Any],
    mmc_raw: dict[str, Any],
) -> None:
    raw = {"baseline": baseline_raw, "mmc": mmc_raw}[base]
    check(dict_error(apply_edits(raw, edits)), SOURCE, path, fragment)


def test_procedure_ids_must_be_identifiers(baseline_raw: dict[str, Any]) -> None:
    baseline_raw["procedures"]["other-commune"] = baseline_raw["procedures"].pop("other_commune")
    check(dict_error(baseline_raw), SOURCE, "procedures.other-commune", "must be identifiers")


def test_settings_for_units_not_simulated_are_ignored(baseline_raw: dict[str, Any]) -> None:
    # the baseline sets attraction and staffing for QN21; a scenario simulating other units
    # (e.g. one that extends the baseline and cannot delete inherited keys) still validates
    baseline_raw["units"] = {"include": ["QN01", "QN02"]}
    scn = scenario_from_dict(baseline_raw, SOURCE)
    assert scn.unit_codes() == ["QN01", "QN02"]
    assert "QN21" in scn.staffing.units
    # unknown codes are still errors
    baseline_raw["staffing"]["units"]["QN99"] = {"reception": 2}
    check(dict_error(baseline_raw), SOURCE, "staffing.units.QN99", "unknown unit code 'QN99'")


def test_staff_becoming_zero_after_a_multiplier_is_rejected(
    baseline_raw: dict[str, Any],
) -> None:
    baseline_raw["staffing"]["multiplier"] = {"reception": 0}
    err = dict_error(baseline_raw)
    assert "has no reception officer after multipliers" in err.message
    assert re.search(r"unit QN\d\d ", err.message)
    # every one of the 54 units loses its desk; the others are counted
    assert err.message.endswith("(and 53 more problems)")
    assert str(err).startswith(f"{SOURCE}: staffing.")


@pytest.mark.parametrize(
    ("edits", "path"),
    [
        pytest.param(
            {"staffing.multiplier": {"reception": 0}},
            "staffing.multiplier.reception",
            id="multiplier",
        ),
        pytest.param(
            {"staffing.multiplier_by_unit_type": {"phường": {"reception": 0.1}}},
            "staffing.multiplier_by_unit_type.phường.reception",
            id="multiplier-by-unit-type",
        ),
    ],
)
def test_staff_zeroed_by_a_multiplier_is_reported_at_the_multiplier(
    edits: dict[str, Any], path: str, mmc_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    # QN01 has 3 reception officers in staffing.by_unit_type; the multiplier is what removes
    # them, so the error must point at the multiplier the user wrote, not at the base count
    file = broken_file(tmp_scenario, mmc_raw, edits)
    check(load_error(file), file, path, "unit QN01 has no reception officer")


def test_always_open_calendar_needs_no_weekday_and_ignores_the_cutoff(
    mmc_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    raw = apply_edits(
        mmc_raw, {"calendar.working_weekdays": [], "calendar.same_day_cutoff": "03:00"}
    )
    scn = load_scenario(tmp_scenario(raw))
    assert scn.calendar.always_open
    assert scn.calendar.session_minutes() == [(0, 1440)]


def test_touching_sessions_and_cutoff_at_closing_are_valid(
    baseline_raw: dict[str, Any],
) -> None:
    raw = apply_edits(
        baseline_raw,
        {
            "calendar.office_hours": [["07:00", "12:00"], ["12:00", "16:00"]],
            "calendar.same_day_cutoff": "16:00",
        },
    )
    scn = scenario_from_dict(raw, SOURCE)
    assert scn.calendar.session_minutes() == [(420, 720), (720, 960)]


# ----------------------------------------------------------------------------- extends


def test_extends_cycle(tmp_scenario: Writer) -> None:
    a = tmp_scenario("extends: b.yaml\nname: a\n", "a.yaml")
    tmp_scenario("extends: a.yaml\nname: b\n", "b.yaml")
    err = load_error(a)
    check(err, a, "extends", "cycle of extends")
    assert "a.yaml -> b.yaml -> a.yaml" in err.message


def test_extends_self_and_longer_cycles(tmp_scenario: Writer) -> None:
    me = tmp_scenario("extends: me.yaml\nname: me\n", "me.yaml")
    check(load_error(me), me, "extends", "cycle of extends")
    x = tmp_scenario("extends: sub/y.yaml\nname: x\n", "x.yaml")
    tmp_scenario("extends: ../z.yaml\nname: y\n", "sub/y.yaml")
    tmp_scenario("extends: ./x.yaml\nname: z\n", "z.yaml")
    err = load_error(x)
    assert err.path == "extends"
    assert "x.yaml -> y.yaml -> z.yaml -> x.yaml" in err.message
    # the file is named (possibly through the relative path that closed the cycle)
    assert Path(err.source).resolve() == x.resolve()
    assert str(err).startswith(f"{err.source}: extends: cycle of extends")


def test_extends_missing_parent(tmp_scenario: Writer) -> None:
    child = tmp_scenario("extends: ghost.yaml\nname: orphan\n", "orphan.yaml")
    check(load_error(child), child, "extends", "parent file 'ghost.yaml' not found")


def test_extends_must_be_a_file_name(tmp_scenario: Writer) -> None:
    child = tmp_scenario("extends: [a.yaml, b.yaml]\nname: x\n", "x.yaml")
    check(load_error(child), child, "extends", "must be a file name")


def test_extends_syntax_error_in_parent_names_the_parent(tmp_scenario: Writer) -> None:
    parent = tmp_scenario("name: [\n", "base/parent.yaml")
    child = tmp_scenario("extends: ../base/parent.yaml\n", "child/child.yaml")
    err = load_error(child)
    assert Path(err.source).resolve() == parent.resolve()
    assert err.path.startswith("line ")
    assert "YAML syntax error" in err.message


def test_extends_deep_merge(
    baseline_path: Path, baseline_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    parent = tmp_scenario(baseline_raw, "parent/baseline.yaml")
    child_text = """\
extends: ../parent/baseline.yaml
name: child
staffing:
  availability: 0.8
  by_unit_type:
    xã: {reception: 9}
calendar:
  working_weekdays: [mon, tue, wed, thu, fri, sat]
network:
  degradations: []
procedures:
  copy_certification:
    channels: {in_person: 1.0, online: 0.0}
"""
    child = load_scenario(tmp_scenario(child_text, "child/child.yaml"))
    base = load_scenario(baseline_path)
    # scalars replace
    assert child.name == "child"
    assert child.staffing.availability == pytest.approx(0.8)
    # mappings merge key by key, at every depth
    assert child.staffing.by_unit_type["xã"]["reception"] == 9
    for role, n in base.staffing.by_unit_type["xã"].items():
        if role != "reception":
            assert child.staffing.by_unit_type["xã"][role] == n
    assert child.staffing.by_unit_type["phường"] == base.staffing.by_unit_type["phường"]
    assert child.staffing.units == base.staffing.units
    assert child.horizon == base.horizon
    assert child.procedures["copy_certification"].channels.in_person == 1.0
    assert child.procedures["copy_certification"].channels.online == 0.0
    # ... but post is inherited from the parent, and the rest of the procedure too
    assert (
        child.procedures["copy_certification"].share == base.procedures["copy_certification"].share
    )
    assert (
        child.procedures["copy_certification"].reception_minutes
        == base.procedures["copy_certification"].reception_minutes
    )
    assert set(child.procedures) == set(base.procedures)
    # lists replace, they are not appended to or merged item by item
    assert child.calendar.working_weekdays == ["mon", "tue", "wed", "thu", "fri", "sat"]
    assert child.network.degradations == []
    assert len(base.network.degradations) >= 1
    # the parent file is untouched by loading the child
    assert load_scenario(parent) == base


def test_extends_chain_resolves_paths_relative_to_each_file(
    mmc_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    tmp_scenario(mmc_raw, "base/grand.yaml")
    tmp_scenario("extends: grand.yaml\nname: parent\nrun: {reps: 3}\n", "base/parent.yaml")
    child = tmp_scenario(
        "extends: ../base/parent.yaml\nname: child\nrun: {seed: 7}\n", "child/c.yaml"
    )
    scn = load_scenario(child)
    assert scn.name == "child"
    assert scn.run.reps == 3
    assert scn.run.seed == 7
    assert scn.description == mmc_raw["description"]
    assert scn.procedures["desk"].reception_minutes.expected_value() == pytest.approx(3.0)


def test_extends_absolute_parent(mmc_raw: dict[str, Any], tmp_scenario: Writer) -> None:
    parent = tmp_scenario(mmc_raw, "elsewhere/p.yaml")
    child = tmp_scenario(f"extends: {parent.resolve()}\nname: abs\n", "c.yaml")
    assert load_scenario(child).name == "abs"


def test_error_in_merged_scenario_names_the_child(
    mmc_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    tmp_scenario(mmc_raw, "p.yaml")
    child = tmp_scenario("extends: p.yaml\nstaffing: {availability: 2}\n", "c.yaml")
    check(load_error(child), child, "staffing.availability", "less than or equal to 1")


def test_extends_key_is_not_kept_in_the_scenario(
    mmc_raw: dict[str, Any], tmp_scenario: Writer
) -> None:
    tmp_scenario(mmc_raw, "p.yaml")
    scn = load_scenario(tmp_scenario("extends: p.yaml\nname: c\n", "c.yaml"))
    assert "extends" not in scn.to_dict()


# ----------------------------------------------------------------------------- --set overrides


def test_override_scalar(baseline_path: Path) -> None:
    scn = load_scenario(baseline_path, ["staffing.availability=0.61", "run.reps=2"])
    assert scn.staffing.availability == pytest.approx(0.61)
    assert scn.run.reps == 2
    assert load_scenario(baseline_path).staffing.availability != pytest.approx(0.61)


def test_later_override_wins(baseline_path: Path) -> None:
    assert load_scenario(baseline_path, ["run.reps=2", "run.reps=3"]).run.reps == 3


def test_override_value_is_yaml(baseline_path: Path) -> None:
    scn = load_scenario(
        baseline_path,
        [
            "calendar.working_weekdays=[mon, tue, wed]",
            "description=a=b",
            "staffing.by_unit_type.xã.reception=7",
        ],
    )
    assert scn.calendar.working_weekdays == ["mon", "tue", "wed"]
    assert scn.description == "a=b"
    assert scn.staffing.by_unit_type["xã"]["reception"] == 7
    assert scn.staffing.by_unit_type["xã"]["justice"] == 2


def test_override_creates_missing_mappings(baseline_path: Path) -> None:
    scn = load_scenario(
        baseline_path,
        [
            "staffing.multiplier.justice=2",
            "calibration.parameter=staffing.availability",
            "calibration.bounds=[0.5, 1.0]",
        ],
    )
    assert scn.staffing.multiplier == {"justice": 2.0}
    assert scn.calibration is not None
    assert scn.calibration.bounds == (0.5, 1.0)


def test_override_list_index(baseline_path: Path) -> None:
    scn = load_scenario(
        baseline_path,
        ["network.degradations.0.response_factor=2.5", "calendar.working_weekdays.4=sat"],
    )
    assert scn.network.degradations[0].response_factor == pytest.approx(2.5)
    assert scn.calendar.working_weekdays == ["mon", "tue", "wed", "thu", "sat"]


def test_override_time_of_day(baseline_path: Path) -> None:
    # an unquoted HH:MM on the command line must stay a time, not YAML 1.1 base-60 (840)
    scn = load_scenario(baseline_path, ["calendar.same_day_cutoff=14:00"])
    assert scn.calendar.same_day_cutoff == "14:00"


def test_override_quoted_time_of_day(baseline_path: Path) -> None:
    scn = load_scenario(baseline_path, ['calendar.same_day_cutoff="14:00"'])
    assert scn.calendar.same_day_cutoff == "14:00"


@pytest.mark.parametrize(
    ("override", "path", "fragment"),
    [
        pytest.param(
            "staffing.availabilty=0.9",
            "staffing.availabilty",
            "unknown field",
            id="unknown-nested-key",
        ),
        pytest.param("foo.bar=1", "foo", "unknown field", id="unknown-top-level-key"),
        pytest.param(
            "network.degradations.0.foo=1",
            "network.degradations.0.foo",
            "unknown field",
            id="unknown-key-in-list-item",
        ),
        pytest.param(
            "staffing.availability=1.5",
            "staffing.availability",
            "less than or equal to 1",
            id="out-of-range",
        ),
        pytest.param("staffing.availability=.nan", "staffing.availability", "finite", id="nan"),
        pytest.param(
            "procedures.copy_certification.share=0.5",
            "procedures",
            "shares must sum to 1",
            id="cross-check",
        ),
    ],
)
def test_override_is_validated_like_the_file(
    baseline_path: Path, override: str, path: str, fragment: str
) -> None:
    err = load_error(baseline_path, [override])
    assert err.path == path, err.path
    assert fragment in err.message
    assert str(baseline_path) in err.source
    assert "--set" in err.source
    assert str(err).startswith(f"{baseline_path}")


@pytest.mark.parametrize(
    ("override", "path", "fragment"),
    [
        pytest.param(
            "network.degradations.5.response_factor=2",
            "network.degradations.5",
            "no such list item",
            id="index-out-of-range",
        ),
        pytest.param(
            "network.degradations.x.response_factor=2",
            "network.degradations.x",
            "no such list item",
            id="index-not-a-number",
        ),
        pytest.param(
            "calendar.working_weekdays.9=sat",
            "calendar.working_weekdays.9",
            "no such list item",
            id="last-index-out-of-range",
        ),
        pytest.param(
            "staffing.availability.x=1",
            "staffing.availability",
            "is not a mapping",
            id="through-a-number",
        ),
        pytest.param("name.first=x", "name", "is not a mapping", id="through-a-string"),
    ],
)
def test_override_path_errors(baseline_path: Path, override: str, path: str, fragment: str) -> None:
    err = load_error(baseline_path, [override])
    assert err.path == path, err.path
    assert fragment in err.message
    assert str(baseline_path) in str(err)


@pytest.mark.parametrize(
    ("override", "path", "fragment"),
    [
        pytest.param(
            "staffing.availability",
            "staffing.availability",
            "must look like path.to.field=value",
            id="no-equals",
        ),
        pytest.param("=3", "=3", "empty field name", id="empty-path"),
        pytest.param(
            "staffing..availability=3",
            "staffing..availability",
            "empty field name",
            id="empty-part",
        ),
        pytest.param(
            "staffing.availability=[",
            "staffing.availability",
            "cannot parse value",
            id="bad-yaml-value",
        ),
    ],
)
def test_malformed_override(baseline_path: Path, override: str, path: str, fragment: str) -> None:
    err = load_error(baseline_path, [override])
    assert err.path == path, err.path
    assert fragment in err.message
    assert "--set" in str(err)


def test_override_impossible_date_is_a_scenario_error(baseline_path: Path) -> None:
    # YAML parses 2025-09-31 as a timestamp and raises a bare ValueError; it must still be a
    # ScenarioError naming the field
    err = load_error(baseline_path, ["horizon.end=2025-09-31"])
    assert err.path == "horizon.end"
    assert "day" in err.message


# ----------------------------------------------------------------------------- with_changes, frozen


def test_with_changes_returns_a_new_validated_scenario(baseline_scn: Scenario) -> None:
    scn = baseline_scn
    before = scn.to_dict()
    new = scn.with_changes(
        {
            "staffing.availability": 0.8,
            "staffing.by_unit_type.xã.reception": 6,
            "network.degradations.0.response_factor": 3.0,
        }
    )
    assert isinstance(new, Scenario)
    assert new is not scn
    assert new.staffing.availability == pytest.approx(0.8)
    assert new.staffing.by_unit_type["xã"]["reception"] == 6
    assert new.network.degradations[0].response_factor == pytest.approx(3.0)
    assert staff_count(new, "QN31", "xã", "reception") == 6
    # the original is unchanged
    assert scn.to_dict() == before
    assert scn.staffing.availability == before["staffing"]["availability"]
    assert (
        scn.staffing.by_unit_type["xã"]["reception"]
        == before["staffing"]["by_unit_type"]["xã"]["reception"]
    )
    assert (
        scn.network.degradations[0].response_factor
        == before["network"]["degradations"][0]["response_factor"]
    )


def test_with_no_changes_is_equal(baseline_scn: Scenario, mmc_path: Path) -> None:
    for scn in (baseline_scn, load_scenario(mmc_path)):
        same = scn.with_changes({})
        assert same == scn
        assert same.to_dict() == scn.to_dict()


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        pytest.param(
            {"staffing.availability": 2},
            "staffing.availability",
            "less than or equal to 1",
            id="out-of-range",
        ),
        pytest.param(
            {"staffing.availabilty": 0.5}, "staffing.availabilty", "unknown field", id="unknown-key"
        ),
        pytest.param(
            {"procedures.copy_certification.share": 0.5},
            "procedures",
            "shares must sum to 1",
            id="cross-check",
        ),
        pytest.param(
            {"calendar.same_day_cutoff": "12:00"},
            "calendar.same_day_cutoff",
            "within office hours",
            id="cutoff",
        ),
    ],
)
def test_with_changes_validates(
    baseline_scn: Scenario, changes: dict[str, Any], path: str, fragment: str
) -> None:
    scn = baseline_scn
    before = scn.to_dict()
    with pytest.raises(ScenarioError) as info:
        scn.with_changes(changes, source="sweep point 7")
    check(info.value, "sweep point 7", path, fragment)
    assert scn.to_dict() == before


def test_scenario_attributes_are_frozen(mmc_path: Path) -> None:
    scn = load_scenario(mmc_path)
    with pytest.raises((TypeError, ValueError, AttributeError)):
        scn.name = "other"  # type: ignore[misc]
    with pytest.raises((TypeError, ValueError, AttributeError)):
        scn.staffing.availability = 0.5  # type: ignore[misc]
    with pytest.raises((TypeError, ValueError, AttributeError)):
        scn.calendar.always_open = False  # type: ignore[misc]
    assert scn.name == "mmc"
    assert scn.staffing.availability == 1.0
    assert scn.calendar.always_open is True


def test_staff_count_overrides_and_rounding(baseline_scn: Scenario) -> None:
    scn = baseline_scn
    assert staff_count(scn, "QN21", "phường", "reception") == 12  # unit override
    assert staff_count(scn, "QN21", "phường", "justice") == scn.staffing.units["QN21"]["justice"]
    assert staff_count(scn, "QN21", "phường", "economy") == 2  # falls back to the type
    assert staff_count(scn, "QN01", "phường", "reception") == 5
    assert staff_count(scn, "QN31", "xã", "reception") == 4
    assert staff_count(scn, "QN01", "phường", "no_such_role") == 0
    half = scn.with_changes({"staffing.multiplier": {"all": 0.5}})
    # round half up: 5 * 0.5 = 2.5 -> 3, 3 * 0.5 = 1.5 -> 2, 2 * 0.5 = 1, 12 * 0.5 = 6
    assert staff_count(half, "QN01", "phường", "reception") == 3
    assert staff_count(half, "QN01", "phường", "justice") == 2
    assert staff_count(half, "QN01", "phường", "economy") == 1
    assert staff_count(half, "QN21", "phường", "reception") == 6


def test_staff_count_multipliers_compose(baseline_scn: Scenario) -> None:
    scn = baseline_scn.with_changes(
        {
            "staffing.multiplier": {"all": 2.0, "justice": 1.5},
            "staffing.multiplier_by_unit_type": {"xã": {"all": 0.5, "justice": 2.0}},
        }
    )
    # phường justice: 3 * 2 * 1.5 = 9; xã justice: 2 * 2 * 1.5 * 0.5 * 2 = 6
    assert staff_count(scn, "QN01", "phường", "justice") == 9
    assert staff_count(scn, "QN31", "xã", "justice") == 6
    # xã reception: 4 * 2 * 0.5 = 4; phường reception 5 * 2 = 10
    assert staff_count(scn, "QN31", "xã", "reception") == 4
    assert staff_count(scn, "QN01", "phường", "reception") == 10
