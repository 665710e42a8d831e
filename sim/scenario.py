"""Scenarios: frozen, validated descriptions of one what-if.

A scenario is a YAML file validated into :class:`Scenario` (pydantic v2, unknown keys
rejected, fields cannot be reassigned; nested lists and mappings are to be treated as
read-only: derive variants with :meth:`Scenario.with_changes`, which validates them).
``extends: other.yaml`` inherits a parent scenario and deep-merges the child over it
(mappings merge key by key; lists and scalars replace).
Dotted overrides (``--set staffing.availability=0.9``) are applied to the merged mapping
before validation, so they are checked exactly like the file.

Every problem is reported as a :class:`ScenarioError` naming the file and the field path;
the command line turns it into one line on stderr and exit code 2.

Units of measure are in the field names: ``*_minutes`` are officer minutes, ``*_days``
calendar days, ``*_working_days`` / ``*_working_hours`` count office time only, ``*_mbps``
megabits per second, ``*_hours`` wall-clock hours.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import math
import re
import reprlib
import types
import typing
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NaiveDatetime,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.distributions import Distribution, Exponential
from sim.units import UNIT_TYPES, load_units

# ----------------------------------------------------------------------------- errors


class ScenarioError(Exception):
    """A scenario (or sweep) file that cannot be used, with the field that is wrong."""

    def __init__(self, source: str, path: str, message: str) -> None:
        self.source = source
        self.path = path
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str, str, str]]:
        return (ScenarioError, (self.source, self.path, self.message))


# ----------------------------------------------------------------------------- types

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
UnitType = Literal["phường", "xã", "đặc khu"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Channel = Literal["in_person", "online", "post"]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS: tuple[str, ...] = ("in_person", "online", "post")
SUM_TOLERANCE = 1e-6
MAX_HORIZON_DAYS = 1830
"""Longest horizon (about five years): the calendar and per-dossier arrays are built up front."""
MAX_DOSSIERS_PER_REP = 10_000_000
"""Most dossiers one replication may be expected to hold in memory (the baseline has ~0.33M)."""
MAX_OUTAGES = 1_000_000
"""Most random failures (system and links) one replication may be expected to draw."""
MAX_YAML_NODES = 1_000_000
MAX_MULTIPLIER = 10.0
"""Largest staff multiplier (``staffing.multiplier``, ``staffing.multiplier_by_unit_type``,
``agencies.*.multiplier``) and weekday demand factor: ten times the staff or demand of the
scenario is already far outside any plan, and a larger number is almost surely a percent
typed for a fraction (85 for 0.85)."""
Multiplier = Annotated[float, Field(ge=0.0, le=MAX_MULTIPLIER)]
MAX_YAML_DEPTH = 64


def _admits(annotation: Any, kinds: tuple[type, ...]) -> bool:
    """Whether a field annotation mentions one of ``kinds`` (through unions, Annotated, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, kinds):
        return True
    return any(_admits(a, kinds) for a in typing.get_args(annotation))


def _bool_at(value: Any) -> str | None:
    """Dotted path of the first true/false inside ``value`` ('' for value itself), or None."""
    if isinstance(value, bool):
        return ""
    items: Iterable[tuple[Any, Any]] = ()
    if isinstance(value, Mapping):
        for k in value:
            if isinstance(k, bool):
                return str(k)
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    for k, v in items:
        sub = _bool_at(v)
        if sub is not None:
            return f"{k}.{sub}" if sub else str(k)
    return None


