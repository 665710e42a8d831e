"""Tidy result frames: one row per dossier, per replication, per unit, and summaries.

KPI definitions follow the provincial reports:

* **on-time rate** = dossiers resolved by their deadline / dossiers resolved in the period
  ("đúng và trước hạn": early plus on time, over everything resolved);
* dossiers still open when the horizon ends are reported apart: ``open`` and, among them,
  ``open_overdue`` (their deadline has already passed); they are never dropped;
* per-month rates count dossiers by the month in which they were resolved;
* a late dossier's *cause* is the largest of the delays that ate into its deadline: waiting
  for officers (``queueing``, the staff queue), waiting for the system or the network
  (``network``: outages and slow periods), waiting for the applicant's supplements when the
  clock counts them (``supplements``), the officers' own working time (``service``), and the
  lateness mechanisms: the land route's commune confirmation or other agency
  (``land_external``), the tax notice and payment (``financial_obligation``, recorded clock
  only), a failed synchronisation with the national portal (``data_sync``, recorded clock),
  waiting for the leader's signing session (``signing``) and the closing lag (``closing_lag``,
  recorded clock);
* two clocks (:mod:`sim.clocks`): ``legal_on_time_rate`` and ``recorded_on_time_rate``; with
  ``recorded_clock`` on, the headline ``on_time_rate``, ``on_time``, ``open_overdue`` and the
  causes follow the recorded clock (the province's 98.5% is a recorded figure), otherwise the
  legal one; ``slow_to_receive_share``: online dossiers not received within
  ``reception.online_receive_within_working_hours`` (8 working hours), among the online
  dossiers received or whose limit passed within the horizon.

Summaries give the mean over replications, the standard deviation and a 95% interval over
replications (each replication is one independent observation) that respects the KPI's
range: rates inside [0, 1], counts and durations inside [0, inf) (see :mod:`sim.stats`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.calendar import WorkingCalendar
from sim.clocks import clocks
from sim.demand import IN_PERSON
from sim.records import Layout, RepOutput
from sim.scenario import CHANNELS, Scenario
from sim.stats import interval_note, json_ready, kpi_interval, rate_interval, t_interval
from sim.units import load_units

NAN = float("nan")
CAUSES = (
    "queueing",
    "network",
    "supplements",
    "service",
    "land_external",
    "financial_obligation",
    "data_sync",
    "signing",
    "closing_lag",
)

# t_interval lives in sim.stats; it is re-exported here for existing callers
__all__ = [
    "CAUSES",
    "RepTables",
    "backlog_series",
    "dossier_frame",
    "rep_tables",
    "summarise",
    "t_interval",
]


def dossier_frame(
    out: RepOutput, scn: Scenario, layout: Layout, cal: WorkingCalendar
) -> pd.DataFrame:
    """One row per dossier of a replication (times as datetimes, waits in working minutes)."""
    ds = out.dossiers
    r = out.records.arrays()
    n = len(ds)
    codes = list(layout.codes)
    pids = layout.procedure_ids
    T = out.horizon_end

    def wall(col: np.ndarray, side: str) -> np.ndarray:
        return cal.to_datetime(cal.to_wall(col, side))

    resolved = ~np.isnan(r["resolved"])
    ck = clocks(out, scn, layout, cal)
    legal_deadline = r["deadline"]
    legal_on_time = np.where(resolved, r["resolved"] <= legal_deadline, False)
    recorded_on_time = np.where(resolved, ck.closed <= ck.recorded_deadline, False)
    headline_recorded = scn.recorded_clock.enabled
    deadline = ck.recorded_deadline if headline_recorded else legal_deadline
    on_time = recorded_on_time if headline_recorded else legal_on_time
    open_overdue = ~resolved & ~np.isnan(deadline) & (deadline < T)
    late = (resolved & ~on_time) | open_overdue

    # cause of lateness: the largest delay that consumed the (headline) clock
    supp = np.nan_to_num(r["wait_supplement"])
    supp_counts = supp if scn.supplements.clock_rule == "keep" else np.zeros(n)
    recorded_only = np.zeros(n)
    financial_counts = ck.financial_counted if headline_recorded else recorded_only
    sync_counts = ck.sync_wait if headline_recorded else recorded_only
    lag_counts = ck.closing_lag if headline_recorded else recorded_only
    if headline_recorded:
        supp_counts = np.where(ck.supplement_counted > 0, ck.supplement_counted, supp_counts)
    service = np.zeros(n)
    for name_s, name_e in (
        ("reception_start", "reception_end"),
        ("processing_start", "processing_end"),
    ):
        service += np.nan_to_num(r[name_e] - r[name_s])
    appr = r["resolved"] - r["approval_start"]
    service += np.nan_to_num(appr)
    service = np.maximum(service - np.nan_to_num(r["wait_network"]), 0.0)
    parts = np.vstack(
        [
            np.nan_to_num(r["wait_queue"]),
            np.nan_to_num(r["wait_network"]),
            supp_counts,
            service,
            np.nan_to_num(r["wait_external"]),
            financial_counts,
            sync_counts,
            np.nan_to_num(r["wait_signing"]),
            lag_counts,
        ]
    )
    cause_idx = np.argmax(parts, axis=0)
    cause = pd.Categorical.from_codes(np.where(late, cause_idx, -1), categories=list(CAUSES))

    resolved_wall = cal.to_wall(r["resolved"], "left")
    resolved_at = cal.to_datetime(resolved_wall)
    # month of resolution as categorical codes (no per-row string formatting)
    months64 = resolved_at.astype("datetime64[M]")
    month_values = np.unique(months64[resolved])
    month_codes = np.where(resolved, np.searchsorted(month_values, months64), -1)
    month_cat = pd.Categorical.from_codes(
        month_codes, categories=[str(m) for m in month_values.astype("datetime64[M]")]
    )
    received_by = np.asarray(r["received_by"])
    by_codes = np.where(np.isnan(received_by), -1, np.nan_to_num(received_by)).astype(int)
    frame = pd.DataFrame(
        {
            "rep": np.full(n, out.rep, dtype=np.int32),
            "dossier": np.arange(n, dtype=np.int32),
            "dossier_key": ds.key,
            "unit": pd.Categorical.from_codes(ds.receiving.astype(int), categories=codes),
            "home_unit": pd.Categorical.from_codes(ds.home.astype(int), categories=codes),
            "received_by": pd.Categorical.from_codes(by_codes, categories=codes),
            "procedure": pd.Categorical.from_codes(ds.procedure.astype(int), categories=pids),
            "channel": pd.Categorical.from_codes(ds.channel.astype(int), categories=list(CHANNELS)),
            "phi_dia_gioi": ds.home != ds.receiving,
            "inherited": ~np.isnan(ds.inherited_due),
            "supplement": ds.incomplete.astype(bool) & ~np.isnan(r["supplement_request"]),
            "arrived_at": cal.to_datetime(ds.wall_arrival),
            "reception_start_at": wall(r["reception_start"], "right"),
            "received_at": wall(r["reception_end"], "left"),
            "clock_start_at": wall(r["clock_start"], "left"),
            "supplement_return_at": wall(r["supplement_return"], "right"),
            "processing_start_at": wall(r["processing_start"], "right"),
            "processing_end_at": wall(r["processing_end"], "left"),
            "approval_start_at": wall(r["approval_start"], "right"),
            "resolved_at": resolved_at,
            "deadline_at": wall(deadline, "left"),
            "status": pd.Categorical.from_codes(
                np.where(resolved, 0, 1), categories=["resolved", "open"]
            ),
            "on_time": pd.array(np.where(resolved, on_time, pd.NA), dtype="boolean"),
            "legal_on_time": pd.array(np.where(resolved, legal_on_time, pd.NA), dtype="boolean"),
            "recorded_on_time": pd.array(
                np.where(resolved, recorded_on_time, pd.NA), dtype="boolean"
            ),
            "recorded_deadline_at": wall(ck.recorded_deadline, "left"),
            "closed_at": wall(ck.closed, "left"),
            "slow_to_receive": pd.array(
                np.where(np.isnan(ck.slow_to_receive), pd.NA, ck.slow_to_receive == 1.0),
                dtype="boolean",
            ),
            "open_overdue": open_overdue,
            "late_cause": cause,
            "resolved_month": month_cat,
            "lead_time_working_hours": (r["resolved"] - ds.arrival) / 60.0,
            "wait_queue_minutes": r["wait_queue"],
            "wait_network_minutes": r["wait_network"],
            "wait_supplement_minutes": np.where(np.isnan(r["supplement_request"]), 0.0, supp),
            "wait_external_minutes": np.nan_to_num(r["wait_external"]),
            "wait_financial_minutes": np.nan_to_num(r["wait_financial"]),
            "wait_signing_minutes": np.nan_to_num(r["wait_signing"]),
            "wait_sync_minutes": ck.sync_wait,
            "closing_lag_minutes": ck.closing_lag,
            "after_close_minutes": np.nan_to_num(r["after_close"]),
            "desk_wait_minutes": np.where(
                ds.channel == IN_PERSON, r["reception_start"] - ds.arrival, np.nan
            ),
            "inbox_wait_working_hours": np.where(
                ds.channel != IN_PERSON, (r["reception_start"] - ds.arrival) / 60.0, np.nan
            ),
        },
        # the columns are fresh arrays or views of the replication's output arrays: taking
        # them as they are (pandas would copy by default) halves the peak memory of this step
        copy=False,
    )
    return frame


def _rate(df: pd.DataFrame, by: str, levels: Sequence[str]) -> pd.DataFrame:
    """Counts and on-time rate per level of ``by``, one row for every one of ``levels``.

    A level with no dossiers in this replication keeps its row (zero counts, rate NaN:
    undefined), so means over replications count it instead of dropping the replication.
    The ``by`` column comes back categorical with ``levels`` as its categories, in order.
    """
    cols = [
        "arrived",
        "resolved",
        "on_time",
        "open",
        "open_overdue",
        "legal_on_time",
        "recorded_on_time",
    ]
    if df.empty:  # e.g. nothing resolved yet: the grouped counts below would not be numeric
        out = pd.DataFrame(0, index=pd.Index([], dtype=str), columns=cols)
    else:
        g = df.groupby(by, observed=True, sort=True)
        out = pd.DataFrame(
            {
                "arrived": g.size(),
                "resolved": g["status"].apply(lambda s: int((s == "resolved").sum())),
                "on_time": g["on_time"].sum(),
                "open": g["status"].apply(lambda s: int((s == "open").sum())),
                "open_overdue": g["open_overdue"].sum(),
                "legal_on_time": g["legal_on_time"].sum(),
                "recorded_on_time": g["recorded_on_time"].sum(),
            }
        )
        out.index = out.index.astype(str)
    out = out.reindex(pd.Index(list(levels), name=by)).fillna(0).astype("int64")
    out["late"] = out["resolved"] - out["on_time"]
    denominator = out["resolved"].where(out["resolved"] > 0)
    out["on_time_rate"] = np.where(out["resolved"] > 0, out["on_time"] / denominator, np.nan)
    for clock in ("legal", "recorded"):
        n_on = out[f"{clock}_on_time"]
        out[f"{clock}_on_time_rate"] = np.where(out["resolved"] > 0, n_on / denominator, np.nan)
    out = out.reset_index()
    out[by] = pd.Categorical(out[by], categories=list(levels))
    return out


def _months(scn: Scenario, observed: Sequence[str]) -> list[str]:
    """Months of the horizon ("YYYY-MM"), with any other month a dossier was resolved in."""
    span = pd.period_range(scn.horizon.start, scn.horizon.end, freq="M").astype(str)
    return sorted({*span, *observed})


@dataclass
class RepTables:
    """Aggregates of one replication (small; what workers send back)."""

    rep: int
    kpis: pd.DataFrame  # one row
    units: pd.DataFrame
    procedures: pd.DataFrame
    channels: pd.DataFrame
    months: pd.DataFrame
    causes: pd.DataFrame
    pools: pd.DataFrame
    backlog: pd.DataFrame
    dossiers: pd.DataFrame | None


def month_rates(
    df: pd.DataFrame, resolved: pd.Series, scn: Scenario, observed: Sequence[str]
) -> pd.DataFrame:
    """On-time rates of the resolved dossiers of ``df`` by month of resolution (column
    ``month``; every month of the horizon and the ``observed`` ones, see :func:`_rate`)."""
    # only the columns _rate reads: df[resolved] would copy the whole per-dossier table
    columns = [
        "resolved_month",
        "status",
        "on_time",
        "legal_on_time",
        "recorded_on_time",
        "open_overdue",
    ]
    levels = _months(scn, observed)
    months = _rate(df.loc[resolved, columns], "resolved_month", levels)
    return months.rename(columns={"resolved_month": "month"})


def rep_tables(
    out: RepOutput,
    scn: Scenario,
    layout: Layout,
    cal: WorkingCalendar,
    keep_dossiers: bool = True,
) -> RepTables:
    """Aggregate one replication into tidy frames."""
    df = dossier_frame(out, scn, layout, cal)
    rep = out.rep
    resolved = df["status"] == "resolved"
    n_res = int(resolved.sum())
    n_on = int(df["on_time"].sum())
    late_mask = df["late_cause"].notna()
    inherited = df["inherited"].to_numpy()
    n_new = int((~inherited).sum())
    pools = out.pools.copy()
    avail = pools["officer_minutes"] + pools["overtime_minutes"]
    pools["utilisation"] = np.where(
        avail > 0, pools["busy_minutes"] / avail.where(avail > 0), np.nan
    )
    pools.insert(0, "rep", rep)
    util_by_kind = pools.groupby("kind")["busy_minutes"].sum() / (
        pools.groupby("kind")["officer_minutes"].sum()
        + pools.groupby("kind")["overtime_minutes"].sum()
    )
    kpis = {
        "rep": rep,
        "seed": out.seed,
        "arrived": len(df),
        "resolved": n_res,
        "on_time": n_on,
        "late": n_res - n_on,
        "open": int((~resolved).sum()),
        "open_overdue": int(df["open_overdue"].sum()),
        "finished_after_close": int((df["after_close_minutes"] > 0).sum()),
        "on_time_rate": n_on / n_res if n_res else float("nan"),
        "legal_on_time_rate": int(df["legal_on_time"].sum()) / n_res if n_res else float("nan"),
        "recorded_on_time_rate": (
            int(df["recorded_on_time"].sum()) / n_res if n_res else float("nan")
        ),
        "slow_to_receive_share": (
            float(df["slow_to_receive"].mean()) if df["slow_to_receive"].notna().any() else NAN
        ),
        # submissions of the horizon (dossiers inherited on the first day aside)
        "inherited": int(inherited.sum()),
        "online_share": float((df.loc[~inherited, "channel"] == "online").mean())
        if n_new
        else float("nan"),
        "phi_dia_gioi_share": float(df.loc[~inherited, "phi_dia_gioi"].mean())
        if n_new
        else float("nan"),
        "lead_time_working_hours_mean": float(df.loc[resolved, "lead_time_working_hours"].mean()),
        "lead_time_working_hours_p90": float(
            df.loc[resolved, "lead_time_working_hours"].quantile(0.9)
        )
        if n_res
        else float("nan"),
        "desk_wait_minutes_mean": float(df["desk_wait_minutes"].mean()),
        "inbox_wait_working_hours_mean": float(df["inbox_wait_working_hours"].mean()),
        "network_delay_minutes_mean": float(df.loc[resolved, "wait_network_minutes"].mean()),
        "queue_wait_minutes_mean": float(df.loc[resolved, "wait_queue_minutes"].mean()),
        "system_down_working_hours_mean": float(np.mean(out.down_minutes) / 60.0),
        "events": out.events,
    }
    for c in CAUSES:
        kpis[f"late_{c}"] = int((df.loc[late_mask, "late_cause"] == c).sum())
    for kind, u in util_by_kind.items():
        kpis[f"utilisation_{kind}"] = float(u)
    kpi_frame = pd.DataFrame([kpis])

    units = _rate(df, "unit", layout.codes).rename(columns={"unit": "code"})
    units["code"] = units["code"].astype(str)
    extra = df.groupby("unit", observed=True).agg(
        desk_wait_minutes_mean=("desk_wait_minutes", "mean"),
        lead_time_working_hours_mean=("lead_time_working_hours", "mean"),
        network_delay_minutes_mean=("wait_network_minutes", "mean"),
        online_share=("channel", lambda s: float((s == "online").mean())),
    )
    extra.index = extra.index.astype(str)
    units = units.merge(extra, left_on="code", right_index=True, how="left")
    rec_util = pools[pools["kind"] == "reception"].set_index("unit")["utilisation"]
    units["reception_utilisation"] = units["code"].map(rec_util)
    units.insert(0, "rep", rep)

    procedures = _rate(df, "procedure", layout.procedure_ids)
    procedures.insert(0, "rep", rep)
    channels = _rate(df, "channel", CHANNELS)
    channels.insert(0, "rep", rep)
    months = month_rates(df, resolved, scn, list(df["resolved_month"].cat.categories))
    months.insert(0, "rep", rep)
    causes = (
        df.loc[late_mask]
        .groupby(["late_cause", "status"], observed=False)
        .size()
        .rename("dossiers")
        .reset_index()
    )
    causes.insert(0, "rep", rep)
    backlog = backlog_series(df, cal, out.horizon_end)
    backlog.insert(0, "rep", rep)
    return RepTables(
        rep=rep,
        kpis=kpi_frame,
        units=units,
        procedures=procedures,
        channels=channels,
        months=months,
        causes=causes,
        pools=pools,
        backlog=backlog,
        dossiers=df if keep_dossiers else None,
    )


def backlog_series(df: pd.DataFrame, cal: WorkingCalendar, horizon_end: float) -> pd.DataFrame:
    """Open dossiers at the close of every working day (arrived minus resolved so far)."""
    days = int(round(horizon_end / cal.day_minutes))
    close = [cal.date_of_working_day(k) for k in range(days)]
    ends = pd.to_datetime(
        [pd.Timestamp(d) + pd.Timedelta(minutes=cal.sessions[-1][1]) for d in close]
    )
    arrived = np.searchsorted(np.sort(df["arrived_at"].to_numpy()), ends.to_numpy(), side="right")
    res = df["resolved_at"].dropna().to_numpy()
    resolved = np.searchsorted(np.sort(res), ends.to_numpy(), side="right")
    return pd.DataFrame({"date": close, "open_dossiers": arrived - resolved})


def summarise(
    frame: pd.DataFrame, by: list[str] | None = None, skip: tuple[str, ...] = ("rep", "seed")
) -> pd.DataFrame:
    """Mean, sd and 95% interval over replications of every numeric column.

    ``frame`` has one row per replication (and per group in ``by``). The interval of each
    column is :func:`sim.stats.kpi_interval` (rates inside [0, 1], counts inside [0, inf)).

    Returns
    -------
    pandas.DataFrame
        One row per (group, metric): ``*by, metric, mean, sd, ci95_low, ci95_high, reps``
        (``reps`` counts the replications where the value is defined).
    """
    by = by or []
    metrics = [
        c
        for c in frame.columns
        if c not in skip and c not in by and pd.api.types.is_numeric_dtype(frame[c])
    ]
    rows = []
    groups = frame.groupby(by, observed=True, sort=True) if by else [((), frame)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        for m in metrics:
            vals = g[m].to_numpy(dtype=float)
            mean, lo, hi = kpi_interval(g, m)
            sd = float(np.nanstd(vals, ddof=1)) if np.sum(~np.isnan(vals)) > 1 else float("nan")
            rows.append((*key, m, mean, sd, lo, hi, int(np.sum(~np.isnan(vals)))))
    return pd.DataFrame(
        rows, columns=[*by, "metric", "mean", "sd", "ci95_low", "ci95_high", "reps"]
    )


# ----------------------------------------------------------------------------- over replications


@dataclass
class Results:
    """Results of several replications of one scenario (all frames have a ``rep`` column)."""

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    units: pd.DataFrame
    procedures: pd.DataFrame
    channels: pd.DataFrame
    months: pd.DataFrame
    causes: pd.DataFrame
    pools: pd.DataFrame
    backlog: pd.DataFrame
    dossiers: pd.DataFrame | None = None
    wall_seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ headline
    @property
    def reps(self) -> int:
        return len(self.replications)

    @property
    def per_rep(self) -> list[float]:
        """Each replication's on-time rate (NaN where it resolved nothing)."""
        return [float(x) for x in self.replications["on_time_rate"]]

    def _on_time(self) -> tuple[float, float, float]:
        r = self.replications
        return rate_interval(r["on_time_rate"], r["resolved"])

    @property
    def on_time_rate(self) -> float:
        """Mean over replications of the on-time rate (NaN if none resolved anything)."""
        return self._on_time()[0]

    @property
    def on_time_ci95(self) -> tuple[float, float]:
        """95% interval of the on-time rate, inside [0, 1] (:func:`sim.stats.rate_interval`);
        NaN with fewer than two replications that resolved something."""
        _, lo, hi = self._on_time()
        return lo, hi

    @property
    def interval_note(self) -> str | None:
        """Why the intervals are indicative only (too few replications), or None."""
        return interval_note(self.reps)

    # ------------------------------------------------------------------ tables
    def summary(self) -> pd.DataFrame:
        """Every replication KPI: mean, sd and 95% interval over replications.

        See :func:`sim.results.summarise` (columns ``metric, mean, sd, ci95_low, ci95_high,
        reps``; intervals inside each KPI's range).
        """
        return summarise(self.replications)

    def unit_table(self) -> pd.DataFrame:
        """One row per unit: mean per replication, on-time rate with its 95% interval.

        Columns ``code, name, type, arrived, resolved, open, open_overdue, on_time_rate,
        on_time_ci95_low, on_time_ci95_high, desk_wait_minutes_mean, reception_utilisation,
        online_share``; the interval is :func:`sim.stats.rate_interval` over the replications
        in which the unit resolved something (NaN if fewer than two).
        """
        table = load_units().frame.set_index("code")
        rows = []
        for code, g in self.units.groupby("code", sort=False):
            m, lo, hi = rate_interval(g["on_time_rate"], g["resolved"])
            rows.append(
                {
                    "code": code,
                    "name": table.loc[code, "name"],
                    "type": table.loc[code, "type"],
                    "arrived": float(g["arrived"].mean()),
                    "resolved": float(g["resolved"].mean()),
                    "open": float(g["open"].mean()),
                    "open_overdue": float(g["open_overdue"].mean()),
                    "on_time_rate": m,
                    "on_time_ci95_low": lo,
                    "on_time_ci95_high": hi,
                    "desk_wait_minutes_mean": float(g["desk_wait_minutes_mean"].mean()),
                    "reception_utilisation": float(g["reception_utilisation"].mean()),
                    "online_share": float(g["online_share"].mean()),
                }
            )
        out = pd.DataFrame(rows)
        order = {c: i for i, c in enumerate(table.index)}
        return out.sort_values("code", key=lambda s: s.map(order)).reset_index(drop=True)

    def group_table(self, name: str) -> pd.DataFrame:
        """Per procedure / channel / month table with on-time rate and 95% interval.

        Columns ``<procedure|channel|month>, resolved, late, on_time_rate, ci95_low,
        ci95_high`` (means per replication; interval as in :meth:`unit_table`).
        """
        frame = getattr(self, name)
        key = {"procedures": "procedure", "channels": "channel", "months": "month"}[name]
        rows = []
        for k, g in frame.groupby(key, sort=True, observed=True):
            m, lo, hi = rate_interval(g["on_time_rate"], g["resolved"])
            rows.append(
                {
                    key: k,
                    "resolved": float(g["resolved"].mean()),
                    "late": float(g["late"].mean()),
                    "on_time_rate": m,
                    "ci95_low": lo,
                    "ci95_high": hi,
                }
            )
        return pd.DataFrame(rows)

    def cause_table(self) -> pd.DataFrame:
        """Late dossiers per cause (mean per replication) and share of all late ones."""
        c = self.causes.groupby("late_cause", observed=False)["dossiers"].sum() / max(self.reps, 1)
        total = c.sum()
        return pd.DataFrame(
            {
                "cause": c.index.astype(str),
                "late_per_rep": c.values,
                "share": c.values / total if total else np.nan,
            }
        )

    def to_json(self) -> dict[str, Any]:
        """The command line's ``--json`` object (DESIGN.md section 5), strict JSON values:
        undefined statistics are ``None`` (``null``), never NaN."""
        m, lo, hi = self._on_time()
        r = self.replications
        out = {
            "scenario": self.scenario.name,
            "on_time_rate": m,
            "on_time_ci95": [lo, hi],
            "interval_note": self.interval_note,
            "per_rep": self.per_rep,
            "dossiers_arrived": int(r["arrived"].sum()),
            "dossiers_resolved": int(r["resolved"].sum()),
            "dossiers_open_at_end": int(r["open"].sum()),
            "dossiers_open_overdue_at_end": int(r["open_overdue"].sum()),
            "reps": self.reps,
            "seed": self.seed,
            "wall_seconds": self.wall_seconds,
        }
        if "precision" in self.meta:
            out["precision"] = self.meta["precision"]
        return dict(json_ready(out))


GROUP_TABLES = ("units", "procedures", "channels", "months", "causes", "pools", "backlog")
"""The per-replication group tables that :class:`Results` and :class:`RepTables` share."""


def stack_tables(parts: Sequence[Any], attr: str) -> pd.DataFrame:
    """Stack one table of several replications (or batches of them) in order."""
    frames = [getattr(t, attr) for t in parts]
    full = [f for f in frames if f is not None and len(f)]
    if full:
        return pd.concat(full, ignore_index=True)
    # keep the columns when every replication's table is empty (e.g. nothing resolved yet)
    return next((f for f in frames if f is not None), pd.DataFrame()).reset_index(drop=True)


def combine_results(parts: Sequence[Results]) -> Results:
    """Stack results of consecutive replication batches of one scenario (same seed)."""
    first = parts[0]
    kept = [p.dossiers for p in parts if p.dossiers is not None]
    return Results(
        scenario=first.scenario,
        seed=first.seed,
        replications=stack_tables(parts, "replications"),
        **{name: stack_tables(parts, name) for name in GROUP_TABLES},
        dossiers=pd.concat(kept, ignore_index=True) if kept else None,
        wall_seconds=sum(p.wall_seconds for p in parts),
        meta=dict(first.meta),
    )
