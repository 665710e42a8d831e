"""Excel workbooks of a run, a comparison and a sweep, for planners (openpyxl).

The CSV files of an output folder are for programs (plain UTF-8, unrounded fractions); the
workbook is for people: one sheet per table, every header in both languages (the chosen one
first, from :mod:`sim.labels`), Vietnamese names intact, rates as percent cells (number format
``0.00%``, values in [0, 1]), counts as whole dossiers, a frozen header row, filters and
column widths that fit.

Conventions of every sheet
--------------------------
* **Counts** (dossiers received, resolved, late, open) are means per replication rounded to
  whole dossiers and are labelled "mean per replication"; the unrounded means are in the CSVs.
* **Rates** (on-time rate, shares, utilisation) are fractions in [0, 1] shown as percentages;
  their 95% interval bounds are clipped to [0, 1] (a rate cannot leave that range).
* **Differences of rates** are fractions shown as percentages (read: percentage points).
* Undefined values (too few replications for an interval, nothing resolved) are empty cells.
* Intervals are 95% Student-t intervals over independent replications
  (:func:`sim.results.t_interval`); comparisons add the paired interval under common random
  numbers and the unpaired (Welch) one (:mod:`sim.comparison`).

Every file is written to a temporary name and renamed into place
(:func:`sim.outputs.atomic_path`), like every other output.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sim.labels import LANGS, label
from sim.stats import is_count

if TYPE_CHECKING:
    from sim.comparison import Comparison
    from sim.results import Results
    from sim.sweep import SweepResults

WORKBOOK = "results.xlsx"
"""File name of the workbook in an output folder."""

#: Excel number formats by kind of value.
FORMATS: dict[str, str] = {
    "text": "General",
    "int": "0",
    "count": "#,##0",
    "rate": "0.00%",
    "diff_rate": "+0.00%;-0.00%;0.00%",
    "number": "#,##0.00",
    "diff": "+#,##0.00;-#,##0.00;0.00",
}

_MAX_WIDTH = 40
_ABOUT_WIDTH = 90
_MIN_WIDTH = 8
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def metric_kind(metric: str) -> str:
    """``"rate"``, ``"count"`` or ``"number"`` for a KPI column of ``Results.replications``."""
    if is_count(metric):  # the one list of counts, sim.stats.COUNTS
        return "count"
    if metric.endswith(("_rate", "_share")) or metric.startswith("utilisation_"):
        return "rate"
    if metric in ("utilisation", "reception_utilisation", "share"):
        return "rate"
    return "number"


def _other(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return next(x for x in LANGS if x != lang)


def header_text(keys: str | Sequence[str], lang: str) -> str:
    """A bilingual header: the label in ``lang``, then (on a second line) in the other one."""
    parts = [keys] if isinstance(keys, str) else list(keys)

    def one(lg: str) -> str:
        return " – ".join(label(k, lg) for k in parts)

    first, second = one(lang), one(_other(lang))
    return first if first == second else f"{first}\n{second}"


# ----------------------------------------------------------------------------- cell values


def _clean(x: Any) -> Any:
    """A value openpyxl writes as Excel expects: None for NaN/NA/inf, Python scalars."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if hasattr(x, "item") and not isinstance(x, str):  # numpy scalar
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _cell_value(x: Any, kind: str) -> Any:
    x = _clean(x)
    if x is None:
        return None
    if kind == "count":  # half away from zero, as Excel's ROUND (not Python's to-even)
        v = float(x)
        return int(math.copysign(math.floor(abs(v) + 0.5), v))
    if kind == "int":
        return int(x)
    if kind == "rate":
        return min(max(float(x), 0.0), 1.0)
    if kind in ("diff_rate", "number", "diff"):
        return float(x)
    if isinstance(x, str):  # control characters (a factor level "\x1f") are written escaped
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", x)
    return x


Kind = str | Callable[[pd.Series], str]


@dataclass(frozen=True)
class Col:
    """One column of a sheet: frame column, header label key(s), kind of value.

    ``kind`` is a key of :data:`FORMATS` or a function of the row giving one (for tables with
    one metric per row). ``translate`` passes text values through :func:`sim.labels.label`
    (with ``prefix`` prepended to the key).
    """

    key: str
    header: str | tuple[str, ...]
    kind: Kind = "text"
    translate: bool = False
    prefix: str = ""


def _kind_of(col: Col, row: pd.Series) -> str:
    return col.kind(row) if callable(col.kind) else col.kind


