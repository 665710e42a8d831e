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

import datetime as dt
import math
import typing
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NaiveDatetime,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.distributions import Distribution, Exponential
from sim.errors import InputError
from sim.units import load_units

# ----------------------------------------------------------------------------- errors


class ScenarioError(InputError):
    """A scenario (or sweep) file that cannot be used, with the field that is wrong.

    Parameters
    ----------
    source
        The file (or ``<dict>`` for a scenario built from a mapping).
    path
        The dotted field (empty when the file as a whole is wrong).
    message
        What is wrong with it.
    """

    def __init__(self, source: str, path: str, message: str) -> None:
        self.path = path
        super().__init__(message, source)
        self.source: str = source

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str, str, str]]:  # type: ignore[override]
        return (type(self), (self.source, self.path, self.message))


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


def _bool_at(value: Any, depth: int = 0) -> str | None:
    """Dotted path of the first true/false inside ``value`` ('' for value itself), or None.
    Looks no deeper than :data:`MAX_YAML_DEPTH` (a structure that contains itself, which
    YAML anchors or the Python API can build, ends there; the schema then refuses it)."""
    if isinstance(value, bool):
        return ""
    if depth > MAX_YAML_DEPTH:
        return None
    items: Iterable[tuple[Any, Any]] = ()
    if isinstance(value, Mapping):
        for k in value:
            if isinstance(k, bool):
                return str(k)
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    for k, v in items:
        sub = _bool_at(v, depth + 1)
        if sub is not None:
            return f"{k}.{sub}" if sub else str(k)
    return None


class Section(BaseModel):
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


class Horizon(Section):
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


class Calendar(Section):
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


class Surge(Section):
    """Demand multiplied by ``factor`` on the days from start to end (inclusive)."""

    start: dt.date
    end: dt.date
    factor: NonNegative
    units: list[str] | None = None


class Demand(Section):
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


class StageInteractions(Section):
    """Number of system interactions (uploads, look-ups, signatures) of each step."""

    reception: Annotated[int, Field(ge=0, le=1000)] = 0
    transfer: Annotated[int, Field(ge=0, le=1000)] = 0
    processing: Annotated[int, Field(ge=0, le=1000)] = 0
    approval: Annotated[int, Field(ge=0, le=1000)] = 0


class ChannelMix(Section):
    in_person: Probability = 0.0
    online: Probability = 0.0
    post: Probability = 0.0


class Procedure(Section):
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


class Staffing(Section):
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


class Agency(Section):
    """A second-tier (provincial or vertical) agency with desks serving several units."""

    name_vi: str = ""
    serves: Literal["former_district", "province"] = "former_district"
    staff_per_10k_residents: NonNegative = 0.0
    min_staff: Annotated[int, Field(ge=0, le=10000)] = 1
    staff: dict[str, Annotated[int, Field(ge=0, le=10000)]] = {}
    multiplier: Multiplier = 1.0


class Reception(Section):
    """The one-stop desk: queue discipline and the online receive-within rule."""

    discipline: Literal["in_person_first", "fifo"] = "in_person_first"
    online_receive_within_working_hours: Positive = 8.0
    online_clock_start: Literal["reception", "earlier_of_reception_and_limit"] = (
        "earlier_of_reception_and_limit"
    )
    # while the system is down, in-person dossiers either wait at the desk ("wait") or are
    # received on paper and entered later ("paper": the statutory clock starts)
    in_person_when_system_down: Literal["wait", "paper"] = "wait"


class Supplements(Section):
    """Incomplete dossiers: the applicant supplements them after a delay."""

    clock_rule: Literal["restart", "pause", "keep"] = "restart"
    return_delay_days: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=2.0)
    )
    recheck_factor: Annotated[float, Field(ge=0.0, le=10.0)] = 0.5


class OutagePeriod(Section):
    """Failure rate that applies between two dates (inclusive), e.g. an unstable start."""

    start: dt.date
    end: dt.date
    mtbf_hours: Positive


class OutageProcess(Section):
    """Random failures: up times exponential with mean ``mtbf_hours`` (wall clock)."""

    mtbf_hours: Positive | None = None
    repair_hours: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=2.0)
    )
    periods: list[OutagePeriod] = []


class OutageWindow(Section):
    """A scheduled outage; ``unit`` None means the whole provincial system."""

    start: NaiveDatetime
    end: NaiveDatetime
    unit: str | None = None


class Degradation(Section):
    """A period in which the system responds ``response_factor`` times slower."""

    start: NaiveDatetime
    end: NaiveDatetime
    response_factor: Annotated[float, Field(ge=1.0, le=1e4)]
    procedures: list[str] | None = None