class Model(BaseModel):
    """Base of every scenario section: frozen, strict about unknown keys, no NaN/inf, no
    true/false (YAML also reads yes/no/on/off so) where a number or a text is expected, and
    no bare numbers where a date is expected."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, v: Any, info: ValidationInfo) -> Any:
        if info.field_name is None:
            return v
        ann = cls.model_fields[info.field_name].annotation
        items = v if isinstance(v, list) else [v]
        if _admits(ann, (dt.date,)) and any(
            isinstance(x, int | float) and not isinstance(x, bool) for x in items
        ):
            # pydantic would read a number as seconds since 1970
            raise ValueError(f"dates are written YYYY-MM-DD (got {v!r})")
        where = _bool_at(v)
        if where is None:
            return v
        if _admits(ann, (bool, BaseModel)):
            return v  # a flag, or a nested section that checks its own fields
        at = f" at {where}" if where else ""
        raise ValueError(f"true/false (or yes/no, on/off){at} where a value is expected")


def parse_clock(text: str) -> int:
    """'07:30' -> 450 minutes after midnight ('24:00' allowed as an end)."""
    try:
        hh, mm = text.split(":")
        h, m = int(hh), int(mm)
    except (ValueError, AttributeError):
        raise ValueError(f"time must look like HH:MM, got {text!r}") from None
    if not (0 <= m < 60 and (0 <= h < 24 or (h == 24 and m == 0))):
        raise ValueError(f"not a time of day: {text!r}")
    return h * 60 + m


# ----------------------------------------------------------------------------- sections


class Horizon(Model):
    """Simulated period, both dates inclusive (arrivals from 00:00 on start to 24:00 on end)."""

    start: dt.date
    end: dt.date

    @field_validator("end")
    @classmethod
    def _after_start(cls, v: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and v < start:
            raise ValueError(f"end {v} is before start {start}")
        if start is not None and (v - start).days + 1 > MAX_HORIZON_DAYS:
            raise ValueError(
                f"horizon of {(v - start).days + 1} days is longer than the "
                f"{MAX_HORIZON_DAYS} days a run may cover"
            )
        return v

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class Calendar(Model):
    """Working calendar shared by every unit (office days, hours, holidays)."""

    office_hours: list[tuple[str, str]] = [("07:30", "11:30"), ("13:30", "17:00")]
    working_weekdays: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    public_holidays: Literal["vn", "none"] = "vn"
    extra_holidays: list[dt.date] = []
    makeup_working_days: list[dt.date] = []
    same_day_cutoff: str = "15:00"
    always_open: bool = False

    @field_validator("office_hours")
    @classmethod
    def _sessions(cls, v: list[tuple[str, str]]) -> list[tuple[str, str]]:
        if not v:
            raise ValueError("at least one office session is needed")
        last = -1
        for a, b in v:
            sa, sb = parse_clock(a), parse_clock(b)
            if sb <= sa:
                raise ValueError(f"session {a}-{b} ends before it starts")
            if sa < last:
                raise ValueError(f"session {a}-{b} overlaps or precedes the previous one")
            last = sb
        return v

    @field_validator("same_day_cutoff")
    @classmethod
    def _cutoff(cls, v: str) -> str:
        parse_clock(v)
        return v

    def session_minutes(self) -> list[tuple[int, int]]:
        """Office sessions as (start, end) minutes after midnight; 24 h if always open."""
        if self.always_open:
            return [(0, 1440)]
        return [(parse_clock(a), parse_clock(b)) for a, b in self.office_hours]


class Surge(Model):
    """Demand multiplied by ``factor`` on the days from start to end (inclusive)."""

    start: dt.date
    end: dt.date
    factor: NonNegative
    units: list[str] | None = None


class Demand(Model):
    """Arrival streams: non-homogeneous Poisson per home unit and channel."""

    per_1000_residents_per_working_day: NonNegative = 3.5
    dossiers_per_working_day: dict[str, NonNegative] = {}
    phi_dia_gioi_share: Probability = 0.2
    centre_attraction: NonNegative = 4.0
    attraction: dict[str, NonNegative] = {}
    weekday_factors: dict[Weekday, Multiplier] = {}
    non_working_day_online_factor: NonNegative = 0.3
    in_person_hour_factors: dict[Annotated[int, Field(ge=0, le=23)], NonNegative] = {}
    online_hour_factors: dict[Annotated[int, Field(ge=0, le=23)], NonNegative] = {}
    share_multipliers_by_unit_type: dict[UnitType, dict[str, NonNegative]] = {}
    share_multipliers_by_unit: dict[str, dict[str, NonNegative]] = {}
    online_shift: Probability = 0.0
    surges: list[Surge] = []


class StageInteractions(Model):
    """Number of system interactions (uploads, look-ups, signatures) of each step."""

    reception: Annotated[int, Field(ge=0, le=1000)] = 0
    transfer: Annotated[int, Field(ge=0, le=1000)] = 0
    processing: Annotated[int, Field(ge=0, le=1000)] = 0
    approval: Annotated[int, Field(ge=0, le=1000)] = 0


class ChannelMix(Model):
    in_person: Probability = 0.0
    online: Probability = 0.0
    post: Probability = 0.0


class Procedure(Model):
    """One administrative procedure (or a group of similar ones)."""

    name_vi: str = ""
    share: Probability
    deadline_working_days: Annotated[int, Field(ge=0, le=365)]
    handled_by: Literal["receiving_unit", "home_unit", "agency"] = "home_unit"
    role: str | None = None
    agency: str | None = None
    channels: ChannelMix
    incomplete_probability: Probability = 0.0
    reception_minutes: Distribution
    processing_minutes: Distribution | None = None
    approval_minutes: Distribution | None = None
    system_interactions: StageInteractions = StageInteractions()


class Staffing(Model):
    """Officers per unit and role; staff = round(base x multipliers), half up."""

    by_unit_type: dict[UnitType, dict[str, Annotated[int, Field(ge=0, le=10000)]]]
    units: dict[str, dict[str, Annotated[int, Field(ge=0, le=10000)]]] = {}
    multiplier: dict[str, Multiplier] = {}
    multiplier_by_unit_type: dict[UnitType, dict[str, Multiplier]] = {}
    availability: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    # factor on availability by pool kind (reception, leader, signing, a specialist role or an
    # agency id), so the one calibrated number stays the lever; others: factor 1
    availability_factor_by_role: dict[str, Annotated[float, Field(gt=0.0, le=10.0)]] = {}
    min_on_duty: Annotated[int, Field(ge=0, le=100)] = 1


class Agency(Model):
    """A second-tier (provincial or vertical) agency with desks serving several units."""

    name_vi: str = ""
    serves: Literal["former_district", "province"] = "former_district"
    staff_per_10k_residents: NonNegative = 0.0
    min_staff: Annotated[int, Field(ge=0, le=10000)] = 1
    staff: dict[str, Annotated[int, Field(ge=0, le=10000)]] = {}
    multiplier: Multiplier = 1.0


class Reception(Model):
    """The one-stop desk: queue discipline and the online receive-within rule."""

    discipline: Literal["in_person_first", "fifo"] = "in_person_first"
    online_receive_within_working_hours: Positive = 8.0
    online_clock_start: Literal["reception", "earlier_of_reception_and_limit"] = (
        "earlier_of_reception_and_limit"
    )
    # while the system is down, in-person dossiers either wait at the desk ("wait") or are
    # received on paper and entered later ("paper": the statutory clock starts)
    in_person_when_system_down: Literal["wait", "paper"] = "wait"


class Supplements(Model):
    """Incomplete dossiers: the applicant supplements them after a delay."""

    clock_rule: Literal["restart", "pause", "keep"] = "restart"
    return_delay_days: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=2.0)
    )
    recheck_factor: Annotated[float, Field(ge=0.0, le=10.0)] = 0.5


class OutagePeriod(Model):
    """Failure rate that applies between two dates (inclusive), e.g. an unstable start."""

    start: dt.date
    end: dt.date
    mtbf_hours: Positive


class OutageProcess(Model):
    """Random failures: up times exponential with mean ``mtbf_hours`` (wall clock)."""

    mtbf_hours: Positive | None = None
    repair_hours: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=2.0)
    )
    periods: list[OutagePeriod] = []


class OutageWindow(Model):
    """A scheduled outage; ``unit`` None means the whole provincial system."""

    start: NaiveDatetime
    end: NaiveDatetime
    unit: str | None = None


class Degradation(Model):
    """A period in which the system responds ``response_factor`` times slower."""

    start: NaiveDatetime
    end: NaiveDatetime
    response_factor: Annotated[float, Field(ge=1.0, le=1e4)]
    procedures: list[str] | None = None


class Outages(Model):
    system: OutageProcess = OutageProcess()
    links: OutageProcess = OutageProcess()
    link_mtbf_hours_by_unit: dict[str, Positive] = {}
    windows: list[OutageWindow] = []


class Network(Model):
    """Links of the units, the provincial system, and their failures."""

    link_mbps: Positive = 200.0
    link_mbps_by_unit_type: dict[UnitType, Positive] = {}
    link_mbps_by_unit: dict[str, Positive] = {}
    fallback_mbps: Positive | None = None
    fallback_mbps_by_unit: dict[str, Positive] = {}
    background_mbps: NonNegative = 10.0
    mbps_per_active_officer: NonNegative = 2.0
    mb_per_interaction: NonNegative = 1.5
    system_response_seconds: NonNegative = 1.5
    system_capacity_sessions: Positive = 2000.0
    max_utilisation: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.95
    degradations: list[Degradation] = []
    outages: Outages = Outages()


class Pooling(Model):
    """Whether online dossiers may be received by officers of other units."""

    online_reception: Literal["none", "former_district", "province"] = "none"


class UnitsSelection(Model):
    include: Literal["all"] | list[str] = "all"

    @field_validator("include", mode="before")
    @classmethod
    def _all_or_list(cls, v: Any) -> Any:
        if v == "all" or isinstance(v, list | tuple):
            return v
        raise ValueError(f"must be 'all' or a list of unit codes such as [QN01, QN21], got {v!r}")


class RunSettings(Model):
    reps: Annotated[int, Field(ge=1, le=100000)] = 5
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 20250701
    check_invariants: bool = True


class Prior(Model):
    """A bounded prior of one calibrated parameter (``calibration.priors``).

    ``uniform`` is flat on [low, high]; ``loguniform`` is flat in log(value) (needs low > 0).
    Integer fields (officer counts) take the proposed value rounded half to even.
    """

    dist: Literal["uniform", "loguniform"] = "uniform"
    low: float
    high: float
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"need low < high, got [{self.low}, {self.high}]")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError(f"a loguniform prior needs low > 0, got {self.low}")
        return self


class UncertainRange(Model):
    """A parameter marked as an assumption, with the range screening explores (``uncertain``)."""

    low: float
    high: float
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> UncertainRange:
        if not self.low < self.high:
            raise ValueError(f"need low < high, got [{self.low}, {self.high}]")
        return self


class TargetSpec(Model):
    """One calibration target: a registered metric (``sim.targets``), its reported value and
    tolerance. Give ``value`` with ``tolerance`` (symmetric half-width) or ``range`` [low,
    high] (``value`` then defaults to its midpoint); the ABC distance measures each target's
    deviation in units of its tolerance, so 1 means "at the edge of the reported range"."""

    value: float | None = None
    tolerance: Annotated[float, Field(gt=0.0)] | None = None
    range: tuple[float, float] | None = None
    reported: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _complete(self) -> TargetSpec:
        if self.range is not None:
            lo, hi = self.range
            if not lo < hi:
                raise ValueError(f"range needs low < high, got [{lo}, {hi}]")
            if self.value is not None and not lo <= self.value <= hi:
                raise ValueError(f"value {self.value} is outside its range [{lo}, {hi}]")
            if self.tolerance is not None:
                raise ValueError("give either tolerance or range, not both")
        elif self.value is None or self.tolerance is None:
            raise ValueError("a target needs value and tolerance, or range")
        return self

    @property
    def centre(self) -> float:
        """The value the distance is measured from."""
        if self.value is not None:
            return self.value
        assert self.range is not None
        return (self.range[0] + self.range[1]) / 2

    @property
    def bounds(self) -> tuple[float, float]:
        """The accepted range: value +/- tolerance, or the given range."""
        if self.range is not None:
            return self.range
        assert self.value is not None and self.tolerance is not None
        return (self.value - self.tolerance, self.value + self.tolerance)

    def scaled(self, x: float) -> float:
        """Deviation of ``x`` from :attr:`centre` in units of the tolerance on its side."""
        lo, hi = self.bounds
        c = self.centre
        if x >= c:
            return (x - c) / (hi - c) if hi > c else math.inf
        return (c - x) / (c - lo) if c > lo else math.inf


class AbcSettings(Model):
    """Budget of the ABC-SMC fit (``calibration.abc``)."""

    population: Annotated[int, Field(ge=2, le=100000)] = 100
    generations: Annotated[int, Field(ge=1, le=1000)] = 8
    min_epsilon: NonNegative = 0.0
    max_simulations: Annotated[int, Field(ge=1)] | None = None
    min_acceptance_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0


class CalibrationSpec(Model):
    """What ``tthc-sim calibrate`` fits.

    ``--method bisect``: one parameter (dotted path) within bounds to one target on-time rate;
    the fit is verified on fresh replications when the 95% interval of their on-time rate
    meets ``target`` ± ``tolerance`` (with 0, when it contains the target).
    ``--method abc``: the parameters of ``priors`` to every target of ``targets`` at once.
    """

    parameter: str
    bounds: tuple[float, float]
    target: Probability = 0.985
    tolerance: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    kpi: Literal["on_time_rate"] = "on_time_rate"
    reps: Annotated[int, Field(ge=2, le=1000)] = 10
    increasing: bool | None = None
    priors: dict[str, Prior] = {}
    targets: dict[str, TargetSpec] = {}
    abc: AbcSettings = AbcSettings()

    @field_validator("targets")
    @classmethod
    def _known_metrics(cls, v: dict[str, TargetSpec]) -> dict[str, TargetSpec]:
        from sim.targets import check_metric

        for name in v:
            problem = check_metric(name)
            if problem:
                raise ValueError(f"{name!r}: {problem}")
        return v

    @field_validator("bounds")
    @classmethod
    def _ordered(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not v[0] < v[1]:
            raise ValueError(f"need low < high, got [{v[0]}, {v[1]}]")
        return v


# ------------------------------------------------ where lateness comes from (mechanisms)
# Each mechanism is off by default, so scenarios that do not name it (the validation
# scenarios) behave as before; scenarios/baseline.yaml switches them on with sources.


def _exp(mean: float) -> Any:
    return Field(default_factory=lambda: Exponential(dist="exponential", mean=mean))


class LandBranch(Model):
    """One land registration branch (a former district): its share of dossiers needing a
    commune confirmation or another agency's opinion, and how long that takes."""

    consultation_probability: Probability | None = None
    consultation_delay_factor: NonNegative = 1.0