def _width(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def table_sheet(
    wb: Workbook,
    title: str,
    frame: pd.DataFrame,
    cols: Sequence[Col],
    lang: str,
    *,
    freeze_cols: int = 0,
) -> Worksheet:
    """Append a sheet with one bilingual header row and one row per row of ``frame``.

    The header row is frozen (with the first ``freeze_cols`` columns), has filter buttons,
    and column widths fit the header and values (at most 40 characters, headers wrap).
    """
    ws = wb.create_sheet(title=label(title, lang)[:31])
    headers = [header_text(c.header, lang) for c in cols]
    ws.append(headers)
    widths = [_MIN_WIDTH] * len(cols)
    for j, h in enumerate(headers):
        widths[j] = max(widths[j], min(_MAX_WIDTH, _width(h)) + 2)
    for _, row in frame.iterrows():
        values = []
        for j, c in enumerate(cols):
            kind = _kind_of(c, row)
            v = _cell_value(row.get(c.key), kind)
            if c.translate and v is not None:
                v = label(f"{c.prefix}{v}", lang)
            values.append(v)
            if isinstance(v, str):
                widths[j] = max(widths[j], min(_MAX_WIDTH, len(v) + 2))
            elif v is not None:
                widths[j] = max(widths[j], 12)
        ws.append(values)
        r = ws.max_row
        for j, c in enumerate(cols):
            ws.cell(row=r, column=j + 1).number_format = FORMATS[_kind_of(c, row)]
    bold = Font(bold=True)
    for j, cell in enumerate(ws[1]):
        cell.font = bold
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(j + 1)].width = widths[j]
    lines = max(
        sum(max(1, math.ceil(len(line) / max(widths[j] - 2, 1))) for line in h.splitlines())
        for j, h in enumerate(headers)
    )
    ws.row_dimensions[1].height = 15 * lines + 3
    ws.freeze_panes = ws.cell(row=2, column=freeze_cols + 1)
    if len(cols):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(ws.max_row, 1)}"
    return ws


def about_sheet(wb: Workbook, lang: str, items: Sequence[tuple[str, Any]]) -> Worksheet:
    """A first sheet of (label key, value) pairs describing what the workbook holds."""
    frame = pd.DataFrame(
        [{"item": label(k, lang), "value": _clean(v)} for k, v in items], columns=["item", "value"]
    )
    cols = [Col("item", "wb_item"), Col("value", "wb_value")]
    ws = table_sheet(wb, "sheet_about", frame, cols, lang)
    ws.auto_filter.ref = None
    # notes are sentences: a wide value column that wraps rather than spills over
    ws.column_dimensions["B"].width = _ABOUT_WIDTH
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return ws


def _new_workbook(title: str) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "tthc-sim"
    wb.properties.title = title
    return wb


def _version() -> str:
    from sim import __version__

    return str(__version__)


def _notes(lang: str) -> list[tuple[str, Any]]:
    return [
        ("wb_note_counts", label("wb_note_counts_text", lang)),
        ("wb_note_rates", label("wb_note_rates_text", lang)),
        ("wb_note_intervals", label("wb_note_intervals_text", lang)),
        ("wb_note_csv", label("wb_note_csv_text", lang)),
        ("wb_software", f"tthc-sim {_version()}"),
    ]


# ----------------------------------------------------------------------------- columns


def _mean_kind(row: pd.Series) -> str:
    return metric_kind(str(row["metric"]))


def _interval_kind(row: pd.Series) -> str:
    return "rate" if metric_kind(str(row["metric"])) == "rate" else "number"


def _diff_kind(row: pd.Series) -> str:
    return "diff_rate" if metric_kind(str(row["metric"])) == "rate" else "diff"


SUMMARY_COLS = (
    Col("metric", "wb_metric", translate=True),
    Col("mean", "wb_mean", _mean_kind),
    Col("ci95_low", "wb_ci95_low", _interval_kind),
    Col("ci95_high", "wb_ci95_high", _interval_kind),
    Col("sd", "wb_sd", _interval_kind),
    Col("reps", "wb_reps", "int"),
    Col("metric", "wb_metric_key"),
)

UNIT_COLS = (
    Col("code", "wb_code"),
    Col("name", "wb_unit_name"),
    Col("type", "wb_unit_type", translate=True),
    Col("arrived", "wb_arrived", "count"),
    Col("resolved", "wb_resolved", "count"),
    Col("late", "wb_late", "count"),
    Col("open", "wb_open", "count"),
    Col("open_overdue", "wb_open_overdue", "count"),
    Col("on_time_rate", "on_time_rate", "rate"),
    Col("on_time_ci95_low", "wb_ci95_low", "rate"),
    Col("on_time_ci95_high", "wb_ci95_high", "rate"),
    Col("desk_wait_minutes_mean", "desk_wait_minutes_mean", "number"),
    Col("reception_utilisation", "utilisation_reception", "rate"),
    Col("online_share", "online_share", "rate"),
)