class Outages(Section):
    system: OutageProcess = OutageProcess()
    links: OutageProcess = OutageProcess()
    link_mtbf_hours_by_unit: dict[str, Positive] = {}
    windows: list[OutageWindow] = []


class Network(Section):
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


class Pooling(Section):
    """Whether online dossiers may be received by officers of other units."""

    online_reception: Literal["none", "former_district", "province"] = "none"


class UnitsSelection(Section):
    include: Literal["all"] | list[str] = "all"

    @field_validator("include", mode="before")
    @classmethod
    def _all_or_list(cls, v: Any) -> Any:
        if v == "all" or isinstance(v, list | tuple):
            return v
        raise ValueError(f"must be 'all' or a list of unit codes such as [QN01, QN21], got {v!r}")


class RunSettings(Section):
    reps: Annotated[int, Field(ge=1, le=100000)] = 5
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 20250701
    check_invariants: bool = True


class Prior(Section):
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


class UncertainRange(Section):
    """A parameter marked as an assumption, with the range screening explores (``uncertain``)."""

    low: float
    high: float
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> UncertainRange:
        if not self.low < self.high:
            raise ValueError(f"need low < high, got [{self.low}, {self.high}]")
        return self


class TargetSpec(Section):
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


class AbcSettings(Section):
    """Budget of the ABC-SMC fit (``calibration.abc``)."""

    population: Annotated[int, Field(ge=2, le=100000)] = 100
    generations: Annotated[int, Field(ge=1, le=1000)] = 8
    min_epsilon: NonNegative = 0.0
    max_simulations: Annotated[int, Field(ge=1)] | None = None
    min_acceptance_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    kernel_scaling: Annotated[float, Field(gt=0.0, le=100.0)] = 1.0


class CalibrationSpec(Section):
    """What ``tthc-sim calibrate`` fits.

    ``--method bisect``: one parameter (dotted path) within bounds to one target on-time rate;
    the fit is verified on fresh replications when the 95% interval of their on-time rate
    meets ``target`` ± ``tolerance`` (with 0, when it contains the target).
    ``--method abc``: the parameters of ``priors`` to every target of ``targets`` at once.
    A section may hold either or both; ``parameter`` and ``bounds`` go together.
    """

    parameter: str | None = None
    bounds: tuple[float, float] | None = None
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
    def _ordered(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"need low < high, got [{v[0]}, {v[1]}]")
        return v

    @model_validator(mode="after")
    def _something_to_fit(self) -> CalibrationSpec:
        if (self.parameter is None) != (self.bounds is None):
            missing = "bounds" if self.bounds is None else "parameter"
            raise ValueError(f"{missing} missing: a bisection needs both parameter and bounds")
        if self.parameter is None and not self.priors:
            raise ValueError(
                "nothing to fit: give parameter and bounds (bisection) or priors and targets (ABC)"
            )
        return self


# ------------------------------------------------ where lateness comes from (mechanisms)
# Each mechanism is off by default, so scenarios that do not name it (the validation
# scenarios) behave as before; scenarios/baseline.yaml switches them on with sources.


def _exp(mean: float) -> Any:
    return Field(default_factory=lambda: Exponential(dist="exponential", mean=mean))


class LandBranch(Section):
    """One land registration branch (a former district): its share of dossiers needing a
    commune confirmation or another agency's opinion, and how long that takes."""

    consultation_probability: Probability | None = None
    consultation_delay_factor: NonNegative = 1.0


class LandRoute(Section):
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


class RecordedClock(Section):
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


class SystemPeriod(Section):
    """A period (wall clock) in which a named system is down or slow."""

    start: NaiveDatetime
    end: NaiveDatetime
    response_factor: Annotated[float, Field(ge=1.0, le=1e4)] = 1.0


class SoftwareSystem(Section):
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


class Systems(Section):
    """Named software systems and synchronisation with the national portal (FACTS.md,
    "Land on-time at branch level", "Recorded versus legal clock")."""

    enabled: bool = False
    named: dict[str, SoftwareSystem] = {}
    sync_failure_probability: Probability = 0.0
    sync_procedures: list[str] | None = None
    sync_fix_delay_days: Distribution = _exp(3.0)


class Signing(Section):
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


class Overtime(Section):
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


class BacklogEntry(Section):
    """Dossiers of one procedure handed over to one unit on the first day (see InitialBacklog)."""

    unit: str
    procedure: str
    count: Annotated[int, Field(ge=0, le=1_000_000)]
    consumed_working_days: Distribution = Field(
        default_factory=lambda: Exponential(dist="exponential", mean=2.0)
    )
    overdue_share: Probability = 0.0


class InitialBacklog(Section):
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


class Scenario(Section):
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
        from sim.scenario.loading import scenario_from_dict
        from sim.scenario.paths import set_path

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