class LandRoute(Model):
    """Land dossiers in calendar time (FACTS.md, "Inter-agency steps in land dossiers").

    After the branch check (officer minutes, ``processing_minutes``) a dossier of one of
    ``procedures`` may wait for a commune confirmation or another agency's opinion
    (probability and delay per branch, a heavy-tailed calendar delay), then for the tax
    authority's notice of financial obligations and for the applicant's payment (calendar
    delays; the legal clock of Decree 151/2025 excludes them, the recorded clock does not),
    and is finally printed and signed at the branch (officer minutes). Officers are busy only
    for their own work; the dossier waits in between.
    """

    enabled: bool = False
    procedures: list[str] = []
    consultation_probability: Probability = 0.0
    consultation_delay_days: Distribution = _exp(5.0)
    branches: dict[str, LandBranch] = {}
    financial_obligation_probability: dict[str, Probability] = {}
    tax_notice_delay_days: Distribution = _exp(3.0)
    payment_delay_days: Distribution = _exp(2.0)
    printing_minutes: Distribution = _exp(15.0)
    printing_interactions: Annotated[int, Field(ge=0, le=1000)] = 0


class RecordedClock(Model):
    """The clock the one-stop system keeps (FACTS.md, "Recorded versus legal clock").

    For a dossier, with the given probabilities, it counts the wait for supplements (the
    staff did not pause the clock in the system: the deadline runs from the first reception)
    and the wait for financial obligations; it stops only when staff close the dossier in
    the system: with ``closing_lag_probability`` some working hours after the work is done.
    When enabled, the headline ``on_time_rate`` is the recorded one; ``legal_on_time_rate``
    stays beside it.

    With ``starts_at_reception`` the system's clock of an online dossier starts when an
    officer receives it, not when the receive-within limit expires (FACTS.md, "Slow to
    receive": Hồ Chí Minh City reported 8.9% of online dossiers received late beside a small
    overdue share, so a late receipt is reported apart, not as lateness).
    """

    enabled: bool = False
    starts_at_reception: bool = False
    supplement_wait_counted_probability: Probability = 0.0
    financial_wait_counted_probability: Probability = 0.0
    closing_lag_probability: Probability = 0.0
    closing_lag_working_hours: Distribution = _exp(4.0)