def _group_cols(key: str, header: str, *, translate: bool = False) -> tuple[Col, ...]:
    return (
        Col(key, header, translate=translate),
        Col("resolved", "wb_resolved", "count"),
        Col("late", "wb_late", "count"),
        Col("on_time_rate", "on_time_rate", "rate"),
        Col("ci95_low", "wb_ci95_low", "rate"),
        Col("ci95_high", "wb_ci95_high", "rate"),
    )


PROCEDURE_COLS = (Col("procedure", "wb_procedure_id"), *_group_cols("name", "procedure"))
MONTH_COLS = _group_cols("month", "wb_month")
CAUSE_COLS = (
    Col("cause", "wb_cause", translate=True, prefix="cause_"),
    Col("late_per_rep", "wb_late_per_rep", "count"),
    Col("share", "wb_share_of_late", "rate"),
)

SCENARIO_COL = Col("scenario", "scenario")


# ----------------------------------------------------------------------------- frames


def unit_frame(results: Results) -> pd.DataFrame:
    """:meth:`Results.unit_table` with late dossiers (mean per replication) added."""
    table = results.unit_table()
    late = results.units.groupby("code", sort=False)["late"].mean()
    table.insert(table.columns.get_loc("open"), "late", table["code"].map(late))
    return table


def procedure_frame(results: Results, lang: str) -> pd.DataFrame:
    """:meth:`Results.group_table` of procedures with the procedure's name in ``lang``."""
    table = results.group_table("procedures")
    if len(table):
        table.insert(1, "name", [label(str(p), lang) for p in table["procedure"]])
    return table


def _stack(frames: Sequence[pd.DataFrame], labels: Sequence[str]) -> pd.DataFrame:
    parts = [f.assign(scenario=lb) for f, lb in zip(frames, labels, strict=True) if len(f)]
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", *[c for c in out.columns if c != "scenario"]]]


# ----------------------------------------------------------------------------- run


def build_workbook(results: Results, *, lang: str = "vi") -> Workbook:
    """The workbook of a run (not saved): sheets about, summary, units, procedures, months,
    causes.

    Parameters
    ----------
    results
        Replications of one scenario (:func:`sim.experiment.run`).
    lang
        ``"vi"`` or ``"en"``: language of sheet names, names in cells, and the first line of
        every header (the second line is the other language).

    Raises
    ------
    ValueError
        If ``lang`` is not a known language.
    """
    _other(lang)
    scn = results.scenario
    wb = _new_workbook(f"tthc-sim: {scn.name}")
    about_sheet(
        wb,
        lang,
        [
            ("wb_kind", label("wb_kind_run", lang)),
            ("scenario", scn.name),
            ("wb_description", scn.description),
            ("wb_horizon", f"{scn.horizon.start} – {scn.horizon.end}"),
            ("wb_units", len(scn.unit_codes())),
            ("wb_reps", results.reps),
            ("wb_seed", str(results.seed)),
            *_notes(lang),
        ],
    )
    table_sheet(wb, "sheet_summary", results.summary(), SUMMARY_COLS, lang, freeze_cols=1)
    table_sheet(wb, "sheet_units", unit_frame(results), UNIT_COLS, lang, freeze_cols=2)
    table_sheet(
        wb, "sheet_procedures", procedure_frame(results, lang), PROCEDURE_COLS, lang, freeze_cols=2
    )
    table_sheet(wb, "sheet_months", results.group_table("months"), MONTH_COLS, lang, freeze_cols=1)
    table_sheet(wb, "sheet_causes", results.cause_table(), CAUSE_COLS, lang, freeze_cols=1)
    return wb


# ----------------------------------------------------------------------------- comparison

SCENARIO_TABLE_COLS = (
    SCENARIO_COL,
    Col("reps", "wb_reps", "int"),
    Col("on_time_rate", "on_time_rate", "rate"),
    Col("ci95_low", "wb_ci95_low", "rate"),
    Col("ci95_high", "wb_ci95_high", "rate"),
    Col("arrived", "wb_arrived", "count"),
    Col("resolved", "wb_resolved", "count"),
    Col("late", "wb_late", "count"),
    Col("open", "wb_open", "count"),
)