class SystemPeriod(Model):
    """A period (wall clock) in which a named system is down or slow."""

    start: NaiveDatetime
    end: NaiveDatetime
    response_factor: Annotated[float, Field(ge=1.0, le=1e4)] = 1.0


class SoftwareSystem(Model):
    """A named software system, used by some procedures only: its degraded periods slow
    those procedures' system interactions by ``response_factor``; its outages (random, as
    ``network.outages.system``, and ``down`` windows) stop only those procedures' system
    work after the one-stop desk (processing, approval, printing), at every unit."""

    name_vi: str = ""
    procedures: list[str] = []
    degraded: list[SystemPeriod] = []
    outages: OutageProcess = OutageProcess()
    down: list[SystemPeriod] = []
    # the chance that a dossier of these procedures fails to synchronise with the national
    # portal (instead of ``systems.sync_failure_probability``); None: the common one
    sync_failure_probability: Probability | None = None


class Systems(Model):
    """Named software systems and synchronisation with the national portal (FACTS.md,
    "Land on-time at branch level", "Recorded versus legal clock")."""

    enabled: bool = False
    named: dict[str, SoftwareSystem] = {}
    sync_failure_probability: Probability = 0.0
    sync_procedures: list[str] | None = None
    sync_fix_delay_days: Distribution = _exp(3.0)


class Signing(Model):
    """Signing as practised (FACTS.md, "Certification and the leader's signature").

    Approvals of ``procedures`` are signed by one designated leader of the unit (a pool of
    kind ``signing``: one officer unless ``staffing`` names ``signing`` officers, times
    ``staffing.multiplier.all``) in signing sessions that start at ``session_times``
    each working day; a dossier ready for signature waits for the next session, and the
    session's dossiers are signed one after another. With ``delegation`` the procedures in
    ``delegable`` are signed at once by the officers of the procedure's role (the justice
    officers for certifications), who then carry that work too.

    ``meeting_probability`` is the chance that the leader misses a given session for a
    meeting (drawn per unit, working day and session on its own stream, ``signing_meetings``);
    the dossiers ready for it wait for the next session held.
    """

    enabled: bool = False
    procedures: list[str] = []
    session_times: list[str] = ["10:30", "16:00"]
    delegation: bool = False
    delegable: list[str] = []
    meeting_probability: Probability = 0.0


class Overtime(Model):
    """Work past the close (17:00) on dossiers due that day (FACTS.md, "Certification and the
    leader's signature": staff stay late to finish the day's results).

    A dossier of ``procedures`` due at the close of a working day, whose processing was done
    by the close but whose approval (signing) would end the next working morning, is
    finished in overtime that evening instead, as long as the overtime it needs (its approval
    work after the close, not counting the morning's wait for a signing session) fits in what
    is left of its approving pool's allowance for that day: ``minutes_per_officer`` times the
    pool's officers. Dossiers take the allowance in the order they would have finished. The
    overtime is accounted after the run (:mod:`sim.overtime`): the officers' next morning is
    not given back, so the effect on the queues is slightly understated.
    """

    enabled: bool = False
    procedures: list[str] = []
    minutes_per_officer: Annotated[float, Field(ge=0.0, le=240.0)] = 30.0


class BacklogEntry(Model):
    """Dossiers of one procedure handed over to one unit on the first day (see InitialBacklog)."""

    unit: str
    procedure: str
    count: Annotated[int, Field(ge=0, le=1_000_000)]
    consumed_working_days: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=2.0)
    )
    overdue_share: Probability = 0.0


class InitialBacklog(Model):
    """Dossiers inherited on the first day from the abolished district level (FACTS.md,
    "Backlog inherited on 1 July").

    Each entry adds ``count`` dossiers at ``unit``, already received (they start at the
    processing step at time 0), with ``consumed_working_days`` of their statutory time
    already used, and a share ``overdue_share`` already past their deadline. They are handed
    over on ``handover_date``: a horizon that starts then has them, a horizon that does not
    contain the date has none (e.g. a what-if for December), and a horizon that starts
    before it and contains it is refused.

    With ``task_force_officers`` > 0, each unit holding inherited dossiers gets a temporary
    team of that many officers (a pool of kind ``task_force``) that examines the inherited
    dossiers, which then no longer queue for the regular officers (the printing and signing
    of a land certificate stay with the branch); with 0 they join the regular queue.
    """

    enabled: bool = False
    handover_date: dt.date = dt.date(2025, 7, 1)
    entries: list[BacklogEntry] = []
    task_force_officers: Annotated[int, Field(ge=0, le=1000)] = 0