DIFFERENCE_COLS = (
    SCENARIO_COL,
    Col("reference", "wb_reference"),
    Col("metric", "wb_metric", translate=True),
    Col("mean_reference", "wb_mean_reference", _interval_kind),
    Col("mean_scenario", "wb_mean_scenario", _interval_kind),
    Col("difference", "wb_difference", _diff_kind),
    Col("paired_ci95_low", "wb_paired_ci95_low", _diff_kind),
    Col("paired_ci95_high", "wb_paired_ci95_high", _diff_kind),
    Col("unpaired_ci95_low", "wb_unpaired_ci95_low", _diff_kind),
    Col("unpaired_ci95_high", "wb_unpaired_ci95_high", _diff_kind),
    Col("pairs", "wb_pairs", "int"),
    Col("halfwidth_ratio", "wb_halfwidth_ratio", "number"),
    Col("metric", "wb_metric_key"),
)

UNIT_DIFFERENCE_COLS = (
    SCENARIO_COL,
    Col("code", "wb_code"),
    Col("name", "wb_unit_name"),
    Col("type", "wb_unit_type", translate=True),
    Col("metric", "wb_metric", translate=True),
    Col("mean_reference", "wb_mean_reference", _interval_kind),
    Col("mean_scenario", "wb_mean_scenario", _interval_kind),
    Col("difference", "wb_difference", _diff_kind),
    Col("paired_ci95_low", "wb_paired_ci95_low", _diff_kind),
    Col("paired_ci95_high", "wb_paired_ci95_high", _diff_kind),
    Col("pairs", "wb_pairs", "int"),
)


def build_comparison_workbook(comparison: Comparison, *, lang: str = "vi") -> Workbook:
    """The workbook of a comparison (not saved).

    Sheets: about, summary (one row per scenario), differences (scenario minus reference for
    each KPI, paired and unpaired 95% intervals), unit differences, and the units,
    procedures, months and causes of every scenario (a ``scenario`` column first).

    Raises
    ------
    ValueError
        If ``lang`` is not a known language.
    """
    from sim.comparison import UNIT_KPIS

    _other(lang)
    cmp = comparison
    wb = _new_workbook(f"tthc-sim: {' / '.join(cmp.labels)}")
    ref = cmp.reference.scenario
    about_sheet(
        wb,
        lang,
        [
            ("wb_kind", label("wb_kind_comparison", lang)),
            ("wb_reference", cmp.labels[0]),
            ("wb_scenarios", ", ".join(cmp.labels[1:])),
            ("wb_horizon", f"{ref.horizon.start} – {ref.horizon.end}"),
            ("wb_reps", cmp.reps),
            ("wb_seed", str(cmp.seed)),
            ("wb_note_paired", label("wb_note_paired_text", lang)),
            *_notes(lang),
        ],
    )
    labels = cmp.labels
    table_sheet(wb, "sheet_summary", cmp.scenario_table(), SCENARIO_TABLE_COLS, lang, freeze_cols=1)
    table_sheet(wb, "sheet_differences", cmp.differences(), DIFFERENCE_COLS, lang, freeze_cols=1)
    table_sheet(
        wb,
        "sheet_unit_differences",
        cmp.unit_differences(UNIT_KPIS),
        UNIT_DIFFERENCE_COLS,
        lang,
        freeze_cols=3,
    )
    table_sheet(
        wb,
        "sheet_units",
        _stack([unit_frame(r) for r in cmp.results], labels),
        (SCENARIO_COL, *UNIT_COLS),
        lang,
        freeze_cols=3,
    )
    table_sheet(
        wb,
        "sheet_procedures",
        _stack([procedure_frame(r, lang) for r in cmp.results], labels),
        (SCENARIO_COL, *PROCEDURE_COLS),
        lang,
        freeze_cols=3,
    )
    table_sheet(
        wb,
        "sheet_months",
        _stack([r.group_table("months") for r in cmp.results], labels),
        (SCENARIO_COL, *MONTH_COLS),
        lang,
        freeze_cols=2,
    )
    table_sheet(
        wb,
        "sheet_causes",
        _stack([r.cause_table() for r in cmp.results], labels),
        (SCENARIO_COL, *CAUSE_COLS),
        lang,
        freeze_cols=2,
    )
    return wb


# ----------------------------------------------------------------------------- sweep


def point_cols(
    factors: Sequence[str], kpis: Sequence[str], text_factors: Sequence[str] = ()
) -> tuple[Col, ...]:
    """Columns of the points sheet: point, name, factor values (numbers, or text for those in
    ``text_factors``), status, then every KPI with its 95% interval."""
    cols = [
        Col("point", "wb_point", "int"),
        Col("name", "wb_point_name"),
        *[Col(f, f, "text" if f in text_factors else "number") for f in factors],
        Col("status", "wb_status", translate=True, prefix="status_"),
        Col("reps", "wb_reps", "int"),
    ]
    for k in kpis:
        kind = metric_kind(k)
        ci_kind = "rate" if kind == "rate" else "number"
        cols += [
            Col(k, k, kind),
            Col(f"{k}_ci95_low", (k, "wb_ci95_low"), ci_kind),
            Col(f"{k}_ci95_high", (k, "wb_ci95_high"), ci_kind),
        ]
    cols.append(Col("point_id", "wb_point_id"))
    return tuple(cols)