class Scenario(Model):
    """A complete, validated scenario. Immutable: derive variants with :meth:`with_changes`."""

    name: str
    description: str = ""
    horizon: Horizon
    calendar: Calendar = Calendar()
    units: UnitsSelection = UnitsSelection()
    demand: Demand = Demand()
    procedures: dict[str, Procedure]
    staffing: Staffing
    agencies: dict[str, Agency] = {}
    reception: Reception = Reception()
    supplements: Supplements = Supplements()
    network: Network = Network()
    pooling: Pooling = Pooling()
    run: RunSettings = RunSettings()
    calibration: CalibrationSpec | None = None
    land_route: LandRoute = LandRoute()
    recorded_clock: RecordedClock = RecordedClock()
    systems: Systems = Systems()
    signing: Signing = Signing()
    overtime: Overtime = Overtime()
    initial_backlog: InitialBacklog = InitialBacklog()
    uncertain: dict[str, UncertainRange] = {}

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain JSON-compatible data."""
        return self.model_dump(mode="json")

    def with_changes(self, changes: Mapping[str, Any], source: str = "<changes>") -> Scenario:
        """A new validated scenario with dotted-path changes.

        Example: ``scn.with_changes({"staffing.availability": 0.9})``.
        """
        raw = self.to_dict()
        for path, value in changes.items():
            set_path(raw, path, value, source)
        return scenario_from_dict(raw, source)

    def unit_codes(self) -> list[str]:
        """Codes of the simulated units, in table order."""
        codes = load_units().codes
        if self.units.include == "all":
            return codes
        wanted = set(self.units.include)
        return [c for c in codes if c in wanted]


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


# ----------------------------------------------------------------------------- cross checks


def _cross_check(s: Scenario) -> list[tuple[str, str]]:
    """Checks that involve several fields or the packaged unit table."""
    errs: list[tuple[str, str]] = []
    known = set(load_units().codes)
    if not s.procedures:
        return [("procedures", "at least one procedure is needed")]
    if s.units.include != "all":
        if not s.units.include:
            errs.append(("units.include", "no units selected"))
        for i, c in enumerate(s.units.include):
            if c not in known:
                errs.append((f"units.include.{i}", f"unknown unit code {c!r}{unit_suggestion(c)}"))
    active = set(s.unit_codes())

    def codes(path: str, keys: Iterable[str | None]) -> None:
        for c in keys:
            if c is None:
                continue
            # settings for real units that are not simulated are ignored: a scenario that
            # extends the baseline with fewer units cannot delete the inherited keys
            if c not in known:
                errs.append((f"{path}.{c}", f"unknown unit code {c!r}{unit_suggestion(c)}"))

    codes("demand.dossiers_per_working_day", s.demand.dossiers_per_working_day)
    codes("demand.attraction", s.demand.attraction)
    codes("staffing.units", s.staffing.units)
    codes("network.link_mbps_by_unit", s.network.link_mbps_by_unit)
    codes("network.fallback_mbps_by_unit", s.network.fallback_mbps_by_unit)
    codes("network.outages.link_mtbf_hours_by_unit", s.network.outages.link_mtbf_hours_by_unit)
    for i, w in enumerate(s.network.outages.windows):
        codes(f"network.outages.windows.{i}.unit", [w.unit])
        if w.end <= w.start:
            errs.append((f"network.outages.windows.{i}.end", "window ends before it starts"))
    for i, sg in enumerate(s.demand.surges):
        codes(f"demand.surges.{i}.units", sg.units or [])
        if sg.end < sg.start:
            errs.append((f"demand.surges.{i}.end", "surge ends before it starts"))
    for name, proc in (("system", s.network.outages.system), ("links", s.network.outages.links)):
        for i, period in enumerate(proc.periods):
            if period.end < period.start:
                errs.append((f"network.outages.{name}.periods.{i}.end", "ends before it starts"))
    for i, d in enumerate(s.network.degradations):
        if d.end <= d.start:
            errs.append((f"network.degradations.{i}.end", "ends before it starts"))
        for pname in d.procedures or []:
            if pname not in s.procedures:
                errs.append(
                    (
                        f"network.degradations.{i}.procedures",
                        f"unknown procedure {pname!r}{did_you_mean(pname, s.procedures)}",
                    )
                )

    # procedures: shares and channel mixes are probability vectors
    total = sum(p.share for p in s.procedures.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        errs.append(("procedures", f"shares must sum to 1, they sum to {total:.6g}"))
    roles_needed: set[str] = set()
    for pid, p in s.procedures.items():
        path = f"procedures.{pid}"
        if not pid.isidentifier():
            errs.append((path, "procedure ids must be identifiers (letters, digits, _)"))
        mix = p.channels
        csum = mix.in_person + mix.online + mix.post
        if abs(csum - 1.0) > SUM_TOLERANCE:
            errs.append(
                (f"{path}.channels", f"channel shares must sum to 1, they sum to {csum:.6g}")
            )
        if p.handled_by == "agency":
            if p.agency is None:
                errs.append((f"{path}.agency", "handled_by: agency needs an agency"))
            elif p.agency not in s.agencies:
                errs.append(
                    (
                        f"{path}.agency",
                        f"unknown agency {p.agency!r}{did_you_mean(p.agency, s.agencies)}",
                    )
                )
            if p.processing_minutes is None:
                errs.append((f"{path}.processing_minutes", "an agency procedure needs processing"))
        elif p.processing_minutes is not None:
            if p.role is None:
                errs.append((f"{path}.role", "a procedure processed at a unit needs a role"))
            else:
                roles_needed.add(p.role)
        if p.role in ("reception", "leader"):
            errs.append((f"{path}.role", "reception and leader are not specialist roles"))
        if p.approval_minutes is not None and p.handled_by != "agency":
            roles_needed.add("leader")
    roles_needed.add("reception")

    for utype, mults in s.demand.share_multipliers_by_unit_type.items():
        for pid in mults:
            if pid not in s.procedures:
                errs.append(
                    (
                        f"demand.share_multipliers_by_unit_type.{utype}.{pid}",
                        f"unknown procedure{did_you_mean(pid, s.procedures)}",
                    )
                )

    # staffing: every needed role staffed in every active unit
    table = load_units().frame.set_index("code")
    types_active = {str(table.loc[c, "type"]) for c in active}

    def role(r: str, with_all: bool = False) -> str:
        return (
            f"unknown role {r!r}{did_you_mean(r, [*roles_needed, *(['all'] if with_all else [])])}"
        )

    for utype, roles in s.staffing.by_unit_type.items():
        for r in roles:
            if r not in roles_needed:
                errs.append((f"staffing.by_unit_type.{utype}.{r}", role(r)))
    for c, roles in s.staffing.units.items():
        for r in roles:
            if r not in roles_needed:
                errs.append((f"staffing.units.{c}.{r}", role(r)))
    for r in s.staffing.multiplier:
        if r not in roles_needed and r != "all":
            errs.append((f"staffing.multiplier.{r}", role(r, True)))
    for utype, mroles in s.staffing.multiplier_by_unit_type.items():
        for r in mroles:
            if r not in roles_needed and r != "all":
                errs.append((f"staffing.multiplier_by_unit_type.{utype}.{r}", role(r, True)))
    if not errs:
        missing_types = types_active - set(s.staffing.by_unit_type)
        for mtype in sorted(missing_types):
            if any(c not in s.staffing.units for c in active if table.loc[c, "type"] == mtype):
                errs.append(("staffing.by_unit_type", f"no staffing given for unit type {mtype!r}"))
    if not errs:
        for c in sorted(active):
            ctype = str(table.loc[c, "type"])
            for r in sorted(roles_needed):
                if staff_count(s, c, ctype, r) < 1:
                    errs.append(
                        (
                            _staff_path(s, c, ctype, r),
                            f"unit {c} has no {r} officer after multipliers",
                        )
                    )
                    break

    all_codes = load_units().codes
    names = dict(zip(table.index, table["name"], strict=True))
    for aid, a in s.agencies.items():
        hosts = agency_branches(s, aid)
        hosts_all = agency_branches(s, aid, all_codes)
        for c in a.staff:
            if c not in known:
                errs.append(
                    (f"agencies.{aid}.staff.{c}", f"unknown unit code {c!r}{unit_suggestion(c)}")
                )
                continue
            if c in hosts or (c not in active and c in hosts_all):
                continue  # a branch's host (one not simulated is ignored, as for every unit)
            where = hosts if c in active else hosts_all
            host = next(h for h, members in where.items() if c in members)
            errs.append(
                (
                    f"agencies.{aid}.staff.{c}",
                    f"{c} ({names[c]}) hosts no {aid} branch: the branch serving it is at "
                    f"{host} ({names[host]}); give its staff as staff: {{{host}: N}}",
                )
            )

    # calendar: the cut-off lies in office hours and there is at least one working day
    cal = s.calendar
    if not cal.always_open:
        cut = parse_clock(cal.same_day_cutoff)
        sessions = cal.session_minutes()
        if not any(a <= cut <= b for a, b in sessions):
            errs.append(("calendar.same_day_cutoff", "cut-off must fall within office hours"))
    if not errs and not _has_working_day(s):
        errs.append(("calendar", "no working day in the horizon"))
    if not errs:
        errs.extend(_check_demand(s, cal))
    if not errs:
        errs.extend(_check_outages(s))
    if not errs and cal.public_holidays == "vn":
        years = {d.year for d in _packaged_holidays()}
        for name, day in (("start", s.horizon.start), ("end", s.horizon.end)):
            if day.year not in years:
                errs.append(
                    (
                        f"horizon.{name}",
                        f"the packaged public holidays cover {min(years)}-{max(years)} only; "
                        "for other years set calendar.public_holidays: none and list them "
                        "in calendar.extra_holidays",
                    )
                )
                break
    return errs


def agency_branches(
    s: Scenario, agency: str, codes: Sequence[str] | None = None
) -> dict[str, list[str]]:
    """Where the branches of a second-tier agency sit: host unit code -> the codes it serves.

    As :func:`sim.model.build_layout` places them: one branch per former district (or one
    for the province) among the units ``codes`` (default the simulated ones), hosted at the
    former district's seat (``district_centre`` in the units table) or, when the seat is not
    simulated, at the most populous member.
    """
    table = load_units().frame
    wanted = set(s.unit_codes() if codes is None else codes)
    frame = table[table["code"].isin(wanted)].reset_index(drop=True)
    if s.agencies[agency].serves == "province":
        groups = {"province": list(range(len(frame)))}
    else:
        groups = {}
        for u in range(len(frame)):
            groups.setdefault(str(frame["former_district"].iloc[u]), []).append(u)
    out: dict[str, list[str]] = {}
    for members in groups.values():
        if not members:
            continue
        centres = [u for u in members if bool(frame["district_centre"].iloc[u])]
        host = centres[0] if centres else max(members, key=lambda u: frame["population"].iloc[u])
        out[str(frame["code"].iloc[host])] = [str(frame["code"].iloc[u]) for u in members]
    return out


def written_paths(path: str | Path, overrides: Sequence[str] = ()) -> set[str]:
    """Dotted paths a scenario file writes itself (not through ``extends``), and its ``--set``.

    :func:`scenario_warnings` uses them to speak only of settings the user wrote: a scenario
    that extends the baseline over another period should not hear about the baseline's July
    outage periods.
    """
    out: set[str] = set()

    def walk(node: Any, prefix: str) -> None:
        items: list[tuple[Any, Any]] = []
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        if prefix and not items:  # a value, or an empty list or mapping
            out.add(prefix)
        for k, v in items:
            walk(v, f"{prefix}.{k}" if prefix else str(k))

    raw = read_yaml_mapping(Path(path))
    raw.pop("extends", None)
    walk(raw, "")
    for text in overrides:
        out.add(text.partition("=")[0].strip())
    return out


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(f"{b}.") or b.startswith(f"{a}.")


MECHANISM_SECTIONS = (
    "land_route",
    "recorded_clock",
    "systems",
    "signing",
    "overtime",
    "initial_backlog",
)
"""Scenario sections of the lateness mechanisms, each switched on and off by ``enabled``."""


def scenario_warnings(s: Scenario, written: Iterable[str] | None = None) -> list[str]:
    """Settings of a valid scenario that are legal but have no effect, one line each
    (``field.path: what and why``).

    Dated items wholly outside the horizon (outage windows, degradations, surges, outage
    periods), per-unit settings, surges and outage windows of units that are not simulated,
    agencies that no procedure uses. With ``written`` (see :func:`written_paths`) only the
    warnings about fields the user wrote are returned.
    """
    out: list[tuple[str, str]] = []
    start = dt.datetime.combine(s.horizon.start, dt.time())
    end = dt.datetime.combine(s.horizon.end + dt.timedelta(days=1), dt.time())
    span = f"the horizon ({s.horizon.start} to {s.horizon.end})"
    active = set(s.unit_codes())
    known = set(load_units().codes)

    def outside(a: dt.datetime, z: dt.datetime) -> bool:
        return z <= start or a >= end

    def days_outside(a: dt.date, z: dt.date) -> bool:
        return z < s.horizon.start or a > s.horizon.end

    for i, w in enumerate(s.network.outages.windows):
        path = f"network.outages.windows.{i}"
        if outside(w.start, w.end):
            out.append((path, f"outage window {w.start} to {w.end} lies outside {span}"))
        elif w.unit is not None and w.unit in known and w.unit not in active:
            out.append((f"{path}.unit", f"unit {w.unit} is not simulated (units.include)"))
    for i, d in enumerate(s.network.degradations):
        if outside(d.start, d.end):
            out.append(
                (
                    f"network.degradations.{i}",
                    f"degradation {d.start} to {d.end} lies outside {span}",
                )
            )
    for i, sg in enumerate(s.demand.surges):
        path = f"demand.surges.{i}"
        if days_outside(sg.start, sg.end):
            out.append((path, f"surge {sg.start} to {sg.end} lies outside {span}"))
        elif sg.units is not None and sg.units and not set(sg.units) & active:
            out.append((f"{path}.units", "none of these units is simulated (units.include)"))
    for name in ("system", "links"):
        proc: OutageProcess = getattr(s.network.outages, name)
        for i, period in enumerate(proc.periods):
            if days_outside(period.start, period.end):
                out.append(
                    (
                        f"network.outages.{name}.periods.{i}",
                        f"outage period {period.start} to {period.end} lies outside {span}",
                    )
                )
    for section in MECHANISM_SECTIONS:
        model = getattr(s, section)
        if not model.enabled:
            for f in sorted(model.model_fields_set - {"enabled"}):
                out.append((f"{section}.{f}", f"{section} is switched off (enabled: false)"))
    used = {p.agency for p in s.procedures.values() if p.handled_by == "agency"}
    for aid in s.agencies:
        if aid not in used:
            out.append((f"agencies.{aid}", "no procedure is handled by this agency"))
    names = dict(zip(load_units().frame["code"], load_units().frame["name"], strict=True))
    per_unit: list[tuple[str, Iterable[str]]] = [
        ("demand.dossiers_per_working_day", s.demand.dossiers_per_working_day),
        ("demand.attraction", s.demand.attraction),
        ("staffing.units", s.staffing.units),
        ("network.link_mbps_by_unit", s.network.link_mbps_by_unit),
        ("network.fallback_mbps_by_unit", s.network.fallback_mbps_by_unit),
        ("network.outages.link_mtbf_hours_by_unit", s.network.outages.link_mtbf_hours_by_unit),
        *((f"agencies.{aid}.staff", a.staff) for aid, a in s.agencies.items()),
    ]
    for path, keys in per_unit:
        for c in keys:
            if c in known and c not in active:
                out.append(
                    (f"{path}.{c}", f"unit {c} ({names[c]}) is not simulated (units.include)")
                )
    if written is not None:
        paths = list(written)
        out = [(p, m) for p, m in out if any(_related(p, w) for w in paths)]
    return [f"{p}: {m}" for p, m in out]


def _check_mechanisms(s: Scenario) -> list[tuple[str, str]]:
    """Cross-checks of the lateness mechanisms (procedures, branches, roles, clock times)."""
    errs: list[tuple[str, str]] = []
    units = load_units()

    def procs(path: str, names: Iterable[str]) -> None:
        for name in names:
            if name not in s.procedures:
                errs.append((path, f"unknown procedure {name!r}"))

    lr = s.land_route
    procs("land_route.procedures", lr.procedures)
    procs("land_route.financial_obligation_probability", lr.financial_obligation_probability)
    districts = set(units.frame["former_district"].astype(str))
    for b in lr.branches:
        if b not in districts:
            errs.append((f"land_route.branches.{b}", "unknown former district"))
    for name in lr.procedures:
        p = s.procedures.get(name)
        if p is not None and (p.handled_by != "agency" or p.processing_minutes is None):
            errs.append(("land_route.procedures", f"{name!r} is not processed by an agency"))
    for k, sysm in s.systems.named.items():
        procs(f"systems.named.{k}.procedures", sysm.procedures)
        for field in ("degraded", "down"):
            for i, per in enumerate(getattr(sysm, field)):
                if per.end <= per.start:
                    errs.append((f"systems.named.{k}.{field}.{i}.end", "ends before it starts"))
    procs("systems.sync_procedures", s.systems.sync_procedures or [])
    procs("signing.procedures", s.signing.procedures)
    procs("signing.delegable", s.signing.delegable)
    for name in s.signing.procedures:
        p = s.procedures.get(name)
        if p is not None and (p.approval_minutes is None or p.handled_by == "agency"):
            errs.append(("signing.procedures", f"{name!r} has no leader approval"))
    for name in s.signing.delegable:
        p = s.procedures.get(name)
        if p is not None and (p.role is None or p.processing_minutes is None):
            errs.append(("signing.delegable", f"{name!r} has no officers of a role to sign it"))
    for i, text in enumerate(s.signing.session_times):
        try:
            parse_clock(text)
        except ValueError as exc:
            errs.append((f"signing.session_times.{i}", str(exc)))
    if s.signing.enabled and not s.signing.session_times:
        errs.append(("signing.session_times", "at least one signing session a day is needed"))
    procs("overtime.procedures", s.overtime.procedures)
    if s.overtime.enabled and not s.overtime.procedures:
        errs.append(
            ("overtime.procedures", "name the procedures whose work may run past the close")
        )
    for name in s.overtime.procedures:
        p = s.procedures.get(name)
        if p is not None and p.approval_minutes is None:
            errs.append(("overtime.procedures", f"{name!r} has no approval to finish in overtime"))
    ib = s.initial_backlog
    if ib.enabled and s.horizon.start < ib.handover_date <= s.horizon.end:
        errs.append(
            (
                "initial_backlog.handover_date",
                "must be the horizon's start, or outside the horizon (no backlog then)",
            )
        )
    for i, e in enumerate(s.initial_backlog.entries):
        if e.unit not in units.codes:
            errs.append((f"initial_backlog.entries.{i}.unit", f"unknown unit code {e.unit!r}"))
        procs(f"initial_backlog.entries.{i}.procedure", [e.procedure])
    kinds = {"reception", "leader", "signing", "task_force", *s.agencies}
    kinds |= {p.role for p in s.procedures.values() if p.role}
    for k in s.staffing.availability_factor_by_role:
        if k not in kinds:
            errs.append((f"staffing.availability_factor_by_role.{k}", f"unknown role {k!r}"))
    for code, mult in s.demand.share_multipliers_by_unit.items():
        if code not in units.codes:
            errs.append((f"demand.share_multipliers_by_unit.{code}", "unknown unit code"))
        procs(f"demand.share_multipliers_by_unit.{code}", mult)
    return errs


def _packaged_holidays() -> list[dt.date]:
    from sim.units import load_holidays

    return list(load_holidays()["date"])


def _check_demand(s: Scenario, cal: Calendar) -> list[tuple[str, str]]:
    """Arrival profiles must leave some weight, and the expected volume must fit in memory."""
    d = s.demand
    errs: list[tuple[str, str]] = []
    open_hours = set(range(24)) if cal.always_open else set()
    for a, b in cal.session_minutes():
        open_hours |= set(range(a // 60, (b - 1) // 60 + 1))
    if all(d.in_person_hour_factors.get(h, 1.0) == 0 for h in open_hours):
        errs.append(
            ("demand.in_person_hour_factors", "every office hour has factor 0: no arrivals")
        )
    if all(d.online_hour_factors.get(h, 1.0) == 0 for h in range(24)):
        errs.append(("demand.online_hour_factors", "every hour has factor 0: no arrivals"))
    if errs:
        return errs
    volume = expected_dossiers(s)
    if volume == 0:
        errs.append(("demand", "no dossier can arrive: every arrival rate is 0"))
    elif volume > MAX_DOSSIERS_PER_REP:
        errs.append(
            (
                "demand",
                f"about {volume:.3g} dossiers per replication expected; "
                f"at most {MAX_DOSSIERS_PER_REP:,} fit in memory",
            )
        )
    return errs


def expected_dossiers(s: Scenario) -> float:
    """Upper bound of the expected number of dossiers one replication generates.

    Home demand per working day of every simulated unit, times each day's weekday factor
    (a closed day counts at ``non_working_day_online_factor``, as if all demand were online),
    times the surges of that day (as if every surge applied to every unit).
    """
    from sim.calendar import working_days_between  # local: calendar imports scenario types

    d = s.demand
    table = load_units().frame.set_index("code")
    per_day = sum(
        d.dossiers_per_working_day.get(
            c, float(table.loc[c, "population"]) / 1000.0 * d.per_1000_residents_per_working_day
        )
        for c in s.unit_codes()
    )
    working = set(working_days_between(s.calendar, s.horizon.start, s.horizon.end))
    log_f = []  # log of each day's demand factor
    for k in range(s.horizon.days):
        day = s.horizon.start + dt.timedelta(days=k)
        f = (
            d.weekday_factors.get(WEEKDAYS[day.weekday()], 1.0)  # type: ignore[call-overload]
            if day in working
            else d.non_working_day_online_factor
        )
        log_f.append(math.log(f) if f > 0 else -math.inf)
    for sg in d.surges:
        first = max(0, (sg.start - s.horizon.start).days)
        last = min(len(log_f) - 1, (sg.end - s.horizon.start).days)
        for k in range(first, last + 1):
            log_f[k] += math.log(sg.factor) if sg.factor > 0 else -math.inf
    return per_day * sum(math.exp(min(x, 700.0)) for x in log_f)


def _check_outages(s: Scenario) -> list[tuple[str, str]]:
    """Random failures must stay countable: at most MAX_OUTAGES expected in a replication."""
    hours = s.horizon.days * 24.0
    out = s.network.outages
    n_units = len(s.unit_codes())

    def shortest(proc: OutageProcess, extra: Iterable[float] = ()) -> float:
        values = [m for m in (proc.mtbf_hours, *(p.mtbf_hours for p in proc.periods)) if m]
        values += list(extra)
        return min(values) if values else math.inf

    expected = hours / shortest(out.system) + n_units * hours / shortest(
        out.links, out.link_mtbf_hours_by_unit.values()
    )
    if expected > MAX_OUTAGES:
        return [
            (
                "network.outages",
                f"about {expected:.3g} failures per replication expected (mtbf_hours too "
                f"small); at most {MAX_OUTAGES:,} are allowed",
            )
        ]
    return []


def _staff_path(s: Scenario, code: str, unit_type: str, role: str) -> str:
    """The field to blame when a unit ends up with no officer of a role."""
    st = s.staffing
    if role in st.units.get(code, {}):
        base, base_path = st.units[code][role], f"staffing.units.{code}.{role}"
    else:
        base = dict(st.by_unit_type).get(unit_type, {}).get(role, 0)  # type: ignore[call-overload]
        base_path = f"staffing.by_unit_type.{unit_type}.{role}"
    if base < 1:
        return base_path
    by_type = dict(st.multiplier_by_unit_type).get(unit_type, {})  # type: ignore[call-overload]
    candidates = [
        (by_type.get(role), f"staffing.multiplier_by_unit_type.{unit_type}.{role}"),
        (by_type.get("all"), f"staffing.multiplier_by_unit_type.{unit_type}.all"),
        (st.multiplier.get(role), f"staffing.multiplier.{role}"),
        (st.multiplier.get("all"), "staffing.multiplier.all"),
    ]
    shrinking = [(m, path) for m, path in candidates if m is not None and m < 1]
    return min(shrinking)[1] if shrinking else base_path


def _has_working_day(s: Scenario) -> bool:
    from sim.calendar import working_days_between  # local: calendar imports scenario types

    return len(working_days_between(s.calendar, s.horizon.start, s.horizon.end)) > 0


def staff_count(s: Scenario, code: str, unit_type: str, role: str) -> int:
    """Officers of ``role`` at unit ``code`` after overrides and multipliers (round half up)."""
    st = s.staffing
    base = st.units.get(code, {}).get(role)
    if base is None:
        base = st.by_unit_type.get(unit_type, {}).get(role, 0)  # type: ignore[call-overload]
    m = st.multiplier.get("all", 1.0) * st.multiplier.get(role, 1.0)
    by_type = st.multiplier_by_unit_type.get(unit_type, {})  # type: ignore[call-overload]
    m *= by_type.get("all", 1.0) * by_type.get(role, 1.0)
    return int(math.floor(base * m + 0.5))


# ----------------------------------------------------------------------------- loading


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
    errs = (_cross_check(scn) + _check_mechanisms(scn)) or check_parameter_ranges(scn)
    if errs:
        path, msg = errs[0]
        if len(errs) > 1:
            msg += f" (and {len(errs) - 1} more problem{'s' if len(errs) > 2 else ''})"
        raise ScenarioError(source, path, msg)
    return scn


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


__all__ = [
    "CHANNELS",
    "MAX_MULTIPLIER",
    "UNIT_TYPES",
    "WEEKDAYS",
    "Scenario",
    "ScenarioError",
    "agency_branches",
    "did_you_mean",
    "expected_dossiers",
    "load_scenario",
    "scenario_from_dict",
    "scenario_warnings",
    "staff_count",
    "unit_suggestion",
    "written_paths",
]