def build_sweep_workbook(sweep_results: SweepResults, *, lang: str = "vi") -> Workbook:
    """The workbook of a sweep (not saved): about, points (factor values and the main KPIs
    with 95% intervals, one row per point) and, if any point failed, errors.

    Raises
    ------
    ValueError
        If ``lang`` is not a known language.
    """
    from sim.sweep import POINT_KPIS

    _other(lang)
    res = sweep_results
    sw = res.sweep
    points = res.points
    wb = _new_workbook(f"tthc-sim: {sw.name}")
    done = int((points["status"] == "done").sum()) if len(points) else 0
    about_sheet(
        wb,
        lang,
        [
            ("wb_kind", label("wb_kind_sweep", lang)),
            ("wb_sweep", sw.name),
            ("wb_description", sw.spec.description),
            ("wb_base", sw.base.name),
            ("wb_factors", ", ".join(label(f, lang) for f in sw.factors)),
            ("wb_points", len(sw.points)),
            ("wb_points_done", done),
            ("wb_points_failed", res.failed),
            ("wb_reps", sw.reps),
            ("wb_seed", str(sw.seed)),
            *_notes(lang),
        ],
    )
    kpis = [k for k in POINT_KPIS if k in points.columns]
    text_factors = [  # e.g. a pooling mode or a switch: shown as written in the sweep file
        f
        for f in sw.factors
        if f in points.columns
        and (not pd.api.types.is_numeric_dtype(points[f]) or pd.api.types.is_bool_dtype(points[f]))
    ]
    cols = point_cols(sw.factors, kpis, text_factors)
    table_sheet(wb, "sheet_points", points, cols, lang, freeze_cols=2)
    if res.failed:
        err_cols = (
            Col("point", "wb_point", "int"),
            Col("name", "wb_point_name"),
            Col("rep", "wb_rep", "int"),
            Col("error", "wb_error"),
            Col("point_id", "wb_point_id"),
        )
        table_sheet(wb, "sheet_errors", res.errors, err_cols, lang, freeze_cols=2)
    return wb


# ----------------------------------------------------------------------------- saving


def save_workbook(wb: Workbook, path: str | Path) -> Path:
    """Save atomically (temporary file renamed into place); return the path."""
    from sim.outputs import atomic_path

    target = Path(path)
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target


def workbook_bytes(wb: Workbook) -> bytes:
    """The ``.xlsx`` file as bytes (e.g. for a download button)."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_workbook(results: Results, path: str | Path, *, lang: str = "vi") -> Path:
    """Write the workbook of a run to ``path`` atomically.

    Parameters
    ----------
    results
        Replications of one scenario (:func:`sim.experiment.run`).
    path
        The ``.xlsx`` file; its folder is created if missing, an existing file is replaced
        only once the new one is complete.
    lang
        ``"vi"`` (default) or ``"en"``: sheet names, names in cells and the first line of
        every header; the second header line is the other language.

    Returns
    -------
    Path
        ``path``. Sheets and columns: see :func:`build_workbook` and the module docstring.

    Raises
    ------
    ValueError
        If ``lang`` is not a known language (nothing is written).
    """
    return save_workbook(build_workbook(results, lang=lang), path)


def write_comparison_workbook(
    comparison: Comparison, path: str | Path, *, lang: str = "vi"
) -> Path:
    """Write the workbook of a comparison atomically (see :func:`build_comparison_workbook`)."""
    return save_workbook(build_comparison_workbook(comparison, lang=lang), path)


def write_sweep_workbook(
    sweep_results: SweepResults, path: str | Path, *, lang: str = "vi"
) -> Path:
    """Write the workbook of a sweep atomically (see :func:`build_sweep_workbook`)."""
    return save_workbook(build_sweep_workbook(sweep_results, lang=lang), path)


__all__ = [
    "FORMATS",
    "WORKBOOK",
    "Col",
    "build_comparison_workbook",
    "build_sweep_workbook",
    "build_workbook",
    "header_text",
    "metric_kind",
    "save_workbook",
    "table_sheet",
    "workbook_bytes",
    "write_comparison_workbook",
    "write_sweep_workbook",
    "write_workbook",
]
